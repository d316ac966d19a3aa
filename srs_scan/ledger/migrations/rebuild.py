"""Rebuilding an SQLite trail table, for migrations that change its CHECK constraints
(SQLite cannot alter a CHECK; 0004 and 0005 use this).

The new table is made from the migration's own frozen CREATE TABLE statement (named
``<table>_new``), the rows are copied with their ids, the old table is dropped and the
new one renamed. Its AUTOINCREMENT counter is kept (an id is never used twice, even one
past the last row), and so are its index and its append-only triggers: dropping a table
drops its triggers with it, so they are made again on the new one. Dropping a table
fires no DELETE trigger, so the trail's guard does not stand in the way; nothing but a
migration, inside srs-scan's write transaction, does this.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from srs_scan.ledger.schema import guard_ddl


def rebuild_sqlite_trail(bind: Connection, table: str, create_new: str, columns: str, index: str) -> None:
    """Rebuild ``table`` as ``create_new`` makes ``<table>_new``: ``columns`` (comma
    separated) are copied, and ``index`` (on ``page_hash``) and the triggers made again."""
    counter = bind.exec_driver_sql(f"SELECT seq FROM sqlite_sequence WHERE name = '{table}'").scalar()
    bind.exec_driver_sql(create_new)
    bind.exec_driver_sql(f"INSERT INTO {table}_new ({columns}) SELECT {columns} FROM {table}")
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {table}_new RENAME TO {table}")
    if counter is not None:
        bind.exec_driver_sql(f"DELETE FROM sqlite_sequence WHERE name = '{table}'")
        bind.exec_driver_sql(f"INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', "
                             f"max({int(counter)}, coalesce((SELECT max(id) FROM {table}), 0))")
    bind.exec_driver_sql(f"CREATE INDEX {index} ON {table} (page_hash)")
    for statement in guard_ddl(table, "sqlite"):
        bind.exec_driver_sql(statement)
