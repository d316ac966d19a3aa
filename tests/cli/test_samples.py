"""End to end over every file in sample_scans/, against the ground truth in TRUTH.md.

TRUTH.md is written by sample_scans/make_samples.py from the positions the marks were
drawn at (geometry), not from srs-scan's output.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import PHOTO_TOL_MM, SCAN_TOL_MM

from srs_scan import ItemStatus, PageStatus, read_path

SAMPLES = Path(__file__).resolve().parents[2] / "sample_scans"


def _truth() -> list[tuple[str, int, str | None, list[str], str]]:
    rows = []
    for line in (SAMPLES / "TRUTH.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 8 or cells[0] in ("file", "") or cells[0].startswith("---"):
            continue
        rows.append((cells[0], int(cells[1]), None if cells[2] == "-" else cells[2], cells[3:7], cells[7]))
    return rows


TRUTH = _truth()


def test_truth_file_lists_every_sample():
    listed = {name for name, *_ in TRUTH}
    files = {p.name for p in SAMPLES.iterdir() if p.suffix.lower() in (".png", ".tif", ".pdf", ".jpg")}
    assert listed == files


@pytest.mark.parametrize("name", sorted({name for name, *_ in TRUTH}))
def test_sample_file_reads_as_drawn(name):
    results = {r.page: r for r in read_path(SAMPLES / name)}
    tol = PHOTO_TOL_MM if "phone" in name else SCAN_TOL_MM
    for file, page, form, values, note in TRUTH:
        if file != name:
            continue
        result = results[page]
        if form is None:
            assert result.status is PageStatus.NO_FORM, (page, result.reasons)
            continue
        assert result.form == form, (page, result.reasons)
        qr = re.search(r"QR: client (\S+), session (\d+)", note)  # our own printed forms
        assert (result.client, result.session) == ((qr[1], int(qr[2])) if qr else (None, None))
        for item, value in zip(result.items, values, strict=True):
            if value == "-":
                assert item.status is ItemStatus.MISSING
            else:
                assert item.mm == pytest.approx(float(value), abs=tol), (page, item)
