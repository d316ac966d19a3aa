"""The clinic's figures over a period: each mean with its n (and 95 % interval), each
share as a fraction with its n, beside the published benchmarks.

Which sessions and clients count (a :class:`~.records.Scope`): a session counts when it
is in scope (date, therapist, site, client); a client counts when one of their sessions
does. A client's outcome (intake to latest outcome score) is taken over their whole
episode, so an intake before the period is still the intake.

* outcome category of a client with two or more outcome scores, change = latest - intake:
  ``recovered`` (change >= reliable change and latest >= cutoff), ``improved`` (reliably
  improved: change >= reliable change, latest still below the cutoff), ``deteriorated``
  (change <= -reliable change), else ``unchanged``;
* ``reliable_or_clinically_significant``: change >= reliable change, or intake below the
  cutoff and latest at or above it (the published ~65 %);
* effect size: (mean latest - mean intake) / SD of intake (sample SD), same clients;
* alliance-outcome link: mean change of clients whose first session rating was not an
  alliance concern (above 36) against those whose was (at or below 36).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .episodes import Episode, Session
from .records import EVERYTHING, Scope
from .rules import DEFAULT_SETTINGS, OUTCOME, Settings, alliance_concern, points, rules_for

CATEGORIES = ("improved", "recovered", "deteriorated", "unchanged")
# the SRS distribution: right-closed bins (-inf, 30], (30, 34], (34, 36], (36, 38], (38, 40]
SRS_BINS = (30.0, 34.0, 36.0, 38.0, 40.0)


@dataclass(frozen=True)
class Mean:
    value: float | None
    n: int
    sd: float | None = None
    ci95: tuple[float, float] | None = None

    def to_dict(self) -> dict:
        return {"value": _r(self.value), "n": self.n, "sd": _r(self.sd),
                "ci95": None if self.ci95 is None else [_r(self.ci95[0]), _r(self.ci95[1])]}


@dataclass(frozen=True)
class Share:
    count: int
    n: int

    @property
    def value(self) -> float | None:
        return self.count / self.n if self.n else None

    def to_dict(self) -> dict:
        return {"value": None if self.value is None else round(self.value, 4), "count": self.count, "n": self.n}


def _r(x: float | None, places: int = 2) -> float | None:
    return None if x is None else round(x, places)


def t975(df: int) -> float:
    """The 97.5 % quantile of Student's t with ``df`` degrees of freedom."""
    from scipy.special import stdtrit  # scipy.special, not scipy.stats: a quarter of a second, not seconds

    return float(stdtrit(df, 0.975))


def mean_of(values: Sequence[float]) -> Mean:
    """The mean, sample SD and t-based 95 % confidence interval (none below n = 2)."""
    n = len(values)
    if n == 0:
        return Mean(None, 0)
    m = sum(values) / n
    if n < 2:
        return Mean(m, n)
    sd = math.sqrt(sum((v - m) ** 2 for v in values) / (n - 1))
    half = t975(n - 1) * sd / math.sqrt(n)
    return Mean(m, n, sd, (m - half, m + half))


@dataclass(frozen=True)
class ClientOutcome:
    """A client's change from intake to their latest outcome score."""

    client: str
    form: str
    intake: float
    last: float
    change: float
    category: str
    reliable_or_cs: bool


def client_outcome(episode: Episode, settings: Settings = DEFAULT_SETTINGS) -> ClientOutcome | None:
    """The outcome of a client with two or more outcome scores of one form, else None."""
    intake = episode.intake
    if intake is None:
        return None
    same = [s for s in episode.outcomes if s.form == intake.form]
    rules = rules_for(intake.form, settings)
    if len(same) < 2 or rules is None:
        return None
    cutoff, rc = rules.clinical_cutoff, rules.reliable_change
    assert cutoff is not None and rc is not None
    last = same[-1]
    change = points(last.total - intake.total)
    if change >= rc:
        category = "recovered" if last.total >= cutoff else "improved"
    elif change <= -rc:
        category = "deteriorated"
    else:
        category = "unchanged"
    significant = change >= rc or intake.total < cutoff <= last.total
    return ClientOutcome(episode.client, intake.form, intake.total, last.total, change, category, significant)


@dataclass(frozen=True)
class GroupFigures:
    """A therapist's or a site's share of the figures."""

    name: str
    clients: int
    sessions: int
    mean_srs: Mean
    share_srs_above_36: Share
    improved_or_recovered: Share
    deteriorated: Share

    def to_dict(self) -> dict:
        return {"name": self.name, "clients": self.clients, "sessions": self.sessions,
                "mean_srs": self.mean_srs.to_dict(), "share_srs_above_36": self.share_srs_above_36.to_dict(),
                "improved_or_recovered": self.improved_or_recovered.to_dict(),
                "deteriorated": self.deteriorated.to_dict()}


@dataclass(frozen=True)
class ClinicFigures:
    clients: int
    sessions: int
    unreviewed_sessions: int
    undated_sessions: int  # left out by a date limit (their date is unknown), or in the period without one
    mean_srs: Mean
    share_srs_above_36: Share
    srs_distribution: tuple[tuple[str, int], ...]
    mean_intake_ors: Mean
    mean_intake_cors: Mean
    outcomes: dict[str, Share]
    reliable_or_clinically_significant: Share
    effect_size: float | None
    effect_size_n: int
    alliance_outcome: dict[str, Mean]
    by_therapist: tuple[GroupFigures, ...] = ()
    by_site: tuple[GroupFigures, ...] = ()
    client_outcomes: dict[str, ClientOutcome] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict:
        return {
            "clients": self.clients, "sessions": self.sessions,
            "unreviewed_sessions": self.unreviewed_sessions, "undated_sessions": self.undated_sessions,
            "mean_srs": _r(self.mean_srs.value), "mean_srs_n": self.mean_srs.n,
            "mean_srs_ci95": None if self.mean_srs.ci95 is None else [_r(v) for v in self.mean_srs.ci95],
            "share_srs_above_36": self.share_srs_above_36.to_dict(),
            "srs_distribution": [{"bin": b, "count": c} for b, c in self.srs_distribution],
            "mean_intake_ors": _r(self.mean_intake_ors.value), "mean_intake_ors_n": self.mean_intake_ors.n,
            "mean_intake_cors": _r(self.mean_intake_cors.value), "mean_intake_cors_n": self.mean_intake_cors.n,
            **{k: v.to_dict() for k, v in self.outcomes.items()},
            "reliable_or_clinically_significant": self.reliable_or_clinically_significant.to_dict(),
            "effect_size": _r(self.effect_size), "effect_size_n": self.effect_size_n,
            "alliance_outcome": {k: v.to_dict() for k, v in self.alliance_outcome.items()},
            "by_therapist": [g.to_dict() for g in self.by_therapist],
            "by_site": [g.to_dict() for g in self.by_site],
        }


def srs_distribution(totals: Sequence[float]) -> tuple[tuple[str, int], ...]:
    """Counts of alliance totals in :data:`SRS_BINS` (right-closed: "34-36" is 34 < t <= 36)."""
    out, lo = [], None
    for hi in SRS_BINS:
        label = f"<= {hi:g}" if lo is None else f"{lo:g}-{hi:g}"
        out.append((label, sum(1 for t in totals if (lo is None or round(t, 1) > lo) and round(t, 1) <= hi)))
        lo = hi
    return tuple(out)


def _alliance_measures(sessions: Sequence[Session], settings: Settings) -> tuple[Mean, Share, list[float]]:
    totals, above = [], 0
    for s in sessions:
        if s.alliance is None:
            continue
        rules = rules_for(s.alliance.form, settings)
        totals.append(s.alliance.total)
        above += rules is not None and rules.cutoff is not None and round(s.alliance.total, 1) > rules.cutoff
    return mean_of(totals), Share(above, len(totals)), totals


def _group(name: str, episodes: Sequence[Episode], sessions: Sequence[Session],
           outcomes: dict[str, ClientOutcome], settings: Settings) -> GroupFigures:
    mean, share, _ = _alliance_measures(sessions, settings)
    clients = sorted({s.client for s in sessions})
    known = [outcomes[c] for c in clients if c in outcomes]
    return GroupFigures(name, len(clients), len(sessions), mean, share,
                        Share(sum(o.category in ("improved", "recovered") for o in known), len(known)),
                        Share(sum(o.category == "deteriorated" for o in known), len(known)))


def clinic_figures(episodes: Sequence[Episode], scope: Scope = EVERYTHING,
                   settings: Settings = DEFAULT_SETTINGS) -> ClinicFigures:
    """The clinic's figures for the sessions in ``scope`` (see the module's docstring)."""
    in_scope = {e.client: [s for s in e.sessions if s.in_scope(scope)] for e in episodes}
    chosen = [e for e in episodes if in_scope[e.client]]
    sessions = [s for e in chosen for s in in_scope[e.client]]
    undated_scope = Scope(None, None, scope.therapist, scope.site, scope.client)
    undated = sum(1 for e in episodes for s in e.sessions if s.date is None and s.in_scope(undated_scope))
    mean_srs, above, totals = _alliance_measures(sessions, settings)
    intakes: dict[str, list[float]] = {"ors": [], "cors": []}
    for e in chosen:
        if e.intake is not None and e.intake.form in intakes:
            intakes[e.intake.form].append(e.intake.total)
    outcomes = {e.client: o for e in chosen if (o := client_outcome(e, settings)) is not None}
    n = len(outcomes)
    shares = {c: Share(sum(o.category == c for o in outcomes.values()), n) for c in CATEGORIES}
    significant = Share(sum(o.reliable_or_cs for o in outcomes.values()), n)
    effect = None
    if n >= 2:
        pre = [o.intake for o in outcomes.values()]
        post = [o.last for o in outcomes.values()]
        sd = mean_of(pre).sd
        if sd:
            effect = (sum(post) / n - sum(pre) / n) / sd
    strong: list[float] = []
    weak: list[float] = []
    for e in chosen:
        o = outcomes.get(e.client)
        first = e.alliances[0] if e.alliances else None
        rules = rules_for(first.form, settings) if first else None
        if o is None or first is None or rules is None:
            continue
        (weak if alliance_concern(first.total, rules) else strong).append(o.change)
    by_therapist = _groups(chosen, in_scope, outcomes, settings, lambda s: s.therapist)
    by_site = _groups(chosen, in_scope, outcomes, settings, lambda s: s.site)
    return ClinicFigures(
        clients=len(chosen), sessions=len(sessions), unreviewed_sessions=sum(s.unreviewed for s in sessions),
        undated_sessions=undated, mean_srs=mean_srs, share_srs_above_36=above,
        srs_distribution=srs_distribution(totals), mean_intake_ors=mean_of(intakes["ors"]),
        mean_intake_cors=mean_of(intakes["cors"]), outcomes=shares, reliable_or_clinically_significant=significant,
        effect_size=effect, effect_size_n=n if effect is not None else 0,
        alliance_outcome={"early_srs_above_36": mean_of(strong), "early_srs_at_or_below_36": mean_of(weak)},
        by_therapist=by_therapist, by_site=by_site, client_outcomes=outcomes,
    )


def _groups(chosen: Sequence[Episode], in_scope: dict[str, list[Session]], outcomes: dict[str, ClientOutcome],
            settings: Settings, key: Callable[[Session], str | None]) -> tuple[GroupFigures, ...]:
    """Per therapist (or site): that one's sessions; a client's outcome goes to the one of
    their latest session in scope."""
    names = sorted({k for e in chosen for s in in_scope[e.client] if (k := key(s))})
    out = []
    for name in names:
        sessions = [s for e in chosen for s in in_scope[e.client] if key(s) == name]
        mine = {e.client: outcomes[e.client] for e in chosen
                if e.client in outcomes and key(in_scope[e.client][-1]) == name}
        out.append(_group(name, chosen, sessions, mine, settings))
    return tuple(out)


__all__ = ["CATEGORIES", "OUTCOME", "ClientOutcome", "ClinicFigures", "Mean", "Share", "clinic_figures",
           "client_outcome", "mean_of"]
