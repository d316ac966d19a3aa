"""Ink maps: 1 - gray / paper in float32, the values OpenCV's own arithmetic gives."""

from __future__ import annotations

import cv2
import numpy as np

from srs_scan.read.ink import ink_map


def _opencv_ink(gray: np.ndarray, window: int) -> np.ndarray:
    k = max(3, window | 1)
    paper = cv2.blur(cv2.dilate(gray, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))), (k, k))
    paper = cv2.max(paper, 24)
    return cv2.max(cv2.subtract(1.0, cv2.divide(gray, paper, scale=1.0, dtype=cv2.CV_32F)), 0.0)


def test_ink_map_has_the_values_of_opencvs_arithmetic():
    rng = np.random.default_rng(5)
    for shape, window in (((215, 1421), 35), ((64, 80), 4), ((33, 17), 9)):
        gray = rng.integers(0, 256, shape, dtype=np.uint8)
        gray[: shape[0] // 3] = 5  # near-black "paper" (the floor of 24)
        got, want = ink_map(gray, paper_window_px=window), _opencv_ink(gray, window)
        assert got.dtype == want.dtype == np.float32 and got.shape == want.shape
        assert np.array_equal(got.view(np.uint32), want.view(np.uint32))
