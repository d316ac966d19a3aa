"""The Dask runner (srs_scan.ledger.cluster): a worker's chunk read directly (no cluster:
files it cannot see, pages it was sent, another srs-scan, a page stuck past the hard
limit), the time limit outside a main thread, --cluster's address, and a page that kills
every worker it lands on, on a real cluster.

The CLI's runs on a cluster (equal to a local run, a killed worker, kill -9 and Ctrl-C,
an unreachable scheduler) are in tests/faults/test_cluster.py."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from srs_scan.exceptions import UsageProblem
from srs_scan.ledger import batch, cluster
from srs_scan.ledger.store import Ledger
from srs_scan.model import PageStatus
from srs_scan.read.pipeline import ReadOptions
from srs_scan.synth import MarkSpec, render_form, scan

DPI = 100
MARKS = (20.0, 40.0, 60.0, 80.0)  # mm on each line: the total is 20.0


def _page(path: Path, seed: int) -> Path:
    page = render_form("srs", [[MarkSpec(m)] for m in MARKS], dpi=DPI, seed=seed)
    img = scan(page.image, np.random.default_rng(seed), dpi_in=DPI, dpi_out=DPI)
    Image.fromarray(img).save(path, dpi=(DPI, DPI))
    return path


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("pages")
    return [_page(folder / f"p{i}.png", seed=i) for i in range(4)]


def _chunk(paths: list[Path], *, sizes: dict[str, int | None] | None = None,
           known: dict | None = None) -> cluster.Chunk:
    tasks = tuple(batch.PageTask(str(p), 1) for p in paths)
    where = tuple(os.path.abspath(p) for p in paths)
    return cluster.Chunk(tasks, where, sizes if sizes is not None else {w: os.path.getsize(w) for w in where},
                         known or {})


def _settings() -> str:
    return batch.Reader(ReadOptions()).settings()


def _read(chunk: cluster.Chunk, *, settings: str | None = None, hard_limit: float = 60.0) -> cluster.ChunkResult:
    return cluster.read_chunk(chunk, ReadOptions(), 30.0, hard_limit, settings or _settings())


def _must_not_read(item, options=None):
    raise AssertionError("a page the worker was sent was read again")


def test_a_worker_reads_its_chunk_in_order_keeping_the_names_it_was_given(pages, monkeypatch):
    monkeypatch.chdir(pages[0].parent)
    chunk = _chunk([Path(p.name) for p in pages[:2]])  # relative names, opened at absolute paths
    assert all(os.path.isabs(w) for w in chunk.where)
    out = _read(chunk).outcomes
    assert [o.result.source for o in out] == ["p0.png", "p1.png"]
    assert all(o.result.status is PageStatus.OK and o.result.total == pytest.approx(20.0, abs=0.2) for o in out)


def test_a_file_the_worker_cannot_open_is_an_error_saying_so(pages, tmp_path):
    gone = tmp_path / "only-on-the-client.png"
    chunk = cluster.Chunk((batch.PageTask(str(gone), 1), batch.PageTask(str(pages[0]), 1)),
                          (str(gone), str(pages[0])), {str(gone): 1234, str(pages[0]): os.path.getsize(pages[0])}, {})
    out = _read(chunk).outcomes
    assert out[0].result.status is PageStatus.ERROR
    (reason,) = out[0].result.reasons
    assert reason.startswith("the Dask worker on ") and "cannot open this file" in reason
    assert reason.endswith("the workers must see the same files, at the same paths")
    assert out[1].result.status is PageStatus.OK  # the rest of the chunk is read


def test_another_file_at_the_same_path_is_an_error_not_a_wrong_reading(pages):
    size = os.path.getsize(pages[0])
    out = _read(_chunk([pages[0]], sizes={os.path.abspath(pages[0]): size + 1})).outcomes
    assert out[0].result.status is PageStatus.ERROR
    assert f"sees another file at this path ({size} bytes there, {size + 1} here)" in out[0].result.reasons[0]


def test_a_page_sent_with_its_record_is_not_read_again(pages, monkeypatch):
    (done,) = list(batch.run(batch.plan([pages[2]]), Ledger(None)))
    record = done.result.to_dict()
    record["total"] = 33.3  # the stored record, not a new reading, comes back
    monkeypatch.setattr(batch, "read_page", _must_not_read)
    (out,) = _read(_chunk([pages[2]], known={done.key: record})).outcomes
    assert out.reused and out.key == done.key and out.result.total == 33.3


def test_a_worker_running_another_srs_scan_reads_nothing(pages, monkeypatch):
    monkeypatch.setattr(batch, "read_page", _must_not_read)
    theirs = "srs-scan 0.0.1+000000000000; item_threshold=None"
    out = _read(_chunk(pages[:2]), settings=theirs).outcomes
    assert [o.result.status for o in out] == [PageStatus.ERROR] * 2
    assert "runs another srs-scan" in out[0].result.reasons[0] and "0.0.1+000000000000" in out[0].result.reasons[0]


def test_a_page_stuck_past_the_hard_limit_is_given_up_and_the_rest_sent_again(pages, monkeypatch):
    real = batch.read_page

    def stuck_on_p1(item, options=None):
        if item.source.endswith("p1.png"):
            time.sleep(20)  # in native code, as far as the time limit can tell
        return real(item, options=options)

    monkeypatch.setattr(batch, "read_page", stuck_on_p1)
    t0 = time.monotonic()
    result = _read(_chunk(pages[:3]), hard_limit=2.0)
    assert time.monotonic() - t0 < 15
    assert [Path(o.task.path).name for o in result.outcomes] == ["p0.png", "p1.png"]  # p2.png goes again
    assert result.outcomes[1].result.status is PageStatus.ERROR
    assert result.outcomes[1].result.reasons == ("reading the page did not finish within 2 s",)


def test_the_time_limit_holds_outside_the_main_thread(pages, monkeypatch):
    """A Dask worker reads in a thread, where SIGALRM cannot reach."""
    def busy(item, options=None):
        end = time.monotonic() + 30
        while time.monotonic() < end:  # Python code: the deadline stops it
            pass
        raise AssertionError("not stopped")

    monkeypatch.setattr(batch, "read_page", busy)
    reader = batch.Reader(ReadOptions(), timeout=1.0)
    out: list = []
    t0 = time.monotonic()
    thread = threading.Thread(target=lambda: out.append(reader.work(batch.PageTask(str(pages[0]), 1))))
    thread.start()
    thread.join(25)
    assert not thread.is_alive() and time.monotonic() - t0 < 25
    assert out[0].result.status is PageStatus.ERROR and "took longer than 1 s" in out[0].result.reasons[0]
    time.sleep(0.2)  # and nothing is raised in the thread later: it ended cleanly


def test_a_deadline_raises_only_before_it_is_cancelled():
    timed_out = 0
    for i in range(300):  # deadlines that end before, about when, or after they are cancelled
        try:
            deadline = batch._Deadline(0.001)
            try:
                end = time.monotonic() + (0.0005, 0.001, 0.02)[i % 3]
                while time.monotonic() < end:
                    pass
            finally:
                deadline.cancel()
        except batch.PageTimeout:
            timed_out += 1
    end = time.monotonic() + 0.3
    while time.monotonic() < end:  # a timeout sent but not raised was taken back: nothing comes now
        pass
    assert timed_out > 0


@pytest.mark.parametrize("text, expected", [
    ("local:2", cluster.Spec(local=2)),
    ("tcp://10.1.2.3:8786", cluster.Spec(address="tcp://10.1.2.3:8786")),
    ("tcp://scheduler.example", cluster.Spec(address="tcp://scheduler.example:8786")),
    ("tcp://[::1]:9000", cluster.Spec(address="tcp://[::1]:9000")),
])
def test_cluster_addresses(text, expected):
    assert cluster.parse(text) == expected


@pytest.mark.parametrize("text", ["local:0", "local:x", "local:999", "8786", "http://host:8786", "tcp://",
                                  "tcp://host:99999", "tcp://host:8786/path", "tcp://user@host:1"])
def test_bad_cluster_addresses_are_usage_errors(text):
    with pytest.raises(UsageProblem):
        cluster.parse(text)


# --- on a real cluster ------------------------------------------------------------------------


def _kill_on_p1():
    """A worker plugin (sent by value: the workers cannot import this test module) under which
    reading p1.png kills the worker's process, as a crash in a decoder or the OOM killer would."""
    import cloudpickle
    from distributed.diagnostics.plugin import WorkerPlugin

    class KillOnP1(WorkerPlugin):
        def setup(self, worker):
            import os
            import signal

            from srs_scan.ledger import batch

            real = batch.read_page

            def read_page(item, options=None):
                if item.source.endswith("p1.png"):
                    os.kill(os.getpid(), signal.SIGKILL)
                return real(item, options=options)

            batch.read_page = read_page

    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    return KillOnP1()


def test_a_page_that_kills_every_worker_is_an_error_and_the_rest_is_read(pages, monkeypatch):
    import dask
    from distributed import Client, LocalCluster

    monkeypatch.setattr(cluster, "CHUNKS_PER_THREAD", 1)  # chunks of 2 pages: p0 and p1 go together

    # one death allowed: the chunk fails after 2 deaths, the page alone after 2 more
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}), \
            LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                         silence_logs=50) as local, Client(local, set_as_default=False) as client:
        client.register_plugin(_kill_on_p1(), name="kill-on-p1")
        tasks = batch.plan(pages)
        t0 = time.monotonic()
        out = list(batch.run(tasks, Ledger(None), cluster=local.scheduler_address, timeout=30.0))
    assert time.monotonic() - t0 < 120
    assert [Path(o.task.path).name for o in out] == ["p0.png", "p1.png", "p2.png", "p3.png"]
    assert out[1].result.status is PageStatus.ERROR
    assert out[1].result.reasons == ("the page stopped every Dask worker that read it (2 workers): "
                                     "a crash in a decoder, or out of memory?",)
    for o in (out[0], out[2], out[3]):
        assert o.result.status is PageStatus.OK and o.result.total == pytest.approx(20.0, abs=0.2)


def _sleep_long() -> None:
    import time

    time.sleep(120)


def test_a_local_cluster_that_will_not_close_is_stopped_and_its_processes_ended():
    """After a Ctrl-C, Dask's orderly close of a LocalCluster can wait on workers that are
    gone (a full CI run once hung so past 60 s). _stop_local gives the close its timeout,
    whatever it raises, then ends the worker processes still there."""
    import multiprocessing
    import time

    from srs_scan.ledger import cluster

    asked = []

    class Stuck:
        def close(self, timeout=None):
            asked.append(timeout)
            raise TimeoutError("workers did not answer")

    worker = multiprocessing.get_context("spawn").Process(target=_sleep_long)
    worker.start()
    t0 = time.monotonic()
    cluster._stop_local(Stuck())
    assert asked == [cluster.LOCAL_CLOSE_TIMEOUT_S]
    assert not worker.is_alive()
    assert time.monotonic() - t0 < 5.0



def test_a_run_closed_after_its_cluster_ends_at_once(pages):
    """A run left open when its client and cluster were closed (Ctrl-C at the wrong moment,
    the run collected at interpreter exit) must not ask the closed client to cancel its
    chunks: its loop never answers, and the process hung (a CI run's Ctrl-C test, once in
    several runs)."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                      silence_logs=50) as local:
        client = Client(local, set_as_default=False)
        run = cluster._Dispatch(client, batch.plan(pages), Ledger(None), batch.Reader(ReadOptions()), 60.0,
                                cluster.Spec(local=1)).outcomes()
        assert next(run).result.status is PageStatus.OK
        assert run.gi_frame.f_locals["self"].out, "no chunk in flight: nothing to cancel"
        client.close()
        client.cancel = lambda *a, **k: time.sleep(60)  # as at exit: the loop stopped, never answering
    closed = threading.Thread(target=run.close, daemon=True)
    closed.start()
    closed.join(20)
    assert not closed.is_alive(), "closing the run hung on the closed client"
