"""Stage 3: decide which way up the page is, from its printed text.

The four scales fix the page's horizontal axis up to 180 degrees. The sign comes from
the text: in Latin script ascenders (b d f h k l t, capitals, digits) far outnumber
descenders (g j p q y), so in upright text more ink lies above the x-height band than
below it. Upside down, the reverse. A second, independent cue is the layout: a form's
title, header and instructions stand above its scales. The two are checked against
each other; when they disagree or the text is too scarce, the page goes to review.

Coordinates: (x, y) px of the working image.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from .regions import component_boxes, outer_borders

# Tuning, in mm (the working image's scale comes from the scale lines: length / 100).
CHAR_HEIGHT_MM = (1.2, 8.0)  # printed letters
MIN_WORD_ASPECT = 2.5  # word groups narrower than this are not text lines
TEXT_SCORE_DECISIVE = 0.12  # |ascender - descender| / total above which text decides
TEXT_MIN_GROUPS = 4


@dataclass(frozen=True)
class Orientation:
    """``flip`` False: the direction given is left-to-right on the upright page.

    ``text_score`` > 0 means the text reads upright in the given direction;
    ``layout_score`` > 0 means more text above the stack of scales than below it.
    """

    flip: bool
    confident: bool
    text_score: float
    layout_score: float
    groups: int
    reason: str = ""


def deskew_matrix(direction: np.ndarray, centre: tuple[float, float]) -> np.ndarray:
    """2x3 affine matrix that turns ``direction`` into +x about ``centre``."""
    angle = float(np.degrees(np.arctan2(direction[1], direction[0])))
    return cv2.getRotationMatrix2D(centre, angle, 1.0)


def _rule_kernel_px(ppm: float) -> int:
    return max(3, int(6 * ppm))


def without_rules(binary: np.ndarray, *, ppm: float) -> np.ndarray:
    """The ink mask less long horizontal rules (scales, underlines): what may be text."""
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (_rule_kernel_px(ppm), 1))
    return cv2.subtract(binary, cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel))


def text_asymmetry(binary: np.ndarray, *, ppm: float, text: np.ndarray | None = None) -> tuple[float, int]:
    """Ascender-minus-descender ink over all text lines of an upright-candidate image.

    Parameters
    ----------
    binary : ndarray of shape (M, N), uint8 0/1
        Ink mask with text lines running along +x.
    ppm : float
        Pixels per millimetre.
    text : ndarray, optional
        ``without_rules(binary, ppm=ppm)``, when already at hand.

    Returns
    -------
    score : float in [-1, 1]
        > 0 when the text is upright, < 0 when it is upside down.
    groups : int
        How many text-line pieces contributed.
    """
    if text is None:
        text = without_rules(binary, ppm=ppm)
    # the pieces of ink by their outer borders: their boxes, and a pixel of each to clear it
    # from (no pixel labelled: the mask is mostly paper and most of its ink is kept)
    pieces = outer_borders(text)
    hmin, hmax = CHAR_HEIGHT_MM[0] * ppm, CHAR_HEIGHT_MM[1] * ppm
    hs = np.array([box[3] for box, _ in pieces], dtype=np.int64)
    ws = np.array([box[2] for box, _ in pieces], dtype=np.int64)
    keep = (hs >= max(2, hmin * 0.5)) & (hs <= hmax) & (ws <= 2.0 * hmax)
    if not keep.any():
        return 0.0, 0
    # the letters: the ink less the pieces not kept (rules' remains, specks, blobs), each
    # cleared by a flood fill from one of its pixels within its box (8-connected: exactly
    # that piece, which lies wholly in its box)
    chars = (text != 0).view(np.uint8)
    for ((x, y, w, h), (sx, sy)), kept in zip(pieces, keep.tolist(), strict=True):
        if not kept:
            cv2.floodFill(chars[y : y + h, x : x + w], None, (sx - x, sy - y), 0, flags=8)
    char_h = float(np.median(hs[keep]))
    joined = cv2.dilate(chars, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(1.2 * char_h)), 1)))
    asc_total = 0.0
    desc_total = 0.0
    groups = 0
    # the groups' boxes only (their order does not matter: the sums are of whole pixel counts)
    for x, y, w, h in component_boxes(joined):
        if h < 3 or w < MIN_WORD_ASPECT * h or h > 3.0 * hmax:
            continue
        prof = chars[y : y + h, x : x + w].sum(axis=1).astype(np.float64)
        if prof.max() <= 0:
            continue
        band = np.flatnonzero(prof >= 0.45 * prof.max())
        top, bottom = band[0], band[-1]
        asc = prof[:top].sum()
        desc = prof[bottom + 1 :].sum()
        if asc + desc <= 0:
            continue
        asc_total += asc
        desc_total += desc
        groups += 1
    total = asc_total + desc_total
    return (float((asc_total - desc_total) / total) if total > 0 else 0.0), groups


FORM_REACH = (0.6, 1.0)  # form content lies within this many line lengths of the stack (x, y)


@dataclass(frozen=True)
class FormView:
    """The ink around the stack of scales, turned so the scales run along +x.

    ``image`` is a binary crop (uint8 0/1); ``top``/``bottom`` are the rows of the
    first and last scale in it. Which way up it is remains to be decided.
    """

    image: np.ndarray
    top: float
    bottom: float
    ppm: float

    @classmethod
    def build(cls, binary: np.ndarray, direction: np.ndarray, line_ends: np.ndarray, *, ppm: float) -> FormView:
        """Deskew ``binary`` so ``direction`` is +x and crop to the form around the scales.

        Parameters
        ----------
        binary : ndarray (M, N) uint8 0/1, working-resolution ink mask
        direction : unit vector (x, y), the scales' mean direction
        line_ends : ndarray of shape (4, 2, 2), the scales' end points (x, y)
        ppm : float, px per mm of the working image
        """
        h, w = binary.shape
        centre = (w / 2.0, h / 2.0)
        mat = deskew_matrix(direction, centre)
        cos, sin = abs(mat[0, 0]), abs(mat[0, 1])
        nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
        mat[0, 2] += nw / 2.0 - centre[0]
        mat[1, 2] += nh / 2.0 - centre[1]
        pts = np.hstack([line_ends.reshape(-1, 2), np.ones((line_ends.size // 2, 1))]) @ mat.T
        length = 100.0 * ppm
        # keep only the form around the stack of scales (a photo's background is not text)
        x0 = int(max(0, pts[:, 0].min() - FORM_REACH[0] * length))
        x1 = int(min(nw, pts[:, 0].max() + FORM_REACH[0] * length))
        y0 = int(max(0, pts[:, 1].min() - FORM_REACH[1] * length))
        y1 = int(min(nh, pts[:, 1].max() + FORM_REACH[1] * length))
        mat[0, 2] -= x0
        mat[1, 2] -= y0
        upright = cv2.warpAffine(binary, mat, (x1 - x0, y1 - y0), flags=cv2.INTER_NEAREST, borderValue=0)
        return cls(upright, float(pts[:, 1].min() - y0), float(pts[:, 1].max() - y0), ppm)

    def layout_score(self) -> float:
        """(text above the first scale - text below the last) / both; > 0: upright."""
        return self._layout_score

    @cached_property
    def text(self) -> np.ndarray:
        """The view's ink less its long rules (:func:`without_rules`), once per view: the
        layout score and the text's shape both start from it (~4 ms a page each)."""
        return without_rules(self.image, ppm=self.ppm)

    def turned(self) -> FormView:
        """The view turned 180 degrees (its first scale row is then the last's). The rules
        are taken out of the turned image as they were out of this one, turned, when the
        opening's kernel is centred (an odd width: the opening is then symmetric)."""
        h = self.image.shape[0]
        view = FormView(np.ascontiguousarray(self.image[::-1, ::-1]), h - 1 - self.bottom, h - 1 - self.top,
                        self.ppm)
        if "text" in self.__dict__ and _rule_kernel_px(self.ppm) % 2 == 1:
            view.__dict__["text"] = np.ascontiguousarray(self.text[::-1, ::-1])
        return view

    @cached_property
    def _layout_score(self) -> float:
        # once per view: the runner asks for it before the words are read and
        # decide_orientation again after
        text = self.text
        margin = int(3 * self.ppm)
        above = float(text[: max(0, int(self.top) - margin)].sum())
        below = float(text[int(self.bottom) + margin :].sum())
        return (above - below) / (above + below) if above + below > 0 else 0.0

    def text_score(self) -> tuple[float, int]:
        return text_asymmetry(self.image, ppm=self.ppm, text=self.text)


WORDS_DECISIVE = 0.3  # |OCR upright score| at or above this is a clear answer
LAYOUT_CLEAR = 0.2  # |layout score| at or above this is an opinion
SHAPE_CONTRADICTS = 2.0  # the text's shape this many times TEXT_SCORE_DECISIVE against the words


def decide_orientation(view: FormView, *, words: float | None = None, named: bool = False) -> Orientation:
    """Decide whether the view is upright (flip False) or upside down (flip True).

    Three independent cues: ``words`` (the OCR's upright score for the view as it is,
    None without OCR), the layout (title and instructions above the scales) and the
    shape of the text (ascenders). Clear words decide when the layout does not
    contradict them; a contradiction is settled by the text's shape, and if that does
    not side with the words either, a person must look. Without clear words, the
    text's shape decides, checked against the layout.

    ``named``: the words, read the way ``words`` says the page stands, named the form
    beyond doubt (its title or item names, read surely). Text read upside down seldom
    comes out as a form's own names, so the layout (a long footer, instructions below the
    scales) cannot overrule them; the text's shape clearly the other way still can.
    """
    layout = view.layout_score()
    if words is not None and abs(words) >= WORDS_DECISIVE:
        flip = words < 0
        layout_upright = -layout if flip else layout
        if named or layout_upright > -LAYOUT_CLEAR:
            # the form's own words, or words that only say which way up with the layout not
            # against them, unless the text's shape says clearly they were read the other way
            # up (capitals look alike either way up, to the line classifier and the reader:
            # 'LISTENING' was read turned)
            score, groups = view.text_score()
            shape_upright = -score if flip else score
            if groups >= TEXT_MIN_GROUPS and shape_upright <= -SHAPE_CONTRADICTS * TEXT_SCORE_DECISIVE:
                return Orientation(flip, False, score, layout, groups,
                                   "the page's words and the shape of its text disagree about which way up it is")
            return Orientation(flip, True, 0.0, layout, 0)
        score, groups = view.text_score()
        shape_upright = -score if flip else score
        if groups >= TEXT_MIN_GROUPS and shape_upright >= TEXT_SCORE_DECISIVE:
            return Orientation(flip, True, score, layout, groups)
        return Orientation(
            flip, False, score, layout, groups,
            "the page's words and its layout disagree about which way up it is",
        )
    score, groups = view.text_score()
    text_says = score > 0
    if groups >= TEXT_MIN_GROUPS and abs(score) >= TEXT_SCORE_DECISIVE:
        flip = not text_says
        agree = (layout > 0) == text_says or abs(layout) < LAYOUT_CLEAR
        if agree:
            return Orientation(flip, True, score, layout, groups)
        return Orientation(
            flip, abs(score) >= 2 * TEXT_SCORE_DECISIVE, score, layout, groups,
            "the page's text and layout disagree about which way up it is",
        )
    if abs(layout) >= 0.3:
        return Orientation(
            layout < 0, False, score, layout, groups,
            "too little text to confirm which way up the page is",
        )
    return Orientation(False, False, score, layout, groups, "cannot tell which way up the page is")
