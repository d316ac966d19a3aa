"""Connected components of a binary image, with their boxes, areas and centroids.

OpenCV's default labelling algorithm (Spaghetti) is, in the builds we ship with, two to
three times slower on our page and strip masks than its block-based one (BBDT), which
gives the very same labels and statistics: every stage labels through this function.
"""

from __future__ import annotations

import cv2
import numpy as np


def components(binary: np.ndarray) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """8-connected components of a uint8 mask (non-zero is foreground).

    Returns ``(n, labels, stats, centroids)`` exactly as
    ``cv2.connectedComponentsWithStats(binary, connectivity=8)``: label 0 is the
    background; ``stats`` rows are (x, y, width, height, area).
    """
    n, labels, stats, cents = cv2.connectedComponentsWithStatsWithAlgorithm(
        binary, 8, cv2.CV_32S, cv2.CCL_BBDT
    )
    return int(n), labels, stats, cents
