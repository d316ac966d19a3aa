"""One schema on both databases: a new ledger (made from schema.py), a ledger brought
up from nothing by the migrations, and an upgraded layout-1 SQLite ledger all match
schema.py; Alembic reads srs-scan's stamp; the database keeps the values in range; a
page's newest reading is told apart even within one second; a ledger from a newer
srs-scan or a database srs-scan did not make is refused."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from dbs import alembic_upgrade, driver_errors, engine, is_server, page_record, raw, rows, triggers
from test_layouts import make_old_ledger

from srs_scan.forms import custom
from srs_scan.ledger import corrections, migrate, schema, store
from srs_scan.ledger.store import Ledger, LedgerError


def _differences(place: str) -> list:
    db = engine(place)
    try:
        with db.connect() as conn:
            return compare_metadata(MigrationContext.configure(conn), schema.metadata)
    finally:
        db.dispose()


def test_the_newest_migration_is_the_schemas():
    assert migrate.head() == schema.HEAD_REVISION == "0005" and schema.LAYOUT == 5


def test_the_trail_takes_every_line_a_template_may_declare():
    """The trail's CHECKs (schema.py), the messages' bounds (corrections.py) and what a
    template may declare (forms/custom.py) agree: a template allowing longer lines, or more
    of them, needs a migration first."""
    assert schema.MAX_MM == custom.LINE_MM[1] == corrections.TRAIL_MAX_MM == 200
    assert schema.MAX_ITEM == custom.MAX_ITEMS == corrections.TRAIL_MAX_ITEM == 10


def test_a_new_ledger_matches_the_schema_and_alembic_reads_its_stamp(place):
    Ledger(place).close()
    assert _differences(place) == []
    db = engine(place)
    with db.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0005"
    db.dispose()
    dialect = "postgresql" if is_server(place) else "sqlite"
    assert {n for t in schema.TRAILS for n in schema.guard_names(t, dialect)} <= triggers(place)


def test_the_migrations_from_nothing_give_the_schema(place):
    """What a future migration must keep true: the chain of migrations and schema.py agree."""
    alembic_upgrade(place, "head")
    assert _differences(place) == []
    ledger = Ledger(place)  # srs-scan takes it as it is
    ledger.put("ab" * 32, "s", page_record("f.pdf", (10.0, 20.0, 30.0, 40.0)))
    assert [p.result.total for p in ledger.pages()] == [10.0]
    ledger.close()


def test_an_upgraded_layout_1_ledger_matches_the_schema(tmp_path):
    db = tmp_path / "old.sqlite"
    make_old_ledger(db, 1)
    Ledger(db).close()
    assert _differences(str(db)) == []


def test_the_database_keeps_values_in_range(place):
    """CHECK constraints, whoever writes: items 1-10, mm 0-200, ok/missing, a name, a date."""
    Ledger(place).close()
    con = raw(place)
    good = ("INSERT INTO corrections (page_hash, item, old_status, new_mm, new_status, by, reason, at, via) "
            "VALUES ('k', {item}, 'ok', {mm}, '{status}', '{by}', 'r', 'now', 'cli')")
    con.execute(good.format(item=10, mm=200.0, status="ok", by="A"))
    for item, mm, status, by in ((11, 1.0, "ok", "A"), (0, 1.0, "ok", "A"), (1, 200.5, "ok", "A"), (1, -0.1, "ok", "A"),
                                 (1, 1.0, "maybe", "A"), (1, 1.0, "ok", "  ")):
        with pytest.raises(driver_errors()):
            con.execute(good.format(item=item, mm=mm, status=status, by=by))
    assign = ("INSERT INTO assignments (page_hash, session, date, by, at, via) "
              "VALUES ('k', {s}, '{d}', 'A', 'n', 'file')")
    con.execute(assign.format(s=3, d="2026-03-02"))
    for s, d in ((0, "2026-03-02"), (1000, "2026-03-02"), (1, "02/03/2026")):
        with pytest.raises(driver_errors()):
            con.execute(assign.format(s=s, d=d))
    con.close()
    assert rows(place, "SELECT count(*) FROM corrections") == [(1,)]
    assert rows(place, "SELECT count(*) FROM assignments") == [(1,)]


def test_a_page_read_twice_in_one_second_shows_its_newest_reading(place, monkeypatch):
    monkeypatch.setattr(store, "_now", lambda: "2026-01-01T00:00:00+00:00")
    ledger = Ledger(place)
    key = "cd" * 32
    ledger.put(key, "s1", page_record("f.pdf", (10.0, 10.0, 10.0, 10.0)))
    ledger.put(key, "s2", page_record("f.pdf", (20.0, 20.0, 20.0, 20.0)))
    assert [p.result.total for p in ledger.pages()] == [8.0] and ledger.find(key[:8]).result.total == 8.0
    ledger.put(key, "s1", page_record("f.pdf", (30.0, 30.0, 30.0, 30.0)))  # the same settings again: replaced
    assert [p.result.total for p in ledger.pages()] == [12.0] and ledger.find(key[:8]).result.total == 12.0
    ledger.close()
    assert rows(place, "SELECT count(*) FROM pages") == [(2,)]


@pytest.mark.parametrize("how", ["revision", "foreign"])
def test_the_server_refuses_a_newer_ledger_and_tables_it_did_not_make(pg_url, how):
    if how == "revision":
        Ledger(pg_url).close()
        con = raw(pg_url)
        con.execute("UPDATE alembic_version SET version_num = '0099'")
        con.close()
        message = "made by a newer srs-scan"
    else:
        con = raw(pg_url)
        con.execute("CREATE TABLE pages (id integer)")
        con.close()
        message = "that srs-scan did not make"
    with pytest.raises(LedgerError, match=message):
        Ledger(pg_url)
    assert rows(pg_url, "SELECT count(*) FROM information_schema.tables WHERE table_name = 'corrections'") \
        == [(0 if how == "foreign" else 1,)]


def test_the_server_ledger_goes_beside_other_programs_tables(pg_url):
    con = raw(pg_url)
    con.execute("CREATE TABLE invoices (id integer)")
    con.close()
    ledger = Ledger(pg_url)
    ledger.put("ef" * 32, "s", page_record("f.pdf", (50.0, 50.0, 50.0, 50.0)))
    ledger.close()
    assert _differences(pg_url) == [] or all("invoices" in str(d) for d in _differences(pg_url))
