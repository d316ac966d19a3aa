"""Stage 6: turn mark readings into item scores, a total and clinical flags.

Rules (../DOMAIN.md, from the published SRS/ORS guidance):
* item score = mm / 10, to 0.1 (on a clinic's own form: 10 x mm / its line length); total =
  sum of the items when every item is present;
* SRS (and CSRS): total <= 36 is an alliance concern; any item below 9.0 (configurable)
  is worth exploring; 40/40 may mean reluctance to give negative feedback;
* ORS: total below 25 is in the clinical range (adult cutoff; CORS: 32);
* a clinic's own form (``--template``): its total out of 10 per line, and the rules its
  template states, which may also count the other way (a total above, an item above).
The template's ``scoring`` block says which of these rules apply to a form.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from ..model import BLANK_REASON, Flag, ItemResult, ItemStatus, MarkReading
from .definitions import FormDef


@dataclass(frozen=True)
class ScoringOptions:
    """Thresholds a clinic may change. ``item_threshold`` None means the form's default."""

    item_threshold: float | None = None


def round_half_up(value: float, places: int) -> float:
    """Round like a person with a ruler (0.05 -> 0.1), not banker's rounding.

    >>> round_half_up(0.15, 1), round_half_up(8.75, 1), round_half_up(2.449, 1)
    (0.2, 8.8, 2.4)
    """
    quantum = Decimal(1).scaleb(-places)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def score_of(mm: float, line_mm: float = 100.0) -> float:
    """An item's score from its mm on a line ``line_mm`` long: 10 x the fraction, to 0.1."""
    if line_mm == 100.0:
        return round_half_up(mm / 10.0, 1)
    return round_half_up(10.0 * mm / line_mm, 1)


def score_items(
    readings: Sequence[MarkReading],
    names: Sequence[str],
    *,
    line_lengths_mm: Sequence[float | None] | None = None,
    line_mm: float = 100.0,
) -> tuple[ItemResult, ...]:
    """Items top to bottom: mm at 0.1 mm, score = mm / 10 at 0.1. ``line_mm``: the form's
    line length (a clinic's own form): mm is the distance on it, 0 to ``line_mm``."""
    items = []
    for i, (reading, name) in enumerate(zip(readings, names, strict=False)):
        length = line_lengths_mm[i] if line_lengths_mm else None
        if reading.u_mm is None:
            items.append(
                ItemResult(name, None, None, reading.status, reading.reasons, reading.confidence, length)
            )
            continue
        u = min(max(reading.u_mm, 0.0), 100.0)  # the place on the nominal 100 mm line
        mm = round_half_up(u if line_mm == 100.0 else u * line_mm / 100.0, 1)
        score = score_of(mm, line_mm)
        items.append(
            ItemResult(name, mm, score, reading.status, reading.reasons, reading.confidence, length)
        )
    return tuple(items)


def item_reasons(items: Sequence[ItemResult]) -> list[str]:
    """The page's review reasons that come from its items (recomputed after a correction)."""
    n_review = sum(item.status is ItemStatus.REVIEW for item in items)
    n_missing = sum(item.status is ItemStatus.MISSING for item in items)
    out = []
    if n_review:
        out.append(f"{n_review} item(s) need a person to check the mark")
    if n_missing:
        out.append(f"{n_missing} {BLANK_REASON}")
    return out


def total_of(items: Sequence[ItemResult]) -> float | None:
    """Sum of the item scores, or None when any item has no value."""
    if not items or any(item.score is None for item in items):
        return None
    return round_half_up(sum(item.score for item in items if item.score is not None), 1)


def flags_for(
    form: FormDef, items: Sequence[ItemResult], total: float | None, options: ScoringOptions
) -> tuple[Flag, ...]:
    """Clinical flags with the advice to act on them."""
    rules = form.scoring
    advice = form.advice
    name = form.id.upper()
    flags: list[Flag] = []
    # the rules a template states decide the flags (an SRS and a CSRS state the same ones)
    if "total_concern_at_most" in rules:
        concern = rules["total_concern_at_most"]
        if total is not None and total <= concern:
            flags.append(
                Flag("alliance_concern", f"{name} total {total:.1f} <= {concern:g}", advice.get("total_concern", ""))
            )
    if "item_flag_below" in rules:
        threshold = options.item_threshold
        if threshold is None:
            threshold = rules["item_flag_below"]
        low = [item for item in items if item.score is not None and item.score < threshold]
        for item in low:
            flags.append(
                Flag(
                    "item_low",
                    f"{item.name} {item.score:.1f} < {threshold:g}",
                    advice.get("item_low", ""),
                )
            )
    if "perfect_total" in rules:
        perfect = rules["perfect_total"]
        if total is not None and total >= perfect:
            flags.append(Flag("perfect_score", f"{name} total {total:.1f}/{perfect:g}", advice.get("perfect", "")))
    if "total_cutoff_below" in rules:
        cutoff = rules["total_cutoff_below"]
        if total is not None and total < cutoff:
            flags.append(
                Flag("clinical_range", f"{name} total {total:.1f} < {cutoff:g}", advice.get("below_cutoff", ""))
            )
    # a clinic's own forms may count the other way (a pain scale: high is bad)
    if "total_cutoff_above" in rules:
        cutoff = rules["total_cutoff_above"]
        if total is not None and total > cutoff:
            flags.append(Flag("total_above", f"{name} total {total:.1f} > {cutoff:g}", advice.get("above_cutoff", "")))
    if "item_flag_above" in rules:
        high = rules["item_flag_above"]
        for item in items:
            if item.score is not None and item.score > high:
                flags.append(Flag("item_high", f"{item.name} {item.score:.1f} > {high:g}", advice.get("item_high", "")))
    return tuple(flags)
