"""The caseload as one document: the open alerts by urgency, a line per client and the
clinic's figures. :func:`to_json` is what ``srs-scan clients --json`` and
``srs-scan report --json`` write (keys documented in the README).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .alerts import Alert, alerts_for, by_urgency, open_alerts
from .episodes import Episode, Session, build_episodes
from .figures import ClientOutcome, ClinicFigures, clinic_figures
from .records import EVERYTHING, Scope, Score
from .rules import DEFAULT_SETTINGS, Settings, rules_for

JSON_SCHEMA = 1


@dataclass(frozen=True)
class ClientView:
    """One client: the whole episode, every alert, the open ones, the outcome so far."""

    episode: Episode
    alerts: tuple[Alert, ...]
    open: tuple[Alert, ...]
    outcome: ClientOutcome | None

    @property
    def id(self) -> str:
        return self.episode.client


@dataclass(frozen=True)
class Caseload:
    clients: tuple[ClientView, ...]
    figures: ClinicFigures
    scope: Scope = EVERYTHING
    settings: Settings = DEFAULT_SETTINGS
    left_out: dict[str, int] = field(default_factory=dict)
    generated_at: str = ""

    @property
    def open_alerts(self) -> list[Alert]:
        return by_urgency([a for c in self.clients for a in c.open])


def caseload(scores: Sequence[Score], scope: Scope = EVERYTHING, settings: Settings = DEFAULT_SETTINGS, *,
             left_out: dict[str, int] | None = None) -> Caseload:
    """The clients with a session in ``scope`` (their whole history) and the clinic's figures."""
    episodes = build_episodes(scores)
    figures = clinic_figures(episodes, scope, settings)
    views = []
    for e in episodes:
        if not any(s.in_scope(scope) for s in e.sessions):
            continue
        found = alerts_for(e, settings)
        views.append(ClientView(e, found, open_alerts(e, found), figures.client_outcomes.get(e.client)))
    return Caseload(tuple(views), figures, scope, settings, dict(left_out or {}),
                    datetime.now(timezone.utc).isoformat(timespec="seconds"))


def _alert(a: Alert, *, client: bool = False) -> dict[str, Any]:
    d: dict[str, Any] = {"code": a.code, "session": a.session, "message": a.message, "rule": a.rule,
                         "advice": a.advice, "unreviewed": a.unreviewed, "good_news": a.good, "rank": a.rank}
    if client:
        d = {"client": a.client, **d}
    return d


def _form(score: Score | None) -> dict[str, Any] | None:
    if score is None:
        return None
    return {"form": score.form, "total": score.total, "items": list(score.items), "page_id": score.page_id,
            "corrected": score.corrected, "reviewed": score.reviewed}


def _session(s: Session) -> dict[str, Any]:
    return {"session": s.number, "date": None if s.date is None else s.date.isoformat(), "therapist": s.therapist,
            "site": s.site, "outcome": _form(s.outcome), "alliance": _form(s.alliance),
            "extra_pages": [x.page_id for x in s.extra]}


def client_dict(view: ClientView, *, table: bool = True) -> dict[str, Any]:
    e = view.episode
    last_o, last_a, intake = e.last_outcome, e.last_alliance, e.intake
    d: dict[str, Any] = {
        "id": e.client,
        "sessions": len(e.sessions),
        "first_session": e.sessions[0].number, "last_session": e.last.number,
        "last_date": None if e.last.date is None else e.last.date.isoformat(),
        "therapist": e.last.therapist, "site": e.last.site,
        "outcome_form": e.outcome_form,
        "intake_ors": None if intake is None else intake.total,
        "last_ors": None if last_o is None else last_o.total,
        "last_ors_session": None if last_o is None else last_o.session,
        "last_srs": None if last_a is None else last_a.total,
        "last_srs_session": None if last_a is None else last_a.session,
        "change": None if view.outcome is None else view.outcome.change,
        "category": None if view.outcome is None else view.outcome.category,
        "unreviewed_pages": sum(not f.reviewed for s in e.sessions for f in s.forms),
        "corrected_pages": sum(f.corrected for s in e.sessions for f in s.forms),
        "alerts": [_alert(a) for a in by_urgency(list(view.open))],
        "history": [_alert(a) for a in view.alerts],
    }
    if table:
        d["session_table"] = [_session(s) for s in e.sessions]
    return d


def benchmarks() -> dict[str, Any]:
    """The published figures the templates carry, beside the clinic's own."""
    out: dict[str, Any] = {}
    for form in ("srs", "ors"):
        rules = rules_for(form)
        if rules is not None:
            out.update(rules.benchmarks)
    return out


def to_json(load: Caseload, *, tables: bool = True) -> dict[str, Any]:
    s = load.scope
    return {
        "schema": JSON_SCHEMA,
        "generated_at": load.generated_at,
        "scope": {"from": s.date_from.isoformat() if s.date_from else None,
                  "to": s.date_to.isoformat() if s.date_to else None,
                  "therapist": s.therapist, "site": s.site, "client": s.client},
        "settings": {"srs_cutoff_rule": rules_for("srs", load.settings).cutoff_rule,  # type: ignore[union-attr]
                     "item_threshold": rules_for("srs", load.settings).item_threshold,  # type: ignore[union-attr]
                     "reliable_change": rules_for("ors", load.settings).reliable_change,  # type: ignore[union-attr]
                     "on_track_session": rules_for("ors", load.settings).on_track_session},  # type: ignore[union-attr]
        "left_out": load.left_out,
        "alerts": [_alert(a, client=True) for a in load.open_alerts],
        "clients": [client_dict(c, table=tables) for c in load.clients],
        "clinic": {**load.figures.to_dict(), "benchmarks": benchmarks()},
    }


def client_line(view: ClientView) -> str:
    """One line of ``srs-scan clients``."""
    e = view.episode
    last_o, last_a = e.last_outcome, e.last_alliance
    o = "-" if last_o is None else f"{last_o.form.upper()} {last_o.total:.1f} (s{last_o.session})"
    a = "-" if last_a is None else f"{last_a.form.upper()} {last_a.total:.1f} (s{last_a.session})"
    concerns = [x for x in by_urgency(list(view.open)) if not x.good]
    good = [x for x in view.open if x.good]
    alerts = "; ".join(f"{x.code}: {x.message}" + (" [unreviewed]" if x.unreviewed else "") for x in concerns)
    if good:
        alerts += ("; " if alerts else "") + ", ".join(sorted({x.code for x in good}))
    when = "date unknown" if e.last.date is None else e.last.date.isoformat()
    return (f"{e.client}: {len(e.sessions)} session(s), last s{e.last.number} ({when}); last {o}; last {a}; "
            f"alerts: {alerts or 'none'}")
