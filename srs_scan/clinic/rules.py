"""The thresholds of the clinic's rules: the ``clinical`` block of each form template
(:class:`srs_scan.forms.definitions.Clinical`), with a clinic's overrides.

The child forms (CORS, CSRS) carry the same block in their templates (CORS clinical
cutoff 32, DOMAIN.md); the values below are used only where a ``cors``/``csrs`` template
is missing or has no ``clinical`` block.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..exceptions import TemplateError
from ..forms.definitions import CUTOFF_RULES, Clinical, all_forms, parse_clinical

ALLIANCE = "alliance"
OUTCOME = "outcome"

CHILD_DEFAULTS: dict[str, dict] = {
    "cors": {"role": OUTCOME, "pairs_with": "csrs", "clinical_cutoff": 32, "reliable_change": 5.0,
             "on_track_session": 4},
    "csrs": {"role": ALLIANCE, "pairs_with": "cors", "cutoff": 36, "cutoff_rule": "at_or_below",
             "item_threshold": 9.0, "drop": 1.0, "perfect": 40},
}


@dataclass(frozen=True)
class Settings:
    """A clinic's choices over the templates' defaults (None: the template's value)."""

    srs_cutoff_rule: str | None = None  # "at_or_below" (HiBoop: <= 36) or "below" (OpenFIT: < 36)
    item_threshold: float | None = None
    reliable_change: float | None = None
    on_track_session: int | None = None

    def __post_init__(self) -> None:
        if self.srs_cutoff_rule is not None and self.srs_cutoff_rule not in CUTOFF_RULES:
            raise ValueError(f"the SRS cutoff rule is one of {', '.join(CUTOFF_RULES)}")
        if self.item_threshold is not None and not 0 <= self.item_threshold <= 10:
            raise ValueError("the item threshold is 0-10")
        if self.reliable_change is not None and not 0 < self.reliable_change <= 40:
            raise ValueError("the reliable change is more than 0 and at most 40 points")
        if self.on_track_session is not None and not 2 <= self.on_track_session <= 100:
            raise ValueError("the on-track session is 2-100")


DEFAULT_SETTINGS = Settings()


def rules_for(form_id: str, settings: Settings = DEFAULT_SETTINGS) -> Clinical | None:
    """The clinical thresholds of a form (None: the form has none, it is left out)."""
    form = all_forms().get(form_id)
    if form is not None and form.clinical is not None:
        base = form.clinical
    elif form_id in CHILD_DEFAULTS:
        try:
            base = parse_clinical(CHILD_DEFAULTS[form_id], f"{form_id} (built in)")
        except TemplateError:  # pragma: no cover - the data above is valid
            raise
    else:
        return None
    if base.role == ALLIANCE:
        return replace(base, cutoff_rule=settings.srs_cutoff_rule or base.cutoff_rule,
                       item_threshold=base.item_threshold if settings.item_threshold is None
                       else settings.item_threshold)
    return replace(base, reliable_change=base.reliable_change if settings.reliable_change is None
                   else settings.reliable_change,
                   on_track_session=settings.on_track_session or base.on_track_session)


def alliance_concern(total: float, rules: Clinical) -> bool:
    """Whether an alliance total is a concern: at or below the cutoff, or below it."""
    assert rules.cutoff is not None
    if rules.cutoff_rule == "below":
        return round(total, 1) < rules.cutoff
    return round(total, 1) <= rules.cutoff


def cutoff_text(rules: Clinical) -> str:
    return f"{'<' if rules.cutoff_rule == 'below' else '<='} {rules.cutoff:g}"


def points(value: float) -> float:
    """A difference of totals to 0.1 point (36.0 - 35.1 is 0.9, not 0.8999...)."""
    return round(value + 0.0, 1)
