"""Load and validate the form definitions in ``templates/`` (one JSON file per form).

The same data names the items, drives scoring and the synthetic renderer. Adding a
form is adding a file; a malformed file raises :class:`TemplateError` naming the
file and the field.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..exceptions import TemplateError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class ItemDef:
    name: str
    left_anchor: str | None = None
    right_anchor: str | None = None
    description: str | None = None
    aliases: tuple[str, ...] = ()  # other printings of the name ("Goals & Topics")


@dataclass(frozen=True)
class FormDef:
    """One form layout: its id ("srs", "ors"), items top to bottom and scoring rules."""

    id: str
    version: int
    title: str
    keywords: tuple[str, ...]  # words that name this form and no other (matched by OCR)
    title_keywords: tuple[str, ...]  # the subset found in its title: one alone is enough
    line_length_mm: float
    items: tuple[ItemDef, ...]
    scoring: dict[str, float]
    advice: dict[str, str]
    layout: dict[str, Any]
    names: tuple[str, ...] = ()  # what the form is called on paper: title phrase, acronym
    clinical: Clinical | None = None  # what the scores mean over sessions (srs_scan.clinic)
    # a clinic's own form (a template file given with --template, see forms.custom): its file
    # name and the SHA-256 of its bytes; None for the forms srs-scan ships
    source: str | None = None
    digest: str | None = None
    text: str | None = field(default=None, compare=False, repr=False)  # the file as read (for the ledger)

    @property
    def lines(self) -> int:
        """How many scale lines the form has (one per item)."""
        return len(self.items)

    @property
    def max_total(self) -> float:
        """The largest total: 10 points per line."""
        return 10.0 * len(self.items)


CUTOFF_RULES = ("at_or_below", "below")


@dataclass(frozen=True)
class Clinical:
    """The thresholds the clinic's alerts and figures use for one form (its ``clinical``
    block). ``role`` "alliance" (SRS, CSRS: end of session) or "outcome" (ORS, CORS:
    start of session); ``pairs_with`` names the other form of the same session.

    Alliance: an SRS total ``cutoff_rule`` ("at_or_below" or "below") ``cutoff`` is an
    alliance concern; an item below ``item_threshold``; a total ``drop`` or more below the
    previous session; ``perfect`` twice running. Outcome: ``clinical_cutoff`` (intake
    below it is in the clinical range), ``reliable_change`` (points from intake that count
    as reliable), ``on_track_session`` (no reliable gain by then: not on track).
    ``benchmarks``: published figures shown beside the clinic's own.
    """

    role: str
    pairs_with: str | None = None
    cutoff: float | None = None
    cutoff_rule: str = "at_or_below"
    item_threshold: float | None = None
    drop: float | None = None
    perfect: float | None = None
    clinical_cutoff: float | None = None
    reliable_change: float | None = None
    on_track_session: int | None = None
    benchmarks: dict[str, Any] = field(default_factory=dict, compare=False)


def _number(data: dict[str, Any], key: str, where: str, lo: float, hi: float) -> float:
    value = float(require_field(data, key, (int, float), where))
    if not lo <= value <= hi:
        raise TemplateError(f"{where}: '{key}' {value:g} is outside {lo:g}-{hi:g}")
    return value


def parse_clinical(data: Any, where: str) -> Clinical:
    """Validate a template's ``clinical`` block (see :class:`Clinical`)."""
    where = f"{where}: clinical"
    role = require_field(data, "role", str, where)
    pairs = data.get("pairs_with")
    if pairs is not None and not isinstance(pairs, str):
        raise TemplateError(f"{where}: 'pairs_with' must be a form id")
    benchmarks = data.get("benchmarks", {})
    if not isinstance(benchmarks, dict):
        raise TemplateError(f"{where}: 'benchmarks' must be an object")
    if role == "alliance":
        rule = require_field(data, "cutoff_rule", str, where)
        if rule not in CUTOFF_RULES:
            raise TemplateError(f"{where}: 'cutoff_rule' must be one of {', '.join(CUTOFF_RULES)}")
        return Clinical(role, pairs, cutoff=_number(data, "cutoff", where, 0, 40), cutoff_rule=rule,
                        item_threshold=_number(data, "item_threshold", where, 0, 10),
                        drop=_number(data, "drop", where, 0.1, 40), perfect=_number(data, "perfect", where, 0, 40),
                        benchmarks=dict(benchmarks))
    if role == "outcome":
        session = require_field(data, "on_track_session", int, where)
        if not 2 <= session <= 100:
            raise TemplateError(f"{where}: 'on_track_session' {session} is outside 2-100")
        return Clinical(role, pairs, clinical_cutoff=_number(data, "clinical_cutoff", where, 0, 40),
                        reliable_change=_number(data, "reliable_change", where, 0.1, 40),
                        on_track_session=session, benchmarks=dict(benchmarks))
    raise TemplateError(f"{where}: 'role' must be 'alliance' or 'outcome'")


def _templates_dir() -> Path:
    """The form templates shipped inside the package (``srs_scan/forms/templates/``)."""
    folder = Path(str(resources.files("srs_scan.forms"))) / "templates"
    if not folder.is_dir():
        raise TemplateError("the form templates are not installed: reinstall srs-scan")
    return folder


def require_field(data: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    """``data[key]`` checked to be of ``kind`` (a bool is not a number), or TemplateError."""
    if not isinstance(data, dict):
        raise TemplateError(f"{where}: expected an object")
    if key not in data:
        raise TemplateError(f"{where}: missing field '{key}'")
    value = data[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise TemplateError(f"{where}: field '{key}' has the wrong type ({type(value).__name__})")
    return value


def check_schema(data: Any, where: str, kind: str, version: int = SCHEMA_VERSION) -> None:
    """``data`` is a JSON object of a supported ``schema`` version, or TemplateError."""
    if not isinstance(data, dict):
        raise TemplateError(f"{where}: a {kind} must be a JSON object")
    schema = require_field(data, "schema", int, where)
    if schema != version:
        raise TemplateError(f"{where}: schema {schema} is not supported (expected {version})")


def parse_form(data: dict[str, Any], where: str = "<template>") -> FormDef:
    """Validate one template's JSON object and build a :class:`FormDef`."""
    check_schema(data, where, "template")
    form_id = require_field(data, "id", str, where)
    items_raw = require_field(data, "items", list, where)
    if len(items_raw) != 4:
        raise TemplateError(f"{where}: 'items' must list exactly 4 items, found {len(items_raw)}")
    items = []
    for i, raw in enumerate(items_raw, 1):
        item_where = f"{where}: item {i}"
        if not isinstance(raw, dict):
            raise TemplateError(f"{item_where} must be an object")
        items.append(
            ItemDef(
                name=require_field(raw, "name", str, item_where),
                left_anchor=raw.get("left_anchor"),
                right_anchor=raw.get("right_anchor"),
                description=raw.get("description"),
                aliases=_strings(raw, "aliases", item_where),
            )
        )
    length = float(require_field(data, "line_length_mm", (int, float), where))
    if not 50 <= length <= 200:
        raise TemplateError(f"{where}: line_length_mm {length} is implausible")
    keywords = require_field(data, "keywords", list, where)
    if not keywords or not all(isinstance(k, str) for k in keywords):
        raise TemplateError(f"{where}: 'keywords' must be a non-empty list of words")
    titles = data.get("title_keywords", [])
    if not isinstance(titles, list) or not set(k.lower() for k in titles) <= {k.lower() for k in keywords}:
        raise TemplateError(f"{where}: 'title_keywords' must be a list of words from 'keywords'")
    scoring = require_field(data, "scoring", dict, where)
    return FormDef(
        id=form_id,
        version=int(require_field(data, "version", int, where)),
        title=require_field(data, "title", str, where),
        keywords=tuple(k.lower() for k in keywords),
        title_keywords=tuple(k.lower() for k in titles),
        line_length_mm=length,
        items=tuple(items),
        scoring={k: float(v) for k, v in scoring.items()},
        advice=dict(data.get("advice", {})),
        layout=dict(data.get("layout", {})),
        names=_strings(data, "names", where) or _names_from_title(require_field(data, "title", str, where)),
        clinical=parse_clinical(data["clinical"], where) if "clinical" in data else None,
    )


def _strings(data: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """An optional list of non-empty strings, or TemplateError."""
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise TemplateError(f"{where}: '{key}' must be a list of non-empty strings")
    return tuple(value)


def _names_from_title(title: str) -> tuple[str, ...]:
    """"Session Rating Scale (SRS)" -> ("Session Rating Scale", "SRS")."""
    acronyms = re.findall(r"\(([^)]+)\)", title)
    phrase = re.sub(r"\([^)]*\)", " ", title).strip()
    return tuple(n for n in (phrase, *acronyms) if n)


def load_form_file(path: Path) -> FormDef:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TemplateError(f"{path.name}: cannot be read as JSON ({exc})") from exc
    return parse_form(data, where=path.name)


@lru_cache(maxsize=1)
def all_forms() -> dict[str, FormDef]:
    """Every form in ``templates/``, by id."""
    forms: dict[str, FormDef] = {}
    folder = _templates_dir()
    for path in sorted(folder.glob("*.json")):
        form = load_form_file(path)
        if form.id in forms:
            raise TemplateError(f"{path.name}: form id '{form.id}' is defined twice")
        forms[form.id] = form
    if not forms:
        raise TemplateError(f"no form templates found in {folder}")
    return forms


def get_form(form_id: str) -> FormDef:
    forms = all_forms()
    if form_id not in forms:
        raise TemplateError(f"unknown form '{form_id}' (known: {', '.join(sorted(forms))})")
    return forms[form_id]
