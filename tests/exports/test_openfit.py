"""The OpenFIT import file checked against the template's rules (DOMAIN.md, "Formats other
systems take"), with expected values from the ledger content in clinic_ledger.py."""

from __future__ import annotations

import csv
import re

import pytest
from clinic_ledger import BY_KEY, build, true_scores

from srs_scan.jobs.export import export_sessions
from srs_scan.ledger.store import Ledger

HEADER = ("Service_Location,Provider_FirstName,Provider_LastName,Provider_Email,Provider_ID,Client_ID,"
          "Client_FirstName,Client_LastName,Client_Gender,Client_Group,Case_ID,Case_Date,Session_ID,Session_Date,"
          "ORS_Skip,ORSQ1,ORSQ2,ORSQ3,ORSQ4,Total_ORS,SRS_Skip,SRSQ1,SRSQ2,SRSQ3,SRSQ4,Total_SRS,Notes")


def _export(tmp_path, **kw):
    db = build(tmp_path)
    ledger = Ledger(db, must_exist=True)
    try:
        done = export_sessions(ledger, openfit=tmp_path / "openfit.csv", **kw)
    finally:
        ledger.close()
    text = (tmp_path / "openfit.csv").read_text(encoding="utf-8")
    return done, text, list(csv.DictReader(text.splitlines()))


@pytest.fixture
def exported(tmp_path):
    return _export(tmp_path)


def _items(row, prefix):
    return tuple(row[f"{prefix}Q{i}"] for i in range(1, 5))


def _as_text(scores):
    return tuple(f"{v:.1f}" for v in scores)


def test_header_is_the_template_exactly(exported):
    _, text, _ = exported
    assert text.splitlines()[0] == HEADER


def test_format_a_items_given_totals_blank_no_partial_rows(exported):
    _, _, rows = exported
    assert rows
    for row in rows:
        assert row["Total_ORS"] == "" and row["Total_SRS"] == ""
        for prefix in ("ORS", "SRS"):
            items = _items(row, prefix)
            if row[f"{prefix}_Skip"]:
                assert row[f"{prefix}_Skip"] == "1"
                assert items == ("", "", "", "")  # skipped: blank, never a 0 placeholder
            else:
                assert all(re.fullmatch(r"\d{1,2}\.\d", v) and 0 <= float(v) <= 10 for v in items), items
        assert not (row["ORS_Skip"] and row["SRS_Skip"])  # a row carries at least one measure


def test_names_and_contact_stay_empty(exported):
    _, _, rows = exported
    for row in rows:
        for col in ("Provider_FirstName", "Provider_LastName", "Provider_Email", "Client_FirstName",
                    "Client_LastName", "Client_Gender", "Client_Group"):
            assert row[col] == ""


def test_rows_are_the_ledgers_sessions(exported):
    _, _, rows = exported
    got = {(r["Client_ID"], r["Session_Date"]): r for r in rows}
    # A1: session 1 has both; session 2's SRS is in review (left out, SRS skipped); session 3's ORS has a
    # missing item (left out, ORS skipped) and its SRS keeps a real 0.0
    a1 = got[("A1", "2026-03-02")]
    assert _items(a1, "ORS") == _as_text(true_scores("A1/1/ors"))
    assert _items(a1, "SRS") == _as_text(true_scores("A1/1/srs"))
    a2 = got[("A1", "2026-03-09")]
    assert _items(a2, "ORS") == ("6.0",) * 4 and a2["SRS_Skip"] == "1"
    a3 = got[("A1", "2026-03-16")]
    assert a3["ORS_Skip"] == "1" and _items(a3, "SRS") == ("10.0", "10.0", "10.0", "0.0")
    # B2: the corrected SRS carries the person's value; the undated session is not there
    b_srs = got[("B2", "2026-03-03")]
    assert _items(b_srs, "SRS") == ("9.0", "9.2", "9.4", "9.6") and b_srs["ORS_Skip"] == "1"
    b_ors = got[("B2", "2026-03-10")]
    assert _items(b_ors, "ORS") == ("3.3", "4.4", "5.5", "6.6") and b_ors["SRS_Skip"] == "1"
    assert set(got) == {("A1", "2026-03-02"), ("A1", "2026-03-09"), ("A1", "2026-03-16"),
                        ("B2", "2026-03-03"), ("B2", "2026-03-10")}  # no K3 (child forms), no undated row
    for row in rows:
        assert row["Provider_ID"] == {"A1": "T1", "B2": "T2"}[row["Client_ID"]]
        assert row["Service_Location"] == {"A1": "S1", "B2": "S2"}[row["Client_ID"]]
        assert row["Case_ID"] == row["Client_ID"]


def test_session_ids_run_by_date_per_client(exported):
    _, _, rows = exported
    by_client = {}
    for row in rows:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["Session_Date"])
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["Case_Date"])
        by_client.setdefault(row["Client_ID"], []).append(row)
    for client, crows in by_client.items():
        ordered = sorted(crows, key=lambda r: r["Session_Date"])
        assert [r["Session_ID"] for r in ordered] == [str(i) for i in range(1, len(ordered) + 1)], client
        assert {r["Case_Date"] for r in crows} == {ordered[0]["Session_Date"]}
    # B2's session 2 was on an earlier day than session 1: it is OpenFIT's session 1
    b2 = {r["Session_Date"]: r["Session_ID"] for r in by_client["B2"]}
    assert b2 == {"2026-03-03": "1", "2026-03-10": "2"}


def test_what_is_left_out_is_listed_by_page_id(exported):
    done, text, _ = exported
    left = {x.page_id: x.reason for x in done.left_out["openfit"]}
    assert "review" in left[BY_KEY["A1/2/srs"].page_id]
    assert "missing" in left[BY_KEY["A1/3/ors"].page_id] or "no total" in left[BY_KEY["A1/3/ors"].page_id]
    assert "date" in left[BY_KEY["B2/3/ors"].page_id]
    assert "child" in left[BY_KEY["K3/1/cors"].page_id] and "child" in left[BY_KEY["K3/1/csrs"].page_id]
    assert len(left) == 5
    for page_id in left:
        assert page_id not in text  # not in the file, not even in Notes


def test_unreviewed_go_in_only_when_asked(tmp_path):
    done, _, rows = _export(tmp_path, include_unreviewed=True)
    a2 = next(r for r in rows if (r["Client_ID"], r["Session_Date"]) == ("A1", "2026-03-09"))
    assert _items(a2, "SRS") == ("9.9",) * 4 and a2["SRS_Skip"] == ""
    assert "not yet reviewed" in a2["Notes"]
    assert BY_KEY["A1/2/srs"].page_id not in {x.page_id for x in done.left_out["openfit"]}


def test_scope_by_client_and_dates(tmp_path):
    from srs_scan.clinic.records import Scope
    from srs_scan.ledger.assignments import parse_date

    _, _, rows = _export(tmp_path, scope=Scope(parse_date("2026-03-05"), parse_date("2026-03-31"), client="A1"))
    # Session_ID and Case_Date count from the client's first session, as a full export would
    assert [(r["Client_ID"], r["Session_Date"], r["Session_ID"], r["Case_Date"]) for r in rows] == [
        ("A1", "2026-03-09", "2", "2026-03-02"), ("A1", "2026-03-16", "3", "2026-03-02")]


def test_a_measure_with_an_unread_item_is_never_a_partial_row():
    # the clinic's source already leaves out pages without a total; this is the last guard
    from datetime import date

    from srs_scan.clinic.records import Score
    from srs_scan.exports.openfit import openfit_rows, openfit_selection
    from srs_scan.exports.sessions import Selection, SessionRecord

    when = date(2026, 3, 2)
    ors = Score("p-ors", "ors", "outcome", "A1", 1, 18.0, (5.0, 6.0, None, 7.0), ("a", "b", "c", "d"), when)
    srs = Score("p-srs", "srs", "alliance", "A1", 1, 38.0, (9.5, 9.5, 9.5, 9.5), ("a", "b", "c", "d"), when)
    chosen = openfit_selection(Selection((SessionRecord("A1", 1, ors, srs),)))
    assert [x.page_id for x in chosen.left_out] == ["p-ors"]
    (row,) = openfit_rows(chosen)
    assert row["ORS_Skip"] == "1" and _items(row, "ORS") == ("", "", "", "")
    assert _items(row, "SRS") == ("9.5",) * 4
