"""``srs-scan scan`` as a library call: read files into the ledger and the outputs.

:func:`scan` reads every page of the request's files (in worker processes, resumable
through the ledger), writes the JSONL and CSV outputs atomically, and returns what the
run found. It calls ``on_page`` for each page in input order, so a caller can show
progress; it never prints.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from ..exceptions import SrsScanError, UsageProblem
from ..exports.records import CsvSink, json_record
from ..forms.definitions import all_forms
from ..forms.layouts import all_layouts
from ..ledger.assignments import compile_pattern, read_csv
from ..ledger.batch import DEFAULT_TIMEOUT_S, PageOutcome, cluster_module, plan
from ..ledger.batch import run as run_batch
from ..ledger.database import DATABASE_ERRORS
from ..ledger.location import LedgerPlace, ServerAddress
from ..ledger.store import Ledger, LedgerError, ledger_failure
from ..model import PageResult, PageStatus
from ..outputs import atomic_text_file, not_replaceable, remove_stale_temporaries, shown
from ..read.decode import SUPPORTED_SUFFIXES, PageFailure, expand_inputs
from ..read.pipeline import ReadOptions
from .assign import AssignOutcome, assign_file, assign_pattern

LEDGER_NAME = "srs-scan-ledger.sqlite"


@dataclass(frozen=True)
class ScanRequest:
    """What to read and where to write it. ``jsonl`` may be ``Path("-")`` (a stream)."""

    inputs: Sequence[Path]
    jsonl: Path | None = None
    csv_path: Path | None = None
    db_path: LedgerPlace | None = None  # a file or a server; None: beside the first output file, else in memory
    options: ReadOptions = field(default_factory=ReadOptions)
    workers: int = 1
    cluster: str | None = None  # a Dask cluster instead of local workers: tcp://HOST:PORT or local:N
    timeout: float = DEFAULT_TIMEOUT_S
    force: bool = False  # replace existing regular output files srs-scan did not write
    assign_file: Path | None = None  # an assignment CSV for the pages read (see jobs.assign)
    assign_pattern: str | None = None  # a file-name pattern such as {client}_{session}_{date}.pdf


@dataclass
class ScanSummary:
    """What a run found, for the end-of-run summary."""

    counts: dict[PageStatus, int]
    db_path: LedgerPlace | None
    review_pages: list[str] = field(default_factory=list)
    blank_only: int = 0  # review pages whose only finding is a line the client left blank
    unidentified: list[str] = field(default_factory=list)  # own forms whose QR code could not be read
    errors: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    reused: int = 0
    elapsed_s: float = 0.0
    unread_folders: list[str] = field(default_factory=list)  # "folder: reason", never silently skipped
    assigned: AssignOutcome | None = None

    @property
    def pages(self) -> int:
        return sum(self.counts.values())

    @property
    def forms(self) -> int:
        return self.counts[PageStatus.OK] + self.counts[PageStatus.REVIEW]

    def add(self, outcome: PageOutcome) -> None:
        result = outcome.result
        where = f"{shown(result.source)} p{result.page}"
        self.counts[result.status] += 1
        self.reused += outcome.reused
        if result.status is PageStatus.REVIEW:
            self.review_pages.append(where)
            if result.review_kind == "blank":
                self.blank_only += 1
        if result.status is PageStatus.ERROR:
            self.errors.append(f"{where}: {shown('; '.join(result.reasons))}")
        if result.layout is not None and result.form_id is None:
            self.unidentified.append(where)
        if any(w.startswith("possible duplicate") for w in result.warnings):
            self.duplicates.append(where)


def ledger_path(db: LedgerPlace | None, jsonl: Path | None, csv_path: Path | None) -> LedgerPlace | None:
    """The ledger: as given, else beside the first output file, else none (kept in memory)."""
    if db is not None:
        return db
    for out in (jsonl, csv_path):
        if out is not None and str(out) != "-":
            return out.resolve().parent / LEDGER_NAME
    return None


def check_outputs(files: Sequence[Path], jsonl: Path | None, csv_path: Path | None,
                  db: LedgerPlace | None = None, *, force: bool = False) -> None:
    """Refuse outputs that would overwrite an input, each other, something that is not a
    regular file, a file srs-scan did not write (unless ``force``), or go nowhere."""
    inputs = {f.resolve() for f in files}
    outs = [p for p in (jsonl, csv_path) if p is not None and str(p) != "-"]
    for out in outs:  # the output's own folder first: the ledger's default folder is the same
        if not out.resolve().parent.is_dir():
            raise UsageProblem(f"the folder for {out} does not exist")
    if isinstance(db, ServerAddress):
        db = None  # on a server: no file of ours to keep apart
    if db is not None:
        if db.resolve() in inputs or any(db.resolve() == o.resolve() for o in outs):
            raise UsageProblem(f"the ledger {db} cannot be an input or an output file")
        if not db.resolve().parent.is_dir():
            raise UsageProblem(f"the folder for the ledger {db} does not exist")
    if len(outs) == 2 and outs[0].resolve() == outs[1].resolve():
        raise UsageProblem("--jsonl and --csv name the same file: give them different names")
    for out in outs:
        if out.resolve() in inputs:
            raise UsageProblem(f"output file {out} is one of the inputs: inputs are never overwritten")
        if out.suffix.lower() in SUPPORTED_SUFFIXES:
            raise UsageProblem(f"output file {out} has an image/PDF extension: did you mean an input?")
    for target, kind in ((jsonl, "jsonl"), (csv_path, "csv")):
        if target is not None and str(target) != "-":
            problem = not_replaceable(target, kind, force=force)
            if problem is not None:
                raise UsageProblem(problem)
    if db is not None:
        problem = _not_a_ledger_file(db)
        if problem is not None:
            raise UsageProblem(problem)


def _not_a_ledger_file(db: Path) -> str | None:
    """A ledger path that names a link, pipe or device (or, for a new one, a folder
    that is not a folder) is refused: the ledger is only ever a regular file."""
    problem = not_replaceable(db, "jsonl", force=True)
    if problem is not None:
        return problem.replace("its outputs", "its ledger")
    return None


def prepare(request: ScanRequest, problems: list[PageFailure] | None = None) -> tuple[list[Path], LedgerPlace | None]:
    """The files to read and the ledger's path, once the request is checked; folders that
    cannot be listed go to ``problems``."""
    if request.cluster is not None:  # Dask installed and the address well formed, before anything is read
        cluster_module().parse(request.cluster)
    found: list[PageFailure] = [] if problems is None else problems
    files = expand_inputs(request.inputs, found)
    if not files and not found:
        raise UsageProblem(
            "no supported files found in the given folders "
            f"(supported: {', '.join(sorted(s.lstrip('.') for s in SUPPORTED_SUFFIXES))})"
        )
    db_path = ledger_path(request.db_path, request.jsonl, request.csv_path)
    check_outputs(files, request.jsonl, request.csv_path, db_path, force=request.force)
    if request.assign_file is not None or request.assign_pattern is not None:
        if db_path is None:
            raise UsageProblem("--assign and --assign-pattern keep the assignments in the ledger: give --db, "
                               "--jsonl FILE or --csv FILE")
        if request.assign_file is not None:  # a bad file is reported before any page is read
            try:
                read_csv(request.assign_file.read_text(encoding="utf-8-sig"))
            except OSError as exc:
                raise UsageProblem(f"cannot read the assignment file {request.assign_file}: "
                                   f"{exc.strerror or exc}") from exc
            except (ValueError, UnicodeDecodeError) as exc:
                raise UsageProblem(f"{request.assign_file}: {exc}") from exc
        if request.assign_pattern is not None:
            try:
                compile_pattern(request.assign_pattern)
            except ValueError as exc:
                raise UsageProblem(str(exc)) from exc
    all_forms()  # a broken installation is reported once, before any page is read
    all_layouts()
    request.options.forms()  # so is a clinic template that cannot be used (the file and the field)
    return files, db_path


def open_ledger(db_path: LedgerPlace | None) -> Ledger:
    """The run's ledger; an existing one is checked whole first (:class:`LedgerFailure`
    when it is damaged, with what to do)."""
    try:
        return Ledger(db_path, check=True)
    except LedgerError as exc:
        raise UsageProblem(str(exc)) from exc
    except DATABASE_ERRORS as exc:
        raise ledger_failure(exc, db_path) from exc


def scan(
    request: ScanRequest,
    *,
    stdout: IO[str] | None = None,
    on_start: Callable[[int], None] | None = None,
    on_page: Callable[[PageResult], None] | None = None,
) -> ScanSummary:
    """Read the request's files; ``stdout`` receives the JSONL when ``jsonl`` is ``-``.

    ``on_start(n_pages)`` is called once the pages are counted, ``on_page(result)`` after
    each page in input order. Raises :class:`UsageProblem` for a request that cannot be
    carried out (nothing is read then), ``OSError`` or LedgerFailure when an output
    or the ledger cannot be written (no output file is left half-written), and lets
    ``KeyboardInterrupt`` through the same way.
    """
    started = time.monotonic()
    problems: list[PageFailure] = []
    files, db_path = prepare(request, problems)
    ledger = open_ledger(db_path)
    for out in (request.jsonl, request.csv_path):
        if out is not None and str(out) != "-":
            remove_stale_temporaries(out)  # left by a run that was killed
    tasks = plan(files)
    if on_start is not None:
        on_start(len(tasks))
    summary = ScanSummary(counts={status: 0 for status in PageStatus}, db_path=db_path)
    for problem in problems:  # a folder not read is said, first, and counts in the exit code
        summary.unread_folders.append(f"{shown(problem.source)}: {problem.reason}")
        if on_page is not None:
            on_page(PageResult(problem.source, 0, PageStatus.ERROR, reasons=(problem.reason,)))
    with ExitStack() as stack:
        stack.callback(ledger.close)
        jsonl_handle: IO[str] | None = None
        if request.jsonl is not None and str(request.jsonl) == "-":
            jsonl_handle = stdout
        elif request.jsonl is not None:
            jsonl_handle = stack.enter_context(atomic_text_file(request.jsonl))
        most = max(form.lines for form in request.options.forms().values())  # item columns of the CSV
        csv_sink = CsvSink(stack.enter_context(atomic_text_file(request.csv_path)), most) if request.csv_path else None
        sources: set[str] = set()
        # closed here however the loop ends (Ctrl-C while a page is written): its workers are
        # stopped now, not when the interpreter collects it at exit, with Dask's loop gone
        outcomes = stack.enter_context(closing(run_batch(tasks, ledger, workers=request.workers,
                                                         options=request.options, timeout=request.timeout,
                                                         cluster=request.cluster)))
        for outcome in outcomes:
            summary.add(outcome)
            sources.add(outcome.result.source)
            if jsonl_handle is not None:
                jsonl_handle.write(json_record(outcome.result) + "\n")
            if csv_sink is not None:
                csv_sink.write(outcome.result)
            if on_page is not None:
                on_page(outcome.result)
        if request.assign_file is not None:
            summary.assigned = assign_file(ledger, request.assign_file, by=f"scan --assign {request.assign_file.name}",
                                           sources=sources)
        if request.assign_pattern is not None:
            by_pattern = assign_pattern(ledger, request.assign_pattern, by="scan --assign-pattern", sources=sources)
            if summary.assigned is None:
                summary.assigned = by_pattern
            else:
                summary.assigned.assigned += by_pattern.assigned
                summary.assigned.unchanged += by_pattern.unchanged
                summary.assigned.unmatched += by_pattern.unmatched
    summary.elapsed_s = time.monotonic() - started
    return summary


__all__ = ["LEDGER_NAME", "ScanRequest", "ScanSummary", "SrsScanError", "check_outputs", "ledger_path", "scan"]
