"""Ground truth records (plain dataclasses, JSON-friendly via dataclasses.asdict)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class MarkTruth:
    kind: str          # tick, slash, vbar, x, dot, touch, circle, blob, scribble, double,
                       # open_circle, overlap_circle, spiral_circle (circled: x is the circle's centre)
    x_mm: float        # where the mark meets the line, paper mm from the paper's left edge
    value: float       # 100 * (x - left end) / (right end - left end)
    doubtful: bool = False


@dataclass
class LineTruth:
    index: int
    kind: str                       # "one" | "blank" | "two"
    value: float | None             # the expected reading (one mark only)
    left_mm: float                  # printed line ends on the paper (mm from the left edge)
    right_mm: float
    y_mm: float                     # centre line of the printed line
    thickness_mm: float
    marks: list[MarkTruth] = field(default_factory=list)

    @property
    def length_mm(self) -> float:
        return self.right_mm - self.left_mm


@dataclass
class PageTruth:
    is_form: bool
    form: str | None = None         # srs | ors | csrs | cors
    lang: str = "en"
    lines: list[LineTruth] = field(default_factory=list)
    layout: dict = field(default_factory=dict)
    degradation: dict = field(default_factory=dict)
    nonform_kind: str | None = None

    @property
    def clean(self) -> bool:
        """A form page where every line has exactly one mark and nothing doubtful was drawn."""
        return self.is_form and all(
            ln.kind == "one" and not any(m.doubtful for m in ln.marks) for ln in self.lines)
