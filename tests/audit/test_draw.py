"""Audit images: what is drawn stands where the ground truth says, and a click on a line
gives back the position on the paper. Truth comes from the renderer's geometry or from
a homography the test chooses."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from srs_scan.audit import draw
from srs_scan.ledger.corrections import Correction, apply
from srs_scan.read.perspective import fraction_at, point_at, vanishing_point
from srs_scan.read.pipeline import read_image
from srs_scan.synth import scan


def _h(m: np.ndarray, p) -> np.ndarray:
    q = m @ np.array([p[0], p[1], 1.0])
    return q[:2] / q[2]


@pytest.mark.parametrize("seed", range(5))
def test_point_at_and_fraction_at_follow_a_perspective_view_of_the_paper(seed):
    """Four parallel 100 mm lines seen through a random homography: the image point of
    each millimetre is where the homography puts it, and back."""
    rng = np.random.default_rng(seed)
    h = np.array([[1.0 + rng.uniform(-.1, .1), rng.uniform(-.2, .2), 300.0],
                  [rng.uniform(-.2, .2), 1.0 + rng.uniform(-.1, .1), 200.0],
                  [rng.uniform(-4e-4, 4e-4), rng.uniform(-4e-4, 4e-4), 1.0]]) @ np.diag([8.0, 8.0, 1.0])
    lines = [(_h(h, (0, y)), _h(h, (100, y))) for y in (0, 40, 80, 120)]
    vp = vanishing_point([(tuple(a), tuple(b)) for a, b in lines])
    for a, b in lines:
        y = float(np.linalg.solve(h, np.append(a, 1))[1] / np.linalg.solve(h, np.append(a, 1))[2])
        for mm in (0.0, 12.5, 50.0, 87.3, 100.0):
            truth = _h(h, (mm, y))
            got = np.array(point_at(a, b, mm / 100.0, vp))
            assert np.linalg.norm(got - truth) < 0.05 * 8  # within 0.05 mm
            f, off = fraction_at(a, b, truth + [0.0, 0.0], vp)
            assert abs(100.0 * f - mm) < 0.05 and off < 0.5


@pytest.fixture(scope="module")
def scanned():
    from srs_scan.synth import MarkSpec, render_form

    page = render_form("srs", [[MarkSpec(83.0)], [MarkSpec(91.5, "x")], [MarkSpec(27.3, "dot")],
                               [MarkSpec(64.0, "slant")]], dpi=300, seed=3)
    gray = scan(page.image, np.random.default_rng(2), dpi_in=300, dpi_out=300)
    return page, gray, read_image(gray, dpi=300)


def _pointer_column(view: draw.AuditView, line: int, ink, above_mm: float = 4.5) -> float:
    """Where the drawn value pointer stands, in view x: the centroid of pixels of ``ink``
    colour just above the line (its stem), found in the picture itself."""
    (a, b) = view.lines[line]
    ppm = (b[0] - a[0]) / 100.0
    y = int(round(a[1] + (b[1] - a[1]) * 0.5 - above_mm * ppm))
    band = view.image[y - 2:y + 3].astype(int)
    hit = np.all(np.abs(band - np.array(ink)) < 40, axis=2)
    cols = np.nonzero(hit.any(axis=0))[0]
    assert cols.size, "no pointer drawn"
    return float(cols.mean())


def test_the_drawn_mark_and_ruler_stand_where_the_paper_says(scanned):
    page, gray, result = scanned
    view = draw.render(gray, result, result.drawing_geometry())
    for i, ((left, right), truth) in enumerate(zip(page.lines_px, page.truth_mm, strict=True)):
        true_point = np.array(left) + truth / 100.0 * (np.array(right) - np.array(left))
        want = view.to_view @ np.append(true_point, 1.0)
        got = _pointer_column(view, i, draw.INK_OK)
        assert abs(got - want[0]) <= 0.5 * draw.VIEW_PPM, (i, got, want)  # within 0.5 mm on the paper
        # the ruler: its 0 and 100 mm ticks are at the true line ends
        for mm, end in ((0.0, left), (100.0, right)):
            tick = np.array(point_at(*view.lines[i], mm / 100.0, view.vanishing))
            true_end = view.to_view @ np.append(end, 1.0)
            assert np.linalg.norm(tick - true_end) <= 0.5 * draw.VIEW_PPM


def test_a_click_on_a_line_gives_the_item_and_its_millimetre(scanned):
    page, gray, result = scanned
    view = draw.render(gray, result, result.drawing_geometry())
    for i, (left, right) in enumerate(page.lines_px):
        for mm in (0.0, 30.0, 71.4, 100.0):
            p = np.array(left) + mm / 100.0 * (np.array(right) - np.array(left))
            x, y = view.to_view @ np.append(p, 1.0)
            item, got = view.locate(x, y + 2.0)  # a little below the line: still that line
            assert item == i + 1 and abs(got - mm) <= 0.3
    assert view.locate(5.0, 5.0) is None  # the banner: no line


def test_an_upside_down_page_is_drawn_upright(scanned):
    page, gray, _ = scanned
    turned = np.ascontiguousarray(gray[::-1, ::-1])
    result = read_image(turned, dpi=300)
    view = draw.render(turned, result, result.drawing_geometry())
    tops = [a[1] for a, _ in view.lines]
    assert tops == sorted(tops)  # item 1 at the top
    assert all(a[0] < b[0] for a, b in view.lines)  # left end on the left
    # the printed title above line 1 ("Relationship") is above it in the view: the original
    # crop has ink in the band 5-9 mm above the first line
    (a, b) = view.lines[0]
    y = int(a[1]) - view.banner_px
    band = view.original[y - int(9 * draw.VIEW_PPM):y - int(5 * draw.VIEW_PPM), int(a[0]):int(b[0])]
    assert (band < 128).mean() > 0.01


def test_a_corrected_item_is_drawn_in_its_colour_at_the_new_value(scanned):
    page, gray, result = scanned
    fixed = apply(result, [Correction("x" * 64, 2, 40.0, "Dr A", "re-measured", id=1)])
    view = draw.render(gray, fixed, result.drawing_geometry())
    (left, right) = page.lines_px[1]
    want = view.to_view @ np.append(np.array(left) + 0.4 * (np.array(right) - np.array(left)), 1.0)
    assert abs(_pointer_column(view, 1, draw.INK_CORRECTED) - want[0]) <= 0.5 * draw.VIEW_PPM


def test_a_page_with_no_lines_is_shown_whole(scanned):
    _, gray, _ = scanned
    blank = np.full_like(gray, 250)
    result = read_image(blank, dpi=300)
    view = draw.render(blank, result, result.drawing_geometry())
    assert max(view.original.shape) == draw.PAGE_VIEW_PX + 1 or max(view.original.shape) == draw.PAGE_VIEW_PX
    assert view.lines == () and view.locate(100, 100) is None
    ok, _ = cv2.imencode(".jpg", view.image)
    assert ok


def test_a_clinic_forms_lines_are_drawn_each_with_its_ruler_and_click(tmp_path):
    """A three-line form of 80 mm lines (a clinic's template): three lines drawn, the
    pointers where the marks are, and a click gives the mm on the 80 mm line."""
    import json

    from srs_scan.read.pipeline import ReadOptions
    from srs_scan.synth import MarkSpec
    from srs_scan.synth.custom import CustomPage, mm_to_u, render_custom

    template = tmp_path / "pain3.json"
    template.write_text(json.dumps({
        "schema": 1, "id": "pain3", "title": "Pain Rating Scale", "names": ["Pain Rating Scale"],
        "line_length_mm": 80, "items": [{"name": "Now"}, {"name": "Night"}, {"name": "Daily activities"}]}))
    truth_mm = (10.0, 44.0, 70.0)
    page = render_custom(CustomPage("Pain Rating Scale", ("Now", "Night", "Daily activities"), line_mm=80.0),
                         [[MarkSpec(mm_to_u(d, 80.0))] for d in truth_mm], dpi=300, seed=5)
    gray = scan(page.image, np.random.default_rng(5), dpi_in=300, dpi_out=300)
    result = read_image(gray, dpi=300, options=ReadOptions(templates=(template,)))
    assert result.form == "pain3" and len(result.items) == 3, result.reasons
    view = draw.render(gray, result, result.drawing_geometry())
    assert len(view.lines) == 3
    for i, ((left, right), truth) in enumerate(zip(page.lines_px, truth_mm, strict=True)):
        true_point = np.array(left) + truth / 80.0 * (np.array(right) - np.array(left))
        want = view.to_view @ np.append(true_point, 1.0)
        assert abs(_pointer_column(view, i, draw.INK_OK) - want[0]) <= 0.5 * draw.VIEW_PPM
        x, y = want
        item, got = view.locate(x, y + 2.0)
        assert item == i + 1 and abs(got - truth) <= 0.3
        # the ruler's ends (0 and 80 mm) at the true line ends
        for mm, end in ((0.0, left), (80.0, right)):
            tick = np.array(point_at(*view.lines[i], mm / 80.0, view.vanishing))
            assert np.linalg.norm(tick - view.to_view @ np.append(end, 1.0)) <= 0.5 * draw.VIEW_PPM
