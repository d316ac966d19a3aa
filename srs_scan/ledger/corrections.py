"""Corrections by a person: what they are, and how they change a page's reading.

A correction sets one item's value (its distance in mm from the left end of the line:
0-100 on the PCOMS forms, 0 to the line length on a clinic's own form) or marks it
missing, with who made it and why. Corrections are kept in the ledger's append-only
trail (:mod:`srs_scan.ledger.store`) beside the machine's reading, which is never changed;
:func:`apply` gives the page as it stands after them: the corrected items, the total,
the clinical flags and what is still left for a person to check.

This module only computes: it reads and writes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..forms.definitions import FormDef, all_forms
from ..forms.score import ScoringOptions, flags_for, item_reasons, round_half_up, score_of, total_of
from ..model import ItemResult, ItemStatus, PageResult, PageStatus

MAX_NAME = 80  # characters of a reviewer's name
MAX_REASON = 500  # characters of a reason
RESOLVED = "resolved by a person: "  # prefix of a page reason every item correction settled
# page reasons about where the lines are, which a person setting all four values settles;
# others (which form, which way up, whose QR code) are not settled by values and stay open
VALUE_REASONS = (
    "a scale line could not be measured",
    "a scale line runs to the edge of the image",
    "the form is too small in the image",
)
VALUE_REASON_PATTERN = re.compile(r"line \d+ does not end where the printed layout puts it")
PCOMS_ITEMS = 4  # lines of the PCOMS forms (and of a page whose form is not known)
# the ledger's trail table takes items 1-10 and values 0-200 mm (its CHECK constraints,
# ledger/schema.py MAX_ITEM and MAX_MM): a template's 1-10 lines of up to 200 mm; beyond,
# a message rather than the database's refusal
TRAIL_MAX_ITEM = 10
TRAIL_MAX_MM = 200.0


@dataclass(frozen=True)
class Correction:
    """One entry of the trail. ``new_mm`` None means "no mark on this line" (missing)."""

    page_hash: str
    item: int  # 1-based, top to bottom
    new_mm: float | None
    by: str
    reason: str
    at: str = ""  # UTC, ISO 8601 (set by the ledger)
    old_mm: float | None = None  # the value before this correction (machine or earlier person)
    old_status: str = ""
    via: str = "cli"  # "cli" or "review"
    id: int | None = None  # position in the trail

    @property
    def new_status(self) -> ItemStatus:
        return ItemStatus.MISSING if self.new_mm is None else ItemStatus.OK


def check(item: int, mm: float | None, by: str, reason: str, *, lines: int = PCOMS_ITEMS,
          form: str | None = None, line_mm: float = 100.0) -> tuple[float | None, str, str]:
    """The cleaned-up value, name and reason of a new correction; ValueError says what is wrong.

    ``lines``: how many lines the page's form has (four on the PCOMS forms; a clinic's own
    form says in its template); ``form`` its id, for the message; ``line_mm`` its line
    length (the values go from 0 to it)."""
    if not 1 <= item <= lines:
        on = f" on this {form.upper()} form" if form else ""
        raise ValueError(f"item must be 1 to {lines} (top to bottom){on}, not {item}")
    if item > TRAIL_MAX_ITEM:
        raise ValueError(f"item {item} cannot be corrected in this ledger: its correction trail takes items "
                         f"1-{TRAIL_MAX_ITEM} (a later ledger layout takes more); correct it on the paper record")
    if mm is not None:
        if not (0.0 <= mm <= line_mm):  # also refuses NaN
            raise ValueError(f"the value must be 0.0 to {line_mm:.1f} mm along the line, not {mm}")
        mm = round_half_up(float(mm), 1)
        if mm > TRAIL_MAX_MM:
            raise ValueError(f"{mm:.1f} mm cannot be kept in this ledger: its correction trail takes values "
                             f"0-{TRAIL_MAX_MM:.0f} mm; correct it on the paper record")
    by, reason = " ".join(by.split()), " ".join(reason.split())
    if not by:
        raise ValueError("say who makes the correction (a name)")
    if not reason:
        raise ValueError("say why the value is corrected (a reason)")
    if len(by) > MAX_NAME:
        raise ValueError(f"the name is longer than {MAX_NAME} characters")
    if len(reason) > MAX_REASON:
        raise ValueError(f"the reason is longer than {MAX_REASON} characters")
    return mm, by, reason


def correctable(result: PageResult) -> str | None:
    """Why the page's items cannot be corrected, or None when they can."""
    if result.status in (PageStatus.NO_FORM, PageStatus.ERROR):
        return "no form was read on this page, so it has no items to correct"
    return None


def apply(result: PageResult, trail: Sequence[Correction], *, item_threshold: float | None = None,
          form: FormDef | None = None) -> PageResult:
    """The page after the corrections in ``trail`` (the latest per item wins).

    Corrected items get the person's value and status (ok or missing) and keep the
    machine's reading in ``machine_mm``/``machine_status``. The total, the flags and the
    page's review reasons are worked out again. A page reason that is not about one item
    (say, "page orientation uncertain") stays open until a person has set every item.
    ``form``: the page's form when it is a clinic's own (the ledger keeps its template);
    the shipped forms are found by id.
    """
    if not trail:
        return result
    if correctable(result) is not None:
        # corrected once, but this reading found no form (a newer version, say): the
        # person's values are kept and a person must look again
        result = replace(result, status=PageStatus.REVIEW, items=(), total=None, flags=(), reasons=(
            *result.reasons, "a person corrected this page before, but this reading found no form on it: check it",
        ))
    latest: dict[int, Correction] = {}
    for entry in sorted(trail, key=lambda e: (e.id is None, e.id or 0)):
        latest[entry.item] = entry
    if form is None or form.id != result.form:
        form = all_forms().get(result.form) if result.form else None
    line_mm = form.line_length_mm if form is not None else 100.0
    base = list(result.items) or _unread_items(form)
    items = []
    for i, item in enumerate(base, start=1):
        c = latest.get(i)
        if c is None:
            items.append(item)
            continue
        machine_mm = item.machine_mm if item.corrected else item.mm
        machine_status = item.machine_status if item.corrected else item.status
        items.append(ItemResult(
            item.name, c.new_mm, None if c.new_mm is None else score_of(c.new_mm, line_mm),
            c.new_status, (), 1.0, item.line_length_mm, True, machine_mm, machine_status,
        ))
    total = total_of(items)
    flags = flags_for(form, items, total, ScoringOptions(item_threshold)) if form else ()
    page_reasons = [r for r in result.reasons if r not in set(item_reasons(result.items))]
    warnings = list(result.warnings)
    if form is not None and all(item.corrected for item in items):
        settled = [r for r in page_reasons if r.startswith(VALUE_REASONS) or VALUE_REASON_PATTERN.fullmatch(r)]
        warnings += [RESOLVED + r for r in settled]
        page_reasons = [r for r in page_reasons if r not in settled]
    # an item a person marked missing is settled: no total, but nothing left to check
    reasons = page_reasons + item_reasons([item for item in items if not item.corrected])
    confirmed = [str(i) for i, item in enumerate(items, start=1) if item.corrected and item.mm is None]
    if confirmed:
        warnings.append(f"item {', '.join(confirmed)} marked missing by a person: total not computed")
    return replace(
        result,
        status=PageStatus.REVIEW if reasons else PageStatus.OK,
        items=tuple(items), total=total, flags=flags, reasons=tuple(reasons), warnings=tuple(warnings),
    )


def _unread_items(form: object) -> list[ItemResult]:
    """Placeholders for a page whose lines could not be measured: a person measures them."""
    names = ([item.name for item in form.items] if form is not None  # type: ignore[attr-defined]
             else [f"Item {i}" for i in range(1, PCOMS_ITEMS + 1)])
    return [ItemResult(name, None, None, ItemStatus.REVIEW, ("not measured: measure by hand",), 0.0)
            for name in names]
