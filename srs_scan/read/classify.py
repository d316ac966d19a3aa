"""Stage 6: read the page's words to confirm which way up it is and which form it is.

The form region (the stack of scales and what is printed around it) is turned upright
at about 100 dpi. The bundled OCR engine (:mod:`srs_scan.read.textread`) then

* scores whether its text lines read upright or upside down (a check on the
  geometric decision of :mod:`srs_scan.read.orient`), and
* reads the most prominent lines, title region first, and matches them against each
  form's keywords in ``templates/``.

Recognised text is used for these decisions only: it is never logged or stored, since
forms carry health information.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..forms.definitions import FormDef
from . import textread

OCR_PPM = 6.0  # px/mm the form is read at (about 150 dpi): 10 pt text is ~15 px tall
FORM_REACH_X = 0.8  # form content within this many line lengths left/right of the stack
FORM_REACH_UP = 1.0  # ... above the first line (title, header, instructions)
FORM_REACH_DOWN = 0.5  # ... below the last line
UPRIGHT_DECISIVE = 0.3  # |upright_score| below this says nothing
SEGMENT_PX = 800  # text lines are found on a copy at most this big (recognised at full size)


@dataclass(frozen=True)
class TextEvidence:
    """What the page's words say.

    ``upright`` is the OCR's upright score for the direction given (> 0 upright,
    < 0 upside down, 0 unknown or no OCR); ``flipped`` is True when the OCR turned
    the page over before reading the form type.
    """

    form: str | None
    confidence: float
    upright: float
    flipped: bool
    reason: str = ""
    available: bool = True  # False when no OCR engine is installed


def upright_form(
    gray: np.ndarray, ends: Sequence[tuple[np.ndarray, np.ndarray]], *, ppm: float = OCR_PPM
) -> tuple[np.ndarray, int]:
    """The form region, rectified and upright, at ``ppm`` px per mm.

    The homography takes the first and last scales' end points to a rectangle 100 mm
    wide (the page's own geometry: text comes out level even on a tilted photo). The
    region reaches FORM_REACH_* line lengths around the stack. Returns the image and the
    row of the first scale in it.

    Parameters
    ----------
    gray : ndarray (M, N) uint8, full resolution
    ends : four (left, right) end points (x, y), top line first
    """
    (a, b), (c, d) = ends[0], ends[-1]
    img_len = float(np.mean([np.linalg.norm(np.subtract(right, left)) for left, right in ends]))
    mid_top = (np.asarray(a) + np.asarray(b)) / 2
    mid_bottom = (np.asarray(c) + np.asarray(d)) / 2
    stack_mm = 100.0 * float(np.linalg.norm(mid_bottom - mid_top)) / img_len
    width = 100.0 * ppm
    height = stack_mm * ppm
    x0 = FORM_REACH_X * width
    y0 = FORM_REACH_UP * width
    src = np.array([a, b, d, c], dtype=np.float32)
    dst = np.array(
        [[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]], dtype=np.float32
    )
    hom = cv2.getPerspectiveTransform(src, dst)
    size = (int(width * (1 + 2 * FORM_REACH_X)), int(y0 + height + FORM_REACH_DOWN * width))
    crop = cv2.warpPerspective(gray, hom, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    return crop, int(y0)


def paper_only(crop: np.ndarray) -> np.ndarray:
    """White out what is not the sheet of paper (a table or floor around a photo).

    The sheet is the bright region holding the crop's centre (the scales are on it);
    a dark, textured background would otherwise defeat the text finder's threshold.
    """
    h, w = crop.shape
    f = 8
    small = cv2.resize(crop, (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _, bright = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    n, labels = cv2.connectedComponents(bright)
    centre = labels[labels.shape[0] // 2, labels.shape[1] // 2]
    if n <= 1 or centre == 0:
        return crop
    paper = labels == centre
    if paper.mean() > 0.97:
        return crop
    # keep the paper's holes (printed text) and a small margin inside its edge
    paper = cv2.erode(paper.astype(np.uint8), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(paper)
    cv2.drawContours(filled, contours, -1, 1, thickness=-1)
    mask = cv2.resize(filled, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    out = crop.copy()
    out[~mask] = 255
    return out


def _doubt(form: FormDef, matched: Sequence[str], confidence: float) -> str:
    """Why the words do not name ``form`` clearly, or "" when they do: two or more of its
    words, or one of its title words, and none of another form's."""
    found = len(matched)
    if not (found >= 2 or set(matched) & set(form.title_keywords)):
        # a single word from the body of the form (an item label) could be a coincidence
        return "only one word on the page names the form"
    if confidence < found / (found + 1) - 1e-9:
        # words of the other form were read too: name the likelier, and ask a person
        return "the page's words point to both the SRS and the ORS"
    return ""


def read_page_text(
    gray: np.ndarray,
    ends: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    forms: Mapping[str, FormDef],
    check_upright: bool = True,
) -> TextEvidence:
    """Check orientation and name the form from the words around the scales.

    Parameters
    ----------
    gray : ndarray (M, N) uint8, the full-resolution page
    ends : four (left, right) end points (x, y), top line first, as the page is
        believed to be oriented
    forms : the known forms, by id
    """
    if not textread.available():
        return TextEvidence(
            None, 0.0, 0.0, False, "text recognition is not installed: form type unknown", False
        )
    crop, first_line = upright_form(gray, ends)
    crop = paper_only(crop)
    keywords = {fid: form.keywords for fid, form in forms.items()}

    def decided(lines: list[textread.TextLine]) -> bool:
        return textread.classify_form(lines, keywords)[1] >= 0.6

    def read(image: np.ndarray, rows: tuple[float, float] | None) -> tuple[str | None, float, tuple[str, ...]]:
        # the title region is read on the usual budget; the whole form, when needed, on a
        # larger one (labels beside the lines, small titles)
        budget = {} if rows is not None else {"width_budget": 1200, "max_lines": 14}
        lines = textread.read_text(
            image, stop_when=decided, rows=rows, max_height=SEGMENT_PX, max_width=SEGMENT_PX, **budget
        )
        return textread.classify_form(lines, keywords)

    # 1. the title region as the page is believed to stand: when the form's title words
    # are read there (OCR reads upside-down text only with low confidence, and such lines
    # are ignored), the words themselves confirm the orientation - no separate check.
    form, confidence, matched = read(crop, (0.0, float(first_line)))
    if form is not None and check_upright and not _doubt(forms[form], matched, confidence):
        return TextEvidence(form, confidence, 1.0, False)
    # 2. otherwise ask the OCR which way up the text reads, then read the whole form
    upright = textread.upright_score(crop, max_height=SEGMENT_PX, max_width=SEGMENT_PX) if check_upright else 0.0
    flipped = False
    if upright <= -UPRIGHT_DECISIVE:
        crop = np.ascontiguousarray(crop[::-1, ::-1])
        flipped = True
        form, confidence, matched = read(crop, None)
    elif form is None:
        form, confidence, matched = read(crop, None)
    if form is None:
        return TextEvidence(None, confidence, upright, flipped, "the page's words do not name the SRS or the ORS")
    doubt = _doubt(forms[form], matched, confidence)
    if doubt:
        return TextEvidence(form, confidence, upright, flipped, doubt)
    return TextEvidence(form, confidence, upright, flipped)
