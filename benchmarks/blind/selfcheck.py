"""The renderer's truth checked against its own pixels (never against the reader).

    python -m benchmarks.blind.selfcheck [-n 6]

Pages are drawn by the same code paths as the benchmark (clinic forms at 200 and 300 dpi,
official-style sheets at 600 dpi, ordinary SRS/ORS pages) with marks whose position can be read
back from the ink alone: a dot and a blob (the ink's centroid), a vertical bar and a slash (the
centroid of the stroke's cross-section on the line's centre row). In the 1x layers, pixel j covers
[j, j + 1): the line's ends are found from the partial coverage of its end pixels on the centre
row, the mark from its ink, and the value is their distance in mm. Checked: the ends and the
length drawn against the truth and the template's nominal length (within one supersampled pixel),
the left ends of a form aligned, and the value read from the pixels against the truth value."""

from __future__ import annotations

import argparse
import sys

import numpy as np

from .clinic import random_clinic_spec, render_clinic
from .page import random_spec, render_form

KINDS = ["dot", "blob", "vbar", "slash"]


def line_ends(print_cov, ln, dpi):
    """(left, right) of the printed line in paper mm, from the coverage of its centre row."""
    k = dpi / 25.4
    r = int(ln.y_mm * k)
    row = print_cov[r].astype(float)
    j = int((ln.left_mm + ln.right_mm) / 2 * k)             # a pixel inside the line
    j0, j1 = j, j
    while j0 > 0 and row[j0 - 1] > 0:
        j0 -= 1
    while j1 < row.size - 1 and row[j1 + 1] > 0:
        j1 += 1
    full = float(np.median(row[j0:j1 + 1]))                 # the row may cut the line's edge: normalise
    left = j0 + 1 - row[j0] / full
    right = j1 + row[j1] / full
    return left / k, right / k


def mark_x(ink, ln, mk, dpi):
    """Where the mark meets the line, paper mm, from the ink alone."""
    k = dpi / 25.4
    x0 = int((mk.x_mm - 6) * k)
    x1 = int((mk.x_mm + 6) * k)
    xs = np.arange(x0, x1) + 0.5                            # pixel centres, [j, j + 1) convention
    if mk.kind in ("dot", "blob"):
        y0, y1 = int((ln.y_mm - 4) * k), int((ln.y_mm + 4) * k)
        w = ink[y0:y1, x0:x1].astype(float)
        return float((w.sum(0) * xs).sum() / w.sum()) / k
    # a stroke crossing the line: centroid of the rows bracketing the centre, interpolated to the centre
    yc = ln.y_mm * k
    r0 = int(np.floor(yc - 0.5))
    cx = []
    for r in (r0, r0 + 1):
        w = ink[r, x0:x1].astype(float)
        cx.append((w * xs).sum() / w.sum())
    f = (yc - 0.5) - r0
    return float(cx[0] * (1 - f) + cx[1] * f) / k


def _pages(n, rng):
    for i in range(n):
        s = random_clinic_spec(rng)
        dpi = (300.0, 200.0)[i % 2]
        mk = [KINDS[(i + j) % len(KINDS)] for j in range(s.n_lines)]
        yield f"clinic {s.form_id} L={s.length_mm:g} @{dpi:g}", dpi, s.length_mm, render_clinic(
            s, dpi, mark_kinds=mk, tool="ballpoint", rng=rng)
    for i in range(n):
        form = ("srs", "ors")[i % 2]
        s = random_spec(rng, form, colour="pcoms_blue", ends="ticks")
        mk = [KINDS[(i + j) % len(KINDS)] for j in range(4)]
        yield f"official {form} @600", 600.0, None, render_form(s, 600.0, ss=2, tool="ballpoint", mark_kinds=mk,
                                                                rng=rng)
    for i in range(n):
        s = random_spec(rng, None, fit=float(rng.choice([1.0, 0.97])))
        mk = [KINDS[(i + j) % len(KINDS)] for j in range(4)]
        yield f"{s.form} fit {s.fit:g} @300", 300.0, None, render_form(s, 300.0, tool="ballpoint", mark_kinds=mk,
                                                                       rng=rng)


def check(n=6, seed=0, out=sys.stdout):
    rng = np.random.default_rng(seed)
    worst = {"end": 0.0, "len": 0.0, "align": 0.0}
    errs: dict = {k: [] for k in KINDS}
    bad = 0
    for name, dpi, L, (p, ink, _pb, _ib, _g, tr) in _pages(n, rng):
        ss_mm = 25.4 / dpi / (2 if dpi >= 500 else 3 if dpi >= 250 else 4)     # one supersampled pixel
        lefts = []
        for ln in tr.lines:
            left, right = line_ends(p, ln, dpi)
            worst["end"] = max(worst["end"], abs(left - ln.left_mm), abs(right - ln.right_mm))
            nominal = L if L is not None else 100.0 * tr.layout["fit"]
            worst["len"] = max(worst["len"], abs((ln.right_mm - ln.left_mm) - nominal) / ss_mm)
            lefts.append(ln.left_mm)
            for mk in ln.marks:
                got = mark_x(ink, ln, mk, dpi) - left
                want = ln.value if L is not None else ln.value / 100.0 * (right - left)
                errs[mk.kind].append(got - want)
                if abs(got - want) > 0.05:
                    bad += 1
                    print(f"  {name} line {ln.index + 1} {mk.kind}: pixels {got:.3f} truth {want:.3f} mm", file=out)
        worst["align"] = max(worst["align"], (max(lefts) - min(lefts)) / ss_mm)
    print(f"line ends from pixels vs truth: max {worst['end']:.4f} mm", file=out)
    print(f"drawn length vs nominal: max {worst['len']:.2f} supersampled px; left ends aligned within "
          f"{worst['align']:.2f} px", file=out)
    for k, e in errs.items():
        if e:
            e = np.asarray(e)
            print(f"mark {k:<6} n={e.size:3d}  value from pixels - truth: mean {e.mean():+.4f}  "
                  f"max |.| {np.abs(e).max():.4f} mm", file=out)
    ok = bad == 0 and worst["end"] < 0.01 and worst["len"] <= 1.0 and worst["align"] <= 1.0
    print("OK" if ok else f"FAILED ({bad} marks off by > 0.05 mm)", file=out)
    return ok


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=6, help="pages per family (default 6)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    return 0 if check(a.n, a.seed) else 1


if __name__ == "__main__":
    sys.exit(main())
