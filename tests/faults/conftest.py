"""The fault suite: bad inputs, bad outputs, signals, kills and damaged ledgers.

Every case checks the same promises (README, "What srs-scan promises about your files"):
the exit code and the message, no Python traceback, the input files unchanged (sha256
before and after), the other pages of the batch read, and no partial output left beside
the outputs (no ``.*.tmp``).

Pages are small synthetic scans (100 dpi) so the whole suite stays quick on 2 cores.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from srs_scan.synth import MarkSpec, render_blank, render_form, scan

DPI = 100
MARKS = ((50.0, 60.0, 70.0, 80.0), (91.0, 95.0, 88.5, 97.0), (40.0, 22.0, 61.0, 30.0))
RUN_TIMEOUT_S = 180


@pytest.fixture(scope="session")
def pages() -> list[Image.Image]:
    """Distinct small scanned SRS pages (different marks and scanner noise)."""
    out = []
    for i in range(16):
        marks = MARKS[i % len(MARKS)]
        page = render_form("srs", [[MarkSpec(m)] for m in marks], dpi=DPI, seed=i)
        gray = scan(page.image, np.random.default_rng(100 + i), dpi_in=DPI, dpi_out=DPI)
        out.append(Image.fromarray(gray))
    return out


@pytest.fixture(scope="session")
def blank() -> Image.Image:
    return Image.fromarray(scan(render_blank(dpi=DPI, seed=9), np.random.default_rng(9), dpi_in=DPI, dpi_out=DPI))


@dataclass
class Batch:
    """A folder of inputs (``inputs``), a folder for outputs (``out``) and the inputs' hashes."""

    root: Path
    inputs: Path
    out: Path
    hashes: dict[str, str]

    def snapshot(self) -> None:
        self.hashes = hashes(self.inputs)

    def assert_inputs_unchanged(self) -> None:
        assert hashes(self.inputs) == self.hashes, "an input file was changed, added or removed"

    def assert_no_partial_output(self) -> None:
        for folder in (self.out, self.inputs, self.root):
            left = sorted(p.name for p in folder.glob(".*.tmp"))
            assert not left, f"partial outputs left in {folder}: {left}"


def hashes(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.fixture
def batch(tmp_path: Path, pages: list[Image.Image]) -> Batch:
    """A good page ``good.png`` in ``inputs``; tests add their bad files, then call snapshot()."""
    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    out.mkdir()
    pages[0].save(inputs / "good.png", dpi=(DPI, DPI))
    return Batch(tmp_path, inputs, out, {})


def cli(*args: str | Path, cwd: Path | None = None, timeout: float = RUN_TIMEOUT_S,
        **kwargs) -> subprocess.CompletedProcess[str]:
    """``python -m srs_scan ARGS`` as a user runs it."""
    return subprocess.run([sys.executable, "-m", "srs_scan", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env=_env(), **kwargs)


def start(*args: str | Path, cwd: Path | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "srs_scan", *map(str, args)], cwd=cwd, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(), start_new_session=True)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("COLUMNS", None)
    return env


def assert_clean(result: subprocess.CompletedProcess[str] | object) -> str:
    """No traceback in what the run printed; returns stdout + stderr."""
    out = getattr(result, "stdout", "") or ""
    err = getattr(result, "stderr", "") or ""
    text = out + err if not hasattr(result, "output") else result.output  # CliRunner's Result
    assert "Traceback" not in text, text[-3000:]
    return text


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_name(recs: list[dict]) -> dict[tuple[str, int], str]:
    """(file name, page) -> "read" (ok or review), "no_form" or "error"."""
    return {(Path(r["source"]).name, r["page"]): "read" if r["status"] in ("ok", "review") else r["status"]
            for r in recs}


def descendants(pid: int) -> list[int]:
    """Processes whose parent chain leads to ``pid`` (from /proc; psutil is not needed)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


def session_processes(sid: int) -> list[int]:
    """Live processes of a session (the run was started in a new session of its own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[4]) == sid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def wait_for(predicate, timeout: float, step: float = 0.05) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


def kill_session(sid: int) -> None:
    """Clean up after a failed test: end whatever the run left (only this run's session)."""
    for pid in session_processes(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


def pages_in(db: Path) -> int:
    """Pages recorded so far in a run's ledger (0 while it has none, or is being created)."""
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1.0)
        try:
            return con.execute("SELECT count(*) FROM pages").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0
