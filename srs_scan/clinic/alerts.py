"""Alerts: what a therapist should look at before a client's next session, each with the
rule that raised it and advice. Thresholds come from :mod:`.rules` (the templates).

Rules (the session they belong to in brackets):

* ``srs_low`` [s]: the alliance total is at or below the cutoff (36; or "below", an option);
* ``srs_item_low`` [s]: an alliance item below the item threshold (9);
* ``srs_drop`` [s]: the alliance total ``drop`` (1) or more points below the previous
  session's;
* ``srs_perfect_repeat`` [s]: the perfect total (40) in this and the previous session;
* ``intake_clinical`` [intake]: the first outcome score is below the clinical cutoff
  (25 adult ORS, 32 CORS);
* ``deterioration`` [s]: the outcome score ``reliable_change`` (5) or more below intake;
* ``not_on_track`` [s]: session ``on_track_session`` (4) or later, and no outcome score so
  far ``reliable_change`` or more above intake;
* ``reliable_improvement`` [s]: the outcome score ``reliable_change`` or more above intake;
* ``clinically_significant`` [s]: intake below the cutoff, this score at or above it;
* ``srs_missing`` [s]: an outcome form and no alliance form;
* ``session_gap`` [s]: sessions before s not recorded (a gap in the numbers).

Differences are compared to 0.1 point, as the forms are scored (36.0 - 35.1 is 0.9).
A client's *open* alerts are those of their latest session.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..forms.definitions import Clinical
from .episodes import Episode
from .records import Score
from .rules import DEFAULT_SETTINGS, Settings, alliance_concern, cutoff_text, points, rules_for


@dataclass(frozen=True)
class AlertKind:
    code: str
    rank: int  # 1 = most urgent
    title: str
    advice: str
    good: bool = False  # good news (improvement), not a concern


KINDS: dict[str, AlertKind] = {k.code: k for k in (
    AlertKind("deterioration", 1, "Reliable deterioration",
              "The client reports reliably worse well-being than at intake: discuss it openly at the next session, "
              "review the plan and consider a change of approach, more support or a consultation."),
    AlertKind("srs_low", 2, "Alliance concern",
              "Check in directly about the client's experience of the session: explore it together, talk openly "
              "about the work, adjust the approach."),
    AlertKind("not_on_track", 3, "Not on track",
              "No reliable improvement by now: talk with the client about what is and is not helping, and "
              "consider changing the approach (the client's view of progress predicts the outcome)."),
    AlertKind("srs_drop", 4, "Alliance falling",
              "The alliance score fell since the last session: ask what was different this time."),
    AlertKind("srs_item_low", 5, "Low alliance item",
              "One part of the alliance is rated low even if the total is fine: explore that part with the client."),
    AlertKind("intake_clinical", 6, "Intake in the clinical range",
              "The client started in the clinical range: the reliable-change band shows the progress to expect."),
    AlertKind("srs_missing", 7, "Missing feedback",
              "A session with an outcome form and no session rating: ask for the SRS at the end of each session."),
    AlertKind("session_gap", 7, "Gap in sessions",
              "Session numbers are missing: check whether forms were not scanned or sessions were missed."),
    AlertKind("srs_perfect_repeat", 8, "Perfect score again",
              "A perfect score twice running can mean reluctance to give negative feedback: normalise it "
              "(\"it helps me most when you tell me what is not working\")."),
    AlertKind("reliable_improvement", 9, "Reliable improvement",
              "The client reports reliable improvement: tell them, and plan together what comes next.", True),
    AlertKind("clinically_significant", 9, "Clinically significant change",
              "The client moved from the clinical into the non-clinical range: consider planning the ending.", True),
)}


@dataclass(frozen=True)
class Alert:
    """One alert of one client's session. ``rule`` states the threshold that raised it;
    ``unreviewed``: a page it rests on is still waiting for a person."""

    code: str
    client: str
    session: int
    message: str
    rule: str
    unreviewed: bool = False

    @property
    def kind(self) -> AlertKind:
        return KINDS[self.code]

    @property
    def rank(self) -> int:
        return self.kind.rank

    @property
    def advice(self) -> str:
        return self.kind.advice

    @property
    def good(self) -> bool:
        return self.kind.good


def _unreviewed(*scores: Score | None) -> bool:
    return any(s is not None and not s.reviewed for s in scores)


def alliance_alerts(episode: Episode, settings: Settings = DEFAULT_SETTINGS) -> list[Alert]:
    """The SRS/CSRS rules, session by session."""
    out: list[Alert] = []
    previous: Score | None = None
    for session in episode.sessions:
        score = session.alliance
        if score is None:
            continue
        rules = rules_for(score.form, settings)
        if rules is None:
            continue
        name, n = score.form.upper(), session.number
        if alliance_concern(score.total, rules):
            out.append(Alert("srs_low", episode.client, n, f"{name} total {score.total:.1f}",
                             f"{name} total {cutoff_text(rules)}", _unreviewed(score)))
        assert rules.item_threshold is not None
        for item, name_i in zip(score.items, score.item_names, strict=False):
            if item is not None and item < rules.item_threshold:
                out.append(Alert("srs_item_low", episode.client, n, f"{name_i} {item:.1f}",
                                 f"an {name} item < {rules.item_threshold:g}", _unreviewed(score)))
        if previous is not None:
            assert rules.drop is not None
            fall = points(previous.total - score.total)
            if fall >= rules.drop:
                out.append(Alert("srs_drop", episode.client, n,
                                 f"{name} {score.total:.1f}, {fall:.1f} below session {previous.session} "
                                 f"({previous.total:.1f})", f"{name} {rules.drop:g} or more below the previous session",
                                 _unreviewed(score, previous)))
            if rules.perfect is not None and score.total >= rules.perfect and previous.total >= rules.perfect:
                out.append(Alert("srs_perfect_repeat", episode.client, n,
                                 f"{name} {score.total:.0f}/40 in sessions {previous.session} and {n}",
                                 f"{name} {rules.perfect:g} twice running", _unreviewed(score, previous)))
        previous = score
    return out


def outcome_alerts(episode: Episode, settings: Settings = DEFAULT_SETTINGS) -> list[Alert]:
    """The ORS/CORS rules: intake, change from intake, on track."""
    intake = episode.intake
    if intake is None:
        return []
    rules = rules_for(intake.form, settings)
    if rules is None:
        return []
    cutoff, rc, by = rules.clinical_cutoff, rules.reliable_change, rules.on_track_session
    assert cutoff is not None and rc is not None and by is not None
    name = intake.form.upper()
    out: list[Alert] = []
    if intake.total < cutoff:
        out.append(Alert("intake_clinical", episode.client, intake.session, f"intake {name} {intake.total:.1f}",
                         f"intake {name} < {cutoff:g} (clinical cutoff)", _unreviewed(intake)))
    improved = False
    for session in episode.sessions:
        score = session.outcome
        if score is None or score is intake or score.session <= intake.session or score.form != intake.form:
            continue
        change = points(score.total - intake.total)
        n, unrev = session.number, _unreviewed(score, intake)
        said = f"{name} {score.total:.1f}, {change:+.1f} from intake {intake.total:.1f}"
        if change <= -rc:
            out.append(Alert("deterioration", episode.client, n, said, f"{name} {rc:g} or more below intake", unrev))
        if change >= rc:
            improved = True
            out.append(Alert("reliable_improvement", episode.client, n, said,
                             f"{name} {rc:g} or more above intake", unrev))
        if intake.total < cutoff <= score.total:
            out.append(Alert("clinically_significant", episode.client, n, said,
                             f"{name} from below {cutoff:g} at intake to {cutoff:g} or more", unrev))
        if n >= by and not improved:
            out.append(Alert("not_on_track", episode.client, n, said,
                             f"no {name} gain of {rc:g} or more by session {by}", unrev))
    return out


def feedback_alerts(episode: Episode) -> list[Alert]:
    """Missing feedback: an outcome form without an alliance form; gaps in the numbers."""
    out: list[Alert] = []
    previous = 0
    for session in episode.sessions:
        n = session.number
        if n > previous + 1:
            missing = f"session {previous + 1}" if n == previous + 2 else f"sessions {previous + 1}-{n - 1}"
            out.append(Alert("session_gap", episode.client, n, f"{missing} not recorded",
                             "session numbers follow one another from 1"))
        if session.outcome is not None and session.alliance is None:
            out.append(Alert("srs_missing", episode.client, n,
                             f"{session.outcome.form.upper()} and no session rating",
                             "every session has an outcome and a session rating", _unreviewed(session.outcome)))
        previous = n
    return out


def alerts_for(episode: Episode, settings: Settings = DEFAULT_SETTINGS) -> tuple[Alert, ...]:
    """Every alert of a client's episode, session by session, most urgent first within one."""
    found = alliance_alerts(episode, settings) + outcome_alerts(episode, settings) + feedback_alerts(episode)
    return tuple(sorted(found, key=lambda a: (a.session, a.rank, a.code)))


def open_alerts(episode: Episode, alerts: Iterable[Alert]) -> tuple[Alert, ...]:
    """The alerts of the client's latest session: what to act on before the next one."""
    last = episode.last.number
    return tuple(a for a in alerts if a.session == last)


def by_urgency(alerts: Sequence[Alert]) -> list[Alert]:
    """Concerns before good news, the most urgent first, then by client and session."""
    return sorted(alerts, key=lambda a: (a.good, a.rank, a.client, a.session, a.code))


__all__ = ["KINDS", "Alert", "AlertKind", "Clinical", "alerts_for", "by_urgency", "open_alerts"]
