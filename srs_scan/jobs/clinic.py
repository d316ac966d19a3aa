"""``srs-scan clients`` and ``srs-scan report`` as library calls: the ledger's pages as
they stand, with their assignments, turned into the caseload (:mod:`srs_scan.clinic`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..clinic import report, sources
from ..clinic.records import EVERYTHING, Scope
from ..clinic.rules import DEFAULT_SETTINGS, Settings
from ..clinic.summary import Caseload, caseload, to_json
from ..ledger.store import Ledger
from ..outputs import write_bytes_atomically


def load_caseload(ledger: Ledger, scope: Scope = EVERYTHING, settings: Settings = DEFAULT_SETTINGS) -> Caseload:
    loaded = sources.load(ledger)
    return caseload(loaded.scores, scope, settings, left_out=loaded.left_out)


def write_json(load: Caseload, path: Path) -> None:
    write_bytes_atomically(path, (json.dumps(to_json(load), indent=1) + "\n").encode("utf-8"))


@dataclass(frozen=True)
class Reported:
    clients: int
    sessions: int
    open_alerts: int
    html_bytes: int


def write_report(ledger: Ledger, output: Path | None, *, json_path: Path | None = None, scope: Scope = EVERYTHING,
                 settings: Settings = DEFAULT_SETTINGS, progress: Callable[[], None] | None = None) -> Reported:
    """The HTML report (and/or its figures as JSON), each written atomically."""
    load = load_caseload(ledger, scope, settings)
    size = 0
    if output is not None:
        data = report.render(load, progress=progress).encode("utf-8")
        write_bytes_atomically(output, data)
        size = len(data)
    if json_path is not None:
        write_json(load, json_path)
    return Reported(len(load.clients), load.figures.sessions, sum(not a.good for a in load.open_alerts), size)
