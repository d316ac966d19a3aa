"""Command line: a thin layer over :mod:`srs_scan.pipeline`.

Exceptions become exit codes here and only here.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import time
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from . import __version__
from .batch import DEFAULT_TIMEOUT_S, plan
from .batch import run as run_batch
from .decode import SUPPORTED_SUFFIXES, expand_inputs
from .exceptions import ExitCode, SrsScanError
from .forms import all_forms
from .layouts import PAPERS_MM, all_layouts
from .ledger import Ledger
from .model import PageStatus
from .pipeline import ReadOptions
from .printing import parse_sessions, plan_sheets, render_pdf
from .report import (
    CsvSink,
    atomic_text_file,
    format_summary,
    json_record,
    remove_stale_temporaries,
    write_bytes_atomically,
)

LEDGER_NAME = "srs-scan-ledger.sqlite"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="srs-scan")
def main() -> None:
    """Read paper Session Rating Scale (SRS) and Outcome Rating Scale (ORS) forms."""


@main.command()
@click.argument(
    "inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option("--jsonl", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one JSON record per page to FILE ('-' for standard output).")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write one CSV row per page to FILE.")
@click.option(
    "--item-threshold",
    type=click.FloatRange(0.0, 10.0),
    default=None,
    help="Flag SRS items scoring below this (default 9.0).",
)
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Pages read in parallel (default: one per CPU core).")
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The ledger of pages read (SQLite). Default: srs-scan-ledger.sqlite beside the "
                   "output files; a re-run reads only the pages not yet in it.")
@click.option("--timeout", type=click.FloatRange(1.0, 3600.0), default=DEFAULT_TIMEOUT_S, show_default=True,
              help="Seconds one page may take before it is given up as an error.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the end-of-run summary (no progress bar).")
def scan(inputs: tuple[Path, ...], jsonl: Path | None, csv_path: Path | None,
         item_threshold: float | None, workers: int | None, db_path: Path | None, timeout: float,
         quiet: bool) -> None:
    """Read the forms in INPUT files and folders (PDF, TIFF, PNG, JPEG, HEIC).

    Prints each page's scores, total and flags. Pages that need a person are marked
    REVIEW with the reason; a line with no mark is reported missing, never 0.

    Every page read is kept in a ledger (see --db): after Ctrl-C, a crash or a kill,
    running the same command again reads only the pages not done yet, and writes the
    same outputs a clean run would.

    Exit code: 0 when every page was read (review pages included), 1 when some
    pages or files could not be read, 3 when none could, 2 for usage errors,
    4 when an output file could not be written, 130 when interrupted.
    """
    # Pillow's complaints about damaged metadata are not for the user: a page that cannot
    # be read is reported as such
    warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
    started = time.monotonic()
    files = expand_inputs(inputs)
    if not files:
        raise click.UsageError(
            "no supported files found in the given folders "
            f"(supported: {', '.join(sorted(s.lstrip('.') for s in SUPPORTED_SUFFIXES))})"
        )
    db_path = _ledger_path(db_path, jsonl, csv_path)
    _check_outputs(files, jsonl, csv_path, db_path)
    try:
        all_forms()  # a broken installation is reported once, before any page is read
        all_layouts()
    except SrsScanError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        ledger = Ledger(db_path)
    except sqlite3.Error as exc:
        raise click.UsageError(f"cannot use {db_path} as the ledger: {exc}") from exc
    options = ReadOptions(item_threshold=item_threshold)
    for out in (jsonl, csv_path):
        if out is not None and str(out) != "-":
            remove_stale_temporaries(out)  # left by a run that was killed
    tasks = plan(files)
    counts = {status: 0 for status in PageStatus}
    review_pages: list[str] = []
    unidentified: list[str] = []  # our own forms whose QR code could not be read
    errors: list[str] = []
    duplicates: list[str] = []
    reused = 0
    to_stdout = jsonl is not None and str(jsonl) == "-"
    quiet = quiet or to_stdout  # stdout carries the records: everything else to stderr
    bar = tqdm(total=len(tasks), unit="page", file=sys.stderr, dynamic_ncols=True,
               disable=quiet or not sys.stderr.isatty())
    try:
        with ExitStack() as stack:
            stack.enter_context(_terminate_cleanly())
            stack.callback(bar.close)
            stack.callback(ledger.close)
            jsonl_handle = None
            if to_stdout:
                jsonl_handle = sys.stdout
            elif jsonl is not None:
                jsonl_handle = stack.enter_context(atomic_text_file(jsonl))
            csv_sink = CsvSink(stack.enter_context(atomic_text_file(csv_path))) if csv_path else None
            for outcome in run_batch(tasks, ledger, workers=workers or os.cpu_count() or 1,
                                     options=options, timeout=timeout):
                result = outcome.result
                where = f"{result.source} p{result.page}"
                counts[result.status] += 1
                reused += outcome.reused
                if result.status is PageStatus.REVIEW:
                    review_pages.append(where)
                if result.status is PageStatus.ERROR:
                    errors.append(f"{where}: {'; '.join(result.reasons)}")
                if result.layout is not None and result.form_id is None:
                    unidentified.append(where)
                if any(w.startswith("possible duplicate") for w in result.warnings):
                    duplicates.append(where)
                if jsonl_handle is not None:
                    jsonl_handle.write(json_record(result) + "\n")
                if csv_sink is not None:
                    csv_sink.write(result)
                if not quiet or result.status is PageStatus.ERROR:
                    text = format_summary(result)
                    if bar.disable:
                        click.echo(text, err=result.status is PageStatus.ERROR and quiet)
                    else:
                        bar.write(text, file=sys.stderr if quiet else sys.stdout)
                bar.update()
    except SrsScanError as exc:
        click.echo(f"srs-scan: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        click.echo("\nsrs-scan: interrupted: no output file was written or changed; run the same command "
                   "again to go on where it stopped", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    except sqlite3.Error as exc:
        click.echo(f"srs-scan: the ledger {db_path} cannot be written ({exc}): no output file was written",
                   err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))

    pages = sum(counts.values())
    forms = counts[PageStatus.OK] + counts[PageStatus.REVIEW]
    elapsed = time.monotonic() - started
    rate = f", {60.0 * pages / elapsed:.0f} pages/min" if elapsed > 0 and pages else ""
    click.echo(
        ("" if quiet else "\n")
        + f"{pages} page(s): {forms} form(s) read ({counts[PageStatus.REVIEW]} to review), "
        f"{counts[PageStatus.NO_FORM]} without a form, {counts[PageStatus.ERROR]} unreadable "
        f"- {elapsed:.1f} s{rate}" + (f"; {reused} taken from the ledger" if reused else ""),
        err=quiet,
    )
    if review_pages:
        click.echo("review: " + ", ".join(review_pages), err=quiet)
    if errors:
        click.echo("unreadable: " + " | ".join(errors), err=quiet)
    if duplicates:
        click.echo(f"{len(duplicates)} possible duplicate(s), flagged not merged: " + ", ".join(duplicates),
                   err=quiet)
    if unidentified:
        click.echo(
            f"{len(unidentified)} srs-scan form(s) with an unreadable QR code (client and session unknown): "
            + ", ".join(unidentified),
            err=quiet,
        )
    for out, label in ((jsonl, "JSONL"), (csv_path, "CSV")):
        if out is not None and str(out) != "-":
            click.echo(f"{label} written to {out}", err=quiet)
    if pages and counts[PageStatus.ERROR] == pages:
        sys.exit(int(ExitCode.NOTHING_READ))
    if counts[PageStatus.ERROR]:
        sys.exit(int(ExitCode.SOME_FAILED))


def _ledger_path(db: Path | None, jsonl: Path | None, csv_path: Path | None) -> Path | None:
    """The ledger: as given, else beside the first output file, else none (kept in memory)."""
    if db is not None:
        return db
    for out in (jsonl, csv_path):
        if out is not None and str(out) != "-":
            return out.resolve().parent / LEDGER_NAME
    return None


@main.command("print")
@click.option("--form", "form_id", required=True, metavar="srs|ors", help="Which form to print.")
@click.option("--paper", type=click.Choice(sorted(PAPERS_MM), case_sensitive=False), default="a4",
              show_default=True,
              help="Paper size; the form is centred and its lines are 100 mm on either.")
@click.option("--client", default=None,
              help="Client ID, printed on the form and in its QR code so scans need no typing "
                   "(letters, digits, '.', '_', '-'; a pseudonymous ID, never a name or birth date).")
@click.option("--sessions", default=None, metavar="LIST",
              help="One sheet per session number, e.g. 1-12 or 1,3,5-7.")
@click.option("--copies", type=click.IntRange(1, 1000), default=1, show_default=True,
              help="Copies of the run (collated: every session once, then again).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write.")
@click.option("--force", is_flag=True, help="Replace OUTPUT if it already exists.")
def print_forms(form_id: str, paper: str, client: str | None, sessions: str | None, copies: int,
                output: Path, force: bool) -> None:
    """Print srs-scan's own SRS or ORS forms (vector PDF).

    One form per page. Each form has four lines of exactly 100 mm, corner markers and a QR code with the
    form type, layout, a sheet id and (when given) the client ID and session number:
    srs-scan reads these forms faster and fills in client and session by itself.

    Print at 100 % ("Actual size"), not "Fit to page"; each form has a 100 mm check
    bar to measure with a ruler.
    """
    try:
        forms = sorted({lay.form for lay in all_layouts().values()})
    except SrsScanError as exc:
        raise click.ClickException(str(exc)) from exc
    if form_id.lower() not in forms:
        raise click.BadParameter(f"'{form_id}' is not one of {', '.join(forms)}", param_hint="--form")
    if output.suffix.lower() != ".pdf":
        raise click.BadParameter(f"{output} does not end in .pdf", param_hint="-o/--output")
    if not output.resolve().parent.is_dir():
        raise click.BadParameter(f"the folder for {output} does not exist", param_hint="-o/--output")
    if output.exists() and not force:
        raise click.BadParameter(
            f"{output} already exists (it could be a batch of scans): choose another name or add --force",
            param_hint="-o/--output",
        )
    paper = paper.lower()
    try:
        numbers = parse_sessions(sessions) if sessions is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sessions") from exc
    try:
        sheets = plan_sheets(form_id.lower(), client=client, sessions=numbers, copies=copies)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    pdf = render_pdf(sheets, paper=paper, title=f"srs-scan {form_id.upper()} forms")
    try:
        write_bytes_atomically(output, pdf)
    except OSError as exc:
        click.echo(f"srs-scan: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    click.echo(
        f"{len(sheets)} {form_id.upper()} form(s) on {'A4' if paper == 'a4' else 'US Letter'} paper written to "
        f"{output}.\nPrint at 100 % (Actual size), not 'Fit to page'; the check bar on each form must "
        "measure 100 mm."
    )


def _check_outputs(files: list[Path], jsonl: Path | None, csv_path: Path | None, db: Path | None = None) -> None:
    """Refuse outputs that would overwrite an input, each other, or go nowhere."""
    inputs = {f.resolve() for f in files}
    outs = [p for p in (jsonl, csv_path) if p is not None and str(p) != "-"]
    if db is not None:
        if db.resolve() in inputs or any(db.resolve() == o.resolve() for o in outs):
            raise click.UsageError(f"the ledger {db} cannot be an input or an output file")
        if not db.resolve().parent.is_dir():
            raise click.UsageError(f"the folder for the ledger {db} does not exist")
    if len(outs) == 2 and outs[0].resolve() == outs[1].resolve():
        raise click.UsageError("--jsonl and --csv name the same file: give them different names")
    for out in outs:
        if out.resolve() in inputs:
            raise click.UsageError(f"output file {out} is one of the inputs: inputs are never overwritten")
        if out.suffix.lower() in SUPPORTED_SUFFIXES:
            raise click.UsageError(f"output file {out} has an image/PDF extension: did you mean an input?")
        if not out.resolve().parent.is_dir():
            raise click.UsageError(f"the folder for {out} does not exist")


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C, so partial outputs are removed, not left behind."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (embedded use): nothing to install
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    main()
