"""Where a ledger is: a file (SQLite, the default) or a database server (PostgreSQL).

``--db`` takes either. Text that starts with a scheme and ``://`` is a server's address
(``postgresql://user@host/db``); anything else is a file path. A server address may
carry a password: :class:`ServerAddress` never shows it (``str()`` and ``repr()`` mask
it), so an address can go into a message or a log line as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

URL_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
POSTGRES_SCHEMES = ("postgresql", "postgres", "postgresql+psycopg")  # all mean psycopg 3


@dataclass(frozen=True)
class ServerAddress:
    """A ledger on a database server, as given (``url`` may hold a password: use
    :meth:`secret` only to connect)."""

    url: str = field(repr=False)

    def __str__(self) -> str:
        return mask(self.url)

    def __repr__(self) -> str:
        return f"ServerAddress({mask(self.url)!r})"

    def secret(self) -> str:
        """The address with its password, for connecting (never for showing)."""
        return self.url

    @property
    def password(self) -> str | None:
        """The password in the address, if any (percent-decoded)."""
        user_info = _split(self.url)[1]
        if user_info is None or ":" not in user_info:
            return None
        return unquote(user_info.split(":", 1)[1])

    def without_password(self) -> str:
        """The address a person can type again (the password goes in PGPASSWORD or ~/.pgpass)."""
        return mask(self.url, hidden="")


LedgerPlace = Path | ServerAddress


def location(text: str | Path | ServerAddress) -> LedgerPlace:
    """A ``--db`` value: a server address when it looks like a URL, else a path."""
    if isinstance(text, (Path, ServerAddress)):
        return text
    return ServerAddress(text) if URL_PATTERN.match(text) else Path(text)


def is_server(place: object) -> bool:
    return isinstance(place, ServerAddress)


def _split(url: str) -> tuple[str, str | None, str]:
    """(scheme://, user info or None, the rest). The user info ends at the last "@"
    before the query, so a password holding "@" or "/" unencoded is still all of it."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url, None, ""
    at = rest.split("?", 1)[0].rfind("@")
    if at < 0:
        return scheme + sep, None, rest
    return scheme + sep, rest[:at], rest[at + 1:]


def mask(url: str, *, hidden: str = "***") -> str:
    """``url`` with its password replaced by ``hidden`` (or left out, with its colon,
    when ``hidden`` is empty), and a ``password=`` query parameter hidden too."""
    head, user_info, rest = _split(url)
    if user_info is not None:
        user, colon, _ = user_info.partition(":")
        url = head + user + (f":{hidden}" if colon and hidden else "") + "@" + rest
    return re.sub(r"(?i)([?&]password=)[^&]*", lambda m: m[1] + (hidden or "***"), url)
