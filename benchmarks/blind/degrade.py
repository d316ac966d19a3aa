"""What happens to a page between the printer and the reader: scanners, fax, JPEG, rotation,
phone photos (perspective, background, light, shadow, blur) and curled paper.

Geometric changes never change the truth: values are fractions of the printed line on the paper."""

from __future__ import annotations

import cv2
import numpy as np


def to_gray(img):
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def scan(img, rng, colour=False, noise=(1.5, 3.5), blur=(0.35, 0.6), skew=0.25):
    out = img if colour else to_gray(img)
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(*blur))
    if skew:
        out = rotate(out, rng.uniform(-skew, skew))
    n = rng.normal(0, rng.uniform(*noise), out.shape).astype(np.float32)
    return np.clip(out.astype(np.float32) + n, 0, 255).astype(np.uint8)


def fax(img, rng):
    g = cv2.GaussianBlur(to_gray(img), (0, 0), rng.uniform(0.4, 0.7))
    g = g.astype(np.float32) + rng.normal(0, 6, g.shape).astype(np.float32)
    thr = rng.uniform(150, 185)
    out = np.where(g < thr, 0, 255).astype(np.uint8)
    speck = rng.random(out.shape) < 2e-4
    out[speck] = 0
    return rotate(out, rng.uniform(-0.3, 0.3), interp=cv2.INTER_NEAREST)


def rotate(img, deg, interp=cv2.INTER_LINEAR):
    h, w = img.shape[:2]
    M = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    c, s = abs(M[0, 0]), abs(M[0, 1])
    nw, nh = int(h * s + w * c + 0.5), int(h * c + w * s + 0.5)
    M[0, 2] += nw / 2 - w / 2
    M[1, 2] += nh / 2 - h / 2
    bv = (255, 255, 255) if img.ndim == 3 else 255
    return cv2.warpAffine(img, M, (nw, nh), flags=interp, borderValue=bv)


def rot90(img, k):
    return np.ascontiguousarray(np.rot90(img, k))


def jpeg(img, q):
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, int(q)])
    return cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)


def _background(rng, h, w):
    kind = rng.choice(["wood", "desk", "cloth", "dark"])
    base = {"wood": (60, 105, 150), "desk": (170, 170, 165), "cloth": (120, 80, 70), "dark": (45, 45, 50)}[kind]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    small = cv2.resize(rng.normal(0, 1, (max(2, h // 40), max(2, w // 40))).astype(np.float32), (w, h))
    if kind == "wood":
        tex = np.sin(yy / rng.uniform(6, 14) + 3 * small) * 18
    elif kind == "cloth":
        tex = (np.sin(xx / 2.5) * np.sin(yy / 2.5)) * 10 + small * 8
    else:
        tex = small * 10 + rng.normal(0, 4, (h, w)).astype(np.float32)
    bg = np.empty((h, w, 3), np.float32)
    for ch in range(3):
        bg[..., ch] = base[ch] + tex
    return bg


def curl(img, rng, amp_px):
    """Bend the paper: a vertical displacement that grows towards one side (lines bow);
    columns keep their x, so fractions along a line are unchanged."""
    h, w = img.shape[:2]
    xx = np.arange(w, dtype=np.float32) / w
    side = rng.choice([0, 1])
    f = (xx if side else 1 - xx) ** 2 * amp_px
    yy = np.arange(h, dtype=np.float32) / h
    g = 0.4 + 0.6 * yy ** 1.5
    mapx = np.tile(np.arange(w, dtype=np.float32), (h, 1))
    mapy = np.arange(h, dtype=np.float32)[:, None] - f[None, :] * g[:, None]
    bv = (255, 255, 255) if img.ndim == 3 else 255
    return cv2.remap(img, mapx, mapy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=bv)


def photo(img, rng, out_long=2400, curl_amp=0.0, shadow=True, tilt=0.07):
    """A phone photo of the page: perspective, textured background, uneven light, optional
    shadow and curl, defocus blur, sensor noise and JPEG. Returns BGR."""
    if img.ndim == 2:
        img = cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if curl_amp:
        img = curl(img, rng, curl_amp * img.shape[0] / 297.0)
    h, w = img.shape[:2]
    OH, OW = out_long, int(out_long * 0.75)
    if rng.random() < 0.2:
        OH, OW = OW, OH
    fill = rng.uniform(0.72, 0.9)
    sc = min(OW * fill / w, OH * fill / h)
    pw, ph = w * sc, h * sc
    cx, cy = OW / 2 + rng.uniform(-0.04, 0.04) * OW, OH / 2 + rng.uniform(-0.04, 0.04) * OH
    base = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    ang = np.radians(rng.uniform(-8, 8))
    R = np.array([[np.cos(ang), -np.sin(ang)], [np.sin(ang), np.cos(ang)]])
    dst = base @ R.T + [cx, cy]
    dst += rng.uniform(-tilt, tilt, (4, 2)) * [pw, ph] * 0.5
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    M = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    pre = cv2.GaussianBlur(img, (0, 0), max(0.3, 0.45 / sc))
    page = cv2.warpPerspective(pre, M, (OW, OH), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), M, (OW, OH), flags=cv2.INTER_LINEAR)
    m = (mask.astype(np.float32) / 255.0)[..., None]
    bg = _background(rng, OH, OW)
    out = page.astype(np.float32) * m + bg * (1 - m)
    # uneven light: a broad gradient plus a vignette, with a warm/cool cast
    yy, xx = np.mgrid[0:OH, 0:OW].astype(np.float32)
    gx, gy = rng.uniform(-1, 1, 2)
    light = 1 + 0.18 * (gx * (xx / OW - 0.5) + gy * (yy / OH - 0.5))
    light *= 1 - 0.25 * (((xx / OW - 0.5) ** 2 + (yy / OH - 0.5) ** 2) / 0.5)
    out *= light[..., None] * rng.uniform(0.8, 1.0)
    out *= np.array([rng.uniform(0.9, 1.0), 1.0, rng.uniform(0.95, 1.05)], np.float32)
    if shadow:
        poly = np.array([[rng.uniform(-0.2, 0.4) * OW, -10], [rng.uniform(0.3, 1.1) * OW, -10],
                         [rng.uniform(0.0, 0.9) * OW, rng.uniform(0.2, 0.7) * OH]], np.int32)
        sm = np.zeros((OH, OW), np.float32)
        cv2.fillPoly(sm, [poly], 1.0)
        sm = cv2.GaussianBlur(sm, (0, 0), OW * 0.03)
        out *= (1 - rng.uniform(0.2, 0.45) * sm)[..., None]
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.5, 1.2))
    out += rng.normal(0, rng.uniform(2, 5), out.shape).astype(np.float32)
    out = np.clip(out, 0, 255).astype(np.uint8)
    return jpeg(out, rng.integers(72, 92))


# --------------------------------------------------------------------------- scanner streaks
def map_points(shape, pts, k90=0, deg=0.0):
    """Where page pixels (x, y) land after rot90(img, k90) and then rotate(img, deg) (as done above).
    shape: (h, w) of the page before both. Coordinates are pixel-edge ones (pixel j covers [j, j + 1))."""
    h, w = shape[:2]
    out = []
    for x, y in pts:
        if k90 % 4 == 1:       # np.rot90 k=1: new[i, j] = old[j, w - 1 - i]
            x, y = y, w - x
        elif k90 % 4 == 2:
            x, y = w - x, h - y
        elif k90 % 4 == 3:     # new[i, j] = old[h - 1 - j, i]
            x, y = h - y, x
        out.append((x, y))
    if k90 % 2:
        h, w = w, h
    if deg:
        M = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
        c, s = abs(M[0, 0]), abs(M[0, 1])
        nw, nh = int(h * s + w * c + 0.5), int(h * c + w * s + 0.5)
        M[0, 2] += nw / 2 - w / 2
        M[1, 2] += nh / 2 - h / 2
        # cv2 maps pixel centres; shift to centres and back
        out = [(M[0, 0] * (x - 0.5) + M[0, 1] * (y - 0.5) + M[0, 2] + 0.5,
                M[1, 0] * (x - 0.5) + M[1, 1] * (y - 0.5) + M[1, 2] + 0.5) for x, y in out]
    return out


# a dirty colour channel (BGR weights of the darkening): pink = green darkened, green = red and blue
# darkened, blue = red and green darkened (a little of the others too: dust is never a pure filter)
_TINTS = {"gray": (1.0, 1.0, 1.0), "pink": (0.15, 1.0, 0.1), "green": (1.0, 0.15, 1.0), "blue": (0.1, 0.7, 1.0)}


def _log_uniform(rng, lo, hi):
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def scanner_streaks(img, rng, dpi=300.0, n=None, targets=(), p_target=0.45, p_margin=0.15, p_light=0.3,
                    p_partial=0.3, p_tint=0.35, dark_width=(1.0, 15.0), light_width=(1.0, 6.0),
                    darkness=(0.3, 1.0)):
    """The streaks a sheet-fed scanner leaves: dust or a scratch on the glass / contact image sensor at a
    fixed sensor position, so a straight line in the feed direction, here always VERTICAL in the image
    (a page fed landscape: turn it first, streak it, leave it turned). Apply after the page's scan
    geometry (blur, skew), before sensor noise.

    n: streaks (default 1-3). Each is "dark" (dust: the pixel times 1 - darkness * profile, darkness
    30-100 %, width 1-15 px at 300 dpi; gray, or on a colour scan sometimes a pink / green / blue tint
    from one dirty colour channel; hard or soft edges; intensity varying a little along its length) or
    "light" (a dead / saturated sensor pixel: print and marks under it wiped out towards white, width 1-6 px
    at 300 dpi). Widths scale with dpi. p_partial of them start or stop at 20-80 % of the page length
    (dust picked up or lost mid-feed). Placement: with p_target through one of `targets` ((label, x, y)
    in this image's pixels: a mark, a line end; a partial streak is turned so it covers y), with p_margin
    in a margin (3-18 mm from a side), otherwise anywhere.

    Returns (image of the same dtype, shape and channels, {"streaks": [...]}): per streak kind, x_px (left
    edge, pixel-edge coordinates), width_px, darkness (dark) or strength (light), tint, edge, rows
    [y0, y1), span (full / starts / stops), at (the target's label, margin or random)."""
    h, w = img.shape[:2]
    sc = dpi / 300.0
    mm = dpi / 25.4
    n = int(n if n is not None else rng.choice([1, 2, 3], p=[0.5, 0.33, 0.17]))
    colour = img.ndim == 3 and img.shape[2] >= 3
    out = img.astype(np.float32)
    streaks = []
    for _ in range(n):
        light = rng.random() < p_light
        kind = "light" if light else "dark"
        wid = max(1.0, _log_uniform(rng, *(light_width if light else dark_width)) * sc)
        r = rng.random()
        target = None
        if targets and r < p_target:
            target = targets[int(rng.integers(len(targets)))]
            at = str(target[0])
            x0 = float(target[1]) - wid * rng.uniform(0.2, 0.8)     # the target inside the streak
        elif r < p_target + p_margin:
            at = "margin"
            d = rng.uniform(3, 18) * mm
            x0 = d if rng.random() < 0.5 else w - d - wid
        else:
            at = "random"
            x0 = rng.uniform(0, w - wid)
        x0 = float(np.clip(x0, 0, w - wid))
        # rows covered
        y0, y1, span = 0, h, "full"
        if rng.random() < p_partial:
            cut = int(rng.uniform(0.2, 0.8) * h)
            span = str(rng.choice(["starts", "stops"]))
            if target is not None:   # cover the target
                span = "starts" if target[2] >= cut else "stops"
            y0, y1 = (cut, h) if span == "starts" else (0, cut)
        # profile across the streak (pixel-edge coordinates: column j covers [j, j + 1))
        edge = str(rng.choice(["hard", "soft"]))
        sig = rng.uniform(0.6, 2.5) * sc if edge == "soft" else 0.0
        pad = int(np.ceil(3 * sig)) + 2
        u0, u1 = int(np.floor(x0)) - pad, int(np.ceil(x0 + wid)) + pad
        cols = np.arange(u0, u1, dtype=np.float32)
        prof = np.clip(np.minimum(cols + 1, x0 + wid) - np.maximum(cols, x0), 0, 1)
        if sig:
            k = np.arange(-pad, pad + 1, dtype=np.float32)
            g = np.exp(-0.5 * (k / sig) ** 2)
            prof = np.convolve(prof, g / g.sum(), mode="same")
        c0, c1 = max(0, u0), min(w, u1)
        prof = prof[c0 - u0: c1 - u0]
        # along the length: a slow variation of a few percent, a short fade-in/out at a partial end
        L = y1 - y0
        var = rng.uniform(0.0, 0.12)
        knots = rng.normal(0, 1, max(2, L // int(40 * mm) + 2)).astype(np.float32)
        along = 1 + var * cv2.resize(knots[None, :], (L, 1), interpolation=cv2.INTER_CUBIC)[0] / 2
        if span != "full":
            ramp = int(rng.uniform(0, 6) * mm)
            if ramp:
                fade = np.clip(np.arange(L, dtype=np.float32) / ramp, 0, 1)
                along *= fade if span == "starts" else fade[::-1]
        a = np.clip(along[:, None] * prof[None, :], 0, 1)         # (L, cols)
        sl = out[y0:y1, c0:c1]
        s = {"kind": kind, "x_px": round(x0, 2), "width_px": round(wid, 2), "edge": edge,
             "rows": [int(y0), int(y1)], "span": span, "at": at}
        if light:
            strength = rng.uniform(0.85, 1.0)
            white = rng.uniform(245, 255)
            a = a * strength
            if colour:
                a = a[..., None]
            sl += (white - sl) * a
            s.update(strength=round(strength, 3), tint="white")
        else:
            d = rng.uniform(*darkness)
            tint = str(rng.choice(["pink", "green", "blue"])) if colour and rng.random() < p_tint else "gray"
            if colour:
                wts = np.array(_TINTS[tint], np.float32)[: img.shape[2]]
                if img.shape[2] > 3:
                    wts = np.concatenate([wts, np.zeros(img.shape[2] - 3, np.float32)])
                sl *= 1 - d * a[..., None] * wts
            else:
                sl *= 1 - d * a
            s.update(darkness=round(d, 3), tint=tint)
        streaks.append(s)
    info = {"streaks": streaks}
    if np.issubdtype(img.dtype, np.integer):
        lim = np.iinfo(img.dtype)
        out = np.clip(np.rint(out), lim.min, lim.max)
    return out.astype(img.dtype), info
