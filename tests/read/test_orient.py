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


def _text_asymmetry_by_labels(binary: np.ndarray, *, ppm: float) -> tuple[float, int]:
    """The text's shape as text_asymmetry measured it before it cleared the pieces not kept
    and took the groups' boxes from their borders: every pixel's label looked up, the
    groups labelled."""
    import cv2

    from srs_scan.read.orient import CHAR_HEIGHT_MM, MIN_WORD_ASPECT, without_rules

    text = without_rules(binary, ppm=ppm)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(text, connectivity=8)
    hmin, hmax = CHAR_HEIGHT_MM[0] * ppm, CHAR_HEIGHT_MM[1] * ppm
    hs, ws = stats[:, cv2.CC_STAT_HEIGHT], stats[:, cv2.CC_STAT_WIDTH]
    keep = np.zeros(n, dtype=bool)
    keep[1:] = (hs[1:] >= max(2, hmin * 0.5)) & (hs[1:] <= hmax) & (ws[1:] <= 2.0 * hmax)
    chars = keep[labels].astype(np.uint8)
    if cv2.countNonZero(chars) == 0:
        return 0.0, 0
    char_h = float(np.median(hs[1:][keep[1:]])) if keep[1:].any() else hmin
    joined = cv2.dilate(chars, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(1.2 * char_h)), 1)))
    gstats = cv2.connectedComponentsWithStats(joined, connectivity=8)[2]
    asc_total = desc_total = 0.0
    groups = 0
    for x, y, w, h, _ in gstats[1:].tolist():
        if h < 3 or w < MIN_WORD_ASPECT * h or h > 3.0 * hmax:
            continue
        prof = chars[y : y + h, x : x + w].sum(axis=1).astype(np.float64)
        if prof.max() <= 0:
            continue
        band = np.flatnonzero(prof >= 0.45 * prof.max())
        asc, desc = prof[: band[0]].sum(), prof[band[-1] + 1 :].sum()
        if asc + desc <= 0:
            continue
        asc_total += asc
        desc_total += desc
        groups += 1
    total = asc_total + desc_total
    return (float((asc_total - desc_total) / total) if total > 0 else 0.0), groups


def test_text_asymmetry_is_the_label_lookups_answer() -> None:
    """Clearing the pieces not kept and boxing the groups by their borders gives the very
    score the per-pixel label lookup and a second labelling gave: text, rules, a blob, specks,
    text cut by the image's edges, either way up."""
    import cv2

    rng = np.random.default_rng(5)
    for k in range(4):
        mask = _text_mask()
        mask[300:306, 20:1200] = 1  # a rule
        cv2.circle(mask, (1000, 600), 60, 1, -1)  # a blob far taller than a letter
        mask |= (rng.random(mask.shape) < 0.002).astype(np.uint8)  # specks
        mask = mask[k * 15 :, k * 30 :]  # text running off the edges
        if k % 2:
            mask = np.ascontiguousarray(mask[::-1, ::-1])
        assert text_asymmetry(mask, ppm=6.0) == _text_asymmetry_by_labels(mask, ppm=6.0)
