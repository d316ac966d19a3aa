"""Hand-drawn pen marks for synthetic forms.

Coordinate conventions
----------------------
* Page millimetres: origin at the top-left corner of the paper, x to the right, y down.
* Image pixels (public): ``(x, y)`` with the origin at the *centre* of the top-left
  pixel, x to the right, y down (the convention of :mod:`srs_scan.model`).  A page
  point at ``x_mm`` lies at ``x_px = x_mm * dpi / 25.4 - 0.5``.
* Internally the renderer also uses *corner* pixel coordinates (``x_mm * dpi / 25.4``),
  in which pixel ``j`` covers ``[j, j + 1)``.

Every stroke is a slightly curved, wobbly centre polyline with a width profile.  The
geometry is built so that the centre polyline passes *exactly* through the requested
point (see :class:`MarkSpec` for what "the point" means for each kind); strokes are
rasterised at 8x supersampling and box-filtered down, so the ink's centroid is accurate
to a small fraction of a pixel.  Ink darkens the page multiplicatively.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["KINDS", "PENS", "MarkSpec", "Pen", "draw_mark", "draw_strokes"]

KINDS: tuple[str, ...] = ("tick", "slant", "x", "dot", "short_tick")

_SUPER = 8  # supersampling factor used to rasterise strokes
_SHIFT = 4  # cv2 fixed-point fractional bits


@dataclass(frozen=True)
class Pen:
    """Physical description of a writing instrument.

    Attributes
    ----------
    width_mm : (float, float)
        Range of the stroke width, millimetres.
    color_bgr : (int, int, int)
        Ink colour (BGR, 0-255) at full density; the page is multiplied by it.
    opacity : (float, float)
        Range of the maximum ink density, 0-1.
    grain : float
        Strength of the high-frequency texture (pencil graphite grain), 0-1.
    streak : float
        Strength of the low-frequency density variation (ballpoint skipping), 0-1.
    """

    width_mm: tuple[float, float]
    color_bgr: tuple[int, int, int]
    opacity: tuple[float, float]
    grain: float = 0.0
    streak: float = 0.0


PENS: dict[str, Pen] = {
    "ballpoint_blue": Pen((0.35, 0.6), (150, 55, 25), (0.8, 0.95), grain=0.05, streak=0.15),
    "ballpoint_black": Pen((0.35, 0.6), (45, 40, 40), (0.8, 0.95), grain=0.05, streak=0.15),
    "felt_black": Pen((0.8, 1.2), (25, 25, 25), (0.93, 1.0), grain=0.02, streak=0.05),
    "felt_blue": Pen((0.8, 1.2), (165, 80, 20), (0.9, 1.0), grain=0.02, streak=0.05),
    "pencil": Pen((0.4, 0.7), (95, 95, 95), (0.6, 0.8), grain=0.45, streak=0.1),
}


@dataclass(frozen=True)
class MarkSpec:
    """One client mark on one scale line.

    Attributes
    ----------
    u_mm : float
        Where the mark meets the line, millimetres from the left end of the *nominal*
        100 mm line (0-100).  With print scale ``s`` the physical position is
        ``s * u_mm`` from the printed left end.
    kind : str
        ``"tick"`` near-vertical stroke crossing the line (its centre crosses the line's
        centre-line at ``u``); ``"slant"`` stroke crossing at 20-50 degrees from
        vertical; ``"x"`` two strokes whose crossing point is at ``u`` on the line;
        ``"dot"`` filled blob centred on ``u``; ``"short_tick"`` stroke standing on the
        line whose foot touches the line's top edge at ``u`` (does not cross).
    pen : str
        One of :data:`PENS`: ``"ballpoint_blue"``, ``"ballpoint_black"``,
        ``"felt_black"``, ``"felt_blue"``, ``"pencil"``.
    v_offset_mm : float
        Shift of the whole mark perpendicular to the line, physical millimetres,
        positive = down (for "mark far from the line" cases).
    size_mm : float or None
        Stroke length (tick, slant, x, short_tick) or dot diameter, physical
        millimetres.  ``None`` draws a random plausible size (ticks and slants 5-10 mm,
        x 4-8 mm, dot 1.5-3 mm, short_tick 3-5 mm).
    """

    u_mm: float
    kind: str = "tick"
    pen: str = "ballpoint_blue"
    v_offset_mm: float = 0.0
    size_mm: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown mark kind {self.kind!r}; expected one of {KINDS}")
        if self.pen not in PENS:
            raise ValueError(f"unknown pen {self.pen!r}; expected one of {tuple(PENS)}")


# --------------------------------------------------------------------------- strokes


def _stroke_through(
    rng: np.random.Generator,
    point: tuple[float, float],
    angle_deg: float,
    t_start: float,
    t_end: float,
    *,
    bow: float | None = None,
    wobble_mm: float = 0.05,
    n: int = 48,
) -> np.ndarray:
    """Centre polyline (mm) of a hand stroke passing exactly through ``point`` at t=0.

    Parameters
    ----------
    point : (float, float)
        Page millimetres (x right, y down) the stroke must pass through.
    angle_deg : float
        Direction of the stroke measured from the downward vertical, degrees; positive
        leans the bottom of the stroke to the left (a "/" stroke).
    t_start, t_end : float
        Arc parameter range, millimetres along the main direction; ``t_start < 0 < t_end``
        puts ``point`` inside the stroke, ``t_end == 0`` makes it the end point.

    Returns
    -------
    ndarray of shape (n, 2)
        Points (x, y) in page millimetres, ordered from ``t_start`` to ``t_end``.
    """
    a = np.deg2rad(angle_deg)
    d = np.array([-np.sin(a), np.cos(a)])  # downward direction, leaning
    nrm = np.array([d[1], -d[0]])
    length = max(t_end - t_start, 1e-6)
    t = np.linspace(t_start, t_end, n)
    if 0.0 not in t:
        t = np.sort(np.append(t, 0.0))
    if bow is None:
        bow = rng.uniform(0.15, 0.45) * rng.choice([-1.0, 1.0])  # mm of sag over the stroke
    kappa = 4.0 * bow / length**2
    off = kappa * t**2
    for _ in range(2):
        amp = rng.uniform(0.3, 1.0) * wobble_mm
        om = 2 * np.pi / rng.uniform(5.0, 14.0)
        ph = rng.uniform(0, 2 * np.pi)
        off = off + amp * (np.sin(om * t + ph) - np.sin(ph))
    pts = np.asarray(point, float)[None, :] + t[:, None] * d[None, :] + off[:, None] * nrm[None, :]
    return pts


def _width_profile(
    rng: np.random.Generator,
    n: int,
    width_mm: float,
    taper: tuple[bool, bool] = (True, True),
    tip: float = 0.45,
) -> np.ndarray:
    """Stroke width (mm) per polyline vertex: near-constant body, tapered ends."""
    s = np.linspace(0.0, 1.0, n)
    w = np.full(n, width_mm)
    w *= 1.0 + 0.06 * np.sin(2 * np.pi * rng.uniform(0.5, 1.5) * s + rng.uniform(0, 6.3))
    edge = 0.12
    if taper[0]:
        w *= np.clip(tip + (1 - tip) * s / edge, tip, 1.0)
    if taper[1]:
        w *= np.clip(tip + (1 - tip) * (1 - s) / edge, tip, 1.0)
    return w


def draw_strokes(
    image: np.ndarray,
    strokes: list[tuple[np.ndarray, np.ndarray]],
    polygons: list[np.ndarray],
    *,
    px_per_mm: float,
    pen: Pen,
    rng: np.random.Generator,
) -> None:
    """Rasterise strokes and filled polygons and darken ``image`` in place.

    Parameters
    ----------
    image : ndarray (H, W, 3) float32
        BGR page, 0-255, modified in place (multiplied by the ink).
    strokes : list of (points_mm (n, 2), widths_mm (n,))
        Centre polylines in page millimetres with per-vertex widths.
    polygons : list of ndarray (m, 2)
        Filled outlines in page millimetres.
    px_per_mm : float
        Resolution; corner pixel coordinate = mm * px_per_mm.
    pen : Pen
        Ink colour, density and texture.
    rng : numpy.random.Generator
        Source of texture and density randomness.
    """
    all_pts = [p for p, _ in strokes] + list(polygons)
    if not all_pts:
        return
    pts_px = np.concatenate(all_pts) * px_per_mm
    pad = int(np.ceil(max([w.max() for _, w in strokes] + [0.0]) * px_per_mm)) + 3
    h_img, w_img = image.shape[:2]
    x0 = int(np.floor(pts_px[:, 0].min())) - pad
    y0 = int(np.floor(pts_px[:, 1].min())) - pad
    x1 = int(np.ceil(pts_px[:, 0].max())) + pad
    y1 = int(np.ceil(pts_px[:, 1].max())) + pad
    cx0, cy0 = max(x0, 0), max(y0, 0)
    cx1, cy1 = min(x1, w_img), min(y1, h_img)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    k = _SUPER
    mask = np.zeros(((y1 - y0) * k, (x1 - x0) * k), np.uint8)
    fp = float(1 << _SHIFT)

    def to_sub(p_mm: np.ndarray) -> np.ndarray:
        # corner px c -> supersampled cv2 coordinate (pixel centres at integers)
        c = p_mm * px_per_mm - np.array([x0, y0], float)
        return np.round((c * k - 0.5) * fp).astype(np.int64)

    for p_mm, w_mm in strokes:
        sp = to_sub(p_mm)
        for i in range(len(sp) - 1):
            th = max(1, int(round(0.5 * (w_mm[i] + w_mm[i + 1]) * px_per_mm * k)))
            cv2.line(
                mask,
                (int(sp[i, 0]), int(sp[i, 1])),
                (int(sp[i + 1, 0]), int(sp[i + 1, 1])),
                255,
                thickness=th,
                lineType=cv2.LINE_8,
                shift=_SHIFT,
            )
    for poly in polygons:
        sp = to_sub(poly).astype(np.int32).reshape(-1, 1, 2)
        cv2.fillPoly(mask, [sp], 255, lineType=cv2.LINE_8, shift=_SHIFT)

    alpha = cv2.resize(mask, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    alpha = alpha.astype(np.float32) / 255.0
    hh, ww = alpha.shape
    density = rng.uniform(*pen.opacity)
    tex = np.ones((hh, ww), np.float32)
    if pen.streak > 0:
        low = rng.normal(0.0, 1.0, (max(2, hh // 6), max(2, ww // 6))).astype(np.float32)
        low = cv2.resize(low, (ww, hh), interpolation=cv2.INTER_CUBIC)  # type: ignore[assignment]
        tex *= np.clip(1.0 - pen.streak * (0.5 + 0.5 * np.tanh(low)), 0.0, 1.0)
    if pen.grain > 0:
        g = rng.random((hh, ww)).astype(np.float32)
        tex *= 1.0 - pen.grain * g
    alpha *= density * tex
    alpha = alpha[cy0 - y0 : cy1 - y0, cx0 - x0 : cx1 - x0]
    col = np.asarray(pen.color_bgr, np.float32) / 255.0
    factor = 1.0 - alpha[:, :, None] * (1.0 - col[None, None, :])
    image[cy0:cy1, cx0:cx1, :] *= factor


def draw_mark(
    image: np.ndarray,
    mark: MarkSpec,
    *,
    line_left_mm: tuple[float, float],
    scale: float,
    line_width_mm: float,
    px_per_mm: float,
    rng: np.random.Generator,
) -> None:
    """Draw one :class:`MarkSpec` on a horizontal printed line.

    Parameters
    ----------
    image : ndarray (H, W, 3) float32
        BGR page, modified in place.
    mark : MarkSpec
        The mark; its nominal ``u_mm`` is placed at ``line_left_mm[0] + scale * u_mm``.
    line_left_mm : (float, float)
        Physical left end point (x, y) of the line's centre-line, page millimetres.
    scale : float
        Print scale (physical line length / 100 mm).
    line_width_mm : float
        Physical thickness of the printed line, millimetres (for ``short_tick``).
    px_per_mm : float
        Image resolution.
    rng : numpy.random.Generator
        Randomness for shape, wobble, width and texture.
    """
    pen = PENS[mark.pen]
    width = rng.uniform(*pen.width_mm)
    tip = 0.8 if mark.pen.startswith("felt") else 0.5
    x = line_left_mm[0] + scale * mark.u_mm
    y = line_left_mm[1] + mark.v_offset_mm
    strokes: list[tuple[np.ndarray, np.ndarray]] = []
    polygons: list[np.ndarray] = []
    kind = mark.kind
    if kind in ("tick", "slant"):
        size = mark.size_mm if mark.size_mm is not None else rng.uniform(5.0, 10.0)
        if kind == "tick":
            ang = rng.uniform(-12.0, 12.0)
            above = rng.uniform(0.6, 0.8)
        else:
            ang = rng.uniform(20.0, 50.0) * rng.choice([-1.0, 1.0])
            above = rng.uniform(0.5, 0.75)
        bow_max = 0.4 if kind == "tick" else 0.25
        bow = rng.uniform(0.1, bow_max) * rng.choice([-1.0, 1.0])
        pts = _stroke_through(rng, (x, y), ang, -above * size, (1 - above) * size, bow=bow)
        strokes.append((pts, _width_profile(rng, len(pts), width, tip=tip)))
    elif kind == "x":
        size = mark.size_mm if mark.size_mm is not None else rng.uniform(4.0, 8.0)
        base = rng.uniform(-8.0, 8.0)
        for sign in (-1.0, 1.0):
            ang = base + sign * rng.uniform(33.0, 55.0)
            frac = rng.uniform(0.4, 0.6)
            pts = _stroke_through(
                rng, (x, y), ang, -frac * size, (1 - frac) * size,
                bow=rng.uniform(0.05, 0.2) * rng.choice([-1.0, 1.0]), wobble_mm=0.05,
            )
            strokes.append((pts, _width_profile(rng, len(pts), width, tip=tip)))
    elif kind == "dot":
        size = mark.size_mm if mark.size_mm is not None else rng.uniform(1.5, 3.0)
        r0 = size / 2.0
        th = np.linspace(0.0, 2 * np.pi, 96, endpoint=False)
        # only even harmonics: the blob's area centroid is exactly its centre
        r = r0 * (
            1.0
            + rng.uniform(0.0, 0.15) * np.cos(2 * th + rng.uniform(0, 6.3))
            + rng.uniform(0.0, 0.05) * np.cos(4 * th + rng.uniform(0, 6.3))
        )
        polygons.append(np.stack([x + r * np.cos(th), y + r * np.sin(th)], axis=1))
    elif kind == "short_tick":
        size = mark.size_mm if mark.size_mm is not None else rng.uniform(3.0, 5.0)
        ang = rng.uniform(-10.0, 10.0)
        y_top = y - line_width_mm / 2.0
        w = _width_profile(rng, 49, width, taper=(True, False), tip=tip)
        end_r = w[-1] / 2.0
        # foot: the ink's lowest point touches the top edge (merging by <= 0.1 mm)
        foot = (x, y_top - end_r + rng.uniform(0.0, 0.1))
        pts = _stroke_through(rng, foot, ang, -size, 0.0, bow=rng.uniform(-0.2, 0.2), n=49)
        strokes.append((pts, w))
    draw_strokes(image, strokes, polygons, px_per_mm=px_per_mm, pen=pen, rng=rng)
