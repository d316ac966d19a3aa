"""Stage 6: read the page's words to confirm which way up it is and which form it is.

The form region (the stack of scales and what is printed around it) is turned upright
at about 100 dpi. The bundled OCR engine (:mod:`srs_scan.read.textread`) then

* scores whether its text lines read upright or upside down (a check on the
  geometric decision of :mod:`srs_scan.read.orient`), and
* reads the most prominent lines, title region first, and weighs what they say of
  each form (names, item labels, keywords: :mod:`srs_scan.read.naming`).

Recognised text is used for these decisions only: it is never logged or stored, since
forms carry health information.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from ..forms.definitions import FormDef
from . import naming, textread
from .ink import shrink

SHADOW_MAX_SD = 15.0  # gray levels: a shadow on the sheet is smooth, a table's texture is not
OCR_PPM = 6.0  # px/mm the form is read at (about 150 dpi): 10 pt text is ~15 px tall
ONE_LINE_BAND_MM = 10.0  # a form of one line: the band below it that stands in for the stack
FORM_REACH_X = 0.8  # form content within this many line lengths left/right of the stack
FORM_REACH_UP = 1.5  # ... above the first line (title, header, instructions)
FORM_REACH_DOWN = 0.5  # ... below the last line
UPRIGHT_DECISIVE = 0.3  # |upright_score| below this says nothing
LABEL_ABOVE_MM = 16.0  # an item's label is printed within this above its line...
LABEL_BELOW_MM = 3.0  # ...or beside it (its text reaching this far below the line)
TITLE_BELOW_MM = 3.0  # the title region's crop reaches this below the first line
SAME_LINE_OVERLAP = 0.7  # a box covering this much of a box read before is that line again
SEGMENT_PX = 800  # text lines are found on a copy at most this big (recognised at full size)
PAPER_CUT_SHARE = 0.1  # when this much of the form region was whited out as not paper...
LEGIBLE_CONFIDENCE = 0.9  # a line read this surely, with a word of 3+ letters, is legible
LEGIBLE_MIN = 3  # this many legible lines naming the form, read one way up...
LEGIBLE_OTHER_MAX = 0  # ...where the other way up gave at most this many: the page stands the first way


@dataclass(frozen=True)
class TextEvidence:
    """What the page's words say.

    ``upright`` is the OCR's upright score for the direction given (> 0 upright,
    < 0 upside down, 0 unknown or no OCR); ``flipped`` is True when the OCR turned
    the page over before reading the form type.
    """

    form: str | None
    confidence: float
    upright: float
    flipped: bool
    reason: str = ""
    available: bool = True  # False when no OCR engine is installed
    # when the words name no form with as many lines as were found: the form they name
    # among all the forms (one with another number of lines), else None
    elsewhere: str | None = None
    # the words, read the way up the page is taken to stand (turned over when ``flipped``),
    # name the form beyond doubt (:attr:`naming.FormVerdict.decisive`): read so surely,
    # they cannot have been read upside down
    decisive: bool = False


def upright_form(
    gray: np.ndarray, ends: Sequence[tuple[np.ndarray, np.ndarray]], *, ppm: float = OCR_PPM,
    title_only: bool = False, line_mm: float = 100.0,
) -> tuple[np.ndarray, list[int]]:
    """The form region, rectified and upright, at ``ppm`` px per mm.

    The homography takes the first and last scales' end points to a rectangle
    ``line_mm`` wide (the page's own geometry: text comes out level even on a tilted
    photo). The region reaches FORM_REACH_* times 100 mm around the stack; with
    ``title_only`` it stops just below the first line (what is printed above the scales,
    at a fraction of the cost). Returns the image and the row of each scale in it, top
    first.

    Parameters
    ----------
    gray : ndarray (M, N) uint8, full resolution
    ends : (left, right) end points (x, y) per line, top line first
    line_mm : the form's line length (100 mm for the PCOMS forms)
    """
    (a, b), (c, d) = ends[0], ends[-1]
    if len(ends) == 1:  # one line (a clinic's form): the rectangle is the line and a band below it
        along = np.subtract(b, a)
        below = np.array([-along[1], along[0]]) * ONE_LINE_BAND_MM / line_mm
        c, d = np.asarray(a) + below, np.asarray(b) + below
    img_len = float(np.mean([np.linalg.norm(np.subtract(right, left)) for left, right in ends]))
    mid_top = (np.asarray(a) + np.asarray(b)) / 2
    mid_bottom = (np.asarray(c) + np.asarray(d)) / 2
    stack_mm = line_mm * float(np.linalg.norm(mid_bottom - mid_top)) / img_len
    width = line_mm * ppm
    height = stack_mm * ppm
    reach = 100.0 * ppm
    x0 = FORM_REACH_X * reach
    y0 = FORM_REACH_UP * reach
    src = np.array([a, b, d, c], dtype=np.float32)
    dst = np.array(
        [[x0, y0], [x0 + width, y0], [x0 + width, y0 + height], [x0, y0 + height]], dtype=np.float32
    )
    hom = cv2.getPerspectiveTransform(src, dst)
    size = (int(width + 2 * x0), int(y0 + height + FORM_REACH_DOWN * reach))
    if title_only:
        size = (size[0], int(y0 + TITLE_BELOW_MM * ppm))
    crop = cv2.warpPerspective(gray, hom, size, flags=cv2.INTER_AREA, borderMode=cv2.BORDER_REPLICATE)
    mids = np.array([[(np.asarray(lt) + np.asarray(rt)) / 2 for lt, rt in ends]], dtype=np.float32)
    rows = [int(round(float(p[1]))) for p in cv2.perspectiveTransform(mids, hom)[0]]
    return crop, rows


def paper_only(crop: np.ndarray) -> np.ndarray:
    """White out what is not the sheet of paper (a table or floor around a photo).

    The sheet is the bright region holding the crop's centre (the scales are on it);
    a dark, textured background would otherwise defeat the text finder's threshold. A
    sheet is convex: what lies inside the bright region's convex hull but outside it, and
    is smooth (a median local SD of at most ``SHADOW_MAX_SD`` gray levels), is a shadow
    reaching in from the sheet's edge (a hand, a curl), kept with the print in it (the
    title under it included); the textured table between the sheet's edges is not.
    """
    h, w = crop.shape
    f = 8
    small = shrink(crop, (max(1, w // f), max(1, h // f)))
    small = cv2.GaussianBlur(small, (5, 5), 0)
    _, bright = cv2.threshold(small, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    n, labels = cv2.connectedComponents(bright)
    centre = labels[labels.shape[0] // 2, labels.shape[1] // 2]
    if n <= 1 or centre == 0:
        return crop
    paper = labels == centre
    if paper.mean() > 0.97:
        return crop
    # keep the paper's holes (printed text) and a small margin inside its edge
    paper = cv2.erode(paper.astype(np.uint8), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(paper, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    filled = np.zeros_like(paper)
    cv2.drawContours(filled, contours, -1, 1, thickness=-1)
    hull = np.zeros_like(paper)
    cv2.drawContours(hull, [cv2.convexHull(np.vstack(contours))], -1, 1, thickness=-1)
    level = shrink(crop, (small.shape[1], small.shape[0])).astype(np.float32)
    mean = cv2.blur(level, (5, 5))
    sd = np.sqrt(np.maximum(cv2.blur(level * level, (5, 5)) - mean * mean, 0.0))
    n_in, inside = cv2.connectedComponents(((hull == 1) & (filled == 0)).astype(np.uint8))
    for k in range(1, n_in):
        part = inside == k
        if float(np.median(sd[part])) <= SHADOW_MAX_SD:
            filled[part] = 1
    mask = cv2.resize(filled, (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    out = crop.copy()
    out[~mask] = 255
    return out


def read_page_text(
    gray: np.ndarray,
    ends: Sequence[tuple[np.ndarray, np.ndarray]],
    *,
    forms: Mapping[str, FormDef],
    check_upright: bool = True,
    line_mm: float = 100.0,
    every: Mapping[str, FormDef] | None = None,
) -> TextEvidence:
    """Check orientation and name the form from the words around the scales.

    The title region (above the first line) is read first; when its words settle the
    form (:attr:`naming.FormVerdict.decisive`) nothing more is read. Otherwise the OCR
    says which way up the text reads and the whole form region is read (item labels,
    anchors), and all the words read are weighed together (:func:`naming.weigh`). When
    those words say next to nothing (a keyword at most), the form region is read again
    without the paper mask when the mask took much of it (a shadow across a photographed
    sheet can pass for the table around it), then the other way up too: words that
    settle the form read that way (``upright`` -1 or 1, ``decisive``) say the page
    stands that way. Words read one way up that name the form and read cleanly, where the
    other way up gave nothing legible, say so too (phone photos whose print misled the
    layout and the text's shape; a scan the OCR's upright score took for upside down).

    Parameters
    ----------
    gray : ndarray (M, N) uint8, the full-resolution page
    ends : (left, right) end points (x, y) per line, top line first, as the page is
        believed to be oriented
    forms : the forms the page may be (those with as many lines as were found), by id
    line_mm : their line length (how big the page's text is)
    every : all the known forms (those with other numbers of lines included), to say which
        form the words name when none of ``forms`` is named (``TextEvidence.elsewhere``)
    """
    if not textread.available():
        return TextEvidence(
            None, 0.0, 0.0, False, "text recognition is not installed: form type unknown", False
        )
    crop, line_rows = upright_form(gray, ends, title_only=True, line_mm=line_mm)
    crop = paper_only(crop)
    first_line = line_rows[0]

    def read(image: np.ndarray, rows: tuple[float, float] | None, before: list[textread.TextLine]
             ) -> list[textread.TextLine]:
        # the title region is read on the usual budget; the whole form, when needed, on a
        # larger one (labels beside the lines, small titles)
        budget = {} if rows is not None else {"width_budget": 1600, "max_lines": 18}
        return textread.read_text(
            image, stop_when=lambda ls: naming.weigh(before + ls, forms).decisive, rows=rows,
            max_height=SEGMENT_PX, max_width=SEGMENT_PX, known=_read_before(before), **budget,
        )

    # 1. the title region as the page is believed to stand: when its words settle the form
    # (OCR reads upside-down text only with low confidence, and such lines are ignored),
    # the words themselves confirm the orientation - no separate check.
    title = read(crop, (0.0, float(first_line)), [])
    verdict = naming.weigh(title, forms)
    if check_upright and verdict.decisive:
        return TextEvidence(verdict.form, verdict.confidence, 1.0, False, decisive=True)
    # the rest of the form: the title's lines are kept, found again where they stand
    raw, line_rows = upright_form(gray, ends, line_mm=line_mm)
    crop = paper_only(raw)
    # 1b. the item labels, where they are printed: just above each line or beside its start
    title, verdict = _read_labels(crop, line_rows, title, forms, stop=check_upright)
    if check_upright and verdict.decisive:
        return TextEvidence(verdict.form, verdict.confidence, 1.0, False, decisive=True)
    as_is = crop
    # 2. otherwise ask the OCR which way up the text reads, then read the whole form
    upright = textread.upright_score(crop, max_height=SEGMENT_PX, max_width=SEGMENT_PX) if check_upright else 0.0
    flipped = False
    if upright <= -UPRIGHT_DECISIVE:
        # the page stands the other way up: take the form region again from the other side
        # (turning this crop over would leave the title, above the real first line, outside it)
        crop, turned_rows = _turned_region(gray, ends, line_mm)
        flipped = True
        # the labels first, where they stand on the page turned over (read the way the
        # page was taken to stand, they were upside down)
        labels, verdict = _read_labels(crop, turned_rows, [], forms, stop=True)
        if verdict.decisive:
            return TextEvidence(verdict.form, verdict.confidence, upright, flipped, decisive=True)
        lines = labels + _unseen(read(crop, None, labels), labels)
    else:
        lines = title + _unseen(read(crop, None, title), title)
    verdict = naming.weigh(lines, forms)
    if flipped and _only_legible(verdict, lines, title):
        # turned over, the words name the form and read cleanly; as the page was taken to
        # stand, its title region and labels gave nothing legible: it stands turned
        return TextEvidence(verdict.form, verdict.confidence, upright, flipped, decisive=True)
    if check_upright and max(verdict.points.values(), default=0.0) <= naming.KEYWORD_POINTS:
        if not flipped and float((as_is != raw).mean()) >= PAPER_CUT_SHARE:
            # much was whited out as "not paper": a shadow across the sheet can be taken for
            # the table around it, and the title and labels with it. Read it as it is.
            unmasked = naming.weigh(title + _unseen(read(raw, None, title), title), forms)
            if unmasked.settled:
                return TextEvidence(unmasked.form, unmasked.confidence, 1.0, False, decisive=True)
        # the words read say next to nothing: read the other way up, they may name the form
        # beyond doubt (a form's own names say which way up it stands far more surely than
        # the OCR's upright score, which some print fools; upside down, the OCR reads a
        # bold label now and then, but not a form's worth of them)
        if flipped:  # the other way is as the page was taken to stand: its title and labels were read
            other_lines = title + _unseen(read(as_is, None, title), title)
        else:
            # (the whole region only: read there, upside-down labels ("Me", "School:") can
            # come out surely enough to settle a child form, and nothing else says "turn it")
            other_lines = read(_turned_region(gray, ends, line_mm)[0], None, [])
        other = naming.weigh(other_lines, forms)
        if other.settled or _only_legible(other, other_lines, lines):
            return TextEvidence(other.form, other.confidence, 1.0 if flipped else -1.0, not flipped, decisive=True)
    elsewhere = None
    if verdict.form is None and every is not None and len(every) > len(forms):
        wider = naming.weigh(lines, every)
        elsewhere = wider.form if wider.form not in forms and not wider.doubt else None
    return TextEvidence(verdict.form, verdict.confidence, upright, flipped, verdict.doubt, elsewhere=elsewhere,
                        decisive=verdict.decisive)


def _turned_region(gray: np.ndarray, ends: Sequence[tuple[np.ndarray, np.ndarray]], line_mm: float
                   ) -> tuple[np.ndarray, list[int]]:
    """The form region taken from the other side, the page turned over (turning a crop
    over would leave the title, above the real first line, outside it), paper only, and
    the row of each line in it (top first, as the region stands)."""
    turned = [(right, left) for left, right in reversed(ends)]
    crop, rows = upright_form(gray, turned, line_mm=line_mm)
    return paper_only(crop), rows


def _read_labels(crop: np.ndarray, line_rows: list[int], seen: list[textread.TextLine],
                 forms: Mapping[str, FormDef], *, stop: bool) -> tuple[list[textread.TextLine], naming.FormVerdict]:
    """``seen`` and the item labels read where they are printed on ``crop`` (an upright form
    region): in a band just above each line or beside its start (``LABEL_ABOVE_MM``,
    ``LABEL_BELOW_MM``), line by line from the top. With ``stop``, no more is read once
    the words settle the form (:attr:`naming.FormVerdict.decisive`). Returns the lines
    and what they say."""
    lines = list(seen)
    verdict = naming.weigh(lines, forms)
    for row in line_rows:
        band = (row - LABEL_ABOVE_MM * OCR_PPM, row + LABEL_BELOW_MM * OCR_PPM)
        lines += _unseen(textread.read_text(crop, rows=band, max_lines=3, width_budget=360,
                                            max_height=SEGMENT_PX, max_width=SEGMENT_PX,
                                            known=_read_before(lines)), lines)
        verdict = naming.weigh(lines, forms)
        if stop and verdict.decisive:
            break
    return lines, verdict


def _only_legible(verdict: naming.FormVerdict, lines: list[textread.TextLine],
                  other_way: list[textread.TextLine]) -> bool:
    """``lines`` name the form (``verdict``) and read cleanly, and the text read the other
    way up gave nothing legible: the page stands as ``lines`` were read."""
    return (verdict.form is not None and not verdict.doubt
            and _legible(lines) >= LEGIBLE_MIN and _legible(other_way) <= LEGIBLE_OTHER_MAX)


def _legible(lines: list[textread.TextLine]) -> int:
    """How many ``lines`` were read surely (``LEGIBLE_CONFIDENCE``) and hold a word of
    three letters or more: text read the right way up."""
    return sum(
        1 for ln in lines
        if ln.confidence >= LEGIBLE_CONFIDENCE and any(len(w) >= 3 and w.isalpha() for w in naming.words(ln.text))
    )


def _same_line(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    """Two boxes of one line (found on two crops of the page): the larger mostly covered."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    if w <= 0 or h <= 0:
        return False
    larger = max((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
    return w * h >= SAME_LINE_OVERLAP * larger


def _unseen(lines: list[textread.TextLine], seen: list[textread.TextLine]) -> list[textread.TextLine]:
    """``lines`` less those read already (the same box, found again on another crop). A line
    found as one box where pieces of it were read before ("CHILD SESSION RATING SCA" over
    "CHILD SESS" and "ON RATING SCA") is kept: read whole, it may name what the pieces do not."""
    return [ln for ln in lines if not any(_same_line(ln.box, t.box) for t in seen)]


def _read_before(seen: list[textread.TextLine]) -> Callable[[tuple[float, float, float, float]],
                                                               textread.TextLine | None]:
    """For :func:`textread.read_text` (``known``): the line of ``seen`` that a box about to be
    recognised is (:func:`_unseen` drops that box's reading from the answer). Its reading
    stands in for the box's: the OCR runs only on lines not read before, and the reading
    still counts against the budget and the lines read as it did (and in what stops the
    reading: a line read again says what it said the first time)."""
    def find(box: tuple[float, float, float, float]) -> textread.TextLine | None:
        return next((t for t in seen if _same_line(box, t.box)), None)

    return find
