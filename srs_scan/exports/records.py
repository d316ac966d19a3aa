"""Outputs: the JSONL records, the CSV table and the readable summary.

Files are written through :mod:`srs_scan.outputs` (atomically). Only measurements go
out; no image content or recognised text is ever written here.
"""

from __future__ import annotations

import csv
import json
from typing import IO, Any

from ..model import PageResult, PageStatus
from ..outputs import cell, printable, shown

PCOMS_ITEMS = 4  # the item columns every CSV has; more when a clinic's own form has more lines


def csv_columns(items: int = PCOMS_ITEMS) -> list[str]:
    """The CSV header for forms of up to ``items`` lines (at least four)."""
    n = max(PCOMS_ITEMS, items)
    return (
        ["source", "page", "status", "form", "client", "session", "total"]
        + [f"item{i}_{k}" for i in range(1, n + 1) for k in ("name", "mm", "score", "status")]
        + ["flags", "reasons", "warnings", "line_length_mm", "rotation", "form_id", "layout", "print_scale"]
        # a person's corrections (srs-scan correct / review): which values are theirs, and the machine's
        + ["page_id", "corrected"] + [f"item{i}_{k}" for i in range(1, n + 1) for k in ("corrected", "machine_mm")]
    )


CSV_COLUMNS = csv_columns()


def json_record(result: PageResult) -> str:
    return printable(json.dumps(result.to_dict(), ensure_ascii=False))


def csv_row(result: PageResult, items: int = PCOMS_ITEMS) -> dict[str, Any]:
    row: dict[str, Any] = {
        "source": cell(result.source),
        "page": result.page,
        "status": result.status.value,
        "form": result.form or "",
        "total": "" if result.total is None else f"{result.total:.1f}",
        "flags": cell("; ".join(f.message for f in result.flags)),
        "reasons": cell("; ".join(result.reasons)),
        "warnings": cell("; ".join(result.warnings)),
        "line_length_mm": "" if result.line_length_mm is None else f"{result.line_length_mm:.1f}",
        "rotation": "" if result.rotation is None else result.rotation,
        "client": result.client or "",
        "session": "" if result.session is None else result.session,
        "form_id": result.form_id or "",
        "layout": result.layout or "",
        "print_scale": "" if result.print_scale is None else f"{result.print_scale:.3f}",
        "page_id": result.page_id or "",
        "corrected": "yes" if result.corrected else "",
    }
    for i in range(max(items, PCOMS_ITEMS)):
        item = result.items[i] if i < len(result.items) else None
        prefix = f"item{i + 1}_"
        row[prefix + "name"] = item.name if item else ""
        row[prefix + "mm"] = "" if item is None or item.mm is None else f"{item.mm:.1f}"
        row[prefix + "score"] = "" if item is None or item.score is None else f"{item.score:.1f}"
        row[prefix + "status"] = item.status.value if item else ""
        row[prefix + "corrected"] = "yes" if item and item.corrected else ""
        row[prefix + "machine_mm"] = "" if item is None or item.machine_mm is None else f"{item.machine_mm:.1f}"
    return row


class CsvSink:
    """Writes one CSV row per page to an open handle; ``items``: the most lines a form of
    the run may have (the item columns; four unless a clinic's own form has more)."""

    def __init__(self, handle: IO[str], items: int = PCOMS_ITEMS) -> None:
        self._items = max(PCOMS_ITEMS, items)
        self._writer = csv.DictWriter(handle, fieldnames=csv_columns(self._items))
        self._writer.writeheader()

    def write(self, result: PageResult) -> None:
        if len(result.items) > self._items:
            raise ValueError(f"a page with {len(result.items)} items in a CSV of {self._items} item columns")
        self._writer.writerow(csv_row(result, self._items))


def format_summary(result: PageResult) -> str:
    """A few readable lines for one page: scores, total, flags and what to do."""
    head = f"{shown(result.source)} p{result.page}" if result.page else shown(result.source)
    head += f" (id {result.page_id}): " if result.page_id else ": "  # the id srs-scan correct takes
    if result.status is PageStatus.ERROR:
        return head + "ERROR - " + shown("; ".join(result.reasons))
    if result.status is PageStatus.NO_FORM:
        return head + "no form on this page"
    form = result.form.upper() if result.form else "form type unknown"
    total = f"total {result.total:.1f}/{10 * len(result.items)}" if result.total is not None else "total -"
    status = "REVIEW" if result.status is PageStatus.REVIEW else "ok"
    lines = [f"{head}{form}  {total}  [{status}]"]
    for item in result.items:
        value = f"{item.score:4.1f}" if item.score is not None else "  - "
        mm = f"({item.mm:5.1f} mm)" if item.mm is not None else "(no mark)  "
        note = f"  <- {item.status.value}: {shown('; '.join(item.reasons))}" if item.reasons else ""
        if item.status.value == "missing":
            note = "  <- missing: no mark on the line"
        if item.corrected:
            was = "no mark" if item.machine_mm is None else f"{item.machine_mm:.1f} mm"
            note = f"  <- corrected by a person (machine read {was})"
        lines.append(f"    {item.name:<20} {value} {mm}{note}")
    advised: set[str] = set()
    for flag in result.flags:
        lines.append(f"    FLAG {flag.message}")
        if flag.advice and flag.advice not in advised:  # the same advice once a page, not once a flag
            advised.add(flag.advice)
            lines.append(f"         {flag.advice}")
    for reason in result.reasons:
        lines.append(f"    review: {shown(reason)}")
    for warning in result.warnings:
        lines.append(f"    warning: {shown(warning)}")
    return "\n".join(lines)
