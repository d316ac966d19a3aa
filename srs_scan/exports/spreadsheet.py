"""A spreadsheet of the sessions (.xlsx, openpyxl): a "Sessions" sheet, one row per
session with its outcome and alliance forms, and a "Clients" sheet, one row per client.

Scores are numbers, dates are dates, the header row is frozen. No cell starts a formula:
text beginning with ``=``, ``+``, ``-`` or ``@`` is written with a leading ``'``, and every
cell is stored as a value (never as a formula). Child forms go in the same columns as
ORS/SRS, with the form named in its own column. IDs only: no names.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import TYPE_STRING
from openpyxl.utils import get_column_letter

from ..outputs import cell
from .sessions import Selection, SessionRecord

CREATOR = "srs-scan"
SESSION_COLUMNS = (
    ["Client", "Session", "Date", "Therapist", "Site", "Outcome form"]
    + [f"Outcome item {i}" for i in range(1, 5)] + ["Outcome total", "Alliance form"]
    + [f"Alliance item {i}" for i in range(1, 5)]
    + ["Alliance total", "Corrected", "Unreviewed", "Outcome page", "Alliance page"]
)
CLIENT_COLUMNS = ["Client", "Sessions", "First date", "Last date", "Outcome form", "Intake outcome total",
                  "Last outcome total", "Outcome change", "Last alliance total", "Corrected pages",
                  "Unreviewed pages"]
DATE_FORMAT = "yyyy-mm-dd"


def session_row(record: SessionRecord) -> list[Any]:
    row: list[Any] = [record.client, record.number, record.date, record.therapist, record.site]
    for score in (record.outcome, record.alliance):
        items = list(score.items) if score is not None else []
        row += [score.form.upper() if score else None, *(items + [None] * (4 - len(items)))[:4],
                score.total if score else None]
    row += ["yes" if record.corrected else None, "yes" if record.unreviewed else None,
            record.outcome.page_id if record.outcome else None,
            record.alliance.page_id if record.alliance else None]
    return row


def client_rows(selection: Selection) -> list[list[Any]]:
    by_client: dict[str, list[SessionRecord]] = {}
    for record in selection.sessions:
        by_client.setdefault(record.client, []).append(record)
    rows = []
    for client in sorted(by_client):
        sessions = sorted(by_client[client], key=lambda r: r.number)
        dates = [r.date for r in sessions if r.date is not None]
        outcomes = [r.outcome for r in sessions if r.outcome is not None]
        alliances = [r.alliance for r in sessions if r.alliance is not None]
        first, last = (outcomes[0], outcomes[-1]) if outcomes else (None, None)
        forms = [s for r in sessions for s in r.forms]
        rows.append([
            client, len(sessions), min(dates) if dates else None, max(dates) if dates else None,
            first.form.upper() if first else None, first.total if first else None, last.total if last else None,
            round(last.total - first.total, 1) if first and last and len(outcomes) > 1 else None,
            alliances[-1].total if alliances else None,
            sum(s.corrected for s in forms), sum(not s.reviewed for s in forms),
        ])
    return rows


def _put(sheet: Any, header: list[str], rows: list[list[Any]]) -> None:
    sheet.append(header)
    for row in rows:
        sheet.append([cell(v) if isinstance(v, str) else v for v in row])
    for column in sheet.iter_cols(min_row=2):
        for c in column:
            if isinstance(c.value, date):
                c.number_format = DATE_FORMAT
            elif isinstance(c.value, str):
                c.data_type = TYPE_STRING  # a value, never a formula, whatever it starts with
    for i, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = max(10, len(name) + 2)
    sheet.freeze_panes = "A2"


def workbook_bytes(selection: Selection) -> bytes:
    """The .xlsx file's content."""
    book = Workbook()
    book.properties.creator = CREATOR
    book.properties.lastModifiedBy = CREATOR
    sessions = book.active
    sessions.title = "Sessions"
    records = sorted(selection.sessions, key=lambda r: (r.client, r.number))
    _put(sessions, SESSION_COLUMNS, [session_row(r) for r in records])
    _put(book.create_sheet("Clients"), CLIENT_COLUMNS, client_rows(selection))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
