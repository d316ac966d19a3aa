"""Synthetic pages of a clinic's own visual-analogue form: any number of lines, any length.

The page's words are what the caller gives (:class:`CustomPage`), never read from a
template file: a test writes the template the reader gets and the words the page shows
separately, so the two can differ as they do on real paper. Geometry and marks follow
:mod:`srs_scan.synth.forms`: exact rectangles for the printed lines, marks placed on the
nominal line, ground truth from the geometry.

Typical use::

    page = CustomPage("Pain Rating Scale (PRS)", ("Pain now", "Pain at night", "Sleep"),
                      line_mm=80.0, anchors=("No pain", "Worst pain"))
    rendered = render_custom(page, [[MarkSpec(mm_to_u(32.0, 80.0))], [], [MarkSpec(50.0)]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .forms import RenderedPage, _Canvas, _draw_header, _rng_streams, _with_marks
from .marks import MarkSpec

__all__ = ["CustomPage", "mm_to_u", "render_custom"]


@dataclass(frozen=True)
class CustomPage:
    """What a clinic's form shows: its title, one label per line (top to bottom), the
    anchor words at the line ends and how long its lines are (mm)."""

    title: str
    labels: tuple[str, ...]
    line_mm: float = 100.0
    anchors: tuple[str, str] = ("Not at all", "Very much")
    instruction: str = "Please put a mark on each line to show how things have been for you this week."
    pitch_mm: float | None = None  # line spacing (default: what fits the page, at most 34 mm)
    first_line_y_mm: float = 95.0
    label_style: str = "centered"  # "centered" (label above the line's middle) or "left" (above its start)
    lengths: tuple[float, ...] = ()  # per line, a printed length other than line_mm (a misprint: left ends aligned)


def mm_to_u(mm: float, line_mm: float) -> float:
    """A distance from the left end on a ``line_mm`` line as the renderer's nominal position
    (0-100 along the line)."""
    return 100.0 * mm / line_mm


def render_custom(
    page: CustomPage,
    marks: Sequence[Sequence[MarkSpec]],
    *,
    dpi: float = 300,
    scale: float = 1.0,
    paper: str = "a4",
    seed: int = 0,
    line_width_mm: float = 0.35,
    end_ticks: bool = False,
) -> RenderedPage:
    """Render a clinic's form with marks and exact ground truth.

    ``marks``: one sequence of :class:`MarkSpec` per line, top to bottom; ``u_mm`` is the
    nominal position (0-100 along the line: :func:`mm_to_u` turns a distance in mm into
    it). ``truth_mm`` of the result is on the same nominal scale. The lines print
    ``page.line_mm * scale`` mm long, centred on the page.
    """
    n = len(page.labels)
    if len(marks) != n:
        raise ValueError(f"marks must have one sequence per line ({n}), got {len(marks)}")
    r_layout, r_paper, *r_lines = _rng_streams(seed, 2 + n)
    cv = _Canvas(paper, dpi, scale)
    pw, ph = cv.pw, cv.ph
    m = float(r_layout.uniform(18.0, 24.0))
    cv.text(pw / 2, 24.0, page.title, 16.0, anchor="ms", bold=True)
    y = _draw_header(cv, [("Name", 60.0), ("Date", 30.0)], m, pw - m, 38.0, 10.0, r_layout, rows=1)
    cv.paragraph(m + 5, y + 4.0, page.instruction, 10.0, pw - 2 * m - 10)
    left = (pw - page.line_mm) / 2
    room = ph - 30.0 - page.first_line_y_mm
    pitch = page.pitch_mm if page.pitch_mm is not None else min(34.0, room / max(1, n - 1) if n > 1 else 34.0)
    lines = []
    for k, label in enumerate(page.labels):
        yl = page.first_line_y_mm + k * pitch
        lines.append((left, yl))
        if page.label_style == "left":
            cv.text(left, yl - 6.0, f"{k + 1}. {label}", 11.0, "ls", True)
        else:
            cv.text(left + page.line_mm / 2, yl - 6.0, label, 11.0, "ms", True)
        cv.text(left, yl + 5.0, page.anchors[0], 8.0, "ls")
        cv.text(left + page.line_mm, yl + 5.0, page.anchors[1], 8.0, "rs")
    cv.text(pw / 2, ph - 12.0, "Clinic copy - please return to reception", 7.0, "ms")
    lw = float(line_width_mm)
    for k, (x0, yl) in enumerate(lines):
        length = page.lengths[k] if k < len(page.lengths) else page.line_mm
        cv.hline(x0, x0 + length, yl, lw)
        if end_ticks:
            for xe in (x0, x0 + length):
                cv.rect(xe - lw / 2, yl - 1.5, xe + lw / 2, yl + 1.5)
    img = cv.compose(r_paper)
    return _with_marks(cv, img, lines, page.line_mm, marks, r_lines, lw, None)
