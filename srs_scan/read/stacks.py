"""Which stack of lines is the form, when the forms a page may be differ in their lines.

The PCOMS forms all have four 100 mm lines; a clinic's own form (``--template``) may have
1 to 10 lines of another length. Each distinct *shape* (number of lines, line length) is
searched for on its own (:func:`srs_scan.read.lines.select_scales`), the PCOMS shape
exactly as when it is the only one, and one stack is chosen:

* when a stack's length agrees with the file's resolution, stacks found only by ignoring
  it are not the form (the resolution is right: their lines have the wrong length);
* a larger stack that holds a smaller one with lines out of line with it (the SRS's four
  lines and a header underline) is not a form;
* then the stack with more lines (three of an SRS's four lines are not a three-line
  form); then the shapes in order (the PCOMS shape first).
A line that continues the chosen stack but is not in it sends the page to a person
(:func:`extra_reason`).

The page's words then name the form among those with as many lines as the stack
(:func:`with_lines`); a form of one or two lines cannot be checked against a third line:
one or two lines that no form's words name are not a form, and their pages go to a person
unless two lines on a scan have level ends (:func:`few_lines_reason`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..forms.definitions import FormDef
from .lines import ScaleSet, Segment, continues

SAME_END_FRACTION = 0.03  # two segments are one line when both ends agree within this x its length
FEW_LINES = 2  # a stack of this many lines or fewer has no sibling to check its ends against


@dataclass(frozen=True)
class Shape:
    """How a form's scales look: ``lines`` lines of ``line_mm`` mm."""

    lines: int
    line_mm: float


PCOMS = Shape(4, 100.0)


@dataclass(frozen=True)
class Found:
    """A stack found for one shape; ``dpi_ok`` when its length agrees with the resolution."""

    shape: Shape
    scales: ScaleSet
    dpi_ok: bool = True
    extra: bool = False  # another line continues the stack (see lines.extra_line)


def shapes(forms: Mapping[str, FormDef]) -> tuple[Shape, ...]:
    """The distinct shapes of ``forms``: the shipped forms' first, then the clinic's."""
    ordered = sorted(forms.values(), key=lambda f: f.source is not None)
    return tuple(dict.fromkeys(Shape(f.lines, f.line_length_mm) for f in ordered))


def with_lines(forms: Mapping[str, FormDef], lines: int) -> dict[str, FormDef]:
    """The forms with ``lines`` lines, by id."""
    return {fid: f for fid, f in forms.items() if f.lines == lines}


def counts_text(found_shapes: Sequence[Shape]) -> str:
    """ "four", or "4, 3 or 5" for the shapes searched."""
    counts = list(dict.fromkeys(s.lines for s in found_shapes))
    if counts == [4]:
        return "four"
    return ", ".join(str(c) for c in counts[:-1]) + f" or {counts[-1]}" if len(counts) > 1 else str(counts[0])


def _same(a: Segment, b: Segment) -> bool:
    tol = SAME_END_FRACTION * max(a.length, b.length)
    pa, pb = np.array([a.p0, a.p1]), np.array([b.p0, b.p1])
    straight = np.abs(pa - pb).max(axis=1).max()
    crossed = np.abs(pa - pb[::-1]).max(axis=1).max()
    return bool(min(straight, crossed) <= tol)


def _inside(small: ScaleSet, big: ScaleSet) -> bool:
    return all(any(_same(s, b) for b in big.segments) for s in small.segments)


def _grows(small: ScaleSet, big: ScaleSet) -> bool:
    """``big`` holds ``small`` and each of its other lines continues ``small`` (ends in line,
    as long, spaced like a form's lines): a larger form, not ``small`` and an underline."""
    extra = [b for b in big.segments if not any(_same(b, s) for s in small.segments)]
    return _inside(small, big) and all(continues(small, b) for b in extra)


def choose(found: Sequence[Found]) -> Found | None:
    """The stack that is the form (see the module's docstring), or None."""
    if len(found) <= 1:
        return found[0] if found else None
    if any(f.dpi_ok for f in found):  # the resolution is right for one shape: the others' lengths are wrong
        found = [f for f in found if f.dpi_ok]
    # a larger stack that holds a smaller one with lines out of line with it is not a form
    kept = [f for f in found if not any(
        g.shape.lines < f.shape.lines and _inside(g.scales, f.scales) and not _grows(g.scales, f.scales)
        for g in found)]
    order = {id(f): k for k, f in enumerate(found)}
    # more lines first: a stack held by a larger one that it grows into is not the form
    return min(kept or found, key=lambda f: (-f.shape.lines, order[id(f)]))


def extra_reason(found: Found) -> str | None:
    """Why a stack that another line continues goes to a person."""
    if not found.extra:
        return None
    n = found.shape.lines
    return (f"another line stands in line with the {n} lines read: the form may have more lines than {n}; "
            "check which lines are the form's")


def few_lines_reason(lines: int) -> str | None:
    """Why a stack of one or two lines goes to a person: nothing to check its ends against
    (one line; two lines in a photo, or an end under a mark)."""
    if lines > FEW_LINES:
        return None
    return (f"a form of {lines} line(s): its line ends cannot be checked against other lines; "
            "check where each line ends and the reading")
