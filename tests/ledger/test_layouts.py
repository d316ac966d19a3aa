"""Ledger layouts: SQLite ledgers of layouts 1, 2 and 3 (made before Alembic, told by
PRAGMA user_version) and ledgers of layout 4 (Alembic revision 0004, SQLite and
PostgreSQL) open and are upgraded in place, rows and triggers kept; a ledger from a newer
srs-scan is refused untouched; the migrations and schema.py agree.

The old layouts are written here with the SQL the srs-scan of that layout ran (copied
from its store.py, or for layout 4 as its schema.py made a new ledger on each database),
not with anything of the code under test.
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
from dbs import alembic_upgrade, driver_errors, is_server, page_record, raw, rows, triggers

from srs_scan.cli import main
from srs_scan.ledger import assignments
from srs_scan.ledger.corrections import Correction
from srs_scan.ledger.store import Ledger, LedgerError
from srs_scan.model import ItemResult, ItemStatus, PageResult, PageStatus

# the append-only triggers of an SQLite trail, as layouts 2-4 made them
SQLITE_GUARDS = {table: f"""CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table}
BEGIN SELECT RAISE(ABORT, 'the {noun} trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table}
BEGIN SELECT RAISE(ABORT, 'the {noun} trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS {table}_no_replace BEFORE INSERT ON {table}
WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)
BEGIN SELECT RAISE(ABORT, 'the {noun} trail is append-only'); END;
""" for table, noun in (("corrections", "correction"), ("assignments", "assignment"))}
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
""" + SQLITE_GUARDS["corrections"]
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
""" + SQLITE_GUARDS["assignments"]
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
    assert rows(str(db), "PRAGMA user_version") == [(5,)]
    assert rows(str(db), "SELECT version_num FROM alembic_version") == [("0005",)]
    names = {name for (name,) in rows(str(db), "SELECT name FROM sqlite_master")}
    assert {"pages_form_id", "corrections_page", "assignments_page"} <= names
    con = raw(str(db))
    insert = ("INSERT INTO corrections (page_hash, item, old_status, new_mm, new_status, by, reason, at, via)"
              " VALUES ('k', {item}, 'ok', {mm}, 'ok', 'x', 'y', 'now', 'cli')")
    con.execute(insert.format(item=10, mm=200.0))  # item 10, and 200 mm: a template's longest line
    for item, mm in ((11, 1.0), (1, 200.5)):  # items 1-10 and 0-200 mm now, not more
        with pytest.raises(sqlite3.IntegrityError, match="CHECK"):
            con.execute(insert.format(item=item, mm=mm))
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
    assert rows(str(db), "SELECT version_num FROM alembic_version") == [("0005",)]
    assert rows(str(db), "SELECT count(*) FROM corrections") == [(2,)]


@pytest.mark.parametrize("how", ["user_version", "revision"])
def test_a_ledger_from_a_newer_srs_scan_is_refused_untouched(tmp_path, how):
    db = tmp_path / "newer.sqlite"
    Ledger(db).close()
    con = raw(str(db))
    con.execute("PRAGMA user_version = 6" if how == "user_version"
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


# --- layout 4 (Alembic revision 0004), on SQLite and PostgreSQL ------------------------------
# As srs-scan's schema.py of layout 4 made a new ledger, the tables' columns and constraints
# as each database was sent them (SQLite's sqlite_master, PostgreSQL's pg_dump of such a
# ledger). Values of 0-100 mm only.
TRIGGERS_4 = {dialect: {f"{t}_no_{w}" for t in ("corrections", "assignments") for w in ("update", "delete", last)}
              for dialect, last in (("sqlite", "replace"), ("postgresql", "truncate"))}
ID_4 = {"sqlite": "INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT", "postgresql": "SERIAL NOT NULL PRIMARY KEY"}
DATE_4 = {"sqlite": "\"date\" IS NULL OR \"date\" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'",
          "postgresql": "\"date\" IS NULL OR \"date\" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'"}
TABLES_4 = """
CREATE TABLE pages (
    page_hash TEXT NOT NULL, settings TEXT NOT NULL, source TEXT NOT NULL, page INTEGER NOT NULL,
    status TEXT NOT NULL, form_id TEXT, record TEXT NOT NULL, version TEXT NOT NULL, read_at TEXT NOT NULL,
    path TEXT, options TEXT, geometry TEXT, read_order BIGINT, PRIMARY KEY (page_hash, settings));
CREATE INDEX pages_form_id ON pages (form_id);
CREATE TABLE corrections (
    id ID_COLUMN, page_hash TEXT NOT NULL, item INTEGER NOT NULL, old_mm FLOAT, old_status TEXT NOT NULL,
    new_mm FLOAT, new_status TEXT NOT NULL, "by" TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL,
    via TEXT NOT NULL,
    CONSTRAINT corrections_item CHECK (item BETWEEN 1 AND 10),
    CONSTRAINT corrections_new_mm CHECK (new_mm IS NULL OR new_mm BETWEEN 0 AND 100),
    CONSTRAINT corrections_new_status CHECK (new_status IN ('ok', 'missing')),
    CONSTRAINT corrections_by CHECK (length(trim("by")) > 0),
    CONSTRAINT corrections_reason CHECK (length(trim(reason)) > 0));
CREATE INDEX corrections_page ON corrections (page_hash);
CREATE TABLE assignments (
    id ID_COLUMN, page_hash TEXT NOT NULL, client TEXT, session INTEGER, date TEXT, therapist TEXT,
    site TEXT, old TEXT, "by" TEXT NOT NULL, at TEXT NOT NULL, via TEXT NOT NULL,
    CONSTRAINT assignments_session CHECK (session IS NULL OR session BETWEEN 1 AND 999),
    CONSTRAINT assignments_date CHECK (DATE_CHECK),
    CONSTRAINT assignments_by CHECK (length(trim("by")) > 0),
    CONSTRAINT assignments_via CHECK (via IN ('person', 'review', 'file', 'pattern')));
CREATE INDEX assignments_page ON assignments (page_hash);
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num));
INSERT INTO alembic_version (version_num) VALUES ('0004');
"""
PG_GUARDS_4 = """
CREATE OR REPLACE FUNCTION srs_scan_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'raise_exception',
        MESSAGE = 'the ' || TG_ARGV[0] || ' trail is append-only';
END
$$;
""" + "".join(f"""
CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION srs_scan_append_only('{noun}');
CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION srs_scan_append_only('{noun}');
CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} FOR EACH STATEMENT
    EXECUTE FUNCTION srs_scan_append_only('{noun}');
""" for table, noun in (("corrections", "correction"), ("assignments", "assignment")))


def layout_4_sql(dialect: str) -> str:
    tables = TABLES_4.replace("ID_COLUMN", ID_4[dialect]).replace("DATE_CHECK", DATE_4[dialect])
    if dialect == "sqlite":
        return tables + SQLITE_GUARDS["corrections"] + SQLITE_GUARDS["assignments"] + "PRAGMA user_version = 4;"
    return tables + PG_GUARDS_4


# a clinic's own form with three 150 mm lines, kept with its page as layout 4 kept it
KEY_W = "c3" * 32
WIDE3 = {"schema": 1, "id": "wide3", "title": "Wide Line Scale", "names": ["Wide Line Scale"],
         "line_length_mm": 150, "items": [{"name": "First"}, {"name": "Second"}, {"name": "Third"}]}
WIDE_READ = ((30.0, 2.0), (75.0, 5.0), (135.0, 9.0))  # (mm, score): 10 x mm / 150
INSERT_CORRECTION = ("INSERT INTO corrections (page_hash, item, old_mm, old_status, new_mm, new_status, by, reason,"
                     " at, via) VALUES (?, ?, ?, 'ok', ?, 'ok', 'Dr A', 'checked the paper', ?, 'cli')")


def _run(con, place: str, sql: str, params: tuple = ()) -> None:
    con.execute(sql.replace("?", "%s") if is_server(place) else sql, params)


def make_layout_4_ledger(place: str) -> None:
    """A ledger as the srs-scan of layout 4 left it: a clinic form's page with two
    corrections (the counter past them, at 7), an SRS page and an assignment."""
    con = raw(place)
    if is_server(place):
        con.execute(layout_4_sql("postgresql"))
    else:
        con.executescript(layout_4_sql("sqlite"))
    items = tuple(ItemResult(i["name"], mm, score, ItemStatus.OK)
                  for i, (mm, score) in zip(WIDE3["items"], WIDE_READ, strict=True))
    wide = PageResult("w.pdf", 1, PageStatus.OK, form="wide3", items=items, total=16.0).to_dict()
    options = json.dumps({"item_threshold": None, "template": {"file": "wide3.json", "text": json.dumps(WIDE3)}})
    insert_page = ("INSERT INTO pages (page_hash, settings, source, page, status, form_id, record, version, read_at,"
                   " options, read_order) VALUES (?, 's1', ?, 1, 'ok', NULL, ?, '0.1.0', ?, ?, 1)")
    _run(con, place, insert_page, (KEY_W, "w.pdf", json.dumps(wide), READ_AT, options))
    _run(con, place, insert_page, (KEY_B, "g.pdf", json.dumps(page_record("g.pdf", READINGS[2][2])), READ_AT, None))
    for item, old, new in ((2, 75.0, 90.0), (3, 135.0, 60.0)):  # scores 6.0 and 4.0 on the 150 mm line
        _run(con, place, INSERT_CORRECTION, (KEY_W, item, old, new, READ_AT))
    con.execute("SELECT setval('corrections_id_seq', 7)" if is_server(place)
                else "UPDATE sqlite_sequence SET seq = 7 WHERE name = 'corrections'")
    _run(con, place, "INSERT INTO assignments (page_hash, client, session, date, by, at, via) "
         "VALUES (?, 'C7', 2, '2026-03-02', 'Ana', ?, 'person')", (KEY_B, READ_AT))
    con.close()


def test_a_layout_4_ledger_is_upgraded_and_takes_a_clinic_forms_whole_line(place):
    """Layout 4 kept 0-100 mm: on a 150 mm line, 120 mm was refused. Upgraded in place (rows,
    ids, counter and triggers kept), it takes 120 mm from `srs-scan correct`; past the line's
    own length is still refused with the line's length; the trails are still append-only."""
    make_layout_4_ledger(place)
    dialect = "postgresql" if is_server(place) else "sqlite"
    con = raw(place)
    with_id = INSERT_CORRECTION.replace("(page_hash", "(id, page_hash", 1).replace("(?", "(?, ?", 1)
    with pytest.raises(driver_errors(), match="corrections_new_mm|CHECK"):  # what layout 4 refused
        # (with an id of its own: PostgreSQL's sequence would count a refused row)
        _run(con, place, with_id, (100, KEY_W, 1, 30.0, 120.0, READ_AT))
    con.close()
    assert triggers(place) == TRIGGERS_4[dialect]

    ledger = Ledger(place)
    assert [(c.id, c.item, c.new_mm) for c in ledger.trail()] == [(1, 2, 90.0), (2, 3, 60.0)]
    assert [(e.page_hash, e.new.client) for e in assignments.trail(ledger)] == [(KEY_B, "C7")]
    ledger.close()
    assert rows(place, "SELECT version_num FROM alembic_version") == [("0005",)]
    if dialect == "sqlite":
        assert rows(place, "PRAGMA user_version") == [(5,)]
    assert triggers(place) == TRIGGERS_4[dialect]  # none lost in the rebuild

    def correct(mm: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(main, ["correct", KEY_W[:12], "--item", "1", "--mm", mm, "--by", "R",
                                         "--reason", "ruler on the paper", "--db", place])

    done = correct("120")
    assert done.exit_code == 0, done.output
    assert "item 1 First: 30.0 mm (ok) -> 120.0 mm" in done.output
    assert "WIDE3 total 18.0" in done.output  # 8.0 (120 of 150 mm) + 6.0 + 4.0
    past = correct("150.5")
    assert past.exit_code == 2 and "the value must be 0.0 to 150.0 mm along the line, not 150.5" in past.output
    assert rows(place, "SELECT id, item, new_mm FROM corrections ORDER BY id") == [
        (1, 2, 90.0), (2, 3, 60.0), (8, 1, 120.0)]  # the counter kept: 8, not 3

    con = raw(place)
    _run(con, place, INSERT_CORRECTION, (KEY_W, 1, 30.0, 200.0, READ_AT))  # the longest line a template declares
    with pytest.raises(driver_errors(), match="corrections_new_mm|CHECK"):
        _run(con, place, INSERT_CORRECTION, (KEY_W, 1, 30.0, 200.5, READ_AT))
    for table, noun in (("corrections", "correction"), ("assignments", "assignment")):
        rewrites = [f"UPDATE {table} SET by = 'someone else'", f"DELETE FROM {table}"]
        for sql in rewrites + ([f"TRUNCATE {table}"] if dialect == "postgresql" else []):
            with pytest.raises(driver_errors(), match=f"the {noun} trail is append-only"):
                con.execute(sql)
    con.close()
    assert rows(place, "SELECT count(*) FROM corrections") == [(4,)]
    assert rows(place, "SELECT count(*) FROM assignments") == [(1,)]


def test_migration_0005_on_its_own_keeps_the_trailstriggers(place):
    """The migration itself, without srs-scan's opening (which would put a lost trigger
    back): SQLite's rebuild of the trail keeps its triggers, PostgreSQL's are untouched."""
    make_layout_4_ledger(place)
    alembic_upgrade(place, "0005")
    assert rows(place, "SELECT version_num FROM alembic_version") == [("0005",)]
    assert triggers(place) == TRIGGERS_4["postgresql" if is_server(place) else "sqlite"]
    assert rows(place, "SELECT id, item, new_mm FROM corrections ORDER BY id") == [(1, 2, 90.0), (2, 3, 60.0)]
    con = raw(place)
    with pytest.raises(driver_errors(), match="the correction trail is append-only"):
        con.execute("DELETE FROM corrections")
    con.close()
