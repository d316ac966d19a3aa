"""FHIR: a transaction Bundle of the forms, in R5 (default) or R4B, built and checked
with the ``fhir.resources`` models.

- One ``Questionnaire`` per form template shipped with srs-scan (items linkId 1-4, type
  decimal, the item names as text), ``url`` ``urn:srs-scan:questionnaire:<form>``.
- Per form page a ``QuestionnaireResponse``: status ``completed``, or ``amended`` when a
  person corrected a value; one item per line with ``valueDecimal``; subject
  ``Patient/<client id>``; ``authored`` the session date (absent when nobody gave one).
- Per form page an ``Observation`` of the total: SNOMED CT code (:data:`SNOMED_TOTAL`),
  category ``survey``, ``valueQuantity`` in ``{score}``, ``derivedFrom`` its response;
  status ``final``, ``amended`` when corrected, ``preliminary`` when a page still in
  review was exported on purpose (``--include-unreviewed``).

Ids are UUIDs derived from the page id (the same page gives the same ids at every
export), entries have ``urn:uuid:`` fullUrls and ``PUT`` requests, so references resolve
inside the bundle and sending the same bundle twice updates rather than duplicates.
``fhir.resources`` checks the structure, not the code values: the codes are ours.
"""

from __future__ import annotations

import uuid
from typing import Any

from ..clinic.records import Score
from ..forms.definitions import FormDef, all_forms
from .sessions import Selection, SessionRecord

FHIR_VERSIONS = ("R5", "R4B")
SNOMED = "http://snomed.info/sct"
SNOMED_TOTAL = {"ors": "716613004", "srs": "720482000", "cors": "718458005", "csrs": "718762000"}
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
UCUM = "http://unitsofmeasure.org"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:srs-scan:fhir")
BUNDLE_SYSTEM = "urn:srs-scan:export"
PAGE_SYSTEM = "urn:srs-scan:page"  # the ledger's page id: the paper a resource came from


def questionnaire_url(form: str) -> str:
    return f"urn:srs-scan:questionnaire:{form}"


def _uuid(kind: str, key: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{key}"))


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    kind, rid = resource["resourceType"], resource["id"]
    return {"fullUrl": f"urn:uuid:{rid}", "resource": resource, "request": {"method": "PUT", "url": f"{kind}/{rid}"}}


def questionnaire(form: FormDef) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire", "id": _uuid("Questionnaire", f"{form.id}|{form.version}"),
        "url": questionnaire_url(form.id), "version": str(form.version), "name": form.id.upper(),
        "title": form.title, "status": "active", "subjectType": ["Patient"],
        "item": [{"linkId": str(i), "text": item.name, "type": "decimal", "required": True}
                 for i, item in enumerate(form.items, start=1)],
    }


def response(score: Score, version: int | None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse", "id": _uuid("QuestionnaireResponse", score.page_id),
        "identifier": {"system": PAGE_SYSTEM, "value": score.page_id}, "questionnaire": questionnaire_url(score.form)
        + (f"|{version}" if version is not None else ""),
        "status": "amended" if score.corrected else "completed",
        "subject": {"reference": f"Patient/{score.client}"},
        "item": [{"linkId": str(i), "text": name, "answer": [{"valueDecimal": value}]}
                 for i, (name, value) in enumerate(zip(score.item_names, score.items, strict=True), start=1)
                 if value is not None],
    }
    if score.date is not None:
        d["authored"] = score.date.isoformat()
    return d


def observation(score: Score, response_id: str) -> dict[str, Any]:
    d: dict[str, Any] = {
        "resourceType": "Observation", "id": _uuid("Observation", score.page_id),
        "identifier": [{"system": PAGE_SYSTEM, "value": score.page_id}],
        "status": "preliminary" if not score.reviewed else ("amended" if score.corrected else "final"),
        "category": [{"coding": [{"system": CATEGORY, "code": "survey", "display": "Survey"}]}],
        "code": {"text": f"{score.form.upper()} total score"},
        "subject": {"reference": f"Patient/{score.client}"},
        "valueQuantity": {"value": score.total, "unit": "score", "system": UCUM, "code": "{score}"},
        "derivedFrom": [{"reference": f"urn:uuid:{response_id}"}],
    }
    if score.form in SNOMED_TOTAL:  # a form of one's own has no code: its text says what it is
        d["code"]["coding"] = [{"system": SNOMED, "code": SNOMED_TOTAL[score.form]}]
    if score.date is not None:
        d["effectiveDateTime"] = score.date.isoformat()
    return d


def bundle_dict(selection: Selection, *, version: str = "R5") -> dict[str, Any]:
    """The transaction Bundle as plain data; R5 and R4B differ only in the identifier's
    cardinality on QuestionnaireResponse (a list in R5, one in R4B)."""
    forms = all_forms()
    entries = [_entry(questionnaire(forms[f])) for f in sorted(forms)]
    records: list[SessionRecord] = sorted(selection.sessions, key=lambda r: (r.client, r.number))
    for record in records:
        for score in record.forms:
            form = forms.get(score.form)
            qr = response(score, form.version if form else None)
            if version == "R5":
                qr["identifier"] = [qr["identifier"]]
            entries += [_entry(qr), _entry(observation(score, qr["id"]))]
    key = ",".join(s.page_id for r in records for s in r.forms)
    return {"resourceType": "Bundle", "id": _uuid("Bundle", key),
            "identifier": {"system": BUNDLE_SYSTEM, "value": _uuid("Bundle", key)},
            "type": "transaction", "entry": entries}


def bundle_json(selection: Selection, *, version: str = "R5") -> str:
    """The Bundle built with ``fhir.resources`` (R5, or R4B) and serialised by it."""
    if version == "R5":
        from fhir.resources.bundle import Bundle
    elif version == "R4B":
        from fhir.resources.R4B.bundle import Bundle  # type: ignore[assignment,no-redef]
    else:
        raise ValueError(f"FHIR version {version}: one of {', '.join(FHIR_VERSIONS)}")
    model = Bundle.model_validate(bundle_dict(selection, version=version))
    return model.model_dump_json(indent=1, exclude_none=True) + "\n"
