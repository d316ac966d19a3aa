"""A clinic's own template files (--template): what a good one gives, and one clear error
naming the file and the field for each kind of bad one, on the command line exit code 2
and no traceback."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from srs_scan.cli import main
from srs_scan.exceptions import ExitCode, TemplateFileError
from srs_scan.forms.custom import catalogue, digests, load_custom, load_customs
from srs_scan.forms.definitions import all_forms

PAIN3 = {
    "schema": 1,
    "id": "pain3",
    "title": "Pain Rating Scale (PRS)",
    "names": ["Pain Rating Scale", "PRS"],
    "keywords": ["pain", "worst"],
    "title_keywords": ["pain"],
    "line_length_mm": 80,
    "items": [
        {"name": "Pain now", "left_anchor": "No pain", "right_anchor": "Worst pain imaginable"},
        {"name": "Pain at night", "aliases": ["Night pain"]},
        {"name": "Daily activities", "description": "(how much pain gets in the way)"},
    ],
    "scoring": {"total_cutoff_above": 15, "item_flag_above": 7},
    "advice": {"above_cutoff": "High pain burden: review the pain plan."},
}


def _write(folder: Path, data: object, name: str = "pain3.json") -> Path:
    path = folder / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def test_a_good_template_gives_its_form(tmp_path):
    form = load_custom(_write(tmp_path, PAIN3))
    assert (form.id, form.lines, form.line_length_mm, form.max_total) == ("pain3", 3, 80.0, 30.0)
    assert [i.name for i in form.items] == ["Pain now", "Pain at night", "Daily activities"]
    assert form.items[1].aliases == ("Night pain",)
    assert form.scoring == {"total_cutoff_above": 15.0, "item_flag_above": 7.0}
    assert form.names == ("Pain Rating Scale", "PRS") and form.keywords == ("pain", "worst")
    assert form.source == str(tmp_path / "pain3.json") and form.digest and form.clinical is None


def test_optional_fields_have_defaults(tmp_path):
    data = {k: v for k, v in PAIN3.items() if k not in ("keywords", "title_keywords", "scoring", "advice")}
    form = load_custom(_write(tmp_path, data))
    assert form.keywords == () and form.scoring == {} and form.advice == {} and form.layout == {}
    assert form.version == 1


def test_the_catalogue_adds_clinic_forms_to_the_shipped_ones(tmp_path):
    forms = catalogue([_write(tmp_path, PAIN3)])
    assert list(forms)[:4] == list(all_forms()) and forms["pain3"].lines == 3
    assert catalogue([]) is all_forms()


def _changed(path: str, value: object) -> dict:
    """PAIN3 with one field set (value ...) or removed (value None), by a dotted path."""
    data = copy.deepcopy(PAIN3)
    *parents, last = path.split(".")
    node: object = data
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]  # type: ignore[index]
    if value is None:
        del node[int(last) if isinstance(node, list) else last]  # type: ignore[arg-type,union-attr]
    else:
        node[int(last) if isinstance(node, list) else last] = value  # type: ignore[index]
    return data


BAD = [
    # (what is wrong, the template, the message after "<file>: ")
    ("missing title", _changed("title", None), "title: missing"),
    ("missing names", _changed("names", None), "names: missing"),
    ("missing item name", _changed("items.2.name", None), "items[2].name: missing"),
    ("missing line length", _changed("line_length_mm", None), "line_length_mm: missing"),
    ("missing schema", _changed("schema", None), "schema: missing"),
    ("title a number", _changed("title", 3), "title: must be a string, not a number"),
    ("line length a string", _changed("line_length_mm", "80"), "line_length_mm: must be a number, not a string"),
    ("items an object", _changed("items", {"name": "x"}), "items: must be a list, not an object"),
    ("item a string", _changed("items.0", "Pain now"), "items[0]: must be an object, not a string"),
    ("alias a number", _changed("items.1.aliases", [3]), "items[1].aliases[0]: must be a string, not a number"),
    ("schema true", _changed("schema", True), "schema: must be a whole number, not true/false"),
    ("no items", _changed("items", []), "items: a form has 1 to 10 items (one per line), found 0"),
    ("eleven items", _changed("items", [{"name": f"Item {i}"} for i in range(11)]),
     "items: a form has 1 to 10 items (one per line), found 11"),
    ("line too short", _changed("line_length_mm", 20), "line_length_mm: 20 is outside 50-200 mm"),
    ("shipped id", _changed("id", "srs"), "id: 'srs' is the id of a form srs-scan ships"),
    ("bad id", _changed("id", "Pain 3"), "id: 'Pain 3' is not an id"),
    ("two items, one name", _changed("items.2.name", "pain now"),
     "items[2].name: 'pain now' is also the name of items[0]"),
    ("unknown field", _changed("scorng", {"total_cutoff_above": 15}), "scorng: not a field of a template"),
    ("unknown rule", _changed("scoring.total_above", 15), "scoring.total_above: not a field of a template"),
    ("cutoff past the total", _changed("scoring.total_cutoff_above", 31),
     "scoring.total_cutoff_above: 31 is outside 0-30"),
    ("title keyword not a keyword", _changed("title_keywords", ["ache"]), "title_keywords[0]: 'ache' is not one of"),
    ("clinical block", _changed("clinical", {"role": "outcome"}), "clinical: not accepted on a clinic's own form"),
    ("schema 2", _changed("schema", 2), "schema: 2 is not supported"),
    ("not an object", [PAIN3], "a template is a JSON object, not a list"),
]


@pytest.mark.parametrize(("case", "data", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_template_names_the_file_and_the_field(tmp_path, case, data, message):
    path = _write(tmp_path, data)
    with pytest.raises(TemplateFileError) as err:
        load_custom(path)
    assert str(err.value).startswith(f"{path}: {message}"), str(err.value)


def test_bad_json_says_where(tmp_path):
    path = _write(tmp_path, '{"schema": 1, "id": "pain3",\n "title": "x" "names": []}')
    with pytest.raises(TemplateFileError, match=r"pain3\.json: not valid JSON: Expecting ',' delimiter \(line 2, col"):
        load_custom(path)


def test_two_files_with_one_id_are_refused(tmp_path):
    a = _write(tmp_path, PAIN3, "a.json")
    b = _write(tmp_path, _changed("title", "Another pain scale"), "b.json")
    with pytest.raises(TemplateFileError, match=rf"b\.json: id: 'pain3' is also the id of {a}"):
        load_customs([a, b])
    assert list(load_customs([a, a])) == ["pain3"]  # the same file twice is one form


def test_the_digest_follows_the_content(tmp_path):
    path = _write(tmp_path, PAIN3)
    before = digests([path])
    path.write_text(json.dumps(_changed("scoring.total_cutoff_above", 16)), encoding="utf-8")
    assert digests([path]) != before


@pytest.mark.parametrize(("case", "data", "message"),
                         [BAD[2], BAD[6], BAD[11], BAD[12], BAD[14]] + [("bad json", "{nope", "not valid JSON")],
                         ids=["missing", "wrong type", "0 items", "11 items", "shipped id", "bad json"])
def test_scan_with_a_bad_template_is_a_usage_error(tmp_path, case, data, message):
    """One line naming the file and field, exit 2, no traceback, nothing read."""
    path = _write(tmp_path, data)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "page.png").write_bytes(b"")
    result = CliRunner().invoke(main, ["scan", str(tmp_path / "in"), "--template", str(path),
                                       "--jsonl", str(tmp_path / "out.jsonl")])
    assert result.exit_code == ExitCode.USAGE == 2, result.output
    assert f"{path}: {message}" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out.jsonl").exists()


def test_scan_with_two_templates_of_one_id_is_a_usage_error(tmp_path):
    a, b = _write(tmp_path, PAIN3, "a.json"), _write(tmp_path, _changed("title", "Other"), "b.json")
    (tmp_path / "page.png").write_bytes(b"")
    result = CliRunner().invoke(main, ["scan", str(tmp_path / "page.png"), "--template", str(a), "--template", str(b)])
    assert result.exit_code == 2 and "b.json: id: 'pain3' is also the id of" in result.output


def test_form_may_name_a_template_form_only_with_its_template(tmp_path):
    (tmp_path / "page.png").write_bytes(b"")
    without = CliRunner().invoke(main, ["scan", str(tmp_path / "page.png"), "--form", "pain3"])
    assert without.exit_code == 2 and "'pain3' is not one of cors, csrs, ors, srs" in without.output
    bad = _write(tmp_path, _changed("items", []))
    with_bad = CliRunner().invoke(main, ["scan", str(tmp_path / "page.png"), "--form", "pain3", "--template", str(bad)])
    assert with_bad.exit_code == 2 and "items: a form has 1 to 10 items" in with_bad.output
