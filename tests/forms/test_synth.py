"""Tests of the synthetic page renderer: geometry is measured from the pixels."""

from __future__ import annotations

import numpy as np
import pytest

from srs_scan.synth import (
    LAYOUTS,
    MarkSpec,
    bitonal,
    photo,
    render_blank,
    render_form,
    render_letter,
    scan,
)

DPI = 150.0
PPM = DPI / 25.4
NO_MARKS: list[list[MarkSpec]] = [[], [], [], []]


def _darkness(img: np.ndarray) -> np.ndarray:
    return 255.0 - img.astype(np.float64).mean(axis=2)


def _measured_length_mm(img: np.ndarray, y: float, x0: float, x1: float, ppm: float) -> float:
    """Printed length from the ink profile along the line.

    Per column, the line's ink is ``1 - value / paper`` summed over the line's rows, with
    the paper's brightness estimated from rows just above and below it (ink darkens the
    paper multiplicatively); normalised by the interior (1 = fully covered column), the
    profile sums to the length in px.
    """
    g = img.astype(np.float64).mean(axis=2)
    d = 255.0 - g
    yi = int(round(y))
    lo, hi = int(np.floor(x0)) - 3, int(np.ceil(x1)) + 4
    rows = np.median(d[yi - 15 : yi + 16, lo + 10 : hi - 10], axis=1)
    inked = np.nonzero(rows - np.median(rows) > 0.05 * (rows.max() - np.median(rows)))[0]
    r0, r1 = yi - 15 + inked.min() - 1, yi - 15 + inked.max() + 2  # line rows, +1 each side
    paper = np.concatenate([g[r0 - 6 : r0 - 1], g[r1 + 1 : r1 + 6]]).mean(axis=0)
    prof = (1.0 - g[r0:r1] / paper).sum(axis=0)
    full = np.median(prof[lo + 10 : hi - 10])
    return float(prof[lo:hi].sum() / full / ppm)


@pytest.mark.parametrize(
    ("layout", "scale", "width"),
    [("official", 1.0, 0.3), ("compact", 0.96, None), ("letter_fit", 0.943, 0.45),
     ("house", 0.98, 0.25)],
)
def test_line_length_from_pixels(layout: str, scale: float, width: float | None) -> None:
    # 300 dpi: paper grain summed over ~1200 columns stays well below 0.05 mm
    page = render_form("ors", NO_MARKS, dpi=300, layout=layout, scale=scale, seed=11,
                       line_width_mm=width, end_ticks=False)
    assert page.line_length_mm == pytest.approx(100.0 * scale)
    for (x0, y0), (x1, y1) in page.lines_px:
        assert y0 == y1
        got = _measured_length_mm(page.image, y0, x0, x1, 300 / 25.4)
        assert abs(got - 100.0 * scale) < 0.05, (layout, got)


def test_line_end_points_from_pixels() -> None:
    """Each end's position from the fractional ink of its edge column."""
    page = render_form("srs", NO_MARKS, dpi=DPI, seed=3, line_width_mm=0.4)
    d = _darkness(page.image)
    for (x0, y), (x1, _) in page.lines_px:
        yi = int(round(y))
        prof = d[yi - 6 : yi + 7].sum(axis=0)
        paper = np.median(d[yi - 40 : yi - 20].sum(axis=0)[int(x0) : int(x1)]) * 13 / 20
        prof = prof - paper
        full = np.median(prof[int(x0) + 10 : int(x1) - 10])
        frac = prof / full
        # left end, corner coordinates: first column index + its uncovered part
        j = int(np.floor(x0 + 0.5))  # column holding the left end (corner coordinates)
        left = j + 1 - frac[j] - 0.5
        j = int(np.floor(x1 + 0.5))
        right = j + frac[j] - 0.5
        assert abs(left - x0) / PPM < 0.05
        assert abs(right - x1) / PPM < 0.05


def _band_centroid(ink: np.ndarray, y: float, half: float = 1.5) -> float:
    """x centroid of ``ink`` over the rows ``[y - half, y + half]`` (px, fractional rows
    weighted by overlap so the band is exactly symmetric about ``y``)."""
    i = np.arange(int(np.floor(y - half)) - 1, int(np.ceil(y + half)) + 2)
    w = np.clip(np.minimum(i + 0.5, y + half) - np.maximum(i - 0.5, y - half), 0.0, 1.0)
    band = ink[i] * w[:, None]
    band = np.where(band > 0.002, band, 0.0)
    xs = np.arange(band.shape[1], dtype=np.float64)
    return float((band.sum(axis=0) * xs).sum() / band.sum())


@pytest.mark.parametrize(("kind", "pen", "u"), [("tick", "ballpoint_blue", 37.3),
                                                ("tick", "felt_black", 81.85),
                                                ("slant", "ballpoint_black", 12.6),
                                                ("x", "ballpoint_blue", 55.55),
                                                ("dot", "felt_blue", 64.2)])
def test_mark_centroid_on_line(kind: str, pen: str, u: float) -> None:
    scale = 0.97
    marks = [[], [MarkSpec(u, kind, pen)], [], []]
    page = render_form("srs", marks, dpi=DPI, scale=scale, seed=5)
    clean = render_form("srs", NO_MARKS, dpi=DPI, scale=scale, seed=5)
    assert page.truth_mm == (None, u, None, None)
    assert page.n_marks == (0, 1, 0, 0)
    (x0, y), (x1, _) = page.lines_px[1]
    ink = 1.0 - page.image.astype(np.float64).sum(axis=2) / clean.image.sum(axis=2)
    cx = _band_centroid(ink, y)
    got_mm = (cx - x0) / PPM / scale
    assert abs(got_mm - u) < 0.1, (kind, got_mm)
    assert x1 > x0


def test_x_and_short_tick_positions() -> None:
    """X: crossing at u (symmetric ink around u); short tick: ink foot above the line."""
    page = render_form("srs", [[MarkSpec(50.0, "short_tick", size_mm=4.0)], [], [], []],
                       dpi=DPI, seed=8, line_width_mm=0.4)
    clean = render_form("srs", NO_MARKS, dpi=DPI, seed=8, line_width_mm=0.4)
    ink = clean.image.astype(np.float64).sum(axis=2) - page.image.astype(np.float64).sum(axis=2)
    (x0, y), _ = page.lines_px[0]
    ys, xs = np.nonzero(ink > 30)
    top_edge = y - 0.2 * PPM
    assert ys.max() <= top_edge + 0.5 + 1.0  # touches, does not cross
    assert ys.min() < y - 3.0 * PPM
    foot = ink[int(ys.max()) - 1 : int(ys.max()) + 1]
    cx = (foot.sum(axis=0) * np.arange(foot.shape[1])).sum() / foot.sum()
    assert abs((cx - x0) / PPM - 50.0) < 0.25


def test_two_marks_truth_is_none() -> None:
    marks = [[MarkSpec(20.0), MarkSpec(70.0, "x")], [MarkSpec(5.0, "dot")], [], [MarkSpec(99.0)]]
    page = render_form("srs", marks, dpi=100, seed=1)
    assert page.truth_mm == (None, 5.0, None, 99.0)
    assert page.n_marks == (2, 1, 0, 1)


def _scale_like_rules(img: np.ndarray) -> int:
    """Number of separate dark horizontal runs 93-101 mm long (scale-line candidates)."""
    dark = _darkness(img) > 100
    found: list[tuple[int, int]] = []  # (row, start column)
    for r in np.nonzero(dark.sum(axis=1) > 93 * PPM)[0]:
        row = np.concatenate([[0], dark[r].astype(np.int8), [0]])
        edges = np.diff(row)
        starts, ends = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        for a, b in zip(starts, ends, strict=True):
            if 93 * PPM <= b - a <= 101 * PPM:
                if not any(abs(r - fr) <= 3 and abs(a - fa) <= 3 for fr, fa in found):
                    found.append((int(r), int(a)))
    return len(found)


def test_non_forms() -> None:
    blank = render_blank(dpi=DPI, seed=2)
    assert blank.dtype == np.uint8 and blank.ndim == 3
    assert (_darkness(blank) > 60).mean() < 1e-4
    assert _scale_like_rules(blank) == 0
    for seed in range(4):
        letter = render_letter(dpi=DPI, seed=seed)
        assert letter.shape == blank.shape
        assert (_darkness(letter) > 100).mean() > 0.005  # has text
        assert _scale_like_rules(letter) < 4
    form = render_form("srs", NO_MARKS, dpi=DPI, seed=2, line_width_mm=0.4)
    assert _scale_like_rules(form.image) == 4


def test_determinism() -> None:
    marks = [[MarkSpec(10.0)], [MarkSpec(20.0, "x", "pencil")], [], [MarkSpec(90, "slant")]]
    for layout in LAYOUTS:
        a = render_form("srs", marks, dpi=75, layout=layout, seed=4)
        b = render_form("srs", marks, dpi=75, layout=layout, seed=4)
        assert np.array_equal(a.image, b.image)
        assert a.lines_px == b.lines_px
    c = render_form("srs", marks, dpi=75, seed=5)
    assert not np.array_equal(c.image, render_form("srs", marks, dpi=75, seed=4).image)
    assert np.array_equal(render_letter(dpi=75, seed=9), render_letter(dpi=75, seed=9))
    assert np.array_equal(render_blank(dpi=75, seed=9), render_blank(dpi=75, seed=9))


def test_letter_paper_size() -> None:
    page = render_form("ors", NO_MARKS, dpi=100, layout="letter_fit", seed=0)
    assert page.image.shape[:2] == (round(279.4 / 25.4 * 100), round(215.9 / 25.4 * 100))


def test_photo_and_scan_outputs() -> None:
    page = render_form("ors", [[MarkSpec(40.0)], [], [MarkSpec(60.0)], []], dpi=100, seed=1)
    rng = np.random.default_rng(0)
    out = photo(page.image, rng, out_size=(800, 600), curl_mm=8.0, tilt_deg=25,
                rotation_deg=90, jpeg_quality=70)
    assert out.shape == (600, 800, 3) and out.dtype == np.uint8
    out2 = photo(page.image, np.random.default_rng(0), out_size=(800, 600), curl_mm=8.0,
                 tilt_deg=25, rotation_deg=90, jpeg_quality=70)
    assert np.array_equal(out, out2)
    s = scan(page.image, rng, dpi_in=100, dpi_out=80, skew_deg=2.0, rotate90=1)
    assert s.ndim == 2 and s.dtype == np.uint8
    h, w = page.image.shape[:2]
    assert s.shape[0] >= round(w * 0.8) and s.shape[1] >= round(h * 0.8)  # rotated, not cropped
    b = bitonal(page.image, rng)
    assert set(np.unique(b).tolist()) <= {0, 255}


# --- the renderer's words are its own ---------------------------------------------------------


def test_the_renderer_does_not_read_the_readers_templates(monkeypatch):
    """Pages render with the reader's templates out of reach: their words are the
    renderer's own (srs_scan.synth.wording), so reading them tests recognition honestly."""
    import srs_scan.forms.definitions as definitions
    from srs_scan.synth import forms as synth_forms

    def unreachable():
        raise AssertionError("the renderer read the reader's templates")

    monkeypatch.setattr(definitions, "_templates_dir", unreachable)
    synth_forms._load_template_cached.cache_clear()
    for form in ("srs", "ors"):
        for wording in ("standard", "variant"):
            page = render_form(form, [[MarkSpec(30.0)]] * 4, dpi=60, seed=2, wording=wording)
            assert page.form == form
    synth_forms._load_template_cached.cache_clear()


def test_variant_wording_changes_the_words_and_only_the_words():
    from srs_scan.synth.wording import choose

    std, var = choose("srs", "standard", 4), choose("srs", "variant", 4)
    assert std.title == "Session Rating Scale (SRS)" and var.title != std.title
    assert choose("srs", "variant", 4) == var  # reproducible from the seed
    a = render_form("srs", [[MarkSpec(30.0)]] * 4, dpi=60, seed=4)
    b = render_form("srs", [[MarkSpec(30.0)]] * 4, dpi=60, seed=4, wording="variant")
    assert a.lines_px == b.lines_px and a.truth_mm == b.truth_mm
    assert not np.array_equal(a.image, b.image)


@pytest.mark.parametrize("form, layout, seed", [("srs", "official", 4), ("srs", "compact", 1),
                                                ("ors", "official", 1), ("ors", "house", 2)])
def test_the_reader_names_forms_worded_otherwise_than_its_templates(form, layout, seed):
    from srs_scan import PageStatus, read_image
    from srs_scan.forms.definitions import all_forms
    from srs_scan.synth import scan
    from srs_scan.synth.wording import choose

    words = choose(form, "variant", seed)
    assert words.title != all_forms()[form].title  # not the template's own title
    page = render_form(form, [[MarkSpec(30.0)]] * 4, dpi=200, layout=layout, seed=seed, wording="variant")
    result = read_image(scan(page.image, np.random.default_rng(0), dpi_in=200, dpi_out=200), dpi=200)
    assert result.form == form
    assert result.status is PageStatus.OK, result.reasons
