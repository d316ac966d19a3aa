"""Which way up: ascenders outnumber descenders in upright Latin text."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from srs_scan.read.orient import text_asymmetry

TEXT = [
    "How was our meeting today? Please mark each line below.",
    "I felt heard, understood, and respected by the therapist.",
    "The therapist's approach is a good fit for me and my goals.",
    "Overall, today's session was right for me; thank you.",
    "Relationship  Goals and Topics  Approach or Method",
]


def _text_mask(ppm: float = 6.0) -> np.ndarray:
    img = Image.new("L", (1300, 700), 255)
    draw = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=int(3.0 * ppm))
    for i, line in enumerate(TEXT):
        draw.text((40, 40 + i * 120), line, fill=0, font=font)
    return (np.asarray(img) < 128).astype(np.uint8)


def test_upright_text_scores_positive():
    score, groups = text_asymmetry(_text_mask(), ppm=6.0)
    assert groups >= 5
    assert score > 0.15


def test_upside_down_text_scores_negative():
    score, _ = text_asymmetry(_text_mask()[::-1, ::-1].copy(), ppm=6.0)
    assert score < -0.15


def test_blank_page_has_no_opinion():
    score, groups = text_asymmetry(np.zeros((500, 500), np.uint8), ppm=6.0)
    assert (score, groups) == (0.0, 0)


def test_turned_view_takes_out_the_rules_as_the_turned_image_would():
    """A view turned over carries its rule-less text turned (odd kernels), which must be what
    the opening gives on the turned image itself; and its scores are the turned image's."""
    from srs_scan.read.orient import FormView, without_rules

    mask = _text_mask()
    mask[300:303, 50:1200] = 1  # a rule, and a short one an even kernel would treat unevenly
    mask[500:502, 7:60] = 1
    for ppm in (6.0, 6.2):  # kernels of 36 (even: recomputed) and 37 px (odd: carried over)
        view = FormView(mask, 290.0, 310.0, ppm)
        view.layout_score()
        turned = view.turned()
        image = np.ascontiguousarray(mask[::-1, ::-1])
        assert np.array_equal(turned.image, image)
        assert np.array_equal(turned.text, without_rules(image, ppm=ppm))
        fresh = FormView(image, turned.top, turned.bottom, ppm)
        assert turned.layout_score() == fresh.layout_score()
        assert turned.text_score() == text_asymmetry(image, ppm=ppm)
