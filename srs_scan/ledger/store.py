"""The ledger: every page read, in an SQLite database, keyed by the page's content.

A page's key is a hash of its decoded pixels (and resolution), so the same page is
recognised whichever file it comes in. Each row keeps the page's JSONL record, where it
was read from, the tool version and the time. The batch runner consults the ledger
before reading a page, which is what makes a re-run after Ctrl-C, a crash or ``kill -9``
read only the pages not done yet. Rows are committed one page at a time (WAL mode), so
a killed run loses at most the page it was reading.

The database holds health information (scores, client IDs): it is created with the
usual file permissions of the user's umask, like the other outputs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from .. import __version__
from ..exceptions import LedgerFailure
from ..forms.custom import from_text
from ..forms.definitions import FormDef, _templates_dir, all_forms
from ..model import PageResult
from ..outputs import printable, shown
from .assignments import ASSIGNMENT_SCHEMA
from .corrections import Correction

F = TypeVar("F", bound=Callable[..., Any])

LEDGER_VERSION = 3  # PRAGMA user_version of the database layout (3: the assignment trail)
KNOWN_LAYOUTS = (1, 2, 3)  # upgraded in place: 1 -> 2 adds the correction trail, 2 -> 3 the assignments
SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    page_hash TEXT NOT NULL,
    settings  TEXT NOT NULL,
    source    TEXT NOT NULL,
    page      INTEGER NOT NULL,
    status    TEXT NOT NULL,
    form_id   TEXT,
    record    TEXT NOT NULL,
    version   TEXT NOT NULL,
    read_at   TEXT NOT NULL,
    path      TEXT,
    options   TEXT,
    geometry  TEXT,
    PRIMARY KEY (page_hash, settings)
);
CREATE INDEX IF NOT EXISTS pages_form_id ON pages (form_id);
"""
# The correction trail: rows are only ever added (the triggers refuse UPDATE and DELETE).
TRAIL_SCHEMA = """
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
PAGE_ID_LENGTH = 12  # hex digits of the page hash shown as the page's id
MIN_PAGE_ID = 6  # the shortest prefix accepted to name a page


class LedgerError(Exception):
    """A ledger that cannot be used as asked (the message is for the user)."""


_DAMAGED = {"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_FORMAT"}
_FULL = {"SQLITE_FULL"}
_BUSY = {"SQLITE_BUSY", "SQLITE_LOCKED"}
_READONLY = {"SQLITE_READONLY", "SQLITE_PERM", "SQLITE_CANTOPEN", "SQLITE_AUTH"}


def ledger_failure(exc: BaseException, path: Path | None) -> LedgerFailure:
    """What went wrong with the ledger, as one line saying what to do."""
    import shlex

    where = shown(str(path)) if path is not None else "(in memory)"
    name = str(getattr(exc, "sqlite_errorname", "") or "").split("_")[:2]
    code = "_".join(name)
    detail = str(exc).splitlines()[0][:80] if str(exc).strip() else type(exc).__name__
    if not isinstance(exc, sqlite3.Error):
        detail = "a stored page cannot be read"
    exc = detail  # type: ignore[assignment]  # one line, whatever the database said
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
        return LedgerFailure(f"the ledger {where} cannot be written ({exc}): check the permissions of the file "
                             "and its folder, or give another --db")
    if code == "SQLITE_IOERR" or "i/o error" in text:
        return LedgerFailure(f"the ledger {where} cannot be read or written (disk I/O error): is the disk full "
                             "or failing? free some space or check the disk, then run the same command again")
    return LedgerFailure(f"the ledger {where} cannot be used ({exc}): move it aside and scan the files again")


def _guarded(method: F) -> F:
    """A ledger method whose sqlite3 errors become :class:`LedgerFailure`."""

    @functools.wraps(method)
    def wrapper(self: Ledger, *args: Any, **kwargs: Any) -> Any:
        with _failures(self.path):
            return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


@contextmanager
def _failures(path: Path | None) -> Iterator[None]:
    """sqlite3 errors and damaged records become :class:`LedgerFailure` (one line, an exit code)."""
    try:
        yield
    except LedgerFailure:
        raise
    except sqlite3.Error as exc:
        raise ledger_failure(exc, path) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:  # a record that is not one
        raise ledger_failure(exc, path) from exc


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
    """Pages read so far. ``path=None`` keeps the ledger in memory (no resume)."""

    def __init__(self, path: Path | None, *, readonly: bool = False, must_exist: bool = False,
                 threads: bool = False, check: bool = False) -> None:
        """``check``: an existing database is checked whole (:meth:`check`) before anything is
        written to it, so a damaged ledger is reported, never changed."""
        self.path = path
        if path is not None and must_exist and not Path(path).is_file():
            raise LedgerError(
                f"there is no ledger at {path}: srs-scan scan keeps one beside its --jsonl/--csv output files "
                "(or at --db PATH); give that path with --db (a scan with no output files keeps none)"
            )
        with _failures(path):
            if path is None:
                self._db = sqlite3.connect(":memory:")
            elif readonly:
                self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
            else:
                # threads=True: one connection shared by a server's threads (the caller serialises use)
                self._db = sqlite3.connect(str(path), timeout=30.0, check_same_thread=not threads)
                try:
                    if check and Path(path).is_file() and Path(path).stat().st_size > 0:
                        self.check()
                    self._db.execute("PRAGMA journal_mode=WAL")
                    self._db.execute("PRAGMA synchronous=NORMAL")
                except BaseException:
                    self._db.close()
                    raise
        if not readonly:
            try:
                with _failures(path):
                    self._set_up()
            except BaseException:
                self._db.close()
                raise

    def check(self) -> None:
        """Raise :class:`LedgerFailure` if the database is damaged (SQLite's quick check)."""
        with _failures(self.path):
            rows = self._db.execute("PRAGMA quick_check").fetchall()
            if [tuple(r) for r in rows] != [("ok",)]:
                raise sqlite3.DatabaseError("database disk image is malformed")

    def _set_up(self) -> None:
        """Create or upgrade the tables: one write transaction, taken before the layout is
        looked at, so a ledger is upgraded whole or not at all, by one process."""
        if self._current():
            return  # nothing to create or upgrade: opening a ledger writes nothing to it
        level = self._db.isolation_level
        self._db.isolation_level = None  # explicit transactions: DDL included
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                found = self._db.execute("PRAGMA user_version").fetchone()[0]
                empty = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
                if not empty and found not in KNOWN_LAYOUTS:
                    raise LedgerError(f"{self.path} is not an srs-scan ledger of this version (layout {found}): "
                                      "give another --db")
                if not empty and found == 1:  # the first layout: no trail, no page images' whereabouts
                    for column in ("path", "options", "geometry"):
                        self._db.execute(f"ALTER TABLE pages ADD COLUMN {column} TEXT")
                for statement in _statements(SCHEMA + TRAIL_SCHEMA + ASSIGNMENT_SCHEMA):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {LEDGER_VERSION}")
                self._db.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (a full disk does): never hide the first error
                if self._db.in_transaction:
                    try:
                        self._db.execute("ROLLBACK")
                    except sqlite3.Error:
                        pass
                raise
        finally:
            self._db.isolation_level = level

    def _current(self) -> bool:
        """Whether the database already has this version's layout, every table and trigger."""
        if self._db.execute("PRAGMA user_version").fetchone()[0] != LEDGER_VERSION:
            return False
        names = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
        return {"pages", "pages_form_id", "corrections", "corrections_page", "corrections_no_update",
                "corrections_no_delete", "corrections_no_replace", "assignments", "assignments_page",
                "assignments_no_update", "assignments_no_delete", "assignments_no_replace"} <= names

    def close(self) -> None:
        self._db.close()

    @property
    def db(self) -> sqlite3.Connection:
        """The connection, for the modules that keep their own tables in the ledger
        (:mod:`.assignments`)."""
        return self._db

    @_guarded
    def get(self, key: str, settings: str) -> dict[str, Any] | None:
        """The record of page ``key`` read with these ``settings`` (tool version and
        reading options: a page read another way is read again), or None."""
        row = self._db.execute(
            "SELECT record FROM pages WHERE page_hash = ? AND settings = ?", (key, settings)
        ).fetchone()
        return json.loads(row[0]) if row else None

    @_guarded
    def put(self, key: str, settings: str, record: dict[str, Any], *, path: str | None = None,
            item_threshold: float | None = None, geometry: dict[str, Any] | None = None,
            template: FormDef | None = None) -> None:
        """Record one page (committed at once: a killed run keeps every page before it).

        ``path``: the file's absolute path, and ``geometry``: where its scales are, so that
        an audit can draw the page later; ``item_threshold``: the option it was scored with;
        ``template``: the clinic's own form it was read as (its template text is kept with
        the reading, in the row's options).
        """
        options: dict[str, Any] = {"item_threshold": item_threshold}
        if template is not None and template.text is not None:
            options["template"] = {"file": Path(template.source or "template.json").name, "text": template.text}
        self._db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, settings, printable(record["source"]), record["page"], record["status"], record.get("form_id"),
             json.dumps(record), __version__,  # ASCII JSON: file names that are not UTF-8 survive
             _now(), None if path is None else printable(path),
             json.dumps(options), None if geometry is None else json.dumps(geometry)),
        )
        self._db.commit()

    @_guarded
    def moved(self, key: str, source: str, page: int, path: str) -> None:
        """The page ``key`` was found in another file (moved or renamed): remember where,
        so an audit can show its picture. The readings themselves are unchanged."""
        self._db.execute(
            "UPDATE pages SET path = ?, source = ?, page = ?, record = json_set(record, '$.source', ?, '$.page', ?)"
            " WHERE page_hash = ? AND (path IS NULL OR path != ?)",
            (printable(path), printable(source), page, source, page, key, printable(path)),
        )
        self._db.commit()

    # --- the pages, as an audit sees them ---------------------------------------------

    @_guarded
    def pages(self) -> list[StoredPage]:
        """The newest reading of every page, in the order the pages were first read."""
        rows = self._db.execute(
            """SELECT page_hash, record, path, options, geometry, read_at FROM pages AS p
               WHERE p.rowid = (SELECT q.rowid FROM pages AS q WHERE q.page_hash = p.page_hash
                                ORDER BY q.read_at DESC, q.rowid DESC LIMIT 1)"""
        ).fetchall()
        found = [_stored(row) for row in rows]
        found.sort(key=lambda p: (p.result.source, p.result.page))
        return found

    @_guarded
    def find(self, page_id: str) -> StoredPage:
        """The page a page id (or a longer prefix of its hash) names; LedgerError if none or several."""
        wanted = page_id.strip().lower()
        if len(wanted) < MIN_PAGE_ID or any(ch not in "0123456789abcdef" for ch in wanted):
            raise LedgerError(f"'{page_id}' is not a page id (at least {MIN_PAGE_ID} hex digits, as in the audit)")
        keys = {row[0] for row in self._db.execute(
            "SELECT page_hash FROM pages WHERE substr(page_hash, 1, ?) = ?", (len(wanted), wanted))}
        if not keys:
            raise LedgerError(f"no page {page_id} in the ledger {self.path or '(in memory)'}")
        if len(keys) > 1:
            raise LedgerError(f"{len(keys)} pages start with {page_id}: give more of the page id")
        (key,) = keys
        row = self._db.execute(
            """SELECT page_hash, record, path, options, geometry, read_at FROM pages WHERE page_hash = ?
               ORDER BY read_at DESC, rowid DESC LIMIT 1""", (key,)).fetchone()
        return _stored(row)

    # --- the correction trail -----------------------------------------------------------

    @_guarded
    def add_correction(self, c: Correction) -> Correction:
        """Append one correction to the trail (UTC time stamped here); returns it as stored."""
        stored = Correction(c.page_hash, c.item, c.new_mm, c.by, c.reason, _now(), c.old_mm, c.old_status, c.via)
        with self._db:
            cur = self._db.execute(
                "INSERT INTO corrections (page_hash, item, old_mm, old_status, new_mm, new_status, by, reason, at, via)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (stored.page_hash, stored.item, stored.old_mm, stored.old_status, stored.new_mm,
                 stored.new_status.value, stored.by, stored.reason, stored.at, stored.via),
            )
        return Correction(**{**stored.__dict__, "id": cur.lastrowid})

    @_guarded
    def corrections_for(self, key: str) -> list[Correction]:
        """The trail of one page, oldest first."""
        return [_correction(row) for row in self._db.execute(
            f"SELECT {_TRAIL_COLUMNS} FROM corrections WHERE page_hash = ? ORDER BY id", (key,))]

    @_guarded
    def trail(self) -> list[Correction]:
        """Every correction, oldest first."""
        return [_correction(row) for row in self._db.execute(f"SELECT {_TRAIL_COLUMNS} FROM corrections ORDER BY id")]


_TRAIL_COLUMNS = "id, page_hash, item, old_mm, old_status, new_mm, by, reason, at, via"


def _correction(row: tuple) -> Correction:
    cid, key, item, old_mm, old_status, new_mm, by, reason, at, via = row
    return Correction(key, item, new_mm, by, reason, at, old_mm, old_status, via, cid)


def _stored(row: tuple) -> StoredPage:
    key, record, path, options, geometry, read_at = row
    opts = json.loads(options) if options else {}
    kept = opts.get("template")
    return StoredPage(key, PageResult.from_dict(json.loads(record)), path, opts.get("item_threshold"),
                      json.loads(geometry) if geometry else None, read_at,
                      (str(kept["file"]), str(kept["text"])) if kept else None)


def _statements(script: str) -> list[str]:
    """The statements of a schema script (triggers hold ';' inside BEGIN ... END)."""
    out, current = [], ""
    for line in script.strip().splitlines():
        current += line + "\n"
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return out


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")
