"""A client's sessions in order: the outcome form (ORS/CORS, start of the session) and the
alliance form (SRS/CSRS, its end) of the same session number pair up."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from .records import Scope, Score
from .rules import ALLIANCE, OUTCOME


@dataclass(frozen=True)
class Session:
    """One session of a client. ``extra`` holds further pages of a form already seen for
    this session (a form scanned twice, or two sheets filled in): the first is used."""

    client: str
    number: int
    outcome: Score | None = None
    alliance: Score | None = None
    extra: tuple[Score, ...] = ()

    @property
    def forms(self) -> tuple[Score, ...]:
        return tuple(s for s in (self.outcome, self.alliance) if s is not None)

    @property
    def date(self) -> date | None:
        """The session's date, when an assignment gave one (the outcome form's first)."""
        return next((s.date for s in self.forms if s.date is not None), None)

    @property
    def therapist(self) -> str | None:
        return next((s.therapist for s in self.forms if s.therapist), None)

    @property
    def site(self) -> str | None:
        return next((s.site for s in self.forms if s.site), None)

    @property
    def unreviewed(self) -> bool:
        return any(not s.reviewed for s in self.forms)

    def in_scope(self, scope: Scope) -> bool:
        if scope.client is not None and self.client != scope.client:
            return False
        if scope.therapist is not None and self.therapist != scope.therapist:
            return False
        if scope.site is not None and self.site != scope.site:
            return False
        if scope.dated:
            when = self.date
            if when is None:
                return False
            if scope.date_from is not None and when < scope.date_from:
                return False
            if scope.date_to is not None and when > scope.date_to:
                return False
        return True


@dataclass(frozen=True)
class Episode:
    """A client's sessions, in session-number order."""

    client: str
    sessions: tuple[Session, ...]

    @property
    def outcomes(self) -> tuple[Score, ...]:
        return tuple(s.outcome for s in self.sessions if s.outcome is not None)

    @property
    def alliances(self) -> tuple[Score, ...]:
        return tuple(s.alliance for s in self.sessions if s.alliance is not None)

    @property
    def intake(self) -> Score | None:
        """The first outcome score: the baseline every change is measured from."""
        outcomes = self.outcomes
        return outcomes[0] if outcomes else None

    @property
    def last_outcome(self) -> Score | None:
        outcomes = self.outcomes
        return outcomes[-1] if outcomes else None

    @property
    def last_alliance(self) -> Score | None:
        alliances = self.alliances
        return alliances[-1] if alliances else None

    @property
    def outcome_form(self) -> str | None:
        intake = self.intake
        return intake.form if intake else None

    @property
    def last(self) -> Session:
        return self.sessions[-1]


def build_episodes(scores: Iterable[Score]) -> tuple[Episode, ...]:
    """Every client's episode, by client ID; within it, sessions by number."""
    slots: dict[str, dict[int, dict[str, list[Score]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(list)))
    for score in scores:
        slots[score.client][score.session][score.role].append(score)
    episodes = []
    for client in sorted(slots):
        sessions = []
        for number in sorted(slots[client]):
            by_role = slots[client][number]
            outcome, alliance = by_role.get(OUTCOME, []), by_role.get(ALLIANCE, [])
            sessions.append(Session(client, number, outcome[0] if outcome else None,
                                    alliance[0] if alliance else None, tuple(outcome[1:] + alliance[1:])))
        episodes.append(Episode(client, tuple(sessions)))
    return tuple(episodes)
