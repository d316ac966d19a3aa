"""A ledger brought to this version's layout when it is opened, whole or not at all.

* A new (empty) database: the tables of :mod:`.schema`, stamped with the newest
  migration (Alembic's ``alembic_version`` table).
* An SQLite ledger of layout 1, 2 or 3 (made before Alembic: ``PRAGMA user_version``):
  stamped with that layout's migration, then upgraded.
* A ledger at an older migration: upgraded (``migrations/versions``).
* A ledger from a newer srs-scan (a migration this version does not know, or a higher
  ``user_version``), or a database srs-scan did not make: refused, nothing written.

All of it happens in one write transaction taken before the layout is looked at again
(SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a transaction-scoped advisory lock), so two
processes opening the same ledger upgrade it once. Opening a ledger that is up to date
writes nothing (and loads no Alembic). SQLite's ``user_version`` follows the layout, so
an older srs-scan refuses a ledger it cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Column, MetaData, PrimaryKeyConstraint, String, Table, text
from sqlalchemy.engine import Connection, Engine

from .database import WRITE, LedgerError
from .location import ServerAddress
from .schema import HEAD_REVISION, LAYOUT, LEGACY_REVISIONS, TRAILS, guard_ddl, guard_names, metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK = 0x5253_5343  # "SRSC": PostgreSQL's lock on the ledger's layout while it is set up
OUR_TABLES = {"pages", "corrections", "assignments"}


@dataclass(frozen=True)
class Layout:
    """What a database holds: ``revision`` (Alembic's), ``legacy`` (an SQLite layout
    number from before Alembic), whether it is ``empty``, whether its ``guards`` (the
    trails' triggers) are all there, and tables that are not srs-scan's."""

    revision: str | None
    legacy: int | None
    empty: bool
    guards: bool
    user_version: int | None = None  # SQLite's PRAGMA user_version (None on PostgreSQL)
    tables: frozenset[str] = frozenset()


def layout_of(conn: Connection) -> Layout:
    dialect = conn.dialect.name
    if dialect == "sqlite":
        user_version = conn.exec_driver_sql("PRAGMA user_version").scalar() or 0
        rows = conn.exec_driver_sql("SELECT name, type FROM sqlite_master").all()
        names = {name for name, _ in rows}
        tables = frozenset(name for name, kind in rows if kind == "table" and not name.startswith("sqlite_"))
    else:
        user_version = None
        tables = frozenset(conn.execute(text(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")).scalars())
        names = set(tables)
        if tables & set(TRAILS):
            names |= set(conn.execute(text(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
                "(SELECT oid FROM pg_class WHERE relnamespace = current_schema()::regnamespace "
                "AND relname IN ('corrections', 'assignments'))")).scalars())
    revision = None
    if "alembic_version" in tables:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    legacy = user_version if revision is None and user_version in LEGACY_REVISIONS and "pages" in tables else None
    guards = all(set(guard_names(t, dialect)) <= names for t in TRAILS if t in tables)
    return Layout(revision, legacy, not tables, guards, user_version, tables)


def is_current(layout: Layout) -> bool:
    return layout.revision == HEAD_REVISION and layout.guards and layout.user_version in (None, LAYOUT)


def set_up(engine: Engine, where: Path | ServerAddress | None) -> None:
    """Create, upgrade or refuse the ledger's layout (see the module's text)."""
    with engine.connect() as conn:
        if is_current(layout_of(conn)):
            return  # nothing to create or upgrade: opening a ledger writes nothing to it
    with engine.connect() as conn:
        conn.info[WRITE] = True
        with conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
            layout = layout_of(conn)  # again, now that this process alone may change it
            _refuse_strangers(layout, where, conn.dialect.name)
            if layout.empty or (layout.revision is None and layout.legacy is None):  # beside others' tables
                metadata.create_all(conn)
                _stamp_head(conn)
            else:
                if layout.legacy is not None:
                    _alembic(conn, "stamp", LEGACY_REVISIONS[layout.legacy])
                if layout.legacy is not None or layout.revision != HEAD_REVISION:
                    _alembic(conn, "upgrade", HEAD_REVISION)
                for table in sorted(TRAILS):  # a trigger dropped by hand is put back
                    for statement in guard_ddl(table, conn.dialect.name):
                        conn.exec_driver_sql(statement)
            if conn.dialect.name == "sqlite":
                conn.exec_driver_sql(f"PRAGMA user_version = {LAYOUT}")


def _refuse_strangers(layout: Layout, where: Path | ServerAddress | None, dialect: str) -> None:
    """LedgerError for a database that is not an srs-scan ledger this version can use."""
    if layout.empty:
        return
    if layout.revision not in (None, HEAD_REVISION) and layout.revision not in _known():
        if not layout.tables & OUR_TABLES:
            raise LedgerError(f"the database {where} holds another program's tables (Alembic revision "
                              f"{layout.revision}): give srs-scan a database, or a schema, of its own")
        raise LedgerError(f"the ledger {where} was made by a newer srs-scan (revision {layout.revision}): "
                          "upgrade srs-scan (pip install --upgrade srs-scan) to use it, or give another --db")
    if (layout.user_version or 0) > LAYOUT:
        raise LedgerError(f"the ledger {where} was made by a newer srs-scan (layout {layout.user_version}): "
                          "upgrade srs-scan (pip install --upgrade srs-scan) to use it, or give another --db")
    if layout.revision is None and layout.legacy is None:
        if dialect == "sqlite":
            raise LedgerError(f"{where} is not an srs-scan ledger of this version (layout {layout.user_version}): "
                              "give another --db")
        if layout.tables & OUR_TABLES:
            raise LedgerError(f"the database {where} has tables named "
                              f"{', '.join(sorted(layout.tables & OUR_TABLES))} that srs-scan did not make: "
                              "give srs-scan a database, or a schema, of its own")


ALEMBIC_VERSION = Table(  # Alembic's own version table, as its stamp makes it (tests check Alembic reads it)
    "alembic_version", MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


def _stamp_head(conn: Connection) -> None:
    """A new ledger is at the newest migration: what ``alembic stamp head`` writes,
    without loading Alembic (a scan without outputs makes a ledger in memory every run)."""
    ALEMBIC_VERSION.create(conn)
    conn.execute(ALEMBIC_VERSION.insert().values(version_num=HEAD_REVISION))


def _config(conn: Connection):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    return config


def _known() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    return {rev.revision for rev in script.walk_revisions()}


def _alembic(conn: Connection, what: str, revision: str) -> None:
    from alembic import command

    config = _config(conn)
    if what == "stamp":
        command.stamp(config, revision)
    else:
        command.upgrade(config, revision)


def head() -> str:
    """The newest migration in the script directory (tests check it is HEAD_REVISION)."""
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory(str(MIGRATIONS)).get_current_head())


def new_revision(message: str) -> str:
    """A new, empty migration after the newest one, numbered next (for developers:
    ``python -m srs_scan.ledger.migrate "what it changes"``); returns its number."""
    from alembic import command
    from alembic.config import Config

    number = f"{int(head()) + 1:04d}"
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    command.revision(config, message, rev_id=number)
    return number


if __name__ == "__main__":  # pragma: no cover - a developer's tool
    import sys

    if len(sys.argv) != 2 or not sys.argv[1].strip():
        raise SystemExit('usage: python -m srs_scan.ledger.migrate "what the migration changes"')
    print(f"migrations/versions/{new_revision(sys.argv[1])}_*.py: fill in upgrade(), then change schema.py")
