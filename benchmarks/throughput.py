"""Throughput benchmark: pages per minute of `srs-scan scan` on this machine, end to end.

    python benchmarks/throughput.py                   # 300-page 300-dpi scanner PDF + 100 12-MP photos
    python benchmarks/throughput.py --pages 60 --photos 20
    python benchmarks/throughput.py --no-cluster      # without the Dask rows (Dask not installed)

Inputs are synthetic (srs_scan.synth) and all different (a page seen before would be
taken from the ledger, not read). On the same pages, side by side:

* bare decoding: every page decoded (PDF rendered, image decompressed) and nothing else,
  by one process per core, as the scan's workers decode them: the floor;
* the CLI as a user runs it, with JSONL and CSV outputs and its ledger, with the default
  workers (one per core);
* the CLI with `--cluster local:N` (N = cores: a Dask LocalCluster on this machine);

each as pages/min and as a ratio to bare decoding, with the wall time, the peak memory of
the largest process and the main process's own CPU time per page (ledger, outputs and, on
a cluster, the Dask client: what limits how many workers one `srs-scan scan` can feed).
A one-page run of each mode gives its fixed start-up cost; from the rest comes the cost of
a page on one worker, and a projection of pages per hour for N Dask workers.
Then a sample of pages is timed stage by stage in one process: decode/render, locate
(markers, lines, orientation, OCR), measure (strips, marks, ends), the rest (scoring, QR)
and writing the outputs.
Target (issue 4): >= 400 pages/min for the scanned stack on 2 cores.
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from srs_scan.exports.records import CsvSink, json_record
from srs_scan.ledger import batch
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


@dataclass
class Run:
    wall: float  # seconds, start-up included
    pages: int
    peak: float | None  # MiB, the largest process
    main_cpu: float | None  # seconds of CPU of the main process itself (its threads included)


# the CLI, reporting its own CPU time at exit (atexit runs after click's sys.exit)
_CLI = ("import atexit, resource, sys\n"
        "def said():\n"
        "    r = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    print('main-cpu', r.ru_utime + r.ru_stime, file=sys.stderr)\n"
        "atexit.register(said)\n"
        "from srs_scan.cli import main\n"
        "main(prog_name='srs-scan')\n")


def run_cli(inputs: list[Path], out: Path, extra: Sequence[str] = ()) -> Run:
    """One CLI run: wall seconds, pages, the peak RSS (MiB) of its largest process and the
    main process's CPU seconds.

    The run is started through a small helper process, so that the peak is the CLI's own
    (a child forked from this big benchmark process would report this one's size).
    """
    out.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-c", _CLI, "scan", *map(str, inputs), "--jsonl", str(out / "out.jsonl"),
           "--csv", str(out / "out.csv"), "--db", str(out / "ledger.sqlite"), "-q", *extra]
    probe = (
        "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]).returncode; "
        "print('peak', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r)"
    )
    t0 = time.perf_counter()
    res = subprocess.run([sys.executable, "-c", probe, *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if res.returncode not in (0, 1):
        raise SystemExit(f"scan failed: {res.stderr}")
    pages = len((out / "out.jsonl").read_text().splitlines())
    said = dict(line.split(" ", 1) for line in res.stderr.splitlines() if line.startswith(("peak ", "main-cpu ")))
    peak = int(said["peak"]) / 1024.0 if "peak" in said else None
    main_cpu = float(said["main-cpu"]) if "main-cpu" in said else None
    return Run(wall, pages, peak, main_cpu)


def _decode_one(task: batch.PageTask) -> int:
    return sum(isinstance(p, decode.PageImage) for p in decode.iter_pages(Path(task.path), only=task.page))


def bare_decoding(inputs: list[Path], workers: int) -> Run:
    """Every page decoded and nothing else, one page a task, by ``workers`` processes."""
    tasks = batch.plan(decode.expand_inputs(inputs))
    t0 = time.perf_counter()
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        pages = sum(pool.map(_decode_one, tasks, chunksize=4))
    return Run(time.perf_counter() - t0, pages, None, None)


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


def modes(cores: int, cluster: bool) -> list[tuple[str, Sequence[str] | None]]:
    """(label, CLI options; None: bare decoding) of each row."""
    rows: list[tuple[str, Sequence[str] | None]] = [(f"bare decoding, {cores} proc", None),
                                                    (f"scan, {cores} workers", ())]
    if cluster:
        rows.append((f"scan --cluster local:{cores}", ("--cluster", f"local:{cores}")))
    return rows


def _row(name: str, mode: str, run: Run, floor: float) -> str:
    rate = 60 * run.pages / run.wall
    peak = f"{run.peak:.0f}" if run.peak is not None else "-"
    cpu = f"{1000 * run.main_cpu / run.pages:.0f}" if run.main_cpu is not None else "-"
    return (f"{name:<24} {mode:<26} {run.pages:>6} {run.wall:>7.1f} {rate:>9.0f} {rate / floor:>8.2f} "
            f"{peak:>8} {cpu:>13}")


def projection(name: str, runs: dict[str, Run], startup: dict[str, Run], cores: int) -> list[str]:
    """Per-page cost on one worker (wall time past start-up, times the workers) and, from it,
    pages per hour for N workers; the main process's CPU per page bounds what one scan feeds."""
    lines = []
    for mode, run in runs.items():
        if mode not in startup:
            continue
        work = max(run.wall - startup[mode].wall, 1e-9)
        per_page = 1000 * cores * work / max(run.pages - startup[mode].pages, 1)
        lines.append(f"{name:<24} {mode:<26} start-up {startup[mode].wall:5.1f} s, "
                     f"{per_page:5.0f} ms a page on one worker")
        first = startup[mode].main_cpu
        if "--cluster" in mode and run.main_cpu is not None and first is not None:
            # past start-up (imports, and here the LocalCluster's scheduler, which a tcp:// cluster runs elsewhere)
            main_ms = 1000 * max(run.main_cpu - first, 1e-6) / max(run.pages - startup[mode].pages, 1)
            ceiling = 3.6e6 / main_ms
            cells = ", ".join(f"{n}: {min(n * 3.6e6 / per_page, ceiling):,.0f}" for n in (2, 8, 32, 128))
            lines.append(f"{'':<24} projected pages/hour for N Dask workers (one core each; the main process "
                         f"at {main_ms:.1f} ms CPU a page feeds at most {ceiling:,.0f}/h): {cells}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=300, help="pages in the scanner PDF")
    parser.add_argument("--photos", type=int, default=100, help="12-MP photos in the folder")
    parser.add_argument("--sample", type=int, default=30, help="pages timed stage by stage")
    parser.add_argument("--no-cluster", action="store_true", help="leave out the --cluster local:N rows")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(2024)
    cores = os.cpu_count() or 1
    print(f"machine: {cores} cores; srs-scan default workers = cores")
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
        one = root / "one.png"  # a single page: each mode's start-up
        make_photos(root / "single", 1, rng)
        Image.open(root / "single" / "photo_0000.jpg").save(one)
        print(f"\n{'input':<24} {'mode':<26} {'pages':>6} {'wall s':>7} {'pages/min':>9} {'x decode':>8} "
              f"{'peak MiB':>8} {'main CPU ms/p':>13}")
        startup: dict[str, Run] = {}
        for i, (mode, extra) in enumerate(modes(cores, not args.no_cluster)):
            if extra is not None:
                startup[mode] = run_cli([one], root / f"start-{i}", extra)
        notes = []
        for name, inputs in sets:
            runs: dict[str, Run] = {}
            floor = 0.0
            for i, (mode, extra) in enumerate(modes(cores, not args.no_cluster)):
                out = root / f"out-{len(runs)}-{len(notes)}-{i}"
                run = bare_decoding(inputs, cores) if extra is None else run_cli(inputs, out, extra)
                floor = floor or 60 * run.pages / run.wall
                runs[mode] = run
                print(_row(name, mode, run, floor), flush=True)
            notes += projection(name, runs, startup, cores)
        print("\nstart-up (a one-page run) and the cost of a page past it; projections assume every worker has a "
              "core of this machine's speed and sees the files as fast as a local disk")
        for line in notes:
            print(line)
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
