"""Degradations that turn a clean rendered page into a scan, a fax or a phone photo.

Every function takes a uint8 image (``(H, W)`` gray or ``(H, W, 3)`` BGR) and a
:class:`numpy.random.Generator` where randomness is involved, and returns a new uint8
image.  Image coordinates are pixels, x right, y down.  None of these functions crops
page content: geometric transforms expand the canvas (filling with white for scans, with
background for photos).  They do not return the point mapping; ground truth stays in
relative millimetres along each line, which these transforms preserve.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["bitonal", "jpeg", "photo", "scan", "to_gray"]


def to_gray(image: np.ndarray) -> np.ndarray:
    """Convert a BGR image to a single-channel (H, W) uint8 image; gray passes through."""
    if image.ndim == 2:
        return image.copy()
    return cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)


def _to_bgr(image: np.ndarray) -> np.ndarray:
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    return image


def jpeg(image: np.ndarray, quality: int) -> np.ndarray:
    """Round-trip through JPEG at ``quality`` (0-100) with OpenCV; same shape and dtype."""
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:  # pragma: no cover - OpenCV always encodes uint8 images
        raise RuntimeError("JPEG encoding failed")
    flag = cv2.IMREAD_GRAYSCALE if image.ndim == 2 else cv2.IMREAD_COLOR
    out: np.ndarray = cv2.imdecode(buf, flag)  # type: ignore[assignment]
    return out


def _u8(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def scan(
    image: np.ndarray,
    rng: np.random.Generator,
    *,
    dpi_out: float | None = None,
    dpi_in: float = 300,
    skew_deg: float = 0.0,
    rotate90: int = 0,
    noise: float = 2.0,
    blur_sigma: float = 0.5,
    gray: bool = True,
) -> np.ndarray:
    """Simulate a sheet-fed scanner.

    Parameters
    ----------
    image : ndarray
        Clean page, uint8 gray or BGR, at ``dpi_in``.
    rng : numpy.random.Generator
        Noise source.
    dpi_out : float or None
        Output resolution, pixels per inch; ``None`` keeps ``dpi_in``.  Resampling is
        uniform, so relative positions along lines are preserved.
    dpi_in : float
        Resolution of ``image``.
    skew_deg : float
        Rotation about the image centre, degrees, positive = counter-clockwise as
        displayed; the canvas grows to keep every page pixel, new area is white.
    rotate90 : {0, 1, 2, 3}
        Counter-clockwise quarter turns (``np.rot90``), e.g. a page fed upside down is 2.
    noise : float
        Standard deviation of Gaussian sensor noise, gray levels.
    blur_sigma : float
        Optical blur, Gaussian sigma in *output* pixels (0 disables).
    gray : bool
        Return an (H, W) gray image when true, else (H, W, 3) BGR.

    Returns
    -------
    ndarray uint8
    """
    img = to_gray(image) if gray else _to_bgr(image)
    img = img.astype(np.float32)
    if dpi_out is not None and abs(dpi_out - dpi_in) > 1e-9:
        f = float(dpi_out) / float(dpi_in)
        h, w = img.shape[:2]
        size = (max(1, int(round(w * f))), max(1, int(round(h * f))))
        interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
        img = cv2.resize(img, size, interpolation=interp)
    if blur_sigma > 0:
        img = cv2.GaussianBlur(img, (0, 0), blur_sigma)
    # scanner tone curve: paper pushed towards white, slight contrast change
    gain = rng.uniform(1.0, 1.04)
    img = img * gain + rng.uniform(-2.0, 4.0)
    if skew_deg:
        h, w = img.shape[:2]
        m = cv2.getRotationMatrix2D(((w - 1) / 2.0, (h - 1) / 2.0), float(skew_deg), 1.0)
        c, s = abs(m[0, 0]), abs(m[0, 1])
        nw = int(np.ceil(w * c + h * s)) + 2
        nh = int(np.ceil(w * s + h * c)) + 2
        m[0, 2] += (nw - 1) / 2.0 - (w - 1) / 2.0
        m[1, 2] += (nh - 1) / 2.0 - (h - 1) / 2.0
        border = (255.0,) * (1 if img.ndim == 2 else 3)
        img = cv2.warpAffine(img, m, (nw, nh), flags=cv2.INTER_CUBIC,
                             borderMode=cv2.BORDER_CONSTANT, borderValue=border)
    if rotate90 % 4:
        img = np.ascontiguousarray(np.rot90(img, int(rotate90) % 4))
    if noise > 0:
        img = img + rng.normal(0.0, noise, img.shape).astype(np.float32)
    return _u8(img)


def bitonal(
    image: np.ndarray, rng: np.random.Generator, *, threshold: float | None = None
) -> np.ndarray:
    """Fax-like 1-bit page: global threshold to 0/255, plus speckle.

    Parameters
    ----------
    image : ndarray
        uint8 gray or BGR.
    rng : numpy.random.Generator
        Speckle source (and the threshold when ``threshold`` is None).
    threshold : float or None
        Gray level below which a pixel becomes black; ``None`` picks 140-180 at random
        (light pencil may vanish, as on a real fax).

    Returns
    -------
    ndarray (H, W) uint8
        Values 0 (black) and 255 (white) only.
    """
    g = to_gray(image)
    t = float(rng.uniform(140.0, 180.0)) if threshold is None else float(threshold)
    out = np.where(g < t, 0, 255).astype(np.uint8)
    n = out.size
    k = int(rng.poisson(n * 2e-5))
    if k:
        idx = rng.integers(0, n, k)
        out.reshape(-1)[idx] = 0
    k = int(rng.poisson(n * 1e-5))
    if k:
        idx = rng.integers(0, n, k)
        out.reshape(-1)[idx] = 255
    return out


# --------------------------------------------------------------------------- photo


def _background(
    rng: np.random.Generator, w: int, h: int, kind: str
) -> np.ndarray:
    """Textured background, float32 BGR (h, w, 3)."""
    sw, sh = max(8, w // 4), max(8, h // 4)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    low = cv2.resize(rng.normal(0, 1, (max(2, sh // 32), max(2, sw // 32))).astype(np.float32),
                     (sw, sh), interpolation=cv2.INTER_CUBIC)
    if kind == "wood":
        ang = rng.uniform(0, np.pi)
        along = xx * np.cos(ang) + yy * np.sin(ang)
        across = -xx * np.sin(ang) + yy * np.cos(ang)
        vlow = cv2.resize(
            rng.normal(0, 1, (max(2, sh // 96), max(2, sw // 96))).astype(np.float32),
            (sw, sh), interpolation=cv2.INTER_CUBIC)
        period = rng.uniform(10.0, 35.0)
        g = across + 0.6 * period * vlow + 0.15 * period * low
        v = (0.5 + 0.5 * np.sin(2 * np.pi * g / period)) ** 3
        fine = 0.5 + 0.5 * np.sin(2 * np.pi * g / (period / rng.uniform(5, 9)))
        plank = rng.uniform(120.0, 260.0)
        seam = np.exp(-(((across + plank * 0.37) % plank) ** 2) / 2.0)
        v = np.clip(0.65 * v + 0.25 * fine + 0.1 * (along / max(sw, sh)), 0, 1)
        dark = np.array([rng.uniform(25, 45), rng.uniform(50, 75), rng.uniform(85, 115)],
                        np.float32)
        light = np.array([rng.uniform(70, 100), rng.uniform(115, 145), rng.uniform(155, 190)],
                         np.float32)
        img = dark + (light - dark) * v[:, :, None]
        img *= (1.0 - 0.6 * seam)[:, :, None]
    elif kind == "table":
        base = rng.uniform(35, 75)
        col = np.array([base + rng.uniform(-8, 8) for _ in range(3)], np.float32)
        img = col + 6.0 * low[:, :, None]
    else:  # "noise"
        base = rng.uniform(90, 170)
        col = np.array([base + rng.uniform(-20, 20) for _ in range(3)], np.float32)
        img = col + 18.0 * low[:, :, None]
    img = cv2.resize(img.astype(np.float32), (w, h), interpolation=cv2.INTER_LINEAR)
    img += rng.normal(0, 4.0, (h, w, 1)).astype(np.float32)
    return img


def _solve_half_angle(sag: float, arc: float) -> float:
    """Half angle (rad) of a circular arc of length ``arc`` with sagitta ``sag``."""
    lo, hi = 1e-9, np.pi / 2

    def f(th: float) -> float:
        return (arc / 2.0) * (1 - np.cos(th)) / th

    if f(hi) <= sag:
        return hi
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if f(mid) < sag:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


class _Surface:
    """Paper surface in 3D: flat or bent into a circular cylinder.

    World frame (mm): X = page right, Y = page down, Z = into the table; the page centre
    is at the origin.  Height above the table is ``-Z``.
    """

    def __init__(self, pw: float, ph: float, curl: float, axis_vertical: bool, sign: float):
        self.pw, self.ph = pw, ph
        self.eb = np.array([1.0, 0.0]) if axis_vertical else np.array([0.0, 1.0])
        self.ea = np.array([0.0, 1.0]) if axis_vertical else np.array([1.0, 0.0])
        arc = pw if axis_vertical else ph
        self.curl = float(curl)
        self.sign = float(sign)
        if self.curl > 1e-3:
            self.th = _solve_half_angle(self.curl, arc)
            self.R = (arc / 2.0) / self.th
            self.hc = self.R if sign > 0 else -self.R * np.cos(self.th)

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Page mm (centred) -> world points (..., 3)."""
        s = a * self.eb[0] + b * self.eb[1]
        t = a * self.ea[0] + b * self.ea[1]
        if self.curl <= 1e-3:
            xb, h = s, np.zeros_like(s)
        else:
            al = s / self.R
            xb = self.R * np.sin(al)
            h = self.hc - self.sign * self.R * np.cos(al)
        x = xb * self.eb[0] + t * self.ea[0]
        y = xb * self.eb[1] + t * self.ea[1]
        return np.stack([x, y, -h], axis=-1)

    def intersect(self, c: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rays ``c + lam * d`` (d: (..., 3)) -> centred page mm (a, b); NaN on a miss."""
        cb = c[0] * self.eb[0] + c[1] * self.eb[1]
        ca = c[0] * self.ea[0] + c[1] * self.ea[1]
        db = d[..., 0] * self.eb[0] + d[..., 1] * self.eb[1]
        da = d[..., 0] * self.ea[0] + d[..., 1] * self.ea[1]
        h0, dh = -c[2], -d[..., 2]
        if self.curl <= 1e-3:
            lam = -h0 / dh
            s = cb + lam * db
        else:
            r, hc, sg = self.R, self.hc, self.sign
            qa = db**2 + dh**2
            qb = 2 * (cb * db + (h0 - hc) * dh)
            qc = cb**2 + (h0 - hc) ** 2 - r**2
            disc = qb**2 - 4 * qa * qc
            sq = np.sqrt(np.maximum(disc, 0.0))
            best = np.full(db.shape, np.nan)
            best_s = np.full(db.shape, np.nan)
            for root in ((-qb + sq) / (2 * qa), (-qb - sq) / (2 * qa)):
                xb = cb + root * db
                hh = h0 + root * dh
                cos_part = sg * (hc - hh)
                al = np.arctan2(xb, cos_part)
                ok = (disc >= 0) & (root > 0) & (cos_part > 0) & (np.abs(al) <= self.th + 1e-9)
                take = ok & (np.isnan(best) | (root < best))
                best = np.where(take, root, best)
                best_s = np.where(take, r * al, best_s)
            # beyond the arc the surface continues along its end tangents, so the inverse
            # map stays continuous (no interpolation artefacts at the page border)
            half = r * self.th
            for side in (-1.0, 1.0):
                xe, he = side * r * np.sin(self.th), hc - sg * r * np.cos(self.th)
                tx, th_ = side * np.cos(self.th), sg * np.sin(self.th)
                # solve cb + lam db = xe + q tx ; h0 + lam dh = he + q th_
                det = -db * th_ + dh * tx
                with np.errstate(divide="ignore", invalid="ignore"):
                    lam_t = (-(xe - cb) * th_ + tx * (he - h0)) / det
                    q = (db * (he - h0) - dh * (xe - cb)) / det
                ok = np.isnan(best) & (q > 0) & (lam_t > 0)
                best = np.where(ok, lam_t, best)
                best_s = np.where(ok, side * (half + q), best_s)
            lam, s = best, best_s
        t = ca + lam * da
        a = s * self.eb[0] + t * self.ea[0]
        b = s * self.eb[1] + t * self.ea[1]
        return a, b


def photo(
    image: np.ndarray,
    rng: np.random.Generator,
    *,
    tilt_deg: float = 20,
    rotation_deg: float = 0,
    coverage: float = 0.7,
    out_size: tuple[int, int] = (4000, 3000),
    curl_mm: float = 0.0,
    blur_sigma: float = 1.0,
    jpeg_quality: int = 80,
    shadow: bool = True,
    color_cast: bool = True,
    background: str = "wood",
) -> np.ndarray:
    """Simulate a phone photo of a page lying on a table.

    The page is modelled in 3D (flat, or bent into a cylinder whose sagitta is
    ``curl_mm``, preserving arc length so the curl both bends lines and foreshortens
    them), viewed by a pinhole camera tilted by a random angle up to ``tilt_deg`` in a
    random direction, rotated in the image plane by ``rotation_deg``, and scaled so the
    page's bounding box spans ``coverage`` of the frame along the limiting dimension.
    The whole page is always inside the frame.

    Parameters
    ----------
    image : ndarray
        Clean page, uint8 gray or BGR.  Its physical size is assumed to be A4-like: the
        longer side is taken as 297 mm (only ratios matter).
    rng : numpy.random.Generator
        Source of every random choice.
    tilt_deg : float
        Maximum camera tilt from the page normal, degrees.
    rotation_deg : float
        In-plane rotation of the page in the photo, degrees, positive = counter-clockwise
        as displayed.
    coverage : float
        Fraction (0-1) of the frame's width or height (whichever limits) spanned by the
        page's bounding box.
    out_size : (int, int)
        Output (width, height), pixels.
    curl_mm : float
        Sag of the paper bend in mm (0 = flat); the bend axis (along the page's width or
        height) and its sense (edges up or middle up) are random.
    blur_sigma : float
        Defocus blur, Gaussian sigma in output pixels.
    jpeg_quality : int
        JPEG quality of the final encode/decode; 0 or >100 disables.
    shadow : bool
        Add a soft shadow across part of the frame.
    color_cast : bool
        Apply a random white-balance error.
    background : {"wood", "noise", "table", "random"}
        Background texture.

    Returns
    -------
    ndarray (H, W, 3) uint8
        BGR photo with ``(W, H) == out_size``.
    """
    page = _to_bgr(image)
    ow, oh = int(out_size[0]), int(out_size[1])
    h_img, w_img = page.shape[:2]
    mm_per_px = 297.0 / max(h_img, w_img)
    pw, ph = w_img * mm_per_px, h_img * mm_per_px

    surf = _Surface(pw, ph, max(0.0, float(curl_mm)), bool(rng.random() < 0.5),
                    1.0 if rng.random() < 0.6 else -1.0)
    # camera
    tau = np.deg2rad(rng.uniform(0.0, max(0.0, tilt_deg)))
    phi = rng.uniform(0, 2 * np.pi)
    dist = rng.uniform(1.1, 1.6) * max(pw, ph)
    target = np.array([rng.uniform(-10, 10), rng.uniform(-10, 10), 0.0])
    cam = target + dist * np.array([np.sin(tau) * np.cos(phi), np.sin(tau) * np.sin(phi),
                                    -np.cos(tau)])
    zc = target - cam
    zc /= np.linalg.norm(zc)
    xc = np.cross(np.array([0.0, 1.0, 0.0]), zc)
    xc /= np.linalg.norm(xc)
    yc = np.cross(zc, xc)
    rot = np.stack([xc, yc, zc])  # world -> camera
    rho = np.deg2rad(rotation_deg)
    cr, sr = np.cos(rho), np.sin(rho)

    def project(pts: np.ndarray) -> np.ndarray:
        pc = (pts - cam) @ rot.T
        u, v = pc[..., 0] / pc[..., 2], pc[..., 1] / pc[..., 2]
        return np.stack([u * cr + v * sr, -u * sr + v * cr], axis=-1)

    # page outline -> scale and placement
    n = 60
    ta = np.linspace(-pw / 2, pw / 2, n)
    tb = np.linspace(-ph / 2, ph / 2, n)
    edge_a = np.concatenate([ta, np.full(n, pw / 2), ta[::-1], np.full(n, -pw / 2)])
    edge_b = np.concatenate([np.full(n, -ph / 2), tb, np.full(n, ph / 2), tb[::-1]])
    outline = project(surf.forward(edge_a, edge_b))
    lo, hi = outline.min(axis=0), outline.max(axis=0)
    bw, bh = hi - lo
    cov = float(np.clip(coverage, 0.05, 0.98))
    k = cov * min(ow / bw, oh / bh)
    slack_x = max(0.0, ow - k * bw) / 2.0
    slack_y = max(0.0, oh - k * bh) / 2.0
    ox = ow / 2.0 - k * (lo[0] + hi[0]) / 2.0 + rng.uniform(-0.7, 0.7) * slack_x
    oy = oh / 2.0 - k * (lo[1] + hi[1]) / 2.0 + rng.uniform(-0.7, 0.7) * slack_y

    # pre-shrink the page so remap does not alias
    page_px_out = k * max(bw / pw, bh / ph) * mm_per_px  # rough output px per page px
    f_pre = float(min(1.0, 1.5 * page_px_out))
    if f_pre < 0.95:
        size = (max(1, int(round(w_img * f_pre))), max(1, int(round(h_img * f_pre))))
        src = cv2.resize(page, size, interpolation=cv2.INTER_AREA)
    else:
        src, f_pre = page, 1.0
    sh_, sw_ = src.shape[:2]
    fx, fy = sw_ / w_img, sh_ / h_img

    # inverse map on a coarse grid (sample i sits where cv2.resize puts it)
    g = 4
    gw, gh = -(-ow // g), -(-oh // g)
    xs = (np.arange(gw) + 0.5) * g - 0.5
    ys = (np.arange(gh) + 0.5) * g - 0.5
    xx, yy = np.meshgrid(xs, ys)
    up, vp = (xx - ox) / k, (yy - oy) / k
    u = up * cr - vp * sr
    v = up * sr + vp * cr
    d = np.stack([u, v, np.ones_like(u)], axis=-1) @ rot  # camera -> world
    a, b = surf.intersect(cam, d)
    # page mm (centred) -> source pixel (centre convention)
    mx = ((a + pw / 2) / mm_per_px) * fx - 0.5
    my = ((b + ph / 2) / mm_per_px) * fy - 0.5
    mx = np.where(np.isnan(mx), -10.0, mx).astype(np.float32)
    my = np.where(np.isnan(my), -10.0, my).astype(np.float32)
    mx = cv2.resize(mx, (gw * g, gh * g), interpolation=cv2.INTER_LINEAR)[:oh, :ow]
    my = cv2.resize(my, (gw * g, gh * g), interpolation=cv2.INTER_LINEAR)[:oh, :ow]
    warped = cv2.remap(src, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    ones = np.ones((sh_, sw_), np.float32)
    mask = cv2.remap(ones, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=0.0)
    mask = np.clip(mask, 0.0, 1.0)

    if background == "random":
        background = str(rng.choice(["wood", "noise", "table"]))
    bg = _background(rng, ow, oh, background)
    if rng.random() < 0.4:  # a hand-coloured blob near a frame edge, under the page
        side = int(rng.integers(4))
        cx = [rng.uniform(0, ow), ow, rng.uniform(0, ow), 0][side]
        cy = [oh, rng.uniform(0, oh), 0, rng.uniform(0, oh)][side]
        short = min(ow, oh)
        axes = (int(short * rng.uniform(0.12, 0.2)), int(short * rng.uniform(0.05, 0.08)))
        skin = np.array([rng.uniform(105, 150), rng.uniform(140, 180), rng.uniform(190, 230)])
        blob = np.zeros((oh, ow), np.float32)
        ang = [90, 0, 90, 0][side] + rng.uniform(-30, 30)
        cv2.ellipse(blob, (int(cx), int(cy)), axes, ang, 0, 360, 1.0, -1)
        blob = cv2.GaussianBlur(blob, (0, 0), 6)  # type: ignore[assignment]
        blob *= 1.0 - mask  # never over the page
        bg = bg * (1 - blob[:, :, None]) + skin.astype(np.float32) * blob[:, :, None]
    # drop shadow of the page on the table
    ds = cv2.GaussianBlur(mask, (0, 0), max(2.0, 0.004 * ow))
    ds = np.roll(ds, (int(0.003 * oh), int(0.003 * ow)), axis=(0, 1))
    bg *= (1.0 - 0.35 * ds)[:, :, None]
    out = bg * (1.0 - mask[:, :, None]) + warped.astype(np.float32) * mask[:, :, None]

    # illumination: smooth gradient + vignette (+ soft shadow)
    lw_, lh_ = max(8, ow // 16), max(8, oh // 16)
    yy, xx = np.mgrid[0:lh_, 0:lw_].astype(np.float32)
    xx, yy = xx / lw_ - 0.5, yy / lh_ - 0.5
    ang = rng.uniform(0, 2 * np.pi)
    gain = 1.0 + rng.uniform(0.05, 0.18) * (xx * np.cos(ang) + yy * np.sin(ang))
    gain -= rng.uniform(0.1, 0.3) * (xx**2 + yy**2)
    if shadow:
        sm = np.zeros((lh_, lw_), np.float32)
        c = (rng.uniform(-0.2, 1.2) * lw_, rng.uniform(-0.2, 1.2) * lh_)
        axes = (int(lw_ * rng.uniform(0.3, 0.6)), int(lh_ * rng.uniform(0.3, 0.6)))
        cv2.ellipse(sm, (int(c[0]), int(c[1])), axes, rng.uniform(0, 180), 0, 360, 1.0, -1)
        sm = cv2.GaussianBlur(sm, (0, 0), max(1.0, 0.06 * lw_))  # type: ignore[assignment]
        gain -= rng.uniform(0.15, 0.35) * sm
    gain *= rng.uniform(0.85, 1.05)
    gain = cv2.resize(gain.astype(np.float32), (ow, oh), interpolation=cv2.INTER_CUBIC)
    out *= gain[:, :, None]
    if color_cast:
        out *= np.array([rng.uniform(0.82, 1.05), rng.uniform(0.93, 1.03),
                         rng.uniform(0.95, 1.12)], np.float32)
    if blur_sigma > 0:
        out = cv2.GaussianBlur(out, (0, 0), blur_sigma)
    out += rng.normal(0.0, rng.uniform(1.5, 3.5), (oh, ow, 1)).astype(np.float32)
    res = _u8(out)
    if 0 < jpeg_quality <= 100:
        res = jpeg(res, jpeg_quality)
    return res
