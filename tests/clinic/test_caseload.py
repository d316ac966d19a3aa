"""The full synthetic caseload (200 clients, 1-20 sessions each, planted patterns) fed
into a ledger as pages read, assigned with an assignment CSV, one value corrected and
one page left in review, then reported with the CLI: every alert and every figure
checked against values worked out from the generator's truth (tests/clinic/caseload.py),
never from the program's output."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest
from caseload import KINDS, expected_alerts, expected_figures, generate
from click.testing import CliRunner
from feed import feed
from scipy.stats import t as student_t

from srs_scan.cli import main
from srs_scan.clinic.alerts import alerts_for
from srs_scan.clinic.episodes import build_episodes
from srs_scan.clinic.rules import Settings
from srs_scan.clinic.sources import load
from srs_scan.ledger.store import Ledger


@pytest.fixture(scope="module")
def caseload_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("caseload")
    truth = generate(200, seed=11)
    review = {(truth[1].id, 1, "srs")}
    db, csv_path, ids = feed(truth, folder, review=review)
    runner = CliRunner()
    out = runner.invoke(main, ["assign", "--file", str(csv_path), "--by", "clerk", "--db", str(db)])
    assert out.exit_code == 0, out.output
    # a person corrects item 4 of client 1's first SRS to 5.0 (the truth follows)
    c0 = truth[0]
    out = runner.invoke(main, ["correct", ids[(c0.id, 1, "srs")], "--item", "4", "--mm", "50", "--by", "Dr A",
                               "--reason", "misread", "--db", str(db)])
    assert out.exit_code == 0, out.output
    s1 = c0.sessions[0]
    truth[0] = replace(c0, sessions=(replace(s1, srs=(*s1.srs[:3], 50)), *c0.sessions[1:]))
    out = runner.invoke(main, ["report", "--db", str(db), "-o", str(folder / "r.html"), "--json",
                               str(folder / "r.json")])
    assert out.exit_code == 0, out.output
    return truth, db, json.loads((folder / "r.json").read_text()), (folder / "r.html").read_text(), review


def test_the_caseload_has_every_planted_pattern(caseload_run):
    truth, *_ = caseload_run
    assert {c.kind for c in truth} == set(KINDS) and len(truth) == 200
    assert min(len(c.sessions) for c in truth) == 1 and max(len(c.sessions) for c in truth) >= 18
    planted = set().union(*({code for code, _ in expected_alerts(c)} for c in truth))
    assert planted == {"srs_low", "srs_item_low", "srs_drop", "srs_perfect_repeat", "intake_clinical",
                       "deterioration", "not_on_track", "reliable_improvement", "clinically_significant",
                       "srs_missing", "session_gap"}


def test_every_alert_matches_the_truth(caseload_run):
    truth, _, doc, _, review = caseload_run
    by_id = {c["id"]: c for c in doc["clients"]}
    assert set(by_id) == {c.id for c in truth}
    for c in truth:
        got = {(a["code"], a["session"]) for a in by_id[c.id]["history"]}
        assert got == expected_alerts(c), c.id
        last = c.sessions[-1].number
        assert {(a["code"], a["session"]) for a in by_id[c.id]["alerts"]} == {
            x for x in expected_alerts(c) if x[1] == last}
        assert by_id[c.id]["sessions"] == len(c.sessions)
        assert by_id[c.id]["last_ors"] == sum(c.sessions[-1].ors) / 10
        srs = [s for s in c.sessions if s.srs is not None]
        assert by_id[c.id]["last_srs"] == (sum(srs[-1].srs) / 10 if srs else None)
    # the page left in review is counted and its alerts marked
    (client, session, _), = review
    marked = [a for a in by_id[client]["history"] if a["session"] == session and a["code"].startswith("srs")]
    assert marked and all(a["unreviewed"] for a in marked)
    assert by_id[client]["unreviewed_pages"] == 1
    # the corrected value is used and shown as such
    row = by_id[truth[0].id]["session_table"][0]
    assert row["alliance"]["corrected"] is True and row["alliance"]["items"][3] == 5.0


def test_every_figure_matches_the_truth(caseload_run):
    truth, _, doc, html, _ = caseload_run
    want, got = expected_figures(truth), doc["clinic"]
    assert (got["clients"], got["sessions"]) == (want["clients"], want["sessions"])
    assert got["mean_srs"] == pytest.approx(want["mean_srs"], abs=0.005) and got["mean_srs_n"] == want["n_srs"]
    half = student_t.ppf(0.975, want["n_srs"] - 1) * want["sd_srs"] / math.sqrt(want["n_srs"])
    assert got["mean_srs_ci95"] == pytest.approx([want["mean_srs"] - half, want["mean_srs"] + half], abs=0.006)
    assert got["share_srs_above_36"]["value"] == pytest.approx(want["share_srs_above_36"], abs=5e-5)
    assert got["share_srs_above_36"]["n"] == want["n_srs"]
    assert got["mean_intake_ors"] == pytest.approx(want["mean_intake_ors"], abs=0.005)
    assert got["mean_intake_ors_n"] == want["n_intake_ors"]
    for cat, count in want["outcomes"].items():
        assert (got[cat]["count"], got[cat]["n"]) == (count, want["n_outcomes"]), cat
    assert got["reliable_or_clinically_significant"]["count"] == want["reliable_or_cs"]
    assert got["effect_size"] == pytest.approx(want["effect_size"], abs=0.005)
    assert got["alliance_outcome"]["early_srs_above_36"]["value"] == pytest.approx(want["strong"], abs=0.005)
    assert got["alliance_outcome"]["early_srs_at_or_below_36"]["value"] == pytest.approx(want["weak"], abs=0.005)
    undated = sum(s.date is None for c in truth for s in c.sessions)
    assert got["undated_sessions"] == undated > 0
    assert got["benchmarks"]["mean_intake_ors"] == [16.0, 19.0]
    # the HTML has the figures, every client and nothing fetched
    assert f"{want['mean_srs']:.1f} (95 % CI" in html and html.count('<section class="client"') == 200
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert "<script" not in html


def test_the_below_36_option(caseload_run):
    truth, db, *_ = caseload_run
    ledger = Ledger(db)
    try:
        scores = load(ledger).scores
    finally:
        ledger.close()
    for episode in build_episodes(scores):
        c = next(x for x in truth if x.id == episode.client)
        got = {(a.code, a.session) for a in alerts_for(episode, Settings(srs_cutoff_rule="below"))}
        assert got == expected_alerts(c, srs_below=True)


def test_a_date_and_therapist_filter(caseload_run, tmp_path):
    truth, db, *_ = caseload_run
    out = CliRunner().invoke(main, ["report", "--db", str(db), "--json", str(tmp_path / "f.json"), "--from",
                                    "2026-02-01", "--to", "2026-02-28", "--therapist", "T2"])
    assert out.exit_code == 0, out.output
    got = json.loads((tmp_path / "f.json").read_text())["clinic"]
    chosen = [(c, s) for c in truth for s in c.sessions if s.therapist == "T2" and s.date is not None
              and "2026-02-01" <= s.date.isoformat() <= "2026-02-28"]
    assert got["sessions"] == len(chosen) and got["clients"] == len({c.id for c, _ in chosen})
    srs = [sum(s.srs) / 10 for _, s in chosen if s.srs is not None]
    assert got["mean_srs"] == pytest.approx(sum(srs) / len(srs), abs=0.005)
