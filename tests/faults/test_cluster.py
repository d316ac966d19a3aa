"""``srs-scan scan --cluster``: a run on a Dask cluster writes a local run's outputs byte for
byte; a worker killed mid-run loses no page; Ctrl-C and kill -9 of the main process leave
no process behind and a ledger the next run goes on from; an unreachable scheduler, Dask
missing or --workers beside --cluster is one line.

The reference is always a local run (the process pool, --workers 2) of the same inputs:
a separate code path, checked against the truth elsewhere (tests/cli/test_samples.py).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from srs_scan.cli import main
from srs_scan.synth import MarkSpec, render_form, scan

from .conftest import (
    DPI,
    MARKS,
    assert_clean,
    by_name,
    cli,
    kill_session,
    pages_in,
    records,
    session_processes,
    start,
    wait_for,
)

SAMPLES = Path(__file__).resolve().parents[2] / "sample_scans"
N_PAGES = 16


def _shown(text: str, folder: Path) -> str:
    """What a run printed, without its time and rate and with its output folder named X."""
    return re.sub(r" - \d+\.\d s(, \d+ pages/min)?", " - T", text.replace(str(folder), "X"))


def test_a_cluster_run_writes_what_a_local_run_writes(tmp_path):
    """PDF, TIFF, PNG, JPEG, a blank page, a cover letter, srs-scan's own forms, the same
    image in another file and a file named twice: the same JSONL, CSV and summary.

    The copy comes first and its original last, further apart than the local run's pages in
    flight: the local run then always takes the original from the ledger (a copy close
    behind its first may or may not be, as the local workers' lookups fall)."""
    copy = tmp_path / "copy-of-srs_scan_300dpi.png"
    shutil.copyfile(SAMPLES / "srs_scan_300dpi.png", copy)
    inputs = [copy, SAMPLES, copy]
    runs = {}
    for name, how in (("local", ["--workers", "2"]), ("cluster", ["--cluster", "local:2"])):
        out = tmp_path / name
        out.mkdir()
        result = cli("scan", *inputs, "--jsonl", out / "o.jsonl", "--csv", out / "o.csv", *how)
        assert_clean(result)
        runs[name] = (result, out)
    (local, a), (dask, b) = runs["local"], runs["cluster"]
    assert dask.returncode == local.returncode == 0, dask.stderr
    assert (b / "o.jsonl").read_bytes() == (a / "o.jsonl").read_bytes()
    assert (b / "o.csv").read_bytes() == (a / "o.csv").read_bytes()
    assert _shown(dask.stdout, b) == _shown(local.stdout, a)  # each page's line, then the summary
    assert "12 page(s): 10 form(s) read" in dask.stdout and "; 1 taken from the ledger" in dask.stdout
    assert "1 possible duplicate(s)" in dask.stdout
    assert dask.stderr == ""  # Dask's own logs stay quiet


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> tuple[Path, Path]:
    """A scanner PDF of distinct small pages, and a clean local run's JSONL and CSV of it."""
    root = tmp_path_factory.mktemp("stack")
    pages = []
    for i in range(N_PAGES):
        marks = MARKS[i % len(MARKS)]
        page = render_form("srs", [[MarkSpec(m)] for m in marks], dpi=DPI, seed=200 + i)
        pages.append(Image.fromarray(scan(page.image, np.random.default_rng(300 + i), dpi_in=DPI, dpi_out=DPI)))
    (root / "in").mkdir()
    pages[0].save(root / "in" / "stack.pdf", save_all=True, append_images=pages[1:], resolution=float(DPI))
    clean = root / "clean"
    clean.mkdir()
    result = cli("scan", root / "in", "--jsonl", clean / "r.jsonl", "--csv", clean / "r.csv", "--workers", "2", "-q")
    assert result.returncode == 0, result.stderr
    return root / "in", clean


def _worker_processes(pid: int) -> list[int]:
    """The Dask worker processes of a --cluster local:N run (spawned children of the main process)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
    return found


def _start(inputs: Path, out: Path) -> tuple[subprocess.Popen[str], Path]:
    return start("scan", inputs, "--jsonl", out / "r.jsonl", "--csv", out / "r.csv", "--cluster", "local:2",
                 "-q"), out / "srs-scan-ledger.sqlite"


@pytest.mark.slow  # a page that kills its workers, on a real cluster: tests/ledger/test_cluster.py
def test_a_worker_killed_mid_run_loses_no_page(stack, tmp_path):
    inputs, clean = stack
    run, db = _start(inputs, tmp_path)
    try:
        _under_way(run, db, 2)
        workers = _worker_processes(run.pid)
        assert len(workers) == 2, workers
        os.kill(workers[0], signal.SIGKILL)  # out of memory, a machine gone: its chunk is read elsewhere
        out, err = run.communicate(timeout=180)
    finally:
        kill_session(run.pid)
    assert "Traceback" not in out + err, err
    assert run.returncode == 0, err
    found = by_name(records(tmp_path / "r.jsonl"))
    assert sorted(p for _, p in found) == list(range(1, N_PAGES + 1)) and set(found.values()) == {"read"}
    assert (tmp_path / "r.jsonl").read_bytes() == (clean / "r.jsonl").read_bytes()


def _under_way(run, db: Path, pages: int) -> None:
    if not wait_for(lambda: pages_in(db) >= pages or run.poll() is not None, 120):
        kill_session(run.pid)
        pytest.fail("the run did not get under way")
    assert run.poll() is None, "the run ended before it could be stopped: make the stack longer"


def test_ctrl_c_stops_the_run_and_its_workers_and_keeps_what_was_read(stack, tmp_path):
    inputs, _ = stack
    run, db = _start(inputs, tmp_path)
    try:
        _under_way(run, db, 2)
        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C on a terminal: the whole group, Dask's workers included
        out, err = run.communicate(timeout=60)
        assert "Traceback" not in out + err, err
        assert run.returncode == 130, err
        assert err.splitlines()[-1].startswith("srs-scan: interrupted: no output file was written"), err
        assert wait_for(lambda: not session_processes(run.pid), 10), "processes of the run left after Ctrl-C"
    finally:
        kill_session(run.pid)
    assert pages_in(db) >= 2 and not (tmp_path / "r.jsonl").exists() and not list(tmp_path.glob(".*.tmp"))


def test_kill_9_of_the_main_process_then_the_same_command_gives_the_clean_outputs(stack, tmp_path):
    inputs, clean = stack
    run, db = _start(inputs, tmp_path)
    try:
        _under_way(run, db, 3)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        assert wait_for(lambda: not session_processes(run.pid), 15), "Dask workers outlived the main process"
    finally:
        kill_session(run.pid)
    assert not (tmp_path / "r.jsonl").exists() and not list(tmp_path.glob(".*.tmp"))
    done = pages_in(db)
    assert 3 <= done < N_PAGES

    again = cli("scan", inputs, "--jsonl", tmp_path / "r.jsonl", "--csv", tmp_path / "r.csv", "--cluster", "local:2",
                "-q")
    assert_clean(again)
    assert again.returncode == 0, again.stderr
    assert f"; {done} taken from the ledger" in again.stderr, again.stderr
    assert (tmp_path / "r.jsonl").read_bytes() == (clean / "r.jsonl").read_bytes()
    assert (tmp_path / "r.csv").read_bytes() == (clean / "r.csv").read_bytes()
    assert pages_in(db) == N_PAGES


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_scheduler_is_one_line_and_exit_3(batch):
    batch.snapshot()
    port = _free_port()
    result = cli("scan", batch.inputs, "--jsonl", batch.out / "r.jsonl", "--cluster", f"tcp://127.0.0.1:{port}",
                 timeout=60)
    assert_clean(result)
    assert result.returncode == 3
    assert result.stderr.splitlines() == [
        f"srs-scan: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} (connection refused): is `dask "
        f"scheduler` running there, and port {port} open to this computer?"]
    assert not (batch.out / "r.jsonl").exists()
    batch.assert_no_partial_output()
    batch.assert_inputs_unchanged()


def test_workers_and_cluster_together_are_a_usage_error(batch):
    result = CliRunner().invoke(main, ["scan", str(batch.inputs), "--workers", "2", "--cluster", "local:2"])
    assert result.exit_code == 2 and "--workers and --cluster do not go together" in result.output


def test_without_dask_cluster_says_what_to_install(batch, monkeypatch):
    import srs_scan.ledger

    monkeypatch.delattr(srs_scan.ledger, "cluster", raising=False)
    dask_modules = [m for m in sys.modules if m.split(".")[0] in ("distributed", "dask")]
    for name in [*dask_modules, "srs_scan.ledger.cluster"]:
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    result = CliRunner().invoke(main, ["scan", str(batch.inputs), "--cluster", "local:2", "--jsonl",
                                       str(batch.out / "r.jsonl")])
    assert_clean(result)
    assert result.exit_code == 2
    assert 'pip install "srs-scan[cluster]"' in result.output
    assert not (batch.out / "r.jsonl").exists()
