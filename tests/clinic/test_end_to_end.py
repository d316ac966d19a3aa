"""Six clients' forms rendered as pages (srs_scan.synth), scanned with the CLI, assigned
at scan time with an assignment CSV (one client on srs-scan's own forms: client and
session from the QR code, the date from the CSV), and reported: every alert and figure
against the truth below, worked out here with simple code, never from the program."""

from __future__ import annotations

import csv
import json
import math
from datetime import date, timedelta

import numpy as np
import pytest
from caseload import TrueClient, TrueSession, expected_alerts, expected_figures
from click.testing import CliRunner
from PIL import Image

from srs_scan.cli import main
from srs_scan.forms import printing
from srs_scan.synth import MarkSpec, render_form, scan
from srs_scan.synth.printed import render_printed

DPI = 200
D0 = date(2026, 3, 2)


def _s(n, ors, srs, *, when=True):
    return TrueSession(n, D0 + timedelta(weeks=n - 1) if when else None, "T1" if n % 2 else "T2", "S1", ors, srs)


# values in tenths, every total at least 0.5 away from a threshold (a reading is within 0.05 per item)
TRUTH = [
    TrueClient("E1", "deteriorator", (
        _s(1, (40, 40, 40, 30), (95, 95, 95, 95)),
        _s(2, (40, 30, 40, 30), (95, 90, 95, 95)),
        _s(3, (20, 30, 20, 20), (90, 85, 90, 85)))),
    TrueClient("E2", "perfect", (
        _s(1, (50, 40, 50, 40), (100, 100, 100, 100)),
        _s(2, (60, 60, 60, 60), (100, 100, 100, 100)))),
    TrueClient("E3", "recoverer", (
        _s(1, (60, 50, 60, 50), (95, 100, 95, 85)),
        _s(2, (70, 70, 70, 70), (95, 95, 95, 95)))),
    TrueClient("E4", "no_feedback", (
        _s(1, (50, 50, 50, 50), None),
        _s(2, (55, 50, 50, 55), (95, 95, 90, 90)))),
    TrueClient("E5", "gap", (
        _s(1, (30, 30, 40, 40), (90, 95, 90, 95)),
        _s(3, (40, 40, 40, 40), (95, 95, 95, 95), when=False))),
    TrueClient("E6", "own_forms", (
        _s(1, (80, 70, 80, 70), (90, 90, 85, 85)),
        _s(2, (80, 80, 80, 70), (95, 95, 95, 95)))),
]


def _marks(tenths):
    return [[MarkSpec(float(v))] for v in tenths]  # v tenths of a point = v mm on the 100 mm line


def _save(pages, path):
    images = [Image.fromarray(p) for p in pages]
    images[0].save(path, save_all=True, append_images=images[1:], dpi=(DPI, DPI), compression="tiff_deflate")


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    rng = np.random.default_rng(3)
    rows = []
    for k, client in enumerate(TRUTH):
        pages = []
        if client.id == "E6":  # srs-scan's own forms: the QR code says client and session
            for form, attr in (("ors", "ors"), ("srs", "srs")):
                sheets = printing.plan_sheets(form, client="E6", sessions=[s.number for s in client.sessions])
                pdf = printing.render_pdf(sheets)
                for i, s in enumerate(client.sessions):
                    page = render_printed(pdf, sheets[i].layout, _marks(getattr(s, attr)), page_index=i, dpi=DPI)
                    pages.append((s, scan(page.image, rng, dpi_in=DPI, dpi_out=DPI)))
            pages.sort(key=lambda x: x[0].number)
        else:
            for s in client.sessions:
                for form, values in (("ors", s.ors), ("srs", s.srs)):
                    if values is not None:
                        page = render_form(form, _marks(values), dpi=DPI, seed=7 * k + s.number)
                        pages.append((s, scan(page.image, rng, dpi_in=DPI, dpi_out=DPI)))
        _save([img for _, img in pages], folder / f"batch-{k + 1}.tif")
        for n, (s, _) in enumerate(pages, start=1):
            own = client.id == "E6"
            rows.append([f"batch-{k + 1}.tif", n, "" if own else client.id, "" if own else s.number,
                         s.date.isoformat() if s.date else "", s.therapist, s.site])
    with (folder / "assign.csv").open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["source", "page", "client", "session", "date", "therapist", "site"])
        w.writerows(rows)
    runner = CliRunner()
    out = runner.invoke(main, ["scan", str(folder), "--jsonl", str(folder / "out.jsonl"), "--assign",
                               str(folder / "assign.csv"), "--workers", "2", "-q"])
    assert out.exit_code == 0, out.output
    db = folder / "srs-scan-ledger.sqlite"
    assert f"{len(rows)} page(s) assigned" in out.output
    out = runner.invoke(main, ["report", "--db", str(db), "-o", str(folder / "report.html"), "--json",
                               str(folder / "report.json")])
    assert out.exit_code == 0, out.output
    clients = runner.invoke(main, ["clients", "--db", str(db)])
    assert clients.exit_code == 0, clients.output
    return folder, json.loads((folder / "report.json").read_text()), clients.output


def test_every_page_was_read_as_drawn(scanned):
    folder, doc, _ = scanned
    records = [json.loads(x) for x in (folder / "out.jsonl").read_text().splitlines()]
    assert len(records) == sum(1 for c in TRUTH for s in c.sessions for f in (s.ors, s.srs) if f is not None)
    assert all(r["status"] == "ok" and r["total"] is not None for r in records), [r["reasons"] for r in records]
    by_id = {c["id"]: c for c in doc["clients"]}
    for c in TRUTH:
        table = {row["session"]: row for row in by_id[c.id]["session_table"]}
        assert sorted(table) == [s.number for s in c.sessions]
        for s in c.sessions:
            row = table[s.number]
            assert row["outcome"]["total"] == pytest.approx(sum(s.ors) / 10, abs=0.25)
            if s.srs is None:
                assert row["alliance"] is None
            else:
                assert row["alliance"]["total"] == pytest.approx(sum(s.srs) / 10, abs=0.25)
            assert row["date"] == (s.date.isoformat() if s.date else None)
            assert row["therapist"] == s.therapist


def test_every_alert_matches_the_truth(scanned):
    _, doc, lines = scanned
    by_id = {c["id"]: c for c in doc["clients"]}
    assert set(by_id) == {c.id for c in TRUTH}
    for c in TRUTH:
        assert {(a["code"], a["session"]) for a in by_id[c.id]["history"]} == expected_alerts(c), c.id
        assert f"{c.id}: {len(c.sessions)} session(s)" in lines
    # what was planted
    assert ("deterioration", 3) in expected_alerts(TRUTH[0]) and ("srs_drop", 3) in expected_alerts(TRUTH[0])
    assert ("srs_perfect_repeat", 2) in expected_alerts(TRUTH[1])
    assert ("clinically_significant", 2) in expected_alerts(TRUTH[2])
    assert ("srs_missing", 1) in expected_alerts(TRUTH[3]) and ("session_gap", 3) in expected_alerts(TRUTH[4])
    assert ("srs_low", 1) in expected_alerts(TRUTH[5])
    # the most urgent open alert is on top
    assert doc["alerts"][0]["code"] == "deterioration" and doc["alerts"][0]["client"] == "E1"


def test_every_figure_matches_the_truth(scanned):
    _, doc, _ = scanned
    want, got = expected_figures(TRUTH), doc["clinic"]
    tol = 0.25  # a reading is within 0.05 per item
    assert (got["clients"], got["sessions"]) == (6, 13)
    assert got["mean_srs"] == pytest.approx(want["mean_srs"], abs=tol) and got["mean_srs_n"] == want["n_srs"]
    assert got["share_srs_above_36"]["count"] == round(want["share_srs_above_36"] * want["n_srs"])
    assert got["mean_intake_ors"] == pytest.approx(want["mean_intake_ors"], abs=tol)
    for cat, count in want["outcomes"].items():
        assert (got[cat]["count"], got[cat]["n"]) == (count, want["n_outcomes"]), cat
    assert got["effect_size"] == pytest.approx(want["effect_size"], abs=0.05)
    assert not math.isnan(got["effect_size"])
    assert got["undated_sessions"] == 1
