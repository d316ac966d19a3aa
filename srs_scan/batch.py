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
import signal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from types import FrameType

from . import decode
from .ledger import Ledger, page_hash, settings_key
from .model import PageResult, PageStatus
from .pipeline import ReadOptions, read_page

DEFAULT_TIMEOUT_S = 120.0


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


class PageTimeout(Exception):
    pass


# one per worker process
_ledger: Ledger | None = None
_options = ReadOptions()
_timeout = DEFAULT_TIMEOUT_S


def _init_worker(db: str | None, options: ReadOptions, timeout: float) -> None:
    global _ledger, _options, _timeout
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent stops its workers with SIGTERM
    _ledger = Ledger(Path(db), readonly=True) if db else None
    _options, _timeout = options, timeout


def _settings() -> str:
    """The worker's reading settings (see :func:`settings_key`); the parent's are the same."""
    return settings_key(item_threshold=_options.item_threshold)


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
) -> Iterator[PageOutcome]:
    """Read ``tasks`` (see :func:`plan`), yielding outcomes in input order.

    New pages are recorded in ``ledger`` as they come in. A page seen twice in the run (the
    same image in two files) and a printed sheet seen before (the same QR sheet id on
    another page of the run) get a warning: possible duplicates are flagged, never merged.
    Flags depend only on this run's inputs, so a resumed run's outputs equal a clean run's.
    """
    opts = options or ReadOptions()
    db = str(ledger.path) if ledger.path is not None else None
    seen: dict[str, PageTask] = {}  # page hash or "sheet:<form id>" -> first task with it
    settings = settings_key(item_threshold=opts.item_threshold)
    if workers <= 1 or len(tasks) <= 1:
        _init_worker_inline(ledger, opts, timeout)
        outcomes: Iterator[PageOutcome] = map(work, tasks)
        pool = None
    else:
        pool = multiprocessing.get_context("fork").Pool(
            workers, initializer=_init_worker, initargs=(db, opts, timeout), maxtasksperchild=200
        )
        outcomes = pool.imap(work, tasks, chunksize=1)
    try:
        for outcome in outcomes:
            yield _flag_duplicates(outcome, ledger, seen, settings)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()


def _init_worker_inline(ledger: Ledger, options: ReadOptions, timeout: float) -> None:
    global _ledger, _options, _timeout
    _ledger, _options, _timeout = ledger, options, timeout


def _flag_duplicates(outcome: PageOutcome, ledger: Ledger, seen: dict[str, PageTask], settings: str) -> PageOutcome:
    key, result = outcome.key, outcome.result
    if key is None:
        return outcome
    notes: list[str] = []
    if key in seen:
        first = seen[key]
        notes.append(f"possible duplicate: the same image as {first.path} p{first.page}")
    else:
        seen[key] = outcome.task
        if result.form_id:
            sheet = f"sheet:{result.form_id}"
            if sheet in seen:
                first = seen[sheet]
                notes.append(f"possible duplicate: the same printed sheet (QR code) as {first.path} p{first.page}")
            else:
                seen[sheet] = outcome.task
        if not outcome.reused:
            ledger.put(key, settings, result.to_dict())
    if notes:
        result = replace(result, warnings=result.warnings + tuple(notes))
    return replace(outcome, result=result)
