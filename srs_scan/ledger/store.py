"""The ledger: every page read, keyed by the page's content, with the trails of what
people corrected and assigned, in an SQLite file (the default) or on a PostgreSQL server.

A page's key is a hash of its decoded pixels (and resolution), so the same page is
recognised whichever file it comes in. Each row keeps the page's JSONL record, where it
was read from, the tool version and the time. The batch runner consults the ledger
before reading a page, which is what makes a re-run after Ctrl-C, a crash or ``kill -9``
read only the pages not done yet. Rows are committed one page at a time (SQLite in WAL
mode), so a killed run loses at most the page it was reading. On PostgreSQL a page is
an upsert (``ON CONFLICT DO UPDATE``): two scanners reading the same page at once
leave one row, the newer reading.

The tables are :mod:`.schema`'s, set up or upgraded at opening by :mod:`.migrate`;
connections and their errors are :mod:`.database`'s.

The database holds health information (scores, client IDs): an SQLite file is created
with the usual file permissions of the user's umask, like the other outputs.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.engine import Connection

from .. import __version__
from ..forms.custom import from_text
from ..forms.definitions import FormDef, _templates_dir, all_forms
from ..model import PageResult
from ..outputs import printable
from . import migrate
from .corrections import Correction
from .database import WRITE, LedgerError, failures, ledger_failure, server_engine, sqlite_engine
from .location import LedgerPlace, ServerAddress, location
from .schema import HEAD_REVISION, LAYOUT, corrections, pages

LEDGER_VERSION = LAYOUT  # the layout number (SQLite: PRAGMA user_version); see .schema
KNOWN_LAYOUTS = (1, 2, 3, 4, LAYOUT)  # the older ones (1-3: before Alembic) are upgraded in place
PAGE_ID_LENGTH = 12  # hex digits of the page hash shown as the page's id
MIN_PAGE_ID = 6  # the shortest prefix accepted to name a page

__all__ = ["HEAD_REVISION", "LEDGER_VERSION", "Ledger", "LedgerError", "LedgerPlace", "ServerAddress",
           "StoredPage", "ledger_failure", "location", "page_hash", "settings_key"]


@dataclass(frozen=True)
class StoredPage:
    """The newest reading of one page in the ledger (the machine's, before corrections)."""

    page_hash: str
    result: PageResult
    path: str | None  # absolute path of the file it was read from, when known
    item_threshold: float | None
    geometry: dict[str, Any] | None  # see PageResult.drawing_geometry
    read_at: str
    template: tuple[str, str] | None = None  # a clinic's own form: (file name, template text) it was read with

    @property
    def page_id(self) -> str:
        return self.page_hash[:PAGE_ID_LENGTH]

    @property
    def form(self) -> FormDef | None:
        """The form the page was read as: a shipped one, or the clinic template kept with it
        (so that corrections, audits and exports need no template file)."""
        if self.template is not None:
            return from_text(self.template[1], self.template[0])
        return all_forms().get(self.result.form) if self.result.form else None


def settings_key(**options: Any) -> str:
    """What a stored reading depends on besides the page: the tool version, its code and
    form data (any change reads pages again) and the reading options."""
    parts = [f"srs-scan {__version__}+{code_fingerprint()}"] + [f"{k}={options[k]!r}" for k in sorted(options)]
    return "; ".join(parts)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A short hash of the installed package's code and templates."""
    root = Path(__file__).resolve().parents[1]  # the srs_scan package
    h = hashlib.sha256()
    files = sorted(root.rglob("*.py")) + sorted(_templates_dir().rglob("*.json"))
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:12]


def page_hash(image: np.ndarray, dpi: float | None) -> str:
    """The key of a decoded page: its pixels, their layout and its resolution."""
    h = hashlib.sha256()
    h.update(f"{image.shape}|{image.dtype}|{dpi}".encode())
    h.update(np.ascontiguousarray(image).data)
    return h.hexdigest()


class Ledger:
    """Pages read so far. ``path``: an SQLite file, a :class:`ServerAddress`
    (PostgreSQL), or None to keep the ledger in memory (no resume)."""

    def __init__(self, path: LedgerPlace | str | None, *, readonly: bool = False, must_exist: bool = False,
                 threads: bool = False, check: bool = False) -> None:
        """``readonly``: only read (nothing is set up or upgraded); ``must_exist``: a
        reader's ledger, never created (LedgerError when there is none); ``threads``: one
        ledger shared by a server's threads (the caller serialises its use); ``check``: an
        existing SQLite file is checked whole (:meth:`check`) before anything is written to
        it, so a damaged ledger is reported, never changed."""
        place = None if path is None else location(path)
        self.path: LedgerPlace | None = place
        self.server = isinstance(place, ServerAddress)
        if isinstance(place, Path) and must_exist and not place.is_file():
            raise LedgerError(
                f"there is no ledger at {place}: srs-scan scan keeps one beside its --jsonl/--csv output files "
                "(or at --db PATH); give that path with --db (a scan with no output files keeps none)"
            )
        with failures(place):
            if isinstance(place, ServerAddress):
                self._engine = server_engine(place, readonly=readonly)
            else:
                self._engine = sqlite_engine(place, readonly=readonly, threads=threads)
        try:
            with failures(place):
                if isinstance(place, ServerAddress):
                    with self._engine.connect() as conn:  # reach the server now: a bad address is said at once
                        if must_exist and "pages" not in migrate.layout_of(conn).tables:
                            raise LedgerError(f"there is no srs-scan ledger in the database {place}: srs-scan scan "
                                              f"--db {place.without_password()} makes one")
                elif place is not None and not readonly:
                    if check and place.is_file() and place.stat().st_size > 0:
                        self.check()
                    raw = self._engine.raw_connection()  # outside any transaction, as WAL needs
                    try:
                        raw.driver_connection.execute("PRAGMA journal_mode=WAL")  # type: ignore[union-attr]
                        raw.driver_connection.execute("PRAGMA synchronous=NORMAL")  # type: ignore[union-attr]
                    finally:
                        raw.close()  # back to the engine's one connection
                if not readonly:
                    migrate.set_up(self._engine, place)
        except BaseException:
            self._engine.dispose()
            raise

    @property
    def dialect(self) -> str:
        """"sqlite" or "postgresql"."""
        return self._engine.dialect.name

    def address(self) -> str | None:
        """What another process opens to use this ledger (a path, or the server's address
        with its password: pass it on, never show it); None for a ledger in memory."""
        if self.path is None:
            return None
        return self.path.secret() if isinstance(self.path, ServerAddress) else str(self.path)

    def check(self) -> None:
        """Raise :class:`LedgerFailure` if an SQLite ledger is damaged (SQLite's quick check);
        a server checks its own pages."""
        if self.server:
            return
        with self.reading() as conn:
            rows = conn.exec_driver_sql("PRAGMA quick_check").all()
            if [tuple(r) for r in rows] != [("ok",)]:
                import sqlite3

                raise sqlite3.DatabaseError("database disk image is malformed")

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection to read with (its errors become LedgerFailure); for the modules
        that keep their own tables in the ledger (:mod:`.assignments`)."""
        with failures(self.path), self._engine.connect() as conn:
            yield conn

    @contextmanager
    def writing(self, page: str | None = None) -> Iterator[Connection]:
        """A write transaction, committed at the end of the block (rolled back on an
        error). SQLite: ``BEGIN IMMEDIATE`` (one writer at a time). ``page``: a page hash
        whose writers take turns (PostgreSQL: a transaction-scoped advisory lock), so a
        read-then-write of that page, such as an assignment over the current one, is whole."""
        with failures(self.path), self._engine.connect() as conn:
            conn.info[WRITE] = True
            with conn.begin():
                if page is not None and self.server:
                    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": page})
                yield conn

    def get(self, key: str, settings: str) -> dict[str, Any] | None:
        """The record of page ``key`` read with these ``settings`` (tool version and
        reading options: a page read another way is read again), or None."""
        with self.reading() as conn:
            found = conn.execute(_GET, {"key": key, "settings": settings}).scalar()
            return json.loads(found) if found is not None else None

    def keys_at(self, settings: str, paths: Iterable[str]) -> dict[tuple[str, int], list[str]]:
        """(absolute path, page) -> the hashes of the pages read there with these ``settings``,
        for the files ``paths``: what a run can skip without decoding the pages first (a
        cluster's workers never see the ledger). A file changed since holds other pixels,
        so a hash is only a candidate, checked against the page decoded."""
        wanted = {printable(p): p for p in paths}
        found: dict[tuple[str, int], list[str]] = {}
        query = select(pages.c.path, pages.c.page, pages.c.page_hash).where(
            pages.c.settings == bindparam("settings"), pages.c.path.is_not(None))
        with self.reading() as conn:
            for path, page, key in conn.execute(query, {"settings": settings}):
                if path in wanted:
                    found.setdefault((wanted[path], page), []).append(key)
        return found

    def put(self, key: str, settings: str, record: dict[str, Any], *, path: str | None = None,
            item_threshold: float | None = None, geometry: dict[str, Any] | None = None,
            template: FormDef | None = None) -> None:
        """Record one page (committed at once: a killed run keeps every page before it).

        ``path``: the file's absolute path, and ``geometry``: where its scales are, so that
        an audit can draw the page later; ``item_threshold``: the option it was scored with;
        ``template``: the clinic's own form it was read as (its template text is kept with
        the reading, in the row's options). A reading of the same page with the same settings
        is replaced (an upsert).
        """
        options: dict[str, Any] = {"item_threshold": item_threshold}
        if template is not None and template.text is not None:
            options["template"] = {"file": Path(template.source or "template.json").name, "text": template.text}
        values = {
            "page_hash": key, "settings": settings, "source": printable(record["source"]), "page": record["page"],
            "status": record["status"], "form_id": record.get("form_id"),
            "record": json.dumps(record),  # ASCII JSON: file names that are not UTF-8 survive
            "version": __version__, "read_at": _now(), "path": None if path is None else printable(path),
            "options": json.dumps(options),
            "geometry": None if geometry is None else json.dumps(geometry), "read_order": time.time_ns(),
        }
        with self.writing() as conn:
            conn.execute(_upsert(conn.dialect.name), values)

    def moved(self, key: str, source: str, page: int, path: str) -> None:
        """The page ``key`` was found in another file (moved or renamed): remember where,
        so an audit can show its picture. The readings themselves are unchanged."""
        where = (pages.c.page_hash == key) & (pages.c.path.is_(None) | (pages.c.path != printable(path)))
        with self.reading() as conn:
            if conn.execute(select(func.count()).select_from(pages).where(where)).scalar() == 0:
                return  # where it was: nothing to write
        with self.writing(key) as conn:
            for settings, record in conn.execute(select(pages.c.settings, pages.c.record).where(where)).all():
                data = json.loads(record)
                data["source"], data["page"] = source, page
                conn.execute(update(pages).where(pages.c.page_hash == key, pages.c.settings == settings).values(
                    path=printable(path), source=printable(source), page=page, record=json.dumps(data)))

    # --- the pages, as an audit sees them ---------------------------------------------

    def pages(self) -> list[StoredPage]:
        """The newest reading of every page, in the order of their files and pages."""
        newest = func.row_number().over(partition_by=pages.c.page_hash, order_by=_NEWEST_FIRST).label("newest")
        ranked = select(*_STORED_COLUMNS, newest).subquery()
        with self.reading() as conn:
            rows = conn.execute(select(*(ranked.c[c.name] for c in _STORED_COLUMNS))
                                .where(ranked.c.newest == 1)).all()
            found = [_stored(row) for row in rows]
        found.sort(key=lambda p: (p.result.source, p.result.page))
        return found

    def find(self, page_id: str) -> StoredPage:
        """The page a page id (or a longer prefix of its hash) names; LedgerError if none or several."""
        wanted = page_id.strip().lower()
        if len(wanted) < MIN_PAGE_ID or any(ch not in "0123456789abcdef" for ch in wanted):
            raise LedgerError(f"'{page_id}' is not a page id (at least {MIN_PAGE_ID} hex digits, as in the audit)")
        with self.reading() as conn:
            keys = set(conn.execute(select(pages.c.page_hash).where(
                func.substr(pages.c.page_hash, 1, len(wanted)) == wanted).distinct()).scalars())
            if not keys:
                raise LedgerError(f"no page {page_id} in the ledger {self.path or '(in memory)'}")
            if len(keys) > 1:
                raise LedgerError(f"{len(keys)} pages start with {page_id}: give more of the page id")
            (key,) = keys
            row = conn.execute(select(*_STORED_COLUMNS).where(pages.c.page_hash == key)
                               .order_by(*_NEWEST_FIRST).limit(1)).one()
            return _stored(row)

    # --- the correction trail -----------------------------------------------------------

    def add_correction(self, c: Correction) -> Correction:
        """Append one correction to the trail (UTC time stamped here); returns it as stored."""
        if "\x00" in c.by + c.reason:
            raise ValueError("the name or the reason holds a NUL character")
        stored = Correction(c.page_hash, c.item, c.new_mm, c.by, c.reason, _now(), c.old_mm, c.old_status, c.via)
        with self.writing() as conn:
            done = conn.execute(insert(corrections).values(
                page_hash=stored.page_hash, item=stored.item, old_mm=stored.old_mm, old_status=stored.old_status,
                new_mm=stored.new_mm, new_status=stored.new_status.value, by=stored.by, reason=stored.reason,
                at=stored.at, via=stored.via))
            cid = int(done.inserted_primary_key[0])  # type: ignore[index]
        return Correction(**{**stored.__dict__, "id": cid})

    def corrections_for(self, key: str) -> list[Correction]:
        """The trail of one page, oldest first."""
        with self.reading() as conn:
            rows = conn.execute(select(*_TRAIL_COLUMNS).where(corrections.c.page_hash == key)
                                .order_by(corrections.c.id)).all()
            return [_correction(row) for row in rows]

    def trail(self) -> list[Correction]:
        """Every correction, oldest first."""
        with self.reading() as conn:
            return [_correction(row) for row in conn.execute(select(*_TRAIL_COLUMNS).order_by(corrections.c.id))]


_TRAIL_COLUMNS = [corrections.c[name] for name in
                  ("id", "page_hash", "item", "old_mm", "old_status", "new_mm", "by", "reason", "at", "via")]
_STORED_COLUMNS = [pages.c[name] for name in ("page_hash", "record", "path", "options", "geometry", "read_at")]
# a page's newest reading: the latest read_at, then (rows of one second) the latest writer's clock
_NEWEST_FIRST = (pages.c.read_at.desc(), func.coalesce(pages.c.read_order, 0).desc())


_GET = select(pages.c.record).where(pages.c.page_hash == bindparam("key"), pages.c.settings == bindparam("settings"))


@cache
def _upsert(dialect: str) -> Any:
    """INSERT ... ON CONFLICT (page_hash, settings) DO UPDATE every other column, in the
    database's own dialect (built once: the values come with each execution)."""
    from sqlalchemy.dialects import postgresql, sqlite

    statement: Any = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(pages)
    keys = {"page_hash", "settings"}
    return statement.on_conflict_do_update(
        index_elements=sorted(keys), set_={c.name: statement.excluded[c.name] for c in pages.c if c.name not in keys})


def _correction(row: Any) -> Correction:
    cid, key, item, old_mm, old_status, new_mm, by, reason, at, via = row
    return Correction(key, item, new_mm, by, reason, at, old_mm, old_status, via, cid)


def _stored(row: Any) -> StoredPage:
    key, record, path, options, geometry, read_at = row
    opts = json.loads(options) if options else {}
    kept = opts.get("template")
    return StoredPage(key, PageResult.from_dict(json.loads(record)), path, opts.get("item_threshold"),
                      json.loads(geometry) if geometry else None, read_at,
                      (str(kept["file"]), str(kept["text"])) if kept else None)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
