"""Stage 5: from a position along a line in the image to a distance on the paper.

Under perspective, equal steps on the paper are unequal steps in the image, so a
linear reading between the end points is off by millimetres mid-line. The four scales
are parallel on paper, so in the image they meet at one vanishing point V (their
common point at infinity). On each line the map from image position ``s`` to paper
fraction ``f`` is the 1-D projective map with f(left) = 0, f(right) = 1, f(V) = infinity:

    f(s) = s (v - b) / (b (v - s))

with ``s`` and ``v`` measured from the left end along the line and ``b`` the line's
image length. When the lines are parallel in the image (a scan), v -> infinity and
f(s) = s / b. Coordinates: (x, y) px of the full-resolution image.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

# A vanishing point further than this many line lengths away is "at infinity".
FAR_AWAY = 1e5


class _Line(Protocol):
    left_u: float
    right_u: float
    origin: np.ndarray
    d: np.ndarray


def vanishing_point(
    lines: Sequence[tuple[tuple[float, float], tuple[float, float]]],
) -> tuple[float, float] | None:
    """Least-squares common point of lines given by two points each, or None if parallel.

    >>> vanishing_point([((0, 0), (10, 1)), ((0, 10), (10, 10))])
    (100.0, 10.0)
    >>> vanishing_point([((0, 0), (10, 0)), ((0, 5), (10, 5))]) is None
    True
    """
    pts = np.array([p for pair in lines for p in pair], dtype=np.float64)
    centre = pts.mean(axis=0)
    scale = float(np.mean(np.linalg.norm(pts - centre, axis=1))) or 1.0
    rows = []
    for a, b in lines:
        pa = np.append((np.asarray(a) - centre) / scale, 1.0)
        pb = np.append((np.asarray(b) - centre) / scale, 1.0)
        line = np.cross(pa, pb)
        norm = np.hypot(line[0], line[1])
        if norm == 0:
            continue
        rows.append(line / norm)
    if len(rows) < 2:
        return None
    _, _, vt = np.linalg.svd(np.array(rows))
    vp = vt[-1]
    if abs(vp[2]) < 1.0 / FAR_AWAY:
        return None
    x = vp[0] / vp[2] * scale + centre[0]
    y = vp[1] / vp[2] * scale + centre[1]
    return float(round(x, 6)), float(round(y, 6))


def fraction_along(line: _Line, u: float, vanishing: tuple[float, float] | None) -> float:
    """Paper fraction (0 at the left end, 1 at the right) of strip position ``u``.

    >>> class L: left_u, right_u, origin, d = 0.0, 100.0, np.zeros(2), np.array([1.0, 0.0])
    >>> round(fraction_along(L(), 50.0, None), 6)
    0.5
    >>> round(fraction_along(L(), 50.0, (300.0, 0.0)), 6)  # far half is compressed
    0.4
    """
    b = line.right_u - line.left_u
    s = u - line.left_u
    if b <= 0:
        return 0.0
    if vanishing is None:
        return s / b
    v = float((np.asarray(vanishing) - line.origin) @ line.d) - line.left_u
    if abs(v) > FAR_AWAY * b or -0.05 * b <= v <= 1.05 * b or abs(v - s) < 1e-9:
        return s / b
    return s * (v - b) / (b * (v - s))


def point_at(
    left: Sequence[float], right: Sequence[float], fraction: float, vanishing: Sequence[float] | None
) -> tuple[float, float]:
    """Image point at paper ``fraction`` of the line from ``left`` to ``right`` (the
    inverse of :func:`fraction_along`, for a straight line given by its image ends).

    >>> point_at((0, 0), (100, 0), 0.4, (300.0, 0.0))
    (50.0, 0.0)
    """
    a, b_pt = np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)
    b = float(np.linalg.norm(b_pt - a))
    if b == 0:
        return float(a[0]), float(a[1])
    d = (b_pt - a) / b
    s = fraction * b
    v = _vanishing_along(a, d, b, vanishing)
    if v is not None:
        denominator = v - b + fraction * b
        if abs(denominator) > 1e-9:
            s = fraction * b * v / denominator
    p = a + s * d
    return round(float(p[0]), 6), round(float(p[1]), 6)


def fraction_at(
    left: Sequence[float], right: Sequence[float], point: Sequence[float], vanishing: Sequence[float] | None
) -> tuple[float, float]:
    """Paper fraction along the line of the image ``point``'s foot on it, and the
    point's distance from the line in pixels.

    >>> fraction_at((0, 0), (100, 0), (50, 3), (300.0, 0.0))
    (0.4, 3.0)
    """
    a, b_pt = np.asarray(left, dtype=np.float64), np.asarray(right, dtype=np.float64)
    b = float(np.linalg.norm(b_pt - a))
    if b == 0:
        return 0.0, float(np.linalg.norm(np.asarray(point) - a))
    d = (b_pt - a) / b
    rel = np.asarray(point, dtype=np.float64) - a
    s = float(rel @ d)
    off = abs(float(rel[0] * d[1] - rel[1] * d[0]))
    f = s / b
    v = _vanishing_along(a, d, b, vanishing)
    if v is not None and abs(v - s) > 1e-9:
        f = s * (v - b) / (b * (v - s))
    return round(f, 9), round(off, 6)


def _vanishing_along(a: np.ndarray, d: np.ndarray, b: float, vanishing: Sequence[float] | None) -> float | None:
    """The vanishing point's position along the line from its left end, or None when it
    is at infinity or unusable (the same rule as :func:`fraction_along`)."""
    if vanishing is None:
        return None
    v = float((np.asarray(vanishing, dtype=np.float64) - a) @ d)
    if abs(v) > FAR_AWAY * b or -0.05 * b <= v <= 1.05 * b:
        return None
    return v
