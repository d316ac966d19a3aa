"""The .xlsx read back with openpyxl: typed cells, frozen header, no formula, and the
ledger's values (clinic_ledger.py)."""

from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
from clinic_ledger import BY_KEY, build, true_scores

from srs_scan.exports.sessions import Selection, SessionRecord
from srs_scan.exports.spreadsheet import workbook_bytes
from srs_scan.jobs.export import export_sessions
from srs_scan.ledger.store import Ledger


@pytest.fixture
def book(tmp_path):
    db = build(tmp_path)
    ledger = Ledger(db, must_exist=True)
    try:
        done = export_sessions(ledger, xlsx=tmp_path / "sessions.xlsx")
    finally:
        ledger.close()
    return done, openpyxl.load_workbook(tmp_path / "sessions.xlsx")


def _rows(sheet):
    header = [c.value for c in sheet[1]]
    return header, [dict(zip(header, (c for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]


def _day(value):
    assert isinstance(value, (datetime, date)), value
    return value.date() if isinstance(value, datetime) else value


def test_two_sheets_with_frozen_headers(book):
    _, wb = book
    assert wb.sheetnames == ["Sessions", "Clients"]
    for sheet in wb.worksheets:
        assert sheet.freeze_panes == "A2"
    assert wb.properties.creator == "srs-scan"


def test_sessions_sheet_holds_typed_values(book):
    _, wb = book
    _, rows = _rows(wb["Sessions"])
    got = {(r["Client"].value, r["Session"].value): r for r in rows}
    # every session with a form that may go out: A1/3 keeps its SRS (its ORS has a missing item),
    # A1/2 its ORS (its SRS is in review), B2/3 has no date, K3 has child forms
    assert set(got) == {("A1", 1), ("A1", 2), ("A1", 3), ("B2", 1), ("B2", 2), ("B2", 3), ("K3", 1)}
    for r in got.values():
        assert isinstance(r["Session"].value, int)
        for c in r.values():
            assert c.data_type != "f"
            assert not (isinstance(c.value, str) and c.value[:1] in "=+-@")
    a1 = got[("A1", 1)]
    assert _day(a1["Date"].value) == date(2026, 3, 2)
    assert a1["Date"].is_date
    assert [a1[f"Outcome item {i}"].value for i in range(1, 5)] == list(true_scores("A1/1/ors"))
    assert [a1[f"Alliance item {i}"].value for i in range(1, 5)] == list(true_scores("A1/1/srs"))
    assert all(type(a1[f"Alliance item {i}"].value) in (int, float) for i in range(1, 5))
    assert a1["Outcome total"].value == pytest.approx(22.5) and isinstance(a1["Outcome total"].value, float)
    assert a1["Alliance total"].value == pytest.approx(36.4)
    assert a1["Outcome form"].value == "ORS" and a1["Alliance form"].value == "SRS"
    assert a1["Outcome page"].value == BY_KEY["A1/1/ors"].page_id
    assert got[("A1", 2)]["Alliance total"].value is None  # in review: left out
    assert got[("A1", 3)]["Outcome total"].value is None and got[("A1", 3)]["Alliance item 4"].value == 0.0
    b2 = got[("B2", 2)]
    assert [b2[f"Alliance item {i}"].value for i in range(1, 5)] == [9.0, 9.2, 9.4, 9.6]
    assert b2["Corrected"].value == "yes"
    assert got[("B2", 3)]["Date"].value is None
    k3 = got[("K3", 1)]
    assert (k3["Outcome form"].value, k3["Alliance form"].value) == ("CORS", "CSRS")
    assert k3["Outcome total"].value == pytest.approx(28.0)


def test_clients_sheet(book):
    _, wb = book
    _, rows = _rows(wb["Clients"])
    got = {r["Client"].value: r for r in rows}
    assert set(got) == {"A1", "B2", "K3"}
    a1 = got["A1"]
    assert a1["Sessions"].value == 3
    assert _day(a1["First date"].value) == date(2026, 3, 2) and _day(a1["Last date"].value) == date(2026, 3, 16)
    assert a1["Intake outcome total"].value == pytest.approx(22.5)
    assert a1["Last outcome total"].value == pytest.approx(24.0)
    assert a1["Outcome change"].value == pytest.approx(1.5)
    assert a1["Last alliance total"].value == pytest.approx(30.0)
    b2 = got["B2"]
    assert b2["Corrected pages"].value == 1
    assert _day(b2["First date"].value) == date(2026, 3, 3)  # the undated session adds no date
    assert b2["Last outcome total"].value == pytest.approx(10.0)


def test_text_that_would_start_a_formula_is_quoted():
    from srs_scan.clinic.records import Score

    evil = Score("=cmd|' /C calc'!A0", "srs", "alliance", "-1+1", 1, 36.0, (9.0, 9.0, 9.0, 9.0),
                 ("a", "b", "c", "d"), None, "@SUM(A1)", "+44")
    import io

    wb = openpyxl.load_workbook(io.BytesIO(workbook_bytes(Selection((SessionRecord("-1+1", 1, None, evil),)))))
    _, rows = _rows(wb["Sessions"])
    values = [c.value for c in rows[0].values() if isinstance(c.value, str)]
    assert {"'-1+1", "'@SUM(A1)", "'+44", "'=cmd|' /C calc'!A0"} <= set(values)
    assert all(c.data_type != "f" for c in rows[0].values())
