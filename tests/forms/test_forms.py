"""Templates are data, validated on load with a clear error."""

from __future__ import annotations

import json

import pytest

from srs_scan.exceptions import TemplateError
from srs_scan.forms.definitions import all_forms, load_form_file, parse_form


def test_both_forms_load_with_four_items():
    forms = all_forms()
    assert set(forms) >= {"srs", "ors"}
    assert [i.name for i in forms["srs"].items] == [
        "Relationship", "Goals and Topics", "Approach or Method", "Overall"]
    assert [i.name for i in forms["ors"].items] == [
        "Individually", "Interpersonally", "Socially", "Overall"]
    assert forms["srs"].line_length_mm == 100.0


def _valid() -> dict:
    return json.loads(json.dumps({
        "schema": 1, "id": "x", "version": 1, "title": "X", "keywords": ["x"],
        "line_length_mm": 100, "items": [{"name": str(i)} for i in range(4)], "scoring": {},
    }))


def test_valid_minimal_template_parses():
    assert parse_form(_valid()).id == "x"


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.pop("items"), "missing field 'items'"),
        (lambda d: d.update(items=d["items"][:3]), "exactly 4 items"),
        (lambda d: d.update(line_length_mm="long"), "wrong type"),
        (lambda d: d.update(schema=9), "schema 9"),
        (lambda d: d["items"][2].pop("name"), "item 3: missing field 'name'"),
    ],
)
def test_invalid_template_names_the_problem(mutate, message):
    data = _valid()
    mutate(data)
    with pytest.raises(TemplateError, match=message):
        parse_form(data, where="bad.json")


def test_unreadable_template_file(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(TemplateError, match="broken.json"):
        load_form_file(path)
