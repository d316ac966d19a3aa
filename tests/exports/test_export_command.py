"""``srs-scan export --openfit/--fhir/--xlsx`` end to end (CliRunner): what is written, what
the summary says and lists (page ids only), what it refuses to replace."""

from __future__ import annotations

import csv
import json

import openpyxl
import pytest
from click.testing import CliRunner
from clinic_ledger import BY_KEY, build

from srs_scan.cli import main


@pytest.fixture
def db(tmp_path):
    return build(tmp_path)


def _run(*args):
    return CliRunner().invoke(main, ["export", *map(str, args)])


def test_all_three_with_the_page_exports(tmp_path, db):
    o, f, x, j, c = (tmp_path / n for n in ("of.csv", "b.json", "s.xlsx", "p.jsonl", "p.csv"))
    out = _run("--db", db, "--openfit", o, "--fhir", f, "--xlsx", x, "--jsonl", j, "--csv", c)
    assert out.exit_code == 0, out.output
    # the page exports stay one record per page, every page
    assert len(j.read_text().splitlines()) == 11 and len(list(csv.DictReader(c.open()))) == 11
    assert next(csv.reader(o.open()))[0] == "Service_Location"
    assert json.loads(f.read_text())["resourceType"] == "Bundle"
    assert openpyxl.load_workbook(x).sheetnames == ["Sessions", "Clients"]
    assert f"{o}: 5 session(s), 6 form page(s) written, 5 page(s) left out" in out.stdout
    assert f"{f} (FHIR R5): 7 session(s), 9 form page(s) written, 2 page(s) left out" in out.stdout
    assert f"{x}: 7 session(s), 9 form page(s) written, 2 page(s) left out" in out.stdout
    # the left-out pages are listed by id, with the reason, on standard error
    review = BY_KEY["A1/2/srs"].page_id
    assert f"left out of {o}: 1 page(s), still in review" in out.stderr and review in out.stderr
    assert BY_KEY["B2/3/ors"].page_id in out.stderr and "without a date" in out.stderr
    assert BY_KEY["K3/1/cors"].page_id in out.stderr and "child form" in out.stderr


def test_include_unreviewed_and_r4b(tmp_path, db):
    f = tmp_path / "b.json"
    out = _run("--db", db, "--fhir", f, "--fhir-version", "R4B", "--include-unreviewed")
    assert out.exit_code == 0, out.output
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate_json(f.read_text())
    assert "(FHIR R4B): 7 session(s), 10 form page(s) written, 1 page(s) left out" in out.stdout
    assert BY_KEY["A1/2/srs"].page_id in f.read_text()


def test_scope_options(tmp_path, db):
    o = tmp_path / "of.csv"
    out = _run("--db", db, "--openfit", o, "--therapist", "T2", "--from", "2026-03-01", "--to", "2026-03-05")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(o.open()))
    assert [(r["Client_ID"], r["Session_Date"]) for r in rows] == [("B2", "2026-03-03")]
    assert _run("--db", db, "--openfit", o, "--from", "2026-13-01").exit_code == 2
    assert _run("--db", db, "--openfit", o, "--from", "2026-03-09", "--to", "2026-03-01").exit_code == 2


def test_usage_errors(tmp_path, db):
    out = _run("--db", db, "--jsonl", tmp_path / "p.jsonl", "--client", "A1")
    assert out.exit_code == 2 and "--openfit" in out.output
    assert _run("--db", db, "--fhir", tmp_path / "b.xml").exit_code == 2
    assert _run("--db", db, "--xlsx", tmp_path / "s.csv").exit_code == 2
    assert _run("--db", db, "--fhir", tmp_path / "b.json", "--fhir-version", "R4").exit_code == 2
    assert _run("--db", db, "--openfit", tmp_path / "nowhere" / "of.csv").exit_code == 2
    assert _run("--db", db, "--openfit", tmp_path / "p.csv", "--csv", tmp_path / "p.csv").exit_code == 2
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob("p.*"))


@pytest.mark.parametrize("option,name", [("--openfit", "of.csv"), ("--fhir", "b.json"), ("--xlsx", "s.xlsx")])
def test_own_files_are_replaced_others_only_with_force(tmp_path, db, option, name):
    target = tmp_path / name
    target.write_text("somebody's own notes\n")
    out = _run("--db", db, option, target)
    assert out.exit_code == 2 and "was not written by srs-scan" in out.output
    assert target.read_text() == "somebody's own notes\n"
    assert _run("--db", db, option, target, "--force").exit_code == 0
    again = _run("--db", db, option, target)  # srs-scan's own file: replaced without --force
    assert again.exit_code == 0, again.output
    assert target.read_bytes()[:2] != b"so"


def test_the_ledger_is_never_an_output(db):
    assert _run("--db", db, "--fhir", db.with_suffix(".json")).exit_code == 0
    out = _run("--db", db, "--xlsx", db)
    assert out.exit_code == 2
