"""The synthetic caseload put into a ledger as pages read (no rendering), with the
assignment CSV a clinic would write: for the 200-client tests and the benchmark."""

from __future__ import annotations

import csv
import hashlib
import json
import sqlite3
from pathlib import Path

from caseload import TrueClient

from srs_scan.ledger.store import Ledger, settings_key
from srs_scan.model import ItemResult, ItemStatus, PageResult, PageStatus

NAMES = {"ors": ("Individually", "Interpersonally", "Socially", "Overall"),
         "cors": ("Me", "Family", "School", "Everything"),
         "srs": ("Relationship", "Goals and Topics", "Approach or Method", "Overall"),
         "csrs": ("Listening", "How Important", "What We Did", "Overall")}


def page_of(source: str, page: int, form: str, tenths: tuple[int, ...], status: PageStatus = PageStatus.OK
            ) -> PageResult:
    items = tuple(ItemResult(name, float(v), v / 10, ItemStatus.OK, line_length_mm=100.0)
                  for name, v in zip(NAMES[form], tenths, strict=True))
    return PageResult(source, page, status, form=form, items=items, total=sum(tenths) / 10,
                      reasons=("planted review",) if status is PageStatus.REVIEW else ())


def feed(clients: list[TrueClient], folder: Path, *, review: set[tuple[str, int, str]] = frozenset()
         ) -> tuple[Path, Path, dict[tuple[str, int, str], str]]:
    """A ledger with one file per client (pages: each session's outcome form then its
    alliance form) and the assignment CSV for it; returns them and the page ids."""
    db, csv_path = folder / "ledger.sqlite", folder / "assign.csv"
    Ledger(db).close()  # a new ledger, then its pages written straight in, in one transaction for speed
    con = sqlite3.connect(db)
    ids = {}
    settings = settings_key(item_threshold=None)
    rows = []
    with con:
        for c in clients:
            source = f"{c.id}.pdf"
            page = 0
            for s in c.sessions:
                for form, values in ((s.outcome_form, s.ors), (s.alliance_form, s.srs)):
                    if values is None:
                        continue
                    page += 1
                    key = hashlib.sha256(f"{c.id}/{s.number}/{form}".encode()).hexdigest()
                    status = PageStatus.REVIEW if (c.id, s.number, form) in review else PageStatus.OK
                    record = page_of(source, page, form, values, status).to_dict()
                    con.execute(
                        "INSERT INTO pages (page_hash, settings, source, page, status, form_id, record, version,"
                        " read_at, path, options, geometry) VALUES (?, ?, ?, ?, ?, NULL, ?, '0',"
                        " '2026-01-01T00:00:00+00:00', NULL, '{}', NULL)",
                        (key, settings, source, page, record["status"], json.dumps(record)))
                    ids[(c.id, s.number, form)] = key[:12]
                    rows.append([source, page, c.id, s.number, s.date.isoformat() if s.date else "", s.therapist,
                                 s.site])
    con.close()
    with csv_path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["source", "page", "client", "session", "date", "therapist", "site"])
        w.writerows(rows)
    return db, csv_path, ids
