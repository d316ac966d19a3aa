"""Printed layouts: where everything sits on the forms srs-scan prints itself.

One JSON file per layout in ``templates/printed/``. The same data drives the PDF
writer (:mod:`srs_scan.forms.printing`) and the reader (:mod:`srs_scan.read.fiducials`): marker
positions, the QR code's box and the four scale lines. Adding a layout is adding a
file; a malformed one raises :class:`TemplateError` naming the file and the field.

Coordinates are *frame* millimetres: origin at the top-left corner of the form's frame
(the outer corner of the top-left marker), x right, y down. The frame is centred on
the paper, so one layout prints on A4 and on US Letter alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..exceptions import TemplateError
from .definitions import _templates_dir, all_forms, check_schema, require_field

SCHEMA_VERSION = 1
PAPERS_MM: dict[str, tuple[float, float]] = {"a4": (210.0, 297.0), "letter": (215.9, 279.4)}
MIN_MARGIN_MM = 6.0  # most printers cannot print closer to the paper's edge
MARKER_DICTIONARIES = ("DICT_4X4_50", "DICT_4X4_100", "DICT_4X4_250", "DICT_4X4_1000")
QR_LEVELS = ("L", "M", "Q", "H")

Point = tuple[float, float]


@dataclass(frozen=True)
class Marker:
    id: int
    at_mm: Point  # top-left corner of the marker (outer edge of its black border)
    size_mm: float

    @property
    def corners_mm(self) -> tuple[Point, Point, Point, Point]:
        """The four outer corners in ArUco's order: top-left, top-right, bottom-right,
        bottom-left, as printed upright."""
        x, y, s = self.at_mm[0], self.at_mm[1], self.size_mm
        return ((x, y), (x + s, y), (x + s, y + s), (x, y + s))


@dataclass(frozen=True)
class TextBlock:
    text: str
    at_mm: Point  # left end of the first line's baseline
    size_pt: float
    width_mm: float | None = None  # wrap width; None = one line


@dataclass(frozen=True)
class ItemText:
    label: str
    left: str
    right: str


@dataclass(frozen=True)
class Field:
    label: str
    at_mm: Point  # label baseline start; the write-on line follows the label
    length_mm: float
    fill: str | None = None  # "client" | "session": printed in when known


@dataclass(frozen=True)
class PrintedLayout:
    """One printable form layout (``id`` such as ``"srs-1"``)."""

    id: str
    form: str  # the form definition it prints ("srs", "ors")
    version: int
    frame_mm: Point
    marker_dictionary: str
    markers: tuple[Marker, ...]
    qr_at_mm: Point
    qr_size_mm: float
    qr_level: str
    qr_note: str | None  # printed centred under the code
    line_length_mm: float
    line_width_mm: float
    left_ends_mm: tuple[Point, ...]  # each scale's left end (centre of the stroke), top first
    title: TextBlock
    subtitle: TextBlock | None
    instructions: TextBlock | None
    items: tuple[ItemText, ...]
    item_size_pt: float
    anchor_size_pt: float
    anchor_width_mm: float
    label_baseline_mm: float  # item label's baseline, this far above its line
    anchor_baseline_mm: float  # anchor text's first baseline, this far below its line
    fields: tuple[Field, ...]
    check_bar_at_mm: Point  # left end of the 100 mm check bar
    check_bar_length_mm: float

    @property
    def scale_ends_mm(self) -> tuple[tuple[Point, Point], ...]:
        """(left, right) end of each scale line, top first."""
        n = self.line_length_mm
        return tuple(((x, y), (x + n, y)) for x, y in self.left_ends_mm)

    @property
    def qr_corners_mm(self) -> tuple[Point, Point, Point, Point]:
        x, y, s = self.qr_at_mm[0], self.qr_at_mm[1], self.qr_size_mm
        return ((x, y), (x + s, y), (x + s, y + s), (x, y + s))

    def frame_origin_mm(self, paper: str) -> Point:
        """Where the frame's top-left corner sits on ``paper`` (the frame is centred)."""
        pw, ph = PAPERS_MM[paper]
        return ((pw - self.frame_mm[0]) / 2.0, (ph - self.frame_mm[1]) / 2.0)


# ----------------------------------------------------------------------------- loading


def _point(data: dict[str, Any], key: str, where: str) -> Point:
    value = require_field(data, key, list, where)
    if len(value) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        raise TemplateError(f"{where}: field '{key}' must be [x, y] in millimetres")
    return (float(value[0]), float(value[1]))


def _number(data: dict[str, Any], key: str, where: str, lo: float, hi: float) -> float:
    value = float(require_field(data, key, (int, float), where))
    if not lo <= value <= hi:
        raise TemplateError(f"{where}: field '{key}' = {value} is outside {lo}-{hi}")
    return value


def _text(data: dict[str, Any], key: str, where: str, *, optional: bool = False) -> TextBlock | None:
    if optional and key not in data:
        return None
    raw = require_field(data, key, dict, where)
    w = f"{where}: {key}"
    width = _number(raw, "width_mm", w, 10.0, 300.0) if "width_mm" in raw else None
    text = require_field(raw, "text", str, w)
    return TextBlock(text, _point(raw, "at_mm", w), _number(raw, "size_pt", w, 4.0, 40.0), width)


def parse_layout(data: dict[str, Any], where: str = "<layout>") -> PrintedLayout:
    """Validate one printed layout's JSON object and build a :class:`PrintedLayout`."""
    check_schema(data, where, "layout", SCHEMA_VERSION)
    form_id = require_field(data, "form", str, where)
    forms = all_forms()
    if form_id not in forms:
        raise TemplateError(f"{where}: form '{form_id}' is not defined in templates/ (known: {', '.join(forms)})")
    form = forms[form_id]
    frame = _point(data, "frame_mm", where)
    for paper, (pw, ph) in PAPERS_MM.items():
        if frame[0] > pw - 2 * MIN_MARGIN_MM or frame[1] > ph - 2 * MIN_MARGIN_MM:
            raise TemplateError(f"{where}: frame_mm {frame} does not fit on {paper} paper with printer margins")
    dictionary, markers = _markers(require_field(data, "markers", dict, where), frame, where)
    qr = require_field(data, "qr", dict, where)
    qr_at = _point(qr, "at_mm", f"{where}: qr")
    qr_size = _number(qr, "size_mm", f"{where}: qr", 12.0, 60.0)
    qr_level = require_field(qr, "error_correction", str, f"{where}: qr")
    if qr_level not in QR_LEVELS:
        raise TemplateError(f"{where}: qr: error_correction must be one of {', '.join(QR_LEVELS)}")
    _inside((*qr_at, qr_at[0] + qr_size, qr_at[1] + qr_size), frame, where, "the QR code")
    sc = require_field(data, "scales", dict, where)
    lefts = _left_ends(sc, len(form.items), form.line_length_mm, frame, where)
    tx = require_field(data, "text", dict, where)
    bar = require_field(data, "check_bar", dict, where)
    bar_at = _point(bar, "at_mm", f"{where}: check_bar")
    bar_len = _number(bar, "length_mm", f"{where}: check_bar", 50.0, 170.0)
    _inside((*bar_at, bar_at[0] + bar_len, bar_at[1]), frame, where, "the check bar")
    return PrintedLayout(
        id=require_field(data, "id", str, where),
        form=form_id,
        version=require_field(data, "version", int, where),
        frame_mm=frame,
        marker_dictionary=dictionary,
        markers=markers,
        qr_at_mm=qr_at,
        qr_size_mm=qr_size,
        qr_level=qr_level,
        qr_note=qr.get("note") if isinstance(qr.get("note"), str) else None,
        line_length_mm=form.line_length_mm,
        line_width_mm=_number(sc, "line_width_mm", f"{where}: scales", 0.1, 1.5),
        left_ends_mm=lefts,
        title=_text(tx, "title", f"{where}: text"),  # type: ignore[arg-type]
        subtitle=_text(tx, "subtitle", f"{where}: text", optional=True),
        instructions=_text(tx, "instructions", f"{where}: text", optional=True),
        items=_item_texts(tx, len(form.items), where),
        item_size_pt=_number(tx, "item_size_pt", f"{where}: text", 4.0, 30.0),
        anchor_size_pt=_number(tx, "anchor_size_pt", f"{where}: text", 4.0, 30.0),
        anchor_width_mm=_number(tx, "anchor_width_mm", f"{where}: text", 10.0, 100.0),
        label_baseline_mm=_number(tx, "label_baseline_mm", f"{where}: text", 3.0, 30.0),
        anchor_baseline_mm=_number(tx, "anchor_baseline_mm", f"{where}: text", 3.0, 30.0),
        fields=_fields(data.get("fields", []), where),
        check_bar_at_mm=bar_at,
        check_bar_length_mm=bar_len,
    )


def _inside(box: tuple[float, float, float, float], frame: Point, where: str, what: str) -> None:
    """TemplateError unless ``box`` (x0, y0, x1, y1 in mm) lies within the frame."""
    x0, y0, x1, y1 = box
    if x0 < -1e-9 or y0 < -1e-9 or x1 > frame[0] + 1e-9 or y1 > frame[1] + 1e-9:
        raise TemplateError(f"{where}: {what} lies outside the frame")


def _markers(mk: dict[str, Any], frame: Point, where: str) -> tuple[str, tuple[Marker, ...]]:
    """The marker dictionary and the four corner markers, one near each corner."""
    dictionary = require_field(mk, "dictionary", str, f"{where}: markers")
    if dictionary not in MARKER_DICTIONARIES:
        known = ", ".join(MARKER_DICTIONARIES)
        raise TemplateError(f"{where}: markers: dictionary '{dictionary}' is not one of {known}")
    size = _number(mk, "size_mm", f"{where}: markers", 5.0, 40.0)
    placed = require_field(mk, "placed", list, f"{where}: markers")
    if len(placed) != 4:
        raise TemplateError(f"{where}: markers: 'placed' must list 4 markers (one per corner), found {len(placed)}")
    markers = []
    for i, raw in enumerate(placed, 1):
        w = f"{where}: marker {i}"
        marker = Marker(require_field(raw, "id", int, w), _point(raw, "at_mm", w), size)
        _inside((*marker.at_mm, marker.at_mm[0] + size, marker.at_mm[1] + size), frame, where, f"marker {i}")
        markers.append(marker)
    if len({m.id for m in markers}) != 4:
        raise TemplateError(f"{where}: markers: the four marker ids must differ")
    # the markers must span the page: a homography from four bunched points is useless
    xs = sorted(m.at_mm[0] for m in markers)
    ys = sorted(m.at_mm[1] for m in markers)
    if xs[2] - xs[1] < 0.5 * frame[0] or ys[2] - ys[1] < 0.5 * frame[1]:
        raise TemplateError(f"{where}: markers: place one marker near each corner of the frame")
    return dictionary, tuple(markers)


def _left_ends(sc: dict[str, Any], n_items: int, line_mm: float, frame: Point, where: str) -> tuple[Point, ...]:
    """The scale lines' left ends, one per item, top to bottom, each line inside the frame."""
    lefts_raw = require_field(sc, "left_ends_mm", list, f"{where}: scales")
    if len(lefts_raw) != n_items:
        raise TemplateError(f"{where}: scales: {len(lefts_raw)} lines for a form with {n_items} items")
    lefts = tuple(_point({"p": p}, "p", f"{where}: scales: line {i}") for i, p in enumerate(lefts_raw, 1))
    for i, (x, y) in enumerate(lefts, 1):
        _inside((x, y, x + line_mm, y), frame, where, f"scale line {i}")
    if any(b[1] <= a[1] for a, b in zip(lefts, lefts[1:], strict=False)):
        raise TemplateError(f"{where}: scales: lines must be listed top to bottom")
    return lefts


def _item_texts(tx: dict[str, Any], n_items: int, where: str) -> tuple[ItemText, ...]:
    items_raw = require_field(tx, "items", list, f"{where}: text")
    if len(items_raw) != n_items:
        raise TemplateError(f"{where}: text: {len(items_raw)} item texts for {n_items} items")
    return tuple(
        ItemText(*(require_field(raw, k, str, f"{where}: text: item {i}") for k in ("label", "left", "right")))
        for i, raw in enumerate(items_raw, 1)
    )


def _fields(raws: list[Any], where: str) -> tuple[Field, ...]:
    """The header fields (Name, Date, ...); 'fill' names what srs-scan prints into one."""
    fields = []
    for i, raw in enumerate(raws, 1):
        w = f"{where}: field {i}"
        fill = raw.get("fill") if isinstance(raw, dict) else None
        if fill not in (None, "client", "session"):
            raise TemplateError(f"{w}: fill must be 'client' or 'session'")
        label, at = require_field(raw, "label", str, w), _point(raw, "at_mm", w)
        fields.append(Field(label, at, _number(raw, "length_mm", w, 5, 200), fill))
    return tuple(fields)


def load_layout_file(path: Path) -> PrintedLayout:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TemplateError(f"printed/{path.name}: cannot be read as JSON ({exc})") from exc
    return parse_layout(data, where=f"printed/{path.name}")


def check_unique(layouts: list[PrintedLayout]) -> None:
    """Layout ids, (form, version) pairs and marker ids must not repeat across layouts:
    the markers alone say which layout a page is."""
    seen_ids: dict[str, str] = {}
    seen_versions: dict[tuple[str, int], str] = {}
    seen_markers: dict[tuple[str, int], str] = {}
    for lay in layouts:
        if lay.id in seen_ids:
            raise TemplateError(f"printed layout id '{lay.id}' is defined twice")
        seen_ids[lay.id] = lay.id
        key = (lay.form, lay.version)
        if key in seen_versions:
            raise TemplateError(
                f"{lay.id}: {lay.form} layout version {lay.version} is already used by {seen_versions[key]}"
            )
        seen_versions[key] = lay.id
        for m in lay.markers:
            mkey = (lay.marker_dictionary[:8], m.id)  # DICT_4X4_* share their first ids
            if mkey in seen_markers:
                raise TemplateError(f"{lay.id}: marker id {m.id} is already used by {seen_markers[mkey]}")
            seen_markers[mkey] = lay.id


@lru_cache(maxsize=1)
def all_layouts() -> dict[str, PrintedLayout]:
    """Every printed layout in ``templates/printed/``, by id."""
    folder = _templates_dir() / "printed"
    layouts = [load_layout_file(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    check_unique(layouts)
    return {lay.id: lay for lay in layouts}


def layout_for(form: str, version: int | None = None) -> PrintedLayout:
    """The printed layout of ``form``: the given version, or the newest."""
    candidates = [lay for lay in all_layouts().values() if lay.form == form]
    if version is not None:
        candidates = [lay for lay in candidates if lay.version == version]
    if not candidates:
        which = f"{form} version {version}" if version is not None else form
        raise TemplateError(f"no printed layout for {which} in templates/printed/")
    return max(candidates, key=lambda lay: lay.version)
