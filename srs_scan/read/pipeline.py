"""The runner: calls the stages in order for one page and builds its :class:`PageResult`.

Stages (each a function of its own module):

1. ``decode``   files -> :class:`PageImage` (gray or BGR array, dpi when known)
1b. ``fiducials`` our own printed forms: corner markers -> the layout's frame, which says
   where the scales are, which way is up and which form it is (``qrread``: whose it is)
2. ``lines``    otherwise: working-resolution ink -> line segments -> the four scales (as
   many as a clinic's own form has: ``stacks``)
3. ``orient``   which way up the page is, from its text (and checked against layout)
4. ``measure``  per line, at full resolution: refined ends, the mark, where it crosses
5. ``perspective``  strip position -> mm on the page (1-D projective map per line)
6. ``classify`` SRS or ORS, from the page's words
7. ``score``    mm -> scores, total, flags

The library never prints and never exits; expected outcomes are states in the result.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from ..exceptions import SrsScanError
from ..forms.custom import catalogue, digests
from ..forms.definitions import FormDef
from ..forms.identity import FormIdentity
from ..forms.layouts import PrintedLayout
from ..forms.score import ScoringOptions, flags_for, item_reasons, round_half_up, score_items, total_of
from ..model import ItemStatus, MarkReading, PageImage, PageResult, PageStatus
from . import classify, decode, fiducials, lines, orient, perspective, qrread, stacks
from .ink import ink_map, resize_to, to_gray
from .measure import (
    THICK_EXCESS,
    THICK_EXCESS_MIN,
    Blob,
    CoveredEnd,
    LineStrip,
    MarkCandidate,
    drop_end_ticks,
    erase_end_ticks,
    extra_ink_at_end,
    faint_loop_through,
    faint_marks,
    find_marks,
    find_small_dot,
    find_thickening,
    mark_printed_blobs,
    sample_strip,
    settle_covered_ends,
    thickening_at,
    through_strokes,
)

# Working resolution for finding the form (full resolution is kept for measuring).
WORK_DPI = 150.0  # scans with a known resolution
WORK_LONG_SIDE = 1800  # px, photos and images without a resolution
SCALE_LENGTH_MM = (80.0, 115.0)  # plausible printed length of a 100 mm line (fit-to-page ... 100 %)
LENGTH_WARN_MM = 2.0  # warn when the printed line is not 100 (the form's length) +/- this
PAST_END_MM = 0.6  # a crossing this far beyond an end is past the end
COVER_SNAP_MM = 0.6  # a mark over an end, centred within this of where its ink stops, is on it
RETRY_SCALE = 1.6  # a page with no form found is searched again this much finer...
RETRY_THRESHOLD = 0.16  # ...with this ink threshold (faint print)
MIN_IMAGE_PX = 200  # a smaller image cannot show a 100 mm line to the millimetre
MIN_WORK_PPM = 3.0  # px/mm: a 100 mm line shorter than 300 working px is too small to read
PRINT_SCALE_WARN = 0.01  # warn when a printed form is more than 1 % off its size
END_MISMATCH_MM = 1.5  # a measured line end this far from the layout's is suspect
BITONAL_SHARE = 0.97  # pixels pure black or white: a bitonal scan
UPSIDE_DOWN_REASON = "the page may be upside down (then this item reads from the other end): check it"
UNNAMED_REASON = ("the form was not recognised, and with it which way up the page is: check this reading "
                  "(upside down, it reads from the other end)")
ONE_LINE_LENGTH_MM = 1.0  # a form's one line on a scan, this near its printed length, ends where it should
SHORT_LINE_SHARE = 0.75  # a line shorter than this share of the longest was cut short
WIDE_MARK_MM = 15.0  # a mark spreading this far along the line near it: a scribble, a crossed-out answer
THICKER_REASON = "the line is thicker in one place: a small mark?"
END_INK_REASON = ("no mark found, but one end of the line holds more ink than the other lines' ends: "
                  "check for a mark at the end")
DOT_PRINT_REASON = ("the line is thicker in one place (a small mark?), and nothing rules out print or the scanner "
                    "there: check it")
DOT_TWINS = 2  # a dot read from the line's thickening, with this many siblings thickened there: print or the scanner
FAINT_LOOP_REASON = ("a faint stroke (a light circle?) crosses the line where it is read and again elsewhere: "
                     "check where the mark is")
OVER_TICK_REASON = "the mark is drawn over the printed end stroke: check where it crosses the line"
CURLED_REASON = ("the mark curls round a point beside where it crosses the line (an open circle?): check where "
                 "the mark is")
MISPLACED_END_REASON = "this line's end was not found where it should be: check where it ends, then the mark"
STRAY_LINE_REASON = ("line {n} may not be one of the form's lines (both its ends are out of line with the other "
                     "lines'): the items may be numbered one off; check which lines are the form's")
THROUGH_NEAR_MM = 1.5  # a reading this near a stroke through every line may be that stroke
THICK_DOT_CONFIDENCE = 0.7  # a dot found only as a clear thickening of the line
SECOND_DOT_GAP_MM = 1.5  # a second dot is looked for this far beside the mark found
SECOND_DOT_STAND_OUT = 1.5  # ...standing this many times further out of the line's own variation (JPEG blocks)
TICK_NEAR_MM = 0.5  # a one-sided mark this near a printed end stroke may be the stroke
END_SIBLING_MM = 1.5  # ...or this far from the line through the other lines' ends
LAYOUT_FIT_MM = 0.3  # median end mismatch up to which the layout may place hidden ends
PRINT_SCALE_RANGE = (0.8, 1.03)  # printed size / layout size a resolution tag may imply


@dataclass(frozen=True)
class ReadOptions:
    """Options for reading a page.

    ``item_threshold``: the SRS item flag (default: the template's, 9.0).
    ``form``: the form every page is declared to be (``"srs"``, ``"ors"``, ``"csrs"``,
    ``"cors"``, or a clinic form's id): a page is not sent to review for its type, but one
    whose evidence names another form still is.
    ``templates``: a clinic's own forms (template files, :mod:`srs_scan.forms.custom`) that
    a page may be besides the shipped ones. Paths, so that options stay picklable for the
    worker processes; each process reads the files once.
    """

    item_threshold: float | None = None
    form: str | None = None
    templates: tuple[Path, ...] = ()

    def settings(self) -> dict[str, Any]:
        """The options that change a reading, for the ledger's key (unset ones left out):
        the templates by their content, so a changed template reads the pages again."""
        out: dict[str, Any] = {"item_threshold": self.item_threshold}
        if self.form is not None:
            out["form"] = self.form
        if self.templates:
            out["templates"] = digests(self.templates)
        return out

    def forms(self) -> Mapping[str, FormDef]:
        """The forms a page may be: the shipped ones and the templates'."""
        return catalogue(self.templates)


def read_path(path: str | Path, *, options: ReadOptions | None = None) -> Iterator[PageResult]:
    """Read every page of one file (PDF, TIFF, image). Failures become ``error`` pages."""
    p = Path(path)
    for item in decode.iter_pages(p, source=str(path)):
        if isinstance(item, decode.PageFailure):
            yield PageResult(item.source, item.page, PageStatus.ERROR, reasons=(item.reason,))
        else:
            yield read_page(item, options=options)


def read_image(
    image: np.ndarray,
    *,
    dpi: float | None = None,
    source: str = "<array>",
    page: int = 1,
    options: ReadOptions | None = None,
) -> PageResult:
    """Read one page given as an array: (M, N) gray or (M, N, 3) BGR, uint8."""
    return read_page(PageImage(source, page, np.asarray(image), dpi), options=options)


def read_page(page: PageImage, *, options: ReadOptions | None = None) -> PageResult:
    """Run every stage on one decoded page. Never raises for a bad page: see ``status``."""
    opts = options or ReadOptions()
    try:
        return _read(page, opts)
    except SrsScanError:
        raise  # a broken installation (templates): not this page's fault
    except Exception as exc:  # noqa: BLE001 - one bad page must not stop a batch
        return PageResult(
            page.source,
            page.page,
            PageStatus.ERROR,
            reasons=(f"internal error while reading the page ({type(exc).__name__}): please report it",),
            dpi=page.dpi,
        )


@dataclass
class _Located:
    """Where the scales are and what the page is, before measuring."""

    ends: list[tuple[np.ndarray, np.ndarray]]  # full-resolution (left, right), top first
    direction: np.ndarray  # unit vector along the lines, left to right
    form: FormDef | None
    reasons: list[str]
    geometry: dict[str, Any]
    fit: fiducials.FrameFit | None = None  # from three or more corner markers
    dpi_trusted: bool = True  # the file's resolution agrees with the printed lines
    layout: PrintedLayout | None = None  # our own printed form, by its markers
    qr_fit: fiducials.FrameFit | None = None  # where to read its QR code
    by_frame: bool = False  # located by the corner markers alone (they give the print scale)
    evidence: classify.TextEvidence | None = None  # what the page's words said
    type_reasons: tuple[str, ...] = ()  # the reasons that are doubts about the form type only
    line_mm: float = 100.0  # the form's line length (the lines found: their shape's)
    upright_doubt: bool = False  # which way up is in doubt: every reading may be 100 - its mm
    more_lines: bool = False  # another line of the same kind stands in line with the stack


def _read(page: PageImage, opts: ReadOptions) -> PageResult:
    gray = to_gray(page.image)
    h, w = gray.shape
    if min(h, w) < MIN_IMAGE_PX:
        return PageResult(
            page.source, page.page, PageStatus.ERROR, dpi=page.dpi,
            reasons=(f"the image is too small to hold a form ({w} x {h} px)",),
        )
    warnings: list[str] = []
    located = _locate(page, gray, opts, opts.forms())
    if isinstance(located, PageResult):
        return located
    if not located.dpi_trusted:
        warnings.append("the file's stated resolution does not match the form: physical size unknown")
        page = PageImage(page.source, page.page, page.image, None)
    form, reasons = located.form, located.reasons
    ident = _read_identity(gray, located, reasons, warnings)
    measured = _measure(gray, located, page.dpi)
    if measured is None:
        return PageResult(
            page.source, page.page, PageStatus.REVIEW, dpi=page.dpi,
            form=form.id if form else None,
            reasons=("a scale line could not be measured (faint or broken print)",),
            template=_template_of(form),
            **_identity_fields(ident, located.layout),
        )
    size = _physical_size(measured, page.dpi, located.fit if located.by_frame else None, located.line_mm)
    warnings.extend(size.warnings)

    # 7. score
    readings = measured.readings
    # which way up in doubt, or no form named (nor declared): the words that would have said
    # which way up it stands said nothing sure, and its print alone may have it upside down
    turn_doubt = UPSIDE_DOWN_REASON if located.upright_doubt else (
        UNNAMED_REASON if form is None and not located.by_frame else None)
    if turn_doubt is not None:
        readings = [r if r.status is not ItemStatus.OK else _doubt(r, turn_doubt, 0.3) for r in readings]
    n_lines = len(readings)
    names = [item.name for item in form.items] if form else [f"Item {i}" for i in range(1, n_lines + 1)]
    items = score_items(readings, names, line_lengths_mm=size.lengths_mm, line_mm=located.line_mm)
    total = total_of(items)
    flags = flags_for(form, items, total, ScoringOptions(opts.item_threshold)) if form else ()
    reasons.extend(item_reasons(items))
    angle = float(np.degrees(np.arctan2(located.direction[1], located.direction[0])))
    return PageResult(
        page.source, page.page, PageStatus.REVIEW if reasons else PageStatus.OK, dpi=page.dpi,
        form=form.id if form else None,
        items=items,
        total=total,
        flags=flags,
        reasons=tuple(reasons),
        rotation=int(round(angle / 90.0)) * 90 % 360,
        line_length_mm=size.mean_mm,
        warnings=tuple(warnings),
        geometry=_geometry(measured, angle, located),
        print_scale=size.print_scale,
        template=_template_of(form),
        **_identity_fields(ident, located.layout),
    )


def _template_of(form: FormDef | None) -> dict[str, Any] | None:
    """What the record says of a clinic's own form's template (None for the shipped forms)."""
    if form is None or form.source is None:
        return None
    return {"file": Path(form.source).name, "sha256": form.digest, "line_length_mm": form.line_length_mm}


def _locate(page: PageImage, gray: np.ndarray, opts: ReadOptions, forms: Mapping[str, FormDef]
            ) -> _Located | PageResult:
    """Where the scales are: by the corner markers of our own forms, else by the lines."""
    h, w = gray.shape
    if page.dpi:
        factor = min(1.0, WORK_DPI / page.dpi)
    else:
        factor = min(1.0, WORK_LONG_SIDE / max(h, w))
    work = resize_to(gray, factor)

    # 1b. our own printed forms: corner markers map the page onto its layout
    markers = fiducials.detect_markers(work, gray.shape)
    fit = fiducials.fit_frame(markers.hits)
    if fit is not None:
        located: _Located | PageResult = _locate_by_frame(fit, markers, page.dpi, forms)
    else:
        located = _locate_by_lines(page, gray, work, factor, markers, forms)
    if isinstance(located, PageResult):
        return located
    if markers.repeated:
        located.reasons.append("two copies of an srs-scan form are in the image: only one was read")
    if opts.form is not None:
        _declare(located, forms[opts.form])
    n_lines = len(located.ends)
    evidence = located.evidence
    if located.form is None and located.more_lines and evidence is not None and evidence.available \
            and evidence.elsewhere is None:
        # lines of one kind running on past the stack, and no word for any form: ruled paper,
        # a table, a list - a printed form has its own number of lines and names itself
        return PageResult(page.source, page.page, PageStatus.NO_FORM, dpi=page.dpi,
                          reasons=(f"more than {n_lines} lines in line and no words naming a known form: ruled "
                                   "paper or a table (a clinic's own form is read with its --template)",))
    if n_lines <= stacks.FEW_LINES and located.form is None:
        # one or two lines and no name: a rule, an underline - not a form
        return PageResult(page.source, page.page, PageStatus.NO_FORM, dpi=page.dpi,
                          reasons=(f"{n_lines} line(s) in line, but no form of {n_lines} line(s) is named "
                                   "on the page",))
    return located


def _declare(located: _Located, declared: FormDef) -> None:
    """The run says which form every page is: that settles a missing or doubtful type,
    but evidence naming another form still goes to a person (and so do lines that are not
    the declared form's: it is never read on another form's lines)."""
    form_id = declared.id
    if declared.lines != len(located.ends):
        located.reasons.append(
            f"the run declares {form_id.upper()} ({declared.lines} lines) but {len(located.ends)} lines were "
            "found: check which form this is")
        return
    evidence = located.evidence
    if located.layout is not None and located.layout.form != form_id:
        located.reasons.append(
            f"the run declares {form_id.upper()} but the corner markers say {located.layout.form.upper()}: "
            "check which form this is")
    elif evidence is not None and evidence.form is not None and evidence.form != form_id and not evidence.reason:
        located.reasons.append(
            f"the run declares {form_id.upper()} but the page's words read as {evidence.form.upper()}: "
            "check which form this is")
    located.reasons[:] = [r for r in located.reasons if r not in located.type_reasons]
    located.form = declared
    located.line_mm = declared.line_length_mm


def _read_identity(gray: np.ndarray, located: _Located, reasons: list[str], warnings: list[str]) -> FormIdentity | None:
    """Who the sheet belongs to: the QR code of a printed form, where its layout puts it."""
    if located.qr_fit is None:
        return None
    ident = qrread.read_at(gray, located.qr_fit)
    form = located.form
    if ident is None:
        warnings.append("the form's QR code could not be read: client and session unknown")
    elif located.layout is not None and (ident.form, ident.layout_version) != (
        located.layout.form, located.layout.version
    ):
        reasons.append("the QR code and the corner markers name different forms")
    elif form is not None and ident.form != form.id:
        reasons.append(f"the QR code says {ident.form.upper()} but the page reads as {form.id.upper()}")
    return ident


@dataclass(frozen=True)
class _Measured:
    """The four lines measured at full resolution: strips, their marks, the ends hidden
    under a mark, the vanishing point and each line's reading."""

    strips: list[LineStrip]
    covered: list[CoveredEnd]
    vanishing: tuple[float, float] | None
    readings: list[MarkReading]


def _measure(gray: np.ndarray, located: _Located, dpi: float | None) -> _Measured | None:
    """4. and 5.: each line's ends and mark, and the mark's place on the page. None when
    a line cannot be sampled; doubts are added to ``located.reasons``."""
    reasons = located.reasons
    strips: list[LineStrip | None] = [
        sample_strip(gray, tuple(a), tuple(b), line_mm=located.line_mm) for a, b in located.ends
    ]
    good = [s for s in strips if s is not None]
    if len(good) < len(strips):
        return None
    if any(not _inside(s.to_image(u), gray.shape) for s in good for u in (s.left_u, s.right_u)):
        reasons.append("a scale line runs to the edge of the image: its end may be cut off")
    erase_end_ticks(good)
    blobs = drop_end_ticks(good, mark_printed_blobs(good))

    found = [find_marks(s, b) for s, b in zip(good, blobs, strict=True)]
    nominal_px = located.line_mm / 25.4 * dpi if dpi else None
    # the layout places a hidden end only on a page that fits it closely (not curled paper)
    mismatch = _end_mismatch_mm(good, located.fit) if located.fit is not None else None
    trusted_layout = mismatch is not None and float(np.median(mismatch)) <= LAYOUT_FIT_MM
    covered = settle_covered_ends(
        good, [m for m, _ in found], nominal_px=nominal_px, predicted=located.ends if trusted_layout else None
    )
    misplaced = _ends_against_layout(good, located.fit, covered) if located.fit is not None else []
    stray_line: int | None = None
    if len(good) > stacks.FEW_LINES:
        siblings = _ends_against_siblings(good, covered)
        misplaced += siblings
        stray_line = _stray_edge_line(siblings, len(good))
        misplaced += _lengths_against_siblings(good, covered, {line for line, _ in misplaced})
    else:
        reasons.extend(_few_lines_agree(good, covered, dpi, located.line_mm))
    reasons.extend(msg for _, msg in misplaced)

    # 5. perspective: the four lines meet at the horizon's vanishing point (or are parallel)
    end_points = [(s.to_image(s.left_u), s.to_image(s.right_u)) for s in good]
    vanishing = perspective.vanishing_point(end_points)
    # a bitonal scan (fax, 1-bit TIFF) has jagged line edges: only a clear bump is a mark
    min_excess = THICK_EXCESS if _is_bitonal(gray) else THICK_EXCESS_MIN
    readings = [_reading(s, m, st, vanishing, min_excess) for s, (m, st) in zip(good, found, strict=False)]
    readings = _dots_alone(good, found, readings, min_excess)
    streaks = through_strokes(good) if len(good) > 1 else []
    for mm in streaks:
        for i, r in enumerate(readings):
            at = _linear_mm(good[i], found[i][0], min_excess) if r.u_mm is not None else None
            if at is not None and abs(at - mm) <= THROUGH_NEAR_MM:
                readings[i] = _doubt(r, "a stroke runs down through the lines at this place (a scanner streak, "
                                        "a fold?): check the mark", 0.2)
    # a line with nothing at pen darkness, or only a thickening of its own print there
    blank = [i for i, r in enumerate(readings) if r.status is ItemStatus.MISSING or r.reasons == (THICKER_REASON,)]
    for i, (marks, strays) in (faint_marks(good, blank) if blank else {}).items():
        if readings[i].status is not ItemStatus.MISSING and len(marks) != 1:
            continue  # a thickening stays what is read unless one faint mark crosses the line
        # a mark in lighter ink than a pen's: found, never reported blank, but a person checks it
        faint = _reading(good[i], marks, strays, vanishing, min_excess)
        readings[i] = replace(faint, status=ItemStatus.REVIEW, confidence=min(faint.confidence, 0.4),
                              reasons=("a faint mark, lighter than pen ink: check it is the client's mark",)
                              + faint.reasons)
        found[i] = (marks, strays)
    for i, r in enumerate(readings):
        if r.status is ItemStatus.MISSING and (u := extra_ink_at_end(good, i)) is not None:
            # nothing found on the line, but one of its ends holds more than the print there
            readings[i] = MarkReading(perspective.fraction_along(good[i], u, vanishing) * 100.0, ItemStatus.REVIEW,
                                      (END_INK_REASON,), 0.2)
    readings = [
        _at_covered_end(r, s, m, covered, i)
        for i, (r, s, (m, _)) in enumerate(zip(readings, good, found, strict=False))
    ]
    for i in sorted({line for line, _ in misplaced}):
        # a misplaced end makes the reading wrong, and a mark off the measured part of the
        # line leaves it looking blank: neither is ok, nor a finding of a blank line
        readings[i] = _doubt(readings[i], MISPLACED_END_REASON, 0.2)
    if stray_line is not None:
        reason = STRAY_LINE_REASON.format(n=stray_line + 1)
        readings = [_doubt(r, reason, 0.2) for r in readings]
    return _Measured(good, covered, vanishing, readings)


def _is_bitonal(gray: np.ndarray) -> bool:
    """Whether more than ``BITONAL_SHARE`` of the pixels are pure black or white. Counted in
    bands of rows, stopping as soon as the gray pixels counted so far are too many (a gray
    scan or a photo: within its first band), so the answer is the whole page's."""
    step = max(1, gray.shape[0] // 16)
    gray_px = 0
    for y in range(0, gray.shape[0], step):
        gray_px += cv2.countNonZero(cv2.inRange(gray[y : y + step], 1, 254))
        if not 1.0 - gray_px / gray.size > BITONAL_SHARE:
            return False
    return True


@dataclass(frozen=True)
class _Size:
    """Physical size, when the resolution is known: each line's printed length (None for
    a line whose end is hidden under a mark), their mean, the print scale of our own forms."""

    lengths_mm: list[float | None]
    mean_mm: float | None
    print_scale: float | None
    warnings: list[str]


def _physical_size(measured: _Measured, dpi: float | None, fit: fiducials.FrameFit | None,
                   line_mm: float = 100.0) -> _Size:
    lengths_mm: list[float | None] = [None] * len(measured.strips)
    mean_len: float | None = None
    print_scale: float | None = None
    warnings: list[str] = []
    if dpi:
        unsure = {c.line for c in measured.covered if not c.resolved}  # an end hidden under a mark
        lengths_mm = [
            None if i in unsure else round_half_up(s.length / dpi * 25.4, 1)
            for i, s in enumerate(measured.strips)
        ]
        known = [v for v in lengths_mm if v is not None]
        mean_len = round_half_up(float(np.mean(known)), 1) if known else None
        if fit is not None:
            print_scale = round(fit.print_scale(dpi), 3)
    if print_scale is not None:
        if abs(print_scale - 1.0) > PRINT_SCALE_WARN:
            warnings.append(
                f"the form was printed at {100 * print_scale:.1f} % of its size ('fit to page'?): "
                "scores are relative to the printed line"
            )
    elif mean_len is not None and abs(mean_len - line_mm) > LENGTH_WARN_MM:
        warnings.append(
            f"the printed lines are {mean_len:.1f} mm long, not {line_mm:g} mm "
            "(printed with 'fit to page'?): scores are relative to the printed line"
        )
    return _Size(lengths_mm, mean_len, print_scale, warnings)


def _geometry(measured: _Measured, angle: float, located: _Located) -> dict[str, Any]:
    """Where the lines are, for the audit drawing (see :meth:`PageResult.drawing_geometry`)."""
    return {
        "lines": [
            {"left": s.to_image(s.left_u), "right": s.to_image(s.right_u), "thickness_px": s.thickness}
            for s in measured.strips
        ],
        "vanishing_point": measured.vanishing,
        "angle_deg": angle,
        **located.geometry,
    }


def _identity_fields(ident: FormIdentity | None, layout: PrintedLayout | None) -> dict[str, Any]:
    if ident is None:
        return {"layout": layout.id if layout else None}
    return {
        "layout": layout.id if layout else f"{ident.form}-{ident.layout_version}",
        "form_id": ident.form_id,
        "client": ident.client,
        "session": ident.session,
    }


def _locate_by_frame(fit: fiducials.FrameFit, markers: fiducials.MarkerScan, dpi: float | None,
                     forms: Mapping[str, FormDef]) -> _Located:
    """Our own printed form: the layout says where the lines are and which way is up."""
    ends = fit.scale_ends()
    direction = np.mean([b - a for a, b in ends], axis=0)
    direction /= np.linalg.norm(direction)
    geometry = {"frame": {"layout": fit.layout.id, "markers": list(fit.marker_ids),
                          "residual_mm": round(fit.residual_mm, 3)}}
    reasons = []
    if len(markers.layouts) > 1:
        # two of our forms in one picture: the page read may not be the one meant
        reasons.append("markers of more than one form are in the image")
    # a resolution tag that makes the printed form implausibly large or small is wrong
    # (printing shrinks to fit the paper; it does not enlarge)
    trusted = dpi is None or PRINT_SCALE_RANGE[0] <= fit.print_scale(dpi) <= PRINT_SCALE_RANGE[1]
    return _Located(ends, direction, forms.get(fit.layout.form), reasons, geometry, fit,
                    dpi_trusted=trusted, layout=fit.layout, qr_fit=fit, by_frame=True)


def _locate_by_lines(
    page: PageImage, gray: np.ndarray, work: np.ndarray, factor: float,
    markers: fiducials.MarkerScan, forms: Mapping[str, FormDef],
) -> _Located | PageResult:
    """Any form: find the stack of scales, then which way up and which form it is,
    from the markers that could be seen, else from the page's words and layout."""
    shapes = stacks.shapes(forms)
    binary, found = _find_form(work, page.dpi, factor, shapes=shapes)
    if found is None and factor < 1.0:
        # faint or hairline print (a photographed or faxed light form): look again, finer
        factor = min(1.0, factor * RETRY_SCALE)
        binary, found = _find_form(resize_to(gray, factor), page.dpi, factor, threshold=RETRY_THRESHOLD,
                                   shapes=shapes)
    if found is None:
        return PageResult(page.source, page.page, PageStatus.NO_FORM, dpi=page.dpi,
                          reasons=(f"no stack of {stacks.counts_text(shapes)} scale lines found",))
    scales, shape, dpi_ok = found.scales, found.shape, found.dpi_ok
    more = stacks.extra_reason(found)
    work_ppm = float(np.mean([s.length for s in scales.segments])) / shape.line_mm
    if work_ppm * (1.0 / factor) < MIN_WORK_PPM:
        return PageResult(page.source, page.page, PageStatus.REVIEW, dpi=page.dpi,
                          reasons=("the form is too small in the image to measure to the millimetre",))

    ref = scales.segments[0].direction
    dirs = [s.direction if s.direction @ ref >= 0 else -s.direction for s in scales.segments]
    direction = np.mean(dirs, axis=0)
    direction /= np.linalg.norm(direction)
    same = stacks.with_lines(forms, shape.lines)  # the forms with as many lines as were found

    # some of our corner markers (too few for a frame): if they stand where the lines found
    # put them, one way up, this is that form, that way up
    hits = markers.hits
    if len(markers.layouts) == 1 and len(hits[0].layout.scale_ends_mm) == shape.lines:
        lay = hits[0].layout
        for d in (direction, -direction):
            ends_d = _ordered_ends(scales, d, factor)
            qr_fit = fiducials.fit_from_lines(lay, ends_d, hits)
            if qr_fit is not None:
                return _Located(ends_d, d, forms.get(lay.form), [], {"markers_seen": [h.marker.id for h in hits]},
                                None, dpi_ok, layout=lay, qr_fit=qr_fit)

    # 3. orientation from the text's shape and the layout; 6. then the words check it
    seg_ends = np.array([[s.p0, s.p1] for s in scales.segments])
    view = orient.FormView.build(binary, direction, seg_ends, ppm=work_ppm)
    if view.layout_score() < -orient.LAYOUT_CLEAR:  # first guess: title above the scales
        direction = -direction
        view = view.turned()
    ends = _ordered_ends(scales, direction, factor)
    every = forms if len(same) < len(forms) else None
    text = classify.read_page_text(gray, ends, forms=same, line_mm=shape.line_mm, every=every)
    orientation = orient.decide_orientation(view, words=text.upright if text.available else None,
                                             named=text.decisive)
    if orientation.flip:
        direction = -direction
        ends = _ordered_ends(scales, direction, factor)
    if orientation.flip != text.flipped:
        # the words were read the other way up: read them again as the page now stands
        text = classify.read_page_text(gray, ends, forms=same, check_upright=False, line_mm=shape.line_mm,
                                       every=every)

    form: FormDef | None = same.get(text.form) if text.form else None
    reasons: list[str] = [more] if more else []
    if hits:
        reasons.append("srs-scan corner markers in the image do not belong to the form read")
    upright_doubt = not orientation.confident or bool(orientation.reason)
    if upright_doubt:
        # any disagreement about which way up: a page read upside down scores 10 - s
        reasons.append(orientation.reason or "page orientation uncertain")
    type_reasons: tuple[str, ...] = ()
    if form is None:
        type_reasons = (text.reason or "form type (SRS or ORS) not recognised",)
    elif text.reason:
        type_reasons = (text.reason,)
    reasons.extend(type_reasons)
    if form is None and text.elsewhere is not None:
        # the words name a form with other lines than were found: never read on these lines
        other = forms[text.elsewhere]
        reasons.append(f"the page's words name the {other.id.upper()} ({other.lines} lines), but "
                       f"{shape.lines} lines were found: check which form this is and where its lines are")
    geometry: dict[str, Any] = {
        "orientation": {
            "text_score": orientation.text_score,
            "layout_score": orientation.layout_score,
            "groups": orientation.groups,
            "ocr_upright": text.upright,
        },
        "form_confidence": text.confidence,
    }
    return _Located(ends, direction, form, reasons, geometry, None, dpi_ok, evidence=text, type_reasons=type_reasons,
                    line_mm=form.line_length_mm if form is not None else shape.line_mm, upright_doubt=upright_doubt,
                    more_lines=more is not None)


def _end_mismatch_mm(strips: list[LineStrip], fit: fiducials.FrameFit) -> np.ndarray:
    """(line, side) -> distance in frame mm between a measured line end and the layout's."""
    out = np.zeros((len(strips), 2))
    for i, (s, ends_mm) in enumerate(zip(strips, fit.layout.scale_ends_mm, strict=True)):
        got = fit.frame_points(np.array([s.to_image(s.left_u), s.to_image(s.right_u)]))
        out[i] = np.linalg.norm(got - np.asarray(ends_mm), axis=1)
    return out


def _ends_against_layout(
    strips: list[LineStrip], fit: fiducials.FrameFit, covered: list[CoveredEnd]
) -> list[tuple[int, str]]:
    """A printed line whose measured end is far from where the layout puts it: the strip
    may have run into something, or the page is not what its markers say."""
    hidden = {(c.line, c.side) for c in covered if not c.resolved}
    mismatch = _end_mismatch_mm(strips, fit)
    out = []
    for i in range(len(strips)):
        if any(mismatch[i, side] > END_MISMATCH_MM and (i, side) not in hidden for side in (0, 1)):
            out.append((i, f"line {i + 1} does not end where the printed layout puts it"))
    return out


def _ends_against_siblings(strips: list[LineStrip], covered: list[CoveredEnd]) -> list[tuple[int, str]]:
    """The lines of one form are printed alike, their ends aligned: in the image (even a
    photo: perspective keeps lines straight) each end lies on the line through the other
    lines' ends. An end far from it was misplaced (a faint line cut short at a mark, a
    mark taken for the end): a person must check it. The culprit is judged first and left
    out of the others' fit, so one bad end does not make its siblings look bad: of four or
    more ends, the one without which the rest lie best in line (an outer end's distance from
    the line through the others is swollen by an inner culprit's tilt of that line)."""
    hidden = {(c.line, c.side) for c in covered if not c.resolved}
    out = []
    for side in (0, 1):
        live = [i for i in range(len(strips)) if (i, side) not in hidden]
        while len(live) >= 3:
            pts = {i: np.array(strips[i].to_image(strips[i].left_u if side == 0 else strips[i].right_u)) for i in live}
            off = {i: _off_among(strips, side, pts, i, live) for i in live}
            worst = max(off, key=lambda i: off[i])
            if off[worst] <= END_SIBLING_MM:
                break
            if len(strips) == 3:  # three lines: two ends always make a line; the odd end is the culprit
                worst = _odd_end(strips, side)
            elif len(live) >= 4:
                rest = {i: max(_off_among(strips, side, pts, j, [k for k in live if k != i]) for j in live if j != i)
                        for i in live}
                worst = min(live, key=lambda i: (rest[i], -off[i]))
            out.append((worst, f"line {worst + 1}'s {'left' if side == 0 else 'right'} end is not in line with "
                               "the other lines' ends: check where the line ends"))
            live.remove(worst)
    return out


def _off_among(strips: list[LineStrip], side: int, pts: dict[int, np.ndarray], i: int, group: list[int]) -> float:
    """How far (mm) line ``i``'s end on ``side`` is from the line through the ends of the
    other lines of ``group``."""
    return _off_line_mm(strips[i], side, [pts[j] for j in group if j != i])


def _stray_edge_line(siblings: list[tuple[int, str]], lines: int) -> int | None:
    """The first or last line when both its ends are out of line with the other lines':
    perhaps no line of the form at all (a header underline taken into the stack, one of the
    form's lines left out), and then every item is numbered one off."""
    for i in (0, lines - 1):
        if sum(1 for j, _ in siblings if j == i) == 2:
            return i
    return None


def _lengths_against_siblings(strips: list[LineStrip], covered: list[CoveredEnd], flagged: set[int]
                              ) -> list[tuple[int, str]]:
    """The lines of one form are printed the same length: a line much shorter in the image
    than the longest (more than perspective makes of it) was cut short - at a gap in faint
    print, at a mark - wherever its ends seem to line up."""
    hidden = {c.line for c in covered if not c.resolved}
    longest = max(s.length for s in strips)
    return [(i, f"line {i + 1} is shorter than the others: check where it ends")
            for i, s in enumerate(strips)
            if i not in hidden and i not in flagged and s.length < SHORT_LINE_SHARE * longest]


def _few_lines_agree(strips: list[LineStrip], covered: list[CoveredEnd], dpi: float | None,
                     line_mm: float = 100.0) -> list[str]:
    """One or two lines (a clinic's form) have no third to check their ends against. On a
    scan of known resolution (no perspective) one line must be its form's printed length,
    and two lines as long as each other with their ends level across the lines; anything
    else - a photo, a line of another length, an end under a mark - goes to a person."""
    hidden = any(not c.resolved for c in covered)
    if len(strips) == 1 and dpi and not hidden:
        if abs(strips[0].length / dpi * 25.4 - line_mm) <= ONE_LINE_LENGTH_MM:
            return []
    if len(strips) == 2 and dpi and not hidden:
        d = np.mean([s.d for s in strips], axis=0)
        at = [[float(np.dot(s.to_image(u), d)) / s.ppm for u in (s.left_u, s.right_u)] for s in strips]
        if max(abs(at[0][0] - at[1][0]), abs(at[0][1] - at[1][1])) <= END_SIBLING_MM:
            return []
        return ["the 2 lines' ends are not level with each other (one is shorter, or shifted): "
                "check where each line ends"]
    return [str(stacks.few_lines_reason(len(strips)))]


def _odd_end(strips: list[LineStrip], side: int) -> int:
    """Of three lines, the one whose end lies farthest along the lines from the middle of
    the three ends (leave-one-out cannot tell an outer culprit from the other outer line)."""
    d = np.mean([s.d for s in strips], axis=0)
    at = [float(np.dot(s.to_image(s.left_u if side == 0 else s.right_u), d)) for s in strips]
    middle = float(np.median(at))
    return int(np.argmax([abs(a - middle) for a in at]))


def _off_line_mm(s: LineStrip, side: int, others: list[np.ndarray]) -> float:
    """How far (mm along the line) an end is from the line through the other ends."""
    pts = np.array(others)
    centre = pts.mean(axis=0)
    _, _, vt = np.linalg.svd(pts - centre)
    a = np.column_stack([s.d, -vt[0]])
    if abs(np.linalg.det(a)) < 1e-6:
        return 0.0
    u, _ = np.linalg.solve(a, centre - s.origin)
    here = s.left_u if side == 0 else s.right_u
    return abs(float(u) - here) / s.ppm


def _inside(p: tuple[float, float], shape: tuple[int, ...]) -> bool:
    """A point at least a pixel inside the image: a line end on the border may be cut off."""
    return 1.0 <= p[0] <= shape[1] - 2.0 and 1.0 <= p[1] <= shape[0] - 2.0


def _find_form(
    work: np.ndarray, dpi: float | None, factor: float, *, threshold: float | None = None,
    shapes: tuple[stacks.Shape, ...] = (stacks.PCOMS,),
) -> tuple[np.ndarray, stacks.Found | None]:
    """Stage 2 on a working copy (``factor`` x full resolution): its ink mask and the stack
    of scales that is the form (or None), searched for each shape of the forms a page may
    be (:mod:`srs_scan.read.stacks`), with whether its length agrees with the resolution."""
    # mm -> working px before the form is found: exact with a dpi, a floor without one
    ppm_guess = (dpi * factor / 25.4) if dpi else max(work.shape) / 297.0
    ink = ink_map(work, paper_window_px=int(round(4.0 * ppm_guess)))
    binary = lines.binarize(ink, threshold=threshold)
    min_ppm = ppm_guess if dpi else max(work.shape) * 0.55 / 297.0
    segments: dict[float, list[lines.Segment]] = {}  # by the shortest length kept
    found: list[stacks.Found] = []
    for shape in shapes:
        lo_mm, hi_mm = (SCALE_LENGTH_MM[0] * shape.line_mm / 100.0, SCALE_LENGTH_MM[1] * shape.line_mm / 100.0)
        min_length = 0.45 * lo_mm * min_ppm
        if min_length not in segments:
            # a scan's streaks (a photo has none, and its page's edges run in from the image's)
            mask = lines.cut_streaks(binary, min_run=min_length) if dpi else binary
            segments[min_length] = lines.find_segments(
                mask, min_length=min_length, thin_px=max(4.0, 1.6 * ppm_guess), max_gap=max(3.0, 2.5 * ppm_guess),
            )
        segs = segments[min_length]
        if dpi:
            expected = (lo_mm * ppm_guess, hi_mm * ppm_guess)
            scales = lines.select_scales(segs, expected_length=expected, count=shape.lines)
            if scales is not None:
                found.append(stacks.Found(shape, scales, True))
                continue
            # a wrong resolution tag must not hide a form: look again without it
            scales = lines.select_scales(segs, count=shape.lines)
            if scales is not None:
                found.append(stacks.Found(shape, scales, False))
        elif (scales := lines.select_scales(segs, count=shape.lines)) is not None:
            found.append(stacks.Found(shape, scales, True))
    chosen = stacks.choose(found)
    if chosen is not None:
        lo_mm = SCALE_LENGTH_MM[0] * chosen.shape.line_mm / 100.0
        extra = lines.extra_line(chosen.scales, segments[0.45 * lo_mm * min_ppm])
        chosen = replace(chosen, extra=extra is not None)
    return binary, chosen


def _doubt(reading: MarkReading, reason: str, confidence: float) -> MarkReading:
    """The reading sent to a person: status review, ``reason`` added, confidence at most this."""
    return replace(reading, status=ItemStatus.REVIEW, confidence=min(reading.confidence, confidence),
                   reasons=reading.reasons + (reason,))


def _linear_mm(strip: LineStrip, marks: list[MarkCandidate], min_excess: float) -> float | None:
    """Where a line's reading stands on its strip, in linear % of the strip's length (not
    corrected for perspective: comparable from line to line at the same place in the image).
    The largest mark's crossing, or the line's thickening when no mark was found."""
    if marks:
        return strip.to_mm(marks[0].u)
    bump = find_thickening(strip, min_excess=min_excess)
    return strip.to_mm(bump.u) if bump is not None else None


def _dots_alone(strips: list[LineStrip], found: list[tuple[list[MarkCandidate], list[Blob]]],
                readings: list[MarkReading], min_excess: float) -> list[MarkReading]:
    """A dot read from the line's thickening alone stands on that line only: the same
    thickening at the same place on the other lines is print or the scanner (a streak down
    the page crosses every line), not a client's dot, and a person must look. Siblings with
    a mark of their own there say nothing; of the rest, one thickened there is enough when
    it is the only one to compare with, else ``DOT_TWINS`` must be (two clients' dots at
    the same place on two lines of four are two answers). With fewer than three lines
    there is too little to compare it with: a person looks too."""
    out = list(readings)
    for i, (r, (marks, strays)) in enumerate(zip(readings, found, strict=True)):
        if marks or strays or r.status is not ItemStatus.OK or r.u_mm is None:
            continue
        here = _linear_mm(strips[i], [], min_excess)

        def own_mark_there(j: int, mm: float) -> bool:  # a sibling's own mark thickens it there
            o = strips[j]
            return any(o.to_mm(m.foot0) - THROUGH_NEAR_MM <= mm <= o.to_mm(m.foot1) + THROUGH_NEAR_MM
                       for m in found[j][0])

        if here is None or len(strips) <= stacks.FEW_LINES:
            out[i] = _doubt(r, DOT_PRINT_REASON, 0.2)
            continue
        others = [j for j in range(len(strips)) if j != i and not own_mark_there(j, here)]
        twins = sum(thickening_at(strips[j], strips[j].left_u + here / 100.0 * strips[j].length) >= THICK_EXCESS_MIN
                    for j in others)
        if twins and twins >= min(DOT_TWINS, len(others)):
            out[i] = _doubt(r, DOT_PRINT_REASON, 0.2)
    return out


def _ordered_ends(
    scales: lines.ScaleSet, direction: np.ndarray, factor: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Full-resolution (left, right) end points, top line first, for a page direction."""
    down = np.array([-direction[1], direction[0]])
    mids = np.array([s.midpoint for s in scales.segments])
    ends = []
    for k in np.argsort(mids @ down):
        seg = scales.segments[k]
        p0, p1 = np.asarray(seg.p0), np.asarray(seg.p1)
        if (p1 - p0) @ direction < 0:
            p0, p1 = p1, p0
        ends.append((p0 / factor, p1 / factor))
    return ends


def _at_covered_end(
    reading: MarkReading, strip: LineStrip, marks: list[MarkCandidate], covered: list[CoveredEnd],
    line: int,
) -> MarkReading:
    """A mark over an end that neither the other lines nor the scale could locate.

    The end is somewhere under the mark, between where its ink stops and its centre.
    A narrow mark (a tick) leaves little doubt: it stands on the end, and so does the
    reading (0 or 100). A wide one (a big dot) leaves a millimetre or more: a person
    must look.
    """
    for c in covered:
        if c.line != line or c.resolved or reading.u_mm is None or not marks:
            continue
        mark = marks[0]
        end_u = strip.left_u if c.side == 0 else strip.right_u
        end_mm = 0.0 if c.side == 0 else 100.0
        doubt_mm = abs(mark.u - end_u) / strip.ppm
        if c.elsewhere:
            # the other lines' ends say this line goes on past the mark: its end was not found
            return replace(
                reading, status=ItemStatus.REVIEW, confidence=min(reading.confidence, 0.2),
                reasons=reading.reasons + (f"line {line + 1}'s end was not found where the other lines end "
                                           "(faint print cut short at the mark?): check where the line ends",),
            )
        if doubt_mm <= COVER_SNAP_MM:
            return replace(reading, u_mm=end_mm, confidence=min(reading.confidence, 0.8))
        return replace(
            reading,
            u_mm=end_mm,
            status=ItemStatus.REVIEW,
            reasons=reading.reasons
            + (f"the mark covers the end of the line: somewhere within {doubt_mm:.1f} mm of it",),
            confidence=min(reading.confidence, 0.5),
        )
    return reading


def _reading(
    strip: LineStrip, marks: list[MarkCandidate], strays: list[Blob],
    vanishing: tuple[float, float] | None, min_excess: float = THICK_EXCESS_MIN,
) -> MarkReading:
    ppm = strip.ppm

    def to_mm(u: float) -> float:
        return perspective.fraction_along(strip, u, vanishing) * 100.0

    if not marks and not strays:
        bump = find_thickening(strip, min_excess=min_excess) or find_small_dot(strip)
        if bump is not None and bump.clear and min_excess < THICK_EXCESS:  # (not on a bitonal scan's jagged edges)
            if faint_loop_through(strip, bump.u):
                return MarkReading(to_mm(bump.u), ItemStatus.REVIEW, (FAINT_LOOP_REASON,), 0.3)
            return MarkReading(to_mm(bump.u), ItemStatus.OK, (), THICK_DOT_CONFIDENCE)
        if bump is not None:
            return MarkReading(
                to_mm(bump.u), ItemStatus.REVIEW, (THICKER_REASON,), 0.2,
            )
        return MarkReading(None, ItemStatus.MISSING)
    if not marks:
        biggest = max(strays, key=lambda b: b.area)
        return MarkReading(
            to_mm(biggest.uc),
            ItemStatus.REVIEW,
            ("ink near the line does not touch it: is it a mark?",),
            0.3,
            tuple(round(to_mm(b.uc), 1) for b in strays),
        )
    best = marks[0]
    mm = to_mm(best.u)
    reasons: list[str] = []
    confidence = 1.0
    if len(marks) > 1:
        reasons.append(f"{len(marks)} marks on the line")
        confidence = 0.2
    elif not strays:
        # a second mark may be a dot hidden in the line: thicker somewhere else
        pad = SECOND_DOT_GAP_MM * ppm
        second = find_thickening(strip, min_excess=min_excess, besides=(best.foot0 - pad, best.foot1 + pad),
                                 stand_out=SECOND_DOT_STAND_OUT)
        if second is not None and min_excess < THICK_EXCESS:  # (any size: a small dot counts)
            reasons.append("2 marks on the line? (the line is also thicker in another place: a small dot?)")
            confidence = 0.2
    big_strays = [b for b in strays if b.area >= 0.3 * best.area]
    if big_strays:
        reasons.append("more ink near the line that does not touch it")
        confidence = min(confidence, 0.5)
    if best.u < strip.left_u - PAST_END_MM * ppm or best.u > strip.right_u + PAST_END_MM * ppm:
        reasons.append("the mark is past the end of the line")
        confidence = min(confidence, 0.4)
    if best.spread > WIDE_MARK_MM * ppm:
        reasons.append("the mark is unusually wide (a scribble or a crossed-out mark?)")
        confidence = min(confidence, 0.4)
    if best.sides == 1:
        confidence = min(confidence, 0.85)
        ends = (strip.left_u, strip.right_u)
        if strip.tick_half > 0 and min(abs(best.u - e) for e in ends) <= strip.tick_half + TICK_NEAR_MM * ppm:
            # on a form with printed end strokes, ink on one side of the line at its end may be
            # the stroke itself with a letter touching it, not a client's mark
            reasons.append("a mark on one side of the line at its printed end stroke: is it a mark?")
            confidence = min(confidence, 0.4)
    elif strip.tick_half > 0 and (min(abs(best.u - e) for e in (strip.left_u, strip.right_u))
                                  <= strip.tick_half + TICK_NEAR_MM * ppm) and (
            best.width <= 2.0 * strip.tick_half + TICK_NEAR_MM * ppm):
        # a "mark" no wider than the printed end stroke, on it: the stroke itself with a
        # little more ink (a faint circle around the end), or a client's bar exactly on it
        reasons.append("the mark is read on the printed end stroke: check it is a mark, and where")
        confidence = min(confidence, 0.4)
    if best.over_tick:
        reasons.append(OVER_TICK_REASON)
        confidence = min(confidence, 0.4)
    if best.curled:
        reasons.append(CURLED_REASON)
        confidence = min(confidence, 0.4)
    if not reasons and len(marks) == 1 and faint_loop_through(strip, best.u, (best.foot0, best.foot1)):
        reasons.append(FAINT_LOOP_REASON)  # one crossing of a pale circle found in pen ink
        confidence = min(confidence, 0.3)
    status = ItemStatus.REVIEW if reasons else ItemStatus.OK
    return MarkReading(mm, status, tuple(reasons), confidence, tuple(round(to_mm(m.u), 1) for m in marks))
