"""Batch runs on a Dask cluster: a backlog's pages read by Dask workers, in chunks.

``--cluster tcp://HOST:8786`` connects to a running scheduler; ``--cluster local:N`` starts
a LocalCluster of N worker processes on this computer (one thread each, no dashboard,
quiet logs). :func:`read` stands in for the local process pool of :func:`batch.run`,
which still does everything else (recording in the ledger, duplicates, corrections), so
results, their order and resuming are those of a local run.

This process alone opens the ledger. Before a chunk is sent, it looks up the pages already
read at those places (:meth:`Ledger.keys_at`) and sends their stored records with it: a
worker decodes and hashes each page and skips one it was sent, so a resumed run reads only
the pages not done yet, and the workers never see the database. What a worker needs: the
files, at the same paths, and the same srs-scan.

Faults (each page still comes out, read or an error page with its reason):

* a worker lost mid-chunk (killed, out of memory, its machine gone): the scheduler gives
  the chunk to another worker (Dask's own retry);
* a chunk whose workers all die (:class:`distributed.KilledWorker`, after the scheduler's
  ``allowed-failures``): its pages are sent again one by one, and a page that still kills
  its workers is an error page;
* a page past ``--timeout``: stopped in the worker (:class:`batch.Reader`); a page stuck in
  native code past the hard limit: an error page, the rest of its chunk sent again and
  its worker restarted;
* a worker that cannot open a file or sees another one at that path (another size), or
  that runs another srs-scan: those pages are error pages saying so;
* the scheduler unreachable, without workers, or lost during the run:
  :class:`ClusterUnavailable` (one line; the pages recorded so far stay in the ledger).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import signal
import socket
import threading
import time
import warnings
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from distributed import Client, Future, KilledWorker, LocalCluster, as_completed, get_worker
from distributed.diagnostics.plugin import WorkerPlugin

from ..exceptions import ClusterUnavailable, UsageProblem
from ..read.pipeline import ReadOptions
from .batch import PageOutcome, PageTask, Reader, failed, reused
from .store import Ledger

DEFAULT_PORT = 8786  # dask scheduler's
MAX_LOCAL_WORKERS = 256
CHUNK_PAGES = 16  # pages of one task at most: Dask's cost per task (a few ms) spread over them
CHUNKS_PER_THREAD = 4  # a short run is cut finer, so that every worker gets pages
IN_FLIGHT_PER_THREAD = 2  # chunks sent per worker thread: one being read, the next one waiting
AHEAD_CHUNKS = 8  # per worker thread: how far past the oldest page still out results may pile up
CONNECT_TIMEOUT_S = 10.0
WORKERS_TIMEOUT_S = 60.0  # a scheduler without workers: how long to wait for the first one
LOCAL_CLOSE_TIMEOUT_S = 15.0  # a LocalCluster's orderly close; its processes are ended after it
REFRESH_S = 5.0  # how often the number of worker threads is asked again (workers come and go)
SAME_FILES = "the workers must see the same files, at the same paths"
USAGE = "--cluster takes tcp://HOST:PORT (a running Dask scheduler) or local:N (N worker processes here)"


@dataclass(frozen=True)
class Spec:
    """Where to read: a running scheduler (``address``) or ``local`` worker processes."""

    address: str | None = None
    local: int | None = None


def parse(text: str) -> Spec:
    """``tcp://HOST[:PORT]`` or ``local:N``; :class:`UsageProblem` for anything else."""
    given = text.strip()
    if given.lower().startswith("local:"):
        n = given[len("local:"):]
        if n.isdigit() and 1 <= int(n) <= MAX_LOCAL_WORKERS:
            return Spec(local=int(n))
        raise UsageProblem(f"--cluster {text}: local:N takes a number of worker processes, 1 to {MAX_LOCAL_WORKERS}")
    parts = urlsplit(given)
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        port = 0
    if parts.scheme.lower() != "tcp" or not parts.hostname or not port or parts.path not in ("", "/") \
            or parts.query or parts.fragment or parts.username:
        raise UsageProblem(f"{USAGE}, not {text}")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return Spec(address=f"tcp://{host}:{port}")


def read(tasks: Sequence[PageTask], ledger: Ledger, cluster: str, reader: Reader, *,
         hard_limit: float) -> Iterator[PageOutcome]:
    """The outcomes of ``tasks`` read on ``cluster``, in input order (see :func:`batch.run`)."""
    spec = parse(cluster)
    with _connected(spec) as client:
        try:
            yield from _Dispatch(client, tasks, ledger, reader, hard_limit, spec).outcomes()
        except OSError as exc:  # the connection to the scheduler broke (Dask's CommClosedError is one)
            raise _lost(spec) from exc


# --- the workers' side --------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """Pages for one task: ``where`` each file is (absolute paths), the size of each file as
    this computer sees it, and the stored records of pages read there before."""

    tasks: tuple[PageTask, ...]
    where: tuple[str, ...]
    sizes: dict[str, int | None]
    known: dict[str, dict[str, Any]]


@dataclass(frozen=True)
class ChunkResult:
    """The outcomes of the chunk's first pages, in order (all of them unless a page got
    stuck: then ``stuck`` is the worker's address, to be restarted, and the rest go again)."""

    outcomes: tuple[PageOutcome, ...]
    stuck: str | None = None


_one_page_at_a_time = threading.Lock()  # per worker process: PDFium is not thread-safe


def read_chunk(chunk: Chunk, options: ReadOptions, timeout: float, hard_limit: float,
               settings: str) -> ChunkResult:
    """Read one chunk (on a Dask worker). Never raises: a failure is an error page (a task
    that raised would have its arguments, file names, written to the worker's log)."""
    host = socket.gethostname()
    warnings.filterwarnings("ignore", category=UserWarning, module="PIL")  # as the CLI does
    reader = Reader(options, timeout, lambda key, _settings: chunk.known.get(key))
    outcomes: list[PageOutcome] = []
    try:
        ours, theirs = reader.settings().split(";")[0], settings.split(";")[0]
        if ours != theirs:
            why = (f"the Dask worker on {host} runs another srs-scan ({ours}) than this computer ({theirs}): "
                   "install the same srs-scan on every worker")
            return ChunkResult(tuple(failed(task, why) for task in chunk.tasks))
        problems: dict[str, str | None] = {}
        for task, path in zip(chunk.tasks, chunk.where, strict=True):
            if path not in problems:
                problems[path] = _cannot_open(path, chunk.sizes.get(path), host)
            problem = problems[path]
            if problem is not None:
                outcomes.append(failed(task, problem))
                continue
            outcome, started = _read_one(reader, task, path, hard_limit)
            if outcome is None:  # a page stuck in native code: this process is not sound any more
                if started:
                    outcomes.append(failed(task, f"reading the page did not finish within {hard_limit:.0f} s"))
                return ChunkResult(tuple(outcomes), stuck=_worker_address())
            outcomes.append(outcome)
    except Exception as exc:  # noqa: BLE001 - a bug: the pages say so, the batch goes on
        why = f"the Dask worker on {host} failed on this page ({type(exc).__name__}: please report it)"
        outcomes.extend(failed(task, why) for task in chunk.tasks[len(outcomes):])
    return ChunkResult(tuple(outcomes))


def _cannot_open(path: str, size: int | None, host: str) -> str | None:
    """Why the worker cannot read the file the client means, or None."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            seen = os.fstat(fd).st_size
        finally:
            os.close(fd)
    except OSError as exc:
        return f"the Dask worker on {host} cannot open this file ({exc.strerror or type(exc).__name__}): {SAME_FILES}"
    if size is not None and seen != size:
        return (f"the Dask worker on {host} sees another file at this path ({seen} bytes there, {size} here): "
                f"{SAME_FILES}")
    return None


def _read_one(reader: Reader, task: PageTask, path: str, hard_limit: float) -> tuple[PageOutcome | None, bool]:
    """One page read in a thread of its own, and whether it started: given up (None) when it has
    not finished ``hard_limit`` seconds after it started (stuck in native code, out of the time
    limit's reach), or could not start (a page stuck before it holds this process)."""
    started = threading.Event()
    box: list[PageOutcome | BaseException] = []

    def run() -> None:
        with _one_page_at_a_time:
            started.set()
            try:
                box.append(reader.work(task, path=path))
            except BaseException as exc:  # noqa: BLE001 - reported by the chunk
                box.append(exc)

    thread = threading.Thread(target=run, name="srs-scan-page", daemon=True)
    thread.start()
    if not started.wait(hard_limit):
        return None, False
    thread.join(hard_limit)
    if not box:
        return None, True
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0], True


def _worker_address() -> str | None:
    try:
        return str(get_worker().address)
    except ValueError:  # not on a worker (a direct call)
        return None


class _LocalWorker(WorkerPlugin):
    """A ``local:N`` worker: Ctrl-C and a closed terminal are the main process's to handle (it
    stops the workers); a worker ends when the main process does (Dask's own watch)."""

    idempotent = True

    def setup(self, worker: Any) -> None:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGHUP, signal.SIG_IGN)


# --- this process's side ------------------------------------------------------------------


@contextmanager
def _connected(spec: Spec) -> Iterator[Client]:
    """A client of the cluster, with Dask's logs quiet (they would name tasks and hosts on the
    user's terminal); a LocalCluster is started, and stopped at the end however the run ends."""
    # Dask's configuration gives some loggers levels of their own (distributed.client: warning)
    names = ["distributed", "dask", *(n for n in logging.root.manager.loggerDict if n.startswith(("distributed.",
                                                                                                   "dask.")))]
    loggers = [logging.getLogger(name) for name in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.CRITICAL + 1)  # nothing at all, its CRITICAL included: the run says what happened
    try:
        if spec.local is not None:
            local = LocalCluster(n_workers=spec.local, threads_per_worker=1, processes=True, host="127.0.0.1",
                                 dashboard_address=None, silence_logs=logging.CRITICAL)
            try:
                with Client(local, set_as_default=False) as client:
                    client.register_plugin(_LocalWorker(), name="srs-scan-local-worker")
                    yield client
            finally:
                _stop_local(local)
        else:
            with _client(spec) as client:
                yield client
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _stop_local(local: LocalCluster) -> None:
    """Stop a LocalCluster within ``LOCAL_CLOSE_TIMEOUT_S``, then end any of its worker
    processes still there: after a Ctrl-C (which reached the workers too) Dask's orderly
    close can wait on workers that are gone, and the run must end, not hang."""
    import multiprocessing

    try:
        local.close(timeout=LOCAL_CLOSE_TIMEOUT_S)
    except Exception:  # noqa: BLE001 - whatever stopped the close, the processes are ended below
        pass
    for child in multiprocessing.active_children():
        child.terminate()
        child.join(timeout=2.0)
        if child.is_alive():
            child.kill()


@contextmanager
def _client(spec: Spec) -> Iterator[Client]:
    assert spec.address is not None
    parts = urlsplit(spec.address)
    host, port = parts.hostname or "", parts.port or DEFAULT_PORT
    try:  # a refused connection or an unknown host is said at once, not after Dask's retries
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except socket.gaierror as exc:
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {spec.address}: unknown host {host}") from exc
    except OSError as exc:
        why = "no answer" if isinstance(exc, TimeoutError) else (exc.strerror or type(exc).__name__).lower()
        raise ClusterUnavailable(f"cannot reach the Dask scheduler at {spec.address} ({why}): is `dask scheduler` "
                                 f"running there, and port {port} open to this computer?") from exc
    try:
        client = Client(spec.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - whatever Dask says, one line
        raise ClusterUnavailable(f"cannot connect to a Dask scheduler at {spec.address} "
                                 f"({type(exc).__name__}): is it a Dask scheduler, of a version close to this "
                                 "computer's?") from exc
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except (TimeoutError, asyncio.TimeoutError) as exc:
            raise ClusterUnavailable(
                f"the Dask scheduler at {spec.address} has no workers (waited {WORKERS_TIMEOUT_S:.0f} s): start "
                f"`dask worker {spec.address} --nthreads 1` on computers that see the files") from exc
        yield client


class _Dispatch:
    """Chunks out, outcomes back in input order (one run)."""

    def __init__(self, client: Client, tasks: Sequence[PageTask], ledger: Ledger, reader: Reader,
                 hard_limit: float, spec: Spec) -> None:
        self.client, self.tasks, self.ledger, self.reader = client, tasks, ledger, reader
        self.hard_limit, self.spec = hard_limit, spec
        self.settings = reader.settings()
        self.where = [os.path.abspath(t.path) for t in tasks]
        self.places = ledger.keys_at(self.settings, set(self.where))
        self.sizes: dict[str, int | None] = {}
        self.threads, self.asked = self._threads(), time.monotonic()
        size = max(1, min(CHUNK_PAGES, math.ceil(len(tasks) / (CHUNKS_PER_THREAD * self.threads))))
        self.size = size
        # (pages, sent again): pages sent again go first
        self.todo: deque[tuple[list[int], bool]] = deque(
            (list(range(i, min(i + size, len(tasks)))), False) for i in range(0, len(tasks), size))
        # pages of a chunk whose workers all died, to be read alone and one at a time: a page read
        # beside the culprit (queued on its worker) would count that worker's deaths too
        self.suspects: list[int] = []
        self.suspect: Future | None = None
        self.out: dict[Future, list[int]] = {}
        self.done: dict[int, PageOutcome] = {}
        self.head = 0

    def outcomes(self) -> Iterator[PageOutcome]:
        arrived = as_completed(loop=self.client.loop)
        try:
            while self.head < len(self.tasks):
                self._send(arrived)
                while self.head in self.done:
                    yield self._as_locally(self.done.pop(self.head))
                    self.head += 1
                if self.head >= len(self.tasks):
                    break
                if not self.out:  # pragma: no cover - every page is out or done
                    raise RuntimeError(f"page {self.head} was never sent")
                self._arrived(next(arrived))
        finally:
            if self.out:
                self._cancel(list(self.out))

    def _threads(self) -> int:
        try:
            return max(1, sum(self.client.nthreads().values()))
        except Exception:  # noqa: BLE001 - asked again later
            return getattr(self, "threads", 1)

    def _send(self, arrived: as_completed) -> None:
        if time.monotonic() - self.asked > REFRESH_S:
            self.threads, self.asked = self._threads(), time.monotonic()
        if self.suspects and self.suspect is None:
            self.suspect = self._submit([self.suspects.pop(0)], 2, arrived)
        ahead = self.head + AHEAD_CHUNKS * self.threads * self.size
        while self.todo and len(self.out) < IN_FLIGHT_PER_THREAD * self.threads and self.todo[0][0][0] < ahead:
            pages, again = self.todo.popleft()
            self._submit(pages, 1 if again else 0, arrived)

    def _submit(self, pages: list[int], priority: int, arrived: as_completed) -> Future:
        chunk = Chunk(tuple(self.tasks[i] for i in pages), tuple(self.where[i] for i in pages),
                      {self.where[i]: self._size(self.where[i]) for i in pages}, self._known(pages))
        future = self.client.submit(read_chunk, chunk, self.reader.options, self.reader.timeout,
                                    self.hard_limit, self.settings, pure=False, priority=priority)
        self.out[future] = pages
        arrived.add(future)
        return future

    def _size(self, path: str) -> int | None:
        if path not in self.sizes:
            try:
                self.sizes[path] = os.stat(path).st_size
            except OSError:  # gone since it was counted: the worker says it cannot open it
                self.sizes[path] = None
        return self.sizes[path]

    def _known(self, pages: list[int]) -> dict[str, dict[str, Any]]:
        """The stored records of pages read before at these places (sent so they are not read again)."""
        known: dict[str, dict[str, Any]] = {}
        for i in pages:
            for key in self.places.get((self.where[i], self.tasks[i].page), ()):
                record = self.ledger.get(key, self.settings)
                if record is not None:
                    known[key] = record
        return known

    def _arrived(self, future: Future) -> None:
        pages = self.out.pop(future)
        if future is self.suspect:
            self.suspect = None
        if future.status == "finished":
            result: ChunkResult = future.result()
            self.done.update(zip(pages, result.outcomes, strict=False))
            if len(result.outcomes) < len(pages):
                self.todo.appendleft((pages[len(result.outcomes):], True))
            if result.stuck is not None:
                self._restart(result.stuck)
        elif future.status == "error":
            exc = future.exception()
            if isinstance(exc, KilledWorker) and len(pages) > 1:  # which page? each on its own
                self.suspects = sorted([*self.suspects, *pages])
            else:
                why = _failure(exc)
                self.done.update((i, failed(self.tasks[i], why)) for i in pages)
        else:  # cancelled or lost: the scheduler is gone
            raise _lost(self.spec)
        future.release()

    def _as_locally(self, outcome: PageOutcome) -> PageOutcome:
        """A page read anew whose pixels the ledger has after all (a file moved or renamed, or a
        copy of a page read earlier) is taken from the ledger, as a local worker's lookup takes it.
        (A local run with several workers may read a copy that comes close after its first again,
        having looked it up before the first was recorded: the same result, only not counted as
        taken from the ledger.)"""
        if outcome.key is not None and not outcome.reused:
            record = self.ledger.get(outcome.key, self.settings)
            if record is not None:
                return reused(outcome.task, outcome.key, record)
        return outcome

    def _restart(self, worker: str) -> None:
        """The worker with a page stuck in native code is restarted (by its nanny), as the
        local pool replaces such a process."""
        try:
            self.client.restart_workers([worker], raise_for_error=False)
        except Exception:  # noqa: BLE001 - a worker that cannot be restarted reads on, one thread short
            pass

    def _cancel(self, futures: list[Future]) -> None:
        if self.client.status != "running":  # closed: its loop would never answer
            return
        try:
            self.client.cancel(futures)
        except Exception:  # noqa: BLE001 - the cluster is gone already
            pass



def _lost(spec: Spec) -> ClusterUnavailable:
    return ClusterUnavailable(f"lost the Dask cluster {spec.address or f'local:{spec.local}'} during the run: the "
                              "pages read so far are kept in the ledger; run the same command again to go on")


def _failure(exc: BaseException | None) -> str:
    """Why the workers could not read a page, for its error line."""
    if isinstance(exc, KilledWorker):
        n = exc.allowed_failures + 1
        return (f"the page stopped every Dask worker that read it ({n} worker{'s' if n != 1 else ''}): "
                "a crash in a decoder, or out of memory?")
    if isinstance(exc, ModuleNotFoundError):
        return (f"the Dask worker cannot run srs-scan (no module {exc.name}): install the same srs-scan on "
                "every worker")
    return f"the Dask workers could not read this page ({type(exc).__name__})"
