"""``srs-scan export`` as a library call: the ledger's pages, corrections applied, as
JSONL and/or CSV (one record per page), and its sessions for other systems: an OpenFIT
import file, a FHIR Bundle, a spreadsheet (no scanned files needed)."""

from __future__ import annotations

import io
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from ..audit.select import current as current_page
from ..clinic import sources
from ..clinic.records import EVERYTHING, Scope
from ..exceptions import UsageProblem
from ..exports.fhir import FHIR_VERSIONS, bundle_json
from ..exports.openfit import openfit_rows, openfit_selection, write_openfit
from ..exports.records import CsvSink, json_record
from ..exports.sessions import LeftOut, Selection, select_sessions
from ..exports.spreadsheet import workbook_bytes
from ..ledger.location import ServerAddress
from ..ledger.store import Ledger
from ..outputs import atomic_text_file, not_replaceable, write_bytes_atomically


@dataclass(frozen=True)
class Exported:
    pages: int
    corrected: int  # pages with at least one item set by a person


def export_pages(ledger: Ledger, *, jsonl: Path | None = None, csv_path: Path | None = None) -> Exported:
    """Write every page of ``ledger`` as it stands; files appear only once complete."""
    pages = [current_page(ledger, stored) for stored in ledger.pages()]
    with ExitStack() as stack:
        handle = stack.enter_context(atomic_text_file(jsonl)) if jsonl else None
        most = max((len(p.result.items) for p in pages), default=0)  # item columns: a clinic's form may have more
        sink = CsvSink(stack.enter_context(atomic_text_file(csv_path)), most) if csv_path else None
        for page in pages:
            if handle is not None:
                handle.write(json_record(page.result) + "\n")
            if sink is not None:
                sink.write(page.result)
    return Exported(len(pages), sum(p.result.corrected for p in pages))


@dataclass(frozen=True)
class SessionsExported:
    """What ``export_sessions`` wrote: per file, the sessions and form pages it holds,
    and the pages it left out with the reason (page ids, never names)."""

    written: dict[str, tuple[int, int]]  # "openfit"/"fhir"/"xlsx" -> (sessions, form pages)
    left_out: dict[str, tuple[LeftOut, ...]]


def export_sessions(ledger: Ledger, *, openfit: Path | None = None, fhir: Path | None = None,
                    xlsx: Path | None = None, scope: Scope = EVERYTHING, include_unreviewed: bool = False,
                    fhir_version: str = "R5") -> SessionsExported:
    """The ledger's sessions (corrections and assignments applied, see
    :mod:`srs_scan.exports.sessions`) as an OpenFIT import file, a FHIR transaction Bundle
    and/or a spreadsheet. Every file is built first and then written atomically."""
    if fhir_version not in FHIR_VERSIONS:
        raise UsageProblem(f"--fhir-version is one of {', '.join(FHIR_VERSIONS)}")
    loaded = sources.load(ledger)
    selection = select_sessions(loaded.scores, loaded.left_pages, scope=scope, include_unreviewed=include_unreviewed)
    out: dict[str, tuple[Path, bytes, Selection]] = {}
    if openfit is not None:
        chosen = openfit_selection(selection)
        clients = {r.client for r in chosen.sessions}  # their whole history numbers the sessions
        history = openfit_selection(select_sessions([s for s in loaded.scores if s.client in clients],
                                                    include_unreviewed=include_unreviewed))
        buffer = io.StringIO()
        write_openfit(buffer, openfit_rows(chosen, history))
        out["openfit"] = (openfit, buffer.getvalue().encode("utf-8"), chosen)
    if fhir is not None:
        out["fhir"] = (fhir, bundle_json(selection, version=fhir_version).encode("utf-8"), selection)
    if xlsx is not None:
        out["xlsx"] = (xlsx, workbook_bytes(selection), selection)
    for path, data, _ in out.values():
        write_bytes_atomically(path, data)
    return SessionsExported({k: (len(s.sessions), s.pages) for k, (_, _, s) in out.items()},
                            {k: s.left_out for k, (_, _, s) in out.items()})


SESSION_KINDS = (("openfit", ".csv"), ("fhir", ".json"), ("xlsx", ".xlsx"))


def check_session_outputs(db: Path | ServerAddress, outputs: dict[str, Path | None], *,
                          others: tuple[Path | None, ...] = (),
                          force: bool = False) -> None:
    """Refuse session outputs (kind -> path) that go into a missing folder, name the
    ledger, each other or ``others`` (the --jsonl/--csv files), have the wrong ending, or
    would replace something srs-scan did not write (unless ``force``)."""
    seen = {p.resolve(): str(p) for p in others if p is not None and str(p) != "-"}
    for kind, suffix in SESSION_KINDS:
        path = outputs.get(kind)
        if path is None:
            continue
        if path.suffix.lower() != suffix:
            raise UsageProblem(f"--{kind} {path}: the file should end in {suffix}")
        if not path.resolve().parent.is_dir():
            raise UsageProblem(f"the folder for {path} does not exist")
        if isinstance(db, Path) and path.resolve() == db.resolve():
            raise UsageProblem(f"--{kind} {path} is the ledger: an output cannot be the ledger")
        if path.resolve() in seen:
            raise UsageProblem(f"--{kind} {path} names the same file as {seen[path.resolve()]}: give different names")
        seen[path.resolve()] = str(path)
        problem = not_replaceable(path, kind, force=force)
        if problem is not None:
            raise UsageProblem(problem)


@dataclass(frozen=True)
class ExportDone:
    pages: Exported | None
    sessions: SessionsExported | None


def export(ledger: Ledger, *, jsonl: Path | None = None, csv_path: Path | None = None, openfit: Path | None = None,
           fhir: Path | None = None, xlsx: Path | None = None, scope: Scope = EVERYTHING,
           include_unreviewed: bool = False, fhir_version: str = "R5") -> ExportDone:
    """``srs-scan export``: the pages (--jsonl/--csv, one record per page, as before) and
    the sessions (--openfit/--fhir/--xlsx, with the scope and the unreviewed choice)."""
    pages = export_pages(ledger, jsonl=jsonl, csv_path=csv_path) if jsonl or csv_path else None
    sessions = None
    if openfit or fhir or xlsx:
        sessions = export_sessions(ledger, openfit=openfit, fhir=fhir, xlsx=xlsx, scope=scope,
                                   include_unreviewed=include_unreviewed, fhir_version=fhir_version)
    return ExportDone(pages, sessions)
