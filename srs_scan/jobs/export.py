"""``srs-scan export`` as a library call: the ledger's pages, corrections applied, as
JSONL and/or CSV (no scanned files needed)."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from ..audit.select import current as current_page
from ..exports.records import CsvSink, json_record
from ..ledger.store import Ledger
from ..outputs import atomic_text_file


@dataclass(frozen=True)
class Exported:
    pages: int
    corrected: int  # pages with at least one item set by a person


def export_pages(ledger: Ledger, *, jsonl: Path | None = None, csv_path: Path | None = None) -> Exported:
    """Write every page of ``ledger`` as it stands; files appear only once complete."""
    pages = [current_page(ledger, stored) for stored in ledger.pages()]
    with ExitStack() as stack:
        handle = stack.enter_context(atomic_text_file(jsonl)) if jsonl else None
        sink = CsvSink(stack.enter_context(atomic_text_file(csv_path))) if csv_path else None
        for page in pages:
            if handle is not None:
                handle.write(json_record(page.result) + "\n")
            if sink is not None:
                sink.write(page.result)
    return Exported(len(pages), sum(p.result.corrected for p in pages))
