"""Round trips through our own printed forms: print -> rasterise -> marks at known
positions -> degrade (scan, photo, thumb, crop, damaged QR) -> read."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import PHOTO_TOL_MM, SCAN_TOL_MM

from srs_scan.forms import printing
from srs_scan.model import ItemStatus, PageStatus
from srs_scan.read.pipeline import read_image
from srs_scan.synth import MarkSpec, degrade
from srs_scan.synth.printed import render_printed

MARKS = [[MarkSpec(83.0, "tick")], [MarkSpec(91.5, "x")], [MarkSpec(27.3, "dot")], [MarkSpec(64.0, "slant")]]
TRUTH = [83.0, 91.5, 27.3, 64.0]


@pytest.fixture(scope="module")
def srs_sheet():
    sheets = printing.plan_sheets("srs", client="C-0042", sessions=[3])
    return printing.render_pdf(sheets, paper="a4"), sheets[0]


def _mm_to_px(sheet, paper: str, dpi: float, x_mm: float, y_mm: float) -> tuple[int, int]:
    ox, oy = sheet.layout.frame_origin_mm(paper)
    k = dpi / 25.4
    return int(round((ox + x_mm) * k)), int(round((oy + y_mm) * k))


def _cover(img: np.ndarray, sheet, paper: str, dpi: float, box_mm, level: int = 190) -> np.ndarray:
    """Paint a flat blob (a thumb) over a frame-mm box of a clean page."""
    out = img.copy()
    x0, y0 = _mm_to_px(sheet, paper, dpi, box_mm[0], box_mm[1])
    x1, y1 = _mm_to_px(sheet, paper, dpi, box_mm[2], box_mm[3])
    cv2.ellipse(out, ((x0 + x1) // 2, (y0 + y1) // 2), ((x1 - x0) // 2, (y1 - y0) // 2), 0, 0, 360,
                (level, level - 40, level - 70), -1)
    return out


def _assert_readings(result, tol: float, truth=TRUTH) -> None:
    assert result.status is PageStatus.OK, result.reasons
    for item, want in zip(result.items, truth, strict=True):
        assert item.status is ItemStatus.OK
        assert abs(item.mm - want) <= tol, (item.name, item.mm, want)


def _assert_identity(result, sheet) -> None:
    assert result.form == "srs"
    assert result.client == "C-0042" and result.session == 3
    assert result.form_id == sheet.identity.form_id
    assert result.layout == "srs-1"


def test_scan_upside_down_reads_scores_and_identity(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=1)
    rng = np.random.default_rng(1)
    img = degrade.scan(page.image, rng, dpi_out=300, skew_deg=1.5, rotate90=2)
    result = read_image(img, dpi=300)
    _assert_readings(result, SCAN_TOL_MM)
    _assert_identity(result, sheet)
    assert result.rotation == 180
    assert result.print_scale == pytest.approx(1.0, abs=0.003)
    assert result.geometry["frame"]["markers"]  # read by its markers, not by the line finder
    assert not result.warnings


def test_phone_photo_reads_scores_and_identity(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=2)
    img = degrade.photo(page.image, np.random.default_rng(2), tilt_deg=25, rotation_deg=-70)
    result = read_image(img)
    _assert_readings(result, PHOTO_TOL_MM)
    _assert_identity(result, sheet)
    assert result.print_scale is None  # a photo has no physical scale


def test_fit_to_page_is_measured_from_the_markers_and_scores_stay_relative(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, scale=0.96, seed=3)
    img = degrade.scan(page.image, np.random.default_rng(3), dpi_out=300, skew_deg=0.7)
    result = read_image(img, dpi=300)
    _assert_readings(result, SCAN_TOL_MM)
    assert result.print_scale == pytest.approx(0.96, abs=0.003)
    assert result.line_length_mm == pytest.approx(96.0, abs=0.2)
    assert any("96.0 %" in w for w in result.warnings)


def test_marks_over_both_ends_on_a_shrunk_print_are_placed_by_the_markers(srs_sheet):
    """Every line marked at an end: no clean end to borrow, and the nominal 100 mm is
    wrong at 97 %. The layout still says where each end is."""
    pdf, sheet = srs_sheet
    marks = [[MarkSpec(100.0, "dot", size_mm=2.5)], [MarkSpec(100.0, "dot", size_mm=2.5)],
             [MarkSpec(100.0, "x")], [MarkSpec(100.0, "dot", size_mm=3.0)]]
    page = render_printed(pdf, sheet.layout, marks, scale=0.97, seed=4)
    img = degrade.scan(page.image, np.random.default_rng(4), dpi_out=300)
    result = read_image(img, dpi=300)
    _assert_readings(result, SCAN_TOL_MM, truth=[100.0] * 4)


def test_a_thumb_over_one_marker_still_reads_by_the_other_three(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=5)
    m = sheet.layout.markers[2]
    img = _cover(page.image, sheet, "a4", 300, (m.at_mm[0] - 6, m.at_mm[1] - 4, m.at_mm[0] + 16, m.at_mm[1] + 18))
    result = read_image(degrade.scan(img, np.random.default_rng(5), dpi_out=300), dpi=300)
    _assert_readings(result, SCAN_TOL_MM)
    _assert_identity(result, sheet)
    assert len(result.geometry["frame"]["markers"]) == 3


def test_a_photo_that_cuts_off_two_markers_falls_back_to_the_lines(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=6)
    # cut the bottom of the page off, just below the check bar: both bottom markers go
    _, y_cut = _mm_to_px(sheet, "a4", 300, 0, sheet.layout.check_bar_at_mm[1] + 9)
    img = degrade.scan(page.image[:y_cut], np.random.default_rng(6), dpi_out=300, rotate90=1)
    result = read_image(img, dpi=300)
    assert "frame" not in result.geometry and result.geometry.get("markers_seen")
    _assert_readings(result, SCAN_TOL_MM)
    _assert_identity(result, sheet)  # the QR code is found on the page without the frame


def test_pen_strokes_through_the_qr_finder_patterns_do_not_lose_the_identity(srs_sheet):
    """A stroke across each of the three finder patterns: OpenCV's detectors no longer
    find the code, but its place is known and level-H error correction does the rest."""
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=14)
    x, y = sheet.layout.qr_at_mm
    s = sheet.layout.qr_size_mm
    img = page.image.copy()
    for fx, fy in ((0.12, 0.12), (0.88, 0.12), (0.12, 0.88)):  # finder pattern centres
        a = _mm_to_px(sheet, "a4", 300, x + (fx - 0.15) * s, y + (fy + 0.1) * s)
        b = _mm_to_px(sheet, "a4", 300, x + (fx + 0.15) * s, y + (fy - 0.1) * s)
        cv2.line(img, a, b, (150, 60, 30), 6)
    scanned = degrade.scan(img, np.random.default_rng(14), dpi_out=300)
    assert not cv2.QRCodeDetector().detectAndDecode(scanned)[0]
    result = read_image(scanned, dpi=300)
    _assert_identity(result, sheet)


def test_a_damaged_qr_code_leaves_identity_empty_but_the_form_is_read(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=7)
    x, y = sheet.layout.qr_at_mm
    s = sheet.layout.qr_size_mm
    img = page.image.copy()
    # a pen scribble through the code's finder patterns (a real code survives small damage)
    for k in range(6):
        a = _mm_to_px(sheet, "a4", 300, x - 1, y + 1 + k * s / 5)
        b = _mm_to_px(sheet, "a4", 300, x + s + 1, y + k * s / 5 + 4)
        cv2.line(img, a, b, (20, 20, 20), 25)
    result = read_image(degrade.scan(img, np.random.default_rng(7), dpi_out=300), dpi=300)
    _assert_readings(result, SCAN_TOL_MM)
    assert result.form == "srs" and result.layout == "srs-1"
    assert result.client is None and result.session is None and result.form_id is None
    assert any("QR code could not be read" in w for w in result.warnings)


@pytest.mark.parametrize("form", ["ors"])
def test_letter_paper_ors_with_no_client_reads(form):
    sheets = printing.plan_sheets(form)
    pdf = printing.render_pdf(sheets, paper="letter")
    page = render_printed(pdf, sheets[0].layout, MARKS, paper="letter", seed=8)
    img = degrade.scan(page.image, np.random.default_rng(8), dpi_out=200, rotate90=3)
    result = read_image(img, dpi=200)
    _assert_readings(result, SCAN_TOL_MM)
    assert result.form == "ors" and result.client is None and result.session is None
    assert result.form_id == sheets[0].identity.form_id


def test_a_missing_mark_and_two_marks_still_go_to_review_on_our_forms(srs_sheet):
    pdf, sheet = srs_sheet
    marks = [[MarkSpec(40.0)], [], [MarkSpec(20.0), MarkSpec(70.0)], [MarkSpec(55.0)]]
    page = render_printed(pdf, sheet.layout, marks, seed=9)
    result = read_image(page.image, dpi=300)
    assert result.status is PageStatus.REVIEW
    assert [i.status for i in result.items] == [ItemStatus.OK, ItemStatus.MISSING, ItemStatus.REVIEW, ItemStatus.OK]
    assert result.total is None


def test_a_new_layout_is_only_a_data_file(monkeypatch):
    """A second SRS layout (lines moved, its own markers, a bigger QR code) given as data:
    printing and reading both follow it, with no code change."""
    import json

    from srs_scan.forms import layouts
    from srs_scan.forms.definitions import _templates_dir
    from srs_scan.read import fiducials

    data = json.loads((_templates_dir() / "printed" / "srs-1.json").read_text())
    data.update(id="srs-2", version=2)
    for k, marker in enumerate(data["markers"]["placed"]):
        marker["id"] = 20 + k
    data["scales"]["left_ends_mm"] = [[30.0, 80.0 + 33.0 * i] for i in range(4)]
    data["qr"].update(at_mm=[140.0, 15.0], size_mm=26.0)
    new = layouts.parse_layout(data, where="printed/srs-2.json")
    both = {**layouts.all_layouts(), "srs-2": new}
    layouts.check_unique(list(both.values()))
    monkeypatch.setattr(layouts, "all_layouts", lambda: both)
    monkeypatch.setattr(fiducials, "all_layouts", lambda: both)

    sheets = printing.plan_sheets("srs", client="C-7", sessions=[2], version=2)
    assert sheets[0].layout is new
    pdf = printing.render_pdf(sheets)
    page = render_printed(pdf, new, MARKS, seed=10)
    result = read_image(degrade.scan(page.image, np.random.default_rng(10), dpi_out=300), dpi=300)
    _assert_readings(result, SCAN_TOL_MM)
    assert result.layout == "srs-2" and result.client == "C-7" and result.session == 2


def test_a_wrong_resolution_tag_does_not_become_a_print_scale(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=11)
    result = read_image(degrade.scan(page.image, np.random.default_rng(11), dpi_out=300), dpi=72)
    _assert_readings(result, SCAN_TOL_MM)
    assert result.print_scale is None and result.line_length_mm is None
    assert any("resolution does not match" in w for w in result.warnings)


def test_two_of_our_forms_in_one_picture_go_to_review(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=12)
    ors = printing.plan_sheets("ors")
    other = render_printed(printing.render_pdf(ors), ors[0].layout, MARKS, seed=13)
    both = np.concatenate([page.image, other.image], axis=1)
    result = read_image(degrade.scan(both, np.random.default_rng(12), dpi_out=200), dpi=200)
    assert result.status is PageStatus.REVIEW
    assert "markers of more than one form are in the image" in result.reasons


def test_cli_keeps_client_ids_off_the_terminal_and_lists_unreadable_codes(srs_sheet, tmp_path):
    from click.testing import CliRunner
    from PIL import Image

    from srs_scan.cli import main

    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=15)
    Image.fromarray(page.image[:, :, ::-1]).save(tmp_path / "good.png", dpi=(300, 300))
    damaged = page.image.copy()
    x, y = sheet.layout.qr_at_mm
    s = sheet.layout.qr_size_mm
    a = _mm_to_px(sheet, "a4", 300, x - 1, y - 1)
    b = _mm_to_px(sheet, "a4", 300, x + s + 1, y + s + 1)
    cv2.rectangle(damaged, a, b, (40, 40, 40), -1)  # the code blacked out
    Image.fromarray(damaged[:, :, ::-1]).save(tmp_path / "damaged.png", dpi=(300, 300))
    res = CliRunner().invoke(main, ["scan", str(tmp_path / "good.png"), str(tmp_path / "damaged.png"),
                                    "--csv", str(tmp_path / "out.csv")])
    assert res.exit_code == 0, res.output
    assert "C-0042" not in res.output
    assert "1 srs-scan form(s) with an unreadable QR code" in res.output and "damaged.png p1" in res.output
    rows = (tmp_path / "out.csv").read_text().splitlines()
    assert ",C-0042,3," in rows[1] and ",C-0042," not in rows[2]


@pytest.mark.parametrize("turn", [0, 2])
def test_markers_from_another_sheet_beside_a_form_are_not_believed(srs_sheet, turn):
    """A publisher's ORS with a torn-off top of one of our SRS sheets beside it (its two
    markers and its QR code): neither the SRS form type, nor its orientation, nor its
    client may be given to the ORS."""
    from srs_scan.synth import render_form

    pdf, sheet = srs_sheet
    ours = render_printed(pdf, sheet.layout, MARKS, dpi=200, seed=16).image
    strip = np.rot90(ours[: int(0.35 * ours.shape[0])], 2 * (turn // 2))
    ors = render_form("ors", MARKS, dpi=200, layout="official", seed=16).image
    canvas = np.full((ors.shape[0], ors.shape[1] + strip.shape[1] + 40, 3), 245, np.uint8)
    canvas[:, : ors.shape[1]] = ors
    canvas[: strip.shape[0], ors.shape[1] + 40 :] = strip
    result = read_image(degrade.scan(canvas, np.random.default_rng(16), dpi_in=200, dpi_out=200), dpi=200)
    assert result.form == "ors"
    assert result.client is None and result.form_id is None
    assert result.status is PageStatus.REVIEW
    assert "srs-scan corner markers in the image do not belong to the form read" in result.reasons
    for item, want in zip(result.items, TRUTH, strict=True):
        assert abs(item.mm - want) <= SCAN_TOL_MM  # read the right way up all the same


def test_two_copies_of_one_form_in_a_picture_go_to_review(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, dpi=150, seed=17).image
    both = np.concatenate([page, page], axis=1)
    result = read_image(degrade.scan(both, np.random.default_rng(17), dpi_in=150, dpi_out=150), dpi=150)
    assert result.status is PageStatus.REVIEW
    assert "two copies of an srs-scan form are in the image: only one was read" in result.reasons


def test_a_line_cut_off_by_the_edge_of_the_image_goes_to_review(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=18)
    (x0, _), (x1, _) = page.lines_px[0]
    cut = page.image[:, : int(x1 - 0.1 * (x1 - x0))]  # the right tenth of every line is gone
    result = read_image(cut, dpi=300)
    assert result.status is PageStatus.REVIEW
    assert any("edge of the image" in r for r in result.reasons)


def test_an_enlarging_resolution_tag_is_not_read_as_a_print_scale(srs_sheet):
    pdf, sheet = srs_sheet
    page = render_printed(pdf, sheet.layout, MARKS, seed=19)
    result = read_image(degrade.scan(page.image, np.random.default_rng(19), dpi_out=300), dpi=270)
    assert result.print_scale is None
    _assert_readings(result, SCAN_TOL_MM)
