"""Finding straight lines and picking the stack of four scales."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from srs_scan.read.lines import _runs, binarize, find_segments, select_scales

PPM = 5.0  # px per mm of these test images


def _canvas() -> np.ndarray:
    return np.zeros((1500, 1100), np.uint8)


def _draw(img: np.ndarray, x0: float, y: float, length_mm: float) -> None:
    cv2.line(img, (int(x0), int(y)), (int(x0 + length_mm * PPM), int(y)), 1, 2)


def _stack(img: np.ndarray) -> list[float]:
    ys = [500.0, 690.0, 880.0, 1070.0]
    for y in ys:
        _draw(img, 300, y, 100)
    return ys


def _find(img: np.ndarray):
    segs = find_segments(img, min_length=40 * PPM, thin_px=8, max_gap=3 * PPM)
    return segs, select_scales(segs)


def test_four_aligned_lines_are_the_scales_not_the_header_underlines():
    img = _canvas()
    ys = _stack(img)
    _draw(img, 120, 250, 70)   # Name ______
    _draw(img, 600, 250, 60)   # Date ______
    _draw(img, 150, 1300, 160)  # a footer rule
    segs, scales = _find(img)
    assert scales is not None
    found = sorted(float(np.mean([s.p0[1], s.p1[1]])) for s in scales.segments)
    assert found == pytest.approx(ys, abs=2)
    # the coarse stage is good to a few px; ends are refined at full resolution later
    assert all(s.length == pytest.approx(100 * PPM, abs=6) for s in scales.segments)


def test_a_mark_crossing_a_line_does_not_break_it():
    img = _canvas()
    _stack(img)
    cv2.line(img, (520, 470), (540, 530), 1, 3)  # a tick through the first line
    _, scales = _find(img)
    assert scales is not None
    first = min(scales.segments, key=lambda s: s.p0[1])
    assert first.length == pytest.approx(100 * PPM, abs=6)


def test_rotated_page_still_gives_four_scales():
    img = _canvas()
    _stack(img)
    rot = cv2.getRotationMatrix2D((550, 750), 33.0, 1.0)
    turned = cv2.warpAffine(img * 255, rot, (1100, 1500))
    _, scales = _find(binarize(turned.astype(np.float32) / 255.0))
    assert scales is not None
    angles = [np.degrees(np.arctan2(*s.direction[::-1])) % 180 for s in scales.segments]
    assert all(a == pytest.approx(180 - 33, abs=1.0) for a in angles)


def test_three_lines_are_not_a_form():
    img = _canvas()
    for y in (500, 690, 880):
        _draw(img, 300, y, 100)
    _, scales = _find(img)
    assert scales is None


def test_text_is_not_a_line():
    img = _canvas()
    rng = np.random.default_rng(0)
    for row in range(20):  # rows of "letters"
        for k in range(60):
            x, y = 100 + k * 14, 100 + row * 60
            img[y : y + int(rng.integers(8, 20)), x : x + 9] = 1
    segs, scales = _find(img)
    assert segs == [] and scales is None


def test_runs_of_covered_bins_bridge_gaps_up_to_the_limit():
    covered = np.zeros(20, bool)
    covered[[2, 3, 4, 7, 8, 12, 19]] = True
    # gaps of 2 bins (5-6) are bridged, of 3 (9-11) and 6 (13-18) are not
    assert _runs(covered, max_gap_bins=2) == [(2, 8), (12, 12), (19, 19)]
    assert _runs(covered, max_gap_bins=0) == [(2, 4), (7, 8), (12, 12), (19, 19)]
    assert _runs(np.zeros(5, bool), max_gap_bins=2) == []


def _centre_line_three_rounds(prof, tol):
    """The centre line fitted as it was before the rounds stopped at a fixed point: always
    three straight rounds (the reference the early stop must reproduce bit for bit)."""
    use = prof.thin.copy()
    tc, smean, weight = prof.tc, prof.smean, np.sqrt(prof.count)
    for _ in range(3):
        if use.sum() < 6:
            return None
        coef = np.polyfit(tc[use], smean[use], 1, w=weight[use])
        resid = np.abs(np.polyval(coef, tc) - smean)
        use = prof.thin & (resid <= tol)
    if use.sum() < 6:
        return None
    straight_rms = float(np.sqrt(np.mean(resid[use] ** 2)))
    curved = np.polyfit(tc[use], smean[use], 2, w=weight[use])
    curved_rms = float(np.sqrt(np.mean((np.polyval(curved, tc[use]) - smean[use]) ** 2)))
    return curved if curved_rms < 0.7 * straight_rms and straight_rms > 0.5 else coef


def test_centre_line_stopping_at_a_fixed_point_is_the_three_round_fit():
    from srs_scan.read.lines import _centre_line, _profile

    rng = np.random.default_rng(11)
    for i in range(60):
        n = int(rng.integers(200, 3000))
        t = rng.uniform(0, 400, n)
        s = rng.normal(0, 0.8, n) + (0.002 * (t - 200) ** 2 / 40 if i % 3 == 0 else 0.0)
        text = rng.random(n) < 0.1 * (i % 4)  # bits of text beside the line: outliers
        s[text] += rng.uniform(3, 12, int(text.sum()))
        a = np.radians(rng.uniform(0, 180))
        pts = np.round(np.column_stack([300 + t * np.cos(a) - s * np.sin(a), 300 + t * np.sin(a) + s * np.cos(a)]))
        prof = _profile(pts, 5.0)
        tol = float(rng.choice([1.5, 2.5]))
        got, want = _centre_line(prof, tol), _centre_line_three_rounds(prof, tol)
        assert (got is None) == (want is None)
        if want is not None:
            assert got.shape == want.shape and np.array_equal(got, want)
