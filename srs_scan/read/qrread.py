"""Read the QR code of a printed form: who the sheet belongs to.

The code's place is known from a :class:`FrameFit` (corner markers, or the scale lines
when markers are covered): its square is cut out of the full-resolution image and warped
upright before decoding, which is fast and reads small, tilted or blurred codes. A code
is never searched for elsewhere on the page, so a code from another sheet in the picture
is never taken for this one's.

The decoded text is parsed by :mod:`srs_scan.forms.identity`; it is never logged.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..forms import identity
from ..forms.identity import FormIdentity
from .fiducials import FrameFit

PX_PER_MM = 12.0  # resolution of the upright cut-out
QUIET_MM = 4.0  # white margin kept around the code in the cut-out


def _decode(image: np.ndarray) -> str | None:
    """OpenCV's two QR detectors: each misses some codes the other finds."""
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        try:
            text, _, _ = detector.detectAndDecode(image)
        except cv2.error:
            continue
        if text:
            return str(text)
    return None


def _attempts(image: np.ndarray) -> list[np.ndarray]:
    """The image as it is, then binarised (uneven light), then smoothed (print grain)."""
    _, otsu = cv2.threshold(image, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return [image, otsu, cv2.GaussianBlur(image, (0, 0), 1.0)]


def read_at(gray: np.ndarray, fit: FrameFit) -> FormIdentity | None:
    """The identity in the QR square the layout puts on the page, or None."""
    lay = fit.layout
    x0, y0 = lay.qr_at_mm[0] - QUIET_MM, lay.qr_at_mm[1] - QUIET_MM
    side_mm = lay.qr_size_mm + 2 * QUIET_MM
    side = int(round(side_mm * PX_PER_MM))
    # cut-out pixel (c, r) <- frame mm (x0 + c / PX, y0 + r / PX) <- image px
    cut_to_frame = np.array([[1 / PX_PER_MM, 0, x0], [0, 1 / PX_PER_MM, y0], [0, 0, 1]], np.float64)
    cut_to_image = fit.to_image @ cut_to_frame
    cut = cv2.warpPerspective(
        gray, cut_to_image, (side, side), flags=cv2.INTER_AREA | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT, borderValue=255,
    )
    for attempt in _attempts(cut):
        text = _decode(attempt)
        if text is not None:
            return identity.decode(text)
    # a pen stroke through a finder pattern defeats the detectors, not the code: its
    # place is known, so read its modules on the layout's grid and decode them again
    q0 = int(round(QUIET_MM * PX_PER_MM))
    box = cut[q0 : side - q0, q0 : side - q0]
    for version in range(1, MAX_VERSION + 1):
        text = _decode(_repaint(box, version))
        if text is not None:
            return identity.decode(text)
    return None


MAX_VERSION = 10  # our payloads need version 3-6 at level H
_ALIGNMENT = {2: (6, 18), 3: (6, 22), 4: (6, 26), 5: (6, 30), 6: (6, 34),
              7: (6, 22, 38), 8: (6, 24, 42), 9: (6, 26, 46), 10: (6, 28, 50)}
_MODULE_PX = 6  # module size of the repainted code


def _function_patterns(version: int) -> tuple[np.ndarray, np.ndarray]:
    """Where a QR code of ``version`` has fixed modules, and their values (True = dark):
    finder patterns with separators, timing patterns, alignment patterns, dark module."""
    n = 17 + 4 * version
    fixed = np.zeros((n, n), bool)
    dark = np.zeros((n, n), bool)
    ring = np.maximum(*np.abs(np.mgrid[-3:4, -3:4]))
    for r, c in ((0, 0), (0, n - 7), (n - 7, 0)):
        fixed[max(r - 1, 0) : r + 8, max(c - 1, 0) : c + 8] = True  # with the white separator
        dark[r : r + 7, c : c + 7] = ring != 2
    fixed[6, :] = fixed[:, 6] = True
    dark[6, 8 : n - 8] = np.arange(8, n - 8) % 2 == 0
    dark[8 : n - 8, 6] = np.arange(8, n - 8) % 2 == 0
    centres = _ALIGNMENT.get(version, ())
    small = np.maximum(*np.abs(np.mgrid[-2:3, -2:3]))
    for r in centres:
        for c in centres:
            if (r, c) in ((6, 6), (6, centres[-1]), (centres[-1], 6)):
                continue  # would overlap a finder pattern
            fixed[r - 2 : r + 3, c - 2 : c + 3] = True
            dark[r - 2 : r + 3, c - 2 : c + 3] = small != 1
    fixed[4 * version + 9, 8] = dark[4 * version + 9, 8] = True
    return fixed, dark


def _repaint(box: np.ndarray, version: int) -> np.ndarray:
    """The code in ``box`` (its modules exactly filling it) sampled on a ``version`` grid,
    with its fixed patterns restored, drawn clean with a quiet zone."""
    n = 17 + 4 * version
    cells = cv2.resize(box, (4 * n, 4 * n), interpolation=cv2.INTER_AREA).astype(np.float32)
    centre = cells.reshape(n, 4, n, 4)[:, 1:3, :, 1:3].mean(axis=(1, 3))
    lo, hi = np.percentile(centre, [10, 90])
    if hi - lo < 40:
        return np.full((8, 8), 255, np.uint8)  # no contrast: nothing to read
    bits = centre < (lo + hi) / 2.0
    fixed, dark = _function_patterns(version)
    bits[fixed] = dark[fixed]
    clean = np.pad(np.where(bits, 0, 255).astype(np.uint8), 4, constant_values=255)
    return np.kron(clean, np.ones((_MODULE_PX, _MODULE_PX), np.uint8))
