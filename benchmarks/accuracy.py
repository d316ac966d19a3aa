"""Accuracy benchmark: error in mm per condition, and the detection / missing / review figures.

Ground truth comes from geometry: forms are rendered with marks at known positions
(srs_scan.synth), degraded (scan, bitonal fax, rotation, fit-to-page printing, phone
photo, curled paper), then read by the library exactly as the CLI would.

    python benchmarks/accuracy.py                 # all conditions, 16 pages each
    python benchmarks/accuracy.py -n 40 -c phone  # one condition, more pages
    python benchmarks/accuracy.py --save-failures out/  # write the pages that went wrong

Figures printed per condition:
  err mean/P95/max  |reported mm - true mm| over single-mark items that got a value
  found             form pages read as forms (not no_form / error)
  form ok           SRS/ORS named correctly
  false review      single-mark items sent to review
  missing ok        blank lines reported missing
  two-mark review   lines with two marks sent to review
  silent            items off by > 2 mm whose status is not review (must be 0)
  ok>1mm            items off by > 1 mm whose status is ok (a ruler reads to 1 mm)
  QR                own_* conditions: pages whose form id, client and session were all read

Conditions named own_* use srs-scan's own printed forms (``srs-scan print``: vector PDF
rasterised by pdfium, A4 or Letter, marks drawn on the layout's lines): own_thumb covers
one corner marker with a thumb and photographs the page.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field, replace
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

from srs_scan import read_image
from srs_scan.forms import printing
from srs_scan.forms.identity import FORM_ID_ALPHABET, FORM_ID_LENGTH
from srs_scan.synth import (
    KINDS,
    LAYOUTS,
    MarkSpec,
    bitonal,
    photo,
    render_blank,
    render_form,
    render_letter,
    scan,
)
from srs_scan.synth.printed import render_printed

CONDITIONS = (
    "scan300", "bitonal200", "rotated", "print97", "phone", "phone_curl", "no_form",
    "own_scan300", "own_bitonal200", "own_print97", "own_phone", "own_phone_curl", "own_thumb",
)
PENS_SCAN = ("ballpoint_blue", "ballpoint_black", "felt_black", "felt_blue", "pencil")
PENS_FAX = ("ballpoint_blue", "ballpoint_black", "felt_black", "felt_blue")  # pencil may vanish


@dataclass
class Case:
    condition: str
    seed: int
    form: str | None
    truth: list[float | None] = field(default_factory=list)  # per line; None = blank
    n_marks: list[int] = field(default_factory=list)
    identity: tuple | None = None  # own forms: (form_id, client, session)


def _marks(rng: np.random.Generator, pens: tuple[str, ...]) -> tuple[list[list[MarkSpec]], list[int]]:
    lines: list[list[MarkSpec]] = []
    counts = []
    special = rng.integers(0, 4)  # one line in four pages is blank or doubly marked
    special_kind = rng.choice(["none", "blank", "two"], p=[0.5, 0.25, 0.25])
    for i in range(4):
        pen = str(rng.choice(pens))
        kind = str(rng.choice(KINDS))
        if i == special and special_kind == "blank":
            lines.append([])
            counts.append(0)
            continue
        u = float(np.round(rng.uniform(0.0, 100.0), 2))
        if i == special and special_kind == "two":
            gap = float(rng.choice([-1, 1]) * rng.uniform(12, 40))
            u2 = u + gap if 2 <= u + gap <= 98 else u - gap  # two distinct marks, >= 12 mm apart
            lines.append([MarkSpec(u, kind, pen), MarkSpec(u2, "tick", pen)])
            counts.append(2)
            continue
        lines.append([MarkSpec(u, kind, pen)])
        counts.append(1)
    return lines, counts


def _own_page(rng: np.random.Generator, seed: int, marks: list[list[MarkSpec]], scale: float, dpi: float):
    """One of our printed forms, with marks: a fresh sheet (own id, client, session)."""
    form = str(rng.choice(["srs", "ors"]))
    paper = str(rng.choice(["a4", "letter"]))
    client = f"C-{seed:05d}" if seed % 3 else None
    sheets = printing.plan_sheets(form, client=client, sessions=[int(seed % 30) + 1])
    # a sheet id from the seed (printing draws a random one): the run is repeatable
    form_id = "".join(rng.choice(list(FORM_ID_ALPHABET), FORM_ID_LENGTH))
    sheets = [replace(sheets[0], identity=replace(sheets[0].identity, form_id=form_id))]
    pdf = printing.render_pdf(sheets, paper=paper)
    page = render_printed(pdf, sheets[0].layout, marks, paper=paper, dpi=dpi, scale=scale, seed=seed)
    ident = sheets[0].identity
    return page, form, (ident.form_id, ident.client, ident.session)


def _thumb(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A thumb over one corner of the page (and its marker)."""
    out = img.copy()
    h, w = out.shape[:2]
    corner = int(rng.integers(0, 4))
    cx = int(w * (0.07 if corner in (0, 3) else 0.93))
    cy = int(h * (0.08 if corner in (0, 1) else 0.92))
    axes = (int(w * 0.07), int(w * 0.11))
    tone = (int(rng.integers(120, 190)), int(rng.integers(140, 200)), int(rng.integers(180, 235)))
    cv2.ellipse(out, (cx, cy), axes, float(rng.uniform(0, 180)), 0, 360, tone, -1)
    return out


def make_case(condition: str, seed: int) -> tuple[np.ndarray, float | None, Case]:
    rng = np.random.default_rng(seed)
    if condition == "no_form":
        if seed % 2:
            img = render_letter(dpi=300, seed=seed)
        else:
            img = render_blank(dpi=300, seed=seed)
        return scan(img, rng, dpi_out=300, skew_deg=float(rng.uniform(-1, 1))), 300.0, Case(condition, seed, None)
    own = condition.startswith("own_")
    base = condition.removeprefix("own_")
    pens = PENS_FAX if base == "bitonal200" else PENS_SCAN
    scale = 0.97 if base == "print97" else 1.0
    render_dpi = 300.0 if base.startswith(("scan", "bitonal", "rotated", "print")) else 220.0
    ident = None
    if own:
        marks, counts = _marks(rng, pens)
        page, form, ident = _own_page(rng, seed, marks, scale, render_dpi)
    else:
        form = str(rng.choice(["srs", "ors"]))
        layout = str(rng.choice(LAYOUTS))
        marks, counts = _marks(rng, pens)
        page = render_form(form, marks, dpi=render_dpi, layout=layout, scale=scale, seed=seed)
    truth = [m[0].u_mm if len(m) == 1 else None for m in marks]
    img, dpi = _degrade(base, page.image, rng, turn=own)
    return img, dpi, Case(condition, seed, form, truth, counts, ident)


def _degrade(base: str, image: np.ndarray, rng: np.random.Generator, *, turn: bool) -> tuple[np.ndarray, float | None]:
    """Scanner, fax or phone; ``turn``: scans may come out turned by any multiple of 90 degrees."""
    if base in ("scan300", "print97", "rotated"):
        skew = float(rng.uniform(-3, 3)) if base == "rotated" else float(rng.uniform(-1.5, 1.5))
        turns = int(rng.integers(1, 4)) if base == "rotated" else int(rng.integers(0, 4)) if turn else 0
        return scan(image, rng, dpi_out=300, skew_deg=skew, rotate90=turns), 300.0
    if base == "bitonal200":
        img = scan(image, rng, dpi_out=200, skew_deg=float(rng.uniform(-1, 1)))
        return bitonal(img, rng), 200.0
    if base == "thumb":
        image = _thumb(image, rng)
    curl = float(rng.uniform(3, 8)) if base == "phone_curl" else 0.0
    img = photo(
        image,
        rng,
        tilt_deg=float(rng.uniform(0, 35)),
        rotation_deg=float(rng.uniform(-180, 180)),
        coverage=float(rng.uniform(0.75, 0.97)),
        curl_mm=curl,
        blur_sigma=float(rng.uniform(0.3, 1.5)),
        jpeg_quality=int(rng.integers(60, 92)),
    )
    return img, None


def run_case(args: tuple[str, int, str | None]) -> dict:
    condition, seed, save = args
    img, dpi, case = make_case(condition, seed)
    t0 = time.perf_counter()
    result = read_image(img, dpi=dpi, source=f"{condition}-{seed}")
    elapsed = time.perf_counter() - t0
    out = {"case": case, "status": result.status.value, "form": result.form, "items": [], "time": elapsed,
           "identity": (result.form_id, result.client, result.session), "framed": "frame" in result.geometry}
    for item in result.items:
        out["items"].append((item.mm, item.status.value))
    bad = False
    if case.form is not None:
        for truth, n, (mm, status) in zip(case.truth, case.n_marks, out["items"] or [(None, "none")] * 4, strict=False):
            if n == 1 and (status == "review" or mm is None or abs(mm - truth) > 1.0):
                bad = True  # silent error, false review, missed mark or a large error
            if n == 0 and status != "missing" or n == 2 and status != "review":
                bad = True
    if save and (bad or (case.form is None) != (result.status.value == "no_form")):
        folder = Path(save)
        folder.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(folder / f"{condition}-{seed}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 85])
    return out


def summarise(condition: str, outs: list[dict]) -> dict:
    errors, false_review, single = [], 0, 0
    blank_total = blank_ok = two_total = two_review = silent = over_1mm = 0
    forms = found = form_ok = 0
    for out in outs:
        case: Case = out["case"]
        if case.form is None:
            found += out["status"] != "no_form"
            continue
        forms += 1
        if out["status"] in ("ok", "review") and out["items"]:
            found += 1
            form_ok += out["form"] == case.form
        items = out["items"] or [(None, "none")] * 4
        for truth, n, (mm, status) in zip(case.truth, case.n_marks, items, strict=False):
            if n == 0:
                blank_total += 1
                blank_ok += status == "missing"
            elif n == 2:
                two_total += 1
                two_review += status == "review"
            else:
                single += 1
                if status == "review":
                    false_review += 1
                if mm is not None:
                    err = abs(mm - truth)
                    errors.append(err)
                    if err > 2.0 and status != "review":
                        silent += 1
                    if err > 1.0 and status == "ok":
                        over_1mm += 1
    err = np.array(errors) if errors else np.array([np.nan])
    times = [o["time"] for o in outs]
    own = [o for o in outs if o["case"].identity is not None]
    qr = f"{sum(o['identity'] == o['case'].identity for o in own)}/{len(own)}" if own else "-"
    return {
        "condition": condition,
        "pages": len(outs),
        "items": len(errors),
        "mean": float(np.nanmean(err)),
        "p95": float(np.nanpercentile(err, 95)),
        "max": float(np.nanmax(err)),
        "found": f"{found}/{forms}" if condition != "no_form" else f"{found} called forms",
        "form_ok": f"{form_ok}/{found}" if condition != "no_form" else "-",
        "false_review": f"{false_review}/{single}",
        "missing_ok": f"{blank_ok}/{blank_total}",
        "two_review": f"{two_review}/{two_total}",
        "silent": silent,
        "over_1mm": over_1mm,
        "qr": qr,
        "ms": 1000 * float(np.median(times)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=16, help="pages per condition")
    parser.add_argument("-c", "--condition", action="append", choices=CONDITIONS)
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--save-failures", default=None, help="folder for pages that went wrong")
    args = parser.parse_args(argv)
    conditions = args.condition or list(CONDITIONS)
    header = (
        f"{'condition':<14} {'pages':>5} {'items':>5} {'mean':>6} {'P95':>6} {'max':>6} "
        f"{'found':>14} {'form ok':>8} {'false rev':>9} {'missing':>8} {'two-mark':>8} "
        f"{'silent':>6} {'ok>1mm':>6} {'QR':>7} {'ms/page':>8}"
    )
    print(header)
    totals_silent = 0
    with Pool(args.workers) as pool:
        for condition in conditions:
            jobs = [(condition, args.seed + i, args.save_failures) for i in range(args.n)]
            outs = pool.map(run_case, jobs)
            s = summarise(condition, outs)
            totals_silent += s["silent"]
            print(
                f"{s['condition']:<14} {s['pages']:>5} {s['items']:>5} {s['mean']:>6.3f} {s['p95']:>6.3f} "
                f"{s['max']:>6.2f} {s['found']:>14} {s['form_ok']:>8} {s['false_review']:>9} "
                f"{s['missing_ok']:>8} {s['two_review']:>8} {s['silent']:>6} {s['over_1mm']:>6} {s['qr']:>7} "
                f"{s['ms']:>8.0f}",
                flush=True,
            )
    print("errors in mm on a 100 mm line; ms/page is the read time only (no decode), 2 workers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
