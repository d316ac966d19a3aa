"""Helpers of the ledger's tests on both databases (the ``place`` fixture, a new SQLite
file or a new PostgreSQL database, is in tests/conftest.py).

``raw(place)`` is a plain driver connection (sqlite3 or psycopg, autocommit), for
checks that must not go through the library: what the database itself refuses.
"""

from __future__ import annotations

import sqlite3

from srs_scan.model import ItemResult, ItemStatus, PageResult, PageStatus


def is_server(place: str) -> bool:
    return place.startswith("postgresql://")


def raw(place: str):  # type: ignore[no-untyped-def]
    """A driver connection in autocommit mode: each statement on its own."""
    if is_server(place):
        import psycopg

        return psycopg.connect(place, autocommit=True)
    return sqlite3.connect(place, isolation_level=None)


def rows(place: str, sql: str) -> list[tuple]:
    con = raw(place)
    try:
        return [tuple(r) for r in con.execute(sql).fetchall()]
    finally:
        con.close()


def engine(place: str):  # type: ignore[no-untyped-def]
    """A SQLAlchemy engine on ``place`` (dispose of it when done)."""
    from sqlalchemy import create_engine

    return create_engine(place.replace("postgresql://", "postgresql+psycopg://", 1) if is_server(place)
                         else f"sqlite:///{place}")


def alembic_upgrade(place: str, revision: str = "head") -> None:
    """Alembic's own upgrade of ``place`` to ``revision``, outside srs-scan's opening (which
    would also put back a trail's trigger that a migration lost)."""
    from alembic import command
    from alembic.config import Config

    from srs_scan.ledger import migrate

    db = engine(place)
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    try:
        with db.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
    finally:
        db.dispose()


def triggers(place: str) -> set[str]:
    """The names of the database's own triggers (not PostgreSQL's internal ones)."""
    if is_server(place):
        return {n for (n,) in rows(place, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    return {n for (n,) in rows(place, "SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def driver_errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (sqlite3.DatabaseError, psycopg.Error)


def page_record(source: str, values: tuple[float, ...], *, form: str = "srs", page: int = 1) -> dict:
    """A page's record as the reader writes it: items at ``values`` mm, scored."""
    items = tuple(ItemResult(f"Item {i}", v, round(v / 10, 1), ItemStatus.OK) for i, v in enumerate(values, 1))
    total = round(sum(i.score for i in items), 1)
    return PageResult(source, page, PageStatus.OK, form=form, items=items, total=total).to_dict()
