"""A clinic's own forms read with --template: as many lines as the template declares, of its
length, marks measured against the geometry they were drawn with (srs_scan.synth.custom),
named by the template's words, flagged by its rules; and never a wrong ok: without the
template, with the wrong lines, or with a line that disagrees with its siblings.

Values are compared on the paper: the record's ``mm`` is the distance from the left end of
the form's own line (0 to its length), the score 10 x mm / length; the tolerances are the
scans' and photos' of tests/read/test_accuracy.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import PHOTO_OK_TOL_MM, PHOTO_TOL_MM, SCAN_TOL_MM

from srs_scan import ItemStatus, PageStatus, ReadOptions, read_image
from srs_scan.synth import MarkSpec, bitonal, photo, render_form, scan
from srs_scan.synth.custom import CustomPage, mm_to_u, render_custom

PAIN3 = {
    "schema": 1, "id": "pain3", "title": "Pain Rating Scale (PRS)", "names": ["Pain Rating Scale", "PRS"],
    "keywords": ["pain", "worst"], "line_length_mm": 80,
    "items": [{"name": "Pain now"}, {"name": "Pain at night"}, {"name": "Daily activities"}],
    "scoring": {"total_cutoff_above": 15, "item_flag_above": 7},
    "advice": {"above_cutoff": "High pain burden.", "item_high": "Severe pain on this item."},
}
MOOD5 = {
    "schema": 1, "id": "mood5", "title": "Weekly Mood Check (WMC)", "names": ["Weekly Mood Check", "WMC"],
    "keywords": ["mood", "weekly"], "line_length_mm": 120,
    "items": [{"name": n} for n in ("Energy", "Calm", "Sleep quality", "Appetite", "Hope")],
    "scoring": {"total_cutoff_below": 20, "item_flag_below": 3},
}
# the pages' own words (not read from the templates)
PAIN_PAGE = CustomPage("Pain Rating Scale (PRS)", ("Pain now", "Pain at night", "Daily activities"), line_mm=80.0,
                       anchors=("No pain", "Worst pain imaginable"))
MOOD_PAGE = CustomPage("Weekly Mood Check", ("Energy", "Calm", "Sleep quality", "Appetite", "Hope"), line_mm=120.0,
                       anchors=("Very low", "Very high"))
DPI = 200


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("templates")
    out = []
    for data in (PAIN3, MOOD5):
        path = folder / f"{data['id']}.json"
        path.write_text(json.dumps(data), encoding="utf-8")
        out.append(path)
    return out[0], out[1]


def _marks(truth_mm, line_mm, kinds=None):
    kinds = kinds or ["tick"] * len(truth_mm)
    return [[] if t is None else [MarkSpec(mm_to_u(t, line_mm), k)] for t, k in zip(truth_mm, kinds, strict=True)]


def _scanned(page, truth_mm, *, seed=0, kinds=None, dpi=DPI, fax=False):
    rendered = render_custom(page, _marks(truth_mm, page.line_mm, kinds), dpi=dpi, seed=seed)
    rng = np.random.default_rng(seed)
    img = scan(rendered.image, rng, dpi_in=dpi, dpi_out=dpi, skew_deg=float(rng.uniform(-1.5, 1.5)))
    return bitonal(img, rng) if fax else img


def _paper_errors(result, truth_mm, line_mm):
    assert len(result.items) == len(truth_mm), result.reasons
    return [item.mm - t for item, t in zip(result.items, truth_mm, strict=True) if t is not None]


PAIN_CASES = [  # truth in mm from the left end of the 80 mm lines, mark kinds
    ((12.3, 40.0, 71.5), ("tick", "x", "dot")),
    ((3.0, 66.6, 20.0), ("slant", "tick", "short_tick")),
    ((78.5, 8.2, 44.4), ("x", "dot", "tick")),
]


@pytest.mark.parametrize(("truth", "kinds"), PAIN_CASES)
def test_three_line_form_is_read_with_its_template(templates, truth, kinds):
    img = _scanned(PAIN_PAGE, truth, seed=len(kinds) + int(truth[0]), kinds=list(kinds))
    result = read_image(img, dpi=DPI, options=ReadOptions(templates=templates))
    assert result.status is PageStatus.OK, result.reasons
    assert result.form == "pain3"
    assert [i.name for i in result.items] == ["Pain now", "Pain at night", "Daily activities"]
    errors = _paper_errors(result, truth, 80.0)
    assert max(abs(e) for e in errors) <= SCAN_TOL_MM, errors
    for item in result.items:  # printed lines of 80 mm: the physical length is the template's
        assert item.line_length_mm == pytest.approx(80.0, abs=0.5)
    assert result.template == {"file": "pain3.json", "sha256": result.template["sha256"], "line_length_mm": 80.0}


def test_three_line_flags_follow_the_template(templates):
    # scores 10 x d / 80: 9.0, 6.0 and 1.5 (total 16.5): above the total cutoff 15, item 1 above 7
    truth = (72.0, 48.0, 12.0)
    result = read_image(_scanned(PAIN_PAGE, truth, seed=4), dpi=DPI, options=ReadOptions(templates=templates))
    assert result.status is PageStatus.OK, result.reasons
    assert [i.score for i in result.items] == pytest.approx([9.0, 6.0, 1.5], abs=0.1)
    assert result.total == pytest.approx(16.5, abs=0.2)
    assert [(f.code, f.message.split()[0]) for f in result.flags] == [("total_above", "PAIN3"), ("item_high", "Pain")]
    assert result.flags[0].advice == "High pain burden."
    # low scores: no flag at all
    calm = read_image(_scanned(PAIN_PAGE, (8.0, 16.0, 24.0), seed=5), dpi=DPI, options=ReadOptions(templates=templates))
    assert calm.status is PageStatus.OK and calm.flags == () and calm.total == pytest.approx(6.0, abs=0.2)


def test_a_blank_line_on_a_three_line_form_is_missing(templates):
    result = read_image(_scanned(PAIN_PAGE, (30.0, None, 50.0), seed=6), dpi=DPI,
                        options=ReadOptions(templates=templates))
    assert result.form == "pain3" and result.status is PageStatus.REVIEW and result.review_kind == "blank"
    assert [i.status for i in result.items] == [ItemStatus.OK, ItemStatus.MISSING, ItemStatus.OK]
    assert result.total is None


@pytest.mark.parametrize("fax", [False, True], ids=["scan", "fax"])
def test_five_line_form_of_120_mm_lines(templates, fax):
    rng = np.random.default_rng(11)
    truth = [float(np.round(rng.uniform(2.0, 118.0), 1)) for _ in range(5)]
    kinds = [str(k) for k in rng.choice(["tick", "x", "dot", "slant"], 5)]
    img = _scanned(MOOD_PAGE, truth, seed=12, kinds=kinds, fax=fax)
    result = read_image(img, dpi=DPI, options=ReadOptions(templates=templates))
    assert result.status is PageStatus.OK, result.reasons
    assert result.form == "mood5" and [i.name for i in result.items] == [n["name"] for n in MOOD5["items"]]
    errors = _paper_errors(result, truth, 120.0)
    assert max(abs(e) for e in errors) <= SCAN_TOL_MM, errors
    expected_total = sum(round(10 * t / 120.0, 1) for t in truth)
    assert result.total == pytest.approx(expected_total, abs=0.3)
    assert ("clinical_range" in {f.code for f in result.flags}) == (expected_total < 20)


def test_five_line_form_in_a_phone_photo(templates):
    truth = [15.0, 47.5, 100.0, 66.0, 9.5]
    rendered = render_custom(MOOD_PAGE, _marks(truth, 120.0), dpi=150, seed=21)
    img = photo(rendered.image, np.random.default_rng(21), tilt_deg=22.0, rotation_deg=35.0, coverage=0.9,
                out_size=(2000, 1500), blur_sigma=0.8, jpeg_quality=85)
    result = read_image(img, options=ReadOptions(templates=templates))
    assert result.form == "mood5" and len(result.items) == 5, result.reasons
    errors = _paper_errors(result, truth, 120.0)
    assert max(abs(e) for e in errors) <= PHOTO_TOL_MM, errors
    ok = [e for e, item in zip(errors, result.items, strict=True) if item.status is ItemStatus.OK]
    assert ok and max(abs(e) for e in ok) <= PHOTO_OK_TOL_MM, errors


@pytest.mark.parametrize("page", [PAIN_PAGE, MOOD_PAGE], ids=["3 lines", "5 lines"])
def test_a_clinic_form_without_its_template_is_never_ok(page):
    truth = [20.0 + 5 * k for k in range(len(page.labels))]
    result = read_image(_scanned(page, truth, seed=31), dpi=DPI)
    assert result.status in (PageStatus.NO_FORM, PageStatus.REVIEW), result
    assert result.total is None or result.status is PageStatus.REVIEW
    assert result.form in (None,), result.form  # never named one of the shipped forms


def test_the_template_form_may_be_declared(tmp_path, templates):
    """A page whose words do not name the form (here: another title) is read as the
    declared template form; without the declaration it goes to a person."""
    unnamed = CustomPage("Clinic questionnaire", ("First", "Second", "Third"), line_mm=80.0)
    img = _scanned(unnamed, (10.0, 40.0, 70.0), seed=41)
    plain = read_image(img, dpi=DPI, options=ReadOptions(templates=templates))
    assert plain.status is PageStatus.REVIEW and plain.form is None
    declared = read_image(img, dpi=DPI, options=ReadOptions(templates=templates, form="pain3"))
    assert declared.status is PageStatus.OK and declared.form == "pain3", declared.reasons
    assert max(abs(e) for e in _paper_errors(declared, (10.0, 40.0, 70.0), 80.0)) <= SCAN_TOL_MM


def test_a_declared_form_is_never_read_on_another_forms_lines(templates):
    """An SRS (four lines) in a run declared to be the three-line PAIN3: to a person."""
    srs = render_form("srs", [[MarkSpec(p)] for p in (30.0, 50.0, 70.0, 90.0)], dpi=DPI, seed=2)
    img = scan(srs.image, np.random.default_rng(2), dpi_in=DPI, dpi_out=DPI)
    for dpi in (DPI, None):  # with the resolution (lengths say 100 mm) and without (any length)
        result = read_image(img, dpi=dpi, options=ReadOptions(templates=templates, form="pain3"))
        assert result.status is not PageStatus.OK and result.form != "pain3", result
        if result.status is PageStatus.REVIEW:
            assert any("declares PAIN3 (3 lines) but 4 lines were found" in r for r in result.reasons)


def test_more_lines_than_the_form_declares_go_to_review(templates):
    """Five lines in line where the form read has four or three: a person checks which lines
    are the form's. Read with no template at all, no word names any known form: as a ruled
    page, it is no form (the reason says a clinic's form needs its template)."""
    truth = [20.0, 40.0, 60.0, 80.0, 100.0]
    img = _scanned(MOOD_PAGE, truth, seed=51)
    bare = read_image(img, dpi=None)  # any length: four of the five lines make an SRS-like stack
    assert bare.status is PageStatus.NO_FORM and bare.form is None
    assert any("more than 4 lines in line and no words naming a known form" in r and "--template" in r
               for r in bare.reasons), bare.reasons
    only_pain = read_image(img, dpi=None, options=ReadOptions(templates=(templates[0],)))
    assert only_pain.status is PageStatus.NO_FORM and only_pain.form != "pain3", only_pain.reasons
    # five lines under the 3-line template's own title: named, so a person checks which
    # lines are its own (never three of the five read as the form)
    titled = CustomPage(PAIN_PAGE.title, (*PAIN_PAGE.labels, "Sleep", "Mood"), line_mm=80.0,
                        anchors=PAIN_PAGE.anchors)
    named = read_image(_scanned(titled, truth, seed=52), dpi=DPI, options=ReadOptions(templates=(templates[0],)))
    assert named.status is PageStatus.REVIEW, named.reasons
    assert any("another line stands in line" in r for r in named.reasons), named.reasons


def test_a_line_shorter_than_its_siblings_goes_to_review(templates):
    short = CustomPage(PAIN_PAGE.title, PAIN_PAGE.labels, line_mm=80.0, anchors=PAIN_PAGE.anchors,
                       lengths=(80.0, 72.0, 80.0))
    truth = (20.0, 30.0, 40.0)
    result = read_image(_scanned(short, truth, seed=61), dpi=DPI, options=ReadOptions(templates=templates))
    assert result.status is PageStatus.REVIEW
    assert any("line 2's right end is not in line with the other lines' ends" in r for r in result.reasons), \
        result.reasons
    # its twin, printed right, is ok: the test cannot pass by everything going to review
    fine = read_image(_scanned(PAIN_PAGE, truth, seed=61), dpi=DPI, options=ReadOptions(templates=templates))
    assert fine.status is PageStatus.OK, fine.reasons


@pytest.mark.parametrize("seed", range(4))
def test_shipped_forms_read_the_same_with_templates_loaded(templates, seed):
    rng = np.random.default_rng(100 + seed)
    form = ("srs", "ors")[seed % 2]
    layout = ("official", "house", "compact", "letter_fit")[seed]
    marks = [[MarkSpec(float(np.round(rng.uniform(1, 99), 1)))] for _ in range(4)]
    page = render_form(form, marks, dpi=DPI, seed=seed, layout=layout)
    img = scan(page.image, rng, dpi_in=DPI, dpi_out=DPI, skew_deg=float(rng.uniform(-1.5, 1.5)))
    for dpi in (DPI, None):
        plain = read_image(img, dpi=dpi)
        loaded = read_image(img, dpi=dpi, options=ReadOptions(templates=templates))
        assert loaded.to_dict() == plain.to_dict()
        assert plain.form == form


def test_settings_follow_the_templates_content(tmp_path):
    path = tmp_path / "pain3.json"
    path.write_text(json.dumps(PAIN3), encoding="utf-8")
    before = ReadOptions(templates=(path,)).settings()
    assert ReadOptions().settings() == {"item_threshold": None}  # no templates: the key is as before
    assert before["templates"] and ReadOptions(templates=(path,)).settings() == before
    path.write_text(json.dumps({**PAIN3, "scoring": {"total_cutoff_above": 12}}), encoding="utf-8")
    assert ReadOptions(templates=(path,)).settings() != before


def test_an_srs_with_a_line_lost_is_not_read_as_a_three_line_form(templates):
    """Three lines found (the fourth erased) where the words name the four-line SRS: a
    person looks; without templates no form is found at all (no stack of four)."""
    page = render_form("srs", [[MarkSpec(p)] for p in (30.0, 50.0, 70.0, 90.0)], dpi=DPI, seed=7)
    img = page.image.copy()
    (x0, y), (x1, _) = page.lines_px[3]
    img[int(y) - 8:int(y) + 9, int(x0) - 4:int(x1) + 5] = 245  # the last line (and its mark) erased
    gray = scan(img, np.random.default_rng(7), dpi_in=DPI, dpi_out=DPI)
    assert read_image(gray, dpi=None).status is PageStatus.NO_FORM
    result = read_image(gray, dpi=None, options=ReadOptions(templates=templates))
    assert result.status is PageStatus.REVIEW and result.form is None and len(result.items) == 3
    assert any("the page's words name the SRS (4 lines), but 3 lines were found" in r for r in result.reasons), \
        result.reasons


SLEEP2 = {"schema": 1, "id": "sleep2", "title": "Sleep Diary Scale", "names": ["Sleep Diary Scale"],
          "line_length_mm": 100, "items": [{"name": "Falling asleep"}, {"name": "Waking rested"}]}


@pytest.fixture(scope="module")
def sleep2(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sleep") / "sleep2.json"
    path.write_text(json.dumps(SLEEP2), encoding="utf-8")
    return path


SLEEP_PAGE = CustomPage("Sleep Diary Scale", ("Falling asleep", "Waking rested"), line_mm=100.0, pitch_mm=40.0)


def test_a_two_line_form_on_a_scan_needs_level_ends(sleep2):
    """Two lines have no third to check their ends against: on a scan (no perspective) they
    must be as long as each other, ends level; a line printed 8 mm short goes to a person."""
    result = read_image(_scanned(SLEEP_PAGE, (25.0, 75.0), seed=71), dpi=DPI, options=ReadOptions(templates=(sleep2,)))
    assert result.form == "sleep2" and result.status is PageStatus.OK, result.reasons
    assert max(abs(e) for e in _paper_errors(result, (25.0, 75.0), 100.0)) <= SCAN_TOL_MM
    short = CustomPage(SLEEP_PAGE.title, SLEEP_PAGE.labels, line_mm=100.0, pitch_mm=40.0, lengths=(100.0, 92.0))
    bad = read_image(_scanned(short, (25.0, 75.0), seed=71), dpi=DPI, options=ReadOptions(templates=(sleep2,)))
    assert bad.status is PageStatus.REVIEW
    assert any("the 2 lines' ends are not level with each other" in r for r in bad.reasons), bad.reasons


def test_two_lines_in_a_photo_and_one_line_off_its_length_go_to_a_person(sleep2, tmp_path):
    rendered = render_custom(SLEEP_PAGE, _marks((25.0, 75.0), 100.0), dpi=150, seed=73)
    img = photo(rendered.image, np.random.default_rng(73), tilt_deg=15.0, rotation_deg=10.0, coverage=0.9,
                out_size=(2000, 1500), blur_sigma=0.6, jpeg_quality=90)
    result = read_image(img, options=ReadOptions(templates=(sleep2,)))
    assert result.form == "sleep2" and result.status is PageStatus.REVIEW
    assert any("a form of 2 line(s): its line ends cannot be checked" in r for r in result.reasons), result.reasons
    one = tmp_path / "one1.json"
    one.write_text(json.dumps({**SLEEP2, "id": "one1", "title": "Overall Sleep Scale", "names": ["Overall Sleep Scale"],
                               "items": [{"name": "Last night"}]}), encoding="utf-8")
    # one line on a scan: its ends are checked by its printed length, the template's
    page = CustomPage("Overall Sleep Scale", ("Last night",), line_mm=100.0)
    single = read_image(_scanned(page, (60.0,), seed=74), dpi=DPI, options=ReadOptions(templates=(one,)))
    assert single.form == "one1" and single.status is PageStatus.OK, single.reasons
    assert max(abs(e) for e in _paper_errors(single, (60.0,), 100.0)) <= SCAN_TOL_MM
    # printed 3 mm short (or cut short where the reader lost it): a person checks its ends
    short = CustomPage("Overall Sleep Scale", ("Last night",), line_mm=100.0, lengths=(97.0,))
    cut = read_image(_scanned(short, (60.0,), seed=74), dpi=DPI, options=ReadOptions(templates=(one,)))
    assert cut.form == "one1" and cut.status is PageStatus.REVIEW
    assert any("a form of 1 line(s)" in r for r in cut.reasons), cut.reasons
    # the same line in a photo (no resolution): nothing to check it against
    shot = photo(render_custom(page, _marks((60.0,), 100.0), dpi=150, seed=74).image, np.random.default_rng(74),
                 tilt_deg=15.0, rotation_deg=10.0, coverage=0.9, out_size=(2000, 1500), blur_sigma=0.6,
                 jpeg_quality=90)
    in_photo = read_image(shot, options=ReadOptions(templates=(one,)))
    assert in_photo.status is PageStatus.REVIEW
    assert any("a form of 1 line(s)" in r for r in in_photo.reasons), in_photo.reasons


def test_two_unnamed_lines_are_no_form(sleep2):
    """Two parallel lines that no form's words name (a letter's rules) are not a form."""
    unnamed = CustomPage("Notes", ("First", "Second"), line_mm=100.0, pitch_mm=40.0)
    other = read_image(_scanned(unnamed, (25.0, 75.0), seed=72), dpi=DPI, options=ReadOptions(templates=(sleep2,)))
    assert other.status is PageStatus.NO_FORM and "no form of 2 line(s) is named" in other.reasons[0]
