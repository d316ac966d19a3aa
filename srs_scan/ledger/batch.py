"""Batch runs: every page of many files, in parallel, in input order, resumable.

The unit of work is one page (:class:`PageTask`): a worker process opens the file, decodes
only that page (PDFium renders in the workers, one document per process), hashes it,
and reads it unless the ledger already has it. The parent process is the ledger's only
writer and yields the outcomes in input order, so outputs never depend on timing.

A page that raises, or runs past the per-page time limit, becomes an ``error`` page
with its reason; the batch goes on.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType, ModuleType
from typing import Any

import cv2

from ..exceptions import UsageProblem
from ..model import PageResult, PageStatus
from ..read import decode
from ..read.pipeline import ReadOptions, read_page
from . import corrections
from .location import location
from .store import PAGE_ID_LENGTH, Ledger, page_hash, settings_key

DEFAULT_TIMEOUT_S = 120.0
HARD_LIMIT_FACTOR = 1.5  # the parent gives up on a page after this x the time limit (+ 30 s)


@dataclass(frozen=True)
class PageTask:
    path: str
    page: int  # 1-based


@dataclass(frozen=True)
class PageOutcome:
    task: PageTask
    key: str | None  # the page's content hash (None: it could not be decoded)
    result: PageResult
    reused: bool = False  # taken from the ledger, not read again


def plan(files: Sequence[Path]) -> list[PageTask]:
    """One task per page of every file, in input order."""
    return [PageTask(str(f), n) for f in files for n in range(1, decode.page_count(f) + 1)]


class PageTimeout(BaseException):  # not an Exception: the pipeline's "one bad page" handler must let it through
    pass


Lookup = Callable[[str, str], dict[str, Any] | None]  # (page hash, settings) -> stored record, or None


@dataclass(frozen=True)
class Reader:
    """How a worker reads pages: the reading options, the time limit of one page, and
    where to find pages read before (``lookup``: :meth:`Ledger.get`, or a cluster
    worker's pages sent with its chunk; None: every page is read)."""

    options: ReadOptions = field(default_factory=ReadOptions)
    timeout: float = DEFAULT_TIMEOUT_S
    lookup: Lookup | None = None

    def settings(self) -> str:
        """This process's reading settings (see :func:`settings_key`): the tool version and code
        included, so a worker running other code than the parent's can be told."""
        return settings_key(**self.options.settings())

    def work(self, task: PageTask, *, path: str | None = None) -> PageOutcome:
        """Decode, hash and read one page; ``path``: where to open the file, when that is
        not ``task.path`` (a cluster worker gets absolute paths); the page keeps ``task.path``."""
        where = task.path if path is None else path
        try:
            pages = list(decode.iter_pages(Path(where), source=task.path, only=task.page))
        except Exception as exc:  # noqa: BLE001 - one page must never stop the batch
            pages = [decode.PageFailure(task.path, task.page, f"page cannot be decoded ({type(exc).__name__})")]
        if not pages:
            pages = [decode.PageFailure(task.path, task.page, f"page {task.page} could not be found in the file")]
        item = pages[0]
        if isinstance(item, decode.PageFailure):
            return PageOutcome(task, None, PageResult(item.source, item.page, PageStatus.ERROR, reasons=(item.reason,)))
        key = page_hash(item.image, item.dpi)
        if self.lookup is not None:
            record = self.lookup(key, self.settings())
            if record is not None:
                return reused(task, key, record)
        return PageOutcome(task, key, self.read_with_limit(item))

    def read_with_limit(self, item: decode.PageImage) -> PageResult:
        """The page read, or an error page when it takes longer than ``timeout`` (SIGALRM in a
        process's main thread; elsewhere, a Dask worker's thread, :class:`_Deadline`)."""
        try:
            previous = signal.signal(signal.SIGALRM, _alarm)
        except ValueError:  # not the main thread
            return self._read_in_thread(item)
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            return read_page(item, options=self.options)
        except PageTimeout:
            return self._too_long(item)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    def _read_in_thread(self, item: decode.PageImage) -> PageResult:
        deadline = _Deadline(self.timeout)
        try:
            try:
                return read_page(item, options=self.options)
            finally:
                deadline.cancel()
        except PageTimeout:
            return self._too_long(item)

    def _too_long(self, item: decode.PageImage) -> PageResult:
        return PageResult(item.source, item.page, PageStatus.ERROR, dpi=item.dpi,
                          reasons=(f"reading the page took longer than {self.timeout:g} s: skipped",))


def reused(task: PageTask, key: str, record: dict[str, Any]) -> PageOutcome:
    """A page taken from the ledger, where it is now."""
    done = PageResult.from_dict(record)
    return PageOutcome(task, key, replace(done, source=task.path, page=task.page), reused=True)


def failed(task: PageTask, reason: str) -> PageOutcome:
    """A page that could not be read, with the reason."""
    return PageOutcome(task, None, PageResult(task.path, task.page, PageStatus.ERROR, reasons=(reason,)))


class _Deadline:
    """The time limit of a page read outside a main thread, where SIGALRM cannot reach: when
    the time is up, :class:`PageTimeout` is raised in the reading thread (at its next Python
    instruction; a call into native code runs to its end first, as with SIGALRM, and a page
    stuck there is the caller's hard limit's)."""

    def __init__(self, seconds: float) -> None:
        self._thread = threading.get_ident()
        self._lock = threading.Lock()
        self._armed, self._sent = True, False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        with self._lock:
            if self._armed:
                _raise_in(self._thread, PageTimeout)
                self._sent = True

    def cancel(self) -> None:
        with self._lock:
            self._armed = False
            self._timer.cancel()
            if self._sent:  # sent but perhaps not raised yet: taken back, never raised later elsewhere
                _raise_in(self._thread, None)


def _raise_in(thread: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(exc) if exc else None)


# one per worker process
_reader = Reader()


def _init_worker(db: str | None, options: ReadOptions, timeout: float, parent: int | None = None) -> None:
    global _reader
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # so is a closed terminal: the parent stops its workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent stops its workers with SIGTERM
    _end_with_parent(parent if parent is not None else os.getppid())
    # the worker's own connection (never one inherited across fork): a file path or a server's address
    ledger = Ledger(location(db), readonly=True) if db else None
    _reader = Reader(options, timeout, ledger.get if ledger is not None else None)


PARENT_POLL_S = 1.0


def _end_with_parent(parent: int) -> None:
    """Make this worker end as soon as the process that started it ends, however it ends
    (kill -9 included): the kernel sends SIGKILL when the parent dies (Linux), and a
    watchdog thread checks the parent every second where that is not available."""
    try:
        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the watchdog alone
        pass
    if os.getppid() != parent:  # the parent died before the kernel was asked to watch it
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(PARENT_POLL_S)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="srs-scan-parent-watchdog", daemon=True).start()


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise PageTimeout


def work(task: PageTask) -> PageOutcome:
    """Decode, hash and read one page (in a worker process of the pool)."""
    return _reader.work(task)


def run(
    tasks: Sequence[PageTask],
    ledger: Ledger,
    *,
    workers: int = 1,
    options: ReadOptions | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    hard_limit: float | None = None,
    cluster: str | None = None,
) -> Generator[PageOutcome, None, None]:
    """Read ``tasks`` (see :func:`plan`), yielding outcomes in input order.

    ``timeout``: seconds a page may take (the worker stops it); ``hard_limit``: seconds
    after which the parent gives up on a page the worker could not stop (default
    1.5 x ``timeout`` + 30 s). ``cluster``: read on a Dask cluster instead of ``workers``
    local processes (``tcp://HOST:PORT`` or ``local:N``, see :mod:`.cluster`).

    New pages are recorded in ``ledger`` as they come in. A page seen twice in the run (the
    same image in two files) and a printed sheet seen before (the same QR sheet id on
    another page of the run) get a warning: possible duplicates are flagged, never merged.
    Flags depend only on this run's inputs, so a resumed run's outputs equal a clean run's.
    """
    opts = options or ReadOptions()
    db = ledger.address()  # what a worker opens (a path, or a server's address with its password)
    seen: dict[str, PageTask] = {}  # page hash or "sheet:<form id>" -> first task with it
    settings = settings_key(**opts.settings())
    limit = hard_limit if hard_limit is not None else HARD_LIMIT_FACTOR * timeout + 30.0
    if cluster is not None:
        outcomes: Iterator[PageOutcome] = cluster_module().read(tasks, ledger, cluster, Reader(opts, timeout),
                                                                 hard_limit=limit)
    elif workers <= 1 or len(tasks) <= 1:
        _init_worker_inline(ledger, opts, timeout)
        outcomes = map(work, tasks)
    else:
        outcomes = _in_workers(tasks, workers, (db, opts, timeout), hard_limit=limit)
    try:
        for outcome in outcomes:
            if outcome.key is not None:
                if outcome.key not in seen:  # a page seen before in this run is recorded already
                    _record(outcome, ledger, settings, opts)
                outcome = _with_corrections(_flag_duplicates(outcome, seen), ledger, opts)
            yield outcome
    finally:  # the workers stopped when this run is closed, not when it is collected
        close = getattr(outcomes, "close", None)
        if close is not None:
            close()


NEEDS_DASK = '--cluster needs Dask, an optional part of srs-scan: pip install "srs-scan[cluster]"'


def cluster_module() -> ModuleType:
    """:mod:`.cluster`, or :class:`UsageProblem` when Dask (an optional extra) is not installed."""
    try:
        from . import cluster
    except ImportError as exc:
        if (exc.name or "").split(".")[0] in ("dask", "distributed"):
            raise UsageProblem(NEEDS_DASK) from exc
        raise
    return cluster


def _new_pool(workers: int, initargs: tuple) -> ProcessPoolExecutor:
    if workers > 1:
        # one OpenCV thread a worker: the workers already fill the cores, and OpenCV's own
        # threads cost more than they give on strip-sized images (labelling 6x slower on 2
        # cores). Set here, in the parent, before the fork: setting it in a forked child
        # can deadlock on the thread pool it inherited.
        cv2.setNumThreads(1)
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                               initializer=_init_worker, initargs=(*initargs, os.getpid()))


def _kill(pool: ProcessPoolExecutor) -> None:
    """Stop a pool at once, hung or broken workers included."""
    procs = list(getattr(pool, "_processes", {}).values())  # no public way before Python 3.14
    for proc in procs:
        try:
            proc.kill()
        except Exception:  # noqa: BLE001 - already gone
            pass
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.join(timeout=2.0)


def _in_workers(
    tasks: Sequence[PageTask], workers: int, initargs: tuple, *, hard_limit: float
) -> Iterator[PageOutcome]:
    """Outcomes of ``tasks`` from worker processes, in input order.

    A worker that dies (out of memory, a crash in native code) or a page that hangs past
    ``hard_limit`` inside native code, where the worker's own time limit cannot reach it,
    must not hang the batch: the pool is replaced, and the pages that were in flight are
    read again one at a time, so that a page that breaks the pool again is known for
    certain; that page, or a page that hung, becomes an error page.
    """
    window = 4 * workers  # pages in flight: bounded memory, busy workers
    pool = _new_pool(workers, initargs)
    futures: dict[int, Future[PageOutcome]] = {}
    careful_until = 0  # pages before this index are read one at a time
    try:
        for head in range(len(tasks)):
            width = 1 if head < careful_until else window
            for i in range(head, min(len(tasks), head + width)):
                if i not in futures:
                    futures[i] = pool.submit(work, tasks[i])
            while True:
                try:
                    outcome = futures[head].result(timeout=hard_limit)
                    del futures[head]
                    yield outcome
                    break
                except (BrokenProcessPool, FutureTimeout) as exc:
                    hung = isinstance(exc, FutureTimeout)
                    _kill(pool)
                    pool = _new_pool(workers, initargs)
                    # pages already read are kept; the others are read again, one at a time
                    kept = {i: f for i, f in futures.items()
                            if f.done() and not f.cancelled() and f.exception() is None}
                    unfinished = [i for i in futures if i not in kept]
                    futures = kept
                    alone = head < careful_until and unfinished == [head]  # it broke the pool by itself
                    if hung or alone:
                        why = (f"reading the page did not finish within {hard_limit:.0f} s" if hung
                               else "the page stopped the reading process (a crash in a decoder?)")
                        yield failed(tasks[head], why)
                        futures.pop(head, None)
                        careful_until = max(careful_until, max(unfinished, default=head) + 1)
                        break
                    careful_until = max(unfinished, default=head) + 1
                    futures[head] = pool.submit(work, tasks[head])
    finally:
        _kill(pool)


def _init_worker_inline(ledger: Ledger, options: ReadOptions, timeout: float) -> None:
    global _reader
    _reader = Reader(options, timeout, ledger.get)


def _record(outcome: PageOutcome, ledger: Ledger, settings: str, opts: ReadOptions) -> None:
    """Keep a new reading in the ledger (with where the page is and where its lines are),
    or, for a reading taken from the ledger, where the page is now."""
    assert outcome.key is not None
    path = os.path.abspath(outcome.task.path)
    if outcome.reused:
        # the same pixels in another place (files moved): the audit finds them there now
        ledger.moved(outcome.key, outcome.task.path, outcome.task.page, path)
    elif outcome.result.status is not PageStatus.ERROR:  # errors are tried again next time
        form = opts.forms().get(outcome.result.form) if outcome.result.form else None
        ledger.put(outcome.key, settings, outcome.result.to_dict(), path=path,
                   item_threshold=opts.item_threshold, geometry=outcome.result.drawing_geometry(),
                   template=form if form is not None and form.source is not None else None)


def _flag_duplicates(outcome: PageOutcome, seen: dict[str, PageTask]) -> PageOutcome:
    """Warn about a page whose image, or whose printed sheet, came earlier in the run."""
    assert outcome.key is not None
    first = _first_seen(seen, outcome.key, outcome.task)
    if first is not None:
        note = f"possible duplicate: the same image as {first.path} p{first.page}"
    elif outcome.result.form_id and (first := _first_seen(seen, f"sheet:{outcome.result.form_id}", outcome.task)):
        note = f"possible duplicate: the same printed sheet (QR code) as {first.path} p{first.page}"
    else:
        return outcome
    return replace(outcome, result=replace(outcome.result, warnings=outcome.result.warnings + (note,)))


def _first_seen(seen: dict[str, PageTask], key: str, task: PageTask) -> PageTask | None:
    """The earlier task with ``key``, or None (and ``task`` is now the first with it)."""
    if key in seen:
        return seen[key]
    seen[key] = task
    return None


def _with_corrections(outcome: PageOutcome, ledger: Ledger, opts: ReadOptions) -> PageOutcome:
    """The page with its id and a person's corrections, which stand whatever the machine reads now."""
    assert outcome.key is not None
    result = replace(outcome.result, page_id=outcome.key[:PAGE_ID_LENGTH])
    trail = ledger.corrections_for(outcome.key)
    if trail:
        form = opts.forms().get(result.form) if result.form else None
        result = corrections.apply(result, trail, item_threshold=opts.item_threshold, form=form)
    return replace(outcome, result=result)
