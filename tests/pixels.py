"""Measure an audit picture from its pixels: where the pointer, the ruler's ticks, the
drawn line ends and the printed line itself actually are in the image.

Nothing here asks :mod:`srs_scan.audit.draw` where it meant to draw: each element is
found by its colour (the drawing's inks are coloured, the scan under it is gray) and
its shape, and compared with the ground truth of the synthetic page (the renderer's
line ends and mark positions), taken into the picture by the view's own affine map
``AuditView.to_view`` (page pixel -> picture pixel; a property of the picture, checked
here by finding the printed line under the drawing).

Shared by the tests (tests/audit/test_draw_pixels.py) and benchmarks/audit.py, which
imports this file by path.

All positions are picture pixels (x right, y down, origin at the centre of the top-left
pixel); distances returned in mm are millimetres of the printed line (the picture's
scale is measured from the true line ends).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# the drawing's inks (BGR), as in srs_scan.audit.draw; repeated here on purpose: a change
# of colour there must be a deliberate change here
INK_ENDS = (230, 120, 0)
INK_RULER = (150, 70, 0)
INK_OK = (0, 150, 0)
INK_REVIEW = (0, 0, 215)
INK_CORRECTED = (190, 0, 190)
RULER_OFFSET_MM = 2.5  # the ruler's baseline below the line (where to look for it)


def ink_mask(image: np.ndarray, ink: Sequence[int], tol: float = 40.0) -> np.ndarray:
    """Pixels within ``tol`` (Euclidean, BGR) of ``ink``."""
    d = image.astype(np.float32) - np.asarray(ink, np.float32)
    return np.sqrt((d * d).sum(axis=2)) < tol


def gray_ink_mask(image: np.ndarray, darker_than: int = 200, spread: int = 14) -> np.ndarray:
    """Dark pixels with no colour: the scan under the drawing (the drawing is coloured)."""
    img = image.astype(np.int16)
    return (img.max(axis=2) - img.min(axis=2) < spread) & (img.mean(axis=2) < darker_than)


def _window(mask: np.ndarray, y0: float, y1: float, x0: float, x1: float) -> tuple[np.ndarray, int, int]:
    h, w = mask.shape
    r0, r1 = max(0, int(np.floor(y0))), min(h, int(np.ceil(y1)) + 1)
    c0, c1 = max(0, int(np.floor(x0))), min(w, int(np.ceil(x1)) + 1)
    return mask[r0:r1, c0:c1], r0, c0


def _runs(profile: np.ndarray, min_gap: int = 1) -> list[tuple[int, int]]:
    """(start, end) inclusive of the runs of nonzero columns; gaps shorter than min_gap join."""
    on = np.flatnonzero(profile > 0)
    if on.size == 0:
        return []
    runs = []
    start = prev = int(on[0])
    for c in on[1:]:
        if c - prev > min_gap:
            runs.append((start, prev))
            start = int(c)
        prev = int(c)
    runs.append((start, prev))
    return runs


@dataclass(frozen=True)
class TrueLine:
    """One scale line's truth in the picture: its ends (picture px) and px per mm."""

    left: np.ndarray
    right: np.ndarray

    @property
    def ppm(self) -> float:
        return float(np.linalg.norm(self.right - self.left)) / 100.0

    def at(self, mm: float) -> np.ndarray:
        """The point ``mm`` along the printed line (a flat scan: linear)."""
        return self.left + mm / 100.0 * (self.right - self.left)


def true_lines(to_view: np.ndarray, lines_px: Sequence[tuple[Sequence[float], Sequence[float]]],
               *, upside_down_of: tuple[int, int] | None = None) -> list[TrueLine]:
    """The renderer's line ends (page image px) taken into the picture by ``to_view``.
    ``upside_down_of`` (h, w): the page was turned 180 degrees before reading."""
    out = []
    for a, b in lines_px:
        a, b = np.asarray(a, float), np.asarray(b, float)
        if upside_down_of is not None:
            h, w = upside_down_of
            a, b = np.array([w - 1, h - 1]) - a, np.array([w - 1, h - 1]) - b
        out.append(TrueLine(to_view @ np.append(a, 1.0), to_view @ np.append(b, 1.0)))
    return out


def pointer_x(image: np.ndarray, line: TrueLine, near_mm: float, ink: Sequence[int]) -> float | None:
    """The column of the value pointer drawn above ``line`` in ``ink``: the centroid of
    that colour 1.9-5 mm above the line (the triangle and its stem, both symmetric about
    the value), searched within 6 mm of ``near_mm``."""
    p, k = line.at(near_mm), line.ppm
    win, _, c0 = _window(ink_mask(image, ink), p[1] - 5.0 * k, p[1] - 1.9 * k, p[0] - 6 * k, p[0] + 6 * k)
    cols = np.nonzero(win)[1]
    return float(cols.mean() + c0) if cols.size else None


def drawn_ends(image: np.ndarray, line: TrueLine) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The drawn end markers (a ring and a stroke across the line in INK_ENDS): their
    centre, x from all their pixels, y from the ring's pixels beside the stroke."""
    k = line.ppm
    mask = ink_mask(image, INK_ENDS)
    out: list[np.ndarray | None] = []
    for p in (line.left, line.right):
        win, r0, c0 = _window(mask, p[1] - 3.5 * k, p[1] + 2.0 * k, p[0] - 2.5 * k, p[0] + 2.5 * k)
        rows, cols = np.nonzero(win)
        if cols.size == 0:
            out.append(None)
            continue
        x = cols.mean() + c0
        side = np.abs(cols + c0 - x) >= 2.5  # the ring left and right of the stroke
        y = (rows[side].mean() if side.any() else rows.mean()) + r0
        out.append(np.array([x, y]))
    return out[0], out[1]


def printed_line(image: np.ndarray, line: TrueLine) -> tuple[float, float, float] | None:
    """The printed line in the scan under the drawing: (left x, right x, y) of the long
    gray run within 1 mm of where the truth puts the line (gaps up to 1 mm, where the
    drawing covers it, are bridged)."""
    k = line.ppm
    y = 0.5 * (line.left[1] + line.right[1])
    win, r0, c0 = _window(gray_ink_mask(image), y - 1.0 * k, y + 1.0 * k, line.left[0] - 5 * k, line.right[0] + 5 * k)
    runs = _runs(win.sum(axis=0), min_gap=int(np.ceil(1.0 * k)))
    if not runs:
        return None
    a, b = max(runs, key=lambda r: r[1] - r[0])
    if b - a < 50 * k:
        return None
    rows = np.nonzero(win[:, a:b + 1])[0]
    return float(a + c0 - 0.5), float(b + c0 + 0.5), float(np.median(rows) + r0)


def scan_mark_x(image: np.ndarray, line: TrueLine, near_mm: float) -> float | None:
    """The client's own mark in the faded scan under the drawing: the centroid of gray
    ink 0.6-1.5 mm above and below the line (bands symmetric about it, so a slanted
    stroke or an X gives its crossing), within 4 mm of ``near_mm``."""
    p, k = line.at(near_mm), line.ppm
    mask = gray_ink_mask(image)
    cols = []
    for lo, hi in ((-1.5, -0.6), (0.6, 1.5)):
        win, _, c0 = _window(mask, p[1] + lo * k, p[1] + hi * k, p[0] - 4 * k, p[0] + 4 * k)
        cols.append(np.nonzero(win)[1] + c0)
    allc = np.concatenate(cols)
    return float(allc.mean()) if allc.size else None


def ruler_ticks(image: np.ndarray, line: TrueLine) -> tuple[np.ndarray, np.ndarray]:
    """Columns of the ruler's ticks below ``line``: every tick (crossing 0.5-1.0 mm below
    the ruler's baseline) and the long ten-millimetre ticks (crossing 2.3-3.0 mm below)."""
    k = line.ppm
    y = 0.5 * (line.left[1] + line.right[1]) + RULER_OFFSET_MM * k
    mask = ink_mask(image, INK_RULER, tol=60.0)
    found = []
    for lo, hi in ((0.5, 1.0), (2.3, 3.0)):
        win, _, c0 = _window(mask, y + lo * k, y + hi * k, line.left[0] - 5 * k, line.right[0] + 5 * k)
        prof = win.sum(axis=0).astype(float)
        centres = []
        for a, b in _runs(prof):
            cols = np.arange(a, b + 1)
            centres.append(float((cols * prof[a:b + 1]).sum() / prof[a:b + 1].sum()) + c0)
        found.append(np.array(centres))
    return found[0], found[1]


def _nearest(found: np.ndarray, want: float) -> float:
    return float(np.min(np.abs(found - want))) if found.size else float("inf")


@dataclass(frozen=True)
class LineCheck:
    """Errors in mm of the printed line, per element of one line's drawing (inf: not found)."""

    pointer_vs_truth: float | None  # the pointer against the true mark (None: no value drawn)
    pointer_vs_value: float | None  # the pointer against the value it claims (item.mm)
    drawn_ends: float  # the drawn end markers against the true ends (worst of the two)
    printed_under_ends: float  # the printed line found in the picture against the drawn ends
    pointer_vs_scan_mark: float | None  # the pointer against the mark's ink in the scan under it
    ruler_ticks: float  # worst tick against where its millimetre truly is
    ruler_ten_ticks: float  # worst ten-millimetre tick (0, 10, ..., 100) against the truth
    ticks_found: int


def check_line(image: np.ndarray, line: TrueLine, truth_mm: float | None, value_mm: float | None,
               ink: Sequence[int]) -> LineCheck:
    """Measure one line's drawing in ``image`` against the truth (see :class:`LineCheck`)."""
    k = line.ppm
    ptr_truth = ptr_value = ptr_scan = None
    if value_mm is not None:
        x = pointer_x(image, line, value_mm, ink)
        if x is None:
            ptr_truth = ptr_value = ptr_scan = float("inf")
        else:
            ptr_value = abs(x - line.at(value_mm)[0]) / k
            if truth_mm is not None:
                ptr_truth = abs(x - line.at(truth_mm)[0]) / k
                seen = scan_mark_x(image, line, truth_mm)
                ptr_scan = float("inf") if seen is None else abs(x - seen) / k
    ends = drawn_ends(image, line)
    end_err = max((float(np.linalg.norm(e - t)) / k if e is not None else float("inf"))
                  for e, t in zip(ends, (line.left, line.right), strict=True))
    printed = printed_line(image, line)
    if printed is None or any(e is None for e in ends):
        under = float("inf")
    else:
        xl, xr, y = printed
        under = max(abs(xl - ends[0][0]), abs(xr - ends[1][0]), abs(y - ends[0][1]), abs(y - ends[1][1])) / k
    every, tens = ruler_ticks(image, line)
    want = [line.at(mm)[0] for mm in range(101)]
    # every tick found stands at some millimetre; the ten-mm ticks at their own ones
    tick_err = max((_nearest(np.array(want), x) for x in every), default=float("inf")) / k
    # a pointer stem drawn over a ten-mm tick hides it: those next to the value are not sought
    shown = [mm for mm in range(0, 101, 10) if value_mm is None or abs(mm - value_mm) > 1.5]
    ten_err = max(_nearest(tens, line.at(mm)[0]) for mm in shown) / k
    return LineCheck(ptr_truth, ptr_value, end_err, under, ptr_scan, tick_err, ten_err, int(every.size))
