"""Stage 4: measure one scale line and the client's mark on it, at full resolution.

Each line is resampled into a *strip* in line coordinates: ``u`` px along the chord from
the coarse left end (the upright page's left), ``v`` px across it, positive towards the
bottom of the upright page. The strip follows a bowed line (curled paper), so the
printed line lies on ``v = 0`` in the straightened strip.

Everything here is in px of the full-resolution image; ``ppm`` is px per nominal
millimetre along this line (line length in px / the form's line length: 100 mm for the
PCOMS forms, the template's ``line_length_mm`` for a clinic's own form).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np

from .ink import ink_map
from .regions import components

# Tuning constants, in millimetres of a nominal 100 mm line.
STRAIGHT_PX = 0.25  # a line bowing less than this (px) is straight
STRIP_MARGIN_MM = 10.0  # sampled beyond each end of the line
STRIP_HALF_HEIGHT_MM = 9.0  # sampled above and below the line
MARK_ZONE_MM = 8.0  # ink further from the line than this is not a mark on it
SPREAD_ROWS_MM = 2.5  # how wide a mark is: its ink this near the line (a printed word it ran into is further)
THROUGH_TOL_MM = 1.0  # a stroke through the lines' zones, at the same place within this...
THROUGH_MAX_WIDTH_MM = 3.0  # ...and narrow (a streak, a fold): not a client's mark...
THROUGH_MIN_LINES = 2  # ...on this many lines
TOUCH_GAP_MM = 0.35  # ink this close to the line's edge touches it
CROSS_ROWS_MM = 1.0  # rows next to the line used to find where a stroke crosses it
FOOT_CLUSTER_GAP_MM = 1.3  # strokes meeting the line closer than this are one mark
STROKE_LEAN_TOL = 0.5  # the two halves of a stroke split by the line lean alike, within this (along/across)
STROKE_CROSS_TOL_MM = 0.8  # ...and cross the line's centre this near each other...
STROKE_ELONGATION = 6.0  # ...each a stroke: its pixels' spread along its axis this many times across...
STROKE_MIN_LENGTH_MM = 2.0  # ...over at least this length (a dot or a blob is not one)
TWO_STROKES_APART_MM = 1.5  # two straight strokes, each across the line, crossing it this far apart: two marks
STROKE_PIECE_ELONGATION = 2.5  # (each piece of them spread this many times further along than across)
X_SPLIT_GAP_MM = 3.0  # an X parted by a thick line: its two halves' feet at most this far apart...
X_ARM_LEAN = 0.5  # ...each arm leaning out at least this much (along per across: under ~63 degrees)
CROSS_MEET_MM = 0.5  # pieces of ink on either side meeting the line this near (+ its width): one stroke
END_COVER_PAD_MM = 0.25  # a mark whose footprint reaches this near an end covers it
COVER_MAX_SHIFT_MM = 2.0  # a covered end moves at most this far
END_TICK_MM = 0.8  # a printed end tick stands within this of the line's end
END_TOUCH_MM = 0.5  # a blob touching the line's rows further than this past an end is not on it
MIN_MARK_AREA_MM2 = 0.25  # smaller specks are dust or scanner noise (a mark's total ink)
MIN_TOUCH_AREA_MM2 = 0.06  # pieces of a mark next to the line (a dot on thick print)
WORD_MIN_MM = 6.0  # a blob this long along the line...
WORD_ASPECT = 3.0  # ...and this many times longer than tall...
WORD_CLEAR_MM = 2.0  # ...this far from the line's centre is printed words run together
TEXT_GAP_MM = 4.0  # letters and words of one printed label are closer than this
MIN_NEAR_MARK_AREA_MM2 = 1.0  # a stray blob near the line must be at least this big
END_SEARCH_MM = 8.0  # the refined end lies within this of the coarse end
MAX_DROPOUT_MM = 0.6  # breaks in a printed line (bitonal scans) shorter than this are bridged
PRINT_MATCH_MM = 0.6  # a blob repeated at the same place on other lines is print...
PRINT_SIZE_MM = 0.5  # ...with the same size (or within 30 %)
PRINT_WITHIN_MM = 0.3  # ...or inside a bigger blob there (merged with other print) by this
PRINT_SCALE_OUTLIER = 0.1  # a line's scale this far off the others' is a stretched line's
PRINT_CLEAR_MM = 3.0  # ink this clear of the line, overlapping print of its height on two other lines, is print
PRINT_TWINS = 2  # a blob with a twin on this many other lines is print (on a form of two lines: the other)...
PRINT_TWO_LINE_END_MM = 6.0  # ...there, only an exact twin this near an end of the line
MARK_INK = 0.22  # ink level counted as pen (pencil is faint)
CORE_MIN_INK = 0.1  # a line's core holds at least this ink (a photo's faint 3-px line: 0.14 over its 5 core rows)
FAINT_INK = 0.1  # on a line with nothing at MARK_INK, ink this dark is looked at again...
FAINT_NOISE_K = 6.0  # ...or the paper's median and this many robust SDs of its variation, if more...
FAINT_MAX_INK = 0.2  # ...up to this (just under MARK_INK: a grainy scan's faint marks are still found)
THICK_EXCESS = 0.5  # a line this much darker across (50 %) than its median...
THICK_EXCESS_MIN = 0.2  # ...or only 20 % on a line whose darkness is even along it...
THICK_MIN_EXTRA_MM = 0.12  # ...(or less on a thick line: this much more ink across it)...
THICK_CLEAR_EXTRA_MM = 0.15  # (a thick line's dot is clear with this much more ink across, see THICK_CLEAR...
THICK_LINE_DOT_MIN_MM = 0.85  # ...and this long at 15 % of its height, see THICK_DOT_MIN_MM)
THICK_FOOT_SHARE = 0.15  # (where a bump's length is taken on a thick line: this share of its peak)
THICK_NOISE_K = 6.0  # ...(the bump at least this many robust SDs of that variation)
THICK_MIN_MM = 0.5  # ...over at least this length holds something: a small mark?
THICK_END_MM = 1.5  # not counted this near an end with printed end ticks...
THICK_BARE_END_MM = 0.6  # ...or this near a bare end (where the print's edge fades)
THICK_CLEAR = 0.25  # a bump at least this much (25 %) darker across than the line...
THICK_REST_SHARE = 0.25  # ...with nothing elsewhere on the line a quarter as high...
THICK_ALONE_MM = 3.0  # ...(further than this from it)...
THICK_DOT_MAX_MM = 4.0  # ...and no longer than a dot: a client's dot, read as the mark
THICK_DOT_MIN_MM = 0.8  # (a shorter bump may be a speck of dust or toner)
END_DOT_GUARD_MM = 0.3  # a dot by an end stroke, seen whole, ends this far inside the stroke at least
THICK_DARKER = 0.15  # (its ink pen-dark off the line's core, or its core this much darker)
SMALL_DOT_EXTRA_MM = 0.045  # a bump under those floors adding this much ink across the line...
SMALL_DOT_ALONE = 4.0  # ...this many times higher than anything else on the line...
SMALL_DOT_SD = 10.0  # ...and than the line's own variation (robust SDs)...
SMALL_DOT_MIN_MM = 0.4  # ...this long at half its height: a small dot a person must look at
FAINT_STROKE_SIGMA_MM = 0.15  # a dot read from the line's thickening: the strip smoothed this much...
FAINT_STROKE_NEAR_MM = 1.5  # ...ink paler than a pen's leaving the line this near the dot's centre...
FAINT_STROKE_REACH_MM = 2.0  # ...and reaching this far from the line's centre (a dot does not)...
FAINT_LOOP_APART_MM = 1.5  # ...crossing the line again this far away: a faint circle, read at one crossing
FAINT_CROSS_REACH_MM = 1.0  # (crossing it: faint ink on both sides, reaching this far from the line's centre)
FAINT_LOOP_WINDOW_MM = 12.0  # (looked for this far either side of the reading)
FAINT_HALO_MM = 6.0  # (faint ink beside the line along this much of it is the line's own blurred edge)
END_ZONE_EXTRA_MM = 0.15  # a line's end holding this much more ink than its siblings' (mm of the line's own)...
END_ZONE_NOISE_K = 3.0  # ...and this many times their own spread holds more than print (a dot at the end)
LINE_INK = 0.30
LETTER_MAX_MM = 4.0  # printed letters touching the line are at most this tall...
END_TEXT_MM = 3.0  # ...and stand within this of an end (anchor text beside an end tick)
END_TICK_WINDOW_MM = 1.5  # a printed end stroke stands within this inside the line's end
END_TICK_NEAR_MM = 0.5  # ...and its ink leaves the line right beside it
END_TICK_MAX_WIDTH_MM = 1.6  # wider ink at an end is not a tick (a mark, a label)
END_TICK_MIN_MM = 0.6  # a tick reaches at least this far off the line, both sides together
END_TICK_WIDTH_TOL_MM = 0.3  # a tick wider than the common one by this holds a mark too
END_TICK_SHARE = 0.75  # of the ends carry one: the form prints them
END_TICK_REACH_TOL_MM = 0.8  # a tick reaching further than the common reach by this is a mark
END_TICK_PRINT_SHARE = 0.5  # a tick's ink is at least this share of the line's own (light print)...
TICK_DARKER = 0.15  # ...and at most this much darker than the line's (darker ink is a pen's)
TICK_SHIFT_MM = 0.5  # a mark over an erased end tick crossing this much elsewhere with the tick's ink: review
CURL_ROWS_MM = 4.0  # a mark's ink this near the line, above it and below it...
CURL_REACH_MM = 1.5  # ...reaching at least this far from the line on each side...
CURL_SHIFT_MM = 1.0  # ...centred this far to the same side of where it crosses: it curls round a point beside
CURL_MAX_SPAN_MM = 8.0  # (ink spread further along the line on one side is a mark run into printed words)
RING_MIN_MM, RING_MAX_MM = 3.0, 9.0  # a mark whose ink lies on a circle of this radius (smaller: _curls)...
RING_FIT = 0.2  # ...within this share of it (RMS off the circle: a hand-drawn ring is no true circle)...
RING_HOLLOW = 0.6  # ...with (next to) no ink within this share of the radius of its centre...
RING_ARC_DEG = 220.0  # ...round this much of it, centred CURL_SHIFT_MM or more along from its crossing...
RING_SEEN_ARC_DEG = 150.0  # ...or (a large ring cut off by the mark zone) this much...
RING_SEEN_SHARE = 0.55  # ...and this share of its arc within the zone...
RING_SEEN_FIT = 0.1  # ...lying closer on its circle (a check mark's V fits one to 0.15)
RING_TRIALS = 300  # circles through three of a mark's ink points tried when its ink fits none (printed words in it)
RING_BAND_MM = 0.4  # ...ink this near such a circle lies on it (or half the pen's width and RING_PEN_SLACK_MM,
RING_PEN_SLACK_MM = 0.15  # up to RING_BAND_MAX_MM: a felt pen's stroke is 1 mm wide)...
RING_BAND_MAX_MM = 0.7
RING_THROUGH = 0.1  # ...which passes where the mark crosses the line (this share of its radius outside...
RING_INSIDE = 0.3  # ...or this share inside at most, unless the mark meets the line where the circle does
RING_FOOT_MM = 0.8  # (within this) at both ends: a C whose end comes back to the line; a closed oval's side no)...
RING_GAP_DEG = 20.0  # ...and is inked round an unbroken arc (gaps this wide closed: the line's band)...
RING_TRACED_DEG = 150.0  # ...traced as a thin stroke round this much of it (the rest under print)...
RING_FLANK_MM = 0.8  # ...(a thin stroke: no more than RING_FLANK_SHARE as much ink this far beside
RING_FLANK_SHARE = 0.5  # the circle as on it; print is a wider patch)...
RINGED_ARC_DEG = 240.0  # a ring round this much of a circle (RINGED_MIN_MM in radius at least)...
RINGED_FIT = 0.12  # ...lying this close on it (RMS, share of the radius)...
RINGED_MIN_MM = 2.0
RINGED_ACROSS = 0.6  # ...with the line this near its centre (share of the radius) is read at its centre
ARC_SHORT_DEG = 120.0  # a mark's ink on a circle round this much of it (RINGED_MIN_MM in radius at least)...
ARC_SHORT_FIT = 0.07  # ...this close (RMS, share of the radius: ticks and slashes fit one no closer than 0.1)...
ARC_HALF_DEG = 180.0  # ...or round this much, this close, is an open circle whose centre is unsure:
ARC_HALF_FIT = 0.15  # review (benign marks' circles reach 160 degrees at most, or fit worse than 0.18;
# a C cut off by the mark zone fits its circle less closely: its stroke's outer edge is cut)
RING_BIN_LEAST = 3  # ...(a bin inked: this many ink pixels on the circle in it)


@dataclass(frozen=True)
class Blob:
    """A connected piece of ink near the line, in strip coordinates (px)."""

    u0: float
    u1: float
    v0: float
    v1: float
    uc: float
    vc: float
    area: float
    touching: bool
    label: int


@dataclass
class LineStrip:
    """A straightened strip around one line and what was measured on it."""

    ink: np.ndarray  # (H, W) float32, row v = row - half, column u = col - margin
    margin: int  # px before the coarse left end
    half: int  # px above/below the line
    ppm: float  # px per nominal mm
    left_u: float  # refined ends, px along the chord from the coarse left end
    right_u: float
    thickness: float  # printed stroke width, px
    band: float  # half-height of the band treated as "the line", px
    labels: np.ndarray = field(repr=False)  # blob labels of the mark mask
    origin: np.ndarray = field(default_factory=lambda: np.zeros(2), repr=False)  # coarse left end
    d: np.ndarray = field(default_factory=lambda: np.array([1.0, 0.0]), repr=False)
    bow: np.ndarray = field(default_factory=lambda: np.zeros(1), repr=False)  # per column, px
    tick_half: float = 0.0  # half-width of printed end ticks (0: none), px
    end_tick: tuple[float, float, float] | None = None  # the form's printed tick: width, reach up, down (mm)
    erased: list[tuple[int, int, int, int, np.ndarray]] = field(default_factory=list, repr=False)
    # (row0, col0, row1, col1, the ink there): end ticks' pixels as they were before erasing
    blobs: list[Blob] = field(default_factory=list)

    @property
    def length(self) -> float:
        return self.right_u - self.left_u

    def to_image(self, u: float, v: float = 0.0) -> tuple[float, float]:
        """Image (x, y) of strip point (u, v), following the line's bow."""
        col = int(np.clip(round(u + self.margin), 0, len(self.bow) - 1))
        n = np.array([-self.d[1], self.d[0]])
        p = self.origin + u * self.d + (v + float(self.bow[col])) * n
        return float(p[0]), float(p[1])

    def to_mm(self, u: float) -> float:
        """Linear nominal mm of a strip column (before any perspective correction)."""
        return 100.0 * (u - self.left_u) / self.length


def _resample(
    gray: np.ndarray, left: np.ndarray, d: np.ndarray, n: np.ndarray,
    us: np.ndarray, vs: np.ndarray, bow: np.ndarray,
) -> np.ndarray:
    """Gray values at strip points (u, v): image point left + u d + (v + bow(u)) n."""
    slope, offset = np.polyfit(us, bow, 1) if len(us) > 1 else (0.0, float(bow.mean()))
    if float(np.abs(bow - (offset + slope * us)).max()) < STRAIGHT_PX:
        # a straight line (perhaps a little off the chord): one affine warp, much faster
        # than a general remap. Strip (col, row) -> image (x, y) = origin + col e + row n
        e = d + slope * n
        origin = left + us[0] * e + (vs[0] + offset) * n
        fwd = np.array([[e[0], n[0], origin[0]], [e[1], n[1], origin[1]]], dtype=np.float64)
        return cv2.warpAffine(
            gray, fwd, (len(us), len(vs)),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE,
        )
    vv = vs[:, None] + bow[None, :]
    mx = (left[0] + us[None, :] * d[0] + vv * n[0]).astype(np.float32)
    my = (left[1] + us[None, :] * d[1] + vv * n[1]).astype(np.float32)
    return cv2.remap(gray, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def sample_strip(
    gray: np.ndarray, left: tuple[float, float], right: tuple[float, float], *, line_mm: float = 100.0
) -> LineStrip | None:
    """Resample the neighbourhood of a line, follow its bow, and refine its ends.

    Parameters
    ----------
    gray : ndarray of shape (M, N), uint8, full resolution
    left, right : (x, y)
        Coarse end points in px, oriented left to right on the upright page.
    line_mm : float
        The form's printed line length in mm (what the tuning's millimetres are of).
    """
    p0 = np.asarray(left, dtype=np.float64)
    p1 = np.asarray(right, dtype=np.float64)
    chord = float(np.linalg.norm(p1 - p0))
    if chord < 50:
        return None
    d = (p1 - p0) / chord
    n = np.array([-d[1], d[0]])
    ppm = chord / line_mm
    margin = int(round(STRIP_MARGIN_MM * ppm))
    half = int(round(STRIP_HALF_HEIGHT_MM * ppm))
    us = np.arange(-margin, int(round(chord)) + margin + 1, dtype=np.float64)
    vs = np.arange(-half, half + 1, dtype=np.float64)

    # pass 1: straight strip, locate the line's centre row in chunks along it
    raw = _resample(gray, p0, d, n, us, vs, np.zeros_like(us))
    ink = ink_map(raw, paper_window_px=int(3.0 * ppm))
    bow = _follow_line(ink, us, half, ppm, chord)
    if bow is None:
        return None
    # pass 2: straightened strip (a straight line is already straight: keep pass 1)
    if float(np.abs(bow - bow.mean()).max()) >= STRAIGHT_PX or abs(float(bow.mean())) >= STRAIGHT_PX:
        raw = _resample(gray, p0, d, n, us, vs, bow)
        ink = ink_map(raw, paper_window_px=int(3.0 * ppm))
    thickness = _thickness(ink, half, margin, chord)
    band = thickness / 2.0 + max(1.0, 0.12 * ppm)
    ends = _refine_ends(ink, half, margin, chord, thickness, ppm)
    if ends is None:
        return None
    left_u, right_u = ends
    strip = LineStrip(
        ink, margin, half, ppm, left_u, right_u, thickness, band,
        labels=np.zeros((1, 1), np.int32), origin=p0, d=d, bow=bow,
    )
    _find_blobs(strip)
    return strip


def _follow_line(
    ink: np.ndarray, us: np.ndarray, half: int, ppm: float, chord: float
) -> np.ndarray | None:
    """Per-column offset of the line's centre from the chord (quadratic in u), px."""
    search = int(min(half - 2, 4.0 * ppm))
    rows = ink[half - search : half + search + 1]
    chunk = max(8, int(4.0 * ppm))
    centres_u, centres_v, weights = [], [], []
    inside = (us >= 0) & (us <= chord)
    cols = np.flatnonzero(inside)
    for start in range(cols[0], cols[-1] - chunk // 2, chunk):
        block = rows[:, start : start + chunk]
        prof = block.sum(axis=1)
        k = int(np.argmax(prof))
        peak = prof[k]
        # the rows of the line: the run above half the peak (thick print is flat-topped)
        lo, hi = k, k + 1
        while lo > 0 and prof[lo - 1] >= 0.5 * peak:
            lo -= 1
        while hi < len(prof) and prof[hi] >= 0.5 * peak:
            hi += 1
        # a line here: 0.3 px of ink across it a column (a faint thin line blurred over
        # three rows of a photo has it, though no one row holds it)
        if float(prof[lo:hi].sum()) < 0.3 * block.shape[1]:
            continue
        lo, hi = max(0, lo - 1), min(len(prof), hi + 1)
        w = np.clip(prof[lo:hi] - 0.3 * peak, 0, None)
        if w.sum() <= 0:
            continue
        centres_v.append(float((np.arange(lo, hi) * w).sum() / w.sum()) - search)
        centres_u.append(float(us[start] + block.shape[1] / 2.0))
        weights.append(float(peak))
    if len(centres_u) < 5:
        return None
    cu, cv, cw = np.array(centres_u), np.array(centres_v), np.array(weights)
    use = np.ones(len(cu), bool)
    coef = np.zeros(3)
    for _ in range(3):
        coef = np.polyfit(cu[use], cv[use], 2, w=np.sqrt(cw[use]))
        res = np.abs(np.polyval(coef, cu) - cv)
        again = res <= max(1.0, 3.0 * float(np.median(res)))
        if again.sum() < 5:
            return None
        if np.array_equal(again, use):
            break  # the same chunks again: another round would fit them the same
        use = again
    return np.polyval(coef, us)


def _thickness(ink: np.ndarray, half: int, margin: int, chord: float) -> float:
    cols = ink[:, margin + int(0.05 * chord) : margin + int(0.95 * chord)]
    window = max(3, int(0.02 * chord))
    rows = cols[half - window : half + window + 1]
    # the median over columns ignores the few columns crossed by a mark
    prof = np.median(rows, axis=1)
    peak = float(prof.max())
    if peak <= 0:
        return 1.0
    return float(max(1.0, (prof >= 0.5 * peak).sum()))


def _refine_ends(
    ink: np.ndarray, half: int, margin: int, chord: float, thickness: float, ppm: float
) -> tuple[float, float] | None:
    """Sub-pixel ends: where the line core's ink falls to half its level.

    Walks out from the middle of the line. A break in the core is bridged only when it
    is short and the print resumes *thin* (a bitonal dropout); text standing on the
    line's axis beyond its end is tall, so the walk stops at the gap before it.
    """
    core = max(1, int(round(thickness / 2.0)))
    prof = ink[half - core : half + core + 1].mean(axis=0)
    length = int(round(chord))
    inner = prof[margin + int(0.1 * chord) : margin + int(0.9 * chord)]
    level = float(np.median(inner))
    if level < CORE_MIN_INK:
        return None
    half_level = 0.5 * level
    on: np.ndarray = np.asarray(prof >= half_level)
    # columns with ink well clear of the line (text, marks, end ticks)
    reach = int(max(2, 1.2 * ppm))
    edge = core + max(2, int(0.4 * ppm))
    above_ink = ink[half - edge - reach : half - edge] > MARK_INK
    below_ink = ink[half + edge + 1 : half + edge + 1 + reach] > MARK_INK
    tall: np.ndarray = np.asarray(above_ink.any(axis=0) | below_ink.any(axis=0))
    dropout = max(1, int(MAX_DROPOUT_MM * ppm))
    resume = max(2, int(1.0 * ppm))
    limit_lo = max(0, margin - int(END_SEARCH_MM * ppm))
    limit_hi = min(len(prof) - 1, margin + length + int(END_SEARCH_MM * ppm))

    def walk(start: int, step: int, limit: int) -> float:
        i = start
        while True:
            ahead = on[i + 1 : limit + 1] if step > 0 else on[limit:i][::-1]
            off = np.flatnonzero(~ahead)
            if len(off) == 0:
                i = limit
                break
            i = i + step * int(off[0])  # last column on the line before the gap
            nxt = i + step
            # bridge a short break if thin print resumes right after it
            if step > 0:
                window = on[nxt : nxt + dropout + 1]
            else:
                window = on[max(0, nxt - dropout) : nxt + 1][::-1]
            back = np.flatnonzero(window)
            if len(back) == 0:
                break
            j = nxt + step * int(back[0])
            run = range(j, j + step * resume, step)
            if any(not (0 <= k < len(on)) or not bool(on[k]) or bool(tall[k]) for k in run):
                break
            i = j
        j = i + step
        if not 0 <= j < len(prof):
            return float(i)
        a, b = float(prof[i]), float(prof[j])
        frac = (a - half_level) / (a - b) if a > b else 0.5
        return float(i + step * np.clip(frac, 0.0, 1.0))

    mid = margin + length // 2
    if not on[mid]:
        near = np.flatnonzero(on[mid - int(5 * ppm) : mid + int(5 * ppm)])
        if len(near) == 0:
            return None
        mid = mid - int(5 * ppm) + int(near[len(near) // 2])
    left = walk(mid, -1, limit_lo)
    right = walk(mid, +1, limit_hi)
    # column c of the strip is u = c - margin; the half-level crossing is the end
    return left - margin, right - margin


def _off_line(ink: np.ndarray, level: float, half: int, band: int, ppm: float) -> np.ndarray:
    """Where a strip's ``ink`` passes ``level`` off the line: the line's band (``band`` px
    either side of row ``half``) and what lies beyond ``MARK_ZONE_MM`` cleared (uint8 mask)."""
    zone = int(min(half, MARK_ZONE_MM * ppm))
    mask = (ink > level).astype(np.uint8)
    mask[half - band : half + band + 1] = 0
    mask[: half - zone] = 0
    mask[half + zone + 1 :] = 0
    return mask


def _find_blobs(strip: LineStrip, level: float = MARK_INK) -> None:
    ink, half, ppm = strip.ink, strip.half, strip.ppm
    n, labels, stats, cents = components(_off_line(ink, level, half, int(np.ceil(strip.band)), ppm))
    min_area = MIN_MARK_AREA_MM2 * ppm * ppm
    touch = strip.band + TOUCH_GAP_MM * ppm + 1.0
    blobs = []
    min_touch_area = MIN_TOUCH_AREA_MM2 * ppm * ppm
    # Python numbers (the same values): a strip holds dozens of specks and letters, and
    # NumPy scalars cost several times as much per operation
    stat_rows, cent_rows = stats.tolist(), cents.tolist()
    for k in range(1, n):
        x, y, w, h, area = stat_rows[k]
        if area < min_touch_area:
            continue
        v0 = y - half
        v1 = y + h - 1 - half
        near = min(abs(v0), abs(v1)) if v0 * v1 > 0 else 0.0
        if area < min_area and near > touch:
            continue
        blobs.append(
            Blob(
                u0=float(x - strip.margin),
                u1=float(x + w - 1 - strip.margin),
                v0=float(v0),
                v1=float(v1),
                uc=float(cent_rows[k][0] - strip.margin),
                vc=float(cent_rows[k][1] - half),
                area=float(area),
                touching=bool(near <= touch),
                label=k,
            )
        )
    strip.labels = labels
    strip.blobs = blobs


def mark_printed_blobs(strips: list[LineStrip]) -> list[list[Blob]]:
    """Drop blobs that are print: the same shape at the same place on other lines.

    Printed end ticks, "0"/"10" labels and graduations repeat on every scale; a client's
    mark does not. Positions and sizes are compared in nominal mm along each line; a
    blob is print when at least two other lines have its twin. On a form of two lines (a
    clinic's own) the other line's twin, the same shape at the same place, counts only
    within ``PRINT_TWO_LINE_END_MM`` of an end (where "0" and "10" are printed): with one
    line to compare, a client's mark made alike on both lines elsewhere would pass for
    print. A form of one line has no twins to compare.
    """
    needed = min(PRINT_TWINS, len(strips) - 1)
    if needed < 1:
        return [list(s.blobs) for s in strips]

    def key(k: float, s: LineStrip, b: Blob) -> np.ndarray:
        # mm along the line from its left end (sizes are mm too, whatever the line's length)
        return np.array([(b.uc - s.left_u) / k, b.vc / k, (b.u1 - b.u0 + 1) / k, (b.v1 - b.v0 + 1) / k,
                         b.area / (k * k)])

    k_all = _print_scales(strips)
    keys = [np.array([key(k, s, b) for b in s.blobs]).reshape(-1, 5)
            for k, s in zip(k_all, strips, strict=True)]
    kept: list[list[Blob]] = []
    for i, s in enumerate(strips):
        mine = keys[i]
        # twins[j][a]: blob a of this line has a twin on line j (all pairs at once)
        size_tol = np.maximum(PRINT_SIZE_MM, 0.3 * mine[:, 2:4])
        matches = np.zeros(len(mine), int)
        for j, other in enumerate(keys):
            if j == i or len(other) == 0 or len(mine) == 0:
                continue
            a, o = mine[:, None, :], other[None, :, :]
            twin = (
                (np.abs(o[..., 0] - a[..., 0]) <= PRINT_MATCH_MM)
                & (np.abs(o[..., 1] - a[..., 1]) <= PRINT_MATCH_MM)
                & (np.abs(o[..., 2] - a[..., 2]) <= size_tol[:, None, 0])
                & (np.abs(o[..., 3] - a[..., 3]) <= size_tol[:, None, 1])
                & (o[..., 4] >= 0.6 * a[..., 4])
                & (o[..., 4] <= a[..., 4] / 0.6)
            )
            # ...or part of a bigger piece of print there: a "0" that touches the anchor's
            # first letter on the other lines is one blob with it
            lo_a, hi_a = a[..., :2] - a[..., 2:4] / 2, a[..., :2] + a[..., 2:4] / 2
            lo_o, hi_o = o[..., :2] - o[..., 2:4] / 2, o[..., :2] + o[..., 2:4] / 2
            within = (
                np.all(lo_o - PRINT_WITHIN_MM <= lo_a, axis=-1) & np.all(hi_a <= hi_o + PRINT_WITHIN_MM, axis=-1)
                & (o[..., 4] >= a[..., 4])
            )
            # ...or, clear of the line (where labels, anchors and item numbers stand), any
            # print of about its height overlapping it: "2." beside "1." and "3.", an anchor's
            # last word beside the other lines' anchors, "ME" over "FAMILY" and "SCHOOL"
            beside = (
                _clear_of_line(a) & _clear_of_line(o)
                & (np.sign(o[..., 1]) == np.sign(a[..., 1]))
                & np.all(np.abs(o[..., :2] - a[..., :2]) <= (o[..., 2:4] + a[..., 2:4]) / 2 + PRINT_WITHIN_MM, axis=-1)
                & (o[..., 3] >= 0.6 * a[..., 3]) & (o[..., 3] <= a[..., 3] / 0.6)
            )
            if needed >= 2:
                matches += (twin | within | beside).any(axis=1)
            else:
                length = s.length / k_all[i]
                at_end = (mine[:, 0] <= PRINT_TWO_LINE_END_MM) | (mine[:, 0] >= length - PRINT_TWO_LINE_END_MM)
                matches += twin.any(axis=1) & at_end
        on_lo = s.left_u - END_TOUCH_MM * s.ppm
        on_hi = s.right_u + END_TOUCH_MM * s.ppm
        # ink touching the line may be a client's mark repeated on every line (all at 10,
        # say): it is kept; printed end ticks are handled by drop_end_ticks
        kept.append([b for b, m in zip(s.blobs, matches, strict=True)
                     if (b.touching and b.u1 >= on_lo and b.u0 <= on_hi) or m < needed])
    return kept


def _clear_of_line(keys: np.ndarray) -> np.ndarray:
    """Which blobs (``mark_printed_blobs`` keys, mm) stand clear of the line by at least
    ``PRINT_CLEAR_MM``."""
    return np.abs(keys[..., 1]) - keys[..., 3] / 2 >= PRINT_CLEAR_MM


def _print_scales(strips: list[LineStrip]) -> list[float]:
    """Each line's px per mm, for comparing its print with the other lines'. A line's scale
    comes from its coarse length, which a mark over its end can stretch (a circle around
    the last number): a line whose scale is more than ``PRINT_SCALE_OUTLIER`` off the
    lines' median takes that median (one form is printed at one scale)."""
    own = [s.ppm for s in strips]
    if len(own) < 3:
        return own
    common = float(np.median(own))
    return [common if abs(k / common - 1.0) > PRINT_SCALE_OUTLIER else k for k in own]


def _end_tick(strip: LineStrip, side: int) -> tuple[int, int, int, int] | None:
    """The printed tick or bar at one end of a line, found in its pixels: the columns
    whose ink leaves the line right beside it, near the end, and how far it reaches
    above and below (rows). None when the end has no such stroke.

    Only the tick's own columns are measured, so anchor text touching a bar from the
    side does not change what is found (as it does a connected blob).
    """
    ppm, half, margin = strip.ppm, strip.half, strip.margin
    end = margin + (strip.left_u if side == 0 else strip.right_u)
    inward = END_TICK_WINDOW_MM * ppm
    lo, hi = (end - 0.4 * ppm, end + inward) if side == 0 else (end - inward, end + 0.4 * ppm)
    c0, c1 = max(0, int(np.floor(lo))), min(strip.ink.shape[1], int(np.ceil(hi)) + 1)
    band = int(np.ceil(strip.band))
    near = max(2, int(round(END_TICK_NEAR_MM * ppm)))
    ink = strip.ink[:, c0:c1] > _tick_level(strip)
    above = ink[half - band - near : half - band].any(axis=0)
    beside = above | ink[half + band + 1 : half + band + 1 + near].any(axis=0)
    cols = np.flatnonzero(beside)
    if len(cols) == 0 or len(cols) > END_TICK_MAX_WIDTH_MM * ppm:
        return None

    def reach(rows: np.ndarray) -> int:
        runs = []
        for c in cols:
            off = np.flatnonzero(~rows[:, c])
            runs.append(int(off[0]) if len(off) else rows.shape[0])
        return int(np.median(runs))

    zone = int(min(half, MARK_ZONE_MM * ppm))
    up = reach(ink[half - band - zone : half - band][::-1])
    down = reach(ink[half + band + 1 : half + band + 1 + zone])
    if up + down < END_TICK_MIN_MM * ppm:
        return None
    return c0 + int(cols[0]), c0 + int(cols[-1]), up, down


def _tick_level(strip: LineStrip) -> float:
    """Ink level at which a printed end tick is looked for: pen level, or half the line's
    own darkness on light print (a thin tick of light gray print is lighter than a pen;
    found only as pen-dark specks, it is left on some ends as a "second mark")."""
    return float(np.clip(END_TICK_PRINT_SHARE * _line_level(strip), FAINT_INK, MARK_INK))


def erase_end_ticks(strips: list[LineStrip]) -> None:
    """Printed end ticks or bars out of the marks' way, before marks are looked for.

    A form either prints a stroke at its line ends or it does not: when at least
    ``END_TICK_SHARE`` of the ends carry one of a common reach, those of that reach are
    print. Their pixels (outside the line itself) are erased, the line's end is put at the
    tick's centre (the ink walk stops at its outer edge), and the tick's half-width is
    kept (``tick_half``) so that a mark beside it is measured without it. A client's mark
    at an end reaches further than the tick and is left alone. The strips' blobs are found
    again afterwards.
    """
    found = [[_end_tick(s, side) for side in (0, 1)] for s in strips]
    ticks = [(i, side, t) for i, row in enumerate(found) for side, t in enumerate(row) if t is not None]
    if len(ticks) < END_TICK_SHARE * 2 * len(strips):
        return
    width_mm = float(np.median([(t[1] - t[0] + 1) / strips[i].ppm for i, _, t in ticks]))
    up_mm = float(np.median([t[2] / strips[i].ppm for i, _, t in ticks]))
    down_mm = float(np.median([t[3] / strips[i].ppm for i, _, t in ticks]))
    for s in strips:
        s.end_tick = (width_mm, up_mm, down_mm)
    erase: list[tuple[int, int, tuple[int, int, int, int]]] = []
    for i, row in enumerate(found):
        ppm = strips[i].ppm
        for side, t in enumerate(row):
            if t is None or (t[1] - t[0] + 1) / ppm > width_mm + END_TICK_WIDTH_TOL_MM:
                continue  # no tick, or more ink there than a tick (a mark beside it): left to the mark finder
            # each side of the line on its own: a side reaching further than the common tick
            # holds more than print (a client's mark, a letter) and is left alone
            up_ok = t[2] / ppm <= up_mm + END_TICK_REACH_TOL_MM
            down_ok = t[3] / ppm <= down_mm + END_TICK_REACH_TOL_MM
            if up_ok or down_ok:
                erase.append((i, side, (t[0], t[1], t[2] if up_ok else -1, t[3] if down_ok else -1)))
    for i, side, (c0, c1, up, down) in erase:
        s = strips[i]
        band = int(np.ceil(s.band))
        pad = max(1, int(round(0.3 * s.ppm)))
        cols = (max(0, c0 - 1), c1 + 2)
        if up >= 0:
            _erase(s, max(0, s.half - band - up - pad), s.half - band, *cols)
        if down >= 0:
            _erase(s, s.half + band + 1, s.half + band + 1 + down + pad, *cols)
        centre = (c0 + c1) / 2.0 - s.margin
        if side == 0:
            s.left_u = centre
        else:
            s.right_u = centre
        s.tick_half = max(s.tick_half, (c1 - c0 + 1) / 2.0 + 1.0)
    for s in strips:
        _find_blobs(s)


def _erase(strip: LineStrip, r0: int, r1: int, c0: int, c1: int) -> None:
    """Erase strip rows r0:r1, columns c0:c1 (an end tick), keeping what was there."""
    strip.erased.append((r0, c0, r1, c1, strip.ink[r0:r1, c0:c1].copy()))
    strip.ink[r0:r1, c0:c1] = 0.0


def drop_end_ticks(strips: list[LineStrip], blobs: list[list[Blob]]) -> list[list[Blob]]:
    """Remove printed end ticks: small strokes at both ends of (nearly) every line.

    A form either prints ticks at its line ends or it does not; when at least
    ``END_TICK_SHARE`` of the ends (6 of the 8 of four lines) carry a touching blob, blobs
    there of the typical tick's height are print. A
    client's mark at an end is taller or wider than the tick it merges with, and stays.

    A printed tick is centred on the line's end, so the end is moved to the tick's
    centre (the ink walk stops at its outer edge), and the tick's columns are recorded
    on the strip (``tick_half``) so that a mark beside it is measured without it.
    """
    at_end: list[tuple[int, int, Blob]] = []
    ends_with = 0
    for i, s in enumerate(strips):
        tol = END_TICK_MM * s.ppm
        for side, end in enumerate((s.left_u, s.right_u)):
            here = [
                b for b in s.blobs
                if b.touching and b.u0 - tol <= end <= b.u1 + tol and b.u1 - b.u0 <= 2 * tol + 2
            ]
            ends_with += bool(here)
            at_end.extend((i, side, b) for b in here)
    if ends_with < END_TICK_SHARE * 2 * len(strips):
        return blobs
    heights = np.array([(b.v1 - b.v0 + 1) / strips[i].ppm for i, _, b in at_end])
    typical = float(np.median(heights))
    ticks = [(i, side, b) for (i, side, b), h in zip(at_end, heights, strict=False) if h <= 1.4 * typical + 0.3]
    for i, s in enumerate(strips):
        widths = [b.u1 - b.u0 + 1 for j, _, b in ticks if j == i]
        if widths:
            s.tick_half = float(np.median(widths)) / 2.0 + 1.0
        for side in (0, 1):
            mine = [b for j, sd, b in ticks if j == i and sd == side]
            if not mine:
                continue
            centre = float(sum(b.uc * b.area for b in mine) / sum(b.area for b in mine))
            if side == 0:
                s.left_u = centre
            else:
                s.right_u = centre
    drop = {id(b) for _, _, b in ticks}
    return [[b for b in bl if id(b) not in drop] for bl in blobs]


@dataclass(frozen=True)
class MarkCandidate:
    """One mark found on a line: where it crosses, px along the strip, and how sure."""

    u: float
    area: float
    sides: int  # 2 = ink above and below the line, 1 = one side only
    width: float  # extent along the line, px
    height: float  # extent across the line, px
    foot0: float = 0.0  # where its ink meets the line: first and last column, px
    foot1: float = 0.0
    over_tick: bool = False  # it runs over a printed end tick, and where it crosses depends on the tick's ink
    curled: bool = False  # its ink above and below the line both lie to one side of its crossing (an open circle)
    ringed: bool = False  # it rings a point on the line (an open circle, a C): read at the circle's centre
    spread: float = 0.0  # extent along the line of its ink within SPREAD_ROWS_MM of the line, px


def _is_text_like(b: Blob, blobs: list[Blob], ppm: float) -> bool:
    """True when ``b`` stands in a row of similar blobs: a printed word or label. Clear of
    the line (``PRINT_CLEAR_MM``: a label set apart from it), letters may stand further
    apart than ``TEXT_GAP_MM``, up to 2.5 letter heights (a wide font's "1.  Relationship")."""
    h = b.v1 - b.v0 + 1
    clear = abs(b.vc) - h / 2 >= PRINT_CLEAR_MM * ppm
    for o in blobs:
        if o is b:
            continue
        ho = o.v1 - o.v0 + 1
        if not 0.3 <= ho / h <= 3.0:
            continue
        overlap = min(b.v1, o.v1) - max(b.v0, o.v0) + 1
        if overlap < 0.5 * min(h, ho):
            continue
        gap = max(o.u0 - b.u1, b.u0 - o.u1)
        if gap <= (2.5 * max(h, ho) if clear else min(2.5 * max(h, ho), TEXT_GAP_MM * ppm)):
            return True
    return False


def _is_word_band(b: Blob, ppm: float) -> bool:
    """A long, low blob lying along the line well clear of it: a printed label or anchor
    whose letters blur into one piece on a photo, not a client's stray mark (compact)."""
    w, h = b.u1 - b.u0 + 1, b.v1 - b.v0 + 1
    clear = (b.v1 < 0 and -b.v1 >= WORD_CLEAR_MM * ppm) or (b.v0 > 0 and b.v0 >= WORD_CLEAR_MM * ppm)
    return clear and w >= WORD_MIN_MM * ppm and w >= WORD_ASPECT * h


def _letter_on_end_tick(b: Blob, strip: LineStrip) -> bool:
    """A printed letter touching a printed end tick (an anchor set against it): without
    the tick's columns, the blob is a letter clear of the line, not a mark on it."""
    ppm = strip.ppm
    if strip.tick_half <= 0 or b.v0 < 0 < b.v1:
        return False
    ends = (strip.left_u, strip.right_u)
    near = strip.tick_half + 1
    if min(abs(b.u0 - e) for e in ends) > near and min(abs(b.u1 - e) for e in ends) > near:
        return False
    c0, c1 = int(b.u0 + strip.margin), int(b.u1 + strip.margin) + 1
    sel = strip.labels[:, c0:c1] == b.label
    u = np.arange(c0, c1) - strip.margin
    beside = np.all([np.abs(u - e) > strip.tick_half + 1 for e in ends], axis=0)
    rows = np.flatnonzero(sel[:, beside].any(axis=1)) - strip.half
    cols = np.flatnonzero(sel[:, beside].any(axis=0))
    if len(rows) == 0:
        return False
    clear_of_line = float(np.abs(rows).min()) > strip.band + TOUCH_GAP_MM * ppm + 1.0
    h = float(rows.max() - rows.min() + 1)
    if not clear_of_line or h > LETTER_MAX_MM * ppm:
        return False
    # and it stands in a row of printed letters of its size (the anchor it ends)
    u_side = u[beside][cols]
    box = (float(u_side.min()), float(u_side.max()), float(rows.min()), float(rows.max()))
    return _letters_in_row(box, strip.blobs, ppm, skip=b, touching=False) >= 1


def _is_printed_letter(b: Blob, strip: LineStrip) -> bool:
    """A letter of printed text that touches the line near an end (anchor text set too
    close, or touching an end tick): on one side of the line only, letter-sized, and
    standing in a row of letters of its own size. A client's stroke is taller than the
    letters beside it, or crosses the line (a piece on the other side continues it: the
    arms of an X near an end, parted by the line, stand in a row like letters); in the
    middle of a line nothing is print."""
    blobs, ppm = strip.blobs, strip.ppm
    if b.v0 < 0 < b.v1 or _continued_across(b, strip):
        return False
    near_end = END_TEXT_MM * ppm
    if strip.left_u + near_end < b.u0 and b.u1 < strip.right_u - near_end:
        return False
    h = b.v1 - b.v0 + 1
    if h > LETTER_MAX_MM * ppm:
        return False
    return _letters_in_row((b.u0, b.u1, b.v0, b.v1), blobs, ppm, skip=b) >= 2


def _foot(b: Blob, strip: LineStrip) -> tuple[int, int] | None:
    """The strip columns where a touching blob meets the line (its two rows nearest it)."""
    band, half = int(np.ceil(strip.band)), strip.half
    r0, r1 = (half - band - 3, half - band) if b.vc < 0 else (half + band + 1, half + band + 4)
    c0, c1 = int(b.u0 + strip.margin), int(b.u1 + strip.margin) + 1
    cols = np.flatnonzero((strip.labels[max(0, r0):r1, c0:c1] == b.label).any(axis=0))
    return (c0 + int(cols[0]), c0 + int(cols[-1])) if len(cols) else None


def _continued_across(b: Blob, strip: LineStrip) -> bool:
    """Whether a touching blob on the other side of the line meets it where ``b`` does
    (within the line's width and ``CROSS_MEET_MM``): one stroke crossing the line, parted
    by it. Not on a printed end tick's columns (its two halves)."""
    if not b.touching:
        return False
    mine = _foot(b, strip)
    if mine is None:
        return False
    reach = 2.0 * strip.band + CROSS_MEET_MM * strip.ppm
    tick = strip.tick_half + 1.0
    for o in strip.blobs:
        if o is b or not o.touching or (o.vc < 0) == (b.vc < 0):
            continue
        theirs = _foot(o, strip)
        if theirs is None or max(theirs[0] - mine[1], mine[0] - theirs[1]) > reach:
            continue
        meet = (max(mine[0], theirs[0]) + min(mine[1], theirs[1])) / 2.0 - strip.margin
        if strip.tick_half <= 0 or min(abs(meet - strip.left_u), abs(meet - strip.right_u)) > tick:
            return True
    return False


def _letters_in_row(box: tuple[float, float, float, float], blobs: list[Blob], ppm: float, *, skip: Blob,
                    touching: bool = True) -> int:
    """How many of ``blobs`` stand beside ``box`` (u0, u1, v0, v1) as letters of its size in
    one printed row (``touching``: blobs touching the line count too)."""
    u0, u1, v0, v1 = box
    h = v1 - v0 + 1
    row = 0
    for o in blobs:
        if o is skip or (o.touching and not touching):
            continue
        ho = o.v1 - o.v0 + 1
        overlap = min(v1, o.v1) - max(v0, o.v0) + 1
        gap = max(o.u0 - u1, u0 - o.u1)
        if 0.6 <= ho / h <= 1.6 and overlap >= 0.6 * min(h, ho) and gap <= min(1.5 * max(h, ho), TEXT_GAP_MM * ppm):
            row += 1
    return row


@dataclass(frozen=True)
class Thickening:
    """A place where the line itself is thicker than along the rest of it.

    ``u``: its centre (strip px, the excess ink's centroid); ``clear``: one bump standing
    far out of the line's own variation, nowhere else on the line anything like it, the
    size of a dot, whole inside the measured part of the line: a client's dot, not a doubt.
    """

    u: float
    clear: bool


def _thickness_profile(strip: LineStrip) -> tuple[int, np.ndarray, float, float] | None:
    """(first column, ink across the line per column / its median - 1, reach in rows, that
    median: the line's ink across it, px) over the measured part of the line (its ends left
    out), or None for too short a line."""
    ppm = strip.ppm
    reach = int(np.ceil(strip.band)) + max(2, int(round(0.4 * ppm)))
    end_mm = THICK_END_MM if strip.tick_half > 0 else THICK_BARE_END_MM
    lo = strip.margin + int(strip.left_u + end_mm * ppm)
    hi = strip.margin + int(strip.right_u - end_mm * ppm)
    if hi - lo < 10 * ppm:
        return None
    inner = _ink_across(strip, reach, lo, hi)
    base = float(np.median(inner))
    if base <= 0:
        return None
    return lo, inner / base - 1.0, reach, base


def _ink_across(strip: LineStrip, reach: int, c0: int, c1: int) -> np.ndarray:
    """The ink summed across the line (``reach`` rows either side of its centre) in each of
    the strip's columns ``c0:c1``: the line's thickness profile, before it is made relative."""
    return strip.ink[strip.half - reach : strip.half + reach + 1, c0:c1].sum(axis=0)


def thickening_at(strip: LineStrip, u: float) -> float:
    """How much thicker (0.2: 20 %) the line is around strip position ``u`` (1 mm wide)."""
    prof = _thickness_profile(strip)
    if prof is None:
        return 0.0
    lo, rel, _, _ = prof
    c = int(round(u + strip.margin)) - lo
    w = max(1, int(round(0.5 * strip.ppm)))
    part = rel[max(0, c - w) : max(0, c + w + 1)]
    return float(part.max()) if len(part) else 0.0


def find_thickening(strip: LineStrip, *, min_excess: float = THICK_EXCESS_MIN,
                    besides: tuple[float, float] | None = None, stand_out: float = 1.0) -> Thickening | None:
    """Where the line itself is much thicker than along the rest of it, or None.

    A small dot (or a dot on a blurred photo) can hide inside the band taken for the
    printed line, leaving nothing outside it to find as a mark. Such a line must not be
    reported blank. The ink summed across the band (and a little beyond) per column is
    compared with its median along the line; the ends are left out (end ticks).
    ``min_excess``: the least excess that counts (a bitonal scan's jagged edges need the
    full ``THICK_EXCESS``). ``besides``: a strip range (u0, u1) left out, a mark found
    there (a second, smaller mark elsewhere is looked for). ``stand_out``: how many times
    the line's own variation (``THICK_NOISE_K`` robust SDs) a bump must pass. Returns the
    widest such place; the caller reads a clear one as the mark and sends any other to a
    person.

    On a thick line a dot adds less in proportion: there, ``THICK_MIN_EXTRA_MM`` of ink
    across the line counts as well. What that finds is clear when its peak adds
    ``THICK_CLEAR_EXTRA_MM`` of ink across the line (instead of ``THICK_CLEAR``, a share
    of it), and by the same tests as any other bump (its height over the threshold it was
    found with, nothing like it elsewhere on the line, a dot's length, pen-dark ink).
    """
    prof = _thickness_profile(strip)
    if prof is None:
        return None
    lo, rel, reach, base = prof
    if besides is not None:
        rel = rel.copy()
        rel[max(0, int(besides[0] + strip.margin) - lo) : max(0, int(besides[1] + strip.margin) + 1 - lo)] = 0.0
    # how much the line's own darkness varies along it (jagged bitonal edges, JPEG): a bump
    # must stand out of that, and at least THICK_EXCESS_MIN, at most THICK_EXCESS
    noise = stand_out * THICK_NOISE_K * 1.4826 * float(np.median(np.abs(rel)))
    found = _bump(strip, lo, rel, reach, min(THICK_EXCESS, max(min_excess, noise)))
    thick_floor = THICK_MIN_EXTRA_MM * strip.ppm / base
    if (found is None or not found.clear) and min_excess < THICK_EXCESS and thick_floor < min_excess:
        extra = _bump(strip, lo, rel, reach, min(THICK_EXCESS, max(thick_floor, noise)), thick_base=base)
        if extra is not None and (found is None or extra.clear):
            return extra
    return found


def _smoothed(rel: np.ndarray, ppm: float) -> np.ndarray:
    """A thickness profile averaged over ~0.5 mm: a bump's height, not one column's."""
    k = max(1, int(round(0.5 * ppm)))
    return np.convolve(rel, np.ones(k) / k, mode="same")


def _rest_away(smooth: np.ndarray, at: float, ppm: float) -> float:
    """The highest the smoothed profile stands further than ``THICK_ALONE_MM`` from ``at``."""
    away = np.abs(np.arange(len(smooth)) - at) > THICK_ALONE_MM * ppm
    return float(smooth[away].max()) if away.any() else 0.0


def faint_loop_through(strip: LineStrip, u: float, span: tuple[float, float] | None = None) -> bool:
    """Whether ink paler than a pen's leaves the line near ``u`` (a dot read from the line's
    thickening), runs further from the line than a dot reaches, and crosses the line (or
    its run past the end) again ``FAINT_LOOP_APART_MM`` or more away: a faint circle round
    a point of the line, read at one of its crossings instead of its centre (a faint ring
    round a line's end, its pale ink lost in the paper's grain and among the words it
    touched: read 2.4 mm off). A faint tick or slash crosses the line once, where it is
    read; a tick's short arm touching the line from one side does not cross it. ``span``:
    the strip columns where a mark found in pen ink meets the line (its feet), when the
    reading is that mark's: only what crosses the line outside them counts (a faint circle
    of which the pen level found one crossing).

    The strip is smoothed (``FAINT_STROKE_SIGMA_MM``) so that a stroke stands out of the
    grain, then held at ``FAINT_INK`` or ``FAINT_NOISE_K`` robust SDs of the smoothed
    paper, whichever is more (at most ``MARK_INK``). Where the stroke meets the line: the
    columns of the rows just beside the line's band that it fills, in runs; crossing it:
    faint ink in those rows on both sides there, of strokes reaching ``FAINT_CROSS_REACH_MM``
    from the line's centre (not the broken edge of a blurred line). A stroke joined to ink along more than
    ``FAINT_HALO_MM`` of the line (a blurred line's edge) is not looked at.
    """
    ppm, half = strip.ppm, strip.half
    # only the strip around the reading: a circle's other crossing is within its width of it
    first, last = (u, u) if span is None else span
    window = int(FAINT_LOOP_WINDOW_MM * ppm)
    c0 = max(0, int(round(first + strip.margin)) - window)
    c1 = min(strip.ink.shape[1], int(round(last + strip.margin)) + window + 1)
    margin = strip.margin - c0
    smooth = cv2.GaussianBlur(strip.ink[:, c0:c1], (0, 0), _smooth_px(strip))
    level = min(MARK_INK, max(FAINT_INK, _paper_level(smooth, half)))
    band = int(np.ceil(strip.band + 2.0 * _smooth_px(strip)))  # the line's edge, blurred as much, in its band
    n, labels, stats, _ = components(_off_line(smooth, level, half, band, ppm))
    touch = int(np.ceil(TOUCH_GAP_MM * ppm)) + 1
    beside = np.concatenate([labels[half - band - touch : half - band],  # the rows just above the band, then below
                             labels[half + band + 1 : half + band + 1 + touch]])
    at = int(round(u + margin))
    near = int(round(FAINT_STROKE_NEAR_MM * ppm))
    lo, hi = (at, at) if span is None else (int(round(span[0] + margin)), int(round(span[1] + margin)))
    leaving = set(beside[:, max(0, lo - near) : hi + near + 1].ravel().tolist()) - {0}
    reach, apart, gap = FAINT_STROKE_REACH_MM * ppm, FAINT_LOOP_APART_MM * ppm, max(1, int(round(0.5 * ppm)))
    # crossing ink: of strokes leaving the line (the broken halo of a blurred line's edge does not)
    tall = np.zeros(n, bool)
    tall[1:] = np.maximum(half - stats[1:, 1], stats[1:, 1] + stats[1:, 3] - 1 - half) >= FAINT_CROSS_REACH_MM * ppm
    above, below = tall[beside[:touch]].any(axis=0), tall[beside[touch:]].any(axis=0)
    for lab in leaving:
        _, y, _, h, _ = stats[lab]
        if half - y < reach and y + h - 1 - half < reach:
            continue
        cols = np.flatnonzero((beside == lab).any(axis=0))
        runs = np.split(cols, np.flatnonzero(np.diff(cols) > gap) + 1)
        if any(len(r) > FAINT_HALO_MM * ppm for r in runs):
            continue  # along the line: its blurred edge (a stroke joined to it cannot be told apart)
        for r in runs:
            if lo - int(r[-1]) < apart and int(r[0]) - hi < apart:
                continue  # where the reading is
            a, b = max(0, int(r[0]) - gap), int(r[-1]) + gap + 1
            if above[a:b].any() and below[a:b].any():  # it crosses the line there, as a circle does
                return True
    return False


def _end_zone(strip: LineStrip, side: int) -> tuple[np.ndarray, np.ndarray] | None:
    """The part of the line at one end that the thickening search leaves out (the printed
    end stroke and ``THICK_END_MM`` inside it): mm from the end (positive inwards) and the
    ink across the line per column, in shares of the line's own (1.0 = bare line), from the
    outermost column in."""
    prof = _thickness_profile(strip)
    if prof is None:
        return None
    base = prof[3]
    ppm = strip.ppm
    reach = int(prof[2])
    inside = (THICK_END_MM if strip.tick_half > 0 else THICK_BARE_END_MM) * ppm
    outside = max(strip.tick_half, 0.5 * ppm)
    end = strip.left_u if side == 0 else strip.right_u
    sign = 1.0 if side == 0 else -1.0
    a, b = sorted((end - sign * outside, end + sign * inside))
    c0, c1 = max(0, int(np.floor(a + strip.margin))), min(strip.ink.shape[1], int(np.ceil(b + strip.margin)) + 1)
    if c1 - c0 < 2:
        return None
    cols = _ink_across(strip, reach, c0, c1) / base
    at = sign * (np.arange(c0, c1) - strip.margin - end) / ppm
    order = np.argsort(at)  # (outermost first on both sides)
    return at[order], cols[order]


def extra_ink_at_end(strips: list[LineStrip], i: int) -> float | None:
    """Where (strip u) line ``i`` holds more ink at one of its ends than its siblings do at
    theirs, or None.

    The thickening search leaves a line's ends out (the printed end stroke is there), so a
    small dot at an end, merged with the stroke, can leave a line looking blank. The lines
    of one form are printed alike: the ink at an end (over the stroke and ``THICK_END_MM``
    inside it, per column, in shares of the line's own ink across) is compared with the
    same end of the other lines. More than ``END_ZONE_EXTRA_MM`` (of the line's own ink)
    past their median, and ``END_ZONE_NOISE_K`` times their spread, is something besides
    print; its place is the centroid of the surplus. Needs two siblings."""
    if len(strips) < 3:
        return None
    for side in (0, 1):
        zones = [_end_zone(s, side) for s in strips]
        own = zones[i]
        if own is None or any(z is None for z in zones):
            continue
        at, mine = own
        others = np.array([np.interp(at, z[0], z[1]) for j, z in enumerate(zones) if j != i and z is not None])
        typical = np.median(others, axis=0)
        step = 1.0 / strips[i].ppm
        sums = others.sum(axis=1) * step
        extra = float(mine.sum() * step - np.median(sums))
        spread = float(np.max(np.abs(sums - np.median(sums))))
        if extra < max(END_ZONE_EXTRA_MM, END_ZONE_NOISE_K * spread):
            continue
        surplus = np.clip(mine - typical, 0.0, None)
        mm = float((surplus * at).sum() / surplus.sum()) if surplus.sum() > 0 else 0.0
        end = strips[i].left_u if side == 0 else strips[i].right_u
        return end + (mm if side == 0 else -mm) * strips[i].ppm
    return None


def find_small_dot(strip: LineStrip) -> Thickening | None:
    """A bump too low for :func:`find_thickening` that still stands alone on the line, or
    None: never clear (a person looks).

    A small dot on a thick line adds little ink across it (a 1.3 mm dot on a 1 mm line:
    about 0.1 mm), under the floors a bump must pass to be read. But where the line's own
    darkness hardly varies, such a dot stands several times above anything else on it,
    and reporting the line blank would lose the client's answer. The bump (smoothed over
    0.5 mm) must add ``SMALL_DOT_EXTRA_MM`` of ink across the line, stand ``SMALL_DOT_ALONE``
    times above the rest of the line (further than ``THICK_ALONE_MM``) and ``SMALL_DOT_SD``
    robust SDs above its variation, and be a dot's length at half its height."""
    prof = _thickness_profile(strip)
    if prof is None:
        return None
    lo, rel, _, base = prof
    ppm = strip.ppm
    smooth = _smoothed(rel, ppm)
    top = int(np.argmax(smooth))
    peak = float(smooth[top])
    rest = _rest_away(smooth, top, ppm)
    sd = 1.4826 * float(np.median(np.abs(rel)))
    length = _width_at(smooth, top, 0.5)
    if (peak * base / ppm < SMALL_DOT_EXTRA_MM or peak < SMALL_DOT_ALONE * max(rest, 0.0)
            or peak < SMALL_DOT_SD * sd or not SMALL_DOT_MIN_MM * ppm <= length <= THICK_DOT_MAX_MM * ppm):
        return None
    c0 = max(0, top - length)  # its centre: the centroid of the ink above the line's own level
    w = np.clip(rel[c0 : top + length + 1], 0.0, None)
    centre = float((w * np.arange(c0, c0 + len(w))).sum() / w.sum())
    return Thickening(float(lo + centre - strip.margin), False)


def _bump(strip: LineStrip, lo: int, rel: np.ndarray, reach: float, excess: float,
          thick_base: float | None = None) -> Thickening | None:
    """The widest run of ``rel`` over ``excess`` (at least ``THICK_MIN_MM`` long), its
    centre and whether it is a clear dot (see :func:`find_thickening`).

    ``thick_base`` (the line's ink across, px) when found with a thick line's floor: the
    peak must then add ``THICK_CLEAR_EXTRA_MM`` of ink, and the dot's length is taken near
    its foot, at ``THICK_FOOT_SHARE`` of its peak (a round dot hardly wider than the line
    stands out of it along only the middle of its width; a speck of dust on the line's edge
    is as high but shorter)."""
    ppm, half = strip.ppm, strip.half
    over = np.concatenate([[False], rel > excess, [False]])
    edges = np.flatnonzero(np.diff(over.astype(np.int8)))
    runs = list(zip(edges[::2], edges[1::2], strict=True))
    wide = [(a, b) for a, b in runs if b - a >= THICK_MIN_MM * ppm]
    if not wide:
        return None
    a, b = max(wide, key=lambda r: r[1] - r[0])
    whole = a > 0 and b < len(rel)
    if not whole and len(wide) == 1:
        # cut off by an end zone: on a line with printed end strokes, seen whole up to the stroke
        seen = _into_end_zone(strip, lo, rel, a, b, reach, excess)
        if seen is not None:
            lo, rel, a, b = seen
            whole = True
    # its centre: the centroid of the ink above the line's own level, a little either side
    pad = max(1, int(round(0.5 * ppm)))
    c0, c1 = max(0, a - pad), min(len(rel), b + pad)
    w = np.clip(rel[c0:c1], 0.0, None)
    centre = float((w * np.arange(c0, c1)).sum() / w.sum()) if w.sum() > 0 else (a + b - 1) / 2.0
    # how clear: the bump's height (over ~0.5 mm) beside the rest of the line's
    smooth = _smoothed(rel, ppm)
    peak = float(smooth[a:b].max())
    rest = _rest_away(smooth, centre, ppm)
    clear_floor, length, shortest = THICK_CLEAR, b - a, THICK_DOT_MIN_MM
    if thick_base is not None:
        clear_floor, shortest = THICK_CLEAR_EXTRA_MM * ppm / thick_base, THICK_LINE_DOT_MIN_MM
        length = _width_at(rel, a + int(np.argmax(rel[a:b])), THICK_FOOT_SHARE)
    # pen ink, not a shadow or a faint streak: the bump's ink off the line's core is as dark
    # as a pen's, or its core darker than the line's own
    core = max(1, int(round(strip.thickness / 2.0)))
    r = int(reach)
    cols = strip.ink[half - r : half + r + 1, lo + a : lo + b]
    off_core = np.r_[cols[: r - core], cols[r + core + 1 :]]
    line_core = float(np.median(strip.ink[half - core : half + core + 1, lo : lo + len(rel)]))
    inked = (off_core.size > 0 and float(off_core.max()) >= MARK_INK) or (
        float(cols[r - core : r + core + 1].mean()) >= line_core + THICK_DARKER)
    clear = (
        peak >= max(clear_floor, 1.25 * excess)
        and rest <= THICK_REST_SHARE * peak
        and rest < excess
        and shortest * ppm <= length <= THICK_DOT_MAX_MM * ppm  # a dot, not a speck of dust
        and whole  # not cut off by the end zones (a mark at an end)
        and len(wide) == 1
        and inked
    )
    return Thickening(float(lo + centre - strip.margin), clear)


def _into_end_zone(strip: LineStrip, lo: int, rel: np.ndarray, a: int, b: int, reach: float, excess: float
                   ) -> tuple[int, np.ndarray, int, int] | None:
    """A bump (``rel[a:b]`` over ``excess``) that runs into the end zone the profile leaves
    out, seen whole: on a line with printed end strokes, the profile taken on into the
    zone falls back under ``excess`` before ``END_DOT_GUARD_MM`` inside the stroke and stays
    under it up to there (a dot beside the stroke, not on it, nothing else between).
    Returns the profile so extended (its first column, the profile, the bump's run in it),
    or None (a bare end, whose print fades there and may hide under the dot, or a bump that
    runs on to the stroke: a person looks)."""
    if strip.tick_half <= 0 or (a == 0 and b == len(rel)):
        return None
    ppm, margin = strip.ppm, strip.margin
    r = int(reach)
    base = float(np.median(_ink_across(strip, r, lo, lo + len(rel))))  # (as _thickness_profile has it)
    guard = strip.tick_half + END_DOT_GUARD_MM * ppm
    if a == 0:
        c0, c1 = max(0, int(np.ceil(margin + strip.left_u + guard))), lo
    else:
        c0, c1 = lo + len(rel), min(strip.ink.shape[1], int(np.floor(margin + strip.right_u - guard)) + 1)
    if c1 <= c0 or base <= 0:
        return None
    zone = _ink_across(strip, r, c0, c1) / base - 1.0
    low = zone <= excess
    if a == 0:
        if not low.any():
            return None
        start = int(np.flatnonzero(low)[-1]) + 1  # the bump's first column over excess, in the zone
        if not low[:start].all():
            return None  # more ink between it and the stroke (a skip in a dash run on to it)
        return c0, np.r_[zone, rel], start, b + len(zone)
    if not low.any():
        return None
    end = int(np.flatnonzero(low)[0])
    if not low[end:].all():
        return None
    return lo, np.r_[rel, zone], a, len(rel) + end


def _width_at(rel: np.ndarray, top: int, share: float) -> int:
    """Columns around ``top`` where ``rel`` stays at least ``share`` of its height there."""
    low = np.flatnonzero(rel < share * float(rel[top]))
    left, right = low[low < top], low[low > top]
    return (int(right[0]) if len(right) else len(rel)) - (int(left[-1]) + 1 if len(left) else 0)


def through_strokes(strips: list[LineStrip]) -> list[float]:
    """Where (linear % along the lines) a stroke runs through the whole mark zone of two
    lines or more at the same place: a scanner streak (dust on the sensor; on part of the
    page when the dust came or went mid-page), a fold, a ruled margin, or one stroke drawn
    down through two lines. A client's mark does not cross the full height of a line's zone
    (8 mm either side) on two lines in one place."""
    spans: list[list[float]] = []
    for s in strips:
        zone = min(s.half, MARK_ZONE_MM * s.ppm) - THROUGH_TOL_MM * s.ppm
        tall = [b for b in s.blobs if b.touching and (b.v0 <= -zone or b.v1 >= zone)]
        narrow = [b for b in tall if _near_line_width(s, b) <= THROUGH_MAX_WIDTH_MM * s.ppm]
        up = [s.to_mm(b.uc) for b in narrow if b.v0 <= -zone]  # the line's band parts the stroke:
        down = [s.to_mm(b.uc) for b in narrow if b.v1 >= zone]  # a piece above, one below
        spans.append([mm for mm in up if any(abs(mm - o) <= THROUGH_TOL_MM for o in down)])
    found: list[float] = []
    for mm in sorted(m for line in spans for m in line):
        if any(abs(mm - f) <= THROUGH_TOL_MM for f in found):
            continue
        if sum(any(abs(o - mm) <= THROUGH_TOL_MM for o in line) for line in spans) >= THROUGH_MIN_LINES:
            found.append(mm)
    return found


def _near_line_width(strip: LineStrip, b: Blob) -> float:
    """How wide (px) blob ``b`` is where it leaves the line (within ``CROSS_ROWS_MM`` of the
    band): a streak that ran into printed words further out is still a streak's width."""
    rows = int(np.ceil(strip.band + CROSS_ROWS_MM * strip.ppm))
    c0, c1 = int(b.u0) + strip.margin, int(b.u1) + strip.margin + 1
    half = strip.half
    near = np.r_[strip.labels[half - rows : half, c0:c1], strip.labels[half + 1 : half + rows + 1, c0:c1]]
    cols = np.flatnonzero((near == b.label).any(axis=0))
    return float(cols[-1] - cols[0]) if len(cols) else float(b.u1 - b.u0)


def faint_marks(strips: list[LineStrip], lines: list[int]) -> dict[int, tuple[list[MarkCandidate], list[Blob]]]:
    """Marks and strays on ``lines`` found again in lighter ink: a light pencil or a worn
    pen leaves a stroke paler than ``MARK_INK`` that a person sees at once.

    Looked for twice. First on the strips smoothed (``FAINT_STROKE_SIGMA_MM``: a stroke
    keeps its level, a scan's grain falls to a fraction of its own): what touches the line
    there is a mark (ink near it only is not taken from this pass: smoothed, printed words
    run together and no longer look like words). Then, for a line with no such mark, on
    the strips as they are. The level of each pass is ``FAINT_INK``, or where that is more
    the smoothed paper's median plus ``FAINT_NOISE_K`` robust SDs, and for the strips as
    they are ``FAINT_NOISE_K`` times their paper's (robust SD plus median); above
    ``FAINT_MAX_INK`` (just under ``MARK_INK``) there is nothing to gain and nothing is
    looked at. All the lines are looked at again at the same level, so that light print
    (anchor text, numbers) is still recognised as print by its twins on the other lines.
    Returns what was found per line of ``lines`` that has something; the caller sends it
    to a person. The strips themselves are unchanged.
    """
    # the paper's grain averaged out; the line's edge, blurred as much, stays in its band
    smooth = [replace(s, ink=_smooth_ink(s), band=s.band + 2.0 * _smooth_px(s)) for s in strips]
    level = max(_paper_level(s.ink, s.half) for s in smooth)
    out: dict[int, tuple[list[MarkCandidate], list[Blob]]] = {
        i: (marks, []) for i, (marks, _) in _faint_pass(smooth, lines, level).items() if marks}
    rest = [i for i in lines if i not in out]
    if rest:
        paper = FAINT_NOISE_K * max(_paper_noise(s) for s in strips)
        out.update(_faint_pass([replace(s) for s in strips], rest, paper))
    return out


def _faint_pass(again: list[LineStrip], lines: list[int], paper: float
                ) -> dict[int, tuple[list[MarkCandidate], list[Blob]]]:
    """What :func:`find_marks` finds on ``lines`` of ``again`` at ``FAINT_INK`` or ``paper``,
    whichever is more (nothing above ``FAINT_MAX_INK``)."""
    level = max(FAINT_INK, paper)
    if level > FAINT_MAX_INK:
        return {}
    for s in again:
        _find_blobs(s, level)
    blobs = drop_end_ticks(again, mark_printed_blobs(again))
    out = {}
    for i in lines:
        marks, strays = find_marks(again[i], blobs[i])
        if marks or strays:
            out[i] = (marks, strays)
    return out


def _smooth_ink(strip: LineStrip) -> np.ndarray:
    """The strip's ink smoothed over ``FAINT_STROKE_SIGMA_MM``: a stroke keeps its level,
    the paper's grain (a scan's pixel noise) falls to a fraction of it."""
    return cv2.GaussianBlur(strip.ink, (0, 0), _smooth_px(strip))


def _smooth_px(strip: LineStrip) -> float:
    return max(0.5, FAINT_STROKE_SIGMA_MM * strip.ppm)


def _paper_noise(strip: LineStrip) -> float:
    """Robust SD of the ink level on the strip's bare paper (the rows far from the line), plus its median."""
    med, sd = _paper(strip.ink, strip.half)
    return sd + med


def _paper_level(ink: np.ndarray, half: int) -> float:
    """How dark bare paper gets in a strip's ``ink`` (its rows far from the line, ``half``
    px either side of it): their median plus ``FAINT_NOISE_K`` robust SDs."""
    med, sd = _paper(ink, half)
    return med + FAINT_NOISE_K * sd


def _paper(ink: np.ndarray, half: int) -> tuple[float, float]:
    """Median and robust SD of a strip's ink on its bare paper (the outer third of rows on
    each side of the line); (0, 1) when there are none."""
    k = max(1, half // 3)
    far = np.concatenate([ink[:k].ravel(), ink[-k:].ravel()])
    if far.size == 0:
        return 0.0, 1.0
    med = float(np.median(far))
    return med, 1.4826 * float(np.median(np.abs(far - med)))


def find_marks(strip: LineStrip, blobs: list[Blob]) -> tuple[list[MarkCandidate], list[Blob]]:
    """Group touching blobs into marks and measure where each crosses the line.

    Returns the marks (sorted by ink area, largest first) and the non-text blobs near
    the line that do not touch it (stray marks a person should look at).
    """
    ppm = strip.ppm
    lo_u = strip.left_u - 3.0 * ppm
    hi_u = strip.right_u + 3.0 * ppm
    # beyond its ends there is no line to touch: ink there (end words) only crosses its rows
    on_lo = strip.left_u - END_TOUCH_MM * ppm
    on_hi = strip.right_u + END_TOUCH_MM * ppm
    touching = [
        b for b in blobs
        if b.touching and b.u1 >= on_lo and b.u0 <= on_hi and not _is_printed_letter(b, strip)
        and not _letter_on_end_tick(b, strip)
    ]
    others = [
        b
        for b in blobs
        if b not in touching
        and b.u1 >= lo_u
        and b.u0 <= hi_u
        and b.area >= MIN_NEAR_MARK_AREA_MM2 * ppm * ppm
        and not _is_text_like(b, strip.blobs, ppm)
    ]
    # feet: where each touching blob meets the line
    feet = []
    rows = int(np.ceil(CROSS_ROWS_MM * ppm))
    band = int(np.ceil(strip.band))
    half, margin = strip.half, strip.margin
    for b in touching:
        # the blob's pixels in the rows beside the line only (the rest is not looked at)
        top = strip.labels[half - band - rows : half - band] == b.label
        bot = strip.labels[half + band + 1 : half + band + 1 + rows] == b.label
        cols = np.flatnonzero(top.any(axis=0) | bot.any(axis=0))
        if len(cols) == 0:
            cols = np.array([int(b.uc + margin)])
        feet.append((float(cols.min() - margin), float(cols.max() - margin), b))
    feet.sort(key=lambda f: f[0])
    clusters: list[tuple[list[Blob], float, float]] = []
    gap = FOOT_CLUSTER_GAP_MM * ppm
    for f0, f1, b in feet:
        if clusters and f0 - clusters[-1][2] <= gap:
            members, start, stop = clusters[-1]
            clusters[-1] = (members + [b], start, max(stop, f1))
        else:
            clusters.append(([b], f0, f1))
    min_area = MIN_MARK_AREA_MM2 * ppm * ppm
    clusters = [c for c in clusters if sum(b.area for b in c[0]) >= min_area]
    # (two strokes run together are parted first: one of them may be the printed end tick)
    clusters = [part for c in clusters for part in _two_strokes(strip, c, feet)]
    if len(clusters) > 1:
        # beside a mark, what has the printed end tick's shape at an end is the tick
        # (too light, or too close to a speck, to have been erased), not a second mark
        ticks = [c for c in clusters if _tick_shaped(strip, c[0])]
        if len(ticks) < len(clusters):
            clusters = [c for c in clusters if c not in ticks]
    marks = _join_split_strokes(strip, clusters)
    marks.sort(key=lambda m: -m.area)
    if marks:  # beside a mark, printed words run together are no second mark (alone: a person looks)
        others = [b for b in others if not _is_word_band(b, ppm)]
    return marks, others


def _two_strokes(strip: LineStrip, cluster: tuple[list[Blob], float, float],
                 feet: list[tuple[float, float, Blob]]) -> list[tuple[list[Blob], float, float]]:
    """A cluster that is two separate straight strokes, each crossing the line on its own
    ("//" or "\\\\" drawn 2-3 mm apart: their feet, taken a millimetre deep, run
    together), as two clusters; else the cluster as it is. Exactly two pieces above the line
    and two below, paired so that each pair is one straight stroke (its pieces lean alike,
    within ``STROKE_LEAN_TOL``, and each piece's own line crosses the line's centre within
    ``STROKE_CROSS_TOL_MM`` of its partner's), and the two strokes crossing
    ``TWO_STROKES_APART_MM`` or more apart. An X's arms pair into two strokes crossing at
    one point, a tick whose short arm crosses the line is one piece below (its vertex),
    and a circle's arcs each reach both crossings: none of them is split."""
    blobs = cluster[0]
    if len(blobs) != 4:
        return [cluster]
    sides = [_side_of(strip, [b]) for b in blobs]
    above = [b for b, side in zip(blobs, sides, strict=True) if side < 0]
    below = [b for b, side in zip(blobs, sides, strict=True) if side > 0]
    if len(above) != 2 or len(below) != 2:
        return [cluster]
    if any(_foot_runs(strip, b) != 1 or not _stroke_piece(strip, b) for b in blobs):
        return [cluster]  # a piece meeting the line in two places, or no stroke (a scribble's turns)
    arms = {b.label: _arm(strip, b) for b in blobs}
    if any(lean is None for _, _, lean in arms.values()):
        return [cluster]

    def crossing(b: Blob) -> float:
        u, v, lean = arms[b.label]
        return u - float(lean) * v  # type: ignore[arg-type]

    tol = STROKE_CROSS_TOL_MM * strip.ppm
    for pairs in (((above[0], below[0]), (above[1], below[1])), ((above[0], below[1]), (above[1], below[0]))):
        straight = all(abs(float(arms[a.label][2]) - float(arms[b.label][2])) <= STROKE_LEAN_TOL  # type: ignore[arg-type]
                       and abs(crossing(a) - crossing(b)) <= tol for a, b in pairs)
        where = [(crossing(a) + crossing(b)) / 2.0 for a, b in pairs]
        if straight and abs(where[0] - where[1]) >= TWO_STROKES_APART_MM * strip.ppm:
            out = []
            for pair in pairs:
                own = [f for f in feet if f[2] in pair]
                out.append((list(pair), min(f[0] for f in own), max(f[1] for f in own)))
            return sorted(out, key=lambda c: c[1])
    return [cluster]


def _pixels(strip: LineStrip, blob: Blob) -> tuple[np.ndarray, np.ndarray]:
    """(rows, columns) of a blob's pixels in the strip."""
    rows, cols = np.nonzero(strip.labels == blob.label)
    return rows, cols


def _stroke_piece(strip: LineStrip, blob: Blob) -> bool:
    """A piece of one stroke: its pixels spread along their axis ``STROKE_PIECE_ELONGATION``
    times as far as across it (two strokes joined at a scribble's turn spread wider)."""
    rows, cols = _pixels(strip, blob)
    if len(rows) < 3:
        return False
    evals = np.linalg.eigvalsh(np.cov(np.stack([cols - cols.mean(), rows - rows.mean()]).astype(float)))
    return float(evals[1]) >= STROKE_PIECE_ELONGATION**2 * max(float(evals[0]), 1e-6)


def _foot_runs(strip: LineStrip, blob: Blob) -> int:
    """In how many separate places a piece on one side of the line meets it: runs of its
    columns in the two rows beside the line's band."""
    band, half = int(np.ceil(strip.band)), strip.half
    above = _side_of(strip, [blob]) < 0
    rows = strip.labels[half - band - 2 : half - band] if above else strip.labels[half + band + 1 : half + band + 3]
    cols = np.flatnonzero((rows == blob.label).any(axis=0))
    if len(cols) == 0:
        return 0
    return 1 + int((np.diff(cols) > 2).sum())


def _tick_shaped(strip: LineStrip, blobs: list[Blob]) -> bool:
    """Whether ink at a line's end is the form's printed end tick: centred on the end, no
    wider, reaching no further on either side (:func:`erase_end_ticks` measured the tick)
    and no darker than the line's own print (a pen's dash at the end of a light form is
    darker: a mark)."""
    if strip.end_tick is None:
        return False
    width_mm, up_mm, down_mm = strip.end_tick
    ppm, band = strip.ppm, strip.band
    u0, u1 = min(b.u0 for b in blobs), max(b.u1 for b in blobs)
    centre = (u0 + u1) / 2.0
    on_end = min(abs(centre - strip.left_u), abs(centre - strip.right_u)) <= (width_mm / 2 + END_TICK_MM) * ppm
    up = max(0.0, -min(b.v0 for b in blobs) - band) / ppm
    down = max(0.0, max(b.v1 for b in blobs) - band) / ppm
    if not (on_end and (u1 - u0 + 1) / ppm <= width_mm + END_TICK_WIDTH_TOL_MM
            and up <= up_mm + END_TICK_REACH_TOL_MM and down <= down_mm + END_TICK_REACH_TOL_MM):
        return False
    sel = np.isin(strip.labels, [b.label for b in blobs])
    return float(strip.ink[sel].max()) <= _line_level(strip) + TICK_DARKER


def _line_level(strip: LineStrip) -> float:
    """How dark the line's print is: its darkest across, the median along it (marks and
    ends aside)."""
    core = max(1, int(round(strip.thickness / 2.0)))
    lo = strip.margin + int(0.1 * strip.length)
    hi = strip.margin + int(0.9 * strip.length)
    rows = strip.ink[strip.half - core : strip.half + core + 1, max(0, lo) : max(lo + 1, hi)]
    return float(np.median(rows.max(axis=0))) if rows.size else 1.0


def _join_split_strokes(strip: LineStrip, clusters: list[tuple[list[Blob], float, float]]) -> list[MarkCandidate]:
    """Each cluster measured; neighbours that are one stroke broken where it crosses the
    line (a light slash: its part above and its part below, each on one side, whose own
    crossings agree) are measured as one mark."""
    marks: list[MarkCandidate] = []
    last: tuple[list[Blob], float, float] | None = None
    for c in clusters:
        m = _measure_cluster(strip, *c)
        if m is None:
            continue
        x = _x_in_one(strip, c) if m.sides == 2 else None
        if x is not None:
            m = replace(m, u=x)  # an X: read where its arms cross
        if marks and last is not None and m.sides == 1 and marks[-1].sides == 1 \
                and _side_of(strip, c[0]) * _side_of(strip, last[0]) < 0 \
                and (abs(m.u - marks[-1].u) <= FOOT_CLUSTER_GAP_MM * strip.ppm or _in_line(strip, last, c)):
            joined = (last[0] + c[0], last[1], max(last[2], c[2]))
            both = _measure_cluster(strip, *joined)
            if both is not None and both.sides == 2:
                marks[-1], last = both, joined
                continue
        crossed = _crossed(strip, last, c) if marks and last is not None and m.sides == 2 \
            and marks[-1].sides == 2 else None
        if crossed is not None and last is not None:
            joined = (last[0] + c[0], last[1], max(last[2], c[2]))
            both = _measure_cluster(strip, *joined)
            if both is not None:
                # read where the arms cross, not where the ink near the line is centred (arms
                # crossing off their middles pull that sideways: 2.7 mm for 15/25 degree arms)
                marks[-1], last = replace(both, u=crossed), joined
                continue
        marks.append(m)
        last = c
    return marks


def _crossed(strip: LineStrip, left: tuple[list[Blob], float, float], right: tuple[list[Blob], float, float]
             ) -> float | None:
    """Where the arms of an X cross (strip u), when two neighbouring marks, each reaching
    both sides of a thick line (">" then "<"), are one X whose arms cross inside the line;
    else None. A flat X over a 1.2 mm line meets it
    in two places 3 mm apart, each with an arm above and one below: each arm leans out,
    away from the other mark (two ticks, upright or slanted alike, do not), the arm above
    on the left leaning as the one below on the right does and the other two the other
    way, and the lines through the two pairs' pieces cross the line's centre within
    ``STROKE_CROSS_TOL_MM`` of each other."""
    if right[1] - left[2] > X_SPLIT_GAP_MM * strip.ppm:
        return None

    def parts(cluster: tuple[list[Blob], float, float]) -> tuple[Blob, Blob] | None:
        sides = [_side_of(strip, [b]) for b in cluster[0]]
        if sorted(sides) != [-1, 1]:
            return None  # not one piece above and one below
        above = cluster[0][sides.index(-1)]
        return above, cluster[0][sides.index(1)]

    a, b = parts(left), parts(right)
    if a is None or b is None:
        return None
    (u_ul, v_ul, s_ul), (u_ll, v_ll, s_ll), (u_ur, v_ur, s_ur), (u_lr, v_lr, s_lr) = (
        _arm(strip, a[0]), _arm(strip, a[1]), _arm(strip, b[0]), _arm(strip, b[1]))
    # out and away: on the left the arms lean left (up-left above, down-left below); a stub
    # too short to lean either way (one of the four at most) says nothing
    leans = [(s_ul, 1), (s_lr, 1), (s_ur, -1), (s_ll, -1)]
    if sum(s is None for s, _ in leans) > 1 or any(s is not None and s * sign < X_ARM_LEAN for s, sign in leans):
        return None

    def at_centre(u0: float, v0: float, u1: float, v1: float) -> float:
        return u0 + (u1 - u0) * (-v0) / (v1 - v0)

    one, other = at_centre(u_ul, v_ul, u_lr, v_lr), at_centre(u_ur, v_ur, u_ll, v_ll)
    if abs(one - other) > STROKE_CROSS_TOL_MM * strip.ppm:
        return None
    return (one + other) / 2.0 - strip.margin


def _x_in_one(strip: LineStrip, cluster: tuple[list[Blob], float, float]) -> float | None:
    """Where the arms of an X cross when the X is one mark of four pieces, two above the line
    and two below (the line's band parts its arms): split left and right, the halves are
    judged as :func:`_crossed` judges an X parted by a thick line. Measured as one, its ink
    near the line is centred where its arms cross only when they cross at their middles."""
    blobs = cluster[0]
    if len(blobs) != 4:
        return None
    ordered = sorted(blobs, key=lambda b: b.uc)
    halves = []
    for part in (ordered[:2], ordered[2:]):
        feet_u = [b.uc for b in part]
        halves.append((part, min(feet_u), max(feet_u)))
    return _crossed(strip, halves[0], halves[1])


def _arm(strip: LineStrip, blob: Blob) -> tuple[float, float, float | None]:
    """A piece of ink on one side of the line: its centre (u, v) and how it leans, along per
    across, from its end nearest the line out to its centre (> 0: it runs up-left above the
    line or down-right below it; None for a stub too short to say)."""
    rows, cols = _pixels(strip, blob)
    v = rows - float(strip.half)
    u = cols.astype(float)
    near = np.abs(v) <= np.abs(v).min() + 1.0
    dv = float(v.mean() - v[near].mean())
    lean = float((u.mean() - u[near].mean()) / dv) if abs(dv) >= 1.0 else None
    return float(u.mean()), float(v.mean()), lean


def _in_line(strip: LineStrip, *pieces: tuple[list[Blob], float, float]) -> bool:
    """Whether a piece of ink above the line and one below it are one straight stroke
    across a thick line: each piece's own axis (its pixels' principal direction) leans
    the same way (within ``STROKE_LEAN_TOL``, along per across) and carries it across the
    line's centre where the other's does (within ``STROKE_CROSS_TOL_MM``); each is a
    stroke (``STROKE_ELONGATION``, ``STROKE_MIN_LENGTH_MM``): two tilted oval dots, one
    above and one below, are two marks. A slanted slash
    over a 1.3 mm line meets it 3 mm apart above and below: two one-sided "marks"."""
    crossings = []
    for blobs, _, _ in pieces:
        sel = np.isin(strip.labels, [b.label for b in blobs])
        rows, cols = np.nonzero(sel)
        if len(rows) < 3:
            return False
        v, u = rows - float(strip.half), cols.astype(float)
        vc, uc = float(v.mean()), float(u.mean())
        cov = np.cov(np.stack([u - uc, v - vc]))
        if cov[1, 1] <= 0:
            return False
        evals, evecs = np.linalg.eigh(cov)
        small, big = float(evals[0]), float(evals[1])
        if big < STROKE_ELONGATION * max(small, 1e-6) or 4.0 * np.sqrt(big) < STROKE_MIN_LENGTH_MM * strip.ppm:
            return False  # a dot or a blob, not a stroke: two of them are two marks
        du, dv = evecs[:, 1]
        if abs(dv) < 0.3:  # lies along the line: no direction across it
            return False
        lean = du / dv
        crossings.append((uc - lean * vc, lean))
    (u_a, s_a), (u_b, s_b) = crossings
    return abs(s_a - s_b) <= STROKE_LEAN_TOL and abs(u_a - u_b) <= STROKE_CROSS_TOL_MM * strip.ppm


def _side_of(strip: LineStrip, blobs: list[Blob]) -> int:
    """-1: the blobs' ink is above the line only, +1: below only, 0: both."""
    above = min(b.v0 for b in blobs) < -strip.band
    below = max(b.v1 for b in blobs) > strip.band
    return 0 if above == below else (-1 if above else 1)


def _measure_cluster(
    strip: LineStrip, blobs: list[Blob], foot0: float, foot1: float
) -> MarkCandidate | None:
    """Where the stroke's centre crosses the line's centre (v = 0)."""
    half, margin, ppm = strip.half, strip.margin, strip.ppm
    band = strip.band
    sel = np.zeros_like(strip.labels, dtype=bool)
    for b in blobs:
        sel |= strip.labels == b.label
    weights = np.where(sel, strip.ink, 0.0)
    rows = CROSS_ROWS_MM * ppm
    v_idx = np.arange(weights.shape[0]) - half
    u_idx = np.arange(weights.shape[1]) - margin
    if strip.tick_half > 0:
        # a mark beside a printed end tick: measure the mark, not the tick (unless the
        # mark stands on the tick itself, when nothing else would be left)
        tick = (np.abs(u_idx - strip.left_u) <= strip.tick_half) | (
            np.abs(u_idx - strip.right_u) <= strip.tick_half
        )
        edge = (np.abs(v_idx) >= band) & (np.abs(v_idx) <= band + rows)
        if (weights[edge][:, ~tick] > 0).sum() >= 4 and (weights[edge][:, tick] > 0).any():
            weights[:, tick] = 0.0
    mark = _crossing(strip, weights, blobs, foot0, foot1)
    points = None if mark is None else _ink_points(strip, weights, mark.u)
    circle = None if points is None else _circle_of(strip, *points, RINGED_MIN_MM)
    if mark is not None and mark.sides == 2:
        centre = _ringed_point(circle)
        if centre is not None:
            mark = replace(mark, u=mark.u + centre, ringed=True)
        elif _arcs_round(circle) or _curls(strip, weights, mark.u) or (
                points is not None and _rings(strip, points, _feet(strip, weights, mark.u))):
            mark = replace(mark, curled=True)
    elif mark is not None and _arcs_round(circle):
        mark = replace(mark, curled=True)  # a C touching the line with one end: where it touches is no centre
    under = _ticks_under(strip, sel)
    if mark is None or not under:
        return mark
    # a mark running over an erased end tick (a circle drawn round the end): measured with
    # the tick's ink as well, it must cross at the same place, or a person looks
    whole = np.where(sel, strip.ink, 0.0)
    for r0, c0, r1, c1, was in under:
        np.maximum(whole[r0:r1, c0:c1], was, out=whole[r0:r1, c0:c1])
    other = _crossing(strip, whole, blobs, foot0, foot1)
    if other is None or abs(other.u - mark.u) > TICK_SHIFT_MM * ppm:
        return replace(mark, over_tick=True)
    return mark


def _curls(strip: LineStrip, weights: np.ndarray, u: float) -> bool:
    """Whether a mark crossing the line at strip ``u`` curls round a point beside it: its
    ink (``weights``) within ``CURL_ROWS_MM`` of the line reaches ``CURL_REACH_MM`` above
    and below it, and both parts are centred ``CURL_SHIFT_MM`` or more to the same side of
    the crossing. An open circle (a C whose gap is where its far side would cross) crosses
    the line once, at its edge, not at the point it rings. A tick, a slash, a check mark
    or an X leans to opposite sides above and below, or to neither. A side whose ink spreads
    over more than ``CURL_MAX_SPAN_MM`` along the line ran into printed words: no verdict."""
    ppm, half = strip.ppm, strip.half
    band = int(np.ceil(strip.band))
    rows = int(CURL_ROWS_MM * ppm)
    u_idx = np.arange(weights.shape[1]) - float(strip.margin)
    shifts = []
    for part in (weights[max(0, half - rows) : half - band], weights[half + band + 1 : half + rows + 1]):
        along = part.sum(axis=0)
        reach = np.flatnonzero(part.sum(axis=1) > 0)
        total = float(along.sum())
        if total <= 0 or len(reach) == 0:
            return False
        if (reach[-1] - reach[0] + 1) < (CURL_REACH_MM * ppm - band) * 0.9:
            return False
        cols = np.flatnonzero(along > 0)
        if cols[-1] - cols[0] > CURL_MAX_SPAN_MM * ppm:
            return False  # the mark ran into a printed word there: its ink is not the mark's shape
        shifts.append(float((along * u_idx).sum()) / total - u)
    up, down = shifts
    return up * down > 0 and min(abs(up), abs(down)) >= CURL_SHIFT_MM * ppm


def _rings(strip: LineStrip, points: tuple[np.ndarray, np.ndarray, np.ndarray],
           feet: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether a mark crossing the line rings a point further along: its ink (``points``,
    :func:`_ink_points`; ``feet``, :func:`_feet`) lies on a circle (``RING_MIN_MM``-``RING_MAX_MM``
    across half, within ``RING_FIT`` of its radius) round ``RING_ARC_DEG`` or more of it, centred
    ``CURL_SHIFT_MM`` or more along the line from the crossing. A large open circle
    (a C left open where its far side would cross) reaches past the rows :func:`_curls`
    looks at; the circle through all its ink finds the point it rings. A closed circle
    crosses twice, either side of its centre: it is read there, and is no ring here."""
    return _ring_fit(strip, *points) or _ring_through_words(strip, *points, feet)


def _ink_points(strip: LineStrip, weights: np.ndarray, u: float) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """A mark's inked pixels (``weights``) as points from its crossing at strip ``u`` (px along
    the line, px across it) and their ink; None for too few (under 12) to fit a circle to."""
    rows, cols = np.nonzero(weights)
    if len(rows) < 12:
        return None
    return cols - float(strip.margin) - u, rows - float(strip.half), weights[rows, cols].astype(np.float64)


def _ringed_point(circle: tuple[float, float, float, float, int] | None) -> float | None:
    """Where along the line (px from the crossing) the point lies that a mark rings, when
    its ink traces one ``circle`` (:func:`_circle_of`, ``RINGED_MIN_MM`` in radius at least)
    so plainly that its centre is sure: round ``RINGED_ARC_DEG`` or more, within ``RINGED_FIT``
    of its radius, with the line through its middle (``RINGED_ACROSS`` of its radius from the
    centre at most). A client who circles a point on the line marks the circle's centre,
    wherever the pen crossed; else None."""
    if circle is None:
        return None
    xc, yc, r, off, bins = circle
    if 10.0 * bins < RINGED_ARC_DEG or off > RINGED_FIT * r or abs(yc) > RINGED_ACROSS * r:
        return None
    return xc


def _arcs_round(circle: tuple[float, float, float, float, int] | None) -> bool:
    """Whether a mark's ink lies on its ``circle`` (:func:`_circle_of`, ``RINGED_MIN_MM`` in
    radius at least) as an arc too clean to be a tick, a slash or a check mark, yet too short
    (or the line too far off its middle) for its centre to be sure: round ``ARC_SHORT_DEG``
    within ``ARC_SHORT_FIT`` of its radius, or ``ARC_HALF_DEG`` within ``ARC_HALF_FIT``. An open
    circle drawn as a C that crosses the line once, at its edge: where it crosses is not the
    point it rings, so a person looks."""
    if circle is None:
        return False
    _, _, r, off, bins = circle
    arc = 10.0 * bins
    return (arc >= ARC_SHORT_DEG and off <= ARC_SHORT_FIT * r) or (arc >= ARC_HALF_DEG and off <= ARC_HALF_FIT * r)


def _feet(strip: LineStrip, weights: np.ndarray, u: float) -> tuple[np.ndarray, np.ndarray]:
    """Where a mark crossing at strip ``u`` meets the line: the columns (px from ``u``) of
    its ink (``weights``) in the first row clear of the line, above it and below it."""
    band = int(np.ceil(strip.band)) + 1
    out = []
    for row in (strip.half - band, strip.half + band):
        cols = np.flatnonzero(weights[row] > 0) if 0 <= row < weights.shape[0] else np.zeros(0, np.int64)
        out.append(cols - float(strip.margin) - u)
    return out[0], out[1]


def _pen(strip: LineStrip, feet: tuple[np.ndarray, np.ndarray]) -> float:
    """The width of the pen's stroke where the mark leaves the line at its crossing: the
    fewer of its ``feet`` (above, below) within ``CURL_SHIFT_MM`` * 2 of it, px."""
    reach = 2.0 * CURL_SHIFT_MM * strip.ppm
    widths = [int((np.abs(side) <= reach).sum()) for side in feet]
    widths = [wd for wd in widths if wd > 0]
    return float(min(widths)) if widths else 0.0


def _ring_fit(strip: LineStrip, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> bool:
    """:func:`_rings` with the circle nearest all the mark's ink (points ``x, y`` from its
    crossing, ``w`` their ink)."""
    circle = _circle_of(strip, x, y, w)
    return circle is not None and _ring_arc(strip, circle[4], circle[0], circle[1], circle[2], circle[3])


def _circle_of(strip: LineStrip, x: np.ndarray, y: np.ndarray, w: np.ndarray, smallest: float = RING_MIN_MM
               ) -> tuple[float, float, float, float, int] | None:
    """The circle nearest all of a mark's ink (points ``x, y`` from its crossing, ``w`` their
    ink) when the ink rings a point beside the crossing: ``RING_MIN_MM``-``RING_MAX_MM`` in
    radius (``smallest`` mm at least), centred ``CURL_SHIFT_MM`` or more along from it, within
    ``RING_FIT`` of its radius, hollow. Its centre, radius, the ink's RMS off it (px) and the
    10-degree bins inked."""
    ppm = strip.ppm
    # the circle x^2 + y^2 + a x + b y + c = 0 nearest the ink (least squares, ink-weighted)
    a_mat = np.column_stack([x, y, np.ones_like(x)]) * w[:, None]
    rhs = -(x * x + y * y) * w
    (a, b, c), *_ = np.linalg.lstsq(a_mat, rhs, rcond=None)
    xc, yc = -a / 2.0, -b / 2.0
    r2 = xc * xc + yc * yc - c
    if r2 <= 0:
        return None
    r = float(np.sqrt(r2))
    if not smallest * ppm <= r <= RING_MAX_MM * ppm or abs(xc) < CURL_SHIFT_MM * ppm:
        return None
    dist = np.hypot(x - xc, y - yc)
    off = float(np.sqrt(np.average((dist - r) ** 2, weights=w)))
    if off > RING_FIT * r:
        return None
    if float(w[dist < RING_HOLLOW * r].sum()) > 0.02 * float(w.sum()):
        return None  # ink inside it: not a ring round a point
    inked = np.unique(_bins_of(x, y, xc, yc))
    return float(xc), float(yc), r, off, len(inked)


def _bins_of(x: np.ndarray, y: np.ndarray, xc: float, yc: float) -> np.ndarray:
    """Which of the 36 10-degree bins round the centre ``xc, yc`` each point (``x, y``) lies in."""
    return np.floor((np.degrees(np.arctan2(y - yc, x - xc)) + 180.0) / 10.0).astype(np.int64) % 36


def _ring_arc(strip: LineStrip, bins: int, xc: float, yc: float, r: float, off: float) -> bool:
    """Whether ``bins`` inked 10-degree bins of the circle (centre ``xc, yc``, radius ``r``,
    the ink ``off`` it, RMS) ring its centre: ``RING_ARC_DEG`` of it, or (a large ring cut
    off by the mark zone) ``RING_SEEN_ARC_DEG`` and ``RING_SEEN_SHARE`` of the arc inside
    the zone, lying within ``RING_SEEN_FIT`` of the circle."""
    if 10.0 * bins >= RING_ARC_DEG:
        return True
    # the bins of the circle that lie in the mark zone (the rest could hold no ink)
    theta = np.radians(np.arange(36) * 10.0 - 175.0)
    zone = min(strip.half, MARK_ZONE_MM * strip.ppm)
    seen = np.flatnonzero(np.abs(yc + r * np.sin(theta)) <= zone)
    return (10.0 * bins >= RING_SEEN_ARC_DEG and bins >= RING_SEEN_SHARE * len(seen)
            and off <= RING_SEEN_FIT * r)


def _arc_bins(inked: np.ndarray) -> int:
    """The longest unbroken run of the 36 10-degree bins of a circle marked in ``inked``,
    gaps up to ``RING_GAP_DEG`` closed (where the stroke crosses the line, the line's band
    holds none of its ink)."""
    on = np.flatnonzero(inked)
    if len(on) == 0:
        return 0
    closed = inked.copy()
    for at, empty in zip(on.tolist(), ((np.roll(on, -1) - on - 1) % 36).tolist(), strict=True):
        if 0 < empty <= RING_GAP_DEG // 10.0:
            closed[(at + 1 + np.arange(empty)) % 36] = True
    if closed.all():
        return 36
    ring = np.roll(closed, -int(np.flatnonzero(~closed)[0]))  # begins with an empty bin: no run wraps
    edges = np.flatnonzero(np.diff(np.r_[0, ring.astype(np.int8), 0]))
    return int((edges[1::2] - edges[::2]).max())


def _traced(x: np.ndarray, y: np.ndarray, xc: float, yc: float, r: float, band: float,
            flank_px: float, least: int) -> tuple[np.ndarray, np.ndarray]:
    """Which 10-degree bins of the circle (``xc, yc``, ``r``) the points (``x, y``) trace as a
    thin stroke (``least`` points or more within ``band`` of it, and under half as many in
    the ``flank_px`` either side of that: a pen's line), and which they only cross as
    part of a wider patch of ink (printed words over the circle: what lies there is hidden)."""
    dist = np.abs(np.hypot(x - xc, y - yc) - r)
    k = _bins_of(x, y, xc, yc)
    near = np.bincount(k[dist <= band], minlength=36)
    flank = np.bincount(k[(dist > band) & (dist <= band + flank_px)], minlength=36)
    on = near >= least
    thin = flank <= RING_FLANK_SHARE * near
    return on & thin, on & ~thin


def _ring_through_words(strip: LineStrip, x: np.ndarray, y: np.ndarray, w: np.ndarray,
                        feet: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether a mark whose ink (points ``x, y`` from its crossing, ``w`` their ink) fits no
    one circle still rings a point: an open circle drawn over printed words (a label above the
    line) takes the words' ink into its own, and the circle nearest all of it is none. Circles
    through three of its points (``RING_TRIALS``, the same every run) are tried: one of
    ``RING_MIN_MM``-``RING_MAX_MM`` radius, centred ``CURL_SHIFT_MM`` or more along from the
    crossing and holding it (``RING_THROUGH`` of its radius outside at most), with ink
    (within ``RING_BAND_MM``, or half the pen's width where it leaves the line) traced as a
    thin stroke round an unbroken arc of it (letters touch a circle here and there; a C
    follows it), refitted to that ink, rings the point as in :func:`_rings` - if the crossing
    lies on its arc (a C crosses the line at its edge; ``RING_INSIDE``) or the mark meets the
    line where the circle does at both ends (a C whose end comes back to the line, read
    between the two). The mark's ``feet``: where it meets the line (:func:`_feet`)."""
    ppm = strip.ppm
    lo, hi = RING_MIN_MM * ppm, RING_MAX_MM * ppm
    if min(float(np.ptp(x)), float(np.ptp(y))) < 1.2 * lo:
        return False  # too small for a ring of that size
    pick = np.linspace(0, len(x) - 1, min(len(x), 600)).astype(np.int64)
    xs, ys = x[pick], y[pick]
    idx = np.random.default_rng(0).integers(0, len(xs), size=(RING_TRIALS, 3))
    x1, x2, x3 = xs[idx].T
    y1, y2, y3 = ys[idx].T
    d = 2.0 * (x1 * (y2 - y3) + x2 * (y3 - y1) + x3 * (y1 - y2))
    ok = np.abs(d) > 1e-6
    d = np.where(ok, d, 1.0)
    s1, s2, s3 = x1 * x1 + y1 * y1, x2 * x2 + y2 * y2, x3 * x3 + y3 * y3
    ux = (s1 * (y2 - y3) + s2 * (y3 - y1) + s3 * (y1 - y2)) / d
    uy = (s1 * (x3 - x2) + s2 * (x1 - x3) + s3 * (x2 - x1)) / d
    rr = np.hypot(x1 - ux, y1 - uy)
    ok &= (rr >= lo) & (rr <= hi) & (np.abs(ux) >= CURL_SHIFT_MM * ppm)
    ok &= np.hypot(ux, uy) <= (1.0 + RING_THROUGH) * rr
    pen = _pen(strip, feet)
    band = min(max(RING_BAND_MM * ppm, 0.5 * pen + RING_PEN_SLACK_MM * ppm), RING_BAND_MAX_MM * ppm)
    flank_px = RING_FLANK_MM * ppm
    best: tuple[int, int, float, float, float] | None = None
    for k in np.flatnonzero(ok).tolist():
        thin, hidden = _traced(xs, ys, float(ux[k]), float(uy[k]), float(rr[k]), band, flank_px, 1)
        score = (int(thin.sum()), _arc_bins(thin | hidden))
        if best is None or score > best[:2]:
            best = (*score, float(ux[k]), float(uy[k]), float(rr[k]))
    if best is None or 10.0 * best[0] < min(RING_TRACED_DEG, ARC_SHORT_DEG):
        return False
    # refit the circle to the ink on it (ink-weighted least squares, as in _rings); when
    # printed words the C runs through pull the refit off it, the circle tried is kept
    xc, yc, r = best[2], best[3], best[4]
    on = np.abs(np.hypot(x - xc, y - yc) - r) <= band
    a_mat = np.column_stack([x[on], y[on], np.ones(int(on.sum()))]) * w[on][:, None]
    (a, b, c), *_ = np.linalg.lstsq(a_mat, -(x[on] ** 2 + y[on] ** 2) * w[on], rcond=None)
    fx, fy = -a / 2.0, -b / 2.0
    r2 = fx * fx + fy * fy - c
    refit = [(float(fx), float(fy), float(np.sqrt(r2)))] if r2 > 0 else []
    return any(_ring_round(strip, x, y, w, feet, cx, cy, cr, band, flank_px) for cx, cy, cr in [*refit, (xc, yc, r)])


def _ring_round(strip: LineStrip, x: np.ndarray, y: np.ndarray, w: np.ndarray, feet: tuple[np.ndarray, np.ndarray],
                xc: float, yc: float, r: float, band: float, flank_px: float) -> bool:
    """:func:`_ring_through_words`'s verdict on one circle (centre ``xc, yc``, radius ``r``,
    px from the crossing): of the right size and place, holding the crossing, its ink
    traced as a thin stroke round ``RING_TRACED_DEG`` and ringing the point (:func:`_ring_arc`)."""
    ppm = strip.ppm
    lo, hi = RING_MIN_MM * ppm, RING_MAX_MM * ppm
    reach = float(np.hypot(xc, yc))
    if not lo <= r <= hi or abs(xc) < CURL_SHIFT_MM * ppm:
        return False
    if reach > (1.0 + RING_THROUGH) * r:
        return False
    if reach < (1.0 - RING_INSIDE) * r and not _meets_at_both(strip, feet, xc, yc, r):
        return False  # read inside the circle, not where it meets the line: a closed oval's side
    dist = np.hypot(x - xc, y - yc)
    on = np.abs(dist - r) <= band
    if int(on.sum()) < 12:
        return False
    thin, hidden = _traced(x, y, xc, yc, r, band, flank_px, RING_BIN_LEAST)
    off = float(np.sqrt(np.average((dist[on] - r) ** 2, weights=w[on])))
    if 10.0 * int(thin.sum()) < RING_TRACED_DEG:
        # less of it traced thin (more under the words): a clean arc still, as _arcs_round
        # has it - round ARC_SHORT_DEG of its thin stroke within ARC_SHORT_FIT of the radius
        own = on & thin[_bins_of(x, y, xc, yc)]
        if 10.0 * int(thin.sum()) < ARC_SHORT_DEG or int(own.sum()) < 12:
            return False
        if float(np.sqrt(np.average((dist[own] - r) ** 2, weights=w[own]))) > ARC_SHORT_FIT * r:
            return False
    return _ring_arc(strip, _arc_bins(thin | hidden), xc, yc, r, off)


def _meets_at_both(strip: LineStrip, feet: tuple[np.ndarray, np.ndarray], xc: float, yc: float, r: float) -> bool:
    """Whether the mark meets the line (its ``feet``) at both places the circle (``xc, yc``,
    ``r``, px from the crossing) does, within ``RING_FOOT_MM``: a C whose end comes back to
    the line is read between the two, inside the circle it rings."""
    if r <= abs(yc):
        return False
    chord = float(np.sqrt(r * r - yc * yc))
    near = RING_FOOT_MM * strip.ppm
    both = np.concatenate(feet)
    return all(bool((np.abs(both - end) <= near).any()) for end in (xc - chord, xc + chord))


def _ticks_under(strip: LineStrip, sel: np.ndarray) -> list[tuple[int, int, int, int, np.ndarray]]:
    """The erased end-tick patches that the mark's ink (``sel``) runs into near the line:
    it touches the patch's edge within the rows where a crossing is measured (the line's
    band and ``CROSS_ROWS_MM`` beside it). A stroke passing by above the tick does not, nor
    one whose end brushes the tick's top further out (a slash beside the end: where it
    crosses is in plain sight). A circle whose arc runs down the tick under the patch
    leaves an arc that the ring checks read at its centre or send to a person."""
    near = int(np.ceil(strip.band + CROSS_ROWS_MM * strip.ppm))
    top, bottom = max(0, strip.half - near - 1), strip.half + near + 2
    out = []
    for e in strip.erased:
        r0, c0, r1, c1, _ = e
        a, b = max(r0 - 1, top), min(r1 + 1, bottom)
        ring = sel[a:b, max(0, c0 - 1) : c1 + 1] if a < b else sel[0:0]
        if ring.any():  # (the patch itself was erased: only its edge can hold the mark's ink)
            out.append(e)
    return out


def _crossing(
    strip: LineStrip, weights: np.ndarray, blobs: list[Blob], foot0: float, foot1: float
) -> MarkCandidate | None:
    """Where the stroke whose ink is ``weights`` crosses the line's centre (v = 0)."""
    half, margin, ppm = strip.half, strip.margin, strip.ppm
    band = strip.band
    rows = CROSS_ROWS_MM * ppm
    v_idx = np.arange(weights.shape[0]) - half
    u_idx = np.arange(weights.shape[1]) - margin

    def centroid(v_lo: float, v_hi: float) -> tuple[float, float, float] | None:
        r = (v_idx >= v_lo) & (v_idx <= v_hi)
        w = weights[r]
        total = float(w.sum())
        if total < 0.5 * ppm * 0.3:  # less than ~a 0.3 mm stroke crossing 0.5 mm of rows
            return None
        u = float((w.sum(axis=0) * u_idx).sum() / total)
        v = float((w.sum(axis=1) * v_idx[r]).sum() / total)
        return u, v, total

    def near_rows(v_lo: float, v_hi: float, outward: int) -> tuple[float, float] | None:
        """The window's rows from the line outwards while the stroke is one run of ink:
        a second run further out (the short arm of a check mark rising from its vertex
        below the line) is another stroke, not this one crossing the line."""
        r_all = np.flatnonzero((v_idx >= v_lo) & (v_idx <= v_hi))
        if len(r_all) < 3:
            return None
        order = r_all if outward > 0 else r_all[::-1]
        last, clean = None, 0
        for r in order:
            ink = weights[r] > 0
            runs = int(np.count_nonzero(ink[1:] & ~ink[:-1])) + int(ink[0])
            if runs > 1:
                break
            last, clean = r, clean + 1
        if last is None or clean < 2 or last == order[-1]:
            return None
        v_last = float(v_idx[last])
        return (v_lo, v_last) if outward > 0 else (v_last, v_hi)

    def crossing_side(v_lo: float, v_hi: float, outward: int) -> tuple[float, float, float] | None:
        whole = centroid(v_lo, v_hi)
        rows_near = near_rows(v_lo, v_hi, outward)
        if whole is None or rows_near is None:
            return whole
        return centroid(*rows_near) or whole

    above = crossing_side(-band - rows, -band, -1)
    below = crossing_side(band, band + rows, +1)
    # where the mark's ink meets the line's edges: its footprint on the line
    edge = ((v_idx >= -band - 2) & (v_idx <= -band)) | ((v_idx >= band) & (v_idx <= band + 2))
    cols = np.flatnonzero(weights[edge].sum(axis=0) > 0)
    if len(cols):
        foot0, foot1 = float(u_idx[cols[0]]), float(u_idx[cols[-1]])
    area = float(sum(b.area for b in blobs))
    width = max(b.u1 for b in blobs) - min(b.u0 for b in blobs)
    height = max(b.v1 for b in blobs) - min(b.v0 for b in blobs)
    # how far along the line the mark spreads near it: not a printed word its stroke ran into
    near = np.flatnonzero(weights[np.abs(v_idx) <= band + SPREAD_ROWS_MM * ppm].sum(axis=0) > 0)
    spread = float(near[-1] - near[0]) if len(near) else float(width)
    if above and below:
        (ua, va, _), (ub, vb, _) = above, below
        u = ua + (ub - ua) * (0.0 - va) / (vb - va)
        return MarkCandidate(u, area, 2, width, height, foot0, foot1, spread=spread)
    side = above or below
    if side is None:
        return None
    # one side only (a short tick standing on the line): follow the stroke to its foot
    sign = -1.0 if above else 1.0
    pts_u, pts_v, pts_w = [], [], []
    reach = int(2.5 * ppm)
    for k in range(int(np.ceil(band)), int(np.ceil(band)) + reach):
        r = half + int(sign * k)
        if not 0 <= r < weights.shape[0]:
            break
        w = weights[r]
        tot = float(w.sum())
        if tot <= 0.2:
            continue
        pts_u.append(float((w * u_idx).sum() / tot))
        pts_v.append(sign * k)
        pts_w.append(tot)
    foot_v = sign * strip.thickness / 2.0
    if len(pts_u) >= 3:
        coef = np.polyfit(pts_v, pts_u, 1, w=np.sqrt(pts_w))
        slope = float(np.clip(coef[0], -3.0, 3.0))
        u = float(np.polyval([slope, coef[1]], foot_v))
    else:
        u = side[0]
    return MarkCandidate(u, area, 1, width, height, foot0, foot1, spread=spread)


@dataclass(frozen=True)
class CoveredEnd:
    """A line end hidden under a client's mark. ``side`` 0 = left, 1 = right."""

    line: int
    side: int
    resolved: bool  # True when the other lines' clean ends located it
    elsewhere: bool = False  # the other lines' ends put this end away from the mark


def settle_covered_ends(
    strips: list[LineStrip],
    marks: list[list[MarkCandidate]],
    *,
    nominal_px: float | None = None,
    predicted: list[tuple[np.ndarray, np.ndarray]] | None = None,
) -> list[CoveredEnd]:
    """Correct line ends that a mark covers, using the other lines' clean ends.

    Where a mark sits on the end of a line, its ink continues the line and the walk
    overshoots by up to the mark's half-width. The printed ends of a stack of scales
    lie on one straight line in the image (perspective keeps lines straight), so a
    covered end is put where that line, fitted through the clean ends of the other
    scales, crosses this one - if it falls under the mark, as it must. Otherwise the
    end stays where it is and is reported as unresolved. ``strips`` are updated.

    When every line has a mark over the same end (all at 10, say) and the resolution
    is known, the line's other, clean end and the nominal length (``nominal_px``)
    place it instead - again only if that falls under the mark (a form printed at
    "fit to page" is shorter, lands outside the mark, and stays unresolved).

    ``predicted`` (a printed layout's (left, right) ends in image px, per line) comes
    before the nominal length: the corner markers place the end on any print scale.
    """
    pad = END_COVER_PAD_MM
    covered: list[tuple[int, int]] = []
    for i, (s, ms) in enumerate(zip(strips, marks, strict=False)):
        for m in ms[:1]:
            if m.foot0 - pad * s.ppm <= s.left_u <= m.foot1 + pad * s.ppm:
                covered.append((i, 0))
            if m.foot0 - pad * s.ppm <= s.right_u <= m.foot1 + pad * s.ppm:
                covered.append((i, 1))
    out: list[CoveredEnd] = []
    for i, side in covered:
        s = strips[i]
        clean = [
            np.array(t.to_image(t.left_u if side == 0 else t.right_u))
            for j, t in enumerate(strips)
            if j != i and (j, side) not in covered
        ]
        resolved = False
        elsewhere = False
        if len(clean) >= 2:
            pts = np.array(clean)
            centre = pts.mean(axis=0)
            _, _, vt = np.linalg.svd(pts - centre)
            e = vt[0]  # direction of the line through the ends
            # solve origin + u d = centre + t e for u (straight chord; bow is tiny at the ends)
            a = np.column_stack([s.d, -e])
            if abs(np.linalg.det(a)) > 1e-6:
                u, _ = np.linalg.solve(a, centre - s.origin)
                m = marks[i][0]
                lo = m.foot0 - pad * s.ppm
                hi = m.foot1 + pad * s.ppm
                current = s.left_u if side == 0 else s.right_u
                if lo <= u <= hi and abs(u - current) <= COVER_MAX_SHIFT_MM * s.ppm:
                    if side == 0:
                        s.left_u = float(u)
                    else:
                        s.right_u = float(u)
                    resolved = True
                elif abs(u - current) > COVER_MAX_SHIFT_MM * s.ppm:
                    elsewhere = True  # the line was cut short at the mark, or the mark is not on its end
        if not resolved and predicted is not None:
            m = marks[i][0]
            u = float((np.asarray(predicted[i][side], np.float64) - s.origin) @ s.d)
            if m.foot0 - pad * s.ppm <= u <= m.foot1 + pad * s.ppm:
                if side == 0:
                    s.left_u = u
                else:
                    s.right_u = u
                resolved = True
        if not resolved and nominal_px and (i, 1 - side) not in covered:
            m = marks[i][0]
            u = s.right_u - nominal_px if side == 0 else s.left_u + nominal_px
            if m.foot0 - pad * s.ppm <= u <= m.foot1 + pad * s.ppm:
                if side == 0:
                    s.left_u = float(u)
                else:
                    s.right_u = float(u)
                resolved = True
        out.append(CoveredEnd(i, side, resolved, elsewhere and not resolved))
    return out
