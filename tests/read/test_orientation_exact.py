"""Which way up, exactly: every quarter turn gives its own rotation, and both steps that
turn a page upright are needed.

The reader turns a page upright in two steps (``pipeline._locate_by_lines``): a first
guess from the layout (title and instructions above the scales) and the decision that
weighs the words, the text's shape and the layout. Each alone gets most pages right,
so the cases here are chosen so that each step is needed by at least one of them:

* ORS pages in the "house" and "compact" layouts, as scanned: the stack of scales is
  found pointing right-to-left and only the layout's first guess turns it round before
  the words are read (without it they are read upside down and the form is doubted);
* an SRS "compact" form cut down to its scales, whose layout says nothing (text above
  and below in equal measure): only the decision from the words turns it.

Ground truth is the renderer's geometry and the quarter turns given to the scanner.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import SCAN_TOL_MM

from srs_scan import ItemStatus, PageStatus, read_image
from srs_scan.synth import scan

POSITIONS = (12.3, 87.6, 45.0, 99.2)
DPI = 200


def _rotation_for(quarter_turns: int) -> int:
    """``scan(rotate90=k)`` turns the page k quarter turns counter-clockwise as displayed
    (``np.rot90``); the reader reports how far clockwise the page's lines run from level,
    the angle it turns back: 360 - 90 k."""
    return (360 - 90 * quarter_turns) % 360


def _read(image: np.ndarray, quarter_turns: int, skew: float = 0.6):
    gray = scan(image, np.random.default_rng(11), dpi_in=DPI, dpi_out=DPI, rotate90=quarter_turns, skew_deg=skew)
    return read_image(gray, dpi=DPI)


def _assert_clean(result, form: str, quarter_turns: int) -> None:
    assert result.rotation == _rotation_for(quarter_turns), result.rotation
    assert result.form == form
    assert result.status is PageStatus.OK, result.reasons
    assert result.reasons == ()
    for item, truth in zip(result.items, POSITIONS, strict=True):
        assert item.status is ItemStatus.OK
        assert item.mm == pytest.approx(truth, abs=SCAN_TOL_MM)  # read upside down it would be 100 - truth


@pytest.mark.parametrize("quarter_turns", [0, 1, 2, 3])
def test_each_quarter_turn_is_reported_exactly(render, quarter_turns):
    page = render("srs", POSITIONS)
    _assert_clean(_read(page.image, quarter_turns), "srs", quarter_turns)


@pytest.mark.parametrize("layout, quarter_turns", [("house", 0), ("house", 1), ("compact", 0), ("compact", 1)])
def test_the_layouts_first_guess_turns_a_backwards_stack_before_the_words_are_read(render, layout, quarter_turns):
    page = render("ors", POSITIONS, layout=layout, seed=3)
    _assert_clean(_read(page.image, quarter_turns), "ors", quarter_turns)


def _scales_only(page) -> np.ndarray:
    """The form cut down to its four scales, their labels and anchors: no title, header,
    instructions or footer, so the layout cannot tell which way up it is."""
    ppm = page.dpi / 25.4
    img = page.image.copy()
    img[: int(page.lines_px[0][0][1] - 12 * ppm)] = 246
    img[int(page.lines_px[3][0][1] + 14 * ppm):] = 246
    return img


@pytest.mark.parametrize("quarter_turns", [0, 2])
def test_a_page_whose_layout_says_nothing_is_turned_by_its_words(render, quarter_turns):
    page = render("srs", POSITIONS, layout="compact", seed=3)
    result = _read(_scales_only(page), quarter_turns, skew=0.5)
    assert abs(result.geometry["orientation"]["layout_score"]) < 0.2  # the layout's guess does not act
    _assert_clean(result, "srs", quarter_turns)


def test_words_that_name_the_form_the_other_way_up_overrule_a_fooled_upright_score(render, monkeypatch):
    """The OCR's upright classifier is fooled by some print (it scored an upside-down serif
    page 0.52 'upright'). On an upside-down page whose layout says nothing, a classifier
    that says 'upright' does not decide: the words read the other way up name the form,
    and so say which way up it stands."""
    from srs_scan.read import textread

    monkeypatch.setattr(textread, "upright_score", lambda *a, **k: 0.6)
    page = render("srs", POSITIONS, layout="compact", seed=3)
    result = _read(_scales_only(page), 2, skew=0.5)
    _assert_clean(result, "srs", 2)


def test_a_page_whose_words_name_no_form_has_every_reading_checked(render, monkeypatch):
    """No form named (the words say nothing: OCR reads nothing here) and none declared:
    which way up the page stands rests on its print alone, so no item is ok (read upside
    down, every value would be 100 - x)."""
    from srs_scan.read import textread
    from srs_scan.read.pipeline import UNNAMED_REASON

    monkeypatch.setattr(textread, "read_text", lambda *a, **k: [])
    page = render("srs", POSITIONS)
    result = _read(page.image, 0)
    assert result.form is None and result.status is PageStatus.REVIEW
    assert [item.status for item in result.items] == [ItemStatus.REVIEW] * 4
    assert all(UNNAMED_REASON in item.reasons for item in result.items)
    assert [item.mm for item in result.items] == pytest.approx(POSITIONS, abs=SCAN_TOL_MM)


def test_words_whited_out_as_not_paper_are_read_without_the_mask(render, monkeypatch):
    """A shadow across a photographed sheet can be taken for the table around it: the
    paper mask then whites out the title and the labels with it (a photo of an ORS lost
    its name so). When the masked form region names nothing and much of it was whited
    out, it is read as it is."""
    from srs_scan.read import classify

    def shadow_taken_for_table(crop):
        return np.full_like(crop, 255)  # all of it: the title, the labels and the lines

    monkeypatch.setattr(classify, "paper_only", shadow_taken_for_table)
    page = render("srs", POSITIONS)
    _assert_clean(_read(page.image, 0), "srs", 0)


def test_words_legible_only_turned_over_say_which_way_up_the_page_stands(render, monkeypatch):
    """Two phone photos stood upright, but their print misled both other cues (the layout's
    first guess turned them upside down, and as they then stood the layout and the text's
    shape said "upright"). As the page was taken to stand, its title region and labels read
    as nothing legible; turned over (the OCR's upright score says so), they read cleanly and
    name the form, though not beyond doubt: that settles which way up it stands. Read the
    right way up, the same words settle nothing of the kind (the title region was legible)."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import classify, naming, textread

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}
    page = render("srs", POSITIONS, layout="compact", seed=3)
    gray = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY) if page.image.ndim == 3 else page.image
    upright = [(np.array(a, float), np.array(b, float)) for a, b in page.lines_px]
    turned = [(b, a) for a, b in reversed(upright)]  # the same lines, taken to stand upside down
    monkeypatch.setattr(naming, "DECISIVE", 100.0)  # the words name the form, but not beyond doubt
    monkeypatch.setattr(textread, "upright_score", lambda *a, **k: -0.86)
    text = classify.read_page_text(gray, turned, forms=four)
    assert text.form == "srs" and text.flipped and text.decisive
    monkeypatch.setattr(textread, "upright_score", lambda *a, **k: 0.86)
    assert not classify.read_page_text(gray, upright, forms=four).decisive
    # the OCR's upright score fooled the other way (an upright page scored "upside down"):
    # turned over the words give nothing legible, as the page stands they name the form
    monkeypatch.setattr(textread, "upright_score", lambda *a, **k: -0.86)
    text = classify.read_page_text(gray, upright, forms=four)
    assert text.form == "srs" and text.decisive and text.upright > 0


def test_a_title_read_whole_over_its_pieces_is_kept():
    """The title region gave a title in two pieces ("CHILD SESS", "ON RATING SCA", which
    name nothing); the whole form region gives it as one box over both: kept, not dropped
    as read already. The same box read again is dropped."""
    from srs_scan.read.classify import _unseen
    from srs_scan.read.textread import TextLine

    pieces = [TextLine("CHILD SESS", (100.0, 50.0, 290.0, 86.0), 1.0),
              TextLine("ON RATING SCA", (305.0, 50.0, 520.0, 86.0), 1.0)]
    whole = TextLine("CHILD SESSION RATING SCA", (100.0, 49.0, 521.0, 86.0), 1.0)
    again = TextLine("CHILD SESS", (101.0, 50.0, 291.0, 86.0), 1.0)
    assert _unseen([whole, again], pieces) == [whole]


def test_labels_are_read_where_they_stand_once_the_page_is_turned_over(render, monkeypatch):
    """A scan taken to stand upside down (its layout and text's shape misled by a title far
    above the scales and anchors below them): as it was taken to stand, the title region and
    the label bands read as nothing legible; the OCR's upright score says "turn it over".
    Turned over, the item labels are read where they are printed, above each line, as they
    are on a page the right way up: the whole form region's read may spend its budget on a
    letterhead and header fields and never reach them (a seed-17 page read "Overall" only,
    which both the SRS and the ORS print, and went to review unnamed)."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import classify, textread

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}
    page = render("srs", POSITIONS)
    gray = cv2.cvtColor(page.image, cv2.COLOR_BGR2GRAY) if page.image.ndim == 3 else page.image
    gray = gray.copy()
    gray[: int(page.lines_px[0][0][1] - 14 * page.dpi / 25.4)] = 246  # no title to name it
    upright = [(np.array(a, float), np.array(b, float)) for a, b in page.lines_px]
    turned = [(b, a) for a, b in reversed(upright)]
    real = textread.read_text

    def bands_only(image, *, rows=None, **kw):  # the whole region's read reaches no label
        return real(image, rows=rows, **kw) if rows is not None else []

    monkeypatch.setattr(textread, "read_text", bands_only)
    monkeypatch.setattr(textread, "upright_score", lambda *a, **k: -0.86)
    text = classify.read_page_text(gray, turned, forms=four)
    assert text.form == "srs" and text.flipped and text.decisive
