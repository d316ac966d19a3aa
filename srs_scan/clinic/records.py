"""One scored form of one session, as the clinic's rules see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Score:
    """A form with a total, its client and session: corrected values, never guessed ones.

    ``role`` is "outcome" (ORS/CORS, start of session) or "alliance" (SRS/CSRS, end).
    ``date`` is None when nobody said when the session was (never guessed).
    ``reviewed`` is False while the page is still waiting for a person (it is counted,
    and marked). ``corrected``: a person changed a value.
    """

    page_id: str
    form: str
    role: str
    client: str
    session: int
    total: float
    items: tuple[float | None, ...] = ()
    item_names: tuple[str, ...] = ()
    date: date | None = None
    therapist: str | None = None
    site: str | None = None
    corrected: bool = False
    reviewed: bool = True


@dataclass(frozen=True)
class Scope:
    """Which sessions a report covers (None: no limit). Dates are inclusive; with a date
    limit, sessions whose date is unknown are left out (and counted as such)."""

    date_from: date | None = None
    date_to: date | None = None
    therapist: str | None = None
    site: str | None = None
    client: str | None = None

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None


EVERYTHING = Scope()
