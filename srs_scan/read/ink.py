"""Ink maps: how dark each pixel is relative to the paper around it.

An ink map is float32 in [0, 1]: 0 is paper, 1 is black. Dividing by a local paper
estimate removes shadows, uneven light and colour casts before anything is measured.
"""

from __future__ import annotations

import cv2
import numpy as np


def to_gray(image: np.ndarray) -> np.ndarray:
    """Gray uint8 (M, N) from gray or BGR input.

    For colour input the darkest channel is used, so blue and coloured ink stay as
    dark as black ink against white paper.
    """
    if image.ndim == 2:
        return image if image.dtype == np.uint8 else np.clip(image, 0, 255).astype(np.uint8)
    if image.ndim == 3 and image.shape[2] >= 3:
        if image.dtype != np.uint8:
            image = np.clip(image, 0, 255).astype(np.uint8)
        # the channels as strided views: no copies of the planes (cv2.split makes three),
        # the second minimum in place (a 12-MP photo: 37 -> 27 ms)
        gray = np.minimum(image[:, :, 0], image[:, :, 1])
        return np.minimum(gray, image[:, :, 2], out=gray)
    raise ValueError(f"unsupported image shape {image.shape}")


def resize_to(gray: np.ndarray, factor: float) -> np.ndarray:
    """Scale a gray image by ``factor`` (area averaging when shrinking)."""
    if abs(factor - 1.0) < 1e-3:
        return gray
    h, w = gray.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    if factor > 1:
        return cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR)
    return shrink(gray, size)


def shrink(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Area-average ``gray`` down to ``size`` (width, height).

    OpenCV's area resize is fast only for an exact integer factor. A size that is the
    image over an integer (give or take less than a block at the far edges, which are
    cut or repeated) is made that way; otherwise the largest integer factor is applied
    first and the rest on the smaller image. :func:`shrink_scale` says exactly how
    the result's pixels map onto the image's.
    """
    h, w = gray.shape[:2]
    ow, oh = size
    n, m = _shrink_plan(w, h, ow, oh)
    if n:
        if ow * n > w or oh * n > h:
            gray = cv2.copyMakeBorder(gray, 0, max(0, oh * n - h), 0, max(0, ow * n - w), cv2.BORDER_REPLICATE)
        return cv2.resize(gray[: oh * n, : ow * n], (ow, oh), interpolation=cv2.INTER_AREA)
    if m >= 2:
        gray = cv2.resize(gray[: (h // m) * m, : (w // m) * m], (w // m, h // m), interpolation=cv2.INTER_AREA)
    if gray.shape[1] == ow and gray.shape[0] == oh:
        return gray
    return cv2.resize(gray, (ow, oh), interpolation=cv2.INTER_AREA)


def shrink_scale(full_shape: tuple[int, ...], small_shape: tuple[int, ...]) -> tuple[float, float]:
    """(x, y) scale of :func:`shrink` from an image of ``full_shape`` to ``small_shape``:
    pixel centres map as ``(x_small + 0.5) / scale - 0.5``."""
    h, w = full_shape[:2]
    oh, ow = small_shape[:2]
    if (ow, oh) == (w, h):
        return 1.0, 1.0
    n, m = _shrink_plan(w, h, ow, oh)
    if n:
        return 1.0 / n, 1.0 / n
    m = max(m, 1)
    return ow / ((w // m) * m), oh / ((h // m) * m)


def _shrink_plan(w: int, h: int, ow: int, oh: int) -> tuple[int, int]:
    """(n, 0): one exact area resize by the integer n; (0, m): by m first, then the rest."""
    n = round(w / max(ow, 1))
    if n >= 2 and abs(w - ow * n) < n and abs(h - oh * n) < n:
        return n, 0
    return 0, min(w // max(ow, 1), h // max(oh, 1))


def ink_map(gray: np.ndarray, *, paper_window_px: int) -> np.ndarray:
    """Darkness relative to the local paper level.

    The paper level is a grey-scale closing (max filter) wider than any pen stroke,
    smoothed; ink = 1 - gray / paper, clipped to [0, 1].

    Parameters
    ----------
    gray : ndarray of shape (M, N), uint8
    paper_window_px : int
        Width of the window, px; must exceed the widest stroke (a few mm).
    """
    k = max(3, int(paper_window_px) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    paper = cv2.blur(cv2.dilate(gray, kernel), (k, k))
    paper = cv2.max(paper, 24)  # type: ignore[call-overload]  # near-black "paper" is not paper: avoid amplifying noise
    # 1 - gray / paper in float32, clipped at 0 (it cannot exceed 1). OpenCV's division
    # gives the same values as NumPy's in a fraction of the time; the subtraction from a
    # scalar and the clip are NumPy's, in place (the same float32 values: cv2.subtract
    # with a Python scalar takes a slow path, 5x NumPy's time on a strip)
    ink: np.ndarray = cv2.divide(gray, paper, scale=1.0, dtype=cv2.CV_32F)  # type: ignore[call-overload]
    np.subtract(np.float32(1.0), ink, out=ink)
    return np.maximum(ink, np.float32(0.0), out=ink)
