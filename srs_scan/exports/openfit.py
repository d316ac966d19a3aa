"""OpenFIT's flat-file import: one row per session, its ORS and SRS side by side.

The columns are OpenFIT's documented template (:data:`OPENFIT_COLUMNS`). Rows are in
"Format A": the four item scores given and ``Total_ORS``/``Total_SRS`` left blank
(OpenFIT rejects items together with a total, partial items, and 0 as a placeholder).

What srs-scan puts where (and leaves out):

- ``Client_ID``: the client ID; ``Provider_ID``: the therapist ID; ``Service_Location``:
  the site ID. Names, e-mail, gender and group stay empty: srs-scan never reads them.
- ``Case_ID``: one case per client episode; srs-scan keeps one episode per client, so
  it is the client ID. ``Case_Date``: the date of the client's first session that
  OpenFIT can take (whatever --from/--to say).
- ``Session_ID``: 1, 2, 3 ... per client in order of session date (then srs-scan's
  session number), counted over the client's whole history that OpenFIT can take, so
  an export limited to some dates numbers its sessions as a full export would;
  ``Session_Date`` yyyy-MM-dd. A session without a date cannot be
  imported: it is left out and its pages listed.
- ``ORS_Skip``/``SRS_Skip``: 1 when the session has no form of that measure in this
  file (none given, or left out: in review, an item missing), its items blank, never 0;
  else blank.
- Only ORS and SRS go in: OpenFIT's template has no columns for the child forms and we
  have no documentation that it takes CORS/CSRS scores in the ORS/SRS ones, so a CORS or
  CSRS page is left out and listed.
- ``Notes``: srs-scan's session number and page ids (no scores, no names), so a row can be
  traced back to the paper.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import IO

from ..clinic.records import Score
from .sessions import LeftOut, Selection, SessionRecord

OPENFIT_COLUMNS = (
    ["Service_Location", "Provider_FirstName", "Provider_LastName", "Provider_Email", "Provider_ID",
     "Client_ID", "Client_FirstName", "Client_LastName", "Client_Gender", "Client_Group",
     "Case_ID", "Case_Date", "Session_ID", "Session_Date", "ORS_Skip"]
    + [f"ORSQ{i}" for i in range(1, 5)] + ["Total_ORS", "SRS_Skip"]
    + [f"SRSQ{i}" for i in range(1, 5)] + ["Total_SRS", "Notes"]
)
OPENFIT_FORMS = {"outcome": "ors", "alliance": "srs"}
NO_DATE = "in a session without a date (OpenFIT needs Session_Date: srs-scan assign --date)"
CHILD_FORM = "a child form (CORS/CSRS): OpenFIT's import template has no columns for it"
SKIPPED = "1"


def openfit_selection(selection: Selection) -> Selection:
    """The sessions OpenFIT can take: dated, ORS/SRS only, each with all four items."""
    kept: list[SessionRecord] = []
    left: list[LeftOut] = []
    for record in selection.sessions:
        if record.date is None:
            left += [LeftOut(s.page_id, NO_DATE) for s in record.forms]
            continue
        for role, form in OPENFIT_FORMS.items():
            score: Score | None = getattr(record, role)
            if score is None:
                continue
            if score.form != form:
                left.append(LeftOut(score.page_id, CHILD_FORM))
                record = record.without(role)
            elif len(score.items) != 4 or any(v is None for v in score.items):  # never a partial row
                left.append(LeftOut(score.page_id, "with an item missing (OpenFIT rejects partial items)"))
                record = record.without(role)
        if record.forms:
            kept.append(record)
    return Selection(tuple(kept), selection.left_out + tuple(left))


def _by_date(selection: Selection) -> dict[str, list[SessionRecord]]:
    by_client: dict[str, list[SessionRecord]] = {}
    for record in selection.sessions:
        by_client.setdefault(record.client, []).append(record)
    return {c: sorted(rs, key=lambda r: (r.date, r.number)) for c, rs in sorted(by_client.items())}


def openfit_rows(selection: Selection, history: Selection | None = None) -> list[dict[str, str]]:
    """The rows of an OpenFIT-ready selection (:func:`openfit_selection`), by client and
    Session_ID. ``history``: the same clients' sessions without the scope's limits (also
    OpenFIT-ready), so that Session_ID and Case_Date count from the client's first session
    even when the export covers only some dates."""
    ids: dict[tuple[str, int], int] = {}
    first: dict[str, str] = {}
    for client, sessions in _by_date(history if history is not None else selection).items():
        for n, record in enumerate(sessions, start=1):
            ids[(client, record.number)] = n
        first[client] = str(sessions[0].date)
    rows = []
    for client, sessions in _by_date(selection).items():
        for record in sessions:
            assert record.date is not None
            row = dict.fromkeys(OPENFIT_COLUMNS, "")
            row.update({
                "Service_Location": record.site or "", "Provider_ID": record.therapist or "",
                "Client_ID": client, "Case_ID": client, "Case_Date": first.get(client, record.date.isoformat()),
                "Session_ID": str(ids.get((client, record.number), 0)), "Session_Date": record.date.isoformat(),
                "Notes": f"srs-scan session {record.number}; pages " + " ".join(s.page_id for s in record.forms)
                + ("; not yet reviewed" if record.unreviewed else ""),
            })
            for role, prefix in (("outcome", "ORS"), ("alliance", "SRS")):
                score: Score | None = getattr(record, role)
                if score is None:
                    row[f"{prefix}_Skip"] = SKIPPED
                    continue
                for i, value in enumerate(score.items, start=1):
                    row[f"{prefix}Q{i}"] = f"{value:.1f}"
            rows.append(row)
    return rows


def write_openfit(handle: IO[str], rows: Iterable[dict[str, str]]) -> None:
    writer = csv.DictWriter(handle, fieldnames=OPENFIT_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
