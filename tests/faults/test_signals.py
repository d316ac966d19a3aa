"""Ctrl-C, SIGTERM, SIGHUP, kill -9 of the main process, a killed worker: no process of the
run outlives it, no partial output is left, and a re-run gives the complete outputs."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from .conftest import (
    DPI,
    Batch,
    alive,
    assert_clean,
    by_name,
    cli,
    descendants,
    kill_session,
    pages_in,
    records,
    session_processes,
    start,
    wait_for,
)

N_PAGES = 16


@pytest.fixture
def stack(batch: Batch, pages) -> Batch:
    """A 16-page scanner PDF of distinct pages (a few seconds of work on 2 workers)."""
    (batch.inputs / "good.png").unlink()
    copies = [p.copy() for p in pages[:N_PAGES]]
    copies[0].save(batch.inputs / "stack.pdf", save_all=True, append_images=copies[1:], resolution=float(DPI))
    batch.snapshot()
    return batch


def _start_and_wait(stack: Batch, *extra: str):
    """Start a run with 2 workers and wait until it is under way (pages in the ledger)."""
    jsonl = stack.out / "r.jsonl"
    run = start("scan", stack.inputs, "--jsonl", jsonl, "--workers", "2", "-q", *extra)
    db = stack.out / "srs-scan-ledger.sqlite"
    if not wait_for(lambda: pages_in(db) >= 2 or run.poll() is not None, 120, 0.05):
        kill_session(run.pid)
        pytest.fail("the run did not get under way")
    assert run.poll() is None, "the run ended before it could be stopped: make the stack longer"
    workers = descendants(run.pid)
    assert workers, "no worker processes"
    return run, jsonl, workers


def _assert_gone(run, workers: list[int], within: float = 5.0) -> None:
    try:
        gone = wait_for(lambda: not session_processes(run.pid) and not any(alive(w) for w in workers), within, 0.1)
        assert gone, f"processes of the run still there after {within} s: {session_processes(run.pid)}"
    finally:
        kill_session(run.pid)


def _assert_resumes(stack: Batch, jsonl: Path) -> None:
    again = cli("scan", stack.inputs, "--jsonl", jsonl, "--workers", "2", "-q")
    text = assert_clean(again)
    assert again.returncode == 0, text
    assert "taken from the ledger" in text
    assert [r["page"] for r in records(jsonl)] == list(range(1, N_PAGES + 1))
    stack.assert_inputs_unchanged()
    stack.assert_no_partial_output()


def test_kill_9_of_the_main_process_leaves_no_worker_and_no_partial_output(stack: Batch):
    run, jsonl, workers = _start_and_wait(stack)
    os.kill(run.pid, signal.SIGKILL)
    run.wait(timeout=10)
    _assert_gone(run, workers)
    assert not jsonl.exists()
    stack.assert_no_partial_output()  # the output being built had no name yet
    stack.assert_inputs_unchanged()
    _assert_resumes(stack, jsonl)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=lambda s: s.name)
def test_a_signal_stops_the_run_cleanly(stack: Batch, signum):
    run, jsonl, workers = _start_and_wait(stack)
    os.kill(run.pid, signum)
    out, err = run.communicate(timeout=30)
    assert "Traceback" not in out + err, err
    assert run.returncode == 130, err
    assert "interrupted" in err and "run the same command again" in err
    _assert_gone(run, workers)
    assert not jsonl.exists()
    stack.assert_no_partial_output()
    stack.assert_inputs_unchanged()


@pytest.mark.slow
def test_a_killed_worker_does_not_lose_a_page(stack: Batch):
    run, jsonl, workers = _start_and_wait(stack)
    os.kill(workers[0], signal.SIGKILL)
    out, err = run.communicate(timeout=180)
    assert "Traceback" not in out + err, err
    assert run.returncode == 0, err
    found = by_name(records(jsonl))
    assert sorted(p for _, p in found) == list(range(1, N_PAGES + 1)) and set(found.values()) == {"read"}
    _assert_gone(run, workers)
    stack.assert_inputs_unchanged()
    stack.assert_no_partial_output()


def test_stale_temporaries_of_a_killed_run_are_removed(batch: Batch):
    """Temporaries left by an older, killed run (named ones) go at the next run."""
    batch.snapshot()
    stale = batch.out / ".r.jsonl.abc123.tmp"
    stale.write_text('{"source": "half a record')
    result = cli("scan", batch.inputs, "--jsonl", batch.out / "r.jsonl", "-q")
    assert result.returncode == 0, result.stderr
    assert not stale.exists()
    batch.assert_no_partial_output()
    batch.assert_inputs_unchanged()
