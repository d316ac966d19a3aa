"""Who a printed form belongs to: the text of its QR code.

A form printed by ``srs-scan print`` carries a QR code with the form type, the layout
version, a form id unique to that sheet (so the same sheet scanned twice can be told
apart from two sheets), and, when given at print time, the client ID and session
number. The text is short and plain::

    SRSSCAN1/srs/1/K3J9Q2XW/3/C-0042
    prefix / form / layout version / form id / session (may be empty) / client (may be empty)

Client IDs are restricted to letters, digits and ``. _ -`` (at most 32): an ID, not a
name. Nothing here logs or prints an identity.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

PREFIX = "SRSSCAN1"
FORM_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
FORM_ID_LENGTH = 8  # 40 random bits per sheet
CLIENT_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MAX_SESSION = 999


@dataclass(frozen=True)
class FormIdentity:
    form: str  # "srs" | "ors"
    layout_version: int
    form_id: str
    session: int | None = None
    client: str | None = None

    def encode(self) -> str:
        session = "" if self.session is None else str(self.session)
        return "/".join((PREFIX, self.form, str(self.layout_version), self.form_id, session, self.client or ""))


def check_client(client: str) -> str:
    """``client`` if it is a valid client ID, else ValueError saying what is allowed."""
    if not CLIENT_RE.fullmatch(client):
        raise ValueError(
            "a client ID is 1-32 letters, digits, '.', '_' or '-', starting with a letter or digit "
            "(use an ID, not a name)"
        )
    return client


def check_session(session: int) -> int:
    if not 1 <= session <= MAX_SESSION:
        raise ValueError(f"session {session}: a session number is 1-{MAX_SESSION}")
    return session


def new_form_id() -> str:
    return "".join(secrets.choice(FORM_ID_ALPHABET) for _ in range(FORM_ID_LENGTH))


def decode(text: str) -> FormIdentity | None:
    """The identity in a QR code's text, or None when it is not one of ours or is malformed."""
    parts = text.strip().split("/")
    if len(parts) != 6 or parts[0] != PREFIX:
        return None
    _, form, version, form_id, session, client = parts
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,15}", form) or not version.isdigit():
        return None
    if len(form_id) != FORM_ID_LENGTH or any(c not in FORM_ID_ALPHABET for c in form_id):
        return None
    if session and not (session.isdigit() and 1 <= int(session) <= MAX_SESSION):
        return None
    if client and not CLIENT_RE.fullmatch(client):
        return None
    return FormIdentity(form, int(version), form_id, int(session) if session else None, client or None)
