"""Command line: a thin layer over :mod:`srs_scan.jobs` (each command parses its options
and calls one library function).

Exceptions become exit codes here and only here.
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import click
from tqdm import tqdm

from . import __version__
from .audit.review import make_server as make_review_server
from .clinic.records import Scope
from .clinic.rules import Settings
from .clinic.summary import client_line
from .exceptions import ExitCode, LedgerFailure, SrsScanError, TemplateError, TemplateFileError, UsageProblem
from .exports.records import format_summary
from .exports.sessions import summary_of
from .forms.custom import catalogue
from .forms.layouts import PAPERS_MM, all_layouts
from .forms.printing import parse_sessions
from .jobs.assign import AssignOutcome, assign_file, assign_page, assign_pattern
from .jobs.audit import write_report, write_trail_file
from .jobs.clinic import load_caseload
from .jobs.clinic import write_json as write_clinic_json
from .jobs.clinic import write_report as write_clinic_report
from .jobs.correct import RulerOutOfRange, correct_item
from .jobs.export import check_session_outputs, export
from .jobs.print_forms import write_forms
from .jobs.scan import LEDGER_NAME, ScanRequest, ScanSummary, check_outputs, ledger_path
from .jobs.scan import scan as run_scan
from .ledger import assignments
from .ledger.batch import DEFAULT_TIMEOUT_S
from .ledger.database import DATABASE_ERRORS
from .ledger.location import LedgerPlace, ServerAddress, location
from .ledger.store import Ledger, LedgerError, ledger_failure
from .model import PageResult, PageStatus
from .outputs import not_replaceable, shown
from .read.pipeline import ReadOptions


class _LedgerPlace(click.ParamType):
    """--db: a file path (an SQLite ledger) or a server's address (postgresql://USER@HOST/DATABASE)."""

    name = "ledger"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> LedgerPlace:
        if isinstance(value, (Path, ServerAddress)):
            return value
        place = location(str(value))
        if isinstance(place, Path) and place.is_dir():
            self.fail(f"{shown(str(place))} is a folder: give the ledger's file", param, ctx)
        return place


LEDGER_PLACE = _LedgerPlace()
DB_HELP = ("a file (SQLite, no server needed) or a PostgreSQL server's postgresql://USER@HOST/DATABASE "
           "(a password goes in PGPASSWORD or ~/.pgpass)")
_FORCE_OPTION = click.option(
    "--force", is_flag=True,
    help="Replace existing output files that srs-scan did not write (never a link, pipe or device).",
)


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
@click.option("--form", "form_id", default=None, metavar="ID",
              help="Declare the form of every page (srs, ors, csrs, cors, or the id of a --template form): a "
                   "stack known to be SRS, or a translated form. No page goes to review for its type; a page "
                   "whose words or markers name another form still does.")
@click.option("--template", "templates", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE",
              help="A clinic's own form, as a template file (JSON, see docs/templates.md): pages may be that form "
                   "too (may be repeated).")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Pages read in parallel (default: one per CPU core).")
@click.option("--cluster", default=None, metavar="ADDRESS",
              help="Read the pages on a Dask cluster: tcp://HOST:8786 (a running scheduler; its workers must "
                   "see the same files at the same paths) or local:N (N worker processes here). Needs "
                   "pip install 'srs-scan[cluster]'; not with --workers.")
@click.option("--db", "db_path", type=LEDGER_PLACE, default=None,
              help="The ledger of pages read: " + DB_HELP + ". Default: srs-scan-ledger.sqlite beside the "
                   "output files; a re-run reads only the pages not yet in it.")
@click.option("--timeout", type=click.FloatRange(1.0, 3600.0), default=DEFAULT_TIMEOUT_S, show_default=True,
              help="Seconds one page may take before it is given up as an error.")
@click.option("--assign", "assign_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="An assignment CSV (source,page,client,session,date,therapist,site) for the pages read: "
                   "whose forms and when (see srs-scan assign).")
@click.option("--assign-pattern", default=None, metavar="PATTERN",
              help="Take client, session, date (and therapist, site) from the file names, e.g. "
                   "'{client}_{session}_{date}.pdf'.")
@click.option("-q", "--quiet", is_flag=True, help="Print only the end-of-run summary (no progress bar).")
@_FORCE_OPTION
def scan(inputs: tuple[Path, ...], jsonl: Path | None, csv_path: Path | None,
         item_threshold: float | None, form_id: str | None, templates: tuple[Path, ...], workers: int | None,
         cluster: str | None, db_path: LedgerPlace | None, timeout: float, assign_path: Path | None,
         assign_pattern: str | None, quiet: bool, force: bool) -> None:
    """Read the forms in INPUT files and folders (PDF, TIFF, PNG, JPEG, HEIC).

    Prints each page's scores, total and flags. Pages that need a person are marked
    REVIEW with the reason; a line with no mark is reported missing, never 0.

    Every page read is kept in a ledger (see --db): after Ctrl-C, a crash or a kill,
    running the same command again reads only the pages not done yet, and writes the
    same outputs a clean run would.

    Exit code: 0 when every page was read (review pages included), 1 when some
    pages or files could not be read, 3 when none could (or the --cluster could not be
    reached), 2 for usage errors, 4 when an output file could not be written, 130 when
    interrupted.
    """
    # Pillow's complaints about damaged metadata are not for the user: a page that cannot
    # be read is reported as such
    warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
    if form_id is not None:
        form_id = _known_form(form_id, templates)
    if cluster is not None and workers is not None:
        raise click.UsageError("--workers and --cluster do not go together: a cluster's workers are set where it "
                               "runs (local:N, or dask worker --nworkers N)")
    request = ScanRequest(inputs=inputs, jsonl=jsonl, csv_path=csv_path, db_path=db_path,
                          options=ReadOptions(item_threshold=item_threshold, form=form_id, templates=templates),
                          workers=workers or os.cpu_count() or 1, cluster=cluster, timeout=timeout, force=force,
                          assign_file=assign_path, assign_pattern=assign_pattern)
    to_stdout = jsonl is not None and str(jsonl) == "-"
    quiet = quiet or to_stdout  # stdout carries the records: everything else to stderr
    bar = tqdm(total=0, unit="page", file=sys.stderr, dynamic_ncols=True, disable=quiet or not sys.stderr.isatty())

    def start(n_pages: int) -> None:
        bar.reset(total=n_pages)

    def show(result: PageResult) -> None:
        if not quiet or result.status is PageStatus.ERROR:
            text = format_summary(result)
            if bar.disable:
                click.echo(text, err=result.status is PageStatus.ERROR and quiet)
            else:
                bar.write(text, file=sys.stderr if quiet else sys.stdout)
        bar.update()

    db_shown = ledger_path(db_path, jsonl, csv_path)
    try:
        with _terminate_cleanly(), bar:
            summary = run_scan(request, stdout=sys.stdout, on_start=start, on_page=show)
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from exc
    except TemplateError as exc:
        raise click.ClickException(str(exc)) from exc
    except LedgerFailure as exc:
        _ledger_failed(exc, "no output file was written")
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
    except DATABASE_ERRORS as exc:
        _ledger_failed(ledger_failure(exc, db_shown), "no output file was written")
    _print_scan_summary(summary, jsonl, csv_path, quiet=quiet)


def _known_form(form_id: str, templates: tuple[Path, ...] = ()) -> str:
    try:
        forms = catalogue(templates)
    except TemplateFileError as exc:
        raise click.UsageError(str(exc)) from exc
    except SrsScanError as exc:
        raise click.ClickException(str(exc)) from exc
    if form_id.lower() not in forms:
        raise click.BadParameter(f"'{form_id}' is not one of {', '.join(sorted(forms))}", param_hint="--form")
    return form_id.lower()


SUMMARY_LIST = 20  # places named in one summary line; every page still has its own line


def _places(where: list[str]) -> str:
    shown_here = ", ".join(where[:SUMMARY_LIST])
    return shown_here + (f" ... and {len(where) - SUMMARY_LIST} more" if len(where) > SUMMARY_LIST else "")


def _review_count(summary: ScanSummary) -> str:
    """"3 to review", or "3 to review: 2 to check, 1 only for lines left blank"."""
    n = summary.counts[PageStatus.REVIEW]
    if not summary.blank_only:
        return f"{n} to review"
    return f"{n} to review: {n - summary.blank_only} to check, {summary.blank_only} only for lines left blank"


def _db_arg(db: LedgerPlace) -> str:
    """" --db LEDGER" for a command to type next ("" for the default ledger); a server's
    address without its password."""
    if isinstance(db, ServerAddress):
        return f" --db {shown(db.without_password())}"
    return "" if db.resolve() == (Path.cwd() / LEDGER_NAME) else f" --db {db}"


def _print_scan_summary(summary: ScanSummary, jsonl: Path | None, csv_path: Path | None, *, quiet: bool) -> None:
    """The end of a run: counts, the pages to review and why others could not be read; exits."""
    counts, pages, elapsed = summary.counts, summary.pages, summary.elapsed_s
    rate = f", {60.0 * pages / elapsed:.0f} pages/min" if elapsed > 0 and pages else ""
    click.echo(
        ("" if quiet else "\n")
        + f"{pages} page(s): {summary.forms} form(s) read ({_review_count(summary)}), "
        f"{counts[PageStatus.NO_FORM]} without a form, {counts[PageStatus.ERROR]} unreadable "
        f"- {elapsed:.1f} s{rate}" + (f"; {summary.reused} taken from the ledger" if summary.reused else ""),
        err=quiet,
    )
    if summary.review_pages:
        click.echo("review: " + ", ".join(summary.review_pages), err=quiet)
        if summary.db_path is not None:
            db_arg = _db_arg(summary.db_path)
            click.echo(f"check and correct them: srs-scan review{db_arg}  (or: srs-scan audit{db_arg} -o audit.html)",
                       err=quiet)
    if summary.unread_folders:
        click.echo(f"{len(summary.unread_folders)} folder(s) not read: " + " | ".join(summary.unread_folders),
                   err=quiet)
    if summary.errors:
        more = len(summary.errors) - SUMMARY_LIST
        click.echo("unreadable: " + " | ".join(summary.errors[:SUMMARY_LIST])
                   + (f" | ... and {more} more (each has its line above)" if more > 0 else ""), err=quiet)
    if summary.duplicates:
        click.echo(f"{len(summary.duplicates)} possible duplicate(s), flagged not merged: "
                   + _places(summary.duplicates), err=quiet)
    if summary.unidentified:
        click.echo(
            f"{len(summary.unidentified)} srs-scan form(s) with an unreadable QR code (client and session unknown): "
            + _places(summary.unidentified),
            err=quiet,
        )
    if summary.assigned is not None:
        _print_assigned(summary.assigned, err=quiet)
    for out, label in ((jsonl, "JSONL"), (csv_path, "CSV")):
        if out is not None and str(out) != "-":
            click.echo(f"{label} written to {shown(str(out))}", err=quiet)
    if counts[PageStatus.ERROR] == pages and (pages or summary.unread_folders):
        sys.exit(int(ExitCode.NOTHING_READ))
    if counts[PageStatus.ERROR] or summary.unread_folders:
        sys.exit(int(ExitCode.SOME_FAILED))


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
        raise click.BadParameter(f"'{form_id}' is not one of {', '.join(forms)} (srs-scan prints its own layouts "
                                 "of these forms only: a clinic's own form is printed by the clinic)",
                                 param_hint="--form")
    if output.suffix.lower() != ".pdf":
        raise click.BadParameter(f"{output} does not end in .pdf", param_hint="-o/--output")
    if not output.resolve().parent.is_dir():
        raise click.BadParameter(f"the folder for {output} does not exist", param_hint="-o/--output")
    if (problem := not_replaceable(output, "jsonl", force=True)) is not None:  # a link, pipe or device: never
        raise click.BadParameter(problem, param_hint="-o/--output")
    if output.exists() and not force:
        raise click.BadParameter(
            f"{output} already exists (it could be a batch of scans): choose another name or add --force",
            param_hint="-o/--output",
        )
    try:
        numbers = parse_sessions(sessions) if sessions is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sessions") from exc
    try:
        n_sheets = write_forms(output, form_id.lower(), paper=paper.lower(), client=client, sessions=numbers,
                               copies=copies)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    except OSError as exc:
        click.echo(f"srs-scan: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    click.echo(
        f"{n_sheets} {form_id.upper()} form(s) on {'A4' if paper.lower() == 'a4' else 'US Letter'} paper written to "
        f"{output}.\nPrint at 100 % (Actual size), not 'Fit to page'; the check bar on each form must "
        "measure 100 mm."
    )


_DB_OPTION = click.option(
    "--db", "db_path", type=LEDGER_PLACE, default=Path(LEDGER_NAME), show_default=True,
    help="The ledger that srs-scan scan wrote (beside its output files, unless --db was given): " + DB_HELP + ".",
)


def _ledger_failed(exc: LedgerFailure, after: str = "") -> NoReturn:
    """The one line a ledger failure gets, and its exit code."""
    click.echo(f"srs-scan: {exc}" + (f" ({after})" if after else ""), err=True)
    sys.exit(int(exc.exit_code))


def _open_ledger(db_path: LedgerPlace, *, threads: bool = False) -> Ledger:
    """An existing ledger, checked whole: a damaged one is said at once, with what to do."""
    try:
        return Ledger(db_path, must_exist=True, threads=threads, check=True)
    except LedgerError as exc:
        raise click.UsageError(str(exc)) from exc
    except LedgerFailure as exc:
        _ledger_failed(exc)


def _check_named_outputs(outputs: tuple[tuple[Path | None, tuple[str, ...]], ...], db_path: LedgerPlace) -> None:
    """Each output given ends in one of its suffixes, has a folder, and is not the ledger."""
    for out, suffix in outputs:
        if out is not None:
            if out.suffix.lower() not in suffix:
                raise click.UsageError(f"{out} should end in {suffix[0]}")
            if not out.resolve().parent.is_dir():
                raise click.UsageError(f"the folder for {out} does not exist")
            if isinstance(db_path, Path) and out.resolve() == db_path.resolve():
                raise click.UsageError("an output cannot be the ledger")


def _refuse_to_replace(outputs: tuple[tuple[Path | None, str], ...], *, force: bool) -> None:
    """A usage error for an output (path, kind) that is there and must not be replaced:
    one srs-scan did not write, unless ``force``; never a link, a pipe or a device."""
    for out, kind in outputs:
        if out is not None and (problem := not_replaceable(out, kind, force=force)) is not None:
            raise click.UsageError(problem)


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
@_FORCE_OPTION
def audit_command(db_path: LedgerPlace, output: Path | None, trail_path: Path | None, sources: tuple[Path, ...],
                  sample: int | None, seed: int, review_only: bool, quiet: bool, force: bool) -> None:
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
    _check_named_outputs(((output, (".html", ".htm")), (trail_path, (".csv",))), db_path)
    _refuse_to_replace(((output, "html"), (trail_path, "trail")), force=force)
    ledger = _open_ledger(db_path)
    try:
        if output is not None:
            bar = tqdm(total=0, unit="page", file=sys.stderr, disable=quiet or not sys.stderr.isatty())
            with bar:
                done = write_report(ledger, output, sources=sources, sample=sample, seed=seed,
                                    review_only=review_only, on_start=lambda n: bar.reset(total=n),
                                    progress=bar.update)
            click.echo(f"{done.pages} page(s), {done.review} to review: audit report written to {output}")
            if done.unseen:
                click.echo(f"{len(done.unseen)} page(s) shown without a picture (their file was moved or changed; "
                           "scan the files again where they are now to update the ledger): "
                           + ", ".join(done.unseen[:10]) + (" ..." if len(done.unseen) > 10 else ""), err=True)
        if trail_path is not None:
            n = write_trail_file(ledger, trail_path)
            click.echo(f"{n} correction(s): trail written to {trail_path}")
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from exc
    except LedgerFailure as exc:
        _ledger_failed(exc, "no output file was written")
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    finally:
        ledger.close()


class _Millimetres(click.ParamType):
    """A value in mm with a decimal point or a decimal comma ("6,4" is 6.4, never 64)."""

    name = "mm"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip()
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")  # a decimal comma; a thousands separator makes no sense in mm
        try:
            number = float(text)
        except ValueError:
            self.fail(f"'{value}' is not a value in mm (write 6.4 or 6,4)", param, ctx)
        if number != number or number in (float("inf"), float("-inf")):
            self.fail(f"'{value}' is not a value in mm", param, ctx)
        return number


MM = _Millimetres()


@main.command("correct")
@click.argument("page_id")
@click.option("--item", type=click.IntRange(1, 10), required=True,
              help="The item, 1 from the top (1 to 4 on the PCOMS forms; a clinic's own form: 1 to its number of "
                   "lines).")
@click.option("--mm", type=MM, default=None,
              help="The mark's distance from the line's left end, in mm of the 100 mm line (0.0-100.0; on a "
                   "clinic's own form, of its line as printed at 100 %).")
@click.option("--ruler-mm", type=MM, default=None,
              help="The mark's distance from the left end as measured with a ruler on the paper, in mm; "
                   "converted to the form's scale (the 100 mm line) by the printed line's length (known for scans).")
@click.option("--missing", is_flag=True, help="The line has no mark: the item is missing (not 0).")
@click.option("--by", required=True, help="Who makes the correction (kept in the trail).")
@click.option("--reason", required=True, help="Why (kept in the trail).")
@_DB_OPTION
def correct_command(page_id: str, item: int, mm: float | None, ruler_mm: float | None, missing: bool, by: str,
                    reason: str, db_path: LedgerPlace) -> None:
    """Set one item of page PAGE-ID (from the audit report or the JSONL/CSV page_id)
    to a value, or mark it missing.

    The correction is added to the ledger's trail with who, when (UTC), the old and new
    value and the reason; the machine's reading is kept. Later exports and re-runs of
    srs-scan scan carry the corrected value.
    """
    if [missing, mm is not None, ruler_mm is not None].count(True) != 1:
        raise click.UsageError("give one of --mm VALUE, --ruler-mm VALUE or --missing")
    ledger = _open_ledger(db_path)
    try:
        fixed = correct_item(ledger, page_id, item, mm=mm, ruler_mm=ruler_mm, by=by, reason=reason)
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from exc
    except RulerOutOfRange as exc:
        raise click.BadParameter(str(exc), param_hint="--ruler-mm") from exc
    except LedgerError as exc:
        raise click.UsageError(str(exc)) from exc
    except LedgerFailure as exc:
        _ledger_failed(exc, "nothing was changed")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    except DATABASE_ERRORS as exc:
        _ledger_failed(ledger_failure(exc, db_path), "nothing was changed")
    finally:
        ledger.close()
    done, r = fixed.done, fixed.after.result
    new = r.items[item - 1]
    total = "-" if r.total is None else f"{r.total:.1f}"
    click.echo(
        f"{fixed.after.page_id} ({shown(r.source)} p{r.page}) item {item} {new.name}: "
        f"{_value(done.old_mm)} ({done.old_status}) -> {_value(new.mm)}\n"
        f"page now: {(r.form or '?').upper()} total {total} [{r.status.value}]"
        + "".join(f"\n  FLAG {f.message}" for f in r.flags)
        + "".join(f"\n  review: {reason}" for reason in r.reasons)
    )
    for note in fixed.notes:
        click.echo(note, err=True)


def _value(mm: float | None) -> str:
    return "no mark" if mm is None else f"{mm:.1f} mm"


@main.command("export")
@_DB_OPTION
@click.option("--jsonl", type=click.Path(dir_okay=False, path_type=Path), help="Write one JSON record per page.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write one CSV row per page.")
@click.option("--openfit", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write OpenFIT's import file (.csv): a row per dated session, its ORS and SRS items.")
@click.option("--fhir", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a FHIR transaction Bundle (.json): a QuestionnaireResponse and an Observation per form.")
@click.option("--xlsx", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write a spreadsheet (.xlsx): a Sessions sheet and a Clients sheet.")
@click.option("--fhir-version", type=click.Choice(["R5", "R4B"]), default="R5", show_default=True,
              help="The FHIR release of --fhir.")
@click.option("--include-unreviewed", is_flag=True,
              help="Also export pages still waiting for a person (--openfit/--fhir/--xlsx; left out otherwise).")
@click.option("--from", "date_from", default=None, metavar="DATE", help="Sessions on or after this date.")
@click.option("--to", "date_to", default=None, metavar="DATE", help="Sessions on or before this date.")
@click.option("--client", default=None, help="Only this client.")
@click.option("--therapist", default=None, help="Only this therapist's sessions.")
@click.option("--site", default=None, help="Only this site's sessions.")
@_FORCE_OPTION
def export_command(db_path: LedgerPlace, jsonl: Path | None, csv_path: Path | None, openfit: Path | None,
                   fhir: Path | None, xlsx: Path | None, fhir_version: str, include_unreviewed: bool,
                   date_from: str | None, date_to: str | None, client: str | None, therapist: str | None,
                   site: str | None, force: bool) -> None:
    """Write the ledger's pages, with corrections applied, as JSONL and/or CSV (one record
    per page; corrected items carry "corrected" and the machine's value), and its sessions
    for the clinic's other systems: --openfit, --fhir, --xlsx (with the clients, sessions
    and dates of --from/--to/--client/--therapist/--site; no scanned files needed).

    Pages left out of a file (still in review, an item missing, no date for OpenFIT, ...)
    are counted and listed by page id on standard error."""
    sessions_asked = any(p is not None for p in (openfit, fhir, xlsx))
    if jsonl is None and csv_path is None and not sessions_asked:
        raise click.UsageError("say what to write: --jsonl, --csv, --openfit, --fhir and/or --xlsx FILE")
    if not sessions_asked and (include_unreviewed or any(v is not None for v in (date_from, date_to, client,
                                                                                  therapist, site))):
        raise click.UsageError("--from, --to, --client, --therapist, --site and --include-unreviewed go with "
                               "--openfit, --fhir or --xlsx (--jsonl and --csv write every page)")
    scope, _ = _scope_settings(date_from, date_to, therapist, site, client, None, None, None)
    try:
        check_outputs([db_path] if isinstance(db_path, Path) else [], jsonl, csv_path, force=force)
        check_session_outputs(db_path, {"openfit": openfit, "fhir": fhir, "xlsx": xlsx}, others=(jsonl, csv_path),
                              force=force)
    except UsageProblem as exc:
        raise click.UsageError(str(exc)) from exc
    ledger = _open_ledger(db_path)
    try:
        done = export(ledger, jsonl=jsonl, csv_path=csv_path, openfit=openfit, fhir=fhir, xlsx=xlsx, scope=scope,
                      include_unreviewed=include_unreviewed, fhir_version=fhir_version)
    except LedgerFailure as exc:
        _ledger_failed(exc, "no output file was written")
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    finally:
        ledger.close()
    if done.pages is not None:
        click.echo(f"{done.pages.pages} page(s), {done.pages.corrected} with corrections, written to "
                   + " and ".join(shown(str(p)) for p in (jsonl, csv_path) if p is not None))
    if done.sessions is not None:
        paths = {"openfit": openfit, "fhir": fhir, "xlsx": xlsx}
        for kind, (n_sessions, n_pages) in done.sessions.written.items():
            left = done.sessions.left_out[kind]
            what = f" (FHIR {fhir_version})" if kind == "fhir" else ""
            click.echo(f"{shown(str(paths[kind]))}{what}: {n_sessions} session(s), {n_pages} form page(s) written, "
                       f"{len({x.page_id for x in left})} page(s) left out")
            for line in summary_of(left):
                click.echo(f"  left out of {shown(str(paths[kind]))}: {line}", err=True)


@main.command("review")
@_DB_OPTION
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--review-only", is_flag=True, help="List only the pages to review.")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="Open the page in this computer's web browser.")
def review_command(db_path: LedgerPlace, port: int, review_only: bool, open_browser: bool) -> None:
    """Check and correct readings in a web browser, on this computer only.

    Serves a review page on 127.0.0.1 (never on the network) with a new access token at
    every launch: open the address printed. Click on a line in the page's image where
    the mark is, or type the value, then save with your name and a reason; each
    correction goes into the ledger's trail. Stop with Ctrl-C.
    """
    if isinstance(db_path, Path) and not db_path.is_file():
        raise click.UsageError(f"there is no ledger at {db_path} (srs-scan scan makes one: see --db)")
    try:
        server = make_review_server(db_path, port=port, review_only=review_only)
    except LedgerFailure as exc:
        _ledger_failed(exc)
    except LedgerError as exc:
        raise click.UsageError(f"cannot use {db_path} as the ledger: {exc}") from exc
    except DATABASE_ERRORS as exc:
        _ledger_failed(ledger_failure(exc, db_path))
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


def _print_assigned(done: AssignOutcome, *, err: bool = False) -> None:
    click.echo(f"{done.assigned} page(s) assigned, {done.unchanged} already so"
               + (f", {done.no_form} without a form left alone" if done.no_form else ""), err=err)
    if done.unmatched:
        click.echo(f"{len(done.unmatched)} assignment(s) matched no page: " + "; ".join(done.unmatched[:10])
                   + (" ..." if len(done.unmatched) > 10 else ""), err=True)


@main.command("assign")
@click.argument("page_id", required=False)
@click.option("--file", "csv_path", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="An assignment CSV: source,page,client,session,date,therapist,site (page empty: every page "
                   "of the file; therapist and site may be left out).")
@click.option("--pattern", default=None, metavar="PATTERN",
              help="Take the values from file names, e.g. '{client}_{session}_{date}.pdf' "
                   "(fields: client, session, date, therapist, site, any).")
@click.option("--client", default=None, help="The client's ID (never a name).")
@click.option("--session", default=None, help="The session number (1-999).")
@click.option("--date", "when", default=None, help="The session's date, yyyy-mm-dd.")
@click.option("--therapist", default=None, help="The therapist's ID.")
@click.option("--site", default=None, help="The site's ID.")
@click.option("--by", required=True, help="Who makes the assignment (kept in the trail).")
@_DB_OPTION
def assign_command(page_id: str | None, csv_path: Path | None, pattern: str | None, client: str | None,
                   session: str | None, when: str | None, therapist: str | None, site: str | None, by: str,
                   db_path: LedgerPlace) -> None:
    """Say whose form a page is and when: client, session number, date, therapist, site.

    One page: PAGE-ID (from the audit, the review page or the JSONL/CSV page_id) with
    --client/--session/--date/--therapist/--site (fields not given stay as they were).
    Many: --file CSV or --pattern. Each change is added to the ledger's assignment trail
    (who, when, old and new values); srs-scan's own forms carry client and session in
    their QR code already. No date is guessed: a session without one has none.
    """
    one = page_id is not None
    if [one, csv_path is not None, pattern is not None].count(True) != 1:
        raise click.UsageError("give one of PAGE-ID (with --client, --session, ...), --file CSV or --pattern")
    fields_given = any(v is not None for v in (client, session, when, therapist, site))
    if one and not fields_given:
        raise click.UsageError("say what to set: --client, --session, --date, --therapist and/or --site")
    if not one and fields_given:
        raise click.UsageError("--client, --session, ... go with a PAGE-ID (a --file or --pattern has its own values)")
    try:
        given = assignments.make(client, session, when, therapist, site) if one else None
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    ledger = _open_ledger(db_path)
    try:
        if given is not None:
            stored, entry = assign_page(ledger, page_id or "", given, by=by)
            now = assignments.current(ledger, stored.page_hash)
            held = ", ".join(f"{k} {v}" for k, v in (now.to_dict() if now else {}).items() if v is not None)
            click.echo(f"{stored.page_id} ({shown(stored.result.source)} p{stored.result.page}): "
                       + (f"{held}" if entry is not None else f"already {held}: nothing changed"))
        elif csv_path is not None:
            _print_assigned(assign_file(ledger, csv_path, by=by))
        else:
            _print_assigned(assign_pattern(ledger, pattern or "", by=by))
    except (UsageProblem, LedgerError) as exc:
        raise click.UsageError(str(exc)) from exc
    except LedgerFailure as exc:
        _ledger_failed(exc, "nothing was changed")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    finally:
        ledger.close()


def _clinic_options(f):  # type: ignore[no-untyped-def]
    options = [
        click.option("--from", "date_from", default=None, metavar="DATE", help="Sessions on or after this date."),
        click.option("--to", "date_to", default=None, metavar="DATE", help="Sessions on or before this date."),
        click.option("--therapist", default=None, help="Only this therapist's sessions."),
        click.option("--site", default=None, help="Only this site's sessions."),
        click.option("--client", default=None, help="Only this client."),
        click.option("--srs-rule", type=click.Choice(["at_or_below", "below"]), default=None,
                     help="An SRS alliance concern is a total at or below the cutoff (36, the default) or below it."),
        click.option("--reliable-change", type=click.FloatRange(0.1, 40.0), default=None,
                     help="Points from intake that count as reliable change (default from the form: 5)."),
        click.option("--on-track-session", type=click.IntRange(2, 100), default=None,
                     help="Not on track: no reliable gain by this session (default 4)."),
        click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Write the same figures as JSON (keys in the README)."),
        _DB_OPTION,
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _scope_settings(date_from: str | None, date_to: str | None, therapist: str | None, site: str | None,
                    client: str | None, srs_rule: str | None, reliable_change: float | None,
                    on_track_session: int | None) -> tuple[Scope, Settings]:
    try:
        scope = Scope(assignments.parse_date(date_from) if date_from else None,
                      assignments.parse_date(date_to) if date_to else None, therapist, site, client)
        settings = Settings(srs_rule, None, reliable_change, on_track_session)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
        raise click.BadParameter("--from is after --to")
    return scope, settings


@main.command("clients")
@_clinic_options
@_FORCE_OPTION
def clients_command(date_from: str | None, date_to: str | None, therapist: str | None, site: str | None,
                    client: str | None, srs_rule: str | None, reliable_change: float | None,
                    on_track_session: int | None, json_path: Path | None, db_path: LedgerPlace,
                    force: bool) -> None:
    """A line per client: sessions, the last ORS and SRS, and open alerts (those of the
    client's latest session). Corrected values are used; pages still in review count and
    are marked [unreviewed]."""
    if json_path is not None:
        _check_named_outputs(((json_path, (".json",)),), db_path)
        _refuse_to_replace(((json_path, "clinic"),), force=force)
    scope, settings = _scope_settings(date_from, date_to, therapist, site, client, srs_rule, reliable_change,
                                      on_track_session)
    ledger = _open_ledger(db_path)
    try:
        load = load_caseload(ledger, scope, settings)
        for view in load.clients:
            click.echo(client_line(view))
        click.echo(f"{len(load.clients)} client(s), {load.figures.sessions} session(s), "
                   f"{sum(not a.good for a in load.open_alerts)} open alert(s)")
        if load.left_out:
            click.echo("left out: " + "; ".join(f"{n} {why}" for why, n in sorted(load.left_out.items())), err=True)
        if json_path is not None:
            write_clinic_json(load, json_path)
            click.echo(f"JSON written to {json_path}")
    except LedgerFailure as exc:
        _ledger_failed(exc)
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    finally:
        ledger.close()


@main.command("report")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="The HTML report to write (one offline file that prints well).")
@_clinic_options
@_FORCE_OPTION
def report_command(output: Path | None, date_from: str | None, date_to: str | None, therapist: str | None,
                   site: str | None, client: str | None, srs_rule: str | None, reliable_change: float | None,
                   on_track_session: int | None, json_path: Path | None, db_path: LedgerPlace, force: bool) -> None:
    """The clinic's report: open alerts first (whom to talk to before the next session),
    the clinic's figures beside the published benchmarks, and each client's plot and
    sessions. --json writes the same figures for scripts and dashboards."""
    if output is None and json_path is None:
        raise click.UsageError("say what to write: -o REPORT.html and/or --json FILE")
    _check_named_outputs(((output, (".html", ".htm")), (json_path, (".json",))), db_path)
    _refuse_to_replace(((output, "html"), (json_path, "clinic")), force=force)
    scope, settings = _scope_settings(date_from, date_to, therapist, site, client, srs_rule, reliable_change,
                                      on_track_session)
    ledger = _open_ledger(db_path)
    try:
        done = write_clinic_report(ledger, output, json_path=json_path, scope=scope, settings=settings)
    except LedgerFailure as exc:
        _ledger_failed(exc)
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))
    finally:
        ledger.close()
    click.echo(f"{done.clients} client(s), {done.sessions} session(s), {done.open_alerts} open alert(s): "
               + " and ".join(str(p) for p in (output, json_path) if p is not None) + " written")


@contextmanager
def _terminate_cleanly() -> Iterator[None]:
    """Treat SIGTERM and SIGHUP (a closed terminal, a logout) like Ctrl-C: workers are
    stopped and partial outputs removed, not left behind."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous: dict[int, object] = {}
    try:
        for signum in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
            if signum is not None:
                previous[signum] = signal.signal(signum, handler)
    except ValueError:  # not the main thread (embedded use): nothing to install
        yield
        return
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)  # type: ignore[arg-type]


if __name__ == "__main__":  # pragma: no cover
    main()
