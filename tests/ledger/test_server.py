"""A team's ledger on PostgreSQL: the same outputs as on SQLite, two scanners at once into
one ledger, two reviewers at once, the review page, and a password never shown.

Every test has a database of its own on the test server (``pg_url``, tests/conftest.py);
they skip without SRS_SCAN_TEST_PG, and fail instead in CI (SRS_SCAN_REQUIRE_PG).
Ground truth: the SQLite run of the same files, the pages each test makes, and the
corrections each reviewer made, never what the code under test reports of itself.
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from dbs import driver_errors, page_record, raw, rows
from PIL import Image
from sqlalchemy.engine.url import make_url

from srs_scan.audit.review import make_server
from srs_scan.jobs.assign import assign_page
from srs_scan.jobs.correct import correct_item
from srs_scan.ledger import assignments
from srs_scan.ledger.location import ServerAddress
from srs_scan.ledger.store import Ledger
from srs_scan.synth import MarkSpec, render_form, scan

SAMPLES = Path(__file__).resolve().parents[2] / "sample_scans"
PASSWORD = "Pw-never-shown-7"  # the test server trusts local users: the password is ignored, and never printed
RUN_TIMEOUT_S = 300


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    return subprocess.run([sys.executable, "-m", "srs_scan", *map(str, args)], capture_output=True, text=True,
                          timeout=RUN_TIMEOUT_S, env=env)


def _start(*args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "srs_scan", *map(str, args)], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _with_password(url: str) -> str:
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def _clean(*results: subprocess.CompletedProcess[str]) -> None:
    for result in results:
        text = result.stdout + result.stderr
        assert "Traceback" not in text, text[-3000:]
        assert PASSWORD not in text


def _records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_scan_into_postgresql_gives_the_same_outputs_as_into_sqlite(pg_url, tmp_path):
    inputs = [SAMPLES / "scanner_stack.pdf", SAMPLES / "own_forms_scan.pdf"]  # 7 pages: forms, review, no form
    lite_db = tmp_path / "ledger.sqlite"
    lite = _cli("scan", *inputs, "--db", lite_db, "--jsonl", tmp_path / "l.jsonl", "--csv", tmp_path / "l.csv", "-q")
    url = _with_password(pg_url)
    served = _cli("scan", *inputs, "--db", url, "--jsonl", tmp_path / "p.jsonl", "--csv", tmp_path / "p.csv",
                  "--workers", "2", "-q")
    _clean(lite, served)
    assert lite.returncode == served.returncode == 0, served.stderr
    assert len(_records(tmp_path / "l.jsonl")) == 7
    assert (tmp_path / "p.jsonl").read_bytes() == (tmp_path / "l.jsonl").read_bytes()
    assert (tmp_path / "p.csv").read_bytes() == (tmp_path / "l.csv").read_bytes()
    # the command to check the review pages names the server, without the password
    assert f"srs-scan review --db {pg_url}" in served.stderr
    # again: every page is taken from the server's ledger (looked up by the two worker processes)
    again = _cli("scan", *inputs, "--db", url, "--jsonl", tmp_path / "p2.jsonl", "--workers", "2", "-q")
    _clean(again)
    assert again.returncode == 0 and "; 7 taken from the ledger" in again.stderr, again.stderr
    assert (tmp_path / "p2.jsonl").read_bytes() == (tmp_path / "l.jsonl").read_bytes()
    # a person's correction, then the exports: the same from both ledgers
    page_id = next(r["page_id"] for r in _records(tmp_path / "l.jsonl") if r["status"] == "review")
    for db in (lite_db, url):
        fixed = _cli("correct", page_id, "--item", "1", "--mm", "42.5", "--by", "Dr A", "--reason", "ruler", "--db", db)
        _clean(fixed)
        assert fixed.returncode == 0, fixed.stderr
    exports = [_cli("export", "--db", db, "--jsonl", tmp_path / f"e{n}.jsonl", "--csv", tmp_path / f"e{n}.csv")
               for n, db in enumerate((lite_db, url))]
    _clean(*exports)
    assert (tmp_path / "e1.jsonl").read_bytes() == (tmp_path / "e0.jsonl").read_bytes()
    assert (tmp_path / "e1.csv").read_bytes() == (tmp_path / "e0.csv").read_bytes()
    corrected = next(r for r in _records(tmp_path / "e1.jsonl") if r["page_id"] == page_id)
    assert corrected["items"][0]["mm"] == 42.5


def _pages(folder: Path, n: int, seed: int) -> None:
    """``n`` distinct small SRS scans in ``folder``."""
    folder.mkdir()
    for i in range(n):
        marks = [[MarkSpec(float(10 + 7 * ((seed + i + k) % 12)))] for k in range(4)]
        page = render_form("srs", marks, dpi=100, seed=seed + i)
        gray = scan(page.image, np.random.default_rng(seed + i), dpi_in=100, dpi_out=100)
        Image.fromarray(gray).save(folder / f"p{seed + i:03d}.png", dpi=(100, 100))


def test_two_scans_into_one_postgresql_ledger_at_once(pg_url, tmp_path):
    """The same pages and different pages at the same time: no page lost or doubled, no crash."""
    _pages(tmp_path / "shared", 4, 0)
    _pages(tmp_path / "a", 3, 100)
    _pages(tmp_path / "b", 3, 200)
    url = _with_password(pg_url)
    runs = [_start("scan", tmp_path / "shared", tmp_path / "a", "--db", url, "--jsonl", tmp_path / "ra.jsonl", "-q",
                   "--workers", "1"),
            _start("scan", tmp_path / "shared", tmp_path / "b", "--db", url, "--jsonl", tmp_path / "rb.jsonl", "-q",
                   "--workers", "2")]
    outs = [run.communicate(timeout=RUN_TIMEOUT_S) for run in runs]
    for run, (out, err) in zip(runs, outs, strict=True):
        assert "Traceback" not in out + err and PASSWORD not in out + err, err
        assert run.returncode == 0, err
    ra, rb = _records(tmp_path / "ra.jsonl"), _records(tmp_path / "rb.jsonl")
    assert len(ra) == len(rb) == 7 and {r["status"] for r in ra + rb} <= {"ok", "review"}
    shared = {Path(r["source"]).name: r for r in ra if "shared" in r["source"]}
    assert {Path(r["source"]).name: r for r in rb if "shared" in r["source"]} == shared
    assert rows(pg_url, "SELECT count(*), count(DISTINCT page_hash) FROM pages") == [(10, 10)]
    again = _cli("scan", tmp_path / "shared", tmp_path / "a", tmp_path / "b", "--db", url, "-q", "--workers", "2")
    _clean(again)
    assert again.returncode == 0 and "; 10 taken from the ledger" in again.stderr, again.stderr


KEYS = ("1a" * 32, "2b" * 32)
ROUNDS = 12


def _ledger_with_pages(url: str, keys: tuple[str, ...]) -> None:
    ledger = Ledger(url)
    for key in keys:
        ledger.put(key, "s", page_record(f"{key[:2]}.pdf", (50.0, 50.0, 50.0, 50.0)))
    ledger.close()


def _at_once(work, people: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    """``work(person, barrier)`` for each person in a thread of its own, all let go at once."""
    barrier, failed = threading.Barrier(len(people)), []

    def run(person: str) -> None:
        try:
            work(person, barrier)
        except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
            failed.append(exc)

    threads = [threading.Thread(target=run, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not failed and not any(t.is_alive() for t in threads), failed


def test_two_reviewers_correcting_at_once_both_trails_complete(pg_url):
    _ledger_with_pages(pg_url, KEYS)
    made: dict[str, list] = {"A": [], "B": []}

    def correct_many(name: str, barrier: threading.Barrier) -> None:
        ledger = Ledger(pg_url)  # each reviewer with a connection of their own
        barrier.wait(timeout=60)
        for i in range(ROUNDS):
            key, item, mm = KEYS[i % 2], 1 + (i // 2) % 4, round(5.0 * i + (0.5 if name == "B" else 0.0), 1)
            fixed = correct_item(ledger, key[:12], item, mm=mm, by=name, reason=f"round {i}")
            made[name].append((fixed.done.id, key, item, mm))
        ledger.close()

    _at_once(correct_many, ("A", "B"))
    ledger = Ledger(pg_url)
    trail = ledger.trail()
    assert len(trail) == 2 * ROUNDS and len({c.id for c in trail}) == 2 * ROUNDS
    for name, mine in made.items():
        assert [(c.id, c.page_hash, c.item, c.new_mm) for c in trail if c.by == name] == mine
    from srs_scan.audit.select import current

    for key in KEYS:  # each item stands at the newest correction of it, whoever made it
        page = current(ledger, ledger.find(key[:12])).result
        for item in range(1, 5):
            newest = max((c for c in trail if c.page_hash == key and c.item == item), key=lambda c: c.id)
            assert page.items[item - 1].mm == newest.new_mm
    ledger.close()


def test_two_people_assigning_one_page_at_once_keep_each_others_fields(pg_url):
    _ledger_with_pages(pg_url, KEYS[:1])

    def assign_many(field: str, barrier: threading.Barrier) -> None:
        ledger = Ledger(pg_url)
        barrier.wait(timeout=60)
        for i in range(ROUNDS):
            assign_page(ledger, KEYS[0][:12], assignments.make(**{field: f"{field[0].upper()}{i}"}), by=field)
        ledger.close()

    _at_once(assign_many, ("client", "site"))
    ledger = Ledger(pg_url)
    trail = assignments.trail(ledger, KEYS[0])
    assert len(trail) == 2 * ROUNDS
    for before, after in zip(trail, trail[1:], strict=False):  # each row was made over the one before it
        assert after.old == before.new
    final = assignments.current(ledger, KEYS[0])
    assert final is not None and (final.client, final.site) == (f"C{ROUNDS - 1}", f"S{ROUNDS - 1}")
    ledger.close()


def test_the_review_page_on_a_postgresql_ledger(pg_url):
    _ledger_with_pages(pg_url, KEYS[:1])
    server = make_server(ServerAddress(_with_password(pg_url)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port, token = server.state.port, server.state.token
        headers = {"Host": f"127.0.0.1:{port}", "X-SRS-Token": token, "Origin": f"http://127.0.0.1:{port}",
                   "Content-Type": "application/json"}
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        con.request("GET", "/api/pages", headers=headers)
        resp = con.getresponse()
        assert resp.status == 200 and len(json.loads(resp.read())["pages"]) == 1
        body = json.dumps({"page_id": KEYS[0][:12], "item": 3, "mm": 12.5, "by": "Dr R", "reason": "on screen"})
        con.request("POST", "/api/correct", body=body.encode(), headers=headers)
        resp = con.getresponse()
        assert resp.status == 200, resp.read()
        resp.read()
        con.close()
    finally:
        server.shutdown()
        server.server_close()
        server.state.ledger.close()
    assert rows(pg_url, "SELECT item, new_mm, by, via FROM corrections") == [(3, 12.5, "Dr R", "review")]


@pytest.mark.parametrize("command", ["audit", "clients"])
def test_a_reader_on_an_empty_database_says_there_is_no_ledger(pg_url, command, tmp_path):
    args = ["-o", tmp_path / "a.html"] if command == "audit" else []
    result = _cli(command, "--db", _with_password(pg_url), *args)
    _clean(result)
    assert result.returncode == 2 and "there is no srs-scan ledger in the database" in result.stderr
    assert rows(pg_url, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'") == [(0,)]


def test_a_database_that_does_not_exist_is_one_line_and_exit_5(pg_url, tmp_path):
    missing = make_url(_with_password(pg_url)).set(database="no_such_ledger_db").render_as_string(hide_password=False)
    result = _cli("scan", SAMPLES / "srs_scan_300dpi.png", "--db", missing, "--jsonl", tmp_path / "r.jsonl")
    _clean(result)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 5 and len(lines) == 1, result.stderr
    assert "cannot be reached" in lines[0] and "no_such_ledger_db" in lines[0] and "***" in lines[0]
    assert not (tmp_path / "r.jsonl").exists()


def _as(url: str, **parts) -> str:
    return make_url(url).set(**parts).render_as_string(hide_password=False)


def test_ledgers_in_schemas_of_their_own(pg_url):
    """One database, two ledgers: each in its schema (search_path in the address)."""
    con = raw(pg_url)
    for schema_name in ("clinic_a", "clinic_b"):
        con.execute(f"CREATE SCHEMA {schema_name}")
    con.close()
    urls = {s: make_url(pg_url).update_query_dict({"options": f"-csearch_path={s}"})
            .render_as_string(hide_password=False) for s in ("clinic_a", "clinic_b")}
    for n, url in enumerate(urls.values()):
        ledger = Ledger(url)
        ledger.put(KEYS[n], "s", page_record(f"{n}.pdf", (50.0, 50.0, 50.0, 50.0)))
        ledger.close()
    assert rows(pg_url, "SELECT table_schema FROM information_schema.tables WHERE table_name = 'pages' "
                        "ORDER BY 1") == [("clinic_a",), ("clinic_b",)]
    for n, url in enumerate(urls.values()):
        reader = Ledger(url, readonly=True)  # as a scan's worker opens it
        assert [p.page_hash for p in reader.pages()] == [KEYS[n]]
        assert reader.get(KEYS[n], "s") is not None and reader.get(KEYS[1 - n], "s") is None
        reader.close()


def test_a_role_that_may_only_add_to_the_trails_works_and_cannot_lift_the_guard(pg_url):
    """The README's grants: such a user scans, corrects and assigns; the trails' triggers
    belong to the tables' owner, so the user cannot drop or disable them either."""
    Ledger(pg_url).close()  # the owner makes the tables
    role = "srs_scan_user_" + make_url(pg_url).database[-8:]
    con = raw(pg_url)
    con.execute(f"CREATE ROLE {role} LOGIN")
    try:
        con.execute(f"GRANT SELECT, INSERT, UPDATE ON pages TO {role}")
        con.execute(f"GRANT SELECT, INSERT ON corrections, assignments TO {role}")
        con.execute(f"GRANT SELECT ON alembic_version TO {role}")
        con.execute(f"GRANT USAGE ON SEQUENCE corrections_id_seq, assignments_id_seq TO {role}")
        url = _as(pg_url, username=role)
        ledger = Ledger(url)
        ledger.put(KEYS[0], "s", page_record("a.pdf", (50.0, 50.0, 50.0, 50.0)))
        correct_item(ledger, KEYS[0][:12], 2, mm=33.0, by="Dr U", reason="checked")
        assign_page(ledger, KEYS[0][:12], assignments.make("C1", "1"), by="Dr U")
        ledger.close()
        user = raw(url)
        for sql in ("UPDATE corrections SET new_mm = 1", "DELETE FROM assignments", "TRUNCATE corrections",
                    "DROP TRIGGER corrections_no_update ON corrections",
                    "ALTER TABLE corrections DISABLE TRIGGER ALL", "DROP TABLE assignments"):
            with pytest.raises(driver_errors()):
                user.execute(sql)
        user.close()
        assert rows(pg_url, "SELECT item, new_mm FROM corrections") == [(2, 33.0)]
        assert rows(pg_url, "SELECT client FROM assignments") == [("C1",)]
    finally:
        con.execute(f"DROP OWNED BY {role}")
        con.execute(f"DROP ROLE {role}")
        con.close()
