"""Stage 6: read the page's words to confirm which way up it is and which form it is.

The form region (the stack of scales and what is printed around it) is turned upright
at about 100 dpi. The bundled OCR engine (:mod:`srs_scan.textread`) then

* scores whether its text lines read upright or upside down (a check on the
  geometric decision of :mod:`srs_scan.orient`), and
* reads the most prominent lines, title region first, and matches them against each
  form's keywords in ``templates/``.

Recognised text is used for these decisions only: it is never logged or stored, since
forms carry health information.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from . import textread
from .forms import FormDef
from .orient import deskew_matrix

OCR_PPM = 4.0  # px/mm the page is read at (about 100 dpi): enough for 10 pt text
FORM_REACH_X = 0.6  # form content within this many line lengths left/right of the stack
FORM_REACH_UP = 1.0  # ... above the first line (title, header, instructions)
FORM_REACH_DOWN = 0.5  # ... below the last line
UPRIGHT_DECISIVE = 0.3  # |upright_score| below this says nothing


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


def _form_crops(
    gray: np.ndarray, direction: np.ndarray, line_ends: np.ndarray, *, ppm: float
) -> tuple[np.ndarray, int]:
    """The form region turned so ``direction`` is +x at OCR_PPM, and the y of the first line."""
    h, w = gray.shape
    centre = (w / 2.0, h / 2.0)
    scale = OCR_PPM / ppm
    mat = deskew_matrix(direction, centre) * scale
    pts = np.hstack([line_ends.reshape(-1, 2), np.ones((line_ends.size // 2, 1))]) @ mat.T
    length = 100.0 * OCR_PPM
    x0 = pts[:, 0].min() - FORM_REACH_X * length
    x1 = pts[:, 0].max() + FORM_REACH_X * length
    y0 = pts[:, 1].min() - FORM_REACH_UP * length
    y1 = pts[:, 1].max() + FORM_REACH_DOWN * length
    mat[0, 2] -= x0
    mat[1, 2] -= y0
    size = (int(x1 - x0), int(y1 - y0))
    crop = cv2.warpAffine(gray, mat, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    first_line = int(pts[:, 1].min() - y0)
    return crop, first_line


def read_page_text(
    gray: np.ndarray,
    direction: np.ndarray,
    line_ends: np.ndarray,
    *,
    ppm: float,
    forms: Mapping[str, FormDef],
) -> TextEvidence:
    """Check orientation and name the form from the words around the scales.

    Parameters
    ----------
    gray : ndarray (M, N) uint8, the working image
    direction : unit vector (x, y), believed left-to-right on the upright page
    line_ends : ndarray (4, 2, 2), the scales' end points in the working image
    ppm : float, working px per mm
    """
    if not textread.available():
        return TextEvidence(None, 0.0, 0.0, False, "text recognition is not installed: form type unknown")
    crop, first_line = _form_crops(gray, direction, line_ends, ppm=ppm)
    upright = textread.upright_score(crop)
    flipped = False
    if upright <= -UPRIGHT_DECISIVE:
        crop = np.ascontiguousarray(crop[::-1, ::-1])
        flipped = True  # the title region is now at the bottom: read the whole crop
    keywords = {fid: form.keywords for fid, form in forms.items()}

    def decided(lines: list[textread.TextLine]) -> bool:
        return textread.classify_form(lines, keywords)[1] >= 0.6

    form, confidence = None, 0.0
    # the title region first (cheap, usually decisive); then the whole form region
    title = crop[: max(8, first_line - 4)] if not flipped else None
    for region in ([title] if title is not None and title.shape[0] > 16 else []) + [crop]:
        lines = textread.read_text(region, stop_when=decided)
        form, confidence, _ = textread.classify_form(lines, keywords)
        if form is not None:
            break
    if form is None:
        return TextEvidence(None, confidence, upright, flipped, "the page's words do not name the SRS or the ORS")
    return TextEvidence(form, confidence, upright, flipped)
