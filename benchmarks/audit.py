"""Audit images and the review page: are they where the paper says, and how fast?

For synthetic pages with marks at known positions (geometry from the renderer; scans
upright and upside down, 300 and 200 dpi, printed at 100 % and 97 %):

every element of the picture is found in its pixels (tests/pixels.py, shared with the
tests: colour masks, tick detection), never taken from the drawing code's own geometry,
and compared with the renderer's truth, in mm of the printed line:

* drawn mark: where the picture's pointer stands against the true mark (what a person
  checking the picture against the paper sees);
* ptr/scan mark: the pointer against the client's own mark in the scan under it;
* ruler ticks: the worst tick against the true millimetre it should mark (ten-mm
  ticks: against their own millimetre);
* drawn ends: the drawn end markers against the true line ends;
* scan under: the printed line found in the faded scan against the drawn ends (the end
  markers cover the line's last 2.5 px: about 0.4 mm is the floor of this measure);
* click error: a click on the true mark position in the picture, as the review page
  turns it into mm, against the truth;

then, the CLI end to end on the same stack: ``srs-scan scan``, ``srs-scan audit -o``
(seconds per page, bytes of report per page), and the review server's answer times.

    python benchmarks/audit.py [-n PAGES_PER_CONDITION]
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from PIL import Image

from srs_scan.audit import draw
from srs_scan.audit import select as audit
from srs_scan.audit.review import make_server
from srs_scan.ledger.store import Ledger
from srs_scan.read.pipeline import read_image
from srs_scan.synth import MarkSpec, render_form, scan

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import pixels  # noqa: E402  (tests/pixels.py: the pixel measures the tests use)

CONDITIONS = {  # name: (dpi, upside down, print scale)
    "scan300": (300, False, 1.0),
    "scan200_upside_down": (200, True, 1.0),
    "scan300_print97": (300, False, 0.97),
}


def _case(condition: str, seed: int):
    dpi, turn, scale = CONDITIONS[condition]
    rng = np.random.default_rng(seed)
    truth = [float(np.round(rng.uniform(2, 98), 1)) for _ in range(4)]
    kinds = rng.choice(["tick", "x", "dot", "slant"], size=4)
    form = "srs" if seed % 2 else "ors"
    page = render_form(form, [[MarkSpec(t, str(k))] for t, k in zip(truth, kinds, strict=True)],
                       dpi=dpi, scale=scale, seed=seed)
    gray = scan(page.image, rng, dpi_in=dpi, dpi_out=dpi)
    lines = [(np.array(a), np.array(b)) for a, b in page.lines_px]
    if turn:
        h, w = gray.shape
        gray = np.ascontiguousarray(gray[::-1, ::-1])
        lines = [(np.array([w - 1, h - 1]) - a, np.array([w - 1, h - 1]) - b) for a, b in lines]
    return gray, dpi, truth, lines


def geometry(n: int) -> dict[str, dict[str, float]]:
    out = {}
    names = ("drawn mark", "ptr/scan mark", "ruler ticks", "ten ticks", "drawn ends", "scan under", "click*")
    for condition in CONDITIONS:
        errs: dict[str, list[float]] = {name: [] for name in names}
        for seed in range(n):
            gray, dpi, truth, lines = _case(condition, 1000 + seed)
            result = read_image(gray, dpi=dpi)
            view = draw.render(gray, result, result.drawing_geometry())
            found = pixels.true_lines(view.to_view, [(tuple(a), tuple(b)) for a, b in lines])
            for i, (line, t) in enumerate(zip(found, truth, strict=True)):
                item = result.items[i] if len(result.items) == 4 else None
                value = item.mm if item is not None else None
                ink = pixels.INK_OK if item is not None and item.status.value == "ok" else pixels.INK_REVIEW
                got = pixels.check_line(view.image, line, t, value, ink)
                if got.pointer_vs_truth is not None:
                    errs["drawn mark"].append(got.pointer_vs_truth)
                if got.pointer_vs_scan_mark is not None:
                    errs["ptr/scan mark"].append(got.pointer_vs_scan_mark)
                errs["ruler ticks"].append(got.ruler_ticks)
                errs["ten ticks"].append(got.ruler_ten_ticks)
                errs["drawn ends"].append(got.drawn_ends)
                errs["scan under"].append(got.printed_under_ends)
                hit = view.locate(*line.at(t))
                errs["click*"].append(abs(hit[1] - t) if hit and hit[0] == i + 1 else float("inf"))
        out[condition] = {
            name: {"mean": float(np.mean(v)), "p95": float(np.percentile(v, 95)), "max": float(np.max(v)),
                   "n": len(v)}
            for name, v in errs.items() if v
        }
    return out


def end_to_end(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        k = 0
        for condition in CONDITIONS:
            for seed in range(n):
                gray, dpi, _, _ = _case(condition, 2000 + seed)
                Image.fromarray(gray).save(folder / f"p{k:03d}.png", dpi=(dpi, dpi))
                k += 1
        cli = [sys.executable, "-m", "srs_scan"]
        t0 = time.perf_counter()
        subprocess.run([*cli, "scan", str(folder), "--csv", str(folder / "out.csv"), "-q"], check=True,
                       capture_output=True)
        t1 = time.perf_counter()
        subprocess.run([*cli, "audit", "--db", str(folder / "srs-scan-ledger.sqlite"), "-o",
                        str(folder / "audit.html"), "-q"], check=True, capture_output=True)
        t2 = time.perf_counter()
        size = (folder / "audit.html").stat().st_size
        server = make_server(folder / "srs-scan-ledger.sqlite")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with_token = {"X-SRS-Token": server.state.token, "Host": f"127.0.0.1:{server.state.port}"}
        ledger = Ledger(folder / "srs-scan-ledger.sqlite")
        ids = [p.page_id for p in audit.collect(ledger)]
        ledger.close()
        first, again = [], []
        for pid in ids:
            for bucket in (first, again):
                con = http.client.HTTPConnection("127.0.0.1", server.state.port, timeout=30)
                s = time.perf_counter()
                con.request("GET", f"/api/page/{pid}", headers=with_token)
                json.loads(con.getresponse().read())
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", server.state.port, timeout=30)
                con.request("GET", f"/image/{pid}/audit.jpg", headers=with_token)
                con.getresponse().read()
                con.close()
                bucket.append(time.perf_counter() - s)
        server.shutdown()
        server.server_close()
        server.state.ledger.close()
        return {"pages": k, "scan_s": t1 - t0, "audit_s": t2 - t1, "audit_ms_per_page": 1000 * (t2 - t1) / k,
                "report_kib_per_page": size / 1024 / k, "review_first_ms": 1000 * float(np.median(first)),
                "review_cached_ms": 1000 * float(np.median(again))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="pages per condition (default 20)")
    args = parser.parse_args(argv)
    print(f"Audit pictures against the paper, {args.n} pages per condition (errors in mm on the paper,")
    print("measured in the picture's pixels)")
    print(f"{'condition':<22} {'measure':<14} {'mean':>6} {'P95':>6} {'max':>6} {'n':>5}")
    for condition, rows in geometry(args.n).items():
        for name, r in rows.items():
            print(f"{condition:<22} {name:<14} {r['mean']:6.3f} {r['p95']:6.3f} {r['max']:6.3f} {r['n']:5d}")
    e = end_to_end(max(2, args.n // 2))
    print(f"\nCLI on {e['pages']} pages: scan {e['scan_s']:.1f} s; audit -o {e['audit_s']:.1f} s "
          f"({e['audit_ms_per_page']:.0f} ms/page, start-up included), report {e['report_kib_per_page']:.0f} KiB/page")
    print("* the review page rounds a click to 0.1 mm, as it stores values")
    print(f"review server, page detail + audit image: first {e['review_first_ms']:.0f} ms, "
          f"again {e['review_cached_ms']:.0f} ms (median)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
