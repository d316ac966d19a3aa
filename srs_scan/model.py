"""Typed records passed between pipeline stages and returned to callers.

Coordinate conventions
----------------------
* Image coordinates are ``(x, y)`` in pixels of the *decoded* page image, origin at
  the top-left pixel centre, x to the right, y down.
* "Line coordinates" of a scale are ``u`` along the line (0 at the left end, 100 at
  the right end, in millimetres of a nominal 100 mm line, i.e. 10 x the fraction of
  the printed line) and ``v`` across it (0 on the line's centre, positive downwards on
  the upright page).

Expected outcomes (no mark, two marks, no form on the page) are *states* in these
records, never exceptions and never ``None`` results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np


class ItemStatus(str, Enum):
    OK = "ok"
    MISSING = "missing"  # no mark on the line: mm and score are None, never 0
    REVIEW = "review"  # a person must decide; mm is the best guess


BLANK_REASON = "item(s) have no mark: total not computed"  # the end of the page reason for blank lines


class PageStatus(str, Enum):
    OK = "ok"
    REVIEW = "review"
    NO_FORM = "no_form"
    ERROR = "error"


@dataclass(frozen=True)
class PageImage:
    """One decoded page, as it came out of the file.

    image : ndarray of shape (M, N) uint8 (gray) or (M, N, 3) uint8 (BGR)
    dpi : pixels per inch when the file states a physical scale, else None
    """

    source: str
    page: int  # 1-based page (frame) number within the source file
    image: np.ndarray
    dpi: float | None = None


@dataclass(frozen=True)
class ScaleLine:
    """One detected printed line, in image pixel coordinates.

    ``left`` and ``right`` are the sub-pixel end points (x, y) of the printed line on the
    upright page. ``vanishing`` is the image point where the page's horizontal lines
    meet (None when they are parallel in the image); it turns image distances along
    the line into page distances (a 1-D projective map).
    ``thickness_px`` is the stroke width of the printed line.
    """

    left: tuple[float, float]
    right: tuple[float, float]
    thickness_px: float
    vanishing: tuple[float, float] | None = None
    bow_px: float = 0.0  # largest deviation of the ink from the straight chord

    @property
    def length_px(self) -> float:
        return float(np.hypot(self.right[0] - self.left[0], self.right[1] - self.left[1]))


@dataclass(frozen=True)
class MarkReading:
    """The reading of one scale line before scoring.

    ``u_mm`` is the mark position on a nominal 100 mm line (None when no mark).
    ``reasons`` says why a person should look at it (empty when confident).
    """

    u_mm: float | None
    status: ItemStatus
    reasons: tuple[str, ...] = ()
    confidence: float = 1.0
    candidates: tuple[float, ...] = ()  # every mark position found, mm


@dataclass(frozen=True)
class ItemResult:
    """One scored item of a form, top to bottom."""

    name: str
    mm: float | None  # distance from the left end on a 100 mm line (the form's line), 0.1 mm resolution
    score: float | None  # mm / 10 (10 x mm / the form's line length), rounded to 0.1
    status: ItemStatus
    reasons: tuple[str, ...] = ()
    confidence: float = 1.0
    line_length_mm: float | None = None  # printed length, when the scale is known
    # set by a person (srs-scan correct / review): the machine's reading is kept beside it
    corrected: bool = False
    machine_mm: float | None = None
    machine_status: ItemStatus | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "mm": self.mm,
            "score": self.score,
            "status": self.status.value,
            "reasons": list(self.reasons),
            "confidence": round(self.confidence, 3),
            "line_length_mm": self.line_length_mm,
            "corrected": self.corrected,
            "machine_mm": self.machine_mm,
            "machine_status": self.machine_status.value if self.machine_status else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ItemResult:
        machine = d.get("machine_status")
        return cls(
            d["name"], d["mm"], d["score"], ItemStatus(d["status"]), tuple(d["reasons"]), float(d["confidence"]),
            d.get("line_length_mm"), bool(d.get("corrected", False)), d.get("machine_mm"),
            ItemStatus(machine) if machine else None,
        )


@dataclass(frozen=True)
class Flag:
    """A clinical flag raised by the scoring rules, with the advice to act on it."""

    code: str
    message: str
    advice: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "advice": self.advice}


@dataclass(frozen=True)
class PageResult:
    """Everything srs-scan knows about one page. The JSONL record is ``to_dict()``."""

    source: str
    page: int
    status: PageStatus
    form: str | None = None  # "srs" | "ors" | "csrs" | "cors" | a clinic form's id | None
    items: tuple[ItemResult, ...] = ()
    total: float | None = None
    flags: tuple[Flag, ...] = ()
    reasons: tuple[str, ...] = ()
    rotation: int | None = None  # degrees clockwise the page was turned to read it
    dpi: float | None = None
    line_length_mm: float | None = None  # mean printed line length, when dpi is known
    warnings: tuple[str, ...] = ()
    geometry: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    # forms printed by srs-scan: their layout, and what their QR code says (None when unread)
    layout: str | None = None  # e.g. "srs-1"
    form_id: str | None = None  # unique to the printed sheet
    client: str | None = None
    session: int | None = None
    print_scale: float | None = None  # printed size / layout size, from the markers (dpi known)
    page_id: str | None = None  # the ledger's name for this page (a prefix of its content hash)
    # a clinic's own form (--template): its file name, the SHA-256 of its text and its line
    # length in mm; None for the forms srs-scan ships (their records do not carry the key)
    template: dict[str, Any] | None = None

    @property
    def review_kind(self) -> str | None:
        """Why a page is in review: ``"check"`` when a person must check the machine's
        reading (a doubtful mark, line end, form type or orientation), ``"blank"`` when the
        only finding is that the client left a line blank (for the clinician, not a doubt
        about the reading: the values read are sure, the total is not computed); None when
        the page is not in review."""
        if self.status is not PageStatus.REVIEW:
            return None
        only_blank = all(r.endswith(BLANK_REASON) for r in self.reasons) and self.reasons
        if only_blank and all(item.status is not ItemStatus.REVIEW for item in self.items):
            return "blank"
        return "check"

    @property
    def corrected(self) -> bool:
        """Whether a person changed any item (see :mod:`srs_scan.ledger.corrections`)."""
        return any(item.corrected for item in self.items)

    def drawing_geometry(self) -> dict[str, Any] | None:
        """What the audit drawing needs to know of where the scales are (plain JSON), or
        None when the page's lines were not measured."""
        found = self.geometry.get("lines") if self.geometry else None
        if not found:
            return None
        vp = self.geometry.get("vanishing_point")
        return {
            "lines": [
                {"left": [float(v) for v in ln["left"]], "right": [float(v) for v in ln["right"]],
                 "thickness_px": float(ln["thickness_px"])}
                for ln in found
            ],
            "vanishing_point": None if vp is None else [float(v) for v in vp],
            "angle_deg": float(self.geometry.get("angle_deg", 0.0)),
        }

    def to_dict(self) -> dict[str, Any]:
        record = {
            "source": self.source,
            "page": self.page,
            "status": self.status.value,
            "form": self.form,
            "items": [item.to_dict() for item in self.items],
            "total": self.total,
            "flags": [f.to_dict() for f in self.flags],
            "reasons": list(self.reasons),
            "warnings": list(self.warnings),
            "rotation": self.rotation,
            "dpi": self.dpi,
            "line_length_mm": self.line_length_mm,
            "layout": self.layout,
            "form_id": self.form_id,
            "client": self.client,
            "session": self.session,
            "print_scale": self.print_scale,
            "page_id": self.page_id,
            "corrected": self.corrected,
            "review_kind": self.review_kind,
        }
        if self.template is not None:  # added for a clinic's own form; absent on the others
            record["template"] = dict(self.template)
        return record

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PageResult:
        """The result a :meth:`to_dict` record describes (the ledger stores those records)."""
        items = tuple(ItemResult.from_dict(i) for i in d.get("items", []))
        return cls(
            source=d["source"], page=int(d["page"]), status=PageStatus(d["status"]), form=d.get("form"),
            items=items, total=d.get("total"),
            flags=tuple(Flag(f["code"], f["message"], f["advice"]) for f in d.get("flags", [])),
            reasons=tuple(d.get("reasons", [])), rotation=d.get("rotation"), dpi=d.get("dpi"),
            line_length_mm=d.get("line_length_mm"), warnings=tuple(d.get("warnings", [])),
            layout=d.get("layout"), form_id=d.get("form_id"), client=d.get("client"),
            session=d.get("session"), print_scale=d.get("print_scale"), page_id=d.get("page_id"),
            template=d.get("template"),
        )
