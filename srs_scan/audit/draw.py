"""Audit images: the page as srs-scan read it, drawn for a person to check at a glance.

For each scale line the image shows the detected end points, a millimetre ruler drawn
along the line (through the same perspective map the measurement used, so its ticks
fall where the reading put each millimetre), the mark's position with its value, and
any review reason; the page's status and reasons are written above. Put beside the
paper, or beside the undrawn crop (:attr:`AuditView.original`), a wrong end point or a
misplaced mark is seen without measuring anything.

This module only draws: it measures nothing and reads no files. Positions come from
the page's stored geometry (:meth:`PageResult.drawing_geometry`) and the values from
the (possibly corrected) :class:`PageResult`.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from ..forms.score import round_half_up
from ..model import ItemResult, ItemStatus, PageResult, PageStatus
from ..read.ink import to_gray
from ..read.perspective import fraction_at, point_at

VIEW_PPM = 6.0  # view pixels per millimetre of printed line
PAGE_VIEW_PX = 1100  # long side of a page shown whole (no lines measured)
THUMB_PX = 320  # long side of a page without a form (its words stay unreadable)
MARGIN_X_MM = 16.0  # view margin left and right of the lines
MARGIN_TOP_MM = 18.0  # above the first line (its labels)
MARGIN_BOTTOM_MM = 22.0  # below the last line (its ruler and reasons)
RULER_OFFSET_MM = 2.5  # the ruler's baseline below the line's centre
FADE = 0.3  # how much lighter the scan is under the drawing
CLICK_REACH_MM = 6.0  # a click this near a line sets its mark (review page)
FONT = cv2.FONT_HERSHEY_SIMPLEX

Point = Sequence[float] | np.ndarray  # (x, y)

# BGR
INK_ENDS = (230, 120, 0)
INK_RULER = (150, 70, 0)
INK_OK = (0, 150, 0)
INK_REVIEW = (0, 0, 215)
INK_CORRECTED = (190, 0, 190)
INK_MACHINE = (120, 120, 120)
INK_TEXT = (30, 30, 30)


@dataclass(frozen=True)
class AuditView:
    """An audit image and how it maps to the page image.

    ``to_view`` is the 2 x 3 affine map from page-image pixels (x, y) to ``image``
    pixels; ``original`` is the same crop of the page without the drawing and without the
    banner (``banner_px`` rows at the top of ``image``). ``lines`` are the scales' end
    points in view pixels, top first, and ``vanishing`` their vanishing point (or None).
    """

    image: np.ndarray
    original: np.ndarray
    to_view: np.ndarray
    banner_px: int
    lines: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    vanishing: tuple[float, float] | None
    line_mm: float = 100.0  # the form's line length (a clinic's own form: its template's)

    def locate(self, x: float, y: float) -> tuple[int, float] | None:
        """The item (1-based) and the mm along its line of a point clicked in the view, or
        None when the point is not near a line. Uses the reading's own perspective map."""
        best: tuple[float, int, float] | None = None
        for i, (left, right) in enumerate(self.lines, start=1):
            ppm = float(np.hypot(right[0] - left[0], right[1] - left[1])) / 100.0
            f, off = fraction_at(left, right, (x, y), self.vanishing)
            if off > CLICK_REACH_MM * ppm or not -0.03 <= f <= 1.03:
                continue
            if best is None or off < best[0]:
                best = (off, i, f)
        if best is None:
            return None
        return best[1], round_half_up(min(max(self.line_mm * best[2], 0.0), self.line_mm), 1)


def render(image: np.ndarray, result: PageResult, geometry: dict[str, Any] | None) -> AuditView:
    """The audit image of one page: ``image`` as decoded (gray or BGR), ``result`` as it
    stands (corrections applied), ``geometry`` from :meth:`PageResult.drawing_geometry`."""
    gray = to_gray(image)
    found = (geometry or {}).get("lines") or []
    if found and len(result.items) in (0, len(found)):  # four lines, or as many as a clinic's own form has
        ends = np.array([[ln["left"], ln["right"]] for ln in found], dtype=np.float64)
        to_view, size = _lines_view(ends, float(geometry.get("angle_deg", 0.0)) if geometry else 0.0)
    else:
        ends = np.zeros((0, 2, 2))
        to_view, size = _page_view(gray.shape, result.rotation or 0)
    original = _warp(gray, to_view, size)
    # the scan a little lighter under the drawing, so the drawing stands out (``original`` is as scanned)
    faded = (original.astype(np.float32) * (1.0 - FADE) + 255.0 * FADE).astype(np.uint8)
    canvas = cv2.cvtColor(faded, cv2.COLOR_GRAY2BGR)
    view_ends = [(_apply(to_view, a), _apply(to_view, b)) for a, b in ends]
    vp = (geometry or {}).get("vanishing_point")
    vanishing = _apply(to_view, vp) if vp is not None and len(view_ends) else None
    line_mm = float((result.template or {}).get("line_length_mm", 100.0))  # a clinic's own form: its lines
    if view_ends:  # else: the whole page, nothing drawn on it
        items: Sequence[ItemResult | None] = result.items or [None] * len(view_ends)
        for n, ((a, b), item) in enumerate(zip(view_ends, items, strict=True), start=1):
            _draw_line(canvas, n, a, b, vanishing, item, line_mm)
    banner = _banner(canvas.shape[1], result, measured=bool(view_ends))
    shift = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, banner.shape[0]]])
    lines = tuple(((a[0], a[1] + banner.shape[0]), (b[0], b[1] + banner.shape[0])) for a, b in view_ends)
    return AuditView(
        image=np.vstack([banner, canvas]),
        original=original,
        to_view=to_view + shift,
        banner_px=banner.shape[0],
        lines=lines,
        vanishing=None if vanishing is None else (vanishing[0], vanishing[1] + banner.shape[0]),
        line_mm=line_mm,
    )


def thumbnail(image: np.ndarray, rotation: int = 0) -> np.ndarray:
    """The whole page, THUMB_PX long: a form's shape shows, a letter's words do not."""
    gray = to_gray(image)
    k = THUMB_PX / max(gray.shape)
    small = cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    # np.rot90 turns counter-clockwise: a page whose lines run ``rotation`` degrees clockwise
    # from level is turned back by as many counter-clockwise quarter turns
    return np.ascontiguousarray(np.rot90(small, (rotation // 90) % 4))


# --- where the view is ---------------------------------------------------------------


def _lines_view(ends: np.ndarray, angle_deg: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The affine map that turns the lines level, left to right, at VIEW_PPM, and the
    view's size, framing the lines with room for their labels and rulers."""
    ppm = float(np.mean(np.linalg.norm(ends[:, 1] - ends[:, 0], axis=1))) / 100.0
    k = VIEW_PPM / max(ppm, 1e-6)
    t = np.radians(-angle_deg)
    rot = k * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    pts = ends.reshape(-1, 2) @ rot.T
    lo = pts.min(axis=0) - [MARGIN_X_MM * VIEW_PPM, MARGIN_TOP_MM * VIEW_PPM]
    hi = pts.max(axis=0) + [MARGIN_X_MM * VIEW_PPM, MARGIN_BOTTOM_MM * VIEW_PPM]
    m = np.hstack([rot, -lo[:, None]])
    return m, (int(np.ceil(hi[0] - lo[0])), int(np.ceil(hi[1] - lo[1])))


def _page_view(shape: tuple[int, ...], rotation: int) -> tuple[np.ndarray, tuple[int, int]]:
    """The whole page, turned upright by ``rotation`` (degrees clockwise), PAGE_VIEW_PX long."""
    h, w = shape[:2]
    k = PAGE_VIEW_PX / max(h, w)
    t = np.radians(-rotation)
    rot = k * np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])
    corners = np.array([[0, 0], [w - 1, 0], [0, h - 1], [w - 1, h - 1]], dtype=np.float64) @ rot.T
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    m = np.hstack([rot, -lo[:, None]])
    return m, (int(np.ceil(hi[0] - lo[0])) + 1, int(np.ceil(hi[1] - lo[1])) + 1)


def _warp(gray: np.ndarray, to_view: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The view of the page: shrunk with area averaging first (thin lines stay visible),
    then turned and cropped."""
    k = float(np.sqrt(abs(np.linalg.det(to_view[:, :2]))))
    src, m = gray, to_view
    if k < 1.0:
        src = cv2.resize(gray, None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
        sx, sy = src.shape[1] / gray.shape[1], src.shape[0] / gray.shape[0]
        # pixel centres: x = (x_small + 0.5) / sx - 0.5
        m = to_view @ np.array([[1.0 / sx, 0.0, 0.5 / sx - 0.5], [0.0, 1.0 / sy, 0.5 / sy - 0.5], [0.0, 0.0, 1.0]])
    return cv2.warpAffine(src, m, size, flags=cv2.INTER_LINEAR, borderValue=255)


def _apply(m: np.ndarray, p: Sequence[float]) -> tuple[float, float]:
    q = m @ np.array([p[0], p[1], 1.0])
    return float(q[0]), float(q[1])


# --- what is drawn ---------------------------------------------------------------------


def _draw_line(canvas: np.ndarray, n: int, a: tuple[float, float], b: tuple[float, float],
               vanishing: tuple[float, float] | None, item: ItemResult | None, line_mm: float = 100.0) -> None:
    ppm = float(np.hypot(b[0] - a[0], b[1] - a[1])) / 100.0
    d = (np.array(b) - np.array(a)) / (100.0 * ppm)
    down = np.array([-d[1], d[0]])

    def at(mm: float, across_mm: float = 0.0) -> np.ndarray:
        return np.array(point_at(a, b, mm / line_mm, vanishing)) + across_mm * ppm * down

    # the ruler: a tick every millimetre, longer every 5, numbered every 10 (= score)
    base = RULER_OFFSET_MM
    _seg(canvas, at(0, base), at(line_mm, base), INK_RULER, 1)
    if line_mm == 100.0:
        for mm in range(101):
            length = 3.2 if mm % 10 == 0 else 2.0 if mm % 5 == 0 else 1.2
            _seg(canvas, at(mm, base), at(mm, base + length), INK_RULER, 1)
            if mm % 10 == 0:
                _text(canvas, str(mm // 10), at(mm, base + 6.0), INK_RULER, 0.42, centre=True)
    else:  # a clinic's own line: millimetres of its length, the score's ten steps numbered
        for mm in range(int(np.floor(line_mm + 1e-6)) + 1):
            _seg(canvas, at(mm, base), at(mm, base + (2.0 if mm % 5 == 0 else 1.2)), INK_RULER, 1)
        for score in range(11):
            _seg(canvas, at(score * line_mm / 10.0, base), at(score * line_mm / 10.0, base + 3.2), INK_RULER, 1)
            _text(canvas, str(score), at(score * line_mm / 10.0, base + 6.0), INK_RULER, 0.42, centre=True)
    # the detected end points
    for end in (at(0), at(line_mm)):
        _seg(canvas, end - 3.0 * ppm * down, end + 2.0 * ppm * down, INK_ENDS, 2)
        cv2.circle(canvas, _px(end), max(3, int(round(0.9 * ppm))), INK_ENDS, 1, cv2.LINE_AA)
    if item is None:
        _text(canvas, f"{n}  not measured", at(0, -7.0), INK_REVIEW, 0.5)
        return
    ink = INK_CORRECTED if item.corrected else INK_OK if item.status is ItemStatus.OK else INK_REVIEW
    # a value is shown by pointers above and below the line, leaving the mark's own ink in view
    if item.corrected and item.machine_mm is not None:  # what the machine read, for comparison
        _pointers(canvas, at, item.machine_mm, ppm, down, INK_MACHINE, 1)
    if item.mm is not None:
        _pointers(canvas, at, item.mm, ppm, down, ink, 2)
        _text(canvas, f"{item.score:.1f}  ({item.mm:.1f} mm)", at(item.mm, -8.5), ink, 0.5, centre=True)
    status = "corrected" if item.corrected else item.status.value
    if item.mm is None:
        status = "missing (set by a person)" if item.corrected else "no mark" if item.status is ItemStatus.MISSING \
            else item.status.value
    _text(canvas, f"{n} {item.name}: {status}", at(0, -13.0), ink, 0.5)
    notes = list(item.reasons)
    if item.corrected:
        was = "no mark" if item.machine_mm is None else f"{item.machine_mm:.1f} mm"
        notes.append(f"machine read {was}")
    for k, note in enumerate(notes[:2]):
        _text(canvas, note, at(0, base + 10.5 + 4.0 * k), ink, 0.42)


def _pointers(canvas: np.ndarray, at: Any, mm: float, ppm: float, down: np.ndarray,
              ink: tuple[int, int, int], width: int) -> None:
    """A triangle above the line pointing down at ``mm`` and a stem below it through the
    ruler; the line itself, where the mark is, stays clear."""
    tip = at(mm, -1.6)
    along = np.array([down[1], -down[0]])
    base = tip - 2.0 * ppm * down
    tri = np.array([tip, base - 1.1 * ppm * along, base + 1.1 * ppm * along])
    cv2.fillConvexPoly(canvas, np.round(tri * 16).astype(np.int32), ink, cv2.LINE_AA, shift=4)
    _seg(canvas, at(mm, -5.5), at(mm, -3.6), ink, width)
    _seg(canvas, at(mm, 1.6), at(mm, RULER_OFFSET_MM + 4.0), ink, width)


def _banner(width: int, result: PageResult, *, measured: bool) -> np.ndarray:
    """The page's verdict above the image: form, total, status and every open reason."""
    form = result.form.upper() if result.form else "form type unknown"
    total = "total -" if result.total is None else f"total {result.total:.1f}/{10 * len(result.items)}"
    status = {PageStatus.OK: "OK", PageStatus.REVIEW: "REVIEW", PageStatus.NO_FORM: "NO FORM FOUND",
              PageStatus.ERROR: "ERROR"}[result.status]
    head = f"{form}   {total}   {status}" + ("   (corrected)" if result.corrected else "")
    rows: list[tuple[str, tuple[int, int, int]]] = [(head, INK_REVIEW if result.status is not PageStatus.OK
                                                     else INK_OK)]
    if result.page_id:
        rows.append((f"page id {result.page_id}", INK_TEXT))
    chars = max(30, int(width / 8.5))
    for reason in result.reasons:
        rows += [(line, INK_REVIEW) for line in textwrap.wrap("review: " + reason, chars)]
    for flag in result.flags:
        rows.append((f"flag: {flag.message}", INK_TEXT))
    if not measured and result.status in (PageStatus.OK, PageStatus.REVIEW):
        rows.append(("the lines were not measured: the whole page is shown", INK_REVIEW))
    height = 14 + 22 * len(rows)
    banner = np.full((height, width, 3), 255, np.uint8)
    for k, (text, ink) in enumerate(rows):
        _text(banner, text, (8, 24 + 22 * k), ink, 0.55 if k == 0 else 0.48, thickness=2 if k == 0 else 1)
    cv2.line(banner, (0, height - 1), (width - 1, height - 1), (180, 180, 180), 1)
    return banner


def _px(p: Point) -> tuple[int, int]:
    return int(round(p[0])), int(round(p[1]))


def _seg(canvas: np.ndarray, p: np.ndarray, q: np.ndarray, ink: tuple[int, int, int], width: int) -> None:
    # sub-pixel positions: 4 fractional bits keep a 1 mm tick where it belongs
    cv2.line(canvas, _fixed(p), _fixed(q), ink, width, cv2.LINE_AA, shift=4)


def _fixed(p: Point) -> tuple[int, int]:
    return int(round(p[0] * 16)), int(round(p[1] * 16))


def _text(canvas: np.ndarray, text: str, at: Point, ink: tuple[int, int, int], scale: float,
          *, centre: bool = False, thickness: int = 1) -> None:
    text = text.encode("ascii", "replace").decode("ascii")  # Hershey fonts have ASCII only
    (w, h), _ = cv2.getTextSize(text, FONT, scale, thickness)
    x, y = float(at[0]) - (w / 2.0 if centre else 0.0), float(at[1]) + (h / 2.0 if centre else 0.0)
    x = min(max(x, 2.0), canvas.shape[1] - w - 2.0)
    # on a white pad, so that printed words under it do not garble it
    cv2.rectangle(canvas, (int(x) - 2, int(y) - h - 2), (int(x) + w + 2, int(y) + 3), (255, 255, 255), -1)
    cv2.putText(canvas, text, (int(round(x)), int(round(y))), FONT, scale, ink, thickness, cv2.LINE_AA)
