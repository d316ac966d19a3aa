"""Errors for unreadable input and bad usage, each carrying its exit code.

Expected outcomes of reading a page (no form, no mark, two marks) are states in
:mod:`srs_scan.model`, not exceptions. Exceptions are for input that cannot be read
at all. The CLI turns them into exit codes in exactly one place.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # every input read (pages needing review included)
    SOME_FAILED = 1  # some files or pages could not be read; the rest were
    USAGE = 2  # bad command line (click's own code for usage errors)
    NOTHING_READ = 3  # no page at all could be read
    OUTPUT_FAILED = 4  # an output file could not be written (nothing half-written is left)
    LEDGER_FAILED = 5  # the ledger is damaged, full or cannot be used (the message says what to do)
    INTERNAL = 70  # a bug: please report it
    INTERRUPTED = 130  # Ctrl-C or SIGTERM (the shell's convention: 128 + SIGINT)


class SrsScanError(Exception):
    """Base class; ``exit_code`` says how the CLI ends when this reaches it."""

    exit_code = ExitCode.INTERNAL


class UsageProblem(SrsScanError):
    """The request cannot be carried out as asked (an output over an input, a missing
    folder, a bad ledger path); the message says what to change."""

    exit_code = ExitCode.USAGE


class UnreadableInputError(SrsScanError):
    """A file (or a page in it) could not be decoded. The message says what to do."""

    exit_code = ExitCode.SOME_FAILED


class UnsupportedFormatError(UnreadableInputError):
    """The file is not one of the supported formats."""


class TemplateError(SrsScanError):
    """A form layout file in ``templates/`` is missing or invalid (a broken install)."""

    exit_code = ExitCode.INTERNAL


class TemplateFileError(UsageProblem):
    """A clinic's own template file (``--template FILE``) that cannot be used: the message
    names the file and the field, e.g. ``pain3.json: items[2].name: missing``."""

    exit_code = ExitCode.USAGE


class LedgerFailure(SrsScanError):
    """The ledger cannot be read or written (damaged, a full disk, in use, read-only).
    The message is one line saying what happened and what to do."""

    exit_code = ExitCode.LEDGER_FAILED


class ClusterUnavailable(SrsScanError):
    """The Dask cluster of ``--cluster`` cannot be reached, has no workers, or was lost during
    the run (the pages read before are kept in the ledger). The message is one line."""

    exit_code = ExitCode.NOTHING_READ
