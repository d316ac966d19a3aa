"""``srs-scan print`` as a library call: srs-scan's own forms written to a PDF file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ..forms.printing import plan_sheets, render_pdf
from ..outputs import write_bytes_atomically


def write_forms(output: Path, form: str, *, paper: str = "a4", client: str | None = None,
                sessions: Sequence[int] | None = None, copies: int = 1) -> int:
    """Write one form per sheet to ``output`` (atomically); returns the number of sheets.

    Raises ``ValueError`` for a bad client ID or session list, ``OSError`` when the file
    cannot be written (nothing is left half-written).
    """
    sheets = plan_sheets(form, client=client, sessions=sessions, copies=copies)
    write_bytes_atomically(output, render_pdf(sheets, paper=paper, title=f"srs-scan {form.upper()} forms"))
    return len(sheets)
