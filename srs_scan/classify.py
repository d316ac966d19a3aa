"""Stage 6: tell an SRS from an ORS by the words printed on the page.

The page is turned upright (the scales' direction is known by now), the text is read
with the bundled OCR engine (:mod:`srs_scan.textread`) and matched against each form's
keywords in ``templates/``. Recognised text is used for this decision only: it is never
logged or stored, since forms carry health information.
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


@dataclass(frozen=True)
class FormGuess:
    """``form`` None when the words do not say which form this is (see ``reason``)."""

    form: str | None
    confidence: float
    reason: str = ""


def upright_page(
    gray: np.ndarray, direction: np.ndarray, *, ppm: float, out_ppm: float = OCR_PPM
) -> tuple[np.ndarray, np.ndarray]:
    """The page turned so ``direction`` is +x, rescaled to ``out_ppm`` px/mm.

    Returns the image and the 2x3 matrix from input px to output px.
    """
    h, w = gray.shape
    centre = (w / 2.0, h / 2.0)
    mat = deskew_matrix(direction, centre)
    scale = out_ppm / ppm
    mat = mat * scale
    cos, sin = abs(mat[0, 0]), abs(mat[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    mat[0, 2] += nw / 2.0 - centre[0] * scale
    mat[1, 2] += nh / 2.0 - centre[1] * scale
    out = cv2.warpAffine(gray, mat, (nw, nh), flags=cv2.INTER_AREA, borderValue=255)
    return out, mat


def classify_page(
    gray: np.ndarray,
    direction: np.ndarray,
    mids: np.ndarray,
    *,
    ppm: float,
    forms: Mapping[str, FormDef],
) -> FormGuess:
    """Which form is this page? ``gray`` is the working image, ``direction`` left-to-right."""
    if not textread.available():
        return FormGuess(None, 0.0, "text recognition is not installed: form type unknown")
    page, mat = upright_page(gray, direction, ppm=ppm)
    keywords = {fid: form.keywords for fid, form in forms.items()}
    lines = textread.read_text(page)
    form, confidence, _ = textread.classify_form(lines, keywords)
    if form is None:
        return FormGuess(None, confidence, "the page's words do not name the SRS or the ORS")
    return FormGuess(form, confidence)
