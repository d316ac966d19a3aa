"""Who and when: each page's client, session number, date, therapist and site, kept in an
append-only trail beside the pages (like the correction trail).

An assignment comes from a file (CSV ``source,page,client,session,date,therapist,site``),
a file-name pattern (``{client}_{session}_{date}.pdf``) or a person (``srs-scan assign``,
the review page). Every change is a new row with who, when, the old and the new values;
the database refuses UPDATE and DELETE (:mod:`.schema`). The newest row of a page is its
assignment.
Forms printed by srs-scan carry client and session in their QR code; an assignment's
values go over those (a person corrects a wrong sheet), a field it leaves empty does not.

No date is guessed: a page nobody gave a date has none. IDs only: client, therapist and
site are IDs (letters, digits, ``. _ -``), never names.

All the queries of this trail are in this module (its table is :mod:`.schema`'s, the
ledger's connections :mod:`.store`'s), written with SQLAlchemy Core for SQLite and
PostgreSQL alike.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, insert, select

from .schema import assignments as table

if TYPE_CHECKING:
    from .store import Ledger

ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MAX_SESSION = 999
MAX_NAME = 80
CSV_COLUMNS = ("source", "page", "client", "session", "date", "therapist", "site")
PATTERN_FIELDS = {
    "client": r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}?",
    "session": r"[0-9]{1,3}",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
    "therapist": r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}?",
    "site": r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}?",
    "any": r".*?",
}


@dataclass(frozen=True)
class Assignment:
    """Whose form and when; None: not known (never guessed)."""

    client: str | None = None
    session: int | None = None
    date: date | None = None
    therapist: str | None = None
    site: str | None = None

    def over(self, base: Assignment | None) -> Assignment:
        """This assignment's known fields over ``base``'s."""
        if base is None:
            return self
        return Assignment(**{f.name: getattr(self, f.name) if getattr(self, f.name) is not None
                             else getattr(base, f.name) for f in fields(self)})

    @property
    def empty(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["date"] = None if self.date is None else self.date.isoformat()
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Assignment:
        return cls(d.get("client"), d.get("session"), parse_date(d["date"]) if d.get("date") else None,
                   d.get("therapist"), d.get("site"))


@dataclass(frozen=True)
class AssignmentEntry:
    """One row of the trail."""

    id: int
    page_hash: str
    new: Assignment
    old: Assignment | None
    by: str
    at: str
    via: str


def check_id(value: str, what: str) -> str:
    if not ID_RE.fullmatch(value):
        raise ValueError(f"{what} '{value[:40]}' is not an ID: 1-32 letters, digits, '.', '_' or '-', starting "
                         "with a letter or digit (an ID, never a name)")
    return value


def parse_date(text: str) -> date:
    """A date written yyyy-mm-dd (a real day), else ValueError."""
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"'{text[:20]}' is not a date written yyyy-mm-dd") from None


def parse_session(text: str | int) -> int:
    try:
        n = int(str(text).strip())
    except ValueError:
        raise ValueError(f"session '{str(text)[:20]}' is not a whole number") from None
    if not 1 <= n <= MAX_SESSION:
        raise ValueError(f"session {n}: a session number is 1-{MAX_SESSION}")
    return n


def make(client: str | None = None, session: str | int | None = None, when: str | date | None = None,
         therapist: str | None = None, site: str | None = None) -> Assignment:
    """An assignment from text fields (blank = not known), checked; ValueError says what is wrong."""
    def blank(v: Any) -> bool:
        return v is None or (isinstance(v, str) and not v.strip())

    return Assignment(
        None if blank(client) else check_id(str(client).strip(), "client"),
        None if blank(session) else parse_session(session),  # type: ignore[arg-type]
        None if blank(when) else (when if isinstance(when, date) else parse_date(str(when))),
        None if blank(therapist) else check_id(str(therapist).strip(), "therapist"),
        None if blank(site) else check_id(str(site).strip(), "site"),
    )


# --- the trail in the ledger -----------------------------------------------------------------

_COLUMNS = [table.c[name] for name in
            ("id", "page_hash", "client", "session", "date", "therapist", "site", "old", "by", "at", "via")]


def _entry(row: Any) -> AssignmentEntry:
    rid, key, client, session, when, therapist, site, old, by, at, via = row
    new = Assignment(client, session, date.fromisoformat(when) if when else None, therapist, site)
    return AssignmentEntry(rid, key, new, Assignment.from_dict(json.loads(old)) if old else None, by, at, via)


def _newest(page_hash: str) -> Any:
    return select(*_COLUMNS).where(table.c.page_hash == page_hash).order_by(table.c.id.desc()).limit(1)


def current(ledger: Ledger, page_hash: str) -> Assignment | None:
    """A page's assignment (the newest row of its trail), or None."""
    with ledger.reading() as conn:
        row = conn.execute(_newest(page_hash)).first()
        return _entry(row).new if row else None


def all_current(ledger: Ledger) -> dict[str, Assignment]:
    """Every page's assignment, by page hash."""
    newest = select(func.max(table.c.id)).group_by(table.c.page_hash)
    with ledger.reading() as conn:
        rows = conn.execute(select(*_COLUMNS).where(table.c.id.in_(newest))).all()
        return {e.page_hash: e.new for e in map(_entry, rows)}


def trail(ledger: Ledger, page_hash: str | None = None) -> list[AssignmentEntry]:
    """The trail, oldest first (of one page, or all)."""
    query = select(*_COLUMNS).order_by(table.c.id)
    if page_hash is not None:
        query = query.where(table.c.page_hash == page_hash)
    with ledger.reading() as conn:
        return [_entry(r) for r in conn.execute(query)]


def record(ledger: Ledger, page_hash: str, new: Assignment, *, by: str, via: str,
           over: bool = False) -> AssignmentEntry | None:
    """Append ``new`` as the page's assignment (``over``: its known fields over the current
    assignment's); None (nothing written) when it is already that.

    The page's current assignment is read in the same write transaction (another writer
    of the page waits), so two people assigning one page at once both land in the trail,
    the second with the first's values as its old ones (and, with ``over``, kept)."""
    by = by.strip()
    if not by or len(by) > MAX_NAME or "\x00" in by:
        raise ValueError(f"say who makes the assignment (--by, at most {MAX_NAME} characters)")
    if new.empty:
        raise ValueError("an assignment needs at least one of client, session, date, therapist, site")
    with ledger.writing(page_hash) as conn:
        row = conn.execute(_newest(page_hash)).first()
        old = _entry(row).new if row else None
        if over:
            new = new.over(old)
        d = new.to_dict()
        if old == new:
            return None
        at = datetime.now(timezone.utc).isoformat(timespec="seconds")
        done = conn.execute(insert(table).values(
            page_hash=page_hash, client=d["client"], session=d["session"], date=d["date"], therapist=d["therapist"],
            site=d["site"], old=None if old is None else json.dumps(old.to_dict()), by=by, at=at, via=via))
        rid = int(done.inserted_primary_key[0])  # type: ignore[index]
    return AssignmentEntry(rid, page_hash, new, old, by, at, via)


# --- files and patterns (pure) -------------------------------------------------------------


@dataclass(frozen=True)
class FileRow:
    """One row of an assignment file: ``page`` None means every page of the file."""

    line: int
    source: str
    page: int | None
    assignment: Assignment


def read_csv(text: str) -> list[FileRow]:
    """The rows of an assignment CSV (header ``source,page,client,session,date,therapist,site``;
    therapist and site may be left out). ValueError names the line and the field."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("source", "page", "client", "session", "date") if c not in header]
    if missing:
        raise ValueError(f"the assignment file has no column {', '.join(missing)} "
                         f"(columns: {','.join(CSV_COLUMNS)})")
    reader.fieldnames = header
    rows = []
    for i, raw in enumerate(reader, start=2):
        cells = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        try:
            if not cells["source"]:
                raise ValueError("no source file")
            page = None if not cells["page"] else int(cells["page"])
            if page is not None and page < 1:
                raise ValueError("page numbers start at 1")
            a = make(cells["client"], cells["session"], cells["date"], cells.get("therapist"), cells.get("site"))
        except ValueError as exc:
            raise ValueError(f"line {i}: {exc}") from None
        rows.append(FileRow(i, cells["source"], page, a))
    return rows


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """A file-name pattern such as ``{client}_{session}_{date}.pdf`` as a regular expression
    (fields: client, session, date, therapist, site, any; the rest is literal, matched
    against the file's name without case)."""
    parts = re.split(r"(\{[a-z]+\})", pattern)
    out, seen = [], set()
    for part in parts:
        m = re.fullmatch(r"\{([a-z]+)\}", part)
        if m is None:
            out.append(re.escape(part))
            continue
        name = m[1]
        if name not in PATTERN_FIELDS:
            raise ValueError(f"the pattern field {{{name}}} is not one of "
                             + ", ".join(f"{{{k}}}" for k in PATTERN_FIELDS))
        if name in seen and name != "any":
            raise ValueError(f"the pattern names {{{name}}} twice")
        seen.add(name)
        out.append(f"(?P<{name}>{PATTERN_FIELDS[name]})" if name != "any" else PATTERN_FIELDS[name])
    if not seen - {"any"}:
        raise ValueError("the pattern names no field: use {client}, {session}, {date}, {therapist} or {site}")
    return re.compile("".join(out), re.IGNORECASE)


def from_name(regex: re.Pattern[str], name: str) -> Assignment | None:
    """The assignment a file name gives (None: it does not match); ValueError for a bad value."""
    m = regex.fullmatch(name)
    if m is None:
        return None
    g = m.groupdict()
    return make(g.get("client"), g.get("session"), g.get("date"), g.get("therapist"), g.get("site"))


__all__ = ["Assignment", "AssignmentEntry", "FileRow", "all_current", "compile_pattern",
           "current", "from_name", "make", "read_csv", "record", "replace", "trail"]
