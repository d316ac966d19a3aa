"""The review page: a small web server on this computer only, for checking and
correcting readings in a browser.

Security, because the pages hold health information and the server can change the
ledger:

* it listens on 127.0.0.1 only;
* every launch makes a new random token; the address printed at start carries it once
  (``/?token=...``), after which the browser holds it in a cookie for this port that
  scripts cannot read and other sites do not send (HttpOnly, SameSite=Strict);
* a request whose ``Host`` is not this server's (DNS rebinding) or that carries another
  site's ``Origin`` is refused, whatever it carries;
* nothing changes on GET; a correction is a POST of JSON with the token in the
  ``X-SRS-Token`` header (a form on another site can send neither);
* responses are not cached, not framed, and the page loads nothing from elsewhere.

This module is the HTTP layer only: pages and corrections go through
:mod:`srs_scan.audit.select`, images through :mod:`srs_scan.audit.draw`.
"""

from __future__ import annotations

import hmac
import json
import math
import secrets
import threading
from dataclasses import dataclass, field
from functools import cache
from http import HTTPStatus
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from ..clinic import sources as clinic_sources
from ..clinic.plots import client_svg
from ..clinic.summary import Caseload, caseload, client_dict
from ..exceptions import LedgerFailure
from ..ledger import assignments, corrections
from ..ledger.location import LedgerPlace
from ..ledger.store import Ledger, LedgerError
from ..model import PageResult
from ..outputs import printable
from . import draw
from . import select as audit
from .report import jpeg_bytes

HOST = "127.0.0.1"
MAX_BODY = 16_384  # bytes of a correction request
STATIC = {"/app.js": "application/javascript", "/app.css": "text/css"}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
}


@dataclass
class ReviewState:
    """What the server's threads share: the ledger (used under ``lock``) and the views drawn."""

    ledger: Ledger
    token: str
    review_only: bool
    lock: threading.Lock
    port: int = 0
    views: dict[tuple[str, str, int], draw.AuditView | str] = field(default_factory=dict)
    views_lock: threading.Lock = field(default_factory=threading.Lock)

    def pages(self) -> list[audit.AuditPage]:
        with self.lock:
            return audit.collect(self.ledger, review_only=self.review_only)

    def page(self, page_id: str) -> audit.AuditPage:
        with self.lock:
            return audit.current(self.ledger, self.ledger.find(page_id))

    def caseload(self) -> Caseload:
        """The clients as they stand now (assignments and corrections applied)."""
        with self.lock:
            loaded = clinic_sources.load(self.ledger)
        return caseload(loaded.scores, left_out=loaded.left_out)

    def client(self, client_id: str) -> tuple[Caseload, Any]:
        load = self.caseload()
        view = next((c for c in load.clients if c.id == client_id), None)
        if view is None:
            raise LedgerError(f"no client {client_id[:40]} in the ledger")
        return load, view

    def assign(self, page_id: str, given: assignments.Assignment, by: str) -> dict[str, Any]:
        """A person's assignment from the page: the fields given over the page's current ones."""
        with self.lock:
            stored = self.ledger.find(page_id)
            assignments.record(self.ledger, stored.page_hash, given, by=by, via="review", over=True)
            return assignment_of(self.ledger, stored.page_hash)

    def view(self, page: audit.AuditPage) -> draw.AuditView | str:
        """The page's audit view (or why there is none), drawn again after each correction."""
        key = (page.stored.page_hash, page.stored.read_at, len(page.trail))
        with self.views_lock:
            if key in self.views:
                return self.views[key]
        image = audit.page_image(page.stored)
        try:
            view = image if isinstance(image, str) else draw.render(image, page.result, page.stored.geometry)
        except Exception as exc:  # noqa: BLE001 - a page that cannot be drawn is still correctable
            view = f"the page could not be drawn ({type(exc).__name__})"
        with self.views_lock:
            if len(self.views) >= MAX_VIEWS:
                self.views.pop(next(iter(self.views)))
            self.views[key] = view
        return view


MAX_VIEWS = 64  # audit views kept drawn


class ReviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: ReviewState, port: int = 0) -> None:
        super().__init__((HOST, port), _Handler)
        self.state = state
        state.port = self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A broken connection is not worth a traceback on the terminal."""

    @property
    def url(self) -> str:
        """The address to open (it carries the token)."""
        return f"http://{HOST}:{self.state.port}/?token={self.state.token}"


def make_server(ledger_path: LedgerPlace, *, port: int = 0, review_only: bool = False) -> ReviewServer:
    """A review server for the ledger at ``ledger_path`` (not started: call ``serve_forever``)."""
    # a damaged ledger is said at start, not as errors in the browser
    ledger = Ledger(ledger_path, must_exist=True, threads=True, check=True)
    state = ReviewState(ledger, secrets.token_urlsafe(24), review_only, threading.Lock())
    try:
        return ReviewServer(state, port)
    except BaseException:
        ledger.close()
        raise


class _Refused(Exception):
    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class _Handler(BaseHTTPRequestHandler):
    server: ReviewServer
    server_version = "srs-scan-review"
    sys_version = ""
    timeout = 60

    # --- plumbing ----------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        """Nothing is logged: request lines carry page ids and the token."""

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**SECURITY_HEADERS, **(headers or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: HTTPStatus, data: Any) -> None:
        self._send(status, json.dumps(data).encode("utf-8"), "application/json; charset=utf-8")

    def _refuse(self, status: HTTPStatus, message: str) -> None:
        if self.path.startswith("/api/"):
            self._json(status, {"error": message})
        else:
            self._send(status, f"srs-scan review: {message}\n".encode(), "text/plain; charset=utf-8")

    @property
    def _state(self) -> ReviewState:
        return self.server.state

    def _check_origin(self) -> None:
        """Refuse requests addressed to another host name (DNS rebinding) or sent by
        another site's page."""
        port = self._state.port
        allowed = {f"{HOST}:{port}", f"localhost:{port}"}
        if self.headers.get("Host", "") not in allowed:
            raise _Refused(HTTPStatus.FORBIDDEN, "this server answers only to its own address")
        origin = self.headers.get("Origin")
        if origin is not None and origin not in {f"http://{a}" for a in allowed}:
            raise _Refused(HTTPStatus.FORBIDDEN, "requests from other sites are refused")

    def _token_ok(self, given: str | None) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), self._state.token.encode())

    def _cookie_name(self) -> str:
        return f"srs_scan_review_{self._state.port}"

    def _cookie_token(self) -> str | None:
        jar = SimpleCookie()
        try:
            jar.load(self.headers.get("Cookie", ""))
        except Exception:  # noqa: BLE001 - a malformed cookie is no token
            return None
        morsel = jar.get(self._cookie_name())
        return morsel.value if morsel else None

    def _authorised(self) -> bool:
        return self._token_ok(self._cookie_token()) or self._token_ok(self.headers.get("X-SRS-Token"))

    # --- requests ------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        try:
            self._check_origin()
            url = urlsplit(self.path)
            query = parse_qs(url.query)
            if url.path == "/" and "token" in query:
                if not self._token_ok(query["token"][0]):
                    raise _Refused(HTTPStatus.FORBIDDEN, "wrong token: open the address srs-scan review printed")
                cookie = (f"{self._cookie_name()}={self._state.token}; HttpOnly; SameSite=Strict; Path=/")
                self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": "/", "Set-Cookie": cookie})
                return
            if not self._authorised():
                raise _Refused(HTTPStatus.FORBIDDEN,
                               "no or wrong token: open the address srs-scan review printed when it started")
            self._route_get(url.path, query)
        except _Refused as exc:
            self._refuse(exc.status, str(exc))
        except LedgerFailure as exc:  # damaged, or the disk full: say so and what to do
            self._refuse(HTTPStatus.SERVICE_UNAVAILABLE, str(exc))
        except LedgerError as exc:
            self._refuse(HTTPStatus.NOT_FOUND, str(exc))
        except Exception:  # noqa: BLE001 - never a traceback (it could hold page data)
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error")

    do_HEAD = do_GET

    def _route_get(self, path: str, query: dict[str, list[str]]) -> None:
        if path == "/":
            html = _static("review.html").replace("{{TOKEN}}", self._state.token)
            self._send(HTTPStatus.OK, html.encode("utf-8"), "text/html; charset=utf-8")
        elif path in STATIC:
            self._send(HTTPStatus.OK, _static(path.lstrip("/")).encode("utf-8"), STATIC[path] + "; charset=utf-8")
        elif path == "/api/pages":
            self._json(HTTPStatus.OK, {"pages": [_summary(p) for p in self._state.pages()]})
        elif path.startswith("/api/page/"):
            page = self._state.page(path.removeprefix("/api/page/"))
            detail = _detail(page, self._state.view(page))
            with self._state.lock:
                detail.update(assignment_of(self._state.ledger, page.stored.page_hash))
            self._json(HTTPStatus.OK, detail)
        elif path == "/api/clients":
            load = self._state.caseload()
            self._json(HTTPStatus.OK, {"clients": [client_dict(c, table=False) for c in load.clients],
                                       "left_out": load.left_out})
        elif path.startswith("/api/client/"):
            _, view = self._state.client(path.removeprefix("/api/client/"))
            self._json(HTTPStatus.OK, client_dict(view))
        elif path.startswith("/plot/client/") and path.endswith(".svg"):
            load, view = self._state.client(path.removeprefix("/plot/client/").removesuffix(".svg"))
            svg = '<?xml version="1.0" encoding="utf-8"?>\n' + client_svg(view.episode, view.alerts, load.settings)
            # an image: no script runs in it; its text is styled by attributes
            self._send(HTTPStatus.OK, svg.encode("utf-8"), "image/svg+xml; charset=utf-8",
                       {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})
        elif path.startswith("/api/locate/"):
            page = self._state.page(path.removeprefix("/api/locate/"))
            view = self._state.view(page)
            try:
                x, y = float(query["x"][0]), float(query["y"][0])
            except (KeyError, ValueError) as exc:
                raise _Refused(HTTPStatus.BAD_REQUEST, "x and y are needed") from exc
            hit = view.locate(x, y) if isinstance(view, draw.AuditView) else None
            self._json(HTTPStatus.OK, {"item": hit[0], "mm": hit[1]} if hit else {"item": None, "mm": None})
        elif path.startswith("/image/"):
            parts = path.split("/")
            if len(parts) != 4 or parts[3] not in ("audit.jpg", "original.jpg"):
                raise _Refused(HTTPStatus.NOT_FOUND, "no such image")
            page = self._state.page(parts[2])
            view = self._state.view(page)
            if isinstance(view, str):
                raise _Refused(HTTPStatus.NOT_FOUND, view)
            image = view.image if parts[3] == "audit.jpg" else view.original
            self._send(HTTPStatus.OK, jpeg_bytes(image), "image/jpeg")
        else:
            raise _Refused(HTTPStatus.NOT_FOUND, "not found")

    def do_POST(self) -> None:  # noqa: N802
        try:
            self._check_origin()
            # the header, not the cookie: a page on another site cannot set it
            if not self._token_ok(self.headers.get("X-SRS-Token")):
                raise _Refused(HTTPStatus.FORBIDDEN, "no or wrong token")
            where = urlsplit(self.path).path
            if where not in ("/api/correct", "/api/assign"):
                raise _Refused(HTTPStatus.NOT_FOUND, "not found")
            if self.headers.get_content_type() != "application/json":
                raise _Refused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "send JSON")
            body = self._body()
            if where == "/api/assign":
                page_id, given, by = _assign_request(body)
                self._json(HTTPStatus.OK, self._state.assign(page_id, given, by))
                return
            page_id, item, mm, missing, by, reason, expected = _correction_request(body)
            with self._state.lock:
                _, after = audit.correct(self._state.ledger, page_id, item, mm, by=by, reason=reason,
                                         via="review", expected=expected)
        except _Refused as exc:
            self._refuse(exc.status, str(exc))
            return
        except audit.Conflict as exc:
            self._json(HTTPStatus.CONFLICT, {"error": str(exc)})
            return
        except LedgerFailure as exc:
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": f"not saved: {exc}"})
            return
        except (ValueError, LedgerError) as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        except Exception:  # noqa: BLE001 - never a traceback
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR,
                       {"error": "internal error: reload the page to see whether the correction was saved"})
            return
        # recorded: whatever happens now, the answer says so
        try:
            self._json(HTTPStatus.OK, _detail(after, self._state.view(after)))
        except Exception:  # noqa: BLE001
            self._json(HTTPStatus.OK, {"saved": True, "page_id": after.page_id, "error": None})

    def _body(self) -> dict[str, Any]:
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError as exc:
            raise _Refused(HTTPStatus.LENGTH_REQUIRED, "the request has no length") from exc
        if not 0 < length <= MAX_BODY:
            raise _Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "the request is too large")
        try:
            data = json.loads(self.rfile.read(length))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise _Refused(HTTPStatus.BAD_REQUEST, "the request is not JSON") from exc
        if not isinstance(data, dict):
            raise _Refused(HTTPStatus.BAD_REQUEST, "the request is not a JSON object")
        return data

    def _not_allowed(self) -> None:
        self.close_connection = True
        self._refuse(HTTPStatus.METHOD_NOT_ALLOWED, "method not allowed")

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _not_allowed


@cache
def _static(name: str) -> str:
    return resources.files("srs_scan.audit").joinpath("web").joinpath(name).read_text(encoding="utf-8")


def _correction_request(body: dict[str, Any]) -> tuple[str, int, float | None, bool, str, str,
                                                       tuple[float | None, str] | None]:
    """The fields of a correction request, strictly typed (ValueError says what is wrong)."""
    page_id, item, mm, missing = body.get("page_id"), body.get("item"), body.get("mm"), body.get("missing", False)
    by, reason, expected = body.get("by"), body.get("reason"), body.get("expected")
    if not isinstance(page_id, str):
        raise ValueError("page_id must be text")
    if not isinstance(item, int) or isinstance(item, bool):
        raise ValueError("item must be a whole number (1 is the top line)")
    if not isinstance(missing, bool):
        raise ValueError("missing must be true or false")
    if not missing:
        if not isinstance(mm, (int, float)) or isinstance(mm, bool) or not math.isfinite(float(mm)):
            raise ValueError("give the value in mm, or mark the item missing")
        mm = float(mm)
    if not isinstance(by, str) or not isinstance(reason, str):
        raise ValueError("give your name and a reason as text")
    seen: tuple[float | None, str] | None = None
    if expected is not None:
        if not (isinstance(expected, dict) and isinstance(expected.get("status"), str)
                and (expected.get("mm") is None or (isinstance(expected.get("mm"), (int, float))
                                                    and not isinstance(expected.get("mm"), bool)))):
            raise ValueError("expected must be the item's mm and status as shown")
        seen = (None if expected["mm"] is None else float(expected["mm"]), expected["status"])
    return page_id, item, None if missing else mm, missing, by, reason, seen


def _assign_request(body: dict[str, Any]) -> tuple[str, assignments.Assignment, str]:
    """The fields of an assignment request (text or null each); ValueError says what is wrong."""
    page_id, by = body.get("page_id"), body.get("by")
    if not isinstance(page_id, str) or not isinstance(by, str):
        raise ValueError("give the page id and your name as text")
    text: dict[str, str | None] = {}
    for key in ("client", "date", "therapist", "site"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{key} must be text")
        text[key] = value
    session = body.get("session")
    if session is not None and (isinstance(session, bool) or not isinstance(session, (str, int))):
        raise ValueError("session must be a whole number")
    given = assignments.make(text["client"], session, text["date"], text["therapist"], text["site"])
    if given.empty:
        raise ValueError("say what to set: client, session, date, therapist or site")
    return page_id, given, by


def assignment_of(ledger: Ledger, page_hash: str) -> dict[str, Any]:
    """A page's assignment and its trail, for the page's detail."""
    now = assignments.current(ledger, page_hash)
    return {
        "assignment": None if now is None else now.to_dict(),
        "assignment_trail": [{"at": e.at, "by": e.by, "via": e.via, "old": None if e.old is None else e.old.to_dict(),
                              "new": e.new.to_dict()} for e in assignments.trail(ledger, page_hash)],
    }


def _summary(page: audit.AuditPage) -> dict[str, Any]:
    r = page.result
    return {
        "page_id": page.page_id, "source": printable(r.source), "page": r.page, "form": r.form,
        "status": r.status.value, "total": r.total, "corrected": r.corrected, "near_cutoff": page.cutoff_note,
        "client": r.client, "session": r.session,
    }


def _detail(page: audit.AuditPage, view: draw.AuditView | str) -> dict[str, Any]:
    r: PageResult = page.result
    out = _summary(page)
    out.update({
        "items": [item.to_dict() for item in r.items],
        # the form's line length: values go from 0 to it (100 mm; a clinic's own form: its template's)
        "line_mm": page.stored.form.line_length_mm if page.stored.form is not None else 100.0,
        "reasons": list(r.reasons), "warnings": list(r.warnings), "flags": [f.message for f in r.flags],
        "correctable": corrections.correctable(r) is None,
        "trail": [{"at": c.at, "item": c.item, "old_mm": c.old_mm, "old_status": c.old_status,
                   "new_mm": c.new_mm, "by": c.by, "reason": c.reason, "via": c.via} for c in page.trail],
        "image": None if isinstance(view, str) else {
            "width": int(view.image.shape[1]), "height": int(view.image.shape[0]),
            "lines": [[list(a), list(b)] for a, b in view.lines],
            "version": len(page.trail),
        },
        "image_note": view if isinstance(view, str) else None,
    })
    return out
