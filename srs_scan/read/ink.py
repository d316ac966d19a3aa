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
        b, g, r = cv2.split(np.ascontiguousarray(image[:, :, :3]))
        return cv2.min(cv2.min(b, g), r)
    raise ValueError(f"unsupported image shape {image.shape}")


def resize_to(gray: np.ndarray, factor: float) -> np.ndarray:
    """Scale a gray image by ``factor`` (area averaging when shrinking)."""
    if abs(factor - 1.0) < 1e-3:
        return gray
    h, w = gray.shape[:2]
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    interp = cv2.INTER_AREA if factor < 1 else cv2.INTER_LINEAR
    return cv2.resize(gray, size, interpolation=interp)


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
    paper = cv2.dilate(gray, kernel)
    paper = cv2.blur(paper, (k, k)).astype(np.float32)
    paper = np.maximum(paper, 24.0)  # near-black "paper" is not paper: avoid amplifying noise
    ink = 1.0 - gray.astype(np.float32) / paper
    return np.clip(ink, 0.0, 1.0)
