"""Read the QR code of a printed form: who the sheet belongs to.

With a :class:`FrameFit` the code's place is known: its square is cut out of the
full-resolution image and warped upright before decoding, which is fast and reads
small, tilted or blurred codes. Without one (markers covered), the whole page is
searched, first at working resolution, then at full resolution.

The decoded text is parsed by :mod:`srs_scan.identity`; it is never logged.
"""

from __future__ import annotations

import cv2
import numpy as np

from . import identity
from .fiducials import FrameFit
from .identity import FormIdentity

PX_PER_MM = 12.0  # resolution of the upright cut-out
QUIET_MM = 4.0  # white margin kept around the code in the cut-out
MAX_SEARCH_SIDE = 2400  # whole-page search at most this large (px)


def _decode(image: np.ndarray) -> str | None:
    detector = cv2.QRCodeDetector()
    try:
        text, points, _ = detector.detectAndDecode(image)
    except cv2.error:
        return None
    return text or None


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
    return None


def search_page(gray: np.ndarray) -> FormIdentity | None:
    """Look for one of our QR codes anywhere on the page, or None."""
    h, w = gray.shape
    factor = min(1.0, MAX_SEARCH_SIDE / max(h, w))
    sizes = [factor] if factor == 1.0 else [factor, 1.0]
    for f in sizes:
        img = gray if f == 1.0 else cv2.resize(gray, (round(w * f), round(h * f)), interpolation=cv2.INTER_AREA)
        for attempt in _attempts(img)[:2]:
            text = _decode(attempt)
            if text is not None:
                return identity.decode(text)
    return None
