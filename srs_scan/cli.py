"""Command line: a thin layer over :mod:`srs_scan.pipeline`.

Exceptions become exit codes here and only here.
"""

from __future__ import annotations

import signal
import sys
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import click

from . import __version__
from .decode import SUPPORTED_SUFFIXES, expand_inputs
from .exceptions import ExitCode, SrsScanError
from .forms import all_forms
from .layouts import PAPERS_MM, all_layouts
from .model import PageResult, PageStatus
from .pipeline import ReadOptions, read_path
from .printing import parse_sessions, plan_sheets, render_pdf
from .report import CsvSink, atomic_text_file, format_summary, json_record, write_bytes_atomically


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
@click.option("-q", "--quiet", is_flag=True, help="Print only the end-of-run summary.")
def scan(inputs: tuple[Path, ...], jsonl: Path | None, csv_path: Path | None,
         item_threshold: float | None, quiet: bool) -> None:
    """Read the forms in INPUT files and folders (PDF, TIFF, PNG, JPEG, HEIC).

    Prints each page's scores, total and flags. Pages that need a person are marked
    REVIEW with the reason; a line with no mark is reported missing, never 0.

    Exit code: 0 when every page was read (review pages included), 1 when some
    pages or files could not be read, 3 when none could, 2 for usage errors,
    4 when an output file could not be written, 130 when interrupted.
    """
    # Pillow's complaints about damaged metadata are not for the user: a page that cannot
    # be read is reported as such
    warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
    files = expand_inputs(inputs)
    if not files:
        raise click.UsageError(
            "no supported files found in the given folders "
            f"(supported: {', '.join(sorted(s.lstrip('.') for s in SUPPORTED_SUFFIXES))})"
        )
    _check_outputs(files, jsonl, csv_path)
    try:
        all_forms()  # a broken installation is reported once, before any page is read
        all_layouts()
    except SrsScanError as exc:
        raise click.ClickException(str(exc)) from exc
    options = ReadOptions(item_threshold=item_threshold)
    counts = {status: 0 for status in PageStatus}
    review_pages: list[str] = []
    unidentified: list[str] = []  # our own forms whose QR code could not be read
    to_stdout = jsonl is not None and str(jsonl) == "-"
    quiet = quiet or to_stdout  # stdout carries the records: everything else to stderr
    try:
        with ExitStack() as stack:
            stack.enter_context(_terminate_cleanly())
            jsonl_handle = None
            if to_stdout:
                jsonl_handle = sys.stdout
            elif jsonl is not None:
                jsonl_handle = stack.enter_context(atomic_text_file(jsonl))
            csv_sink = CsvSink(stack.enter_context(atomic_text_file(csv_path))) if csv_path else None
            for path in files:
                for result in _read_file(path, options):
                    counts[result.status] += 1
                    if result.status is PageStatus.REVIEW:
                        review_pages.append(f"{result.source} p{result.page}")
                    if result.layout is not None and result.form_id is None:
                        unidentified.append(f"{result.source} p{result.page}")
                    if jsonl_handle is not None:
                        jsonl_handle.write(json_record(result) + "\n")
                    if csv_sink is not None:
                        csv_sink.write(result)
                    if not quiet or result.status is PageStatus.ERROR:
                        click.echo(format_summary(result), err=result.status is PageStatus.ERROR and quiet)
    except SrsScanError as exc:
        click.echo(f"srs-scan: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    except KeyboardInterrupt:
        click.echo("\nsrs-scan: interrupted: no output file was written or changed", err=True)
        sys.exit(int(ExitCode.INTERRUPTED))
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc.strerror or exc}", err=True)
        sys.exit(int(ExitCode.OUTPUT_FAILED))

    pages = sum(counts.values())
    forms = counts[PageStatus.OK] + counts[PageStatus.REVIEW]
    click.echo(
        ("" if quiet else "\n")
        + f"{pages} page(s): {forms} form(s) read ({counts[PageStatus.REVIEW]} to review), "
        f"{counts[PageStatus.NO_FORM]} without a form, {counts[PageStatus.ERROR]} unreadable",
        err=quiet,
    )
    if review_pages and quiet:
        click.echo("review: " + ", ".join(review_pages), err=True)
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


def _check_outputs(files: list[Path], jsonl: Path | None, csv_path: Path | None) -> None:
    """Refuse outputs that would overwrite an input, each other, or go nowhere."""
    inputs = {f.resolve() for f in files}
    outs = [p for p in (jsonl, csv_path) if p is not None and str(p) != "-"]
    if len(outs) == 2 and outs[0].resolve() == outs[1].resolve():
        raise click.UsageError("--jsonl and --csv name the same file: give them different names")
    for out in outs:
        if out.resolve() in inputs:
            raise click.UsageError(f"output file {out} is one of the inputs: inputs are never overwritten")
        if out.suffix.lower() in SUPPORTED_SUFFIXES:
            raise click.UsageError(f"output file {out} has an image/PDF extension: did you mean an input?")
        if not out.resolve().parent.is_dir():
            raise click.UsageError(f"the folder for {out} does not exist")


def _read_file(path: Path, options: ReadOptions) -> Iterator[PageResult]:
    """Every page of one file; a failure inside the library becomes an error page."""
    try:
        yield from read_path(path, options=options)
    except SrsScanError:
        raise
    except Exception as exc:  # noqa: BLE001 - one file must never stop the batch
        yield PageResult(
            str(path), 1, PageStatus.ERROR,
            reasons=(f"internal error while reading the file ({type(exc).__name__}): please report it",),
        )


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
