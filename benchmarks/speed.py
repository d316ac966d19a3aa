"""Speed benchmark: milliseconds per page on ONE core, decode included.

    python benchmarks/speed.py            # 300-dpi scans (PNG and PDF) and 12-MP photos
    python benchmarks/speed.py -n 20

Pages are synthetic (srs_scan.synth), written to a temporary folder in the formats
users have, then read with srs_scan.read_path exactly as the CLI does. OpenCV and
onnxruntime are limited to one thread and the process is pinned to one CPU when the
OS allows it. Targets (issue 2): <= 150 ms median per 300-dpi page, <= 500 ms per
12-MP photo. The own_* sets are srs-scan's printed forms (markers and QR code, no OCR).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from srs_scan import read_path  # noqa: E402
from srs_scan.forms import printing
from srs_scan.synth import LAYOUTS, MarkSpec, photo, render_form, scan  # noqa: E402
from srs_scan.synth.printed import render_printed  # noqa: E402


def _marks(rng: np.random.Generator) -> list[list[MarkSpec]]:
    return [[MarkSpec(float(rng.uniform(0, 100)), str(rng.choice(["tick", "x", "dot", "slant"])))] for _ in range(4)]


def make_inputs(folder: Path, n: int) -> dict[str, list[Path]]:
    rng = np.random.default_rng(99)
    sets: dict[str, list[Path]] = {
        "scan300_png": [], "scan300_pdf": [], "photo12mp_jpg": [], "own_scan300_pdf": [], "own_photo12mp": [],
    }
    pdf_pages = []
    own_pages = []
    for i in range(n):
        form = "srs" if i % 2 else "ors"
        page = render_form(form, _marks(rng), dpi=300, layout=LAYOUTS[i % len(LAYOUTS)], seed=i)
        img = scan(page.image, rng, dpi_out=300, skew_deg=float(rng.uniform(-1, 1)))
        p = folder / f"scan_{i:03d}.png"
        Image.fromarray(img).save(p, dpi=(300, 300))
        sets["scan300_png"].append(p)
        pdf_pages.append(Image.fromarray(img))
        ph = photo(render_form(form, _marks(rng), dpi=250, seed=100 + i).image, rng,
                   tilt_deg=float(rng.uniform(0, 30)), rotation_deg=float(rng.uniform(-180, 180)),
                   coverage=0.9, out_size=(4000, 3000), jpeg_quality=90)
        q = folder / f"photo_{i:03d}.jpg"
        cv2.imwrite(str(q), ph, [cv2.IMWRITE_JPEG_QUALITY, 90])
        sets["photo12mp_jpg"].append(q)
        # our own printed forms (srs-scan print): read by their markers and QR code
        sheets = printing.plan_sheets(form, client=f"C-{i}", sessions=[i + 1])
        own = render_printed(printing.render_pdf(sheets), sheets[0].layout, _marks(rng), seed=200 + i)
        own_pages.append(Image.fromarray(scan(own.image, rng, dpi_out=300, skew_deg=float(rng.uniform(-1, 1)))))
        ph = photo(render_printed(printing.render_pdf(sheets), sheets[0].layout, _marks(rng), dpi=250,
                                  seed=300 + i).image, rng, tilt_deg=float(rng.uniform(0, 30)),
                   rotation_deg=float(rng.uniform(-180, 180)), coverage=0.9, out_size=(4000, 3000), jpeg_quality=90)
        q = folder / f"own_photo_{i:03d}.jpg"
        cv2.imwrite(str(q), ph, [cv2.IMWRITE_JPEG_QUALITY, 90])
        sets["own_photo12mp"].append(q)
    pdf = folder / "stack.pdf"
    pdf_pages[0].save(pdf, save_all=True, append_images=pdf_pages[1:], resolution=300.0, quality=90)
    sets["scan300_pdf"].append(pdf)
    own_pdf = folder / "own_stack.pdf"
    own_pages[0].save(own_pdf, save_all=True, append_images=own_pages[1:], resolution=300.0, quality=90)
    sets["own_scan300_pdf"].append(own_pdf)
    return sets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=12, help="pages per set")
    args = parser.parse_args(argv)
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    with tempfile.TemporaryDirectory() as tmp:
        sets = make_inputs(Path(tmp), args.n)
        # warm up: load the OCR model once, as a long run would
        list(read_path(sets["scan300_png"][0]))
        print(f"{'input':<16} {'pages':>5} {'median ms':>10} {'p90 ms':>8} {'max ms':>8}")
        for name, files in sets.items():
            times = []
            for path in files:
                t0 = time.perf_counter()
                last = t0
                for _ in read_path(path):
                    now = time.perf_counter()
                    times.append(1000 * (now - last))
                    last = now
            times.sort()
            p90 = times[int(0.9 * (len(times) - 1))]
            print(f"{name:<16} {len(times):>5} {statistics.median(times):>10.0f} {p90:>8.0f} {max(times):>8.0f}")
    print("one core; decode (PNG/JPEG decode, PDF render) included; OCR model load excluded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
