"""Command line: a thin layer over :mod:`srs_scan.pipeline`.

Exceptions become exit codes here and only here.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path

import click

from . import __version__
from .decode import SUPPORTED_SUFFIXES, expand_inputs
from .exceptions import ExitCode, SrsScanError
from .model import PageStatus
from .pipeline import ReadOptions, read_path
from .report import CsvSink, atomic_text_file, format_summary, json_record


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="srs-scan")
def main() -> None:
    """Read paper Session Rating Scale (SRS) and Outcome Rating Scale (ORS) forms."""


@main.command()
@click.argument(
    "inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path)
)
@click.option("--jsonl", type=click.Path(dir_okay=False, path_type=Path), help="Write one JSON record per page to FILE.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), help="Write one CSV row per page to FILE.")
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
    pages or files could not be read, 3 when none could, 2 for usage errors.
    """
    files = expand_inputs(inputs)
    if not files:
        raise click.UsageError(
            "no supported files found in the given folders "
            f"(supported: {', '.join(sorted(s.lstrip('.') for s in SUPPORTED_SUFFIXES))})"
        )
    resolved_inputs = {f.resolve() for f in files}
    for out in (jsonl, csv_path):
        if out is not None and out.resolve() in resolved_inputs:
            raise click.UsageError(f"output file {out} is one of the inputs: inputs are never overwritten")
    options = ReadOptions(item_threshold=item_threshold)
    counts = {status: 0 for status in PageStatus}
    review_pages: list[str] = []
    try:
        with ExitStack() as stack:
            jsonl_handle = stack.enter_context(atomic_text_file(jsonl)) if jsonl else None
            csv_sink = CsvSink(stack.enter_context(atomic_text_file(csv_path))) if csv_path else None
            for path in files:
                for result in read_path(path, options=options):
                    counts[result.status] += 1
                    if result.status is PageStatus.REVIEW:
                        review_pages.append(f"{result.source} p{result.page}")
                    if jsonl_handle is not None:
                        jsonl_handle.write(json_record(result) + "\n")
                    if csv_sink is not None:
                        csv_sink.write(result)
                    if not quiet or result.status is PageStatus.ERROR:
                        click.echo(format_summary(result), err=result.status is PageStatus.ERROR and quiet)
    except SrsScanError as exc:
        click.echo(f"srs-scan: {exc}", err=True)
        sys.exit(int(exc.exit_code))
    except OSError as exc:
        click.echo(f"srs-scan: cannot write output: {exc}", err=True)
        sys.exit(int(ExitCode.SOME_FAILED))

    pages = sum(counts.values())
    forms = counts[PageStatus.OK] + counts[PageStatus.REVIEW]
    click.echo(
        f"\n{pages} page(s): {forms} form(s) read ({counts[PageStatus.REVIEW]} to review), "
        f"{counts[PageStatus.NO_FORM]} without a form, {counts[PageStatus.ERROR]} unreadable",
        err=quiet,
    )
    if review_pages and quiet:
        click.echo("review: " + ", ".join(review_pages), err=True)
    for out, label in ((jsonl, "JSONL"), (csv_path, "CSV")):
        if out is not None:
            click.echo(f"{label} written to {out}", err=quiet)
    if pages and counts[PageStatus.ERROR] == pages:
        sys.exit(int(ExitCode.NOTHING_READ))
    if counts[PageStatus.ERROR]:
        sys.exit(int(ExitCode.SOME_FAILED))


if __name__ == "__main__":  # pragma: no cover
    main()
