"""The ledger's tables, defined once for SQLite and PostgreSQL (SQLAlchemy Core).

A new ledger is created from this metadata (and stamped with the newest migration); an
older one is brought here by the migrations in ``migrations/versions`` (see
:mod:`.migrate`). ``tests/ledger/test_schema.py`` checks that the two agree.

* ``pages``: the newest reading of each page for each reading setting.
* ``corrections`` and ``assignments``: the trails, append-only: the database itself
  refuses UPDATE and DELETE (and, on SQLite, INSERT OR REPLACE of a row; on
  PostgreSQL, TRUNCATE), whoever connects (:func:`guard_ddl`).

Text columns hold JSON as text (``record``, ``options``, ``geometry``, ``old``) and UTC
times in ISO 8601, the same on both databases.
"""

from __future__ import annotations

from sqlalchemy import (
    DDL,
    BigInteger,
    CheckConstraint,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    Table,
    Text,
    event,
)

# the layout number (SQLite: PRAGMA user_version); 4: one schema for SQLite and PostgreSQL;
# 5: corrections along a clinic form's whole line (values 0 to MAX_MM)
LAYOUT = 5
HEAD_REVISION = "0005"  # the newest migration (tests check it is the script directory's head)
LEGACY_REVISIONS = {1: "0001", 2: "0002", 3: "0003"}  # SQLite ledgers made before Alembic, by user_version
MAX_ITEM = 10  # items a form may have (the correction trail's CHECK); srs-scan's forms have 4
# a correction's value in mm (the trail's CHECK): a clinic form's values go to its own line's
# length, and a template declares at most 200 mm (forms/custom.py LINE_MM; a test holds them equal)
MAX_MM = 200

metadata = MetaData()

pages = Table(
    "pages", metadata,
    Column("page_hash", Text, nullable=False),
    Column("settings", Text, nullable=False),
    Column("source", Text, nullable=False),
    Column("page", Integer, nullable=False),
    Column("status", Text, nullable=False),
    Column("form_id", Text),
    Column("record", Text, nullable=False),
    Column("version", Text, nullable=False),
    Column("read_at", Text, nullable=False),
    Column("path", Text),
    Column("options", Text),
    Column("geometry", Text),
    # which of a page's readings is the newest when read_at (to the second) ties: the
    # writer's clock in nanoseconds (NULL for rows from layouts 1-3 that never tied)
    Column("read_order", BigInteger),
    PrimaryKeyConstraint("page_hash", "settings"),
    Index("pages_form_id", "form_id"),
)

corrections = Table(
    "corrections", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("page_hash", Text, nullable=False),
    Column("item", Integer, nullable=False),
    Column("old_mm", Float),
    Column("old_status", Text, nullable=False),
    Column("new_mm", Float),
    Column("new_status", Text, nullable=False),
    Column("by", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("via", Text, nullable=False),
    CheckConstraint(f"item BETWEEN 1 AND {MAX_ITEM}", name="corrections_item"),
    CheckConstraint(f"new_mm IS NULL OR new_mm BETWEEN 0 AND {MAX_MM}", name="corrections_new_mm"),
    CheckConstraint("new_status IN ('ok', 'missing')", name="corrections_new_status"),
    CheckConstraint('length(trim("by")) > 0', name="corrections_by"),
    CheckConstraint("length(trim(reason)) > 0", name="corrections_reason"),
    Index("corrections_page", "page_hash"),
    sqlite_autoincrement=True,
)

DATE_CHECKS = {  # yyyy-mm-dd (the application checks it is a real day)
    "sqlite": "\"date\" IS NULL OR \"date\" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'",
    "postgresql": "\"date\" IS NULL OR \"date\" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'",
}

assignments = Table(
    "assignments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("page_hash", Text, nullable=False),
    Column("client", Text),
    Column("session", Integer),
    Column("date", Text),
    Column("therapist", Text),
    Column("site", Text),
    Column("old", Text),
    Column("by", Text, nullable=False),
    Column("at", Text, nullable=False),
    Column("via", Text, nullable=False),
    CheckConstraint("session IS NULL OR session BETWEEN 1 AND 999", name="assignments_session"),
    *(CheckConstraint(check, name="assignments_date").ddl_if(dialect=dialect)
      for dialect, check in DATE_CHECKS.items()),
    CheckConstraint('length(trim("by")) > 0', name="assignments_by"),
    CheckConstraint("via IN ('person', 'review', 'file', 'pattern')", name="assignments_via"),
    Index("assignments_page", "page_hash"),
    sqlite_autoincrement=True,
)

TRAILS = {"corrections": "correction", "assignments": "assignment"}  # table -> what its message calls it
APPEND_ONLY_FUNCTION = "srs_scan_append_only"


def guard_names(table: str, dialect: str) -> list[str]:
    """The triggers that keep ``table`` append-only."""
    last = "no_replace" if dialect == "sqlite" else "no_truncate"
    return [f"{table}_no_update", f"{table}_no_delete", f"{table}_{last}"]


def guard_ddl(table: str, dialect: str) -> list[str]:
    """Statements making ``table`` append-only; safe to run again (they replace themselves),
    free of "%" and ":" (DBAPI drivers and SQLAlchemy's DDL read those as placeholders).

    SQLite: triggers raising ABORT on UPDATE, DELETE and on an INSERT that would replace
    a row (INSERT OR REPLACE deletes without firing DELETE triggers). PostgreSQL: one
    trigger function raising an exception, fired BEFORE UPDATE and BEFORE DELETE of
    each row (an upsert's DO UPDATE included) and BEFORE TRUNCATE.
    """
    noun = TRAILS[table]
    message = f"the {noun} trail is append-only"
    update, delete, last = guard_names(table, dialect)
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {update} BEFORE UPDATE ON {table}\n"
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER IF NOT EXISTS {delete} BEFORE DELETE ON {table}\n"
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
            f"CREATE TRIGGER IF NOT EXISTS {last} BEFORE INSERT ON {table}\n"
            f"WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id)\n"
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        ]
    if dialect == "postgresql":
        out = [
            f"CREATE OR REPLACE FUNCTION {APPEND_ONLY_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            # no "%" placeholder: the text goes through drivers that read "%" as theirs
            "    RAISE EXCEPTION USING ERRCODE = 'raise_exception',\n"
            "        MESSAGE = 'the ' || TG_ARGV[0] || ' trail is append-only';\n"
            "END\n$$",
        ]
        for name, when, each in ((update, "UPDATE", "ROW"), (delete, "DELETE", "ROW"), (last, "TRUNCATE", "STATEMENT")):
            out.append(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            out.append(f"CREATE TRIGGER {name} BEFORE {when} ON {table} FOR EACH {each} "
                       f"EXECUTE FUNCTION {APPEND_ONLY_FUNCTION}('{noun}')")
        return out
    raise ValueError(f"no append-only guard for the {dialect} database")


def _guard_after_create(table: Table) -> None:
    for dialect in ("sqlite", "postgresql"):
        for statement in guard_ddl(table.name, dialect):
            event.listen(table, "after_create", DDL(statement).execute_if(dialect=dialect))


for _table in (corrections, assignments):
    _guard_after_create(_table)
