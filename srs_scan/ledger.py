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

import hashlib
import json
import sqlite3
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .forms import _templates_dir
from .report import printable

LEDGER_VERSION = 1  # PRAGMA user_version of the database layout
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
    PRIMARY KEY (page_hash, settings)
);
CREATE INDEX IF NOT EXISTS pages_form_id ON pages (form_id);
"""


def settings_key(**options: Any) -> str:
    """What a stored reading depends on besides the page: the tool version, its code and
    form data (any change reads pages again) and the reading options."""
    parts = [f"srs-scan {__version__}+{code_fingerprint()}"] + [f"{k}={options[k]!r}" for k in sorted(options)]
    return "; ".join(parts)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A short hash of the installed package's code and templates."""
    root = Path(__file__).resolve().parent
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

    def __init__(self, path: Path | None, *, readonly: bool = False) -> None:
        self.path = path
        if path is None:
            self._db = sqlite3.connect(":memory:")
        elif readonly:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30.0)
        else:
            self._db = sqlite3.connect(str(path), timeout=30.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        if not readonly:
            found = self._db.execute("PRAGMA user_version").fetchone()[0]
            empty = self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
            if not empty and found != LEDGER_VERSION:
                self._db.close()
                raise sqlite3.DatabaseError(f"it is not an srs-scan ledger of this version (layout {found})")
            self._db.executescript(SCHEMA)
            self._db.execute(f"PRAGMA user_version = {LEDGER_VERSION}")
            self._db.commit()

    def close(self) -> None:
        self._db.close()

    def get(self, key: str, settings: str) -> dict[str, Any] | None:
        """The record of page ``key`` read with these ``settings`` (tool version and
        reading options: a page read another way is read again), or None."""
        row = self._db.execute(
            "SELECT record FROM pages WHERE page_hash = ? AND settings = ?", (key, settings)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def put(self, key: str, settings: str, record: dict[str, Any]) -> None:
        """Record one page (committed at once: a killed run keeps every page before it)."""
        self._db.execute(
            "INSERT OR REPLACE INTO pages VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (key, settings, printable(record["source"]), record["page"], record["status"], record.get("form_id"),
             json.dumps(record), __version__,  # ASCII JSON: file names that are not UTF-8 survive
             datetime.now(timezone.utc).isoformat(timespec="seconds")),
        )
        self._db.commit()
