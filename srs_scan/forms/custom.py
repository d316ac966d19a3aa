"""A clinic's own forms: template files given with ``--template FILE``.

The same JSON schema as the templates srs-scan ships (``templates/*.json``), checked more
strictly, because a person wrote it: every field is checked on load and a bad file is one
:class:`~srs_scan.exceptions.TemplateFileError` naming the file and the field
(``pain3.json: items[2].name: missing``). ``docs/templates.md`` describes the format.

Required: ``schema`` (1), ``id`` (lowercase letters, digits, ``-`` and ``_``; not the id of
a shipped form, nor of another file loaded with it), ``title``, ``names`` (the title
phrase and acronym printed on the form, for naming it), ``items`` (1 to 10, top to
bottom: ``name``, optional ``aliases``, ``description``, ``left_anchor``,
``right_anchor``) and ``line_length_mm`` (50-200). Optional: ``version`` (1),
``keywords`` and ``title_keywords`` (none), ``scoring`` (no flags), ``advice``,
``layout`` (where the synthetic renderer puts the lines), ``given``.

Not accepted: a ``clinical`` block (the clinic's reports pair the PCOMS forms; a clinic
form's flags come from ``scoring``) and fields the schema does not have (a misspelt
optional field would otherwise be silently ignored).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..exceptions import TemplateFileError
from .definitions import SCHEMA_VERSION, FormDef, ItemDef, all_forms

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_ITEMS = 10
LINE_MM = (50.0, 200.0)
MAX_FILE_BYTES = 256 * 1024  # a template is a few kilobytes
# scoring rules: the total ones are points of the total (0 .. 10 x lines), the item ones of an item (0-10)
TOTAL_RULES = ("total_concern_at_most", "total_cutoff_below", "total_cutoff_above", "perfect_total")
ITEM_RULES = ("item_flag_below", "item_flag_above")
ADVICE_KEYS = ("total_concern", "below_cutoff", "above_cutoff", "perfect", "item_low", "item_high")
LAYOUT_KEYS = ("paper_mm", "line_left_mm", "first_line_y_mm", "line_pitch_mm", "label_style")
LABEL_STYLES = ("label_centered_above", "anchors_below_ends", "label_left_above")
FIELDS = ("schema", "id", "version", "title", "names", "given", "keywords", "title_keywords", "line_length_mm",
          "items", "scoring", "advice", "layout", "clinical")
ITEM_FIELDS = ("name", "aliases", "description", "left_anchor", "right_anchor")


class _Where:
    """Where in a template a problem is: ``file: items[2].name``."""

    def __init__(self, file: str) -> None:
        self.file = file

    def fail(self, where: str, problem: str) -> TemplateFileError:
        return TemplateFileError(f"{self.file}: {where}: {problem}" if where else f"{self.file}: {problem}")


_KIND = {str: "a string", int: "a whole number", float: "a number", list: "a list", dict: "an object",
         bool: "true or false"}


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return _KIND.get(type(value), type(value).__name__)


def _get(w: _Where, data: dict[str, Any], key: str, kind: type, where: str, *, required: bool = True) -> Any:
    path = f"{where}.{key}" if where else key
    if key not in data:
        if required:
            raise w.fail(path, "missing")
        return None
    value = data[key]
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) if kind is float else (
        isinstance(value, kind) and not (kind is int and isinstance(value, bool)))
    if not ok:
        raise w.fail(path, f"must be {_KIND[kind]}, not {_json_kind(value)}")
    return float(value) if kind is float else value


def _text(w: _Where, data: dict[str, Any], key: str, where: str, *, required: bool = True) -> str | None:
    value = _get(w, data, key, str, where, required=required)
    if value is not None and not value.strip():
        raise w.fail(f"{where}.{key}" if where else key, "must not be empty")
    return value


def _texts(w: _Where, data: dict[str, Any], key: str, where: str, *, required: bool = False) -> tuple[str, ...]:
    value = _get(w, data, key, list, where, required=required)
    if value is None:
        return ()
    path = f"{where}.{key}" if where else key
    for i, v in enumerate(value):
        if not isinstance(v, str):
            raise w.fail(f"{path}[{i}]", f"must be a string, not {_json_kind(v)}")
        if not v.strip():
            raise w.fail(f"{path}[{i}]", "must not be empty")
    if required and not value:
        raise w.fail(path, "must list at least one")
    return tuple(value)


def _unknown(w: _Where, data: dict[str, Any], known: Sequence[str], where: str) -> None:
    for key in data:
        if key not in known:
            path = f"{where}.{key}" if where else key
            raise w.fail(path, f"not a field of a template (known: {', '.join(known)})")


def _item(w: _Where, raw: Any, where: str) -> ItemDef:
    if not isinstance(raw, dict):
        raise w.fail(where, f"must be an object, not {_json_kind(raw)}")
    _unknown(w, raw, ITEM_FIELDS, where)
    name = _text(w, raw, "name", where)
    assert name is not None
    return ItemDef(name=name.strip(), left_anchor=_text(w, raw, "left_anchor", where, required=False),
                   right_anchor=_text(w, raw, "right_anchor", where, required=False),
                   description=_text(w, raw, "description", where, required=False),
                   aliases=_texts(w, raw, "aliases", where))


def _scoring(w: _Where, data: dict[str, Any], n_items: int) -> dict[str, float]:
    raw = _get(w, data, "scoring", dict, "", required=False) or {}
    _unknown(w, raw, TOTAL_RULES + ITEM_RULES, "scoring")
    out: dict[str, float] = {}
    for key in raw:
        value = _get(w, raw, key, float, "scoring")
        hi = 10.0 * n_items if key in TOTAL_RULES else 10.0
        if not 0.0 <= value <= hi:
            raise w.fail(f"scoring.{key}", f"{value:g} is outside 0-{hi:g} (the form has {n_items} line(s) "
                                           "of 10 points)" if key in TOTAL_RULES else f"{value:g} is outside 0-10")
        out[key] = value
    return out


def _layout(w: _Where, data: dict[str, Any]) -> dict[str, Any]:
    raw = _get(w, data, "layout", dict, "", required=False)
    if raw is None:
        return {}
    _unknown(w, raw, LAYOUT_KEYS, "layout")
    out: dict[str, Any] = {}
    if "paper_mm" in raw:
        paper = _get(w, raw, "paper_mm", list, "layout")
        if len(paper) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and 50 <= v <= 500
                                      for v in paper):
            raise w.fail("layout.paper_mm", "must be [width, height] in mm (50-500 each)")
        out["paper_mm"] = [float(v) for v in paper]
    for key in ("line_left_mm", "first_line_y_mm", "line_pitch_mm"):
        if key in raw:
            value = _get(w, raw, key, float, "layout")
            if not 0.0 <= value <= 500.0:
                raise w.fail(f"layout.{key}", f"{value:g} is outside 0-500 mm")
            out[key] = value
    if "label_style" in raw:
        style = _text(w, raw, "label_style", "layout")
        if style not in LABEL_STYLES:
            raise w.fail("layout.label_style", f"must be one of {', '.join(LABEL_STYLES)}")
        out["label_style"] = style
    return out


def parse_custom(data: Any, file: str, *, text: str = "", digest: str = "") -> FormDef:
    """A clinic template's JSON (already parsed) as a :class:`FormDef`, or
    :class:`TemplateFileError` naming ``file`` and the field."""
    w = _Where(file)
    if not isinstance(data, dict):
        raise w.fail("", f"a template is a JSON object, not {_json_kind(data)}")
    _unknown(w, data, FIELDS, "")
    schema = _get(w, data, "schema", int, "")
    if schema != SCHEMA_VERSION:
        raise w.fail("schema", f"{schema} is not supported (this srs-scan reads schema {SCHEMA_VERSION})")
    form_id = _text(w, data, "id", "")
    assert form_id is not None
    if not ID_PATTERN.fullmatch(form_id):
        raise w.fail("id", f"'{form_id[:40]}' is not an id: 1-32 lowercase letters, digits, '-' or '_', "
                           "starting with a letter or digit")
    if form_id in all_forms():
        raise w.fail("id", f"'{form_id}' is the id of a form srs-scan ships ({', '.join(sorted(all_forms()))}): "
                           "give the clinic's form an id of its own")
    version = _get(w, data, "version", int, "", required=False)
    if version is not None and version < 1:
        raise w.fail("version", f"{version} is not a version (1 or more)")
    title = _text(w, data, "title", "")
    names = _texts(w, data, "names", "", required=True)
    items_raw = _get(w, data, "items", list, "")
    if not 1 <= len(items_raw) <= MAX_ITEMS:
        raise w.fail("items", f"a form has 1 to {MAX_ITEMS} items (one per line), found {len(items_raw)}")
    items = tuple(_item(w, raw, f"items[{i}]") for i, raw in enumerate(items_raw))
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        for name in (item.name, *item.aliases):
            key = " ".join(name.lower().split())
            if key in seen and seen[key] != i:
                raise w.fail(f"items[{i}].name" if name == item.name else f"items[{i}].aliases",
                             f"'{name}' is also the name of items[{seen[key]}]: each line needs its own name")
            seen[key] = i
    length = _get(w, data, "line_length_mm", float, "")
    if not LINE_MM[0] <= length <= LINE_MM[1]:
        raise w.fail("line_length_mm", f"{length:g} is outside {LINE_MM[0]:g}-{LINE_MM[1]:g} mm")
    keywords = tuple(k.lower() for k in _texts(w, data, "keywords", ""))
    titles = tuple(k.lower() for k in _texts(w, data, "title_keywords", ""))
    for i, k in enumerate(titles):
        if k not in keywords:
            raise w.fail(f"title_keywords[{i}]", f"'{k}' is not one of the 'keywords'")
    advice_raw = _get(w, data, "advice", dict, "", required=False) or {}
    _unknown(w, advice_raw, ADVICE_KEYS, "advice")
    advice = {k: str(_text(w, advice_raw, k, "advice")) for k in advice_raw}
    _text(w, data, "given", "", required=False)
    if "clinical" in data:
        raise w.fail("clinical", "not accepted on a clinic's own form: the clinic's reports (clients, report) "
                                 "pair the PCOMS forms (srs, ors, csrs, cors); its flags come from 'scoring'")
    assert title is not None
    return FormDef(
        id=form_id, version=version or 1, title=title, keywords=keywords, title_keywords=titles,
        line_length_mm=length, items=items, scoring=_scoring(w, data, len(items)), advice=advice,
        layout=_layout(w, data), names=tuple(n.strip() for n in names), clinical=None,
        source=file, digest=digest or None, text=text or None,
    )


def load_custom(path: Path) -> FormDef:
    """One template file, read and checked (:class:`TemplateFileError` when it cannot be used)."""
    shown = str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise TemplateFileError(f"{shown}: is not a template (larger than {MAX_FILE_BYTES // 1024} KiB)")
        raw = path.read_bytes()
    except OSError as exc:
        raise TemplateFileError(f"{shown}: cannot be read ({exc.strerror or exc})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TemplateFileError(f"{shown}: is not UTF-8 text (byte {exc.start})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TemplateFileError(f"{shown}: not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from exc
    return parse_custom(data, shown, text=text, digest=hashlib.sha256(text.encode("utf-8")).hexdigest())


def load_customs(paths: Sequence[Path]) -> dict[str, FormDef]:
    """The forms of several template files, by id; two files with one id are refused."""
    out: dict[str, FormDef] = {}
    for path in paths:
        form = load_custom(Path(path))
        if form.id in out:
            if form.digest == out[form.id].digest:
                continue  # the same file named twice
            raise TemplateFileError(f"{path}: id: '{form.id}' is also the id of {out[form.id].source}: "
                                    "each form needs its own id")
        out[form.id] = form
    return out


def catalogue(paths: Sequence[Path] = ()) -> Mapping[str, FormDef]:
    """Every form a page may be: the shipped forms, then the clinic's (``paths``), by id.

    Cached per file state (path, size, modification time), so the forms are read once per
    process however many pages are read, and again when a file changes.
    """
    if not paths:
        return all_forms()
    key = []
    for p in paths:
        try:
            st = Path(p).stat()
            key.append((str(Path(p).resolve()), st.st_size, st.st_mtime_ns))
        except OSError:
            key.append((str(p), -1, -1))
    return _catalogue(tuple(key), tuple(Path(p) for p in paths))


@lru_cache(maxsize=8)
def _catalogue(key: tuple, paths: tuple[Path, ...]) -> Mapping[str, FormDef]:
    return {**all_forms(), **load_customs(paths)}


def digests(paths: Sequence[Path]) -> tuple[str, ...]:
    """The SHA-256 of each clinic form's file, sorted: what a reading depends on."""
    forms = catalogue(paths)
    return tuple(sorted(f.digest for f in forms.values() if f.digest))


def from_text(text: str, file: str) -> FormDef:
    """A clinic form from the template text the ledger kept beside its pages."""
    raw = text.encode("utf-8")
    return _from_text(text, file, hashlib.sha256(raw).hexdigest())


@lru_cache(maxsize=32)
def _from_text(text: str, file: str, digest: str) -> FormDef:
    return parse_custom(json.loads(text), file, text=text, digest=digest)
