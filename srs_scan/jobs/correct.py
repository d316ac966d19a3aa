"""``srs-scan correct`` as a library call: one item of one page set by a person."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..audit.select import AuditPage
from ..audit.select import correct as correct_page
from ..exceptions import UsageProblem
from ..ledger.corrections import Correction
from ..ledger.store import Ledger


class RulerOutOfRange(ValueError):
    """A ruler reading that is not on the printed line."""


@dataclass(frozen=True)
class Corrected:
    """The correction made, the page as it now stands, and notes for the person."""

    done: Correction
    after: AuditPage
    notes: list[str] = field(default_factory=list)


def line_length(ledger: Ledger, page_id: str, item: int) -> float | None:
    """The printed length of a page's line, when the scan's resolution gave it."""
    items = ledger.find(page_id).result.items
    return items[item - 1].line_length_mm if len(items) >= item else None


def correct_item(ledger: Ledger, page_id: str, item: int, *, mm: float | None = None, ruler_mm: float | None = None,
                 by: str, reason: str) -> Corrected:
    """Set ``item`` of ``page_id`` to ``mm`` on the 100 mm scale (a clinic's own form: on its
    nominal line length), or to a ruler reading on the paper (``ruler_mm``, converted by the
    printed line's length), or missing (both None).

    Raises :class:`~srs_scan.ledger.store.LedgerError` for an unknown page, ``ValueError``
    for a value that cannot be right, :class:`UsageProblem` when a ruler reading cannot
    be converted; nothing is written then.
    """
    notes: list[str] = []
    line_mm = line_length(ledger, page_id, item)
    form = ledger.find(page_id).form
    nominal = form.line_length_mm if form is not None else 100.0
    if ruler_mm is not None:
        if line_mm is None:
            raise UsageProblem("the printed length of this line is not known (a photo, or no resolution in "
                               "the file): give --mm, read on the audit picture's ruler")
        if not 0.0 <= ruler_mm <= line_mm + 1.0:
            raise RulerOutOfRange(f"{ruler_mm} mm is not on a line {line_mm:.1f} mm long")
        mm = min(nominal, ruler_mm / line_mm * nominal)
        notes.append(f"ruler {ruler_mm:.1f} mm on a line printed {line_mm:.1f} mm long = {mm:.1f} mm "
                     f"on the {nominal:g} mm scale")
    elif mm is not None and line_mm is not None and abs(line_mm - nominal) > 1.0:
        notes.append(f"note: this line is printed {line_mm:.1f} mm long; --mm is on the {nominal:g} mm scale "
                     "(--ruler-mm converts a ruler reading)")
    done, after = correct_page(ledger, page_id, item, mm, by=by, reason=reason)
    new = after.result.items[item - 1]
    if new.mm is not None and new.mm < 10.0 and new.machine_mm is not None and new.machine_mm >= 20.0:
        notes.append(f"note: values are in mm: if you measured {new.mm:g} cm, correct it again with "
                     f"--mm {10 * new.mm:g}")
    return Corrected(done, after, notes)
