"""The FHIR Bundle, R5 and R4B: parsed back and validated with the ``fhir.resources``
models of each version, and checked against values written here: the SNOMED CT codes
from DOMAIN.md ("Formats other systems take") and the ledger content in clinic_ledger.py."""

from __future__ import annotations

import json

import pytest
from clinic_ledger import BY_KEY, CORRECTED, PAGES, build, true_scores

from srs_scan.jobs.export import export_sessions
from srs_scan.ledger.store import Ledger

# DOMAIN.md: SNOMED CT (UK) codes of the totals; the library does not check code values
SNOMED = "http://snomed.info/sct"
CODES = {"ors": "716613004", "srs": "720482000", "cors": "718458005", "csrs": "718762000"}
ITEMS = {"ors": ["Individually", "Interpersonally", "Socially", "Overall"],
         "srs": ["Relationship", "Goals and Topics", "Approach or Method", "Overall"],
         "cors": ["Me", "Family", "School", "Everything"],
         "csrs": ["Listening", "How Important", "What We Did", "Overall"]}
EXPORTED = [p for p in PAGES if p.key not in ("A1/2/srs", "A1/3/ors")]  # in review; an item missing


def _bundle_class(version):
    if version == "R5":
        from fhir.resources.bundle import Bundle
    else:
        from fhir.resources.R4B.bundle import Bundle
    return Bundle


def _export(tmp_path, version, **kw):
    db = build(tmp_path)
    ledger = Ledger(db, must_exist=True)
    try:
        done = export_sessions(ledger, fhir=tmp_path / "bundle.json", fhir_version=version, **kw)
    finally:
        ledger.close()
    text = (tmp_path / "bundle.json").read_text(encoding="utf-8")
    return done, text, json.loads(text)


@pytest.fixture(params=["R5", "R4B"])
def exported(request, tmp_path):
    return request.param, *_export(tmp_path, request.param)


def _page_id(resource):
    ident = resource["identifier"]
    ident = ident[0] if isinstance(ident, list) else ident
    assert ident["system"] == "urn:srs-scan:page"
    return ident["value"]


def _of_type(doc, kind):
    return [e["resource"] for e in doc["entry"] if e["resource"]["resourceType"] == kind]


def test_the_bundle_validates_with_its_versions_models(exported):
    version, _, text, doc = exported
    model = _bundle_class(version).model_validate_json(text)
    assert model.type == "transaction"
    module = type(model.entry[0].resource).__module__
    assert (".R4B." in module) == (version == "R4B")
    # R4B's QuestionnaireResponse has one identifier, R5's a list: the file is of the version asked for
    qr = _of_type(doc, "QuestionnaireResponse")[0]
    assert isinstance(qr["identifier"], list) == (version == "R5")


def test_the_other_versions_models_reject_the_file(exported):
    # a R4B bundle is not an R5 one: R5 refuses a single identifier on a QuestionnaireResponse
    version, _, text, _ = exported
    other = _bundle_class("R4B" if version == "R5" else "R5")
    with pytest.raises(ValueError):  # pydantic.ValidationError
        other.model_validate_json(text)


def test_one_questionnaire_per_shipped_form(exported):
    _, _, _, doc = exported
    qs = {q["url"]: q for q in _of_type(doc, "Questionnaire")}
    assert set(qs) == {f"urn:srs-scan:questionnaire:{f}" for f in CODES}
    for form, names in ITEMS.items():
        q = qs[f"urn:srs-scan:questionnaire:{form}"]
        assert [(i["linkId"], i["text"], i["type"]) for i in q["item"]] == [
            (str(n), name, "decimal") for n, name in enumerate(names, start=1)]


def test_responses_and_observations_hold_the_ledgers_values(exported):
    _, _, _, doc = exported
    responses = {_page_id(r): r for r in _of_type(doc, "QuestionnaireResponse")}
    observations = {_page_id(o): o for o in _of_type(doc, "Observation")}
    assert set(responses) == set(observations) == {p.page_id for p in EXPORTED}
    for page in EXPORTED:
        qr, obs = responses[page.page_id], observations[page.page_id]
        scores = true_scores(page.key)
        assert qr["subject"]["reference"] == obs["subject"]["reference"] == f"Patient/{page.client}"
        assert [(i["linkId"], i["text"], i["answer"][0]["valueDecimal"]) for i in qr["item"]] == [
            (str(n), name, v) for n, (name, v) in enumerate(zip(ITEMS[page.form], scores, strict=True), start=1)]
        assert qr["questionnaire"].split("|")[0] == f"urn:srs-scan:questionnaire:{page.form}"
        if page.date is None:
            assert "authored" not in qr and "effectiveDateTime" not in obs
        else:
            assert qr["authored"] == obs["effectiveDateTime"] == page.date.isoformat()
        assert obs["code"]["coding"] == [{"system": SNOMED, "code": CODES[page.form]}]
        assert obs["category"][0]["coding"][0]["code"] == "survey"
        assert obs["category"][0]["coding"][0]["system"] == \
            "http://terminology.hl7.org/CodeSystem/observation-category"
        assert obs["valueQuantity"]["value"] == pytest.approx(sum(scores))
        corrected = page.key == CORRECTED[0]
        assert qr["status"] == ("amended" if corrected else "completed"), page.key
        assert obs["status"] == ("amended" if corrected else "final"), page.key


def test_references_resolve_inside_the_bundle(exported):
    _, _, _, doc = exported
    full = {e["fullUrl"]: e["resource"] for e in doc["entry"]}
    assert all(u.startswith("urn:uuid:") for u in full)
    assert len(full) == len(doc["entry"])
    urls = {r["url"] for r in full.values() if r["resourceType"] == "Questionnaire"}
    for entry in doc["entry"]:
        r = entry["resource"]
        assert entry["fullUrl"] == f"urn:uuid:{r['id']}"
        assert entry["request"] == {"method": "PUT", "url": f"{r['resourceType']}/{r['id']}"}
        if r["resourceType"] == "Observation":
            (ref,) = r["derivedFrom"]
            target = full[ref["reference"]]
            assert target["resourceType"] == "QuestionnaireResponse" and _page_id(target) == _page_id(r)
        if r["resourceType"] == "QuestionnaireResponse":
            assert r["questionnaire"].split("|")[0] in urls


def test_ids_are_the_same_at_every_export(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    _, first, _ = _export(tmp_path / "a", "R5")
    _, again, _ = _export(tmp_path / "b", "R5")
    assert first == again


def test_unreviewed_pages_only_when_asked_and_then_preliminary(tmp_path):
    done, _, doc = _export(tmp_path, "R5", include_unreviewed=True)
    page = BY_KEY["A1/2/srs"]
    obs = {_page_id(o): o for o in _of_type(doc, "Observation")}
    assert obs[page.page_id]["status"] == "preliminary"
    assert [x.page_id for x in done.left_out["fhir"]] == [BY_KEY["A1/3/ors"].page_id]  # the missing item


def test_without_the_flag_the_review_page_is_listed(exported):
    _, done, text, _ = exported
    left = {x.page_id: x.reason for x in done.left_out["fhir"]}
    assert set(left) == {BY_KEY["A1/2/srs"].page_id, BY_KEY["A1/3/ors"].page_id}
    assert "review" in left[BY_KEY["A1/2/srs"].page_id]
    assert BY_KEY["A1/2/srs"].page_id not in text
