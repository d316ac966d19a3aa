"""A damaged ledger: every command says so in one line, with how to recover, and an exit code."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import DPI, Batch, assert_clean, by_name, cli, records, start

DAMAGED = 5


@pytest.fixture(scope="module")
def scanned(tmp_path_factory, pages, blank) -> Path:
    """Four pages scanned once: a folder holding the inputs, the JSONL and the ledger."""
    folder = tmp_path_factory.mktemp("scanned")
    (folder / "in").mkdir()
    for i in range(3):
        pages[i].save(folder / "in" / f"p{i}.png", dpi=(DPI, DPI))
    blank.save(folder / "in" / "p3_blank.png", dpi=(DPI, DPI))
    result = cli("scan", folder / "in", "--jsonl", folder / "r.jsonl", "-q", "--workers", "1")
    assert result.returncode == 0, result.stderr
    return folder


@pytest.fixture
def ledger(scanned: Path, tmp_path: Path) -> Path:
    shutil.copytree(scanned, tmp_path / "s")
    return tmp_path / "s" / "srs-scan-ledger.sqlite"


def overwrite_middle(db: Path) -> None:
    data = bytearray(db.read_bytes())
    data[4096 * 2: 4096 * 3] = b"\xab" * 4096  # a page of the database's tree overwritten
    db.write_bytes(bytes(data))


def truncate(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


def bad_record(db: Path) -> None:
    con = sqlite3.connect(db)
    with con:
        con.execute("UPDATE pages SET record = '{not json' WHERE rowid = (SELECT min(rowid) FROM pages)")
    con.close()


def not_a_database(db: Path) -> None:
    db.write_bytes(b"this is a shopping list, not a ledger\n" * 200)


DAMAGE = {f.__name__: f for f in (overwrite_middle, truncate, bad_record, not_a_database)}


def _checkpoint(db: Path) -> None:
    con = sqlite3.connect(db)  # everything in the main file, so damaging it damages the ledger
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for extra in ("-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)


def _says_damaged(result, db: Path) -> None:
    text = assert_clean(result)
    assert result.returncode == DAMAGED, text
    lines = [line for line in (result.stderr or "").splitlines() if line.strip()]
    assert len(lines) == 1, text  # one line: what happened and what to do
    assert "is damaged" in lines[0] and "move it aside" in lines[0] and "scan the files again" in lines[0]
    assert db.name in lines[0]


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_audit_on_a_damaged_ledger(damage, ledger: Path):
    _checkpoint(ledger)
    DAMAGE[damage](ledger)
    before = ledger.read_bytes()
    report = ledger.parent / "audit.html"
    _says_damaged(cli("audit", "--db", ledger, "-o", report, "-q"), ledger)
    assert not report.exists() and ledger.read_bytes() == before
    assert not list(ledger.parent.glob(".*.tmp"))


@pytest.mark.parametrize("damage", ["overwrite_middle", "bad_record"])
def test_export_on_a_damaged_ledger(damage, ledger: Path):
    _checkpoint(ledger)
    DAMAGE[damage](ledger)
    before = ledger.read_bytes()
    out = ledger.parent / "export.csv"
    _says_damaged(cli("export", "--db", ledger, "--csv", out), ledger)
    assert not out.exists() and ledger.read_bytes() == before
    assert not list(ledger.parent.glob(".*.tmp"))


def test_correct_on_a_damaged_ledger(ledger: Path):
    page_id = records(ledger.parent / "r.jsonl")[0]["page_id"]
    _checkpoint(ledger)
    overwrite_middle(ledger)
    result = cli("correct", page_id, "--item", "1", "--mm", "50", "--by", "me", "--reason", "test", "--db", ledger)
    _says_damaged(result, ledger)


def test_scan_onto_a_damaged_ledger(ledger: Path):
    _checkpoint(ledger)
    not_a_database(ledger)
    before = ledger.read_bytes()
    inputs = ledger.parent / "in"
    out = ledger.parent / "again.jsonl"
    _says_damaged(cli("scan", inputs, "--db", ledger, "--jsonl", out, "-q"), ledger)
    assert ledger.read_bytes() == before and not out.exists()
    # the way out it gives: move the ledger aside and scan again
    ledger.rename(str(ledger) + ".damaged")
    result = cli("scan", inputs, "--db", ledger, "--jsonl", out, "-q")
    assert result.returncode == 0 and len(records(out)) == 4


def test_review_refuses_to_start_on_a_damaged_ledger(ledger: Path):
    _checkpoint(ledger)
    overwrite_middle(ledger)
    _says_damaged(cli("review", "--db", ledger, timeout=60), ledger)


def test_review_answers_with_the_reason_when_the_ledger_is_damaged_while_it_runs(ledger: Path):
    """Not a 500 "internal error": the page says the ledger is damaged and what to do."""
    from srs_scan.audit.review import make_server

    server = make_server(ledger)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        opener.open(server.url).read()  # the token becomes a cookie
        pages = json.loads(opener.open(f"http://127.0.0.1:{server.state.port}/api/pages").read())
        assert len(pages["pages"]) == 4
        bad_record(ledger)
        with pytest.raises(urllib.error.HTTPError) as failed:
            opener.open(f"http://127.0.0.1:{server.state.port}/api/pages")
        assert failed.value.code == 503
        body = failed.value.read().decode()
        assert "is damaged" in body and "move it aside" in body and "Traceback" not in body
    finally:
        server.shutdown()
        server.server_close()
        server.state.ledger.close()


@pytest.mark.slow
def test_two_runs_on_one_ledger(batch: Batch, pages):
    """Two scans of the same folder at once, one ledger: both finish, with every page."""
    for i in range(1, 6):
        pages[i].save(batch.inputs / f"p{i}.png", dpi=(DPI, DPI))
    batch.snapshot()
    db = batch.out / "shared.sqlite"
    runs = [start("scan", batch.inputs, "--db", db, "--jsonl", batch.out / f"r{n}.jsonl", "-q", "--workers", "1")
            for n in (1, 2)]
    outs = [run.communicate(timeout=180) for run in runs]
    for run, (out, err) in zip(runs, outs, strict=True):
        assert "Traceback" not in out + err
        assert run.returncode == 0, err
    first, second = (by_name(records(batch.out / f"r{n}.jsonl")) for n in (1, 2))
    assert first == second and len(first) == 6 and set(first.values()) == {"read"}
    batch.assert_inputs_unchanged()
    batch.assert_no_partial_output()
