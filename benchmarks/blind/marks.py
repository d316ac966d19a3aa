"""Client marks. Each function draws on an ink strip (coverage, uint8, supersampled) and returns
the true position where the mark meets the line, computed from the geometry actually drawn:
the stroke centre polyline (after wobble and after rounding to cv2's 1/16-px grid) is intersected
with the line's centre line; X: the crossing point of the two strokes; dot/blob/circle: the
centre; short tick standing on the line: its foot; tick crossing twice: the midpoint of its two
crossings; scribble: the middle of its extent (flagged doubtful). Circled answers (CIRCLED: an open
"C", a circle overrun past its start, a two-turn spiral; ovals 3-16 mm across, wobbling, their centre
above or below the line): the centre of the oval drawn round (not where its ink crosses the line)."""

from __future__ import annotations

import math

import cv2
import numpy as np

SHIFT = 4
Q = 1 << SHIFT

KINDS = ["tick", "slash", "vbar", "x", "dot", "touch", "circle", "blob", "scribble", "double"]
COMMON = ["tick", "tick", "slash", "slash", "vbar", "x", "x", "dot", "touch", "circle", "blob", "double"]
CIRCLED = ["open_circle", "overlap_circle", "spiral_circle"]      # circled answers (not in COMMON)
KINDS += CIRCLED


def _q(pts: np.ndarray) -> np.ndarray:
    return np.round(np.asarray(pts, float) * Q).astype(np.int32)


def _crossings(pts_q: np.ndarray, yc: float) -> list[float]:
    p = pts_q.astype(float) / Q
    out = []
    for (x0, y0), (x1, y1) in zip(p[:-1], p[1:], strict=False):
        if (y0 - yc) * (y1 - yc) < 0 or (y1 == yc and y0 != yc):
            t = (yc - y0) / (y1 - y0)
            out.append(x0 + t * (x1 - x0))
    return out


def _stroke(p0, p1, n, wobble, rng, bow=0.0):
    """Points from p0 to p1 with a slight bow and hand wobble (perpendicular), px."""
    p0, p1 = np.array(p0, float), np.array(p1, float)
    t = np.linspace(0, 1, n)
    d = p1 - p0
    nrm = np.array([-d[1], d[0]]) / (np.hypot(*d) + 1e-9)
    off = bow * 4 * t * (1 - t)
    if wobble > 0:
        w = np.cumsum(rng.normal(0, wobble, n))
        w -= np.linspace(w[0], w[-1], n)
        off = off + w
    return p0 + t[:, None] * d + off[:, None] * nrm


def _poly(img, pts, w):
    q = _q(pts)
    cv2.polylines(img, [q], False, 255, max(1, int(round(w))), cv2.LINE_AA, SHIFT)
    return q


def _loop(rx, ry, tilt, t0, sweep, n, rng, wob, grow=0.0, drift=(0.0, 0.0), tail=0.0):
    """A hand-drawn loop round (0, 0), px: an oval of half-axes rx (along the line) and ry, turned by tilt,
    from angle t0 through sweep (signed, radians) in n points. Its radius varies smoothly by a few % (2nd
    and 3rd harmonics, which leave the centre where it is), grows linearly by the factor grow over the
    stroke (measured from its middle) and wanders by a random walk pinned at both ends (wob per step,
    like _stroke's); the centre drifts linearly from -drift/2 to +drift/2 (0 at mid-stroke). A stroke
    past a full turn leaves the first turn's path by a factor rising to tail at its end (an overrun)."""
    u = np.linspace(0, 1, n)
    t = t0 + sweep * u
    a2, a3 = rng.uniform(0, 0.04), rng.uniform(0, 0.025)
    p2, p3 = rng.uniform(0, 2 * math.pi, 2)
    f = 1 + a2 * np.cos(2 * t + p2) + a3 * np.cos(3 * t + p3) + grow * (u - 0.5)
    if tail and abs(sweep) > 2 * math.pi:
        f = f + tail * np.clip((abs(sweep) * u - 2 * math.pi) / (abs(sweep) - 2 * math.pi), 0, 1)
    j = np.cumsum(rng.normal(0, wob, n))
    j -= np.linspace(j[0], j[-1], n)
    ex = (rx * f + j) * np.cos(t)
    ey = (ry * f + j) * np.sin(t)
    c, s = math.cos(tilt), math.sin(tilt)
    return np.c_[ex * c - ey * s + drift[0] * (u - 0.5), ex * s + ey * c + drift[1] * (u - 0.5)]


def _circled(img, kind, xt, yc, k, w, rng, ends=None):
    """A circled answer meant at xt: open_circle (one stroke round 200-330 degrees, the gap anywhere),
    overlap_circle (closed and overrun by 20-90 degrees), spiral_circle (two loose turns, the second
    10-25 % smaller or larger, the centre drifting a little). Half-width 1.5-8 mm along the line, height
    0.7-1.3 x the width, turned by up to 15 degrees, the centre 0-0.7 of the height's half above or below
    the line. ends = (left, right) of the line, px: the loop is kept inside, its centre at least its
    half-extent along the line + 1 mm from both (shrunk to fit near an end, down to a 1.5 mm half-width,
    then the centre moved). Returns the centre's x (the truth), px."""
    mm = k
    r = rng.uniform(1.5, 8) * mm
    ry = r * rng.uniform(0.7, 1.3)
    tilt = math.radians(rng.uniform(-15, 15))
    d = 1.0 if rng.random() < 0.5 else -1.0                    # direction round (either hand, either way)
    tail = 0.0
    if kind == "open_circle":
        sweep = math.radians(rng.uniform(200, 330))
        gap_at = rng.uniform(0, 2 * math.pi)                    # the middle of the gap, uniform
        t0 = gap_at + d * (2 * math.pi - sweep) / 2
        grow, drift = rng.uniform(-0.04, 0.04), (0.0, 0.0)
        turns = [1.0]
    elif kind == "overlap_circle":
        sweep = math.radians(360 + rng.uniform(20, 90))
        t0 = rng.uniform(0, 2 * math.pi)
        grow, drift = rng.uniform(-0.03, 0.03), (0.0, 0.0)
        tail = rng.uniform(0.03, 0.15) * rng.choice([-1, 1])     # the overrun runs outside or inside
        turns = [1.0]
    elif kind == "spiral_circle":
        ch = rng.uniform(0.10, 0.25)
        s2 = 1 + ch if rng.random() < 0.5 else 1 - ch           # the second turn's size / the first's
        if not 1.5 * mm <= r * s2 <= 8 * mm:
            s2 = 2 - s2
        sweep = math.radians(rng.uniform(660, 780))
        t0 = rng.uniform(0, 2 * math.pi)
        # radius factor 1 at the first turn's middle (u = 1/4), s2 at the second's (u = 3/4)
        grow = 2 * (s2 - 1)
        r, ry = r * (1 + (s2 - 1) / 2), ry * (1 + (s2 - 1) / 2)   # the factor at mid-stroke
        grow /= 1 + (s2 - 1) / 2
        dr = rng.uniform(0, 0.12) * min(r, ry)
        da = rng.uniform(0, 2 * math.pi)
        drift = (dr * math.cos(da), dr * math.sin(da))
        turns = [1 / (1 + (s2 - 1) / 2), s2 / (1 + (s2 - 1) / 2)]
    else:
        raise ValueError(kind)
    n = max(32, int(math.degrees(sweep) / 4))
    wob = 0.04 * mm * math.sqrt(14 / n)                         # about _stroke's wander over the whole loop
    pts = _loop(r, ry, tilt, t0, d * sweep, n, rng, wob, grow, drift, tail)
    dy = rng.uniform(0, 0.7) * ry * rng.choice([-1, 1])
    ext_y = np.abs(pts[:, 1]).max()
    dy = float(np.clip(dy, -(16 * mm - ext_y), 16 * mm - ext_y))   # inside the +-18 mm ink strip
    cx = xt
    if ends is not None:
        a, b = ends
        ext = np.abs(pts[:, 0]).max() + w / 2                   # half-extent along the line, ink included
        room = min(xt - a, b - xt) - 1 * mm
        if ext > room:
            sc = max(room / ext, 1.5 * mm / (r * min(turns)))
            if sc < 1:
                pts, dy = pts * sc, dy * sc
                ext = np.abs(pts[:, 0]).max() + w / 2
            cx = float(np.clip(xt, a + ext + 1 * mm, b - ext - 1 * mm))
    _poly(img, pts + [cx, yc + dy], w)
    return cx


def draw_mark(img, kind, xt, yc, k, w, line_t, rng, ends=None):
    """Draw one mark near x = xt (px) on the line centred at yc (px). k = px per mm, w = pen width px,
    line_t = printed line thickness px, ends = (left, right) of the line px if known (circled answers are
    kept inside them). Returns (truth x px, doubtful)."""
    mm = k
    wob = 0.04 * mm
    if kind in CIRCLED:
        return _circled(img, kind, xt, yc, k, w, rng, ends), False
    if kind in ("tick", "double"):
        d = rng.uniform(1.2, 2.8) * mm + line_t / 2          # vertex below the line
        ang = math.radians(rng.uniform(15, 40))
        vx = xt - d * math.tan(ang)
        vy = yc + d
        up = rng.uniform(4, 8) * mm
        long_ = _stroke((vx, vy), (vx + (d + up) * math.tan(ang), yc - up), 14, wob, rng, rng.uniform(-0.3, 0.3) * mm)
        if kind == "tick":
            sh = _stroke((vx - rng.uniform(0.6, 1.4) * mm, vy - min(d - line_t / 2 - w - 0.3 * mm, 1.0 * mm)),
                         (vx, vy), 5, wob / 2, rng)
        else:
            rise = rng.uniform(1.2, 2.5) * mm
            sh = _stroke((vx - (d + rise) * rng.uniform(0.5, 0.9), yc - rise), (vx, vy), 8, wob, rng)
        pts = np.vstack([sh, long_[1:]])
        q = _poly(img, pts, w)
        cr = _crossings(q, yc)
        if kind == "tick":
            return cr[-1], False
        return (cr[0] + cr[-1]) / 2, False
    if kind in ("slash", "vbar"):
        ang = math.radians(rng.uniform(20, 55) if kind == "slash" else rng.uniform(-8, 8))
        ang *= rng.choice([-1, 1]) if kind == "slash" and rng.random() < 0.3 else 1
        L = rng.uniform(5, 11) * mm
        f = rng.uniform(0.3, 0.7)
        dx, dy = L * math.sin(ang), L * math.cos(ang)
        pts = _stroke((xt + dx * f, yc - dy * f), (xt - dx * (1 - f), yc + dy * (1 - f)), 14, wob, rng,
                      rng.uniform(-0.4, 0.4) * mm)
        q = _poly(img, pts, w)
        cr = _crossings(q, yc)
        return cr[0], False
    if kind == "x":
        L = rng.uniform(2.5, 5) * mm
        cy = yc + rng.uniform(-0.1, 0.1) * mm
        a1, a2 = math.radians(rng.uniform(30, 60)), math.radians(rng.uniform(120, 150))
        segs = []
        for a in (a1, a2):
            dx, dy = L * math.cos(a), L * math.sin(a)
            f = rng.uniform(0.4, 0.6)
            p = np.array([[xt - dx * f, cy + dy * f], [xt + dx * (1 - f), cy - dy * (1 - f)]])
            segs.append(_poly(img, p, w).astype(float) / Q)
        (p1, p2), (p3, p4) = segs
        d1, d2 = p2 - p1, p4 - p3
        den = d1[0] * d2[1] - d1[1] * d2[0]
        t = ((p3[0] - p1[0]) * d2[1] - (p3[1] - p1[1]) * d2[0]) / den
        return float(p1[0] + t * d1[0]), False
    if kind == "dot":
        r = rng.uniform(0.5, 1.1) * mm
        cx = round(xt * Q) / Q
        cy = yc + rng.uniform(-0.3, 0.3) * mm
        cv2.circle(img, (int(round(cx * Q)), int(round(cy * Q))), int(round(r * Q)), 255, -1, cv2.LINE_AA, SHIFT)
        return cx, False
    if kind == "touch":
        top = rng.random() < 0.75
        s = -1 if top else 1
        fy = yc + s * (line_t / 2 + w / 2 - 0.05 * mm)     # ink just reaches the line's edge
        L = rng.uniform(2.5, 5) * mm
        ang = math.radians(rng.uniform(-25, 25))
        pts = _stroke((xt + L * math.sin(ang), fy + s * L * math.cos(ang)), (xt, fy), 8, wob / 2, rng)
        q = _poly(img, pts, w)
        return q[-1, 0] / Q, False
    if kind == "circle":
        r = rng.uniform(1.6, 3.0) * mm
        n = 40
        a0 = rng.uniform(0, 2 * math.pi)
        t = a0 + np.linspace(0, 2 * math.pi * rng.uniform(1.02, 1.12), n)
        rr = r * (1 + rng.normal(0, 0.02, n))
        pts = np.c_[xt + rr * np.cos(t), yc + 0.9 * rr * np.sin(t)]
        _poly(img, pts, w)
        if rng.random() < 0.5:
            cv2.circle(img, (int(round(xt * Q)), int(round(yc * Q))), int(round(0.4 * mm * Q)), 255, -1,
                       cv2.LINE_AA, SHIFT)
        return xt, False
    if kind == "blob":
        n = 24
        t = np.linspace(0, 2 * math.pi, n, endpoint=False)
        rx, ry = rng.uniform(1.2, 2.4) * mm, rng.uniform(1.0, 1.8) * mm
        rr = 1 + rng.normal(0, 0.05, n)
        pts = np.c_[xt + rx * rr * np.cos(t), yc + ry * rr * np.sin(t)]
        q = _q(pts)
        cv2.fillPoly(img, [q], 255, cv2.LINE_AA, SHIFT)
        p = q.astype(float) / Q
        x, y = p[:, 0], p[:, 1]
        x1, y1 = np.roll(x, -1), np.roll(y, -1)
        cr = x * y1 - x1 * y
        A = cr.sum() / 2
        return float(((x + x1) * cr).sum() / (6 * A)), False
    if kind == "scribble":
        wd = rng.uniform(1.5, 3.5) * mm
        h = rng.uniform(2.5, 5) * mm
        n = int(rng.integers(5, 9))
        xs = xt - wd / 2 + wd * rng.random(2 * n)
        ys = yc + np.where(np.arange(2 * n) % 2 == 0, -h / 2, h / 2) + rng.normal(0, 0.3 * mm, 2 * n)
        q = _poly(img, np.c_[xs, ys], w)
        p = q.astype(float) / Q
        return float((p[:, 0].min() + p[:, 0].max()) / 2), True
    raise ValueError(kind)


TOOLS = {
    # name: (width mm range, darkness range, BGR colour choices, grain)
    "ballpoint": ((0.35, 0.55), (0.85, 1.0), [(150, 50, 20), (40, 30, 30), (170, 80, 30)], False),
    "felt": ((0.8, 1.3), (0.9, 1.0), [(30, 30, 30), (140, 40, 10), (40, 40, 160)], False),
    "pencil": ((0.35, 0.7), (0.45, 0.7), [(60, 60, 60)], True),
    "faint": ((0.3, 0.5), (0.28, 0.4), [(90, 90, 90)], True),
}
