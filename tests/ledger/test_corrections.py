"""Corrections: what they do to a page (pure), and the ledger's append-only trail."""

from __future__ import annotations

import pytest

from srs_scan.ledger import corrections
from srs_scan.ledger.corrections import Correction
from srs_scan.ledger.store import Ledger, LedgerError
from srs_scan.model import ItemResult, ItemStatus, PageResult, PageStatus


def _page(values, *, status=PageStatus.OK, reasons=(), form="srs") -> PageResult:
    items = []
    for i, v in enumerate(values, start=1):
        if v is None:
            items.append(ItemResult(f"Item {i}", None, None, ItemStatus.MISSING))
        elif isinstance(v, tuple):  # (mm, "review")
            items.append(ItemResult(f"Item {i}", v[0], round(v[0] / 10, 1), ItemStatus.REVIEW,
                                    ("2 marks on the line",)))
        else:
            items.append(ItemResult(f"Item {i}", v, round(v / 10, 1), ItemStatus.OK))
    total = None if any(i.score is None for i in items) else round(sum(i.score for i in items), 1)
    return PageResult("f.pdf", 1, status, form=form, items=tuple(items), total=total, reasons=tuple(reasons))


def _fix(item, mm, cid=1, by="Dr A", reason="checked the paper") -> Correction:
    return Correction("h" * 64, item, mm, by, reason, id=cid)


def test_a_correction_sets_the_value_rescoring_total_and_flags():
    page = _page([95.0, 95.0, (40.0, "review"), 95.0], status=PageStatus.REVIEW,
                 reasons=("1 item(s) need a person to check the mark",))
    after = corrections.apply(page, [_fix(3, 92.0)])
    item = after.items[2]
    assert (item.mm, item.score, item.status, item.corrected) == (92.0, 9.2, ItemStatus.OK, True)
    assert (item.machine_mm, item.machine_status) == (40.0, ItemStatus.REVIEW)
    assert after.total == 37.7  # 9.5 * 3 + 9.2
    assert after.status is PageStatus.OK and after.reasons == ()
    assert after.corrected and not page.corrected
    # the machine's 4.0 had raised an item flag and the alliance flag; the person's value raises neither
    assert not any(f.code in ("item_low", "alliance_concern") for f in after.flags)
    before_codes = {f.code for f in corrections.apply(page, [_fix(3, 40.0)]).flags}
    assert {"item_low", "alliance_concern"} <= before_codes


def test_marking_missing_removes_the_total_and_settles_the_item():
    after = corrections.apply(_page([95.0, 95.0, 95.0, 95.0]), [_fix(2, None)])
    assert after.items[1].status is ItemStatus.MISSING and after.items[1].mm is None
    assert after.items[1].machine_mm == 95.0
    assert after.total is None and after.flags == ()
    assert after.status is PageStatus.OK  # a person decided: nothing left to check
    assert any("marked missing by a person: total not computed" in w for w in after.warnings)


def test_a_blank_line_confirmed_missing_takes_the_page_out_of_review():
    page = _page([95.0, None, 95.0, 95.0], status=PageStatus.REVIEW,
                 reasons=("1 item(s) have no mark: total not computed",))
    after = corrections.apply(page, [_fix(2, None)])
    assert after.status is PageStatus.OK and after.reasons == () and after.total is None
    other = _page([95.0, None, None, 95.0], status=PageStatus.REVIEW,
                  reasons=("2 item(s) have no mark: total not computed",))
    half = corrections.apply(other, [_fix(2, None)])
    assert half.status is PageStatus.REVIEW and half.reasons == ("1 item(s) have no mark: total not computed",)


def test_the_latest_correction_of_an_item_wins_and_the_machine_value_stays_the_first():
    page = _page([50.0, 50.0, 50.0, 50.0])
    after = corrections.apply(page, [_fix(1, 60.0, cid=1), _fix(1, 70.0, cid=2)])
    assert after.items[0].mm == 70.0 and after.items[0].machine_mm == 50.0
    shuffled = corrections.apply(page, [_fix(1, 70.0, cid=2), _fix(1, 60.0, cid=1)])
    assert shuffled.items[0].mm == 70.0


def test_a_line_reason_stays_open_until_every_item_is_set_by_a_person():
    why = "a scale line runs to the edge of the image: its end may be cut off"
    page = _page([80.0, 80.0, 80.0, 80.0], status=PageStatus.REVIEW, reasons=(why,))
    some = corrections.apply(page, [_fix(1, 20.0)])
    assert some.status is PageStatus.REVIEW and why in some.reasons
    every = corrections.apply(page, [_fix(i, 20.0, cid=i) for i in range(1, 5)])
    assert every.status is PageStatus.OK and every.reasons == ()
    assert corrections.RESOLVED + why in every.warnings


@pytest.mark.parametrize("why", ["page orientation uncertain", "the QR code says ORS but the page reads as SRS",
                                 "markers of more than one form are in the image"])
def test_doubts_about_the_page_itself_are_not_settled_by_values(why):
    page = _page([80.0] * 4, status=PageStatus.REVIEW, reasons=(why,))
    every = corrections.apply(page, [_fix(i, 20.0, cid=i) for i in range(1, 5)])
    assert every.status is PageStatus.REVIEW and every.reasons == (why,)


def test_an_unknown_form_stays_in_review_even_when_every_item_is_set():
    page = _page([80.0] * 4, status=PageStatus.REVIEW, reasons=("form type (SRS or ORS) not recognised",), form=None)
    after = corrections.apply(page, [_fix(i, 50.0, cid=i) for i in range(1, 5)])
    assert after.status is PageStatus.REVIEW and after.total == 20.0 and after.flags == ()


def test_a_page_whose_lines_were_not_measured_can_be_measured_by_hand():
    page = PageResult("f.pdf", 1, PageStatus.REVIEW, form="ors",
                      reasons=("a scale line could not be measured (faint or broken print)",))
    half = corrections.apply(page, [_fix(1, 30.0)])
    assert len(half.items) == 4 and half.status is PageStatus.REVIEW and half.total is None
    full = corrections.apply(page, [_fix(i, 30.0, cid=i) for i in range(1, 5)])
    assert full.status is PageStatus.OK and full.total == 12.0
    assert [f.code for f in full.flags] == ["clinical_range"]


@pytest.mark.parametrize("item, mm, by, reason, message", [
    (0, 50.0, "A", "r", "item must be 1 to 4"),
    (5, 50.0, "A", "r", "item must be 1 to 4"),
    (1, 100.5, "A", "r", "0.0 to 100.0"),
    (1, -0.1, "A", "r", "0.0 to 100.0"),
    (1, float("nan"), "A", "r", "0.0 to 100.0"),
    (1, 50.0, "  ", "r", "who"),
    (1, 50.0, "A", "", "why"),
])
def test_bad_corrections_are_refused(item, mm, by, reason, message):
    with pytest.raises(ValueError, match=message):
        corrections.check(item, mm, by, reason)


def test_values_are_kept_to_a_tenth_of_a_millimetre():
    assert corrections.check(2, 64.25, " Dr  A ", " re-measured ")[0:3] == (64.3, "Dr A", "re-measured")


def test_page_ids_are_found_by_prefix_and_refused_when_unknown_or_too_short(tmp_path):
    ledger = Ledger(tmp_path / "l.sqlite")
    record = _page([50.0] * 4).to_dict()
    ledger.put("abcdef0123" + "0" * 54, "s", record)
    ledger.put("abcdef9999" + "0" * 54, "s", record)
    assert ledger.find("abcdef01").page_hash.startswith("abcdef01")
    with pytest.raises(LedgerError, match="give more"):
        ledger.find("abcdef")
    with pytest.raises(LedgerError, match="no page"):
        ledger.find("123456")
    with pytest.raises(LedgerError, match="not a page id"):
        ledger.find("abc")
    ledger.close()


def test_a_missing_ledger_is_not_created_by_readers(tmp_path):
    with pytest.raises(LedgerError, match="no ledger"):
        Ledger(tmp_path / "nothing.sqlite", must_exist=True)
    assert not (tmp_path / "nothing.sqlite").exists()


def test_corrections_outlive_a_re_read_that_finds_no_form():
    gone = PageResult("f.pdf", 1, PageStatus.NO_FORM, reasons=("no stack of four scale lines found",))
    after = corrections.apply(gone, [_fix(2, 70.0)])
    assert after.status is PageStatus.REVIEW
    assert after.items[1].mm == 70.0 and after.items[1].corrected
    assert any("corrected this page before" in r for r in after.reasons)


def test_audit_order_review_first_then_ok_pages_close_to_a_cutoff(tmp_path):
    from srs_scan.audit import select as audit

    ledger = Ledger(tmp_path / "l.sqlite")
    pages = {
        "1": _page([50.0, 50.0, 50.0, 50.0]),  # ok, far from everything (total 20)
        "2": _page([90.0, 90.0, 90.0, 91.0]),  # ok, total 36.1: close to the SRS cutoff 36
        "3": _page([50.0, 50.0, (50.0, "review"), 50.0], status=PageStatus.REVIEW,
                   reasons=("1 item(s) need a person to check the mark",)),  # review, far
        "4": _page([92.0, 88.0, (90.0, "review"), 95.0], status=PageStatus.REVIEW,
                   reasons=("1 item(s) need a person to check the mark",)),  # review, item 8.8 near 9
    }
    for n, page in pages.items():
        record = {**page.to_dict(), "source": f"f{n}.pdf"}
        ledger.put(n * 64, "s", record, path=str(tmp_path / f"f{n}.pdf"))
    order = [p.result.source for p in audit.collect(ledger)]
    assert order == ["f4.pdf", "f3.pdf", "f2.pdf", "f1.pdf"]
    sampled = audit.select(ledger, sample=0)
    assert [p.result.source for p in sampled.pages] == ["f4.pdf", "f3.pdf", "f2.pdf"] and sampled.left_out == 1
    ledger.close()


def test_the_item_range_is_the_forms_number_of_lines():
    """A clinic's three-line form takes items 1-3, a five-line one 1-5; past the trail's
    1-10 (the ledger's table) a message, not a database error."""
    assert corrections.check(3, 50.0, "A", "r", lines=3, form="pain3")[0] == 50.0
    with pytest.raises(ValueError, match="item must be 1 to 3 \\(top to bottom\\) on this PAIN3 form, not 4"):
        corrections.check(4, 50.0, "A", "r", lines=3, form="pain3")
    assert corrections.check(5, 50.0, "A", "r", lines=5, form="mood5")[0] == 50.0
    with pytest.raises(ValueError, match="correction trail takes items 1-10"):
        corrections.check(11, 50.0, "A", "r", lines=11, form="big11")
    # values are mm on the form's line: 0-80 on an 80 mm line, 0-150 on a 150 mm one (past
    # the PCOMS forms' 100 mm); the trail keeps 0-200 mm, a template's longest line
    assert corrections.check(1, 80.0, "A", "r", lines=3, line_mm=80.0)[0] == 80.0
    with pytest.raises(ValueError, match="0.0 to 80.0 mm"):
        corrections.check(1, 80.5, "A", "r", lines=3, line_mm=80.0)
    assert corrections.check(1, 120.0, "A", "r", lines=5, line_mm=150.0)[0] == 120.0
    assert corrections.check(1, 150.0, "A", "r", lines=5, line_mm=150.0)[0] == 150.0
    with pytest.raises(ValueError, match="the value must be 0.0 to 150.0 mm along the line, not 150.1"):
        corrections.check(1, 150.1, "A", "r", lines=5, line_mm=150.0)
    assert corrections.check(1, 200.0, "A", "r", lines=5, line_mm=200.0)[0] == 200.0
    with pytest.raises(ValueError, match="correction trail takes values 0-200 mm; correct it on the paper"):
        corrections.check(1, 210.0, "A", "r", lines=5, line_mm=250.0)  # a line no template may declare


def test_a_clinic_forms_correction_is_scored_by_its_template():
    """The form kept with the page (its template) gives the flags after a correction."""
    from srs_scan.forms.custom import parse_custom

    form = parse_custom({"schema": 1, "id": "pain3", "title": "Pain", "names": ["Pain"], "line_length_mm": 80,
                         "items": [{"name": "Now"}, {"name": "Night"}, {"name": "Day"}],
                         "scoring": {"total_cutoff_above": 15, "item_flag_above": 7}}, "pain3.json")
    page = _page([20.0, 30.0, 40.0], form="pain3")  # mm on the 80 mm lines (the helper's scores are not used)
    after = corrections.apply(page, [_fix(3, 76.0)], form=form)  # 76 of 80 mm: 9.5
    assert after.items[2].score == 9.5 and after.total == 14.5
    assert [f.message for f in after.flags] == ["Item 3 9.5 > 7"]
    after = corrections.apply(page, [_fix(3, 76.0), _fix(1, 80.0, cid=2)], form=form)
    assert after.items[0].score == 10.0
    assert [f.code for f in after.flags] == ["total_above", "item_high", "item_high"]
    assert corrections.apply(page, [_fix(3, 76.0)]).flags == ()  # without its template: no rules known
