"""``srs-scan assign`` as a library call: pages given their client, session, date,
therapist and site, by a person, an assignment file or a file-name pattern."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from ..exceptions import UsageProblem
from ..ledger import assignments
from ..ledger.assignments import Assignment, AssignmentEntry
from ..ledger.store import Ledger, StoredPage
from ..model import PageStatus


@dataclass
class AssignOutcome:
    """What an assignment file or pattern did: pages assigned, already so, and what matched nothing."""

    assigned: int = 0
    unchanged: int = 0
    unmatched: list[str] = field(default_factory=list)  # file rows (line: source) that name no page
    no_form: int = 0  # matching pages without a form: left alone


def assign_page(ledger: Ledger, page_id: str, given: Assignment, *, by: str, via: str = "person") -> tuple[
        StoredPage, AssignmentEntry | None]:
    """Set the given fields of one page's assignment (the others stay as they were)."""
    stored = ledger.find(page_id)
    return stored, assignments.record(ledger, stored.page_hash, given, by=by, via=via, over=True)


def _resolved(source: str) -> str:
    try:
        return str(Path(source).resolve())
    except (OSError, RuntimeError):
        return source


def _forms(ledger: Ledger, sources: Collection[str] | None) -> list[StoredPage]:
    pages = ledger.pages()
    if sources is not None:
        pages = [p for p in pages if p.result.source in sources]
    return pages


def _put(ledger: Ledger, pages: list[StoredPage], new: Assignment, by: str, via: str, out: AssignOutcome) -> None:
    for page in pages:
        if page.result.status in (PageStatus.NO_FORM, PageStatus.ERROR):
            out.no_form += 1
            continue
        if assignments.record(ledger, page.page_hash, new, by=by, via=via) is None:
            out.unchanged += 1
        else:
            out.assigned += 1


def assign_file(ledger: Ledger, csv_path: Path, *, by: str, sources: Collection[str] | None = None) -> AssignOutcome:
    """Each row of an assignment CSV for the pages it names: ``source`` is the file as
    given to srs-scan scan, its path, or (when no other file has that name) its name;
    an empty ``page`` is every page of the file. A row replaces the page's assignment.

    Raises :class:`UsageProblem` for a file that cannot be read or has a bad row (then
    nothing is written) and for a file name that names files in two folders."""
    try:
        rows = assignments.read_csv(csv_path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise UsageProblem(f"cannot read the assignment file {csv_path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"{csv_path}: {exc}") from exc
    pages = _forms(ledger, sources)
    by_source: dict[str, list[StoredPage]] = {}
    by_path: dict[str, list[StoredPage]] = {}
    by_name: dict[str, list[StoredPage]] = {}
    for p in pages:
        by_source.setdefault(p.result.source, []).append(p)
        if p.path is not None:
            by_path.setdefault(p.path, []).append(p)
        by_name.setdefault(PurePath(p.result.source).name, []).append(p)
    plan: list[tuple[list[StoredPage], Assignment]] = []
    out = AssignOutcome()
    for row in rows:
        named = by_source.get(row.source) or by_path.get(_resolved(row.source)) or []
        if not named and PurePath(row.source).name == row.source:
            named = by_name.get(row.source, [])
            if len({p.result.source for p in named}) > 1:
                raise UsageProblem(f"{csv_path} line {row.line}: '{row.source}' names files in several folders: "
                                   "give its path")
        if row.page is not None:
            named = [p for p in named if p.result.page == row.page]
        if not named:
            out.unmatched.append(f"line {row.line}: {row.source}" + (f" p{row.page}" if row.page else ""))
            continue
        plan.append((named, row.assignment))
    for named, new in plan:
        _put(ledger, named, new, by, "file", out)
    return out


def assign_pattern(ledger: Ledger, pattern: str, *, by: str, sources: Collection[str] | None = None) -> AssignOutcome:
    """Every page whose file name matches ``pattern`` (e.g. ``{client}_{session}_{date}.pdf``)
    gets the values in its name. UsageProblem for a bad pattern or a bad value in a name."""
    try:
        regex = assignments.compile_pattern(pattern)
    except ValueError as exc:
        raise UsageProblem(str(exc)) from exc
    out = AssignOutcome()
    matched: dict[str, list[StoredPage]] = {}
    values: dict[str, Assignment] = {}
    for page in _forms(ledger, sources):
        name = PurePath(page.result.source).name
        try:
            got = assignments.from_name(regex, name)
        except ValueError as exc:
            raise UsageProblem(f"{name}: {exc}") from exc
        if got is None:
            continue
        matched.setdefault(page.result.source, []).append(page)
        values[page.result.source] = got
    if not matched:
        out.unmatched.append(f"no file name matches {pattern}")
    for source, pages in matched.items():
        _put(ledger, pages, values[source], by, "pattern", out)
    return out
