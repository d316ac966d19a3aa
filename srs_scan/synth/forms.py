"""Synthetic SRS / ORS pages with exact geometric ground truth.

Coordinate conventions
----------------------
* Page millimetres: origin at the top-left corner of the paper, x to the right, y down.
* Image pixels: ``(x, y)`` with the origin at the *centre* of the top-left pixel, x to the
  right, y down (as in :mod:`srs_scan.model`): ``x_px = x_mm * dpi / 25.4 - 0.5``.
* Print scale ``s`` ("fit to page") shrinks all page content about the paper centre
  ``c``: a layout point ``p`` is printed at ``c + s * (p - c)``.  The scale lines are laid
  out 100 mm long, so they print ``100 * s`` mm long.

Exactness
---------
Printed scale lines, underlines and end ticks are axis-aligned rectangles rendered by
exact area coverage (each pixel's darkness is the fraction of its area inside the
rectangle), so the ink profile along a line integrates to its length exactly.  Lines have
butt ends: no cap extends past the end points.  Marks are drawn afterwards (see
:mod:`srs_scan.synth.marks`).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from .marks import PENS, MarkSpec, draw_mark, draw_strokes
from .wording import LAYOUT_MM, choose

__all__ = [
    "LAYOUTS",
    "PAPERS",
    "RenderedPage",
    "load_template",
    "render_blank",
    "render_form",
    "render_letter",
]

LAYOUTS: tuple[str, ...] = ("official", "house", "compact", "letter_fit")
PAPERS: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
_MM_PER_PT = 25.4 / 72.0


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class RenderedPage:
    """A rendered page and its ground truth.

    Attributes
    ----------
    image : ndarray (H, W, 3) uint8
        BGR page on white paper.
    dpi : float
        Pixels per inch; page mm -> px: ``x_px = x_mm * dpi / 25.4 - 0.5``.
    form : str or None
        ``"srs"``, ``"ors"``, or ``None`` for non-form pages.
    truth_mm : tuple of (float or None)
        Per scale line, top to bottom: the expected reading on the nominal 100 mm line
        (``u_mm`` of its single mark); ``None`` when the line has no mark or more than
        one mark.
    n_marks : tuple of int
        Number of marks per line, top to bottom.
    lines_px : tuple of ((x, y), (x, y))
        Exact left and right end points of each printed line's centre-line, image
        pixels (origin at the centre of the top-left pixel, x right, y down).
    line_length_mm : float
        Physical printed line length, ``100 * scale`` millimetres.
    """

    image: np.ndarray
    dpi: float
    form: str | None
    truth_mm: tuple[float | None, ...]
    n_marks: tuple[int, ...]
    lines_px: tuple[tuple[tuple[float, float], tuple[float, float]], ...]
    line_length_mm: float


def load_template(form: str) -> dict[str, Any]:
    """Load the reader's template of ``form`` (``"srs"`` or ``"ors"``).

    Reads ``<form>.json`` from the templates folder the reader uses. The renderer itself
    does not: its words are its own (:mod:`srs_scan.synth.wording`), so that reading
    them tests the reader on words other than its templates'.
    """
    return _load_template_cached(form)


@functools.lru_cache(maxsize=8)
def _load_template_cached(form: str) -> dict[str, Any]:
    from ..forms.definitions import _templates_dir  # the reader's own lookup: one source of truth

    return json.loads((_templates_dir() / f"{form}.json").read_text(encoding="utf-8"))


@functools.lru_cache(maxsize=64)
def _font(size_px: float, bold: bool = False) -> Any:
    """TrueType font of ``size_px`` pixels (em), DejaVu when installed, else Pillow's."""
    size_px = max(1.0, float(size_px))
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    path = _FONT_DIR / name
    if path.is_file():
        return ImageFont.truetype(str(path), size_px)
    return ImageFont.load_default(size=size_px)


def _rng_streams(seed: int, n: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(n)]


# --------------------------------------------------------------------------- canvas


class _Canvas:
    """Page under construction: exact rectangle ink + PIL text ink, in layout mm."""

    def __init__(self, paper: str, dpi: float, scale: float = 1.0) -> None:
        if paper not in PAPERS:
            raise ValueError(f"unknown paper {paper!r}; expected one of {tuple(PAPERS)}")
        self.pw, self.ph = PAPERS[paper]
        self.dpi = float(dpi)
        self.ppm = self.dpi / 25.4
        self.s = float(scale)
        self.w = int(round(self.pw * self.ppm))
        self.h = int(round(self.ph * self.ppm))
        self.ink = np.zeros((self.h, self.w), np.float32)
        self._text = Image.new("L", (self.w, self.h), 0)
        self._draw = ImageDraw.Draw(self._text)

    # layout mm -> printed page mm
    def map(self, x: float, y: float) -> tuple[float, float]:
        return (self.pw / 2 + self.s * (x - self.pw / 2), self.ph / 2 + self.s * (y - self.ph / 2))

    def rect(self, x0: float, y0: float, x1: float, y1: float, level: float = 1.0) -> None:
        """Fill an axis-aligned rectangle given in layout mm, with exact area coverage."""
        (a0, b0), (a1, b1) = self.map(x0, y0), self.map(x1, y1)
        _fill_rect(self.ink, a0 * self.ppm, b0 * self.ppm, a1 * self.ppm, b1 * self.ppm, level)

    def hline(self, x0: float, x1: float, y: float, width: float) -> None:
        self.rect(x0, y - width / 2, x1, y + width / 2)

    def text(
        self, x: float, y: float, s: str, pt: float, anchor: str = "ls", bold: bool = False
    ) -> None:
        """Draw text at layout mm ``(x, y)``; ``anchor`` is a PIL anchor (e.g. baseline)."""
        px, py = self.map(x, y)
        font = _font(pt * _MM_PER_PT * self.s * self.ppm, bold)
        try:
            self._draw.text((px * self.ppm, py * self.ppm), s, fill=255, font=font, anchor=anchor)
        except (ValueError, TypeError):  # bitmap fallback font without anchor support
            self._draw.text((px * self.ppm, py * self.ppm), s, fill=255, font=font)

    @staticmethod
    def width(s: str, pt: float, bold: bool = False) -> float:
        """Width of ``s`` in layout mm at ``pt`` points."""
        return float(_font(100.0, bold).getlength(s)) / 100.0 * pt * _MM_PER_PT

    def wrap(self, s: str, pt: float, max_w: float, bold: bool = False) -> list[str]:
        lines: list[str] = []
        cur = ""
        for word in s.split():
            trial = f"{cur} {word}".strip()
            if cur and self.width(trial, pt, bold) > max_w:
                lines.append(cur)
                cur = word
            else:
                cur = trial
        if cur:
            lines.append(cur)
        return lines

    def paragraph(
        self, x: float, y: float, s: str, pt: float, max_w: float, *, lead: float = 1.35,
        align: str = "l", bold: bool = False,
    ) -> float:
        """Wrapped text, first baseline at ``y``; returns the y of the next baseline."""
        step = pt * _MM_PER_PT * lead
        for line in self.wrap(s, pt, max_w, bold):
            self.text(x, y, line, pt, anchor=f"{align}s", bold=bold)
            y += step
        return y

    def compose(self, rng: np.random.Generator) -> np.ndarray:
        """Paper (with slight noise) darkened by the ink; float32 BGR 0-255."""
        ink = np.maximum(self.ink, np.asarray(self._text, np.float32) / 255.0)
        paper = _paper(self.h, self.w, rng)
        level = rng.uniform(15.0, 45.0)
        tone = 1.0 - ink * (1.0 - level / 255.0)
        return paper * tone[:, :, None]


def _fill_rect(
    ink: np.ndarray, x0: float, y0: float, x1: float, y1: float, level: float = 1.0
) -> None:
    """Exact-coverage rectangle in corner pixel coordinates (pixel j covers [j, j+1))."""
    h, w = ink.shape
    x0, x1 = sorted((x0, x1))
    y0, y1 = sorted((y0, y1))
    j0, j1 = max(int(np.floor(x0)), 0), min(int(np.ceil(x1)), w)
    i0, i1 = max(int(np.floor(y0)), 0), min(int(np.ceil(y1)), h)
    if j1 <= j0 or i1 <= i0:
        return
    j = np.arange(j0, j1, dtype=np.float64)
    i = np.arange(i0, i1, dtype=np.float64)
    cx = np.clip(np.minimum(x1, j + 1) - np.maximum(x0, j), 0.0, 1.0)
    cy = np.clip(np.minimum(y1, i + 1) - np.maximum(y0, i), 0.0, 1.0)
    cov = (np.outer(cy, cx) * level).astype(np.float32)
    region = ink[i0:i1, j0:j1]
    np.maximum(region, cov, out=region)


def _paper(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """White paper, float32 BGR: slight tint, low-frequency mottling and grain."""
    base = rng.uniform(243.0, 251.0)
    tint = np.array([rng.uniform(-3, 1), rng.uniform(-1.5, 1.5), rng.uniform(-1, 3)], np.float32)
    sh, sw = max(2, h // 64), max(2, w // 64)
    mott = rng.normal(0.0, 1.0, (sh, sw)).astype(np.float32)
    mott = cv2.resize(mott, (w, h), interpolation=cv2.INTER_CUBIC) * rng.uniform(0.4, 1.2)
    grain = rng.normal(0.0, rng.uniform(0.8, 1.6), (h, w)).astype(np.float32)
    g = base + mott + grain
    out = np.empty((h, w, 3), np.float32)
    for c in range(3):
        out[:, :, c] = np.clip(g + tint[c], 0.0, 255.0)
    return out


def _finish(img: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- text bits

_SRS_INSTR = (
    "Please rate today's session by placing a mark on each line nearest to the "
    "description that best fits your experience.",
    "How was our meeting today? Mark each line: the further right, the more the statement "
    "on the right describes the session.",
)
_ORS_INSTR = (
    "Looking back over the last week, including today, please show how you have been "
    "doing in each area below by marking the line: left is low, right is high.",
    "Think about the past week. Put a mark on each line to show how things have been "
    "going for you; marks toward the left mean things are hard, toward the right mean "
    "things are good.",
)
_SHORT_ANCHORS = (("Low", "High"), ("Not at all", "Completely"), ("Poor", "Good"), ("0", "10"))
_FOOTERS = (
    "srs-scan synthetic test page - not a clinical record",
    "Generated test sheet for srs-scan. Not for clinical use.",
    "Test copy - srs-scan - please return to reception",
)


def _header_fields(rng: np.random.Generator, long: bool = False) -> list[tuple[str, float]]:
    if long:
        return [
            ("Client name", rng.uniform(60, 90)),
            ("Clinician", rng.uniform(60, 90)),
            ("Date", rng.uniform(25, 35)),
            ("Session #", rng.uniform(12, 18)),
        ]
    return [
        ("Name", rng.uniform(40, 60)),
        ("Age (Yrs)", rng.uniform(10, 16)),
        ("ID#", rng.uniform(18, 28)),
        ("Session #", rng.uniform(8, 14)),
        ("Date", rng.uniform(22, 32)),
    ]


def _draw_header(
    cv: _Canvas,
    fields: list[tuple[str, float]],
    x0: float,
    x1: float,
    y: float,
    pt: float,
    rng: np.random.Generator,
    *,
    rows: int | None = None,
    row_gap: float = 8.0,
    one_per_row: bool = False,
) -> float:
    """Header fields "Label ______"; returns the baseline y below the last row."""
    gap = rng.uniform(4.0, 7.0)
    uw = rng.uniform(0.15, 0.3)
    items = [(lab, cv.width(lab, pt) + 1.5 + ln) for lab, ln in fields]
    total = sum(w for _, w in items) + gap * (len(items) - 1)
    avail = x1 - x0
    shrink = 1.0
    if rows == 1 and total > avail:
        lab_w = sum(cv.width(lab, pt) + 1.5 for lab, _ in fields) + gap * (len(items) - 1)
        shrink = max(0.3, (avail - lab_w) / sum(ln for _, ln in fields))
    x = x0
    for lab, ln in fields:
        ln = ln * shrink
        w = cv.width(lab, pt) + 1.5 + ln
        if x > x0 and (one_per_row or x + w > x1):
            x = x0
            y += row_gap
        cv.text(x, y, lab, pt)
        lx = x + cv.width(lab, pt) + 1.5
        cv.hline(lx, lx + ln, y + 0.6, uw)
        x += w + gap
    return y + row_gap


# --------------------------------------------------------------------------- layouts


def _layout_official(
    cv: _Canvas, tpl: dict[str, Any], form: str, rng: np.random.Generator, *, letter: bool
) -> list[tuple[float, float]]:
    pw, ph = cv.pw, cv.ph
    lay = tpl.get("layout", {})
    m = rng.uniform(17.0, 22.0) if letter else rng.uniform(18.0, 24.0)
    ty = rng.uniform(17.0, 24.0)
    cv.text(pw / 2, ty, tpl["title"], rng.uniform(15.0, 18.0), anchor="ms", bold=True)
    if rng.random() < 0.5:
        sub = f"(to be completed at the {tpl.get('given', 'session')})"
        cv.text(pw / 2, ty + 6.0, sub, 8.5, anchor="ms")
        ty += 4.0
    rows = 1 if (letter or rng.random() < 0.4) else None
    y = _draw_header(cv, _header_fields(rng), m, pw - m, ty + rng.uniform(11, 14), 10.0, rng,
                     rows=rows, row_gap=rng.uniform(7.5, 9.5))
    instr = str(rng.choice(_SRS_INSTR if form == "srs" else _ORS_INSTR))
    y = cv.paragraph(m + 5, y + 4.0, instr, rng.uniform(9.0, 10.5), pw - 2 * m - 10)
    first = float(lay.get("first_line_y_mm", 100.0)) + rng.uniform(-6.0, 4.0)
    if letter:
        first -= rng.uniform(4.0, 10.0)
    first = max(first, y + 20.0)
    pitch = float(np.clip(float(lay.get("line_pitch_mm", 38.0)) + rng.uniform(-6.0, 2.0), 31, 40))
    left = (pw - 100.0) / 2 + rng.uniform(-3.0, 3.0)
    name_pt = rng.uniform(11.0, 13.0)
    anchor_pt = rng.uniform(7.5, 8.5)
    anchor_w = rng.uniform(40.0, 46.0)
    lines = []
    for k, item in enumerate(tpl["items"]):
        yl = first + k * pitch
        lines.append((left, yl))
        if form == "srs":
            cv.text(left + 50.0, yl - rng.uniform(5.0, 7.0), item["name"], name_pt, "ms", True)
            ya = yl + rng.uniform(4.5, 6.0)
            cv.paragraph(left, ya, item["left_anchor"], anchor_pt, anchor_w, lead=1.25)
            cv.paragraph(left + 100.0, ya, item["right_anchor"], anchor_pt, anchor_w, lead=1.25,
                         align="r")
        else:
            cv.text(left + 50.0, yl - 10.5, item["name"], name_pt, "ms", True)
            cv.text(left + 50.0, yl - 5.0, item.get("description", ""), anchor_pt + 1, "ms")
    cv.text(pw / 2, ph - rng.uniform(10.0, 15.0), str(rng.choice(_FOOTERS)), 7.0, "ms")
    if letter:
        cv.text(pw - m, ph - 10.0, "Page 1 of 1", 7.0, "rs")
    return lines


def _layout_house(
    cv: _Canvas, tpl: dict[str, Any], form: str, rng: np.random.Generator
) -> list[tuple[float, float]]:
    pw, ph = cv.pw, cv.ph
    m = rng.uniform(16.0, 24.0)
    ty = rng.uniform(18.0, 26.0)
    cv.text(m, ty, tpl["title"], rng.uniform(14.0, 16.0), anchor="ls", bold=True)
    if rng.random() < 0.6:
        cv.hline(m, pw - m, ty + 3.0, rng.uniform(0.3, 0.6))
    y = ty + rng.uniform(11.0, 14.0)
    fields = [("Name:", rng.uniform(45, 60)), ("Date:", rng.uniform(25, 35)),
              ("Session:", rng.uniform(10, 15))]
    y = _draw_header(cv, fields, m, pw - m, y, 10.0, rng, row_gap=8.0)
    instr = str(rng.choice(_SRS_INSTR if form == "srs" else _ORS_INSTR))
    y = cv.paragraph(m, y + 2.0, instr, 9.0, pw - 2 * m)
    left = rng.uniform(30.0, 40.0)
    first = max(rng.uniform(85.0, 105.0), y + 18.0)
    pitch = rng.uniform(28.0, 36.0)
    lo, hi = _SHORT_ANCHORS[int(rng.integers(len(_SHORT_ANCHORS)))]
    word_pt = rng.uniform(8.0, 9.5)
    lab_pt = rng.uniform(10.0, 11.5)
    lines = []
    for k, item in enumerate(tpl["items"]):
        yl = first + k * pitch
        lines.append((left, yl))
        label = f"{k + 1}. {item['name']}"
        if form == "ors":
            label += f" {item.get('description', '')}"
        cv.text(left, yl - rng.uniform(5.0, 6.5), label, lab_pt, "ls", bold=form == "srs")
        cv.text(left - 3.0, yl, lo, word_pt, "rm")
        cv.text(left + 103.0, yl, hi, word_pt, "lm")
    cv.text(m, ph - 12.0, str(rng.choice(_FOOTERS)), 7.0, "ls")
    return lines


def _layout_compact(
    cv: _Canvas, tpl: dict[str, Any], form: str, rng: np.random.Generator
) -> list[tuple[float, float]]:
    pw, ph = cv.pw, cv.ph
    m = rng.uniform(16.0, 22.0)
    ty = rng.uniform(15.0, 20.0)
    if rng.random() < 0.5:
        cv.text(pw / 2, ty, tpl["title"], 14.0, "ms", True)
    else:
        cv.text(m, ty, tpl["title"], 14.0, "ls", True)
    y = _draw_header(cv, _header_fields(rng, long=True), m, pw - m, ty + 12.0, 9.5, rng,
                     row_gap=rng.uniform(8.0, 10.0), one_per_row=rng.random() < 0.5)
    instr = str(rng.choice(_SRS_INSTR if form == "srs" else _ORS_INSTR))
    y = cv.paragraph(m, y + 1.0, instr, 8.5, pw - 2 * m)
    first = max(rng.uniform(80.0, 100.0), y + 14.0)
    pitch = rng.uniform(20.0, 24.0)
    left = (pw - 100.0) / 2 + rng.uniform(-5.0, 5.0)
    apt = rng.uniform(6.3, 7.0)
    lines = []
    for k, item in enumerate(tpl["items"]):
        yl = first + k * pitch
        lines.append((left, yl))
        if form == "srs":
            cv.text(left + 50.0, yl - 3.5, item["name"], 9.0, "ms", True)
            ya = yl + 3.6
            cv.paragraph(left, ya, item["left_anchor"], apt, 44.0, lead=1.15)
            cv.paragraph(left + 100.0, ya, item["right_anchor"], apt, 44.0, lead=1.15, align="r")
        else:
            txt = f"{item['name']} {item.get('description', '')}"
            cv.text(left + 50.0, yl - 3.5, txt, 9.0, "ms", True)
    fy = ph - rng.uniform(18.0, 24.0)
    cv.hline(m, pw - m, fy, rng.uniform(0.3, 0.5))
    cv.text(m, fy + 5.0, str(rng.choice(_FOOTERS)), 7.0, "ls")
    return lines


# --------------------------------------------------------------------------- public


def render_form(
    form: str,
    marks: Sequence[Sequence[MarkSpec]],
    *,
    dpi: float = 300,
    layout: str = "official",
    scale: float = 1.0,
    paper: str | None = None,
    seed: int = 0,
    line_width_mm: float | None = None,
    end_ticks: bool | None = None,
    wording: str = "standard",
) -> RenderedPage:
    """Render an SRS or ORS page with marks and exact ground truth.

    Parameters
    ----------
    form : {"srs", "ors"}
        Which form; its title, item names, anchors and descriptions come from
        :mod:`srs_scan.synth.wording` (the renderer's own, not the reader's templates).
    marks : sequence of 4 sequences of MarkSpec
        Marks per scale line, top to bottom (an empty sequence = no mark).
    dpi : float
        Rendering resolution, pixels per inch.
    layout : str
        One of :data:`LAYOUTS`.  Positions, spacing and fonts are further randomised
        from ``seed`` within each layout.
    scale : float
        Print scale ("fit to page", typically 0.94-1.0): all content shrinks about the
        paper centre; lines print ``100 * scale`` mm long.
    paper : {"a4", "letter"} or None
        Paper size; ``None`` means letter for ``layout="letter_fit"``, else A4.
    seed : int
        Seed for every random choice; the form and each line's marks use independent
        streams, so adding a mark never changes the rest of the page.
    line_width_mm : float or None
        Printed line thickness in layout mm (scaled by ``scale``); ``None`` draws a random
        width typical of the layout (0.25-0.5 mm, compact 0.6-0.8 mm).
    end_ticks : bool or None
        Small vertical ticks (about 3 mm) centred on both end points of each line;
        ``None`` uses the layout's default (only "house" has them).
    wording : {"standard", "variant"}
        The usual printing's words, or each title, item name, anchor and description
        drawn from its variants (from ``seed``, on a stream of its own).

    Returns
    -------
    RenderedPage
    """
    if form not in ("srs", "ors"):
        raise ValueError(f"form must be 'srs' or 'ors', got {form!r}")
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}; expected one of {LAYOUTS}")
    if len(marks) != 4:
        raise ValueError(f"marks must have one sequence per line (4), got {len(marks)}")
    if not 0.5 <= scale <= 1.2:
        raise ValueError(f"scale {scale} out of range")
    if paper is None:
        paper = "letter" if layout == "letter_fit" else "a4"
    tpl = {**choose(form, wording, seed).as_template(), "layout": dict(LAYOUT_MM),
           "line_length_mm": LAYOUT_MM["line_length_mm"]}
    r_layout, r_paper, r_width, *r_lines = _rng_streams(seed, 3 + 4)
    cv = _Canvas(paper, dpi, scale)
    if layout in ("official", "letter_fit"):
        lines = _layout_official(cv, tpl, form, r_layout, letter=layout == "letter_fit")
    elif layout == "house":
        lines = _layout_house(cv, tpl, form, r_layout)
    else:
        lines = _layout_compact(cv, tpl, form, r_layout)
    if line_width_mm is None:
        lo, hi = (0.6, 0.8) if layout == "compact" else (0.25, 0.5)
        line_width_mm = float(r_width.uniform(lo, hi))
    if end_ticks is None:
        end_ticks = layout == "house"
    tick_h = float(r_width.uniform(2.6, 3.4))
    nominal = float(tpl.get("line_length_mm", 100.0))
    lw = float(line_width_mm)
    for x0, y in lines:
        cv.hline(x0, x0 + nominal, y, lw)
        if end_ticks:
            for xe in (x0, x0 + nominal):
                cv.rect(xe - lw / 2, y - tick_h / 2, xe + lw / 2, y + tick_h / 2)
    img = cv.compose(r_paper)
    return _with_marks(cv, img, lines, nominal, marks, r_lines, lw, form)


def _with_marks(
    cv: _Canvas, img: np.ndarray, lines: Sequence[tuple[float, float]], nominal: float,
    marks: Sequence[Sequence[MarkSpec]], rngs: Sequence[np.random.Generator], lw: float, form: str | None,
) -> RenderedPage:
    """The page with each line's marks drawn on it (``lines``: each line's left end in layout
    mm, ``nominal`` mm long), and its ground truth from the geometry."""
    ppm, scale = cv.ppm, cv.s
    lines_px = []
    truth: list[float | None] = []
    counts: list[int] = []
    for (x0, y), line_marks, rng in zip(lines, marks, rngs, strict=True):
        (px0, py), (px1, _) = cv.map(x0, y), cv.map(x0 + nominal, y)
        lines_px.append(((px0 * ppm - 0.5, py * ppm - 0.5), (px1 * ppm - 0.5, py * ppm - 0.5)))
        for mk in line_marks:
            draw_mark(img, mk, line_left_mm=(px0, py), scale=scale * nominal / 100.0,
                      line_width_mm=lw * scale, px_per_mm=ppm, rng=rng)
        counts.append(len(line_marks))
        truth.append(float(line_marks[0].u_mm) if len(line_marks) == 1 else None)
    return RenderedPage(
        image=_finish(img),
        dpi=float(cv.dpi),
        form=form,
        truth_mm=tuple(truth),
        n_marks=tuple(counts),
        lines_px=tuple(lines_px),
        line_length_mm=nominal * scale,
    )


def render_blank(*, dpi: float = 300, paper: str = "a4", seed: int = 0) -> np.ndarray:
    """An empty page: paper with slight noise and a few faint specks.

    Returns
    -------
    ndarray (H, W, 3) uint8
        BGR image of the whole sheet at ``dpi``.
    """
    r_paper, r_dust = _rng_streams(seed, 2)
    cv = _Canvas(paper, dpi)
    for _ in range(int(r_dust.integers(0, 6))):
        x, y = r_dust.uniform(5, cv.pw - 5), r_dust.uniform(5, cv.ph - 5)
        d = r_dust.uniform(0.1, 0.4)
        cv.rect(x, y, x + d, y + d * r_dust.uniform(0.5, 1.5), level=r_dust.uniform(0.2, 0.6))
    return _finish(cv.compose(r_paper))


_WORDS = (
    "the of and to in we are for your with this that our will be as on please you at have "
    "from appointment office schedule account information record payment insurance policy "
    "review notice service team meeting request letter questions contact thank attached "
    "update provide following changes week month annual plan details new current balance "
    "required include receive form copy signed return within days reference number program"
).split()
_NAMES = ("Jordan Avery", "Sam Rivera", "Alex Morgan", "Casey Lee", "Taylor Brooks")
_ORGS = ("Northside Community Services", "Harbor Family Practice", "Lakeview Associates",
         "Riverbend Counselling Group")


def _sentence(rng: np.random.Generator) -> str:
    n = int(rng.integers(7, 18))
    words = [str(w) for w in rng.choice(_WORDS, n)]
    return " ".join(words).capitalize() + "."


def render_letter(*, dpi: float = 300, paper: str = "a4", seed: int = 0) -> np.ndarray:
    """A non-form document that must NOT be recognised as an SRS/ORS form.

    A letterhead (sometimes with a long rule), date and address block, paragraphs of
    text, sometimes a small table with long horizontal rules (115-170 mm), and a
    signature underline, sometimes with a handwritten scribble across it.

    Returns
    -------
    ndarray (H, W, 3) uint8
        BGR image of the whole sheet at ``dpi``.
    """
    r, r_paper, r_sig = _rng_streams(seed, 3)
    cv = _Canvas(paper, dpi)
    pw, ph = cv.pw, cv.ph
    m = r.uniform(20.0, 28.0)
    y = r.uniform(18.0, 26.0)
    org = str(r.choice(_ORGS))
    cv.text(m, y, org, r.uniform(13.0, 16.0), "ls", True)
    cv.text(m, y + 5.5, f"{int(r.integers(10, 999))} Main Street, Suite {int(r.integers(1, 40))}",
            8.5, "ls")
    cv.text(m, y + 9.5, f"Tel. 555-{int(r.integers(1000, 9999))}", 8.5, "ls")
    if r.random() < 0.6:
        cv.hline(m, pw - m, y + 13.0, r.uniform(0.3, 0.8))
    y += r.uniform(26.0, 32.0)
    cv.text(pw - m, y, f"{int(r.integers(1, 28))} March {int(r.integers(2019, 2026))}", 10, "rs")
    y += 9.0
    name = str(r.choice(_NAMES))
    for ln in (name, f"{int(r.integers(1, 300))} Oak Avenue", "Springfield"):
        cv.text(m, y, ln, 10.0, "ls")
        y += 4.8
    y += 6.0
    cv.text(m, y, f"Re: {_sentence(r)[:-1]}", 10.0, "ls", True)
    y += 9.0
    cv.text(m, y, f"Dear {name.split()[0]},", 10.5, "ls")
    y += 8.0
    pt = r.uniform(10.0, 11.0)
    table_at = int(r.integers(1, 3)) if r.random() < 0.65 else -1
    for p in range(int(r.integers(2, 5))):
        if y > ph - 90:
            break
        para = " ".join(_sentence(r) for _ in range(int(r.integers(2, 6))))
        y = cv.paragraph(m, y, para, pt, pw - 2 * m) + 3.0
        if p == table_at and y < ph - 120:
            y = _letter_table(cv, r, m, y + 2.0) + 6.0
    y = min(y + 4.0, ph - 60.0)
    cv.text(m, y, "Sincerely,", 10.5, "ls")
    sig_y = y + r.uniform(16.0, 20.0)
    sig_len = r.uniform(50.0, 75.0)
    cv.hline(m, m + sig_len, sig_y, r.uniform(0.2, 0.4))
    cv.text(m, sig_y + 5.0, str(r.choice(_NAMES)), 10.0, "ls")
    cv.text(m, sig_y + 9.5, "Office Manager", 9.0, "ls")
    img = cv.compose(r_paper)
    if r_sig.random() < 0.6:
        n = 80
        t = np.linspace(0.0, 1.0, n)
        length = r_sig.uniform(30.0, 50.0)
        xs = m + 5.0 + length * t + 2.5 * np.sin(2 * np.pi * t * r_sig.uniform(4, 7))
        ys = sig_y - 2.0 - 4.0 * np.abs(np.sin(2 * np.pi * t * r_sig.uniform(2, 4))) \
            + 1.5 * np.sin(2 * np.pi * t * r_sig.uniform(5, 9) + 1.0)
        pts = np.stack([xs, ys], axis=1)
        pen = PENS[str(r_sig.choice(["ballpoint_blue", "ballpoint_black"]))]
        draw_strokes(img, [(pts, np.full(n, 0.45))], [], px_per_mm=cv.ppm, pen=pen, rng=r_sig)
    return _finish(img)


def _letter_table(cv: _Canvas, r: np.random.Generator, x0: float, y: float) -> float:
    cols = ["Date", "Description", "Reference", "Amount"][: int(r.integers(3, 5))]
    width = r.uniform(115.0, min(170.0, cv.pw - 2 * x0))
    cw = width / len(cols)
    lw = r.uniform(0.25, 0.5)
    cv.hline(x0, x0 + width, y - 4.5, lw)
    for c, name in enumerate(cols):
        cv.text(x0 + c * cw + 1.0, y, name, 9.0, "ls", True)
    y += 2.0
    cv.hline(x0, x0 + width, y, lw)
    for _ in range(int(r.integers(2, 5))):
        y += 5.5
        for c in range(len(cols)):
            word = f"{int(r.integers(1, 999))}.00" if c == len(cols) - 1 else str(r.choice(_WORDS))
            cv.text(x0 + c * cw + 1.0, y, word, 9.0, "ls")
        if r.random() < 0.5:
            cv.hline(x0, x0 + width, y + 2.0, lw * 0.6)
    y += 2.5
    cv.hline(x0, x0 + width, y, lw)
    return y
