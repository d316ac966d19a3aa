"""Throughput benchmark: pages per minute of `srs-scan scan` on this machine, end to end.

    python benchmarks/throughput.py                   # 300-page 300-dpi scanner PDF + 100 12-MP photos
    python benchmarks/throughput.py --pages 60 --photos 20

Inputs are synthetic (srs_scan.synth) and all different (a page seen before would be
taken from the ledger, not read). The CLI runs as a user runs it, with JSONL and CSV
outputs and its ledger, with the default workers (one per core); wall time and the peak
memory of the largest process are reported. Then a sample of pages is timed stage by
stage in one process: decode/render, locate (markers, lines, orientation, OCR), measure
(strips, marks, ends), the rest (scoring, QR) and writing the outputs.
Target (issue 4): >= 400 pages/min for the scanned stack on 2 cores.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from srs_scan.exports.records import CsvSink, json_record
from srs_scan.read import decode, pipeline
from srs_scan.synth import LAYOUTS, MarkSpec, photo, render_form, scan


def _marks(rng: np.random.Generator) -> list[list[MarkSpec]]:
    return [[MarkSpec(float(rng.uniform(2, 98)), str(rng.choice(["tick", "x", "dot", "slant"])))] for _ in range(4)]


def make_stack(path: Path, n: int, rng: np.random.Generator) -> None:
    """A scanner PDF of n different 300-dpi gray pages (forms from a pool, each scanned anew)."""
    pool = [render_form("srs" if i % 2 else "ors", _marks(rng), dpi=300, layout=LAYOUTS[i % len(LAYOUTS)],
                        seed=i).image for i in range(min(n, 16))]
    pages = []
    for i in range(n):
        img = scan(pool[i % len(pool)], rng, dpi_out=300, skew_deg=float(rng.uniform(-1.5, 1.5)),
                   rotate90=2 if i % 7 == 3 else 0)
        pages.append(Image.fromarray(img))
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=300.0, quality=85)
    path.write_bytes(buf.getvalue())


def make_photos(folder: Path, n: int, rng: np.random.Generator) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    pool = [render_form("srs" if i % 2 else "ors", _marks(rng), dpi=220, seed=50 + i).image for i in range(min(n, 8))]
    for i in range(n):
        img = photo(pool[i % len(pool)], rng, tilt_deg=float(rng.uniform(0, 30)),
                    rotation_deg=float(rng.uniform(-180, 180)), coverage=0.9, out_size=(4000, 3000))
        cv2.imwrite(str(folder / f"photo_{i:04d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 88])


def run_cli(inputs: list[Path], out: Path) -> tuple[float, int, float | None]:
    """Wall seconds, pages, and the peak RSS (MiB) of the largest process of one CLI run.

    The run is started through a small helper process, so that the peak is the CLI's own
    (a child forked from this big benchmark process would report this one's size).
    """
    cmd = [sys.executable, "-m", "srs_scan", "scan", *map(str, inputs), "--jsonl", str(out / "out.jsonl"),
           "--csv", str(out / "out.csv"), "--db", str(out / "ledger.sqlite"), "-q"]
    probe = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]).returncode; "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r)"
    )
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if res.returncode not in (0, 1):
        raise SystemExit(f"scan failed: {res.stderr}")
    pages = len((out / "out.jsonl").read_text().splitlines())
    try:
        peak: float | None = int(res.stderr.strip().splitlines()[-1]) / 1024.0
    except (ValueError, IndexError):
        peak = None
    return wall, pages, peak


def stage_times(files: list[Path], sample: int) -> dict[str, float]:
    """Mean ms per page by stage, one process, on the first ``sample`` pages."""
    spent: dict[str, float] = defaultdict(float)

    def timed(name: str, fn):  # noqa: ANN001, ANN202
        def wrapper(*a, **k):  # noqa: ANN002, ANN003, ANN202
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[name] += time.perf_counter() - t
        return wrapper

    patches = {
        "locate": ("_locate_by_frame", "_locate_by_lines"),
        "measure": ("sample_strip", "find_marks", "mark_printed_blobs", "drop_end_ticks", "settle_covered_ends"),
    }
    originals = {}
    for stage, names in patches.items():
        for name in names:
            originals[name] = getattr(pipeline, name)
            setattr(pipeline, name, timed(stage, originals[name]))
    markers = pipeline.fiducials.detect_markers
    pipeline.fiducials.detect_markers = timed("locate", markers)
    n = 0
    results = []
    try:
        for f in files:
            it = decode.iter_pages(f)
            while n < sample:
                t = time.perf_counter()
                page = next(it, None)
                spent["decode"] += time.perf_counter() - t
                if page is None:
                    break
                if isinstance(page, decode.PageFailure):
                    continue
                t = time.perf_counter()
                results.append(pipeline.read_page(page))
                spent["read"] += time.perf_counter() - t
                n += 1
            if n >= sample:
                break
        t = time.perf_counter()
        sink = CsvSink(io.StringIO())
        for r in results:
            json_record(r)
            sink.write(r)
        spent["write"] += time.perf_counter() - t
    finally:
        for name, fn in originals.items():
            setattr(pipeline, name, fn)
        pipeline.fiducials.detect_markers = markers
    out = {k: 1000 * v / max(n, 1) for k, v in spent.items()}
    out["other"] = out.pop("read") - out.get("locate", 0) - out.get("measure", 0)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="pages in the scanner PDF")
    parser.add_argument("--photos", type=int, default=100, help="12-MP photos in the folder")
    parser.add_argument("--sample", type=int, default=30, help="pages timed stage by stage")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(2024)
    print(f"machine: {os.cpu_count()} cores; srs-scan default workers = cores")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sets = []
        if args.pages:
            t = time.perf_counter()
            make_stack(root / "stack.pdf", args.pages, rng)
            print(f"made a {args.pages}-page 300-dpi scanner PDF in {time.perf_counter() - t:.0f} s", flush=True)
            sets.append(("scanner PDF, 300 dpi", [root / "stack.pdf"]))
        if args.photos:
            t = time.perf_counter()
            make_photos(root / "photos", args.photos, rng)
            print(f"made {args.photos} 12-MP photos in {time.perf_counter() - t:.0f} s", flush=True)
            sets.append(("folder of 12-MP photos", [root / "photos"]))
        print(f"\n{'input':<24} {'pages':>6} {'wall s':>7} {'pages/min':>10} {'peak RSS MiB':>13}")
        for name, inputs in sets:
            out = root / f"out-{len(name)}"
            out.mkdir()
            wall, pages, peak = run_cli(inputs, out)
            mib = f"{peak:.0f}" if peak is not None else "?"
            print(f"{name:<24} {pages:>6} {wall:>7.1f} {60 * pages / wall:>10.0f} {mib:>13}", flush=True)
        print(f"\nms per page by stage (one process, first {args.sample} pages of each input)")
        print(f"{'input':<24} {'decode':>7} {'locate':>7} {'measure':>8} {'other':>6} {'write':>6}")
        for name, inputs in sets:
            files = decode.expand_inputs(inputs)
            st = stage_times(files, args.sample)
            print(f"{name:<24} {st.get('decode', 0):>7.0f} {st.get('locate', 0):>7.0f} {st.get('measure', 0):>8.0f} "
                  f"{st.get('other', 0):>6.0f} {st.get('write', 0):>6.1f}", flush=True)
    print(json.dumps({"note": "wall time includes start-up, OCR model load in each worker and writing outputs"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
