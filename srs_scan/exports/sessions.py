"""The session-level records that the OpenFIT, spreadsheet and FHIR exports share.

A session is the clinic's (:mod:`srs_scan.clinic.episodes`): a client's outcome form
(ORS/CORS, start) paired with the alliance form (SRS/CSRS, end) of the same session
number, with corrections applied and the assignment trail's client, date, therapist and
site. This module only chooses which sessions and forms go out and says, page by page,
what is left out and why (page ids only: never a name, never a value).

Pages still in review are left out unless ``include_unreviewed``; a page without a total
(an item missing or unread) or without a client or session number never goes out (those
come from :func:`srs_scan.clinic.sources.load`); a second page of a form already seen for
the same session is left out (the first is used, as in the clinic report).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..clinic.episodes import Session, build_episodes
from ..clinic.records import EVERYTHING, Scope, Score

UNREVIEWED = "still in review (add --include-unreviewed to export it)"


@dataclass(frozen=True)
class LeftOut:
    """A page an export does not carry, and why (``page_id`` is the ledger's id)."""

    page_id: str
    reason: str


@dataclass(frozen=True)
class SessionRecord(Session):
    """One session as the exports see it: the clinic's session (its date, therapist and
    site come from its forms), with at least one of ``outcome`` and ``alliance`` and no
    extra pages (those are left out and listed)."""

    @property
    def corrected(self) -> bool:
        return any(s.corrected for s in self.forms)

    def without(self, role: str) -> SessionRecord:
        return replace(self, outcome=None) if role == "outcome" else replace(self, alliance=None)


@dataclass(frozen=True)
class Selection:
    """The sessions that go out (by client, then session number) and the pages that do not."""

    sessions: tuple[SessionRecord, ...]
    left_out: tuple[LeftOut, ...] = ()

    @property
    def pages(self) -> int:
        return sum(len(s.forms) for s in self.sessions)


def select_sessions(scores: Sequence[Score], left_pages: Sequence[tuple[str, str]] = (), *,
                    scope: Scope = EVERYTHING, include_unreviewed: bool = False) -> Selection:
    """The sessions in ``scope`` with the forms that may go out; ``left_pages`` (page id,
    reason) are the pages the clinic's source already could not count (listed whatever the
    scope: without a total or a client, nobody can say whether they were in it)."""
    left = [LeftOut(pid, why) for pid, why in left_pages]
    out: list[SessionRecord] = []
    for episode in build_episodes(scores):
        for session in episode.sessions:
            if not session.in_scope(scope):
                continue
            record = _record(session, include_unreviewed, left)
            if record is not None:
                out.append(record)
    return Selection(tuple(out), tuple(left))


def _record(session: Session, include_unreviewed: bool, left: list[LeftOut]) -> SessionRecord | None:
    for extra in session.extra:
        left.append(LeftOut(extra.page_id, f"a second {extra.form.upper()} for session {session.number} "
                                           "of the same client (the first is exported)"))
    outcome, alliance = session.outcome, session.alliance
    if not include_unreviewed:
        for score in (outcome, alliance):
            if score is not None and not score.reviewed:
                left.append(LeftOut(score.page_id, UNREVIEWED))
        outcome = outcome if outcome is None or outcome.reviewed else None
        alliance = alliance if alliance is None or alliance.reviewed else None
    if outcome is None and alliance is None:
        return None
    return SessionRecord(session.client, session.number, outcome, alliance)


def summary_of(left: Sequence[LeftOut], *, shown: int = 10) -> list[str]:
    """Lines for the terminal: each reason with its count and the first page ids."""
    by_reason: dict[str, list[str]] = {}
    for x in left:
        by_reason.setdefault(x.reason, []).append(x.page_id)
    lines = []
    for reason, ids in sorted(by_reason.items()):
        unique = list(dict.fromkeys(ids))
        lines.append(f"{len(unique)} page(s), {reason}: " + ", ".join(unique[:shown])
                     + (" ..." if len(unique) > shown else ""))
    return lines
