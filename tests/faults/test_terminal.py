"""What the terminal shows: a file name cannot forge a line; each page line carries its
page id; advice is given once a page; corrections take a decimal comma; the audit
report does not call a page without a form "Review"."""

from __future__ import annotations

import re

import pytest

from .conftest import DPI, Batch, assert_clean, cli, records


@pytest.mark.parametrize("name", ["evil\nother.png p1: SRS  total 40.0  [ok]\n.png",
                                  "evil\rfake.png p1: SRS  total 40.0  [ok].png",
                                  "evil\x1b[2Kwiped.png"], ids=["newline", "carriage-return", "escape"])
def test_a_file_name_cannot_forge_a_terminal_line(batch: Batch, pages, name):
    pages[1].save(batch.inputs / name, format="PNG", dpi=(DPI, DPI))
    batch.snapshot()
    jsonl = batch.out / "r.jsonl"
    result = cli("scan", batch.inputs, "--jsonl", jsonl)
    text = assert_clean(result)
    assert result.returncode == 0, text
    assert "\r" not in text and "\x1b" not in text
    assert not any(line.startswith(("other.png", ".png", "fake.png")) for line in text.splitlines())
    assert re.search(r"evil\\x(0a|0d|1b)", text)
    assert {r["source"].rsplit("/", 1)[-1] for r in records(jsonl)} == {"good.png", name}  # the outputs keep it
    batch.assert_inputs_unchanged()
    batch.assert_no_partial_output()


def test_page_line_shows_the_page_id_and_advice_once(batch: Batch):
    jsonl = batch.out / "r.jsonl"
    result = cli("scan", batch.inputs / "good.png", "--jsonl", jsonl)
    text = assert_clean(result)
    page_id = records(jsonl)[0]["page_id"]
    assert f"good.png p1 (id {page_id}):" in text
    advice = [line.strip() for line in text.splitlines() if line.startswith("         ")]
    assert advice and len(advice) == len(set(advice)), text


def test_correct_takes_a_decimal_comma(batch: Batch):
    jsonl = batch.out / "r.jsonl"
    assert cli("scan", batch.inputs, "--jsonl", jsonl, "-q").returncode == 0
    page_id = records(jsonl)[0]["page_id"]
    db = batch.out / "srs-scan-ledger.sqlite"
    result = cli("correct", page_id, "--item", "2", "--mm", "6,4", "--by", "J R", "--reason", "ruler", "--db", db)
    assert_clean(result)
    assert result.returncode == 0, result.stderr
    assert "-> 6.4 mm" in result.stdout
    bad = cli("correct", page_id, "--item", "2", "--mm", "1,2,3", "--by", "J R", "--reason", "ruler", "--db", db)
    assert bad.returncode == 2 and "is not a value in mm" in bad.stderr
    out = batch.out / "e.jsonl"
    assert cli("export", "--db", db, "--jsonl", out).returncode == 0
    assert records(out)[0]["items"][1]["mm"] == 6.4


def test_audit_does_not_call_a_page_without_a_form_review(batch: Batch, blank):
    blank.save(batch.inputs / "letter.png", dpi=(DPI, DPI))
    jsonl = batch.out / "r.jsonl"
    assert cli("scan", batch.inputs, "--jsonl", jsonl, "-q").returncode == 0
    report = batch.out / "a.html"
    result = cli("audit", "--db", batch.out / "srs-scan-ledger.sqlite", "-o", report, "-q")
    assert result.returncode == 0, result.stderr
    sections = [s for s in report.read_text().split("<section")[1:] if "letter.png" in s.split("</h2>")[0]]
    assert len(sections) == 1
    assert 'class="review">Review' not in sections[0] and "No form" in sections[0]
