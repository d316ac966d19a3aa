"""Writing files safely, and text safe for a terminal or a spreadsheet.

Files are written atomically: into a temporary file beside the target, renamed over it
only when complete, so a crash never leaves a half-written output.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any


@contextmanager
def _atomic(path: Path, mode: str, **kwargs: Any) -> Iterator[IO[Any]]:
    path = Path(path)
    folder = path.resolve().parent
    fd, tmp = _unnamed_file(folder)
    if fd is None:  # no unnamed files here: a hidden named one, removed on any failure we live through
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
        # mkstemp makes the file private (0600); give it the mode any new file would get
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
            if tmp is None:  # complete: only now does the file get a name
                tmp = _link_unnamed(handle.fileno(), folder, path.name)
        # the last moment to find that something else took the name: only a file is replaced
        try:
            if not stat.S_ISREG(os.lstat(path).st_mode):
                raise FileExistsError(errno.EEXIST, "it is not a regular file: left as it is", str(path))
        except FileNotFoundError:
            pass
        os.replace(tmp, path)
    except BaseException:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        raise


def _unnamed_file(folder: Path) -> tuple[int | None, None]:
    """A file in ``folder`` with no name yet (Linux O_TMPFILE): if the process is killed
    (kill -9, a power cut) before the output is complete, nothing is left behind, so no
    half-written copy of health data outlives the run."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None, None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o666), None  # the umask applies as to any new file
    except OSError:  # a file system without unnamed files
        return None, None


def _link_unnamed(fd: int, folder: Path, name: str) -> str:
    """Give the complete unnamed file a hidden name beside the target (then renamed over it)."""
    import ctypes
    import secrets

    at_fdcwd, at_symlink_follow = -100, 0x400
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        linkat = libc.linkat
    except (OSError, AttributeError):
        linkat = None
    while linkat is not None:
        tmp = str(folder / f".{name}.{secrets.token_hex(6)}.tmp")
        # os.link cannot follow /proc/self/fd/N (it calls link(2)): linkat(2) with AT_SYMLINK_FOLLOW can
        if linkat(at_fdcwd, f"/proc/self/fd/{fd}".encode(), at_fdcwd, os.fsencode(tmp), at_symlink_follow) == 0:
            return tmp
        if ctypes.get_errno() != errno.EEXIST:
            break
    # no way to name it: copy it into a named file (complete before it is renamed over the target)
    out_fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(out_fd, 0o666 & ~umask)
        with open(f"/proc/self/fd/{fd}", "rb") as source, os.fdopen(out_fd, "wb") as target:
            out_fd = -1
            while chunk := source.read(1 << 20):
                target.write(chunk)
            target.flush()
            os.fsync(target.fileno())
    except BaseException:
        if out_fd >= 0:
            os.close(out_fd)
        os.unlink(tmp)
        raise
    return tmp


_NOT_REGULAR = (
    (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a named pipe"), (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
)
# how each kind of output srs-scan writes begins (read from the first bytes of an existing file)
_OWN_START = {
    "jsonl": lambda head: _own_jsonl(head),
    "csv": lambda head: head.startswith(b"source,page,status,form,"),
    "trail": lambda head: head.startswith(b"correction,at_utc,page_id,"),
    "html": lambda head: b'<meta name="generator" content="srs-scan' in head
    or (b'<p class="muted">Made ' in head and b" by srs-scan " in head)
    or b"<title>srs-scan clinic report</title>" in head,  # a clinic report from before its marker
    "clinic": lambda head: _own_clinic_json(head),
    "openfit": lambda head: head.startswith(b"Service_Location,Provider_FirstName,Provider_LastName,"),
    "fhir": lambda head: b'"resourceType": "Bundle"' in head[:64] and b'"system": "urn:srs-scan:export"' in head,
    "xlsx": lambda head: False,  # a zip: see _own_xlsx
}


def _own_xlsx(path: Path) -> bool:
    """An .xlsx file that srs-scan wrote (its document properties name srs-scan as creator)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            core = z.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False
    return b"<dc:creator>srs-scan</dc:creator>" in core


def _own_clinic_json(head: bytes) -> bool:
    """The figures ``srs-scan report/clients --json`` write: their first keys, as written."""
    return head.startswith(b'{\n "schema": ') and b'\n "generated_at": ' in head and b'\n "scope": {' in head


def _own_jsonl(head: bytes) -> bool:
    import json

    first = head.split(b"\n", 1)[0]
    try:
        record = json.loads(first)
    except ValueError:
        return False
    return isinstance(record, dict) and {"source", "page", "status", "items"} <= set(record)


def not_replaceable(path: Path, kind: str, *, force: bool = False) -> str | None:
    """Why an existing ``path`` must not be replaced by an output of ``kind`` ("jsonl",
    "csv", "trail", "html", "clinic" (the clinic's figures as JSON), "openfit", "fhir", "xlsx"),
    or None (it does not exist, or it is safe to replace).

    Only a regular file is ever replaced: never a link, a pipe or a device, even with
    ``force``. A regular file is replaced when srs-scan wrote it (its first bytes are
    srs-scan's JSONL record, CSV header, report or JSON), or an empty one, or with ``force``.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"{path} cannot be checked ({exc.strerror or exc})"
    for test, what in _NOT_REGULAR:
        if test(info.st_mode):
            return (f"{path} is {what}: srs-scan writes its outputs only as regular files and never "
                    "replaces anything else; give the name of a new file")
    if force or info.st_size == 0:
        return None
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        return f"{path} exists and cannot be read ({exc.strerror or exc}): give another name"
    if _OWN_START[kind](head) or (kind == "xlsx" and _own_xlsx(path)):
        return None
    return (f"{path} exists and was not written by srs-scan: it is left as it is; choose another name, "
            "or add --force to replace it")


def remove_stale_temporaries(path: Path) -> None:
    """Remove the temporary files a killed run left beside ``path`` (never ``path`` itself)."""
    path = Path(path)
    for tmp in path.resolve().parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        try:
            tmp.unlink()
        except OSError:
            pass


@contextmanager
def atomic_text_file(path: Path) -> Iterator[IO[str]]:
    """Open a text file for writing that appears at ``path`` only once complete."""
    # file names that are not valid UTF-8 are kept, escaped, rather than lost
    with _atomic(path, "w", encoding="utf-8", errors="backslashreplace", newline="") as handle:
        yield handle


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``; the file appears only once complete."""
    with _atomic(path, "wb") as handle:
        handle.write(data)


def printable(text: str) -> str:
    """``text`` safe to write as UTF-8 (a file name that is not UTF-8 is escaped)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7f, *range(0x80, 0xa0))}
_CONTROL.update({0x2028: "\\u2028", 0x2029: "\\u2029"})  # line and paragraph separators
_CONTROL.update({c: f"\\u{c:04x}" for c in (*range(0x202a, 0x202f), *range(0x2066, 0x206a))})  # bidi overrides


def shown(text: str) -> str:
    """``text`` (a file name) safe for one terminal line: control characters, line breaks
    and direction overrides are written as escapes, so a name cannot start a line of its
    own, move the cursor or forge another page's "ok"."""
    return printable(str(text)).translate(_CONTROL)


def cell(text: str) -> str:
    """Free text for a CSV cell that a spreadsheet will not run as a formula."""
    text = printable(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
