"""srs-scan audit, correct and export, as a user runs them on a scanned stack."""

from __future__ import annotations

import csv
import json
import re
import sqlite3

import pytest
from click.testing import CliRunner
from conftest import AUDIT_PAGES

from srs_scan.cli import main
from srs_scan.ledger.store import Ledger


def _run(*args: str, ok: bool = True):
    result = CliRunner().invoke(main, [str(a) for a in args])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def _ids(stack) -> dict[str, str]:
    """file name -> page id, from the scan's own JSONL."""
    records = [json.loads(line) for line in stack.jsonl.read_text().splitlines()]
    return {r["source"].rsplit("/", 1)[-1]: r["page_id"] for r in records}


def _records(path) -> dict[str, dict]:
    return {json.loads(x)["source"].rsplit("/", 1)[-1]: json.loads(x) for x in path.read_text().splitlines()}


def test_scan_records_carry_page_ids_and_no_corrections(audit_stack):
    records = _records(audit_stack.jsonl)
    assert set(records) == set(AUDIT_PAGES)
    for r in records.values():
        assert re.fullmatch(r"[0-9a-f]{12}", r["page_id"])
        assert r["corrected"] is False and not any(i["corrected"] for i in r["items"])


def test_a_correction_lands_in_the_ledger_the_exports_and_survives_a_re_read(audit_stack, tmp_path):
    ids = _ids(audit_stack)
    page = ids["b_near.png"]
    out = _run("correct", page, "--item", "3", "--mm", "60", "--by", "Dr Rivera", "--reason", "second mark was the one",
               "--db", audit_stack.db)
    assert "-> 60.0 mm" in out.output
    # the trail
    with sqlite3.connect(audit_stack.db) as con:
        rows = con.execute("SELECT item, old_status, new_mm, new_status, by, reason, via FROM corrections").fetchall()
    assert rows == [(3, "review", 60.0, "ok", "Dr Rivera", "second mark was the one", "cli")]
    # export without the scanned files
    _run("export", "--db", audit_stack.db, "--jsonl", tmp_path / "e.jsonl", "--csv", tmp_path / "e.csv")
    rec = _records(tmp_path / "e.jsonl")["b_near.png"]
    item = rec["items"][2]
    assert item["mm"] == 60.0 and item["score"] == 6.0 and item["corrected"] is True and item["status"] == "ok"
    assert item["machine_status"] == "review" and item["machine_mm"] is not None
    assert rec["corrected"] is True and rec["status"] == "ok"  # the page's only doubt is settled
    assert rec["total"] == pytest.approx(8.3 + 9.2 + 6.0 + 5.0)
    with open(tmp_path / "e.csv", newline="") as f:
        row = next(r for r in csv.DictReader(f) if r["page_id"] == page)
    assert (row["item3_mm"], row["item3_corrected"], row["corrected"]) == ("60.0", "yes", "yes")
    # re-reading the page (other options: the ledger reads it again) keeps the correction
    _run("scan", audit_stack.folder / "b_near.png", "--jsonl", tmp_path / "again.jsonl", "--db", audit_stack.db,
         "--item-threshold", "8.5", "-q")
    again = _records(tmp_path / "again.jsonl")["b_near.png"]
    assert again["items"][2]["mm"] == 60.0 and again["items"][2]["corrected"] is True
    with sqlite3.connect(audit_stack.db) as con:
        assert con.execute("SELECT count(*) FROM pages WHERE substr(page_hash, 1, 12) = ?", (page,)).fetchone()[0] == 2
    # and the machine's first reading is still in the ledger, unchanged
    ledger = Ledger(audit_stack.db)
    with sqlite3.connect(audit_stack.db) as con:
        stored = [json.loads(r[0]) for r in con.execute(
            "SELECT record FROM pages WHERE substr(page_hash, 1, 12) = ?", (page,))]
    assert all(r["items"][2]["status"] == "review" and not r["items"][2]["corrected"] for r in stored)
    ledger.close()


def test_marking_an_item_missing_and_the_trail_export(audit_stack, tmp_path):
    ids = _ids(audit_stack)
    _run("correct", ids["c_ors.png"], "--item", "4", "--missing", "--by", "RA", "--reason", "stray pen, no mark",
         "--db", audit_stack.db)
    _run("correct", ids["c_ors.png"], "--item", "4", "--mm", "40.5", "--by", "RA", "--reason", "found the mark",
         "--db", audit_stack.db)
    _run("audit", "--db", audit_stack.db, "--trail", tmp_path / "trail.csv")
    with open(tmp_path / "trail.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["item"], r["old_mm"], r["new_mm"], r["new_status"]) for r in rows] == [
        ("4", "40.0", "", "missing"), ("4", "", "40.5", "ok")]
    assert rows[0]["old_status"] == "ok" and rows[1]["old_status"] == "missing"
    assert all(r["page_id"] == ids["c_ors.png"] and r["by"] == "RA" and r["at_utc"].endswith("+00:00") for r in rows)
    assert rows[0]["item_name"] == "Overall"


@pytest.mark.parametrize("args, message", [
    (["--item", "1", "--mm", "50", "--missing"], "one of --mm"),
    (["--item", "1"], "one of --mm"),
    (["--item", "1", "--mm", "150"], "0.0 to 100.0"),
    (["--item", "5", "--mm", "50"], "item must be 1 to 4 (top to bottom) on this ORS form, not 5"),
    (["--item", "11", "--mm", "50"], "1<=x<=10"),  # past any form's lines: click says so
])
def test_bad_corrections_are_refused_with_nothing_written(audit_stack, args, message):
    page = _ids(audit_stack)["c_ors.png"]
    out = _run("correct", page, *args, "--by", "RA", "--reason", "x", "--db", audit_stack.db, ok=False)
    assert out.exit_code == 2 and message in out.output and "Traceback" not in out.output
    with sqlite3.connect(audit_stack.db) as con:
        assert con.execute("SELECT count(*) FROM corrections").fetchone()[0] == 0


def test_unknown_pages_and_ledgers_are_reported_plainly(audit_stack, tmp_path):
    out = _run("correct", "0123456789ab", "--item", "1", "--mm", "5", "--by", "RA", "--reason", "x",
               "--db", audit_stack.db, ok=False)
    assert out.exit_code == 2 and "no page 0123456789ab" in out.output
    out = _run("audit", "--db", tmp_path / "none.sqlite", "-o", tmp_path / "a.html", ok=False)
    assert out.exit_code == 2 and "no ledger" in out.output and not (tmp_path / "none.sqlite").exists()
    out = _run("audit", "--db", audit_stack.db, ok=False)
    assert out.exit_code == 2 and "say what to write" in out.output


def test_the_audit_report_is_one_offline_file_review_pages_first(audit_stack, tmp_path):
    ids = _ids(audit_stack)
    _run("correct", ids["c_ors.png"], "--item", "1", "--mm", "36", "--by", "RA", "--reason", "re-measured",
         "--db", audit_stack.db)
    report = tmp_path / "audit.html"
    out = _run("audit", "--db", audit_stack.db, "-o", report)
    assert "3 page(s), 2 to review" in out.output
    html = report.read_text()
    # self-contained: no scripts, nothing loaded from elsewhere; images inline
    assert "<script" not in html
    assert not re.search(r'(src|href)="(?!data:|#)', html)
    assert html.count('src="data:image/jpeg;base64,') == 2 * len(AUDIT_PAGES)
    # order: the review page close to a cutoff, the other review page, then the rest
    order = [ids[n] for n in ("b_near.png", "a_far.png", "c_ors.png")]
    positions = [html.index(f'id="p-{pid}"') for pid in order]
    assert positions == sorted(positions)
    assert "Close to a clinical cutoff" in html.split(f'id="p-{order[0]}"')[1].split("<section")[0]
    # the correction shows, with the machine's reading
    ors = html.split(f'id="p-{ids["c_ors.png"]}"')[1]
    assert "machine read 35.0 mm" in ors and "re-measured" in ors
    # printable: one section per sheet
    assert "@media print" in html and "break-before: page" in html


def test_a_sample_keeps_every_review_page(audit_stack, tmp_path):
    out = _run("audit", "--db", audit_stack.db, "-o", tmp_path / "s.html", "--sample", "0")
    assert "2 page(s), 2 to review" in out.output
    out = _run("audit", "--db", audit_stack.db, "-o", tmp_path / "r.html", "--review-only")
    assert "2 page(s), 2 to review" in out.output


def test_a_page_whose_file_changed_is_listed_without_its_image(audit_stack, tmp_path):
    from PIL import Image

    path = audit_stack.folder / "c_ors.png"
    img = Image.open(path)
    img.putpixel((0, 0), 0)
    img.save(path)
    _run("audit", "--db", audit_stack.db, "-o", tmp_path / "a.html")
    html = (tmp_path / "a.html").read_text()
    assert "the file has changed since the page was read" in html
    assert html.count('src="data:image/jpeg;base64,') == 2 * (len(AUDIT_PAGES) - 1)


def test_pages_without_line_positions_are_shown_whole_and_can_be_measured_by_hand(audit_stack, tmp_path):
    """An upgraded first-layout ledger has no line positions; a page whose lines could not
    be measured has no items: both are audited and corrected without a hitch."""
    ids = _ids(audit_stack)
    with sqlite3.connect(audit_stack.db) as con:
        con.execute("UPDATE pages SET geometry = NULL")
        rec = json.loads(con.execute("SELECT record FROM pages WHERE substr(page_hash, 1, 12) = ?",
                                     (ids["c_ors.png"],)).fetchone()[0])
        rec.update(items=[], total=None, status="review",
                   reasons=["a scale line could not be measured (faint or broken print)"])
        con.execute("UPDATE pages SET record = ? WHERE substr(page_hash, 1, 12) = ?",
                    (json.dumps(rec), ids["c_ors.png"]))
    out = _run("correct", ids["c_ors.png"], "--item", "2", "--mm", "22.4", "--by", "RA", "--reason", "ruler",
               "--db", audit_stack.db)
    assert "no mark (review) -> 22.4 mm" in out.output
    _run("audit", "--db", audit_stack.db, "-o", tmp_path / "a.html")
    html = (tmp_path / "a.html").read_text()
    assert html.count('src="data:image/jpeg;base64,') == 2 * len(AUDIT_PAGES)
    _run("export", "--db", audit_stack.db, "--jsonl", tmp_path / "e.jsonl")
    rec = _records(tmp_path / "e.jsonl")["c_ors.png"]
    assert rec["status"] == "review" and rec["items"][1]["mm"] == 22.4 and rec["items"][0]["mm"] is None


def test_moved_files_are_found_again_by_scanning_them_where_they_are(audit_stack, tmp_path):
    moved = tmp_path / "moved"
    audit_stack.folder.rename(moved)
    db = moved / "srs-scan-ledger.sqlite"
    out = _run("audit", "--db", db, "-o", tmp_path / "a.html")
    assert "3 page(s) shown without a picture" in out.output
    _run("scan", moved / "b_near.png", moved / "a_far.png", moved / "c_ors.png", "--db", db, "-q")
    out = _run("audit", "--db", db, "-o", tmp_path / "b.html", "--source", moved / "c_ors.png")
    assert "1 page(s)" in out.output and "without a picture" not in out.output
    assert (tmp_path / "b.html").read_text().count("data:image/jpeg") == 2
    out = _run("audit", "--db", db, "-o", tmp_path / "c.html", "--source", tmp_path / "nowhere.png", ok=False)
    assert out.exit_code == 2 and "no page in the ledger was read from" in out.output


def test_a_sampled_report_says_so(audit_stack, tmp_path):
    _run("audit", "--db", audit_stack.db, "-o", tmp_path / "s.html", "--sample", "0", "--seed", "4")
    html = (tmp_path / "s.html").read_text()
    assert "This is a sample" in html and "seed 4" in html and "1 of the 3 pages are left out" in html
    out = _run("audit", "--db", audit_stack.db, "-o", tmp_path / "x.html", "--sample", "1", "--review-only", ok=False)
    assert out.exit_code == 2


def test_csv_cells_never_start_a_spreadsheet_formula(audit_stack, tmp_path):
    ids = _ids(audit_stack)
    _run("correct", ids["c_ors.png"], "--item", "1", "--mm", "35", "--by", "=HYPERLINK(\"http://x\")",
         "--reason", "@SUM(1)", "--db", audit_stack.db)
    _run("audit", "--db", audit_stack.db, "--trail", tmp_path / "t.csv")
    with open(tmp_path / "t.csv", newline="") as f:
        (row,) = list(csv.DictReader(f))
    assert row["by"] == "'=HYPERLINK(\"http://x\")" and row["reason"] == "'@SUM(1)"


def test_a_ruler_reading_is_converted_by_the_printed_line_length(audit_stack, tmp_path):
    page = _ids(audit_stack)["c_ors.png"]
    with sqlite3.connect(audit_stack.db) as con:  # as if printed at 97 %: the line is 97 mm long
        rec = json.loads(con.execute("SELECT record FROM pages WHERE substr(page_hash, 1, 12) = ?",
                                     (page,)).fetchone()[0])
        rec["items"][0]["line_length_mm"] = 97.0
        con.execute("UPDATE pages SET record = ? WHERE substr(page_hash, 1, 12) = ?", (json.dumps(rec), page))
    out = _run("correct", page, "--item", "1", "--ruler-mm", "48.5", "--by", "RA", "--reason", "ruler",
               "--db", audit_stack.db)
    assert "-> 50.0 mm" in out.output
    out = _run("correct", page, "--item", "1", "--ruler-mm", "99.5", "--by", "RA", "--reason", "ruler",
               "--db", audit_stack.db, ok=False)
    assert out.exit_code == 2 and "not on a line 97.0 mm long" in out.output
    out = _run("correct", page, "--item", "2", "--mm", "3.5", "--by", "RA", "--reason", "cm?", "--db", audit_stack.db)
    assert "if you measured 3.5 cm" in out.output
