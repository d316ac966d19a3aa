"""The clinic report: how long ``srs-scan report`` takes on 2,000 sessions (target under
10 s) and how big the HTML is for 200 clients (target at most 5 MB).

The synthetic caseload (tests/clinic/caseload.py: 200 clients, known trajectories and
planted alerts) is put into a ledger as pages read (no page rendering) and assigned with
an assignment CSV; then the CLI writes the report and its JSON, each timed as a separate
process (start-up included, as a user waits for it).

    python benchmarks/report.py [--clients 200] [--sessions 2000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "clinic"))

from caseload import generate  # noqa: E402
from feed import feed  # noqa: E402


def _run(*args: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "srs_scan", *args], check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="write the ledger and reports here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        truth = generate(args.clients, sessions=args.sessions)
        db, csv_path, _ = feed(truth, folder)
        sessions = sum(len(c.sessions) for c in truth)
        pages = sum((s.ors is not None) + (s.srs is not None) for c in truth for s in c.sessions)
        assign_s = _run("assign", "--file", str(csv_path), "--by", "benchmark", "--db", str(db))
        html, js = folder / "report.html", folder / "report.json"
        times = [_run("report", "--db", str(db), "-o", str(html)) for _ in range(args.repeat)]
        json_s = _run("report", "--db", str(db), "--json", str(js))
        clients_s = _run("clients", "--db", str(db))
        doc = json.loads(js.read_text())
        size = html.stat().st_size
        print(f"caseload: {len(truth)} clients, {sessions} sessions, {pages} pages in the ledger")
        print(f"srs-scan assign --file ({pages} rows): {assign_s:.2f} s")
        print(f"srs-scan report -o: median {statistics.median(times):.2f} s of {args.repeat} "
              f"(min {min(times):.2f}, max {max(times):.2f}; target < 10 s)")
        print(f"srs-scan report --json: {json_s:.2f} s; srs-scan clients: {clients_s:.2f} s")
        print(f"report size: {size / 1e6:.2f} MB for {len(doc['clients'])} clients "
              f"({size / len(doc['clients']) / 1e3:.1f} kB per client; target <= 5 MB)")
        print(f"open alerts: {len(doc['alerts'])}; JSON: {js.stat().st_size / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
