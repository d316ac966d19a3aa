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
