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
