"""A small ledger for the export tests, written page by page (no rendering), as
tests/clinic/feed.py does: every value below is the truth the tests check against.

Clients (IDs only):

- A1 (therapist T1, site S1): session 1 on 2026-03-02, ORS and SRS; session 2 on
  2026-03-09, ORS and an SRS page still in review; session 3 on 2026-03-16, an ORS with
  item 3 missing (no total) and an SRS with a real 0.0 on item 4.
- B2 (therapist T2, site S2): session 1 on 2026-03-10, ORS only; session 2 on 2026-03-03
  (earlier than session 1: dates, not session numbers, order OpenFIT's Session_ID), SRS
  only, item 4 corrected by a person from 80.0 mm to 96.0 mm; session 3 with no date, ORS.
- K3 (therapist T1, site S1): session 1 on 2026-03-04, CORS and CSRS (child forms).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from srs_scan.jobs.correct import correct_item
from srs_scan.ledger import assignments
from srs_scan.ledger.store import Ledger, settings_key
from srs_scan.model import ItemResult, ItemStatus, PageResult, PageStatus

NAMES = {"ors": ("Individually", "Interpersonally", "Socially", "Overall"),
         "cors": ("Me", "Family", "School", "Everything"),
         "srs": ("Relationship", "Goals and Topics", "Approach or Method", "Overall"),
         "csrs": ("Listening", "How Important", "What We Did", "Overall")}


@dataclass(frozen=True)
class TruePage:
    key: str  # a name for the test: "A1/1/ors"
    client: str
    session: int
    date: date | None
    therapist: str
    site: str
    form: str
    mm: tuple[float | None, ...]  # as read by the machine (None: missing)
    review: bool = False

    @property
    def hash(self) -> str:
        return hashlib.sha256(self.key.encode()).hexdigest()

    @property
    def page_id(self) -> str:
        return self.hash[:12]


D = date
PAGES = (
    TruePage("A1/1/ors", "A1", 1, D(2026, 3, 2), "T1", "S1", "ors", (50.0, 60.0, 45.0, 70.0)),
    TruePage("A1/1/srs", "A1", 1, D(2026, 3, 2), "T1", "S1", "srs", (90.0, 95.0, 88.0, 91.0)),
    TruePage("A1/2/ors", "A1", 2, D(2026, 3, 9), "T1", "S1", "ors", (60.0, 60.0, 60.0, 60.0)),
    TruePage("A1/2/srs", "A1", 2, D(2026, 3, 9), "T1", "S1", "srs", (99.0, 99.0, 99.0, 99.0), review=True),
    TruePage("A1/3/ors", "A1", 3, D(2026, 3, 16), "T1", "S1", "ors", (70.0, 72.0, None, 75.0)),
    TruePage("A1/3/srs", "A1", 3, D(2026, 3, 16), "T1", "S1", "srs", (100.0, 100.0, 100.0, 0.0)),
    TruePage("B2/1/ors", "B2", 1, D(2026, 3, 10), "T2", "S2", "ors", (33.0, 44.0, 55.0, 66.0)),
    TruePage("B2/2/srs", "B2", 2, D(2026, 3, 3), "T2", "S2", "srs", (90.0, 92.0, 94.0, 80.0)),
    TruePage("B2/3/ors", "B2", 3, None, "T2", "S2", "ors", (10.0, 20.0, 30.0, 40.0)),
    TruePage("K3/1/cors", "K3", 1, D(2026, 3, 4), "T1", "S1", "cors", (70.0, 70.0, 70.0, 70.0)),
    TruePage("K3/1/csrs", "K3", 1, D(2026, 3, 4), "T1", "S1", "csrs", (90.0, 90.0, 90.0, 90.0)),
)
BY_KEY = {p.key: p for p in PAGES}
CORRECTED = ("B2/2/srs", 4, 96.0)  # page, item, the person's value in mm


def true_scores(key: str) -> tuple[float, ...]:
    """The item scores after the person's correction (mm / 10)."""
    page = BY_KEY[key]
    mm = list(page.mm)
    if key == CORRECTED[0]:
        mm[CORRECTED[1] - 1] = CORRECTED[2]
    return tuple(round(v / 10, 1) for v in mm if v is not None)


def _result(page: TruePage) -> PageResult:
    items = tuple(ItemResult(name, mm, None if mm is None else round(mm / 10, 1),
                             ItemStatus.MISSING if mm is None else ItemStatus.OK, line_length_mm=100.0)
                  for name, mm in zip(NAMES[page.form], page.mm, strict=True))
    total = None if any(mm is None for mm in page.mm) else round(sum(page.mm) / 10, 1)  # type: ignore[arg-type]
    status = PageStatus.REVIEW if page.review else PageStatus.OK
    return PageResult(f"{page.client}.pdf", 1, status, form=page.form, items=items, total=total,
                      reasons=("planted review",) if page.review else (),
                      warnings=("item 3 missing",) if total is None else ())


def build(folder: Path) -> Path:
    """The ledger with every page, its assignment and the one correction."""
    db = folder / "ledger.sqlite"
    ledger = Ledger(db)
    try:
        settings = settings_key(item_threshold=None)
        for page in PAGES:
            ledger.put(page.hash, settings, _result(page).to_dict())
            assignments.record(ledger, page.hash, assignments.Assignment(
                page.client, page.session, page.date, page.therapist, page.site), by="clerk", via="file")
        key, item, mm = CORRECTED
        correct_item(ledger, BY_KEY[key].page_id, item, mm=mm, by="Dr A", reason="misread")
    finally:
        ledger.close()
    return db
