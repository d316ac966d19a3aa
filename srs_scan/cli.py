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
import numpy as np
from tqdm import tqdm

from . import __version__
from .audit import AuditPage, page_image, write_trail
from .audit import correct as correct_page
from .audit import current as current_page
from .audit import select as select_audit
from .audit_html import render_report
from .batch import DEFAULT_TIMEOUT_S, plan
from .batch import run as run_batch
from .decode import SUPPORTED_SUFFIXES, expand_inputs
from .exceptions import ExitCode, SrsScanError
from .forms import all_forms
from .layouts import PAPERS_MM, all_layouts
from .ledger import Ledger, LedgerError
from .model import PageStatus
from .pipeline import ReadOptions
from .printing import parse_sessions, plan_sheets, render_pdf
from .report import (
    CsvSink,
    atomic_text_file,
    format_summary,
    json_record,
    printable,
    remove_stale_temporaries,
    write_bytes_atomically,
)
from .review import make_server as make_review_server

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
        if db_path is not None:
            db_arg = "" if db_path.resolve() == (Path.cwd() / LEDGER_NAME) else f" --db {db_path}"
            click.echo(f"check and correct them: srs-scan review{db_arg}  (or: srs-scan audit{db_arg} -o audit.html)",
                       err=quiet)
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


_DB_OPTION = click.option(
    "--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), default=Path(LEDGER_NAME), show_default=True,
    help="The ledger that srs-scan scan wrote (beside its output files, unless --db was given).",
)


def _open_ledger(db_path: Path, *, threads: bool = False) -> Ledger:
    try:
        return Ledger(db_path, must_exist=True, threads=threads)
    except LedgerError as exc:
        raise click.UsageError(str(exc)) from exc
    except sqlite3.Error as exc:
        raise click.UsageError(f"cannot use {db_path} as the ledger: {exc}") from exc


@main.command("audit")
@_DB_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the audit report to this HTML file (one self-contained file, works offline).")
@click.option("--trail", "trail_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the trail of corrections to this CSV file.")
@click.option("--source", "sources", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Only the pages read from this file (may be repeated). Default: every page in the ledger.")
@click.option("--sample", type=click.IntRange(0, None), default=None,
              help="Every review page and every page close to a cutoff, plus this many of the other "
                   "forms drawn at random (a spot check).")
@click.option("--seed", type=int, default=0, show_default=True, help="The random draw for --sample.")
@click.option("--review-only", is_flag=True, help="Only the pages to review.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
def audit_command(db_path: Path, output: Path | None, trail_path: Path | None, sources: tuple[Path, ...],
                  sample: int | None, seed: int, review_only: bool, quiet: bool) -> None:
    """Write an audit report of the pages in the ledger, and/or the trail of corrections.

    The report shows each page as read: an image with the detected line ends, a
    millimetre ruler along each line, the mark and its value, and the review reasons,
    beside the same crop as scanned, so each value can be checked against the paper.
    Review pages come first, those close to a clinical cutoff (SRS total 36, SRS item 9,
    ORS total 25) first among them. Values corrected by a person are shown as such, with
    the machine's reading.

    Images are decoded again from the scanned files, which must still be where they were
    read; a page whose file has changed is listed without its image.
    """
    if output is None and trail_path is None:
        raise click.UsageError("say what to write: -o REPORT.html and/or --trail TRAIL.csv")
    if sample is not None and review_only:
        raise click.UsageError("--sample and --review-only do not go together (a sample has every review page)")
    for out, suffix in ((output, (".html", ".htm")), (trail_path, (".csv",))):
        if out is not None:
            if out.suffix.lower() not in suffix:
                raise click.UsageError(f"{out} should end in {suffix[0]}")
            if not out.resolve().parent.is_dir():
                raise click.UsageError(f"the folder for {out} does not exist")
            if out.resolve() == db_path.resolve():
                raise click.UsageError("an output cannot be the ledger")
    ledger = _open_ledger(db_path)
    try:
        if output is not None:
            chosen = select_audit(ledger, sources=sources, sample=sample, seed=seed, review_only=review_only)
            if chosen.unmatched:
                raise click.UsageError(f"no page in the ledger was read from {chosen.unmatched[0]}")
            pages = chosen.pages
            scope = ""
            if sample is not None:
                scope = (f"This is a sample: every review page and every page close to a cutoff, plus {sample} of "
                         f"the other forms drawn at random (seed {seed}); {chosen.left_out} of the "
                         f"{chosen.total} pages are left out.")
            elif review_only:
                scope = f"Only the pages to review: {chosen.total - len(pages)} of {chosen.total} pages are left out."
            unseen: list[str] = []

            def picture(page: AuditPage) -> np.ndarray | str:
                image = page_image(page.stored)
                if isinstance(image, str):
                    unseen.append(f"{printable(page.result.source)} p{page.result.page}")
                return image

            bar = tqdm(total=len(pages), unit="page", file=sys.stderr, disable=quiet or not sys.stderr.isatty())
            with bar:
                html = render_report(pages, images=picture, progress=bar.update, scope=scope)
            write_bytes_atomically(output, html.encode("utf-8"))
            n_review = sum(p.review for p in pages)
            click.echo(f"{len(pages)} page(s), {n_review} to review: audit report written to {output}")
            if unseen:
                click.echo(f"{len(unseen)} page(s) shown without a picture (their file was moved or changed; "
                           "scan the files again where they are now to update the ledger): " + ", ".join(unseen[:10])
                           + (" ..." if len(unseen) > 10 else ""), err=True)
        if trail_path is not None:
            with atomic_text_file(trail_path) as handle:
                n = write_trail(handle, ledger)
            click.echo(f"{n} correction(s): trail written to {trail_path}")
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    finally:
        ledger.close()


@main.command("correct")
@click.argument("page_id")
@click.option("--item", type=click.IntRange(1, 4), required=True, help="The item, 1 to 4 from the top.")
@click.option("--mm", type=float, default=None,
              help="The mark's distance from the line's left end, in mm of the 100 mm line (0.0-100.0).")
@click.option("--ruler-mm", type=float, default=None,
              help="The mark's distance from the left end as measured with a ruler on the paper, in mm; "
                   "converted to the 100 mm scale by the printed line's length (known for scans).")
@click.option("--missing", is_flag=True, help="The line has no mark: the item is missing (not 0).")
@click.option("--by", required=True, help="Who makes the correction (kept in the trail).")
@click.option("--reason", required=True, help="Why (kept in the trail).")
@_DB_OPTION
def correct_command(page_id: str, item: int, mm: float | None, ruler_mm: float | None, missing: bool, by: str,
                    reason: str, db_path: Path) -> None:
    """Set one item of page PAGE-ID (from the audit report or the JSONL/CSV page_id)
    to a value, or mark it missing.

    The correction is added to the ledger's trail with who, when (UTC), the old and new
    value and the reason; the machine's reading is kept. Later exports and re-runs of
    srs-scan scan carry the corrected value.
    """
    if [missing, mm is not None, ruler_mm is not None].count(True) != 1:
        raise click.UsageError("give one of --mm VALUE, --ruler-mm VALUE or --missing")
    ledger = _open_ledger(db_path)
    notes: list[str] = []
    try:
        line_mm = _line_length(ledger, page_id, item)
        if ruler_mm is not None:
            if line_mm is None:
                raise click.UsageError("the printed length of this line is not known (a photo, or no resolution in "
                                       "the file): give --mm, read on the audit picture's ruler")
            if not 0.0 <= ruler_mm <= line_mm + 1.0:
                raise click.BadParameter(f"{ruler_mm} mm is not on a line {line_mm:.1f} mm long",
                                         param_hint="--ruler-mm")
            mm = min(100.0, ruler_mm / line_mm * 100.0)
            notes.append(f"ruler {ruler_mm:.1f} mm on a line printed {line_mm:.1f} mm long = {mm:.1f} mm "
                         "on the 100 mm scale")
        elif mm is not None and line_mm is not None and abs(line_mm - 100.0) > 1.0:
            notes.append(f"note: this line is printed {line_mm:.1f} mm long; --mm is on the 100 mm scale "
                         "(--ruler-mm converts a ruler reading)")
        done, after = correct_page(ledger, page_id, item, mm, by=by, reason=reason)
    except LedgerError as exc:
        raise click.UsageError(str(exc)) from exc
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    except sqlite3.Error as exc:
        click.echo(f"srs-scan: the ledger {db_path} cannot be written ({exc}): nothing was changed", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    finally:
        ledger.close()
    new = after.result.items[item - 1]
    if new.mm is not None and new.mm < 10.0 and new.machine_mm is not None and new.machine_mm >= 20.0:
        notes.append(f"note: values are in mm: if you measured {new.mm:g} cm, correct it again with "
                     f"--mm {10 * new.mm:g}")
    r = after.result
    total = "-" if r.total is None else f"{r.total:.1f}"
    click.echo(
        f"{after.page_id} ({printable(r.source)} p{r.page}) item {item} {new.name}: "
        f"{_value(done.old_mm)} ({done.old_status}) -> {_value(new.mm)}\n"
        f"page now: {(r.form or '?').upper()} total {total} [{r.status.value}]"
        + "".join(f"\n  FLAG {f.message}" for f in r.flags)
        + "".join(f"\n  review: {reason}" for reason in r.reasons)
    )
    for note in notes:
        click.echo(note, err=True)


def _line_length(ledger: Ledger, page_id: str, item: int) -> float | None:
    """The printed length of a page's line, when the scan's resolution gave it."""
    items = ledger.find(page_id).result.items
    return items[item - 1].line_length_mm if len(items) >= item else None


def _value(mm: float | None) -> str:
    return "no mark" if mm is None else f"{mm:.1f} mm"


@main.command("export")
@_DB_OPTION
@click.option("--jsonl", type=click.Path(dir_okay=False, path_type=Path), help="Write one JSON record per page.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write one CSV row per page.")
def export_command(db_path: Path, jsonl: Path | None, csv_path: Path | None) -> None:
    """Write the ledger's pages, with corrections applied, as JSONL and/or CSV (no
    scanned files needed). Corrected items carry "corrected" and the machine's value."""
    if jsonl is None and csv_path is None:
        raise click.UsageError("say what to write: --jsonl FILE and/or --csv FILE")
    _check_outputs([db_path], jsonl, csv_path)
    ledger = _open_ledger(db_path)
    try:
        pages = [current_page(ledger, stored) for stored in ledger.pages()]
        with ExitStack() as stack:
            handle = stack.enter_context(atomic_text_file(jsonl)) if jsonl else None
            sink = CsvSink(stack.enter_context(atomic_text_file(csv_path))) if csv_path else None
            for page in pages:
                if handle is not None:
                    handle.write(json_record(page.result) + "\n")
                if sink is not None:
                    sink.write(page.result)
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    finally:
        ledger.close()
    n_corrected = sum(p.result.corrected for p in pages)
    click.echo(f"{len(pages)} page(s), {n_corrected} with corrections, written to "
               + " and ".join(str(p) for p in (jsonl, csv_path) if p is not None))


@main.command("review")
@_DB_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--review-only", is_flag=True, help="List only the pages to review.")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="Open the page in this computer's web browser.")
def review_command(db_path: Path, port: int, review_only: bool, open_browser: bool) -> None:
    """Check and correct readings in a web browser, on this computer only.

    Serves a review page on 127.0.0.1 (never on the network) with a new access token at
    every launch: open the address printed. Click on a line in the page's image where
    the mark is, or type the value, then save with your name and a reason; each
    correction goes into the ledger's trail. Stop with Ctrl-C.
    """
    if not db_path.is_file():
        raise click.UsageError(f"there is no ledger at {db_path} (srs-scan scan makes one: see --db)")
    try:
        server = make_review_server(db_path, port=port, review_only=review_only)
    except (LedgerError, sqlite3.Error) as exc:
        raise click.UsageError(f"cannot use {db_path} as the ledger: {exc}") from exc
    except OSError as exc:
        raise click.UsageError(f"cannot listen on port {port}: {exc.strerror or exc}") from exc
    click.echo(f"srs-scan review: open {server.url}\n(only this computer can connect; stop with Ctrl-C)")
    if open_browser:
        import webbrowser

        webbrowser.open(server.url)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("\nsrs-scan review: stopped")
    finally:
        server.server_close()
        server.state.ledger.close()


def _check_outputs(files: list[Path], jsonl: Path | None, csv_path: Path | None, db: Path | None = None) -> None:
    """Refuse outputs that would overwrite an input, each other, or go nowhere."""
    inputs = {f.resolve() for f in files}
    outs = [p for p in (jsonl, csv_path) if p is not None and str(p) != "-"]
    for out in outs:  # the output's own folder first: the ledger's default folder is the same
        if not out.resolve().parent.is_dir():
            raise click.UsageError(f"the folder for {out} does not exist")
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
