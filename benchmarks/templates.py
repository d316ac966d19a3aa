"""A clinic's own forms (``--template``): accuracy on them, and no change on the others.

Two parts, ground truth from geometry (srs_scan.synth), never from the reader:

1. **The shipped forms are read the same with clinic templates loaded**: the pages of
   ``benchmarks/accuracy.py`` (same conditions and seeds) are read without templates and
   with a 3-line 80 mm and a 5-line 120 mm template loaded; every record must be the same
   (the reason "no stack of four ... lines" names the other counts, and is compared
   without them).
2. **Clinic forms**: 3-line 80 mm and 5-line 120 mm forms (``srs_scan.synth.custom``) with
   marks at known mm, as 300-dpi scans, 200-dpi bitonal faxes and phone photos, read with
   the templates: error in mm on the paper, forms named (named wrong), clean pages not ok,
   blank lines given a value, silent errors (an item off by more than 2 mm with status ok).
   And the same pages read without the templates: never ok.

    python benchmarks/templates.py            # 6 pages per condition
    python benchmarks/templates.py -n 20 --part clinic
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from multiprocessing import Pool
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from accuracy import CONDITIONS, make_case  # noqa: E402

from srs_scan.read.pipeline import ReadOptions, read_image  # noqa: E402
from srs_scan.synth import KINDS, MarkSpec, bitonal, photo, scan  # noqa: E402
from srs_scan.synth.custom import CustomPage, mm_to_u, render_custom  # noqa: E402

PAIN3 = {
    "schema": 1, "id": "pain3", "title": "Pain Rating Scale (PRS)", "names": ["Pain Rating Scale", "PRS"],
    "keywords": ["pain", "worst"], "line_length_mm": 80,
    "items": [{"name": "Pain now"}, {"name": "Pain at night"}, {"name": "Daily activities"}],
    "scoring": {"total_cutoff_above": 15, "item_flag_above": 7},
}
MOOD5 = {
    "schema": 1, "id": "mood5", "title": "Weekly Mood Check (WMC)", "names": ["Weekly Mood Check", "WMC"],
    "keywords": ["mood", "weekly"], "line_length_mm": 120,
    "items": [{"name": "Energy"}, {"name": "Calm"}, {"name": "Sleep quality"}, {"name": "Appetite"}, {"name": "Hope"}],
    "scoring": {"total_cutoff_below": 20, "item_flag_below": 3},
}
PAGES = {
    "pain3": CustomPage("Pain Rating Scale (PRS)", ("Pain now", "Pain at night", "Daily activities"), line_mm=80.0,
                        anchors=("No pain", "Worst pain imaginable")),
    "mood5": CustomPage("Weekly Mood Check", ("Energy", "Calm", "Sleep quality", "Appetite", "Hope"), line_mm=120.0,
                        anchors=("Very low", "Very high"), label_style="left"),
}
CLINIC_CONDITIONS = ("scan300", "bitonal200", "phone")
_templates: tuple[Path, ...] = ()


def _write_templates(folder: Path) -> tuple[Path, ...]:
    out = []
    for data in (PAIN3, MOOD5):
        path = folder / f"{data['id']}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        out.append(path)
    return tuple(out)


def _init(templates: tuple[Path, ...]) -> None:
    global _templates
    _templates = templates


def _normal(record: dict) -> dict:
    record = dict(record)
    record["reasons"] = ["no stack of four scale lines found" if r.startswith("no stack of ") else r
                         for r in record["reasons"]]
    return record


def shipped_case(args: tuple[str, int]) -> tuple[str, bool]:
    condition, seed = args
    img, dpi, _ = make_case(condition, seed)
    plain = read_image(img, dpi=dpi).to_dict()
    loaded = read_image(img, dpi=dpi, options=ReadOptions(templates=_templates)).to_dict()
    return condition, _normal(plain) == _normal(loaded)


def clinic_case(args: tuple[str, str, int]) -> dict:
    form, condition, seed = args
    rng = np.random.default_rng(seed)
    page = PAGES[form]
    n = len(page.labels)
    blank = int(rng.integers(0, n)) if seed % 4 == 3 else -1  # one page in four has a blank line
    truth_mm = [None if i == blank else float(np.round(rng.uniform(1.0, page.line_mm - 1.0), 1)) for i in range(n)]
    kinds = [str(rng.choice(KINDS)) for _ in range(n)]
    marks = [[] if t is None else [MarkSpec(mm_to_u(t, page.line_mm), k)] for t, k in zip(truth_mm, kinds, strict=True)]
    if condition == "phone":
        rendered = render_custom(page, marks, dpi=220, seed=seed)
        img = photo(rendered.image, rng, tilt_deg=float(rng.uniform(0, 30)), rotation_deg=float(rng.uniform(-180, 180)),
                    coverage=float(rng.uniform(0.8, 0.95)), blur_sigma=float(rng.uniform(0.3, 1.2)),
                    jpeg_quality=int(rng.integers(70, 92)))
        dpi = None
    else:
        rendered = render_custom(page, marks, dpi=300, seed=seed)
        out_dpi = 200 if condition == "bitonal200" else 300
        img = scan(rendered.image, rng, dpi_out=out_dpi, skew_deg=float(rng.uniform(-1.5, 1.5)))
        if condition == "bitonal200":
            img = bitonal(img, rng)
        dpi = float(out_dpi)
    result = read_image(img, dpi=dpi, options=ReadOptions(templates=_templates))
    bare = read_image(img, dpi=dpi)
    errors, silent, blank_valued = [], 0, 0
    if len(result.items) == n:
        for item, t in zip(result.items, truth_mm, strict=True):
            if t is None:
                blank_valued += item.mm is not None
                continue
            if item.mm is None:
                continue
            err = item.mm - t  # mm on the paper: the record's mm is on the form's own line
            errors.append(err)
            silent += abs(err) > 2.0 and item.status.value == "ok"
    return {"form": form, "condition": condition, "named": result.form == form,
            "named_wrong": result.form not in (None, form), "clean": blank < 0,
            "ok": result.status.value == "ok", "errors": errors, "silent": silent, "blank_valued": blank_valued,
            "missing": sum(1 for item, t in zip(result.items, truth_mm, strict=False)
                           if t is not None and item.mm is None),
            "bare_ok": bare.status.value == "ok", "bare_form": bare.form}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=6, help="pages per condition")
    ap.add_argument("--part", choices=("both", "shipped", "clinic"), default="both")
    ap.add_argument("--seed", type=int, default=1000, help="first seed (accuracy.py's default: 1000)")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        templates = _write_templates(Path(tmp))
        with Pool(args.workers, initializer=_init, initargs=(templates,)) as pool:
            if args.part in ("both", "shipped"):
                jobs = [(c, args.seed + k) for c in CONDITIONS for k in range(args.n)]
                same: dict[str, list[bool]] = {}
                for condition, ok in pool.map(shipped_case, jobs):
                    same.setdefault(condition, []).append(ok)
                print("shipped forms, records the same with the clinic templates loaded:")
                for condition, oks in same.items():
                    print(f"  {condition:<16} {sum(oks)}/{len(oks)}")
            if args.part in ("both", "clinic"):
                jobs3 = [(f, c, args.seed + k) for f in PAGES for c in CLINIC_CONDITIONS for k in range(args.n)]
                rows = pool.map(clinic_case, jobs3)
                print(f"{'clinic form':<16}{'pages':>6}{'named':>7}{'wrong':>6}{'clean not ok':>13}{'mean':>7}"
                      f"{'P95':>7}{'max':>7}{'missing':>8}{'blank>v':>8}{'silent':>7}{'ok w/o tpl':>11}")
                for form in PAGES:
                    for condition in CLINIC_CONDITIONS:
                        mine = [r for r in rows if r["form"] == form and r["condition"] == condition]
                        err = np.abs(np.concatenate([r["errors"] for r in mine])) if mine else np.zeros(0)
                        clean = [r for r in mine if r["clean"]]
                        print(f"{form + ' ' + condition:<16}{len(mine):>6}{sum(r['named'] for r in mine):>7}"
                              f"{sum(r['named_wrong'] for r in mine):>6}"
                              f"{sum(not r['ok'] for r in clean):>7}/{len(clean):<5}"
                              f"{err.mean() if len(err) else float('nan'):>7.3f}"
                              f"{np.percentile(err, 95) if len(err) else float('nan'):>7.3f}"
                              f"{err.max() if len(err) else float('nan'):>7.2f}"
                              f"{sum(r['missing'] for r in mine):>8}{sum(r['blank_valued'] for r in mine):>8}"
                              f"{sum(r['silent'] for r in mine):>7}{sum(r['bare_ok'] for r in mine):>11}")
                print("errors in mm on the paper (the clinic form's own line); 'ok w/o tpl': pages read as ok "
                      "without --template (must be 0)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
