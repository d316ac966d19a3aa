"""Ledger layouts: SQLite ledgers of layouts 1, 2 and 3 (made before Alembic, told by
PRAGMA user_version) open and are upgraded in place, rows and triggers kept; a ledger
from a newer srs-scan is refused untouched; the migrations and schema.py agree.

The old layouts are written here with the SQL the srs-scan of that layout ran (copied
from its store.py), not with anything of the code under test.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from dbs import driver_errors, page_record, raw, rows

from srs_scan.cli import main
from srs_scan.ledger import assignments
from srs_scan.ledger.corrections import Correction
from srs_scan.ledger.store import Ledger, LedgerError

LAYOUT_1 = """
CREATE TABLE pages (page_hash TEXT NOT NULL, settings TEXT NOT NULL, source TEXT NOT NULL,
    page INTEGER NOT NULL, status TEXT NOT NULL, form_id TEXT, record TEXT NOT NULL,
    version TEXT NOT NULL, read_at TEXT NOT NULL, PRIMARY KEY (page_hash, settings));
"""
PAGES_2 = """
CREATE TABLE IF NOT EXISTS pages (
    page_hash TEXT NOT NULL, settings TEXT NOT NULL, source TEXT NOT NULL, page INTEGER NOT NULL,
    status TEXT NOT NULL, form_id TEXT, record TEXT NOT NULL, version TEXT NOT NULL, read_at TEXT NOT NULL,
    path TEXT, options TEXT, geometry TEXT, PRIMARY KEY (page_hash, settings));
CREATE INDEX IF NOT EXISTS pages_form_id ON pages (form_id);
"""
TRAIL_2 = """
CREATE TABLE IF NOT EXISTS corrections (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    page_hash   TEXT NOT NULL,
    item        INTEGER NOT NULL CHECK (item BETWEEN 1 AND 4),
    old_mm      REAL,
    old_status  TEXT NOT NULL,
    new_mm      REAL CHECK (new_mm IS NULL OR new_mm BETWEEN 0 AND 100),
    new_status  TEXT NOT NULL CHECK (new_status IN ('ok', 'missing')),
    by          TEXT NOT NULL CHECK (length(trim(by)) > 0),
    reason      TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    at          TEXT NOT NULL,
    via         TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS corrections_page ON corrections (page_hash);
CREATE TRIGGER IF NOT EXISTS corrections_no_update BEFORE UPDATE ON corrections
BEGIN SELECT RAISE(ABORT, 'the correction trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS corrections_no_delete BEFORE DELETE ON corrections
BEGIN SELECT RAISE(ABORT, 'the correction trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS corrections_no_replace BEFORE INSERT ON corrections
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM corrections WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the correction trail is append-only'); END;
"""
ASSIGNMENTS_3 = """
CREATE TABLE IF NOT EXISTS assignments (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    page_hash   TEXT NOT NULL,
    client      TEXT,
    session     INTEGER CHECK (session IS NULL OR session BETWEEN 1 AND 999),
    date        TEXT CHECK (date IS NULL OR date GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'),
    therapist   TEXT,
    site        TEXT,
    old         TEXT,
    by          TEXT NOT NULL CHECK (length(trim(by)) > 0),
    at          TEXT NOT NULL,
    via         TEXT NOT NULL CHECK (via IN ('person', 'review', 'file', 'pattern'))
);
CREATE INDEX IF NOT EXISTS assignments_page ON assignments (page_hash);
CREATE TRIGGER IF NOT EXISTS assignments_no_update BEFORE UPDATE ON assignments
BEGIN SELECT RAISE(ABORT, 'the assignment trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS assignments_no_delete BEFORE DELETE ON assignments
BEGIN SELECT RAISE(ABORT, 'the assignment trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS assignments_no_replace BEFORE INSERT ON assignments
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM assignments WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the assignment trail is append-only'); END;
"""
KEY_A, KEY_B = "a1" * 32, "b2" * 32
READ_AT = "2026-01-01T00:00:00+00:00"
# page A was read with two settings in the same second: the one stored second is its newest
READINGS = [(KEY_A, "s1", (50.0, 50.0, 50.0, 50.0)), (KEY_A, "s2", (70.0, 70.0, 70.0, 70.0)),
            (KEY_B, "s1", (90.0, 95.0, 95.0, 100.0))]
TOTALS = {KEY_A: 28.0, KEY_B: 38.0}  # the newest readings' totals: 4 x 7.0; 9.0 + 9.5 + 9.5 + 10.0


def make_old_ledger(db: Path, layout: int) -> None:
    """A ledger as the srs-scan of ``layout`` left it: pages (and trails) with rows."""
    con = sqlite3.connect(db)
    con.executescript((LAYOUT_1 if layout == 1 else PAGES_2 + TRAIL_2 + (ASSIGNMENTS_3 if layout == 3 else ""))
                      + f"PRAGMA user_version = {layout};")
    for key, settings, values in READINGS:
        record = json.dumps(page_record("f.pdf" if key == KEY_A else "g.pdf", values))
        con.execute("INSERT INTO pages (page_hash, settings, source, page, status, form_id, record, version, read_at)"
                    " VALUES (?, ?, 'f.pdf', 1, 'ok', NULL, ?, '0.1.0', ?)", (key, settings, record, READ_AT))
    if layout >= 2:
        for item, mm in ((1, 55.0), (2, None)):
            con.execute("INSERT INTO corrections (page_hash, item, old_mm, old_status, new_mm, new_status, by, reason,"
                        " at, via) VALUES (?, ?, 50.0, 'ok', ?, ?, 'Dr A', 'checked the paper', ?, 'cli')",
                        (KEY_A, item, mm, "ok" if mm is not None else "missing", READ_AT))
        con.execute("UPDATE sqlite_sequence SET seq = 7 WHERE name = 'corrections'")  # the counter, not max(id)
    if layout == 3:
        con.execute("INSERT INTO assignments (page_hash, client, session, date, by, at, via) "
                    "VALUES (?, 'C7', 2, '2026-03-02', 'Ana', ?, 'person')", (KEY_B, READ_AT))
    con.commit()
    con.close()


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("layout", [1, 2, 3])
def test_an_old_ledger_is_upgraded_in_place_keeping_its_rows(tmp_path, layout):
    db = tmp_path / "old.sqlite"
    make_old_ledger(db, layout)
    ledger = Ledger(db)
    found = {p.page_hash: p.result.total for p in ledger.pages()}
    assert found == TOTALS  # page A's newest reading is the one stored second (read_at tied)
    trail = ledger.trail()
    if layout >= 2:
        assert [(c.id, c.item, c.new_mm, c.by) for c in trail] == [(1, 1, 55.0, "Dr A"), (2, 2, None, "Dr A")]
    else:
        assert trail == []
    new = ledger.add_correction(Correction(KEY_B, 10, 20.0, "Dr B", "a clinic form's tenth line"))
    assert new.id == (8 if layout >= 2 else 1)  # the AUTOINCREMENT counter is kept (7), never reused
    assignments.record(ledger, KEY_A, assignments.make("C8", "1"), by="Ben", via="person")
    entries = assignments.trail(ledger)
    assert [(e.page_hash, e.new.client, e.new.session) for e in entries] == (
        [(KEY_B, "C7", 2)] if layout == 3 else []) + [(KEY_A, "C8", 1)]
    ledger.close()
    assert rows(str(db), "PRAGMA user_version") == [(4,)]
    assert rows(str(db), "SELECT version_num FROM alembic_version") == [("0004",)]
    names = {name for (name,) in rows(str(db), "SELECT name FROM sqlite_master")}
    assert {"pages_form_id", "corrections_page", "assignments_page"} <= names
    con = raw(str(db))
    with pytest.raises(sqlite3.IntegrityError, match="CHECK"):  # items 1-10 now, not more
        con.execute("INSERT INTO corrections (page_hash, item, old_status, new_mm, new_status, by, reason, at, via)"
                    " VALUES ('k', 11, 'ok', 1.0, 'ok', 'x', 'y', 'now', 'cli')")
    for table in ("corrections", "assignments"):  # the triggers came through the rebuild
        for sql in (f"UPDATE {table} SET by = 'someone else'", f"DELETE FROM {table}"):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                con.execute(sql)
    con.close()
    again = sha(db)
    Ledger(db).close()  # an up-to-date ledger: opening it writes nothing
    assert sha(db) == again


def test_a_ledger_opened_read_only_is_not_upgraded(tmp_path):
    db = tmp_path / "old.sqlite"
    make_old_ledger(db, 1)
    before = sha(db)
    Ledger(db, readonly=True).close()
    assert sha(db) == before and rows(str(db), "PRAGMA user_version") == [(1,)]


def test_two_processes_opening_an_old_ledger_at_once_upgrade_it_once(tmp_path):
    db = tmp_path / "old.sqlite"
    make_old_ledger(db, 2)
    code = "import sys; from srs_scan.ledger.store import Ledger; Ledger(sys.argv[1]).close()"
    runs = [subprocess.Popen([sys.executable, "-c", code, str(db)], stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    for run in runs:
        assert run.wait(timeout=120) == 0, run.stderr.read() if run.stderr else ""
    assert rows(str(db), "SELECT version_num FROM alembic_version") == [("0004",)]
    assert rows(str(db), "SELECT count(*) FROM corrections") == [(2,)]


@pytest.mark.parametrize("how", ["user_version", "revision"])
def test_a_ledger_from_a_newer_srs_scan_is_refused_untouched(tmp_path, how):
    db = tmp_path / "newer.sqlite"
    Ledger(db).close()
    con = raw(str(db))
    con.execute("PRAGMA user_version = 5" if how == "user_version"
                else "UPDATE alembic_version SET version_num = '0099'")
    con.close()
    before = sha(db)
    with pytest.raises(LedgerError, match="made by a newer srs-scan"):
        Ledger(db)
    result = CliRunner().invoke(main, ["audit", "--db", str(db), "-o", str(tmp_path / "a.html")])
    assert result.exit_code == 2 and "made by a newer srs-scan" in result.output
    assert "upgrade srs-scan" in result.output and "Traceback" not in result.output
    assert sha(db) == before and not (tmp_path / "a.html").exists()


def test_a_database_that_is_not_a_ledger_is_refused(tmp_path):
    db = tmp_path / "shopping.sqlite"
    con = raw(str(db))
    con.execute("CREATE TABLE shopping (item TEXT)")
    con.close()
    with pytest.raises(LedgerError, match="not an srs-scan ledger"):
        Ledger(db)
    assert rows(str(db), "SELECT name FROM sqlite_master") == [("shopping",)]


def test_a_trigger_dropped_by_hand_is_put_back(tmp_path):
    db = tmp_path / "l.sqlite"
    Ledger(db).close()
    con = raw(str(db))
    con.execute("DROP TRIGGER corrections_no_delete")
    con.close()
    Ledger(db).close()
    con = raw(str(db))
    con.execute("INSERT INTO corrections (page_hash, item, old_status, new_mm, new_status, by, reason, at, via)"
                " VALUES ('k', 1, 'ok', 1.0, 'ok', 'x', 'y', 'now', 'cli')")
    with pytest.raises(driver_errors(), match="append-only"):
        con.execute("DELETE FROM corrections")
    con.close()
