"""The assignment trail: old and new kept, files, patterns and people; the assign command
(append-only in the database: tests/ledger/test_trails.py; old layouts upgraded:
tests/ledger/test_layouts.py)."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from feed import page_of

from srs_scan.cli import main
from srs_scan.jobs.assign import assign_file, assign_page, assign_pattern
from srs_scan.ledger import assignments
from srs_scan.ledger.assignments import Assignment, compile_pattern, from_name, make, read_csv
from srs_scan.ledger.store import Ledger
from srs_scan.model import PageStatus

KEY_A, KEY_B, KEY_C = "a1" * 32, "b2" * 32, "c3" * 32


@pytest.fixture
def ledger(tmp_path):
    led = Ledger(tmp_path / "l.sqlite")
    led.put(KEY_A, "s", page_of("in/C7_2_2026-03-02.pdf", 1, "ors", (50, 60, 70, 80)).to_dict(), path="/x/in/a.pdf")
    led.put(KEY_B, "s", page_of("in/C7_2_2026-03-02.pdf", 2, "srs", (90, 95, 95, 100)).to_dict())
    led.put(KEY_C, "s", page_of("other/scan.pdf", 1, "srs", (90, 95, 95, 100)).to_dict())
    yield led
    led.close()


def test_a_person_assigns_and_the_trail_keeps_old_and_new(ledger):
    _, first = assign_page(ledger, KEY_A[:12], make("C7", "2", "2026-03-02"), by="Ana")
    assert first.old is None and first.new == Assignment("C7", 2, date(2026, 3, 2))
    _, second = assign_page(ledger, KEY_A[:12], make(therapist="T1"), by="Ben")
    assert second.old == first.new and second.new == Assignment("C7", 2, date(2026, 3, 2), "T1")
    assert assign_page(ledger, KEY_A[:12], make(therapist="T1"), by="Ben")[1] is None  # no change, no row
    trail = assignments.trail(ledger, KEY_A)
    assert [(e.by, e.via) for e in trail] == [("Ana", "person"), ("Ben", "person")]
    assert trail[1].at.endswith("+00:00")


@pytest.mark.parametrize("fields, message", [
    (("John Smith", "1", None), "not an ID"), (("C1", "0", None), "1-999"), (("C1", "x", None), "whole number"),
    (("C1", "1", "2026-02-30"), "yyyy-mm-dd"), (("C1", "1", "02/03/2026"), "yyyy-mm-dd"),
])
def test_bad_values_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        make(*fields)


def test_a_file_assigns_by_source_path_or_name(ledger, tmp_path):
    f = tmp_path / "a.csv"
    f.write_text("source,page,client,session,date,therapist,site\n"
                 "in/C7_2_2026-03-02.pdf,,C7,2,2026-03-02,T1,S1\n"
                 "scan.pdf,1,C8,1,,,\n"
                 "missing.pdf,1,C9,1,,,\n")
    done = assign_file(ledger, f, by="clerk")
    assert (done.assigned, done.unchanged) == (3, 0) and done.unmatched == ["line 4: missing.pdf p1"]
    now = assignments.all_current(ledger)
    assert now[KEY_B] == Assignment("C7", 2, date(2026, 3, 2), "T1", "S1")
    assert now[KEY_C] == Assignment("C8", 1)  # no date: none is guessed
    assert assign_file(ledger, f, by="clerk").unchanged == 3  # again: nothing new in the trail
    f.write_text("source,page,client,session,date\nscan.pdf,1,Jane Doe,1,\n")
    from srs_scan.exceptions import UsageProblem

    with pytest.raises(UsageProblem, match="line 2: client"):
        assign_file(ledger, f, by="clerk")


def test_patterns_take_values_from_file_names(ledger):
    regex = compile_pattern("{client}_{session}_{date}.pdf")
    assert from_name(regex, "C-12_3_2026-01-31.pdf") == Assignment("C-12", 3, date(2026, 1, 31))
    assert from_name(regex, "C_12_3_2026-01-31.pdf") == Assignment("C_12", 3, date(2026, 1, 31))
    assert from_name(regex, "notes.pdf") is None
    with pytest.raises(ValueError, match="not one of"):
        compile_pattern("{name}.pdf")
    done = assign_pattern(ledger, "{client}_{session}_{date}.pdf", by="clerk")
    assert done.assigned == 2
    assert assignments.all_current(ledger)[KEY_A] == Assignment("C7", 2, date(2026, 3, 2))


def test_csv_header_is_checked():
    with pytest.raises(ValueError, match="no column"):
        read_csv("file,page\n")
    (row,) = read_csv("\ufeffSource,Page,Client,Session,Date\na.pdf,2,C1,4,2026-01-01\n")
    assert (row.source, row.page, row.assignment.session) == ("a.pdf", 2, 4)


def test_the_assign_command(ledger, tmp_path):
    db = str(tmp_path / "l.sqlite")
    runner = CliRunner()
    out = runner.invoke(main, ["assign", KEY_C[:12], "--client", "C8", "--session", "3", "--date", "2026-02-01",
                               "--by", "Ana", "--db", db])
    assert out.exit_code == 0, out.output
    assert "client C8, session 3, date 2026-02-01" in out.output
    out = runner.invoke(main, ["assign", KEY_C[:12], "--client", "Jane Doe", "--by", "Ana", "--db", db])
    assert out.exit_code == 2 and "not an ID" in out.output
    out = runner.invoke(main, ["assign", "--pattern", "{client}_{session}_{date}.pdf", "--by", "Ana", "--db", db])
    assert out.exit_code == 0 and "2 page(s) assigned" in out.output
    out = runner.invoke(main, ["clients", "--db", db, "--json", str(tmp_path / "c.json")])
    assert out.exit_code == 0, out.output
    doc = json.loads((tmp_path / "c.json").read_text())
    assert [c["id"] for c in doc["clients"]] == ["C7", "C8"]
    assert doc["clients"][0]["last_ors"] == 26.0 and doc["clients"][0]["last_srs"] == 38.0
    assert "C8: 1 session(s), last s3 (2026-02-01)" in out.output
    assert "session_gap: sessions 1-2 not recorded" in out.output


def test_a_page_in_review_is_counted_and_marked(tmp_path):
    led = Ledger(tmp_path / "l.sqlite")
    led.put(KEY_A, "s", page_of("a.pdf", 1, "srs", (80, 90, 90, 90), PageStatus.REVIEW).to_dict())
    assign_page(led, KEY_A[:12], make("C1", "1"), by="Ana")
    led.close()
    out = CliRunner().invoke(main, ["clients", "--db", str(tmp_path / "l.sqlite")])
    assert "srs_low: SRS total 35.0 [unreviewed]" in out.output


def test_scan_assign_pattern_and_the_qr_code(tmp_path):
    """A sample scan named after its client, session and date, and srs-scan's own forms (the
    QR code gives client and session), scanned with --assign-pattern."""
    import shutil
    from pathlib import Path

    samples = Path(__file__).resolve().parents[2] / "sample_scans"
    shutil.copy(samples / "srs_scan_300dpi.png", tmp_path / "K-7_2_2026-05-04.png")
    shutil.copy(samples / "own_forms_scan.pdf", tmp_path / "own.pdf")
    out = CliRunner().invoke(main, ["scan", str(tmp_path / "K-7_2_2026-05-04.png"), str(tmp_path / "own.pdf"),
                                    "--jsonl", str(tmp_path / "o.jsonl"), "--assign-pattern",
                                    "{client}_{session}_{date}.png", "--workers", "1", "-q"])
    assert out.exit_code == 0, out.output
    assert "1 page(s) assigned" in out.output
    out = CliRunner().invoke(main, ["clients", "--db", str(tmp_path / "srs-scan-ledger.sqlite")])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert any(x.startswith("K-7: 1 session(s), last s2 (2026-05-04)") for x in lines), out.output
    own = next(x for x in lines if x.startswith("C-0042"))  # from the QR codes; no date: none guessed
    assert "2 session(s), last s4 (date unknown)" in own and "last SRS 35." in own  # 35.1 on the paper
    assert "srs_missing" in own  # session 4 has an ORS and no SRS
