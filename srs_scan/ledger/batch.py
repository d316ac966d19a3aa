"""Batch runs: every page of many files, in parallel, in input order, resumable.

The unit of work is one page (:class:`PageTask`): a worker process opens the file, decodes
only that page (PDFium renders in the workers, one document per process), hashes it,
and reads it unless the ledger already has it. The parent process is the ledger's only
writer and yields the outcomes in input order, so outputs never depend on timing.

A page that raises, or runs past the per-page time limit, becomes an ``error`` page
with its reason; the batch goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from ..model import PageResult, PageStatus
from ..read import decode
from ..read.pipeline import ReadOptions, read_page
from . import corrections
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


# one per worker process
_ledger: Ledger | None = None
_options = ReadOptions()
_timeout = DEFAULT_TIMEOUT_S


def _init_worker(db: str | None, options: ReadOptions, timeout: float, parent: int | None = None) -> None:
    global _ledger, _options, _timeout
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGHUP, signal.SIG_IGN)  # so is a closed terminal: the parent stops its workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent stops its workers with SIGTERM
    _end_with_parent(parent if parent is not None else os.getppid())
    _ledger = Ledger(Path(db), readonly=True) if db else None
    _options, _timeout = options, timeout


PARENT_POLL_S = 1.0


def _end_with_parent(parent: int) -> None:
    """Make this worker end as soon as the process that started it ends, however it ends
    (kill -9 included): the kernel sends SIGKILL when the parent dies (Linux), and a
    watchdog thread checks the parent every second where that is not available."""
    import threading

    try:
        import ctypes

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


def _settings() -> str:
    """The worker's reading settings (see :func:`settings_key`); the parent's are the same."""
    return settings_key(**_options.settings())


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise PageTimeout


def _read_with_limit(item: decode.PageImage) -> PageResult:
    try:
        previous = signal.signal(signal.SIGALRM, _alarm)
    except ValueError:  # not the main thread: no time limit
        return read_page(item, options=_options)
    signal.setitimer(signal.ITIMER_REAL, _timeout)
    try:
        return read_page(item, options=_options)
    except PageTimeout:
        return PageResult(item.source, item.page, PageStatus.ERROR, dpi=item.dpi,
                          reasons=(f"reading the page took longer than {_timeout:g} s: skipped",))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def work(task: PageTask) -> PageOutcome:
    """Decode, hash and read one page (in a worker process)."""
    try:
        pages = list(decode.iter_pages(Path(task.path), source=task.path, only=task.page))
    except Exception as exc:  # noqa: BLE001 - one page must never stop the batch
        pages = [decode.PageFailure(task.path, task.page, f"page cannot be decoded ({type(exc).__name__})")]
    if not pages:
        pages = [decode.PageFailure(task.path, task.page, f"page {task.page} could not be found in the file")]
    item = pages[0]
    if isinstance(item, decode.PageFailure):
        return PageOutcome(task, None, PageResult(item.source, item.page, PageStatus.ERROR, reasons=(item.reason,)))
    key = page_hash(item.image, item.dpi)
    if _ledger is not None:
        record = _ledger.get(key, _settings())
        if record is not None:
            done = PageResult.from_dict(record)
            return PageOutcome(task, key, replace(done, source=task.path, page=task.page), reused=True)
    return PageOutcome(task, key, _read_with_limit(item))


def run(
    tasks: Sequence[PageTask],
    ledger: Ledger,
    *,
    workers: int = 1,
    options: ReadOptions | None = None,
    timeout: float = DEFAULT_TIMEOUT_S,
    hard_limit: float | None = None,
) -> Iterator[PageOutcome]:
    """Read ``tasks`` (see :func:`plan`), yielding outcomes in input order.

    ``timeout``: seconds a page may take (the worker stops it); ``hard_limit``: seconds
    after which the parent gives up on a page the worker could not stop (default
    1.5 x ``timeout`` + 30 s).

    New pages are recorded in ``ledger`` as they come in. A page seen twice in the run (the
    same image in two files) and a printed sheet seen before (the same QR sheet id on
    another page of the run) get a warning: possible duplicates are flagged, never merged.
    Flags depend only on this run's inputs, so a resumed run's outputs equal a clean run's.
    """
    opts = options or ReadOptions()
    db = str(ledger.path) if ledger.path is not None else None
    seen: dict[str, PageTask] = {}  # page hash or "sheet:<form id>" -> first task with it
    settings = settings_key(**opts.settings())
    if workers <= 1 or len(tasks) <= 1:
        _init_worker_inline(ledger, opts, timeout)
        outcomes: Iterator[PageOutcome] = map(work, tasks)
    else:
        limit = hard_limit if hard_limit is not None else HARD_LIMIT_FACTOR * timeout + 30.0
        outcomes = _in_workers(tasks, workers, (db, opts, timeout), hard_limit=limit)
    for outcome in outcomes:
        if outcome.key is not None:
            if outcome.key not in seen:  # a page seen before in this run is recorded already
                _record(outcome, ledger, settings, opts)
            outcome = _with_corrections(_flag_duplicates(outcome, seen), ledger, opts)
        yield outcome


def _new_pool(workers: int, initargs: tuple) -> ProcessPoolExecutor:
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
                        task = tasks[head]
                        yield PageOutcome(task, None, PageResult(task.path, task.page, PageStatus.ERROR,
                                                                 reasons=(why,)))
                        futures.pop(head, None)
                        careful_until = max(careful_until, max(unfinished, default=head) + 1)
                        break
                    careful_until = max(unfinished, default=head) + 1
                    futures[head] = pool.submit(work, tasks[head])
    finally:
        _kill(pool)


def _init_worker_inline(ledger: Ledger, options: ReadOptions, timeout: float) -> None:
    global _ledger, _options, _timeout
    _ledger, _options, _timeout = ledger, options, timeout


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
