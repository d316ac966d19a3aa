"""``srs-scan audit`` as a library call: the HTML audit report and the correction trail."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..audit.report import render_report
from ..audit.select import AuditPage, page_image, write_trail
from ..audit.select import select as select_audit
from ..exceptions import UsageProblem
from ..ledger.store import Ledger
from ..outputs import atomic_text_file, shown, write_bytes_atomically


@dataclass
class AuditOutcome:
    """What was written: pages in the report (and how many to review), pages shown
    without a picture (their file moved or changed), corrections in the trail."""

    pages: int = 0
    review: int = 0
    unseen: list[str] = field(default_factory=list)
    corrections: int | None = None


def write_report(ledger: Ledger, output: Path, *, sources: Sequence[Path] = (), sample: int | None = None,
                 seed: int = 0, review_only: bool = False, on_start: Callable[[int], None] | None = None,
                 progress: Callable[[], None] | None = None) -> AuditOutcome:
    """The audit report of the chosen pages, written atomically to ``output``."""
    chosen = select_audit(ledger, sources=sources, sample=sample, seed=seed, review_only=review_only)
    if chosen.unmatched:
        raise UsageProblem(f"no page in the ledger was read from {chosen.unmatched[0]}")
    pages = chosen.pages
    scope = ""
    if sample is not None:
        scope = (f"This is a sample: every review page and every page close to a cutoff, plus {sample} of "
                 f"the other forms drawn at random (seed {seed}); {chosen.left_out} of the "
                 f"{chosen.total} pages are left out.")
    elif review_only:
        scope = f"Only the pages to review: {chosen.total - len(pages)} of {chosen.total} pages are left out."
    outcome = AuditOutcome(pages=len(pages), review=sum(p.review for p in pages))

    def picture(page: AuditPage) -> np.ndarray | str:
        image = page_image(page.stored)
        if isinstance(image, str):
            outcome.unseen.append(f"{shown(page.result.source)} p{page.result.page}")
        return image

    if on_start is not None:
        on_start(len(pages))
    html = render_report(pages, images=picture, progress=progress, scope=scope)
    write_bytes_atomically(output, html.encode("utf-8"))
    return outcome


def write_trail_file(ledger: Ledger, trail_path: Path) -> int:
    """The trail of corrections as CSV, written atomically; returns the number of rows."""
    with atomic_text_file(trail_path) as handle:
        return write_trail(handle, ledger)
