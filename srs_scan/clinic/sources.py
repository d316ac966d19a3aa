"""The clinic's records from a ledger: every page as it stands (the correction trail
applied, as the exports see it), with its client and session from the QR code or the
assignment trail. Only pages with a total count; pages still in review count, marked."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..ledger import assignments
from ..ledger.corrections import Correction, apply
from ..ledger.store import Ledger
from ..model import PageResult, PageStatus
from .records import Score
from .rules import rules_for


@dataclass(frozen=True)
class Loaded:
    """The scores, and how many form pages were left out and why (``left_pages``: each
    one's page id and reason, for the exports that list what they leave out)."""

    scores: tuple[Score, ...]
    left_out: dict[str, int] = field(default_factory=dict)
    pages: int = 0
    left_pages: tuple[tuple[str, str], ...] = ()


def score_of(result: PageResult, page_id: str, who: assignments.Assignment | None) -> Score | str:
    """The clinic's record of one page as it stands, or why it does not count."""
    if result.form is None:
        return "no form on the page"
    rules = rules_for(result.form)
    if rules is None:
        # a clinic's own form (--template): its flags are on its pages; sessions pair the PCOMS forms
        return (f"{result.form.upper()} has no clinical rules (sessions, alerts and the exports for other "
                "systems carry the PCOMS forms: SRS, ORS, CSRS, CORS)")
    if result.total is None:
        return "no total (an item missing or unread)"
    qr = assignments.Assignment(result.client, result.session)
    eff = who.over(qr) if who is not None else qr
    if eff.client is None:
        return "no client (assign one: srs-scan assign)"
    if eff.session is None:
        return "no session number (assign one: srs-scan assign)"
    return Score(page_id, result.form, rules.role, eff.client, eff.session, float(result.total),
                 tuple(i.score for i in result.items), tuple(i.name for i in result.items), eff.date,
                 eff.therapist, eff.site, result.corrected, result.status is not PageStatus.REVIEW)


def load(ledger: Ledger) -> Loaded:
    """Every countable page of the ledger as a :class:`Score`."""
    who = assignments.all_current(ledger)
    trails: dict[str, list[Correction]] = {}
    for entry in ledger.trail():  # the whole trail at once, oldest first
        trails.setdefault(entry.page_hash, []).append(entry)
    scores: list[Score] = []
    left: Counter[str] = Counter()
    left_pages: list[tuple[str, str]] = []
    pages = ledger.pages()
    for stored in pages:
        if stored.result.status in (PageStatus.NO_FORM, PageStatus.ERROR) and stored.page_hash not in who:
            continue
        result = apply(stored.result, trails.get(stored.page_hash, []), item_threshold=stored.item_threshold,
                       form=stored.form)
        got = score_of(result, stored.page_id, who.get(stored.page_hash))
        if isinstance(got, str):
            if result.form is not None:
                left[got] += 1
                left_pages.append((stored.page_id, got))
        else:
            scores.append(got)
    return Loaded(tuple(scores), dict(left), len(pages), tuple(left_pages))
