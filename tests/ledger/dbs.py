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


def driver_errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (sqlite3.DatabaseError, psycopg.Error)


def page_record(source: str, values: tuple[float, ...], *, form: str = "srs", page: int = 1) -> dict:
    """A page's record as the reader writes it: items at ``values`` mm, scored."""
    items = tuple(ItemResult(f"Item {i}", v, round(v / 10, 1), ItemStatus.OK) for i, v in enumerate(values, 1))
    total = round(sum(i.score for i in items), 1)
    return PageResult(source, page, PageStatus.OK, form=form, items=items, total=total).to_dict()
