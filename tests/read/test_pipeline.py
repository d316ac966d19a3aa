"""Whole pages: render a form, mark it at known positions, degrade it, read it.

Ground truth is the renderer's geometry (u_mm of each mark), never the reader's output.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import PHOTO_OK_TOL_MM, PHOTO_TOL_MM, SCAN_TOL_ANY_MM, SCAN_TOL_MM, examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from srs_scan import ItemStatus, PageStatus, read_image
from srs_scan.synth import MarkSpec, bitonal, photo, render_blank, render_form, render_letter, scan

POSITIONS = (12.3, 87.6, 45.0, 99.2)
KINDS = ("tick", "x", "dot", "slant")


def _assert_values(result, truth, tol, ok_tol=None):
    """Every item within ``tol`` of the truth; items read as ok within ``ok_tol`` (photos:
    the reader's error on the items it does not send to a person is smaller)."""
    assert result.status in (PageStatus.OK, PageStatus.REVIEW)
    assert len(result.items) == 4
    for item, expected in zip(result.items, truth, strict=False):
        if expected is None:
            assert item.status is ItemStatus.MISSING
            assert item.mm is None and item.score is None
        else:
            assert item.mm is not None, item
            assert abs(item.mm - expected) <= tol, (item, expected)
            if ok_tol is not None and item.status is ItemStatus.OK:
                assert abs(item.mm - expected) <= ok_tol, (item, expected)


@pytest.mark.parametrize("form, names", [
    ("srs", ["Relationship", "Goals and Topics", "Approach or Method", "Overall"]),
    ("ors", ["Individually", "Interpersonally", "Socially", "Overall"]),
])
def test_clean_scan_reads_values_form_and_items(render, rng, form, names):
    page = render(form, POSITIONS, kinds=KINDS)
    result = read_image(scan(page.image, rng, dpi_in=page.dpi, dpi_out=200, skew_deg=0.7), dpi=200)
    _assert_values(result, POSITIONS, SCAN_TOL_MM)
    assert result.status is PageStatus.OK
    assert result.form == form
    assert [i.name for i in result.items] == names
    expected_total = sum(round(p / 10 + 1e-9, 1) for p in POSITIONS)
    assert result.total == pytest.approx(expected_total, abs=0.25)
    assert result.line_length_mm == pytest.approx(100.0, abs=0.3)
    assert result.warnings == ()


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_any_page_orientation_reads_the_same_values(render, rng, quarter_turns):
    page = render("srs", POSITIONS, kinds=KINDS, layout="house")
    img = scan(page.image, rng, dpi_in=page.dpi, dpi_out=200, skew_deg=-1.5, rotate90=quarter_turns)
    result = read_image(img, dpi=200)
    _assert_values(result, POSITIONS, SCAN_TOL_MM)
    assert result.rotation == (360 - 90 * quarter_turns) % 360  # np.rot90 turns counter-clockwise


def test_bitonal_fax_scan(render, rng):
    page = render("ors", POSITIONS, kinds=KINDS, layout="compact", pen="felt_black")
    img = bitonal(scan(page.image, rng, dpi_in=page.dpi, dpi_out=200), rng, threshold=150)
    _assert_values(read_image(img, dpi=200), POSITIONS, SCAN_TOL_MM)


def test_fit_to_page_print_is_scored_relative_to_the_printed_line(render, rng):
    page = render("srs", POSITIONS, kinds=KINDS, scale=0.96)
    result = read_image(scan(page.image, rng, dpi_in=page.dpi, dpi_out=200), dpi=200)
    _assert_values(result, POSITIONS, SCAN_TOL_MM)
    assert result.line_length_mm == pytest.approx(96.0, abs=0.4)
    assert any("96" in w for w in result.warnings)


def test_unknown_scale_reports_no_length(render, rng):
    page = render("srs", POSITIONS, kinds=KINDS)
    result = read_image(scan(page.image, rng, dpi_in=page.dpi, dpi_out=200), dpi=None)
    _assert_values(result, POSITIONS, SCAN_TOL_MM)
    assert result.line_length_mm is None


def test_blank_line_is_missing_never_zero(render, rng):
    truth = (30.0, None, 70.0, 55.5)
    page = render("srs", truth)
    result = read_image(scan(page.image, rng, dpi_in=page.dpi, dpi_out=200), dpi=200)
    _assert_values(result, truth, SCAN_TOL_MM)
    assert result.total is None
    assert result.status is PageStatus.REVIEW


def test_two_marks_on_a_line_go_to_review(render, rng):
    page = render("ors", (40.0, (20.0, 75.0), 60.0, 80.0))
    result = read_image(scan(page.image, rng, dpi_in=page.dpi, dpi_out=200), dpi=200)
    assert result.items[1].status is ItemStatus.REVIEW
    assert result.items[1].reasons
    assert result.status is PageStatus.REVIEW
    for item in (result.items[0], result.items[2], result.items[3]):
        assert item.status is ItemStatus.OK


@pytest.mark.parametrize("offset_mm", [4.5, -4.5])
def test_mark_floating_off_the_line_is_never_ok(rng, offset_mm):
    marks = [[MarkSpec(50.0, "x", v_offset_mm=offset_mm, size_mm=4.0)],
             [MarkSpec(20.0)], [MarkSpec(30.0)], [MarkSpec(40.0)]]
    page = render_form("srs", marks, dpi=200, seed=3)
    result = read_image(scan(page.image, rng, dpi_in=page.dpi, dpi_out=200), dpi=200)
    assert result.status is PageStatus.REVIEW
    if offset_mm > 0:  # clear paper below the line: the stray mark itself is reported
        assert result.items[0].status is ItemStatus.REVIEW
        assert result.items[0].mm == pytest.approx(50.0, abs=1.0)
    else:  # above, among the item's label: at least never a number nobody checks
        assert result.items[0].status is not ItemStatus.OK


@pytest.mark.parametrize("maker", [render_blank, render_letter])
def test_pages_without_a_form_are_no_form(rng, maker):
    img = scan(maker(dpi=200, seed=5), rng, dpi_in=200, dpi_out=200)
    result = read_image(img, dpi=200)
    assert result.status is PageStatus.NO_FORM
    assert result.items == () and result.form is None


def _ruled(lines: int, dpi: int = 200, ticked: tuple[int, ...] = ()) -> np.ndarray:
    """A sheet ruled with ``lines`` lines 100 mm long, 14 mm apart, no words, a tick
    standing on each line of ``ticked`` (a list ticked off)."""
    ppm = dpi / 25.4
    img = np.full((int(297 * ppm), int(210 * ppm)), 250, np.uint8)
    x0, x1 = int(55 * ppm), int(155 * ppm)
    for k in range(lines):
        y = int((60 + 14 * k) * ppm)
        img[y - 1 : y + 1, x0:x1] = 40
        if k in ticked:
            cx = x0 + int((20 + 7 * k) * ppm)
            img[y - int(4 * ppm) : y, cx - 1 : cx + 1] = 30
    return img


def test_a_ruled_sheet_with_more_lines_than_a_form_is_no_form(rng):
    """Eight equal ruled lines and no words: four of them look like a form's scales, but
    the lines run on past any four and nothing names a form - ruled paper, not a form
    (no_form, no review). Four such lines alone stay a possible form (review)."""
    img = scan(_ruled(8, ticked=(1, 2, 5)), rng, dpi_in=200, dpi_out=200)
    result = read_image(img, dpi=200)
    assert result.status is PageStatus.NO_FORM, result.reasons
    assert result.items == () and result.form is None
    four = read_image(scan(_ruled(4, ticked=(1, 2)), rng, dpi_in=200, dpi_out=200), dpi=200)
    assert four.status is PageStatus.REVIEW and four.form is None


def test_a_named_form_with_a_ruled_line_in_line_stays_a_form(render, rng):
    """An SRS whose words name it, with a fifth line ruled in line below its four: a form
    (review: which lines are its own?), never no_form."""
    page = render("srs", POSITIONS, dpi=200)
    img = page.image.copy()
    (x0, y0), (x1, _) = page.lines_px[3]
    step = page.lines_px[3][0][1] - page.lines_px[2][0][1]
    y = int(y0 + step)
    img[y - 1 : y + 1, int(x0) : int(x1)] = 40
    result = read_image(scan(img, rng, dpi_in=200, dpi_out=200), dpi=200)
    assert result.form == "srs"
    assert result.status is PageStatus.REVIEW


def test_srs_flags_carry_advice(render, rng):
    page = render("srs", (95.0, 95.0, 80.0, 92.0))
    result = read_image(scan(page.image, rng, dpi_in=page.dpi, dpi_out=200), dpi=200)
    codes = {f.code for f in result.flags}
    assert "item_low" in codes  # 8.0 < 9
    assert "alliance_concern" not in codes  # 36.2 > 36
    assert all(f.advice for f in result.flags)


def test_phone_photo_with_perspective(render, rng):
    page = render("ors", POSITIONS, kinds=KINDS, dpi=150)
    img = photo(page.image, rng, tilt_deg=30, rotation_deg=130, coverage=0.9,
                out_size=(2000, 1500), blur_sigma=0.8, jpeg_quality=85)
    result = read_image(img)
    _assert_values(result, POSITIONS, PHOTO_TOL_MM, PHOTO_OK_TOL_MM)


def test_curled_paper_photo(render, rng):
    page = render("srs", POSITIONS, kinds=KINDS, dpi=150, layout="house")
    img = photo(page.image, rng, tilt_deg=15, rotation_deg=-20, coverage=0.9,
                out_size=(2000, 1500), curl_mm=6.0, jpeg_quality=85)
    _assert_values(read_image(img), POSITIONS, PHOTO_TOL_MM, PHOTO_OK_TOL_MM)


@settings(max_examples=examples(6), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    positions=st.lists(st.floats(0.0, 100.0).map(lambda v: round(v, 2)), min_size=4, max_size=4),
    kind=st.sampled_from(["tick", "slant", "x", "dot", "short_tick"]),
    seed=st.integers(0, 10_000),
)
def test_any_position_and_mark_kind_on_a_scan(positions, kind, seed):
    rng = np.random.default_rng(seed)
    page = render_form("srs", [[MarkSpec(p, kind)] for p in positions], dpi=200, seed=seed)
    img = scan(page.image, rng, dpi_in=page.dpi, dpi_out=200, skew_deg=float(rng.uniform(-2, 2)))
    _assert_values(read_image(img, dpi=200), positions, SCAN_TOL_ANY_MM)


@pytest.mark.parametrize("array", [np.zeros((10, 10), np.uint8), np.zeros((300, 300, 3, 2), np.uint8)])
def test_unusable_array_is_an_error_state_not_an_exception(array):
    result = read_image(array)
    assert result.status is PageStatus.ERROR
    assert result.reasons


def test_bitonal_check_counted_in_bands_is_the_whole_pages():
    """Stopping early on the gray pixels counted so far gives the whole page's answer: pages
    just either side of the share, their gray pixels at the top, spread out or at the bottom."""
    import cv2

    from srs_scan.read.pipeline import BITONAL_SHARE, _is_bitonal

    rng = np.random.default_rng(4)
    for share in (0.0, 0.02, 0.0299, 0.03, 0.0301, 0.05, 0.5):
        for where in ("top", "spread", "bottom"):
            page = np.where(rng.random((161, 97)) < 0.5, 0, 255).astype(np.uint8)
            n = int(round(share * page.size))
            flat = page.ravel()
            at = {"top": np.arange(n), "bottom": np.arange(page.size - n, page.size),
                  "spread": rng.choice(page.size, n, replace=False)}[where]
            flat[at] = rng.integers(1, 255, n)
            whole = 1.0 - cv2.countNonZero(cv2.inRange(page, 1, 254)) / page.size > BITONAL_SHARE
            assert _is_bitonal(page) == whole
