"""Stage 2: find straight printed lines and pick the scales of a form (four for the PCOMS
forms, as many as its template declares for a clinic's own form).

Works on a binary ink image at the working resolution, at any rotation and under
perspective (straight lines stay straight; parallel lines converge). Coordinates are
(x, y) pixels of the image passed in.

A line is a connected component whose ink, binned along its main axis, is thin in most
bins (the printed stroke) and continuous from end to end; marks crossing it add a few
thick bins and do not break it. Text, header underlines, tables and page edges are
rejected by the scale selection: (four) long, nearly parallel lines of similar length,
stacked, overlapping along their length, with their ends on two straight lines.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import cv2
import numpy as np

from .regions import components_in_box

# Tuning, in units of the expected scale length L (so they hold at any resolution).
MAX_ANGLE_SPREAD_DEG = 16.0  # perspective makes the four lines converge by up to this
MIN_LENGTH_RATIO = 0.62  # shortest / longest of the four (perspective foreshortening)
MIN_GAP_FRACTION = 0.07  # lines are at least ~7 mm apart on a 100 mm line
MAX_GAP_RATIO = 4.0  # irregular spacing beyond this is not one form's stack
MIN_OVERLAP_FRACTION = 0.6  # common extent along the lines / shortest line
MAX_COMPONENT_PX = 60000  # a component of more pixels is background texture, not a line
CANDIDATES = 14  # longest segments considered for the four-line (n-line) search


@dataclass(frozen=True)
class Segment:
    """A straight (or gently bowed) printed line found in the image.

    ``p0``/``p1`` are its end points (x, y) in px, unordered; ``thickness`` its stroke
    width in px; ``bow`` the sagitta of a quadratic fit in px (curled paper).
    """

    p0: tuple[float, float]
    p1: tuple[float, float]
    thickness: float
    bow: float = 0.0
    thin_fraction: float = 1.0

    @property
    def length(self) -> float:
        return float(np.hypot(self.p1[0] - self.p0[0], self.p1[1] - self.p0[1]))

    @property
    def direction(self) -> np.ndarray:
        v = np.subtract(self.p1, self.p0)
        return v / max(np.linalg.norm(v), 1e-9)

    @property
    def midpoint(self) -> np.ndarray:
        return (np.asarray(self.p0) + np.asarray(self.p1)) / 2.0


@dataclass(frozen=True)
class ScaleSet:
    """The scales of a form, each a :class:`Segment`, in no particular order yet."""

    segments: tuple[Segment, ...]
    score: float


def binarize(ink: np.ndarray, *, threshold: float | None = None) -> np.ndarray:
    """Binary uint8 (0/1) ink mask with small gaps closed (broken bitonal lines).

    The default threshold is 0.28, lowered (down to 0.15) for a page whose darkest
    print is light gray, so faint lines are still found.
    """
    if threshold is None:
        step = max(1, ink.size // 50_000)
        darkest = float(np.percentile(ink.ravel()[::step], 99.5))
        threshold = float(np.clip(0.5 * darkest, 0.15, 0.28))
    binary = (ink > threshold).astype(np.uint8)
    return cv2.morphologyEx(binary, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))


def cut_streaks(binary: np.ndarray, *, min_run: float, max_gap: int = 2) -> np.ndarray:
    """The mask without a scanner's streaks: runs of ink down a column from the image's
    top or bottom edge, ``min_run`` px or longer (gaps up to ``max_gap`` px bridged).

    Dust on a sheet-fed scanner's sensor draws a line at one column through the whole page
    (or from where it came on or went off to the page's end): down the image, the way the
    page was fed. It joins every scale it crosses into one shape, and two or three of them,
    or a wide one, make that shape nothing like a line. Print never runs in from the page's
    top or bottom edge. Where ink stands on both sides of a streak (a scale it crosses)
    its pixels stay, so the scale stays whole. (Rows are left alone: ruled paper's rules
    run in from its sides, and cut they made stacks of lines.) The mask is returned as it
    is (not a copy) when there is nothing to cut.
    """
    sums = cv2.reduce(binary, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S).ravel()
    cand = np.flatnonzero(sums >= min_run)
    if len(cand) == 0:
        return binary
    lanes = np.ascontiguousarray(binary[:, cand])
    closed = cv2.morphologyEx(lanes, cv2.MORPH_CLOSE, np.ones((2 * max_gap + 1, 1), np.uint8))
    closed[:max_gap] = lanes[:max_gap]  # (the closing's border rows: as they are)
    closed[-max_gap:] = lanes[-max_gap:]
    n = closed.shape[0]
    empty = closed == 0
    none = ~empty.any(axis=0)
    from_top = np.where(none, n, empty.argmax(axis=0))  # run length from the first row
    from_foot = np.where(none, n, empty[::-1].argmax(axis=0))
    rows = np.arange(n)[:, None]
    cut = ((rows < from_top) & (from_top >= min_run)) | ((rows >= n - from_foot) & (from_foot >= min_run))
    if not cut.any():
        return binary
    out = binary.copy()
    cols = cand[cut.any(axis=0)]
    # the streaks (runs of adjacent columns), each left standing where ink is on both sides
    breaks = np.flatnonzero(np.diff(cols) > 1)
    for c0, c1 in zip(np.r_[cols[:1], cols[breaks + 1]], np.r_[cols[breaks], cols[-1:]], strict=True):
        lane = cut[:, (cand >= c0) & (cand <= c1)]
        left = binary[:, max(0, c0 - 2) : c0].any(axis=1)
        right = binary[:, c1 + 1 : c1 + 3].any(axis=1)
        lane &= ~np.asarray(left & right)[:, None]
        block = out[:, c0 : c1 + 1]
        block[lane] = 0
    return out


def find_segments(
    binary: np.ndarray, *, min_length: float, thin_px: float, max_gap: float
) -> list[Segment]:
    """Fit a line to every long connected component; keep the ones that are lines.

    Parameters
    ----------
    binary : ndarray of shape (M, N), uint8 0/1
    min_length : float
        Shortest segment to keep, px.
    thin_px : float
        Widest stroke that still counts as a printed line, px.
    max_gap : float
        Largest break, px, bridged when joining pieces of one line (bitonal dropouts).
    """
    n, labels, stats, _, (x0, y0) = components_in_box(binary)  # labels from (x0, y0)
    segments: list[Segment] = []
    min_piece = 0.3 * min_length
    for k, (x, y, w, h, area) in enumerate(stats.tolist()[1:], start=1):  # Python numbers: cheaper
        if np.hypot(w, h) < min_piece or area < min_piece or area > MAX_COMPONENT_PX:
            continue  # too small to be a line, or a page-sized blob (background texture)
        # its pixels in raster order (as np.nonzero lists them, at half the cost)
        ys, xs = np.divmod(np.flatnonzero(labels[y - y0 : y - y0 + h, x - x0 : x - x0 + w] == k), w)
        segments.extend(_fit_peeled(xs + x, ys + y, min_piece=min_piece, thin_px=thin_px,
                                    depth=PEEL_DEPTH if min(w, h) >= min_piece else 0))
    segments = merge_collinear(segments, max_gap=max_gap)
    return [s for s in segments if s.length >= min_length]


BIN_PX = 2.0  # bin width along a component's axis, working px
PEEL_DEPTH = 3  # lines peeled off one component, one after another, to find the lines under them


def _fit_peeled(xs: np.ndarray, ys: np.ndarray, *, min_piece: float, thin_px: float,
                depth: int) -> list[Segment]:
    """The lines of one component, and of what is left of it once they are taken away.

    One straight stroke can join several lines into one component: a scanner's streak
    running down the page through every scale, a pen stroke from line to line. Fitted
    whole, such a component gives the stroke (or nothing) and its lines are lost. So the
    pixels on the lines found are taken away, the rest split into its own components, and
    each large enough to be a line fitted again, ``depth`` times over.
    """
    found = _fit_component(xs, ys, min_length=min_piece, thin_px=thin_px)
    if depth <= 0 or not found:
        return found
    keep = np.ones(len(xs), dtype=bool)
    pts = np.column_stack([xs, ys]).astype(np.float64)
    for seg in found:
        d = seg.direction
        rel = pts - np.asarray(seg.p0)
        along = rel @ d
        across = np.abs(rel @ np.array([-d[1], d[0]]))
        keep &= ~((across <= 0.5 * seg.thickness + 1.5) & (along >= -1.0) & (along <= seg.length + 1.0))
    if keep.sum() < min_piece:
        return found
    rx, ry = xs[keep], ys[keep]
    x0, y0 = int(rx.min()), int(ry.min())
    mask = np.zeros((int(ry.max()) - y0 + 1, int(rx.max()) - x0 + 1), dtype=np.uint8)
    mask[ry - y0, rx - x0] = 1
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    for k in range(1, n):
        x, y, w, h, area = (int(v) for v in stats[k])
        if np.hypot(w, h) < min_piece or area < min_piece:
            continue
        ys_k, xs_k = np.divmod(np.flatnonzero(labels[y : y + h, x : x + w] == k), w)
        found.extend(_fit_peeled(xs_k + x + x0, ys_k + y + y0, min_piece=min_piece, thin_px=thin_px,
                                 depth=depth - 1 if min(w, h) >= min_piece else 0))
    return found


@dataclass(frozen=True)
class _Profile:
    """A component's ink binned along its principal axis ``d`` (``nrm`` across it):
    per bin the pixel count, the mean and extent across, and whether it is thin."""

    centre: np.ndarray
    d: np.ndarray
    nrm: np.ndarray
    t0: float  # axis position of the first bin's start
    tc: np.ndarray  # bin centres along the axis
    count: np.ndarray
    smean: np.ndarray
    smin: np.ndarray
    smax: np.ndarray
    present: np.ndarray
    spread: np.ndarray
    thin: np.ndarray


def _fit_component(
    xs: np.ndarray, ys: np.ndarray, *, min_length: float, thin_px: float
) -> list[Segment]:
    pts = np.column_stack([xs, ys]).astype(np.float64)
    if len(pts) > MAX_COMPONENT_PX:  # a page-sized blob (background texture): not a printed line
        return []
    # the centroid from integer sums: exact, so the very value of pts.mean(axis=0), whose
    # reduction across the rows of two columns costs ten times as much
    n = len(xs)
    prof = _profile(pts, thin_px, centre=np.array([int(np.sum(xs, dtype=np.int64)) / n,
                                                    int(np.sum(ys, dtype=np.int64)) / n]))
    if len(prof.tc) * BIN_PX < min_length or prof.thin.sum() < 0.3 * min_length / BIN_PX:
        return []
    tol = max(1.5, 0.5 * thin_px)
    coef = _centre_line(prof, tol)
    if coef is None:
        return []
    fit = np.polyval(coef, prof.tc)
    covered = prof.present & (prof.smin - tol <= fit) & (fit <= prof.smax + tol)
    thickness = float(np.median(prof.spread[prof.thin])) if prof.thin.any() else thin_px
    out = []
    for b0, b1 in _runs(covered, max_gap_bins=2):
        # the run may reach into text on the line's axis past an end, or stop short
        # under a mark: the ends are found at full resolution (measure.py), from the
        # middle of the line outwards, so only the line's position matters here
        segment = _segment(prof, coef, b0, b1, thickness, min_length)
        if segment is not None:
            out.append(segment)
    return out


def _profile(pts: np.ndarray, thin_px: float, centre: np.ndarray | None = None) -> _Profile:
    if centre is None:
        centre = pts.mean(axis=0)
    rel = pts - centre
    cov = np.cov(rel.T)
    evals, evecs = np.linalg.eigh(cov)
    d = evecs[:, 1]
    nrm = np.array([-d[1], d[0]])
    t = rel @ d
    s = rel @ nrm
    t_min = t.min()
    idx = np.floor((t - t_min) / BIN_PX).astype(np.int64)
    nb = int(idx.max()) + 1
    count = np.bincount(idx, minlength=nb).astype(np.float64)
    ssum = np.bincount(idx, weights=s, minlength=nb)
    smin = np.full(nb, np.inf)
    smax = np.full(nb, -np.inf)
    np.minimum.at(smin, idx, s)
    np.maximum.at(smax, idx, s)
    present = count > 0
    spread = np.where(present, smax - smin + 1.0, np.inf)
    return _Profile(
        centre, d, nrm, float(t_min), t_min + (np.arange(nb) + 0.5) * BIN_PX, count,
        np.where(present, ssum / np.maximum(count, 1), 0.0), smin, smax, present, spread,
        present & (spread <= thin_px),
    )


def _centre_line(prof: _Profile, tol: float) -> np.ndarray | None:
    """The line's centre across the axis as a polynomial in the axis position: straight,
    or a parabola for a bowed (curled) line; None when too few thin bins agree."""
    use = prof.thin.copy()
    tc, smean, weight = prof.tc, prof.smean, np.sqrt(prof.count)
    coef = np.zeros(2)
    resid = np.zeros_like(tc)
    for _ in range(3):  # straight first: robust against thin bits of text beside the line
        if use.sum() < 6:
            return None
        coef = np.polyfit(tc[use], smean[use], 1, w=weight[use])
        resid = np.abs(np.polyval(coef, tc) - smean)
        again = prof.thin & (resid <= tol)
        if np.array_equal(again, use):
            break  # the same bins again: another round would fit them the same
        use = again
    if use.sum() < 6:
        return None
    straight_rms = float(np.sqrt(np.mean(resid[use] ** 2)))
    curved = np.polyfit(tc[use], smean[use], 2, w=weight[use])
    curved_rms = float(np.sqrt(np.mean((np.polyval(curved, tc[use]) - smean[use]) ** 2)))
    if curved_rms < 0.7 * straight_rms and straight_rms > 0.5:  # a bowed (curled) line
        return curved
    return coef


def _runs(covered: np.ndarray, *, max_gap_bins: int) -> list[tuple[int, int]]:
    """Runs of covered bins (first, last), allowing gaps of up to ``max_gap_bins``."""
    bins = np.flatnonzero(covered)
    if len(bins) == 0:
        return []
    # a run ends where the next covered bin is further than the gap allows
    breaks = np.flatnonzero(np.diff(bins) > max_gap_bins + 1)
    firsts = np.concatenate([bins[:1], bins[breaks + 1]])
    lasts = np.concatenate([bins[breaks], bins[-1:]])
    return [(int(a), int(b)) for a, b in zip(firsts, lasts, strict=True)]


def _segment(prof: _Profile, coef: np.ndarray, b0: int, b1: int, thickness: float,
             min_length: float) -> Segment | None:
    """The run of bins b0..b1 as a segment, unless too short, too broken or too bowed."""
    length = (b1 - b0 + 1) * BIN_PX
    if length < min_length:
        return None
    thin_frac = float(prof.thin[b0 : b1 + 1].sum() / (b1 - b0 + 1))
    if thin_frac < 0.55:
        return None
    t0 = prof.t0 + b0 * BIN_PX
    t1 = prof.t0 + (b1 + 1) * BIN_PX
    s0 = np.polyval(coef, t0)
    s1 = np.polyval(coef, t1)
    bow = float(np.polyval(coef, (t0 + t1) / 2) - (s0 + s1) / 2)
    if abs(bow) > 0.06 * length:
        return None
    p0 = prof.centre + t0 * prof.d + s0 * prof.nrm
    p1 = prof.centre + t1 * prof.d + s1 * prof.nrm
    return Segment((float(p0[0]), float(p0[1])), (float(p1[0]), float(p1[1])), thickness, bow, thin_frac)


def merge_collinear(segments: list[Segment], *, max_gap: float) -> list[Segment]:
    """Join pieces of one broken line (same direction, same offset, small gap).

    The longest pieces are joined first: each round joins the first joinable pair (in
    order of length) and sorts again, until no pair is joinable.
    """
    segs = sorted(segments, key=lambda s: -s.length)
    while True:
        pair = _first_joinable(segs, max_gap)
        if pair is None:
            return segs
        i, j = pair
        segs = [s for k, s in enumerate(segs) if k not in (i, j)] + [_joined(segs[i], segs[j])]
        segs.sort(key=lambda s: -s.length)


def _first_joinable(segs: list[Segment], max_gap: float) -> tuple[int, int] | None:
    """The first pair (i < j, in row order) of pieces of one line, all pairs tested at once:
    directions within 2 degrees, both ends of j on i's axis (within i's thickness, at
    least 2 px), and at most ``max_gap`` between them along it."""
    if len(segs) < 2:
        return None
    p0 = np.array([s.p0 for s in segs], dtype=np.float64)
    p1 = np.array([s.p1 for s in segs], dtype=np.float64)
    d = np.array([s.direction for s in segs])
    nrm = np.column_stack([-d[:, 1], d[:, 0]])
    tol = np.maximum(2.0, np.array([s.thickness for s in segs]))[:, None]
    # [i, j]: j's end points relative to i's first end, along and across i's direction
    r0 = p0[None, :, :] - p0[:, None, :]
    r1 = p1[None, :, :] - p0[:, None, :]
    along0 = r0[..., 0] * d[:, None, 0] + r0[..., 1] * d[:, None, 1]
    along1 = r1[..., 0] * d[:, None, 0] + r1[..., 1] * d[:, None, 1]
    off0 = np.abs(r0[..., 0] * nrm[:, None, 0] + r0[..., 1] * nrm[:, None, 1])
    off1 = np.abs(r1[..., 0] * nrm[:, None, 0] + r1[..., 1] * nrm[:, None, 1])
    own = np.diagonal(along1)[:, None]  # i's length along its own direction
    ta0, ta1 = np.minimum(0.0, own), np.maximum(0.0, own)
    tb0, tb1 = np.minimum(along0, along1), np.maximum(along0, along1)
    gap = np.maximum(tb0 - ta1, ta0 - tb1)
    ok = (
        (np.abs(d @ d.T) >= np.cos(np.radians(2.0)))
        & (off0 <= tol) & (off1 <= tol) & (gap <= max_gap)
    )
    ok &= np.triu(np.ones_like(ok), k=1)
    if not ok.any():
        return None
    i, j = divmod(int(np.argmax(ok)), len(segs))
    return i, j


def _joined(a: Segment, b: Segment) -> Segment:
    """One segment along ``a`` spanning both pieces."""
    da = a.direction
    base = np.asarray(a.p0)
    ta = sorted([0.0, float((np.asarray(a.p1) - base) @ da)])
    tb = sorted([float((np.asarray(b.p0) - base) @ da), float((np.asarray(b.p1) - base) @ da)])
    lo, hi = min(ta[0], tb[0]), max(ta[1], tb[1])
    p0 = base + lo * da
    p1 = base + hi * da
    return Segment(
        (float(p0[0]), float(p0[1])),
        (float(p1[0]), float(p1[1])),
        max(a.thickness, b.thickness),
        a.bow,
        min(a.thin_fraction, b.thin_fraction),
    )


def _oriented(seg: Segment, ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p0, p1 = np.asarray(seg.p0), np.asarray(seg.p1)
    return (p0, p1) if (p1 - p0) @ ref >= 0 else (p1, p0)


def _collinearity(points: np.ndarray) -> float:
    """RMS distance of points from their best-fit line, px."""
    c = points - points.mean(axis=0)
    _, sv, _ = np.linalg.svd(c, full_matrices=False)
    return float(sv[-1] / np.sqrt(len(points)))


def select_scales(
    segments: list[Segment], *, expected_length: tuple[float, float] | None = None, count: int = 4
) -> ScaleSet | None:
    """Pick the ``count`` segments (four for the PCOMS forms; a clinic's own form may have
    1 to 10) that form a stack of scales, or None if none do.

    Parameters
    ----------
    segments : list of Segment
    expected_length : (min, max) px, optional
        Plausible scale length when the physical resolution is known.
    count : int
        How many lines the stack has.
    """
    cands = sorted(segments, key=lambda s: -s.length)
    if expected_length is not None:
        lo, hi = expected_length
        cands = [s for s in cands if lo <= s.length <= hi]
    cands = cands[:CANDIDATES]
    if len(cands) < count:
        return None
    longest = cands[0].length
    best: ScaleSet | None = None
    cos_max = np.cos(np.radians(MAX_ANGLE_SPREAD_DEG))
    for combo in itertools.combinations(cands, count):
        lengths = np.array([s.length for s in combo])
        if lengths.min() / lengths.max() < MIN_LENGTH_RATIO:
            continue
        ref = combo[0].direction
        dirs = [s.direction for s in combo]
        if min(abs(float(ref @ d)) for d in dirs) < cos_max:
            continue
        ends = [_oriented(s, ref) for s in combo]
        mean_dir = np.sum([e[1] - e[0] for e in ends], axis=0)
        mean_dir /= np.linalg.norm(mean_dir)
        nrm = np.array([-mean_dir[1], mean_dir[0]])
        mids = np.array([(e[0] + e[1]) / 2 for e in ends])
        offs = mids @ nrm
        order = np.argsort(offs)
        gaps = np.diff(offs[order]) if count > 1 else np.ones(1)  # one line: no spacing to judge
        mean_len = float(lengths.mean())
        if count > 1 and (gaps.min() < MIN_GAP_FRACTION * mean_len or gaps.max() / gaps.min() > MAX_GAP_RATIO):
            continue
        starts = np.array([e[0] @ mean_dir for e in ends])
        stops = np.array([e[1] @ mean_dir for e in ends])
        common = stops.min() - starts.max()
        if common < MIN_OVERLAP_FRACTION * lengths.min():
            continue
        lefts = np.array([e[0] for e in ends])
        rights = np.array([e[1] for e in ends])
        align = (_collinearity(lefts) + _collinearity(rights)) / mean_len
        score = (
            4.0 * float(np.std(np.log(lengths)))
            + 6.0 * align
            + 0.5 * float(np.log(gaps.max() / gaps.min()))
            + 0.3 * float(np.mean([1 - s.thin_fraction for s in combo]))
            - 0.5 * mean_len / longest
        )
        if best is None or score < best.score:
            best = ScaleSet(tuple(combo[i] for i in order), score)
    return best


EXTRA_END_FRACTION = 0.03  # a line whose ends lie this near (x length) the lines through the stack's ends


def continues(scales: ScaleSet, segment: Segment) -> bool:
    """Whether ``segment`` (not one of the stack's) continues the stack: as long as its
    lines, parallel, its ends on the lines through theirs, at a spacing a form could have.
    A stack of one line has nothing to continue."""
    segs = scales.segments
    if len(segs) < 2 or any(segment is t for t in segs):
        return False
    ref = segs[0].direction
    ends = [_oriented(s, ref) for s in segs]
    mean_dir = np.sum([e[1] - e[0] for e in ends], axis=0)
    mean_dir /= np.linalg.norm(mean_dir)
    nrm = np.array([-mean_dir[1], mean_dir[0]])
    lengths = np.array([s.length for s in segs])
    mean_len = float(lengths.mean())
    if not 0.95 * lengths.min() <= segment.length <= 1.05 * lengths.max():
        return False
    if abs(float(segment.direction @ mean_dir)) < np.cos(np.radians(MAX_ANGLE_SPREAD_DEG)):
        return False
    tol = EXTRA_END_FRACTION * mean_len
    a, b = _oriented(segment, mean_dir)
    for k, p in ((0, a), (1, b)):  # each end on the line through the stack's ends on that side
        pts = np.array([e[k] for e in ends])
        centre = pts.mean(axis=0)
        _, _, vt = np.linalg.svd(pts - centre)
        if abs(float((p - centre) @ np.array([-vt[0][1], vt[0][0]]))) > tol:
            return False
    offs = np.sort(np.array([(e[0] + e[1]) / 2 for e in ends]) @ nrm)
    nearest = float(np.abs(offs - float(((a + b) / 2) @ nrm)).min())
    return MIN_GAP_FRACTION * mean_len <= nearest <= MAX_GAP_RATIO * float(np.diff(offs).max())


def extra_line(scales: ScaleSet, segments: list[Segment]) -> Segment | None:
    """A segment that continues the stack (:func:`continues`): the stack is not the whole
    form (a form with more lines than were looked for), so the page goes to a person."""
    return next((s for s in segments if continues(scales, s)), None)
