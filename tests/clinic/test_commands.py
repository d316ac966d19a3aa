"""The clinic's commands at their edges: usage errors, an empty ledger, a form scanned
twice for one session, the plots as SVG, and the review server's guards on /api/assign."""

from __future__ import annotations

import http.client
import json
import threading

import pytest
from click.testing import CliRunner
from feed import page_of
from test_rules import ors, srs

from srs_scan.audit.review import make_server
from srs_scan.cli import main
from srs_scan.clinic.alerts import alerts_for
from srs_scan.clinic.episodes import build_episodes
from srs_scan.clinic.plots import client_svg
from srs_scan.jobs.assign import assign_page
from srs_scan.ledger import assignments
from srs_scan.ledger.store import Ledger


@pytest.fixture
def db(tmp_path):
    path = tmp_path / "l.sqlite"
    led = Ledger(path)
    led.put("a1" * 32, "s", page_of("a.pdf", 1, "ors", (50, 60, 70, 80)).to_dict())
    led.put("b2" * 32, "s", page_of("a.pdf", 2, "srs", (90, 95, 95, 100)).to_dict())
    led.put("c3" * 32, "s", page_of("b.pdf", 1, "srs", (80, 80, 80, 80)).to_dict())  # the same session again
    for key in ("a1", "b2", "c3"):
        assign_page(led, (key * 6), assignments.make("C1", "1", "2026-01-05"), by="clerk")
    led.close()
    return path


@pytest.mark.parametrize("args, message", [
    ([], "say what to write"),
    (["-o", "r.txt"], "should end in .html"),
    (["--json", "r.json", "--from", "2026-02-01", "--to", "2026-01-01"], "--from is after --to"),
    (["--json", "r.json", "--from", "1/2/2026"], "yyyy-mm-dd"),
    (["--json", "r.json", "--reliable-change", "0"], "0"),
])
def test_report_usage_errors(db, tmp_path, args, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = CliRunner().invoke(main, ["report", "--db", str(db), *args])
    assert out.exit_code == 2 and message in out.output


def test_no_ledger_is_a_usage_error(tmp_path):
    out = CliRunner().invoke(main, ["clients", "--db", str(tmp_path / "none.sqlite")])
    assert out.exit_code == 2 and "there is no ledger" in out.output


def test_an_empty_ledger_reports_nothing_to_report(tmp_path):
    Ledger(tmp_path / "e.sqlite").close()
    out = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "e.sqlite"), "-o", str(tmp_path / "r.html"),
                                    "--json", str(tmp_path / "r.json")])
    assert out.exit_code == 0, out.output
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["clients"] == [] and doc["clinic"]["mean_srs"] is None and doc["clinic"]["mean_srs_n"] == 0
    assert doc["clinic"]["improved"] == {"value": None, "count": 0, "n": 0}
    assert "No open alert." in (tmp_path / "r.html").read_text()


def test_a_form_scanned_twice_for_one_session_uses_the_first_and_says_so(db, tmp_path):
    out = CliRunner().invoke(main, ["report", "--db", str(db), "--json", str(tmp_path / "r.json")])
    assert out.exit_code == 0, out.output
    (client,) = json.loads((tmp_path / "r.json").read_text())["clients"]
    (row,) = client["session_table"]
    assert row["alliance"]["total"] == 38.0 and row["extra_pages"] == [("c3" * 6)]


def test_the_plot_is_an_svg_with_nothing_to_fetch():
    (episode,) = build_episodes([ors(1, 20.0), srs(1, 35.0), ors(2, 14.0), srs(2, 38.0, reviewed=False)])
    svg = client_svg(episode, alerts_for(episode))
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "client C1" in svg and "http://" not in svg.replace("http://www.w3.org", "")
    assert "<metadata>" not in svg and "<script" not in svg


def test_assignments_on_the_review_server_need_the_token(db):
    srv = make_server(db)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        def post(headers, body):
            con = http.client.HTTPConnection("127.0.0.1", srv.state.port, timeout=10)
            con.request("POST", "/api/assign", body=json.dumps(body).encode(), headers={
                "Host": f"127.0.0.1:{srv.state.port}", "Content-Type": "application/json", **headers})
            resp = con.getresponse()
            data = json.loads(resp.read() or b"{}")
            con.close()
            return resp.status, data

        body = {"page_id": "a1" * 6, "client": "C2", "by": "Mallory"}
        assert post({}, body)[0] == 403
        assert post({"X-SRS-Token": srv.state.token, "Origin": "http://evil.example"}, body)[0] == 403
        status, data = post({"X-SRS-Token": srv.state.token}, {**body, "session": True})
        assert status == 400 and "whole number" in data["error"]
        status, data = post({"X-SRS-Token": srv.state.token}, {**body, "client": "Jane Doe"})
        assert status == 400 and "not an ID" in data["error"]
        status, data = post({"X-SRS-Token": srv.state.token}, {**body, "by": "Ana"})
        assert status == 200 and data["assignment"]["client"] == "C2" and data["assignment"]["date"] == "2026-01-05"
        assert [e["via"] for e in data["assignment_trail"]] == ["person", "review"]
        con = http.client.HTTPConnection("127.0.0.1", srv.state.port, timeout=10)
        con.request("GET", "/api/clients", headers={"Host": f"127.0.0.1:{srv.state.port}"})
        assert con.getresponse().status == 403  # no token, no clients
        con.close()
    finally:
        srv.shutdown()
        srv.server_close()
        srv.state.ledger.close()


@pytest.mark.parametrize("option, name", [("-o", "r.html"), ("--json", "r.json")])
def test_report_keeps_a_file_it_did_not_write_unless_forced(db, tmp_path, option, name):
    """As scan, audit and export: an existing file srs-scan did not write stays as it is
    (exit 2, nothing written) unless --force; srs-scan's own report is replaced on a re-run."""
    theirs = tmp_path / name
    theirs.write_text("the clinic's own notes\n")
    other = tmp_path / ("r.json" if option == "-o" else "r.html")  # asked for beside it: not written either
    other_option = "--json" if option == "-o" else "-o"

    def report(*extra: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["report", "--db", str(db), option, str(theirs), other_option, str(other),
                                         *extra])

    out = report()
    assert out.exit_code == 2, out.output
    assert "exists and was not written by srs-scan" in out.output and "add --force to replace it" in out.output
    assert theirs.read_text() == "the clinic's own notes\n" and not other.exists()
    forced = report("--force")
    assert forced.exit_code == 0, forced.output
    assert theirs.read_text() != "the clinic's own notes\n" and other.exists()
    again = report()  # both are srs-scan's own now
    assert again.exit_code == 0, again.output
    assert json.loads((tmp_path / "r.json").read_text())["clients"][0]["id"] == "C1"


def test_report_replaces_its_own_older_report_and_never_a_link(db, tmp_path):
    older = tmp_path / "old.html"  # a clinic report written before it carried srs-scan's marker
    older.write_text("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>\n"
                     "<title>srs-scan clinic report</title></head><body></body></html>\n")
    out = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(older)])
    assert out.exit_code == 0, out.output
    assert "C1" in older.read_text()
    target = tmp_path / "notes.txt"
    target.write_text("notes\n")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    out = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(link), "--force"])
    assert out.exit_code == 2 and "is a symbolic link" in out.output
    assert link.is_symlink() and target.read_text() == "notes\n"


def test_clients_json_keeps_a_file_it_did_not_write_unless_forced(db, tmp_path):
    """`clients --json` promises what every output does: a file srs-scan did not write stays
    (exit 2) unless --force; its own JSON is replaced on a re-run; a wrong suffix is refused."""
    theirs = tmp_path / "clients.json"
    theirs.write_text('{"mine": true}\n')

    def clients(*extra: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["clients", "--db", str(db), "--json", str(theirs), *extra])

    out = clients()
    assert out.exit_code == 2, out.output
    assert "exists and was not written by srs-scan" in out.output and "add --force to replace it" in out.output
    assert theirs.read_text() == '{"mine": true}\n'
    assert clients("--force").exit_code == 0
    assert json.loads(theirs.read_text())["clients"][0]["id"] == "C1"
    again = clients()  # srs-scan's own now
    assert again.exit_code == 0, again.output
    wrong = CliRunner().invoke(main, ["clients", "--db", str(db), "--json", str(tmp_path / "clients.txt")])
    assert wrong.exit_code == 2 and "should end in .json" in wrong.output
