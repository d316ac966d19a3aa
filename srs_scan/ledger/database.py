"""Connections to the ledger's database (SQLite or PostgreSQL), and what their errors
mean for the person at the terminal.

SQLite: one connection per ledger (Python's ``sqlite3``), WAL, a 30 s busy timeout,
transactions begun by SQLAlchemy (``BEGIN``; ``BEGIN IMMEDIATE`` to write, so that a
read followed by a write never fails on a lock another process took in between).
PostgreSQL: psycopg 3, a small pool per ledger, ``connect_timeout`` so that a server
that does not answer is reported, not waited for. A connection is never used on both
sides of a ``fork``: a worker process opens the ledger again (its own connection), and
a child forgets the server connections it inherited (without closing them).

:func:`ledger_failure` turns any database error into one line saying what happened
and what to do (:class:`~srs_scan.exceptions.LedgerFailure`, exit code 5); it never
shows a password or the SQL (whose parameters hold health information).
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..exceptions import LedgerFailure
from ..outputs import shown
from .location import POSTGRES_SCHEMES, ServerAddress

SQLITE_TIMEOUT_S = 30.0
CONNECT_TIMEOUT_S = 10  # a PostgreSQL server that does not answer in this time is reported
WRITE = "srs_scan_write"  # Connection.info key: the next transaction writes (SQLite: BEGIN IMMEDIATE)


class LedgerError(Exception):
    """A ledger that cannot be used as asked (the message is for the user)."""


_engines: weakref.WeakSet[Engine] = weakref.WeakSet()  # the server engines of this process


def _forget_inherited_connections() -> None:
    """In a child process after fork: the parent's server connections are the parent's.
    The engines drop them unclosed (closing would end the parent's sessions) and would
    connect anew. (An SQLite engine is left alone: a child never uses it, and closing the
    inherited handle in the child could touch the parent's WAL files.)"""
    for engine in list(_engines):
        engine.dispose(close=False)


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_connections)


def sqlite_engine(path: Path | None, *, readonly: bool = False, threads: bool = False) -> Engine:
    """An engine over one SQLite connection: ``path`` None keeps the database in memory;
    ``readonly`` opens the file read-only; ``threads``: a server's threads share the
    connection (the caller serialises its use)."""

    def connect() -> sqlite3.Connection:
        if path is None:
            return sqlite3.connect(":memory:", isolation_level=None, check_same_thread=not threads)
        if readonly:
            return sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=SQLITE_TIMEOUT_S,
                                   isolation_level=None, check_same_thread=not threads)
        return sqlite3.connect(str(path), timeout=SQLITE_TIMEOUT_S, isolation_level=None,
                               check_same_thread=not threads)

    engine = create_engine("sqlite://", creator=connect, poolclass=StaticPool)

    @event.listens_for(engine, "begin")
    def begin(conn: Connection) -> None:  # sqlite3 begins nothing itself (isolation_level None)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.info.pop(WRITE, False) else "BEGIN")

    return engine


def server_url(address: ServerAddress) -> Any:
    """The SQLAlchemy URL of a PostgreSQL address (psycopg 3 whichever way it was
    written); LedgerFailure for an address that is not one."""
    try:
        url = make_url(address.secret())
    except (ArgumentError, ValueError) as exc:
        raise LedgerFailure(f"--db {address} is not a database address: write postgresql://USER@HOST/DATABASE "
                            "(or a file path for an SQLite ledger)") from exc
    if url.drivername not in POSTGRES_SCHEMES:
        raise LedgerFailure(f"--db {address}: srs-scan keeps its ledger in a file (SQLite) or on a PostgreSQL "
                            "server (postgresql://USER@HOST/DATABASE), not in " + shown(url.drivername))
    try:
        _ = url.port  # make_url parses it lazily on some versions
    except ValueError as exc:
        raise LedgerFailure(f"--db {address}: the port is not a number") from exc
    if not url.database:
        raise LedgerFailure(f"--db {address} names no database: write postgresql://USER@HOST/DATABASE")
    return url.set(drivername="postgresql+psycopg")


def server_engine(address: ServerAddress, *, readonly: bool = False) -> Engine:
    """An engine for a PostgreSQL ledger (``readonly``: every transaction is read-only)."""
    url = server_url(address)
    connect_args: dict[str, Any] = {"connect_timeout": CONNECT_TIMEOUT_S, "application_name": "srs-scan"}
    if readonly:  # beside the address's own options (a search_path, say)
        given = url.query.get("options")
        given = " ".join(given) if isinstance(given, tuple) else given
        connect_args["options"] = " ".join(filter(None, (given, "-c default_transaction_read_only=on")))
    try:
        engine = create_engine(url, connect_args=connect_args, pool_size=1, max_overflow=4, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        raise LedgerFailure("the PostgreSQL driver (psycopg) is not installed: pip install 'psycopg[binary]'") \
            from exc
    _engines.add(engine)
    return engine


# --- what went wrong, in one line ------------------------------------------------------------------------

_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_FORMAT"}
_FULL = {"SQLITE_FULL"}
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_READONLY = {"SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH"}


def ledger_failure(exc: BaseException, where: Path | ServerAddress | None) -> LedgerFailure:
    """What went wrong with the ledger, as one line saying what to do."""
    if isinstance(exc, LedgerFailure):
        return exc
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig  # the driver's own error: never SQLAlchemy's text, which shows the SQL and its values
    if isinstance(where, ServerAddress):
        return _server_failure(exc, where)
    return _sqlite_failure(exc, where)


def _sqlite_failure(exc: BaseException, path: Path | None) -> LedgerFailure:
    where = shown(str(path)) if path is not None else "(in memory)"
    name = str(getattr(exc, "sqlite_errorname", "") or "").split("_")[:2]
    code = "_".join(name)
    detail = str(exc).splitlines()[0][:80] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, sqlite3.Error):
        detail = "a stored page cannot be read"
    text = detail.lower()
    if code in _DAMAGED or "malformed" in text or "not a database" in text or "stored page" in text:
        moved = shlex.quote(where + ".damaged")
        return LedgerFailure(
            f"the ledger {where} is damaged ({detail}): move it aside (mv {shlex.quote(where)} {moved}; keep "
            "that copy, its correction trail may be recoverable) and scan the files again to make a new one")
    if code in _FULL or "disk is full" in text:
        return LedgerFailure(f"the disk holding the ledger {where} is full: free some space, then run the same "
                             "command again (the pages read so far are kept)")
    if code in _BUSY or "locked" in text:
        return LedgerFailure(f"the ledger {where} is in use by another srs-scan command: wait for it to end, "
                             "or give another --db")
    if code in _READONLY or "readonly" in text or "unable to open" in text:
        return LedgerFailure(f"the ledger {where} cannot be written ({detail}): check the permissions of the file "
                             "and its folder, or give another --db")
    if code == "SQLITE_IOERR" or "i/o error" in text:
        return LedgerFailure(f"the ledger {where} cannot be read or written (disk I/O error): is the disk full "
                             "or failing? free some space or check the disk, then run the same command again")
    return LedgerFailure(f"the ledger {where} cannot be used ({detail}): move it aside and scan the files again")


def _server_detail(exc: BaseException, address: ServerAddress) -> str:
    """The server's or the driver's first line, without the password."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    detail = (lines[0] if lines else type(exc).__name__)[:200]
    for secret in (address.password, quote(address.password or "", safe="")):
        if secret:
            detail = detail.replace(secret, "***")
    return shown(detail)


def _server_failure(exc: BaseException, address: ServerAddress) -> LedgerFailure:
    import psycopg

    where = shown(str(address))
    if not isinstance(exc, (psycopg.Error, SQLAlchemyError)):  # a record that does not parse
        return LedgerFailure(f"the ledger {where} holds a record that cannot be read: has a row of its pages "
                             "table been changed by hand? scan that page again, or ask who looks after the database")
    detail = _server_detail(exc, address)
    state = getattr(exc, "sqlstate", None) or ""
    if isinstance(exc, psycopg.OperationalError) and (not state or state.startswith(("08", "28", "3D"))):
        return LedgerFailure(
            f"the ledger {where} cannot be reached ({detail}): check that the server is running and the host, "
            "port, database and user in --db (a password goes in PGPASSWORD or ~/.pgpass)")
    if state.startswith("08") or state in ("57P01", "57P02", "57P03"):
        return LedgerFailure(f"the connection to the ledger {where} was lost ({detail}): run the same command "
                             "again when the server is back (the pages read so far are kept)")
    if state == "53100":
        return LedgerFailure(f"the disk of the database server holding the ledger {where} is full ({detail}): "
                             "ask who looks after it to free space, then run the same command again")
    if state in ("42501", "25006"):
        return LedgerFailure(f"the ledger {where} cannot be written ({detail}): the database user needs the "
                             "grants in the README (A team: PostgreSQL), or give another --db")
    if state in ("40001", "40P01", "55P03"):
        return LedgerFailure(f"the ledger {where} is busy ({detail}): run the same command again")
    if state == "P0001":
        return LedgerFailure(f"the ledger {where} refused the change ({detail})")
    return LedgerFailure(f"the ledger {where} cannot be used ({detail})")


def _from_driver(exc: BaseException) -> bool:
    """A psycopg error that reached us unwrapped (SQLAlchemy wraps most)."""
    return type(exc).__module__.split(".")[0] == "psycopg"


@contextmanager
def failures(where: Path | ServerAddress | None) -> Iterator[None]:
    """Database errors and damaged records become :class:`LedgerFailure` (one line, exit code 5)."""
    try:
        yield
    except (LedgerFailure, LedgerError):
        raise
    except (SQLAlchemyError, sqlite3.Error) as exc:
        raise ledger_failure(exc, where) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # a record that is not one
        raise ledger_failure(exc, where) from exc
    except Exception as exc:
        if _from_driver(exc):
            raise ledger_failure(exc, where) from exc
        raise


DATABASE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, SQLAlchemyError)
