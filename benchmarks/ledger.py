"""Ledger cost per page: what recording a page (and looking one up) costs a scan.

    python benchmarks/ledger.py                      # a new SQLite file in a temporary folder
    python benchmarks/ledger.py -n 2000
    python benchmarks/ledger.py --db postgresql://USER@HOST/DB   # an EMPTY database: rows are added

Each page is the JSON record of a real reading (a synthetic SRS page read once), stored
under a new key, committed one page at a time as a scan does (``Ledger.put``); then
every key is looked up as a worker does before reading a page (``Ledger.get``), and the
ledger is opened again (a scan's start). Prints the median and the 95th percentile in
milliseconds. Uses only ``Ledger(path)``, ``put`` and ``get``, so the same script
measures an older srs-scan (``PYTHONPATH=/path/to/old/checkout``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from srs_scan import read_image
from srs_scan.ledger.store import Ledger, settings_key
from srs_scan.synth import MarkSpec, render_form, scan


def _record() -> dict:
    page = render_form("srs", [[MarkSpec(m)] for m in (50.0, 60.0, 70.0, 80.0)], dpi=150, seed=1)
    gray = scan(page.image, np.random.default_rng(1), dpi_in=150, dpi_out=150)
    result = read_image(gray, dpi=150)
    return result.to_dict(), result.drawing_geometry()


def _ms(values: list[float]) -> str:
    values = sorted(v * 1000.0 for v in values)
    return f"median {statistics.median(values):.3f} ms, p95 {values[int(0.95 * (len(values) - 1))]:.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=500, help="pages (default 500)")
    parser.add_argument("--db", default=None, help="a PostgreSQL address (default: a new SQLite file)")
    args = parser.parse_args()
    record, geometry = _record()
    settings = settings_key(item_threshold=None, form=None)
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "ledger.sqlite"
        started = time.perf_counter()
        ledger = Ledger(db)
        opened = time.perf_counter() - started
        keys = [f"{i:064x}" for i in range(args.n)]
        puts, gets = [], []
        for key in keys:
            t = time.perf_counter()
            ledger.put(key, settings, record, path="/scans/batch.pdf", item_threshold=None, geometry=geometry)
            puts.append(time.perf_counter() - t)
        for key in keys:
            t = time.perf_counter()
            assert ledger.get(key, settings) is not None
            gets.append(time.perf_counter() - t)
        ledger.close()
        started = time.perf_counter()
        Ledger(db).close()
        reopened = time.perf_counter() - started
    print(f"{args.n} pages, record {len(str(record))} characters, {'server' if args.db else 'SQLite file'}")
    print(f"put (one page, committed): {_ms(puts)}")
    print(f"get (a worker's look-up):  {_ms(gets)}")
    print(f"open a new ledger: {opened * 1000:.1f} ms; open it again: {reopened * 1000:.1f} ms")


if __name__ == "__main__":
    main()
