"""A clinic's own forms end to end on the command line: scan --template, the records and the
CSV, a correction within the form's lines (and one past them refused), a changed template
reading the pages again, and the later commands working from the ledger alone (the
template file gone): export, audit, the session exports that leave a clinic form out."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from srs_scan.cli import main
from srs_scan.synth import MarkSpec, render_form, scan
from srs_scan.synth.custom import CustomPage, mm_to_u, render_custom

DPI = 200
PAIN_TRUTH = (12.0, 40.0, 60.0)  # mm from the left end of the 80 mm lines: scores 1.5, 5.0, 7.5
MOOD_TRUTH = (30.0, 60.0, 90.0, 12.0, 108.0)  # mm on the 120 mm lines: 2.5, 5.0, 7.5, 1.0, 9.0
PAIN3 = {
    "schema": 1, "id": "pain3", "title": "Pain Rating Scale (PRS)", "names": ["Pain Rating Scale", "PRS"],
    "line_length_mm": 80, "items": [{"name": "Pain now"}, {"name": "Pain at night"}, {"name": "Daily activities"}],
    "scoring": {"total_cutoff_above": 15, "item_flag_above": 7},
}
MOOD5 = {
    "schema": 1, "id": "mood5", "title": "Weekly Mood Check (WMC)", "names": ["Weekly Mood Check", "WMC"],
    "line_length_mm": 120, "items": [{"name": n} for n in ("Energy", "Calm", "Sleep quality", "Appetite", "Hope")],
    "scoring": {"item_flag_below": 3},
}


def _save(rendered, path: Path, seed: int) -> None:
    img = scan(rendered.image, np.random.default_rng(seed), dpi_in=DPI, dpi_out=DPI, skew_deg=0.6)
    Image.fromarray(img).save(path, dpi=(DPI, DPI))


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> tuple[Path, Path, Path]:
    """(the scans, pain3.json, mood5.json): a pain form, a mood form and an SRS."""
    root = tmp_path_factory.mktemp("clinic")
    scans = root / "scans"
    scans.mkdir()
    pain = CustomPage("Pain Rating Scale (PRS)", ("Pain now", "Pain at night", "Daily activities"), line_mm=80.0,
                      anchors=("No pain", "Worst pain imaginable"))
    _save(render_custom(pain, [[MarkSpec(mm_to_u(t, 80.0))] for t in PAIN_TRUTH], dpi=DPI, seed=1),
          scans / "a_pain.png", 1)
    mood = CustomPage("Weekly Mood Check", tuple(i["name"] for i in MOOD5["items"]), line_mm=120.0,
                      anchors=("Very low", "Very high"))
    _save(render_custom(mood, [[MarkSpec(mm_to_u(t, 120.0))] for t in MOOD_TRUTH], dpi=DPI, seed=2),
          scans / "b_mood.png", 2)
    _save(render_form("srs", [[MarkSpec(p)] for p in (91.0, 95.0, 88.5, 97.0)], dpi=DPI, seed=3),
          scans / "c_srs.png", 3)
    paths = []
    for data in (PAIN3, MOOD5):
        path = root / f"{data['id']}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        paths.append(path)
    return scans, paths[0], paths[1]


def _run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def _scan(files, out: Path, *extra):
    scans, pain, mood = files
    return _run("scan", scans, "--template", pain, "--template", mood, "--jsonl", out / "r.jsonl",
                "--csv", out / "r.csv", "--workers", 1, *extra)


def _records(path: Path) -> dict[str, dict]:
    return {Path(r["source"]).name: r for r in map(json.loads, path.read_text().splitlines())}


@pytest.fixture
def scanned(files, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    result = _scan(files, out)
    assert result.exit_code == 0, result.output
    return out


def test_scan_with_templates_reads_each_form(files, scanned):
    records = _records(scanned / "r.jsonl")
    pain, mood, srs = records["a_pain.png"], records["b_mood.png"], records["c_srs.png"]
    assert (pain["form"], pain["status"], len(pain["items"])) == ("pain3", "ok", 3)
    assert [i["mm"] - t for i, t in zip(pain["items"], PAIN_TRUTH, strict=True)] == pytest.approx([0, 0, 0], abs=0.3)
    assert [i["score"] for i in pain["items"]] == pytest.approx([1.5, 5.0, 7.5], abs=0.1)
    assert [f["code"] for f in pain["flags"]] == ["item_high"]  # 7.5 > 7; the total 14.0 is not above 15
    assert pain["template"]["file"] == "pain3.json" and pain["template"]["line_length_mm"] == 80.0
    assert (mood["form"], mood["status"], len(mood["items"])) == ("mood5", "ok", 5)
    assert [f["message"] for f in mood["flags"]] == ["Energy 2.5 < 3", "Appetite 1.0 < 3"]
    assert srs["form"] == "srs" and "template" not in srs  # the shipped forms' records are as before
    rows = {Path(r["source"]).name: r for r in csv.DictReader((scanned / "r.csv").open())}
    assert rows["b_mood.png"]["item5_name"] == "Hope" and float(rows["b_mood.png"]["item5_score"]) == \
        pytest.approx(9.0, abs=0.1)
    assert rows["c_srs.png"]["item5_name"] == "" and rows["a_pain.png"]["item4_name"] == ""


def test_correct_an_item_of_a_three_line_form_and_not_a_fourth(files, scanned):
    page_id = _records(scanned / "r.jsonl")["a_pain.png"]["page_id"]
    db = scanned / "srs-scan-ledger.sqlite"
    done = _run("correct", page_id, "--item", 3, "--mm", "76", "--by", "R", "--reason", "ruler", "--db", db)
    assert done.exit_code == 0, done.output
    assert "Daily activities" in done.output and "-> 76.0 mm" in done.output  # of the 80 mm line: 9.5
    past = _run("correct", page_id, "--item", 3, "--mm", "81", "--by", "R", "--reason", "x", "--db", db)
    assert past.exit_code == 2 and "the value must be 0.0 to 80.0 mm along the line" in past.output
    refused = _run("correct", page_id, "--item", 4, "--mm", "50", "--by", "R", "--reason", "x", "--db", db)
    assert refused.exit_code == 2 and "item must be 1 to 3 (top to bottom) on this PAIN3 form, not 4" in refused.output
    mood_id = _records(scanned / "r.jsonl")["b_mood.png"]["page_id"]
    fifth = _run("correct", mood_id, "--item", 5, "--mm", "115", "--by", "R", "--reason", "x", "--db", db)
    assert fifth.exit_code == 0 and "Hope" in fifth.output, fifth.output  # item 5 of a five-line form
    assert "-> 115.0 mm" in fifth.output  # past 100 mm: its lines are 120 mm long
    # a re-run carries the person's value, with the total and the flags worked out again
    again = _scan(files, scanned, "--force")
    assert again.exit_code == 0 and "3 taken from the ledger" in again.output
    pain = _records(scanned / "r.jsonl")["a_pain.png"]
    assert pain["items"][2]["corrected"] and pain["items"][2]["score"] == 9.5
    assert pain["total"] == pytest.approx(1.5 + 5.0 + 9.5, abs=0.2)
    assert [f["code"] for f in pain["flags"]] == ["total_above", "item_high"]


def test_a_changed_template_reads_its_pages_again(files, tmp_path):
    scans, pain, mood = files
    mine = tmp_path / "pain3.json"
    shutil.copy(pain, mine)
    out = tmp_path / "out"
    out.mkdir()

    def run():
        return _run("scan", scans, "--template", mine, "--template", mood, "--jsonl", out / "r.jsonl",
                    "--workers", 1, "--force")

    assert run().exit_code == 0
    assert "3 taken from the ledger" in run().output
    mine.write_text(json.dumps({**PAIN3, "scoring": {"total_cutoff_above": 10}}), encoding="utf-8")
    changed = run()
    assert "taken from the ledger" not in changed.output  # the settings key holds the templates' content
    assert "PAIN3 total 14.0 > 10" in changed.output


def test_later_commands_work_from_the_ledger_alone(files, scanned, tmp_path):
    """The ledger keeps the template a page was read with: export and audit need no file."""
    records = _records(scanned / "r.jsonl")
    db = scanned / "srs-scan-ledger.sqlite"
    pain_id = records["a_pain.png"]["page_id"]
    assert _run("correct", pain_id, "--item", 1, "--mm", "48", "--by", "R", "--reason", "x", "--db", db).exit_code == 0
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    for name in ("pain3.json", "mood5.json"):  # the template files are gone
        (files[1].parent / name).rename(moved / name)
    try:
        out = _run("export", "--db", db, "--jsonl", tmp_path / "e.jsonl", "--csv", tmp_path / "e.csv")
        assert out.exit_code == 0, out.output
        pain = _records(tmp_path / "e.jsonl")["a_pain.png"]
        assert pain["items"][0]["score"] == 6.0 and pain["total"] == pytest.approx(6.0 + 5.0 + 7.5, abs=0.2)
        assert [f["code"] for f in pain["flags"]] == ["total_above", "item_high"]  # the template's rules, kept
        assert "item5_score" in next(csv.reader((tmp_path / "e.csv").open()))
        audit = _run("audit", "--db", db, "-o", tmp_path / "audit.html", "--trail", tmp_path / "trail.csv")
        assert audit.exit_code == 0 and "3 page(s)" in audit.output
        html = (tmp_path / "audit.html").read_text()
        assert "PAIN3" in html and "total 18.5" in html
        trail = list(csv.DictReader((tmp_path / "trail.csv").open()))
        assert [(t["item"], t["item_name"], t["new_mm"]) for t in trail] == [("1", "Pain now", "48.0")]
    finally:
        for name in ("pain3.json", "mood5.json"):
            (moved / name).rename(files[1].parent / name)


def test_session_exports_and_the_clinic_leave_a_clinic_form_out(files, scanned, tmp_path):
    records = _records(scanned / "r.jsonl")
    db = scanned / "srs-scan-ledger.sqlite"
    for name in ("a_pain.png", "c_srs.png"):
        got = _run("assign", records[name]["page_id"], "--client", "C1", "--session", 1, "--date", "2026-03-02",
                   "--by", "desk", "--db", db)
        assert got.exit_code == 0, got.output
    o, f, x = tmp_path / "of.csv", tmp_path / "b.json", tmp_path / "s.xlsx"
    out = CliRunner().invoke(main, ["export", "--db", str(db), "--openfit", str(o), "--fhir", str(f), "--xlsx", str(x)])
    assert out.exit_code == 0, out.output
    for path in (o, f, x):
        line = [ln for ln in out.stderr.splitlines() if f"left out of {path}" in ln and "PAIN3" in ln]
        assert line and records["a_pain.png"]["page_id"] in line[0], out.stderr
    assert records["a_pain.png"]["page_id"] not in f.read_text() and records["c_srs.png"]["page_id"] in f.read_text()
    clients = CliRunner().invoke(main, ["clients", "--db", str(db)])
    assert clients.exit_code == 0 and "PAIN3 has no clinical rules" in clients.stderr


def test_without_the_template_a_clinic_form_is_not_ok(files, tmp_path):
    scans, _, _ = files
    out = _run("scan", scans, "--jsonl", tmp_path / "r.jsonl", "--workers", 1)
    assert out.exit_code == 0, out.output
    records = _records(tmp_path / "r.jsonl")
    for name in ("a_pain.png", "b_mood.png"):
        assert records[name]["status"] in ("review", "no_form") and records[name]["form"] is None
    assert records["c_srs.png"]["status"] == "ok"
