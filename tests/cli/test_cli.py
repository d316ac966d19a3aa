"""The command line, run as a user would: on files, through click and as a subprocess."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from srs_scan.cli import main
from srs_scan.synth import MarkSpec, render_blank, render_form, scan

SRS_TRUTH = (91.0, 95.0, 88.5, 97.0)
ORS_TRUTH = (40.0, 22.0, 61.0, 30.0)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    """A folder as a clinic would have it: a scan, a two-page PDF and a damaged file."""
    folder = tmp_path_factory.mktemp("scans")
    rng = np.random.default_rng(5)
    srs = render_form("srs", [[MarkSpec(p)] for p in SRS_TRUTH], dpi=200, seed=1)
    img = scan(srs.image, rng, dpi_in=200, dpi_out=200, skew_deg=0.5)
    Image.fromarray(img).save(folder / "a_srs.png", dpi=(200, 200))
    ors = render_form("ors", [[MarkSpec(p, "x")] for p in ORS_TRUTH], dpi=200, seed=2)
    pages = [
        Image.fromarray(scan(ors.image, rng, dpi_in=200, dpi_out=200)),
        Image.fromarray(scan(render_blank(dpi=200, seed=3), rng, dpi_in=200, dpi_out=200)),
    ]
    pages[0].save(folder / "b_stack.pdf", save_all=True, append_images=pages[1:], resolution=200.0)
    (folder / "c_damaged.jpg").write_bytes(b"not really a jpeg")
    return folder


def _run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_scan_folder_writes_jsonl_and_csv_in_input_order(inputs, tmp_path):
    before = {p.name: p.read_bytes() for p in inputs.iterdir()}
    out_json, out_csv = tmp_path / "r.jsonl", tmp_path / "r.csv"
    result = _run("scan", str(inputs), "--jsonl", str(out_json), "--csv", str(out_csv))
    assert result.exit_code == 1  # the damaged file was reported; the rest was read
    assert "c_damaged.jpg" in result.output and "ERROR" in result.output

    records = [json.loads(line) for line in out_json.read_text().splitlines()]
    assert [(Path(r["source"]).name, r["page"]) for r in records] == [
        ("a_srs.png", 1), ("b_stack.pdf", 1), ("b_stack.pdf", 2), ("c_damaged.jpg", 1)]
    srs, ors, blank, bad = records
    assert srs["form"] == "srs" and srs["status"] == "ok"
    assert [i["name"] for i in srs["items"]] == ["Relationship", "Goals and Topics", "Approach or Method", "Overall"]
    for item, truth in zip(srs["items"], SRS_TRUTH, strict=False):
        assert set(item) >= {"name", "mm", "score", "status"}
        assert item["mm"] == pytest.approx(truth, abs=0.5)
        assert item["score"] == pytest.approx(truth / 10, abs=0.06)
    assert srs["total"] == pytest.approx(sum(SRS_TRUTH) / 10, abs=0.25)
    assert ors["form"] == "ors"
    assert [i["mm"] for i in ors["items"]] == pytest.approx(list(ORS_TRUTH), abs=0.5)
    assert "clinical_range" in [f["code"] for f in ors["flags"]]
    assert blank["status"] == "no_form" and blank["items"] == [] and blank["total"] is None
    assert bad["status"] == "error" and bad["reasons"]

    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 4
    assert rows[0]["item1_name"] == "Relationship"
    assert float(rows[0]["item1_mm"]) == pytest.approx(SRS_TRUTH[0], abs=0.5)
    assert rows[2]["status"] == "no_form"
    # inputs are never modified
    assert {p.name: p.read_bytes() for p in inputs.iterdir()} == before


def test_exit_zero_when_every_page_was_read(inputs):
    result = _run("scan", str(inputs / "a_srs.png"))
    assert result.exit_code == 0
    assert "SRS" in result.output and "Relationship" in result.output


def test_flags_come_with_advice(inputs):
    result = _run("scan", str(inputs / "b_stack.pdf"))
    assert "FLAG" in result.output and "clinical" in result.output


def test_nothing_readable_exits_3(inputs):
    result = _run("scan", str(inputs / "c_damaged.jpg"))
    assert result.exit_code == 3


def test_missing_input_is_a_usage_error(tmp_path):
    result = _run("scan", str(tmp_path / "nope.pdf"))
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_folder_without_forms_is_a_usage_error(tmp_path):
    (tmp_path / "readme.txt").write_text("hello")
    result = _run("scan", str(tmp_path))
    assert result.exit_code == 2
    assert "no supported files" in result.output


def test_output_may_not_overwrite_an_input(inputs):
    result = _run("scan", str(inputs / "a_srs.png"), "--csv", str(inputs / "a_srs.png"))
    assert result.exit_code == 2
    assert "never overwritten" in result.output


def test_item_threshold_option(inputs):
    result = _run("scan", str(inputs / "a_srs.png"), "--item-threshold", "8.0")
    assert result.exit_code == 0
    assert "< 8" not in result.output  # every item is >= 8.85


def test_subprocess_entry_point(inputs, tmp_path):
    out = tmp_path / "r.jsonl"
    proc = subprocess.run(
        [sys.executable, "-m", "srs_scan", "scan", str(inputs / "a_srs.png"), "--jsonl", str(out), "-q"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""  # quiet: the summary goes to stderr
    assert "1 page(s)" in proc.stderr
    assert json.loads(out.read_text())["form"] == "srs"


def test_help_lists_the_scan_command():
    result = _run("--help")
    assert result.exit_code == 0 and "scan" in result.output
    result = _run("scan", "--help")
    assert "--jsonl" in result.output and "--csv" in result.output


def test_both_outputs_to_one_file_is_refused(inputs, tmp_path):
    same = tmp_path / "out.txt"
    result = _run("scan", str(inputs / "a_srs.png"), "--jsonl", str(same), "--csv", str(same))
    assert result.exit_code == 2 and "same file" in result.output
    assert not same.exists()


def test_output_into_a_missing_folder_is_refused(inputs, tmp_path):
    result = _run("scan", str(inputs / "a_srs.png"), "--jsonl", str(tmp_path / "nope" / "r.jsonl"))
    assert result.exit_code == 2 and "does not exist" in result.output
    assert not (tmp_path / "nope").exists()


def test_jsonl_to_standard_output(inputs):
    result = CliRunner().invoke(main, ["scan", str(inputs / "a_srs.png"), "--jsonl", "-"])
    assert result.exit_code == 0
    record = json.loads(result.stdout.strip().splitlines()[0])
    assert record["form"] == "srs" and len(record["items"]) == 4


@pytest.mark.skipif(sys.platform != "linux", reason="non-UTF-8 file names are a POSIX matter")
def test_file_name_that_is_not_utf8(inputs, tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    odd = folder / ("n" + b"\xff".decode("utf-8", "surrogateescape") + ".png")
    odd.write_bytes((inputs / "a_srs.png").read_bytes())
    out = tmp_path / "r.jsonl"
    result = _run("scan", str(folder), "--jsonl", str(out), "--csv", str(tmp_path / "r.csv"))
    assert result.exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["form"] == "srs"
