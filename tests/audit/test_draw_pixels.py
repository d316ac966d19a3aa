"""The audit picture measured from its pixels, against the synthetic page's truth.

A person checks a reading by looking at the picture: the pointer must stand over the
mark, the ruler's ticks at the paper's millimetres, the drawn ends on the printed
line's ends, and the scan must sit under the drawing where it belongs. Each element is
found in the rendered image by its colour and shape (tests/pixels.py), never by asking
the drawing code where it meant to draw, and compared with the renderer's geometry.
The limits come from the measured error (below), well under the 0.4-2 mm slips that
must fail.
"""

from __future__ import annotations

import numpy as np
import pytest
from pixels import INK_CORRECTED, INK_OK, check_line, true_lines

from srs_scan.audit import draw
from srs_scan.ledger.corrections import Correction, apply
from srs_scan.read.pipeline import read_image
from srs_scan.synth import MarkSpec, render_form, scan

# Measured on these pages (and over 60 pages in benchmarks/audit.py -n 20) before
# setting the limits: pointer vs true mark <= 0.10 mm, pointer vs its value <= 0.07 mm,
# drawn ends vs true ends <= 0.08 mm, pointer vs the mark's ink in the scan <= 0.08 mm,
# printed line vs drawn ends 0.41 mm (the end markers cover the line's last 2.5 px, so
# the gray run found stops short by that much), every tick within 0.02 mm of a true
# millimetre.
POINTER_TOL_MM = 0.25  # pointer vs the true mark: the reader's error + the picture's
POINTER_VALUE_TOL_MM = 0.2  # pointer vs the value printed beside it
ENDS_TOL_MM = 0.3
UNDER_TOL_MM = 0.6  # the printed line's ends as found in the faded scan (0.41 measured)
SCAN_MARK_TOL_MM = 0.3  # the pointer over the client's own mark in the scan
TICK_TOL_MM = 0.3

# marks kept off the ten-millimetre ticks (a pointer stem there hides one)
MARKS = [MarkSpec(83.0), MarkSpec(91.5, "x"), MarkSpec(27.3, "dot"), MarkSpec(64.0, "slant")]


def _case(dpi: int, scale: float, upside_down: bool):
    page = render_form("srs", [[m] for m in MARKS], dpi=dpi, seed=3, scale=scale)
    gray = scan(page.image, np.random.default_rng(2), dpi_in=dpi, dpi_out=dpi)
    if upside_down:
        gray = np.ascontiguousarray(gray[::-1, ::-1])
    result = read_image(gray, dpi=dpi)
    view = draw.render(gray, result, result.drawing_geometry())
    turned = gray.shape if upside_down else None
    return page, gray, result, view, true_lines(view.to_view, page.lines_px, upside_down_of=turned), turned


CASES = {"scan300": (300, 1.0, False), "scan200_upside_down": (200, 1.0, True), "scan300_print97": (300, 0.97, False)}


@pytest.fixture(scope="module", params=list(CASES))
def case(request):
    return _case(*CASES[request.param])


def test_pointer_ruler_and_ends_stand_where_the_paper_says(case):
    page, _, result, view, lines, _ = case
    assert result.status.value == "ok"
    for i, (line, truth, item) in enumerate(zip(lines, page.truth_mm, result.items, strict=True)):
        got = check_line(view.image, line, truth, item.mm, INK_OK)
        assert got.pointer_vs_truth <= POINTER_TOL_MM, (i, got)
        assert got.pointer_vs_value <= POINTER_VALUE_TOL_MM, (i, got)
        assert got.drawn_ends <= ENDS_TOL_MM, (i, got)
        assert got.ruler_ticks <= TICK_TOL_MM and got.ruler_ten_ticks <= TICK_TOL_MM, (i, got)
        assert got.ticks_found >= 99, (i, got)  # 101 ticks; a pointer stem may hide one or two


def test_the_scan_sits_under_the_drawing(case):
    """The printed line itself, found in the faded scan of the picture, lies under the
    drawn ends: a scan shifted under the overlay would show the ends off the line."""
    page, _, result, view, lines, _ = case
    for i, line in enumerate(lines):
        got = check_line(view.image, line, page.truth_mm[i], result.items[i].mm, INK_OK)
        assert got.printed_under_ends <= UNDER_TOL_MM, (i, got)
        assert got.pointer_vs_scan_mark <= SCAN_MARK_TOL_MM, (i, got)  # the mark's ink under the pointer


def test_a_corrected_value_is_pointed_at_from_the_pixels(case):
    page, gray, result, _, _, turned = case
    fixed = apply(result, [Correction("x" * 64, 2, 40.5, "Dr A", "re-measured", id=1)])
    view = draw.render(gray, fixed, result.drawing_geometry())
    lines = true_lines(view.to_view, page.lines_px, upside_down_of=turned)  # the banner grew a row
    got = check_line(view.image, lines[1], 40.5, 40.5, INK_CORRECTED)
    assert got.pointer_vs_value <= POINTER_VALUE_TOL_MM, got


def _similarity(a: np.ndarray, b: np.ndarray) -> float:
    if a.shape != b.shape:
        return -1.0
    return float(np.corrcoef(a.astype(float).ravel(), b.astype(float).ravel())[0, 1])


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_pages_shown_whole_are_turned_upright(quarter_turns):
    """The thumbnail and the whole-page view of a turned page look like the upright page,
    compared pixel by pixel (the page's own rotation as the reader reported it)."""
    page = render_form("srs", [[MarkSpec(30.0)]] * 4, dpi=100, seed=3)
    upright = scan(page.image, np.random.default_rng(0), dpi_in=100, dpi_out=100)
    turned = np.ascontiguousarray(np.rot90(upright, quarter_turns))
    result = read_image(turned, dpi=100)
    assert result.rotation == (360 - 90 * quarter_turns) % 360
    assert _similarity(draw.thumbnail(turned, result.rotation), draw.thumbnail(upright, 0)) > 0.8
    whole = draw.render(turned, result, None).original
    ref = draw.render(upright, read_image(upright, dpi=100), None).original
    h, w = min(whole.shape[0], ref.shape[0]), min(whole.shape[1], ref.shape[1])
    assert abs(whole.shape[0] - ref.shape[0]) <= 1 and abs(whole.shape[1] - ref.shape[1]) <= 1
    assert _similarity(whole[:h, :w], ref[:h, :w]) > 0.8
