"""Audits: the pages in a ledger as they stand after corrections, in the order a person
should check them, with their images.

Order: pages to review first; among them, first those whose values lie close to a
clinical cutoff (SRS total 36, SRS item 9, ORS total 25), where a misread line could
change what the therapist is told; then the other review pages, then the rest, each
group in file order.

Images are not stored in the ledger (it holds health information as numbers only):
they are decoded again from the file the page was read from, and used only when the
page's pixels still hash to the ledger's key, so an audit never shows a page that is
not the one measured.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO

import numpy as np

from ..forms.definitions import FormDef, all_forms
from ..ledger import corrections
from ..ledger.corrections import Correction
from ..ledger.store import PAGE_ID_LENGTH, Ledger, StoredPage, page_hash
from ..model import PageResult, PageStatus
from ..outputs import cell, printable
from ..read import decode

NEAR_TOTAL = 2.0  # points of a total from its cutoff that count as "close"
NEAR_ITEM = 0.5  # points of an SRS item from its cutoff


@dataclass(frozen=True)
class AuditPage:
    """One page of an audit: the ledger's reading, its trail, and the page as it stands."""

    stored: StoredPage
    trail: tuple[Correction, ...]
    result: PageResult  # corrections applied
    cutoff_note: str | None  # e.g. "total 35.1, cutoff 36" when close to a clinical cutoff
    cutoff_distance: float | None  # points from the nearest cutoff (None: no value to judge)

    @property
    def page_id(self) -> str:
        return self.stored.page_id

    @property
    def review(self) -> bool:
        return self.result.status is PageStatus.REVIEW

    @property
    def near_cutoff(self) -> bool:
        return self.cutoff_note is not None


def current(ledger: Ledger, stored: StoredPage) -> AuditPage:
    """One page as it stands now: the machine's reading with its corrections applied."""
    trail = tuple(ledger.corrections_for(stored.page_hash))
    form = stored.form
    result = corrections.apply(stored.result, trail, item_threshold=stored.item_threshold, form=form)
    result = replace(result, page_id=stored.page_id)
    note, distance = cutoff_closeness(result, stored.item_threshold, form)
    return AuditPage(stored, trail, result, note, distance)


@dataclass(frozen=True)
class Selection:
    """What an audit covers, for its report to say."""

    pages: list[AuditPage]
    total: int  # pages in the ledger (after --source)
    sample: int | None = None
    seed: int = 0
    left_out: int = 0  # pages not drawn into the sample
    unmatched: tuple[str, ...] = ()  # --source files no page was read from


def collect(ledger: Ledger, *, sources: Sequence[Path] = (), sample: int | None = None,
            seed: int = 0, review_only: bool = False) -> list[AuditPage]:
    """The pages to audit, in checking order (see :func:`select`)."""
    return select(ledger, sources=sources, sample=sample, seed=seed, review_only=review_only).pages


def select(ledger: Ledger, *, sources: Sequence[Path] = (), sample: int | None = None,
           seed: int = 0, review_only: bool = False) -> Selection:
    """The pages to audit, in checking order: review pages close to a cutoff, the other
    review pages, then pages read as ok but close to a cutoff, then the rest in file order.

    ``sources``: only pages read from these files (default: every page in the ledger);
    ``sample``: every review page and every page close to a cutoff, plus this many of the
    other form pages drawn at random with ``seed`` (a reproducible spot check; pages
    without a form are left out); ``review_only``: the review pages alone.
    """
    stored = ledger.pages()
    unmatched: tuple[str, ...] = ()
    if sources:
        wanted = {_same_file(s): str(s) for s in sources}
        stored = [p for p in stored if p.path is not None and _same_file(p.path) in wanted]
        found = {_same_file(p.path) for p in stored if p.path is not None}
        unmatched = tuple(name for key, name in wanted.items() if key not in found)
    pages = [current(ledger, p) for p in stored]
    review = [p for p in pages if p.review]
    near_ok = [p for p in pages if not p.review and p.near_cutoff]
    rest = [p for p in pages if not p.review and not p.near_cutoff]
    left_out = 0
    if review_only:
        near_ok, rest = [], []
    elif sample is not None:
        forms = [p for p in rest if p.result.status is PageStatus.OK]
        drawn = random.Random(seed).sample(forms, min(sample, len(forms)))
        left_out = len(rest) - len(drawn)
        rest = sorted(drawn, key=pages.index)

    def by_closeness(group: list[AuditPage]) -> list[AuditPage]:
        return sorted(group, key=lambda p: p.cutoff_distance or 0.0)

    near = by_closeness([p for p in review if p.near_cutoff])
    ordered = near + [p for p in review if not p.near_cutoff] + by_closeness(near_ok) + rest
    return Selection(ordered, len(pages), sample, seed, left_out, unmatched)


def _same_file(path: str | Path) -> str:
    """A file's path with links resolved (a file that is gone keeps its absolute path)."""
    return str(Path(path).resolve())


def cutoff_closeness(result: PageResult, item_threshold: float | None = None,
                     form: FormDef | None = None) -> tuple[str | None, float | None]:
    """How close the page's values are to the clinical cutoffs: a note when within
    NEAR_TOTAL (total) or NEAR_ITEM (an SRS item), and the distance in points. A clinic's
    own form (``form``, kept with its pages) is judged by the cutoffs its template states."""
    if form is None or form.id != result.form:
        form = all_forms().get(result.form) if result.form else None
    if form is None:
        return None, None
    rules = form.scoring
    near: list[tuple[float, str]] = []
    if form.source is not None:
        near = _near_own_cutoffs(result, rules)
    elif form.id == "srs":
        cut = float(rules.get("total_concern_at_most", 36.0))
        if result.total is not None:
            near.append((abs(result.total - cut) / NEAR_TOTAL, f"total {result.total:.1f}, cutoff {cut:g}"))
        limit = item_threshold if item_threshold is not None else float(rules.get("item_flag_below", 9.0))
        for item in result.items:
            if item.score is not None:
                near.append((abs(item.score - limit) / NEAR_ITEM, f"{item.name} {item.score:.1f}, cutoff {limit:g}"))
    elif form.id == "ors" and result.total is not None:
        cut = float(rules.get("total_cutoff_below", 25.0))
        near.append((abs(result.total - cut) / NEAR_TOTAL, f"total {result.total:.1f}, cutoff {cut:g}"))
    if not near:
        return None, None
    scaled, note = min(near)
    distance = scaled * (NEAR_TOTAL if note.startswith("total") else NEAR_ITEM)
    return (note if scaled <= 1.0 else None), round(distance, 2)


def _near_own_cutoffs(result: PageResult, rules: dict[str, float]) -> list[tuple[float, str]]:
    """A clinic form's values against the cutoffs its template states (scaled distances)."""
    near: list[tuple[float, str]] = []
    for key in ("total_concern_at_most", "total_cutoff_below", "total_cutoff_above"):
        if key in rules and result.total is not None:
            note = f"total {result.total:.1f}, cutoff {rules[key]:g}"
            near.append((abs(result.total - rules[key]) / NEAR_TOTAL, note))
    for key in ("item_flag_below", "item_flag_above"):
        if key in rules:
            near += [(abs(item.score - rules[key]) / NEAR_ITEM, f"{item.name} {item.score:.1f}, cutoff {rules[key]:g}")
                     for item in result.items if item.score is not None]
    return near


def page_image(stored: StoredPage) -> np.ndarray | str:
    """The page's image, decoded again from its file, or why it cannot be shown."""
    path = Path(stored.path) if stored.path else Path(stored.result.source)
    if not path.is_file():
        return f"the file is no longer at {printable(str(path))}"
    try:
        pages = list(decode.iter_pages(path, source=str(path), only=stored.result.page))
    except Exception as exc:  # noqa: BLE001 - an audit shows what it can
        return f"the file cannot be read now ({type(exc).__name__})"
    if not pages or isinstance(pages[0], decode.PageFailure):
        return "the page cannot be decoded now"
    item = pages[0]
    if page_hash(item.image, item.dpi) != stored.page_hash:
        return "the file has changed since the page was read: its image is not shown"
    return item.image


TRAIL_COLUMNS = ["correction", "at_utc", "page_id", "source", "page", "item", "item_name",
                 "old_mm", "old_status", "new_mm", "new_status", "by", "reason", "via"]


def write_trail(handle: IO[str], ledger: Ledger) -> int:
    """The whole correction trail as CSV, oldest first; returns the number of rows."""
    pages = {p.page_hash: p for p in ledger.pages()}
    writer = csv.DictWriter(handle, fieldnames=TRAIL_COLUMNS)
    writer.writeheader()
    trail = ledger.trail()
    for c in trail:
        page = pages.get(c.page_hash)
        items = page.result.items if page else ()
        name = items[c.item - 1].name if len(items) >= c.item else ""
        writer.writerow({
            "correction": c.id, "at_utc": c.at, "page_id": c.page_hash[:PAGE_ID_LENGTH],
            "source": cell(page.result.source) if page else "", "page": page.result.page if page else "",
            "item": c.item, "item_name": cell(name),
            "old_mm": "" if c.old_mm is None else f"{c.old_mm:.1f}", "old_status": c.old_status,
            "new_mm": "" if c.new_mm is None else f"{c.new_mm:.1f}", "new_status": c.new_status.value,
            "by": cell(c.by), "reason": cell(c.reason), "via": c.via,
        })
    return len(trail)


class Conflict(ValueError):
    """The item changed since the person looked at it (another reviewer, another window)."""


def correct(ledger: Ledger, page_id: str, item: int, mm: float | None, *, by: str, reason: str,
            via: str = "cli", expected: tuple[float | None, str] | None = None) -> tuple[Correction, AuditPage]:
    """Record a correction of one item; returns it as stored and the page after it.

    ``mm`` None marks the item missing. ``expected``: the item's (mm, status) as the person
    saw it; if it has changed since, nothing is recorded (:class:`Conflict`). Raises
    ValueError for a value, name or reason that is not acceptable, and
    :class:`srs_scan.ledger.LedgerError` for an unknown page.
    """
    stored = ledger.find(page_id)
    why_not = corrections.correctable(stored.result)
    if why_not and not ledger.corrections_for(stored.page_hash):  # (corrected pages stay correctable)
        raise ValueError(why_not)
    before = current(ledger, stored)
    form = stored.form
    lines = len(before.result.items) or (form.lines if form is not None else corrections.PCOMS_ITEMS)
    mm, by, reason = corrections.check(item, mm, by, reason, lines=lines, form=before.result.form,
                                       line_mm=form.line_length_mm if form is not None else 100.0)
    old = before.result.items[item - 1] if len(before.result.items) >= item else None
    old_mm, old_status = (old.mm, old.status.value) if old else (None, "review")
    if expected is not None and (expected[0], expected[1]) != (old_mm, old_status):
        now = "no mark" if old_mm is None else f"{old_mm:.1f} mm"
        raise Conflict(f"item {item} was changed since you loaded the page (it is now {now}, {old_status}): "
                       "reload the page and check it again")
    stored_c = ledger.add_correction(Correction(
        stored.page_hash, item, mm, by, reason, old_mm=old_mm, old_status=old_status, via=via,
    ))
    return stored_c, current(ledger, stored)
