"""Tests for srs_scan.read.textread: form identification and orientation from printed text.

The OCR tests render form-like text with Pillow (DejaVu fonts when present, else
Pillow's built-in font) and skip when onnxruntime or the rapidocr models are missing -
except where ``SRS_SCAN_REQUIRE_OCR`` is set (CI sets it): there they fail, so a broken
OCR installation cannot pass unnoticed.
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from srs_scan.read import textread
from srs_scan.read.textread import TextLine, classify_form

TEMPLATES = Path(__file__).resolve().parents[2] / "srs_scan" / "forms" / "templates"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def _keywords() -> dict[str, list[str]]:
    return {p.stem: json.loads(p.read_text())["keywords"] for p in sorted(TEMPLATES.glob("*.json"))}


def _font(px: int, name: str = "DejaVuSans.ttf") -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = DEJAVU / name
    if path.exists():
        return ImageFont.truetype(str(path), px)
    return ImageFont.load_default(size=px)


SRS_TEXT = [
    ("Session Rating Scale (SRS)", 20, "DejaVuSans-Bold.ttf"),
    ("Name ______________ Age (Yrs): ____ Date: __________", 10, "DejaVuSans.ttf"),
    ("Please rate today's session by placing a mark on the line", 10, "DejaVuSans.ttf"),
    ("Relationship", 12, "DejaVuSerif.ttf"),
    ("I did not feel heard, understood, and respected.", 8, "DejaVuSans.ttf"),
]
ORS_TEXT = [
    ("OUTCOME RATING SCALE", 18, "DejaVuSerif.ttf"),
    ("Name ______________ Session # ____ Date: __________", 10, "DejaVuSans.ttf"),
    ("Looking back over the last week, including today,", 10, "DejaVuSans.ttf"),
    ("Individually", 12, "DejaVuSans-Bold.ttf"),
    ("(Personal well-being)", 9, "DejaVuSans.ttf"),
]


def _render(lines: list[tuple[str, int, str]], dpi: int, *, degrade: bool) -> np.ndarray:
    """The part of an A4 page above the first scale line, as gray uint8."""
    w, h = int(210 / 25.4 * dpi), int(90 / 25.4 * dpi)
    img = Image.new("L", (w, h), 255)
    draw = ImageDraw.Draw(img)
    y = 15 / 25.4 * dpi
    for text, pt, font_name in lines:
        px = round(pt / 72 * dpi)
        draw.text((20 / 25.4 * dpi, y), text, font=_font(px, font_name), fill=0)
        y += px * 2.0
    draw.line([(55 / 25.4 * dpi, h - 5), (155 / 25.4 * dpi, h - 5)], fill=0, width=3)
    if degrade:
        img = img.filter(ImageFilter.GaussianBlur(0.8))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=50)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return np.array(img)


@pytest.fixture(scope="module")
def engine() -> None:
    required = bool(os.environ.get("SRS_SCAN_REQUIRE_OCR"))
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("onnxruntime is needed for the OCR tests (SRS_SCAN_REQUIRE_OCR is set)")
        pytest.skip("onnxruntime is not installed")
    if not textread.available():
        if required:
            pytest.fail("the OCR engine (rapidocr models) does not load (SRS_SCAN_REQUIRE_OCR is set)")
        pytest.skip("OCR models (rapidocr package) not available")


def test_the_ocr_engine_loads_where_it_is_required() -> None:
    """Not behind the fixture: with SRS_SCAN_REQUIRE_OCR set, a missing engine fails here
    even if every OCR test were deselected or skipped some other way."""
    if not os.environ.get("SRS_SCAN_REQUIRE_OCR"):
        pytest.skip("SRS_SCAN_REQUIRE_OCR is not set")
    assert textread.available(), "the OCR engine does not load"


# ----------------------------------------------------------------- with the engine


@pytest.mark.parametrize(
    ("form", "lines", "dpi", "degrade"),
    [
        ("srs", SRS_TEXT, 200, False),
        ("ors", ORS_TEXT, 200, False),
        ("srs", SRS_TEXT, 150, True),
        ("ors", ORS_TEXT, 300, True),
    ],
)
def test_reads_and_classifies_rendered_forms(
    engine: None, form: str, lines: list[tuple[str, int, str]], dpi: int, degrade: bool
) -> None:
    gray = _render(lines, dpi, degrade=degrade)
    read = textread.read_text(gray)
    assert read, "no text read"
    for line in read:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= gray.shape[1] and 0 <= y0 < y1 <= gray.shape[0]
        assert 0.0 <= line.confidence <= 1.0
    got, confidence, matched = classify_form(read, _keywords())
    assert got == form, matched
    assert confidence >= 0.5


def test_upright_score_sign(engine: None) -> None:
    for lines in (SRS_TEXT, ORS_TEXT):
        gray = _render(lines, 200, degrade=True)
        assert textread.upright_score(gray) > 0.3
        assert textread.upright_score(np.ascontiguousarray(gray[::-1, ::-1])) < -0.3


def test_upside_down_text_does_not_identify_a_form(engine: None) -> None:
    gray = _render(ORS_TEXT, 200, degrade=False)
    read = textread.read_text(np.ascontiguousarray(gray[::-1, ::-1]))
    assert classify_form(read, _keywords())[0] is None


def test_stop_when_limits_reading(engine: None) -> None:
    gray = _render(SRS_TEXT, 200, degrade=False)
    read = textread.read_text(gray, stop_when=lambda ls: len(ls) >= 1)
    assert len(read) == 1


def test_blank_and_tiny_images(engine: None) -> None:
    assert textread.read_text(np.full((300, 800), 255, np.uint8)) == []
    assert textread.upright_score(np.full((300, 800), 255, np.uint8)) == 0.0
    assert textread.read_text(np.zeros((4, 4), np.uint8)) == []


# ------------------------------------------------------------- classify_form only


def _lines(*texts: str, confidence: float = 0.95) -> list[TextLine]:
    return [TextLine(t, (0.0, 0.0, 10.0, 10.0), confidence) for t in texts]


def test_classify_tolerates_ocr_errors() -> None:
    # ("relationship" is not a keyword: ORS forms say "close relationships")
    form, conf, matched = classify_form(_lines("Approach or Metbod", "Goa1s and Toplcs"), _keywords())
    assert form == "srs"
    assert "method" in matched and "topics" in matched
    assert conf > 0.6


def test_classify_short_keywords_need_exact_match() -> None:
    # "or" (in "Approach or Method") must not count as the ORS abbreviation
    form, _, matched = classify_form(_lines("Approach or Method"), _keywords())
    assert form == "srs" and "ors" not in matched
    assert classify_form(_lines("(ORS)"), _keywords())[0] == "ors"


def test_classify_hyphenated_keyword_variants() -> None:
    kw = {"ors": ["well-being"], "srs": ["session"]}
    for text in ("(personal well-being)", "wellbeing", "well being"):
        assert classify_form(_lines(text), kw)[0] == "ors", text


def test_classify_ties_and_nothing() -> None:
    kw = _keywords()
    assert classify_form([], kw) == (None, 0.0, ())
    assert classify_form(_lines("Name Date"), kw)[0] is None
    assert classify_form(_lines("Session Rating Scale", "Outcome Rating Scale"), kw)[0] is None


def test_classify_ignores_low_confidence_lines() -> None:
    kw = _keywords()
    assert classify_form(_lines("Outcome", confidence=0.5), kw)[0] is None
    assert classify_form(_lines("Outcome", confidence=0.5), kw, min_confidence=0.4)[0] == "ors"


def test_keywords_shared_by_forms_are_ignored() -> None:
    kw = {"srs": ["session", "overall"], "ors": ["outcome", "overall"]}
    assert classify_form(_lines("Overall"), kw)[0] is None


def test_a_title_found_as_one_box_a_word_still_names_the_form() -> None:
    """'SESSION   RATING   SCALE' set with wide spaces comes back as three boxes on one
    row: joined left to right, they name the SRS; the same words on three rows do not."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}
    row = [TextLine("RATING", (200.0, 40.0, 330.0, 70.0), 1.0), TextLine("SESSION", (40.0, 40.0, 185.0, 70.0), 1.0),
           TextLine("SCALE", (345.0, 41.0, 460.0, 71.0), 1.0)]
    verdict = naming.weigh(row, four)
    assert verdict.form == "srs" and not verdict.doubt, verdict
    stacked = [TextLine(ln.text, (40.0, 40.0 + 60 * k, 185.0, 70.0 + 60 * k), 1.0) for k, ln in
               enumerate(sorted(row, key=lambda ln: ln.box[0]))]
    assert naming.weigh(stacked, four).form is None


def test_words_that_lead_every_other_form_by_enough_settle_the_form() -> None:
    """Settled: the form's own evidence leads every other form's by DECISIVE points (here
    three SRS item names against one ORS word), even where something was read for another
    form (so not ``decisive``, which stops reading early). One item name alone ("Relationship",
    2 points) is not enough, nor a lead of 3."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}
    labels = [TextLine(t, (40.0, 40.0 + 80 * k, 400.0, 70.0 + 80 * k), 1.0)
              for k, t in enumerate(("Relationship", "Goals and Topics", "Approach or Method"))]
    stray = [TextLine("(Personal well-being)", (40.0, 400.0, 400.0, 430.0), 1.0)]
    verdict = naming.weigh(labels + stray, four)
    assert verdict.form == "srs" and verdict.points["ors"] > 0
    assert verdict.settled and not verdict.decisive
    assert not naming.weigh(labels[:1], four).settled
    assert not naming.weigh(labels[1:2] + stray, four).settled  # 4 - 1


def test_the_title_region_reaches_a_title_set_far_above_the_scales() -> None:
    """Forms print their title at the top of the sheet with the scales well down it: on
    A4 the title may stand 130 mm above the first line (100 mm was once the reach, and
    such titles were never read). A block 130 mm above the first line is in the title
    region's crop; one 160 mm above is not."""
    from srs_scan.read.classify import OCR_PPM, upright_form

    ppm = 300 / 25.4
    gray = np.full((3508, 2480), 255, np.uint8)
    y_line = 2200.0
    ends = [(np.array([600.0, y_line + 300.0 * k]), np.array([600.0 + 100 * ppm, y_line + 300.0 * k]))
            for k in range(4)]
    for mm, x in ((130.0, 900), (160.0, 1500)):
        y = int(y_line - mm * ppm)
        gray[y - 20 : y + 20, x : x + 200] = 0
    crop, rows = upright_form(gray, ends, title_only=True)
    near_x = int(0.8 * 100 * OCR_PPM + (900 - 600) / ppm * OCR_PPM)
    far_x = int(0.8 * 100 * OCR_PPM + (1500 - 600) / ppm * OCR_PPM)
    assert crop[:, near_x : near_x + 10].min() < 50
    assert crop[:, far_x : far_x + 10].min() > 200
    assert rows[0] == pytest.approx(crop.shape[0] - 3.0 * OCR_PPM, abs=2)


def test_a_description_whose_opening_bracket_was_lost_is_no_item_label() -> None:
    """'(Family, close relationships)' describes the ORS's 'Interpersonally'; read as
    'Family, close relationships)' it must not count as the CORS's item 'Family'."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}
    lines = [TextLine("Interpersonally:", (40.0, 40.0, 300.0, 70.0), 1.0),
             TextLine("Family, close relationships)", (320.0, 40.0, 600.0, 70.0), 1.0)]
    verdict = naming.weigh(lines, four)
    assert verdict.points["cors"] == 0 and verdict.form == "ors", verdict
    assert naming.weigh([TextLine("Family", (40.0, 40.0, 300.0, 70.0), 1.0)], four).points["cors"] > 0


def test_a_title_cut_in_the_middle_of_its_last_word_still_names_the_form() -> None:
    """A long title is read in pieces: 'CHILD SESSION RATING SCA' (its line cut mid-word)
    names the CSRS; two letters of the word ('SC') or a cut earlier in the title do not."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}

    def named(text: str) -> str | None:
        return naming.weigh([TextLine(text, (40.0, 40.0, 600.0, 80.0), 1.0)], four).form

    assert named("CHILD SESSION RATING SCA") == "csrs"
    assert named("CHILD SESSION RATING SC") != "csrs"
    assert named("CHILD SESSI") != "csrs"


def test_item_names_in_brackets_after_other_labels_name_the_form() -> None:
    """An adapted ORS labels its lines in plain words with the item's name in brackets
    ('Me (Individually)') and describes them in the form's own words ('Close
    relationships'): that names the ORS. The CORS's 'Me' is not read from such a label,
    and the SRS's 'Relationship' does not count as the ORS's 'close relationships'."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}

    def box(k: int) -> tuple[float, float, float, float]:
        return (40.0, 40.0 + 100 * k, 300.0, 70.0 + 100 * k)

    adapted = [TextLine(t, box(k), 1.0) for k, t in enumerate(
        ["How are you doing?", "Me (Individually)", "Close relationships", "Work / School", "All in all"])]
    verdict = naming.weigh(adapted, four)
    assert verdict.form == "ors" and not verdict.doubt, verdict
    assert verdict.points["cors"] <= 1.0
    # (the item name in brackets, a description after it: an item and its word)
    assert naming.weigh([TextLine("Me (Individually) (How I am", box(0), 1.0)], four).points["ors"] == (
        naming.ITEM_POINTS + naming.KEYWORD_POINTS)
    # a description that opens with another form's item name is no label of that item
    assert naming.weigh([TextLine("Close relationships (Family:", box(0), 1.0)], four).points["cors"] == 0.0
    srs = [TextLine(t, box(k), 1.0) for k, t in enumerate(["Relationship", "Goals and Topics"])]
    assert naming.weigh(srs, four).points.get("ors", 0.0) == 0.0
    assert naming.weigh([TextLine("Close relationships", box(0), 1.0)], four).points["ors"] == naming.KEYWORD_POINTS


def test_an_item_name_read_alone_in_its_brackets_is_that_item_and_splits_the_evidence() -> None:
    """The adapted ORS above, read as the recogniser gave it on a held-out page: 'Me' a
    box of its own, '(Individually)' another, '(Family and people close to me)' read
    'Bamily' under a client's tick. 'Family' and 'Me' speak for the CORS, the ORS's item
    name in its brackets for the ORS: the evidence is split, and a person says which form
    it is (it was named the CORS with status ok: a form named wrong)."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}

    def box(k: int) -> tuple[float, float, float, float]:
        return (40.0, 40.0 + 100 * k, 300.0, 70.0 + 100 * k)

    read = [TextLine(t, box(k), 1.0) for k, t in enumerate(
        ["How", "are you doing?", "Me", "(Individually)", "Bamily", "Work / School", "A11", "all"])]
    verdict = naming.weigh(read, four)
    assert verdict.form is None and "point to both the CORS and the ORS" in verdict.doubt, verdict
    alone = naming.weigh([TextLine("(Individually)", box(0), 1.0)], four)
    assert alone.points["ors"] == naming.ITEM_POINTS + naming.KEYWORD_POINTS and alone.form == "ors"
    # brackets holding more than the name are a description, not the item
    assert naming.weigh([TextLine("(Individually, at home)", box(0), 1.0)], four).points["ors"] < naming.ITEM_POINTS


def test_a_word_of_another_forms_name_read_as_that_name_says_nothing_for_its_own_form() -> None:
    """'outcome' is an ORS keyword, but read in 'CHILD OUTCOME RATING SCALE' it is part of
    the CORS's name: the CORS title alone settles the form at once (nothing speaks for any
    other), so the page's words need not be read further (on a clean CORS scan the OCR's
    upright score then turned the page over). Alone, 'outcome' still speaks for the ORS."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}
    title = [TextLine("CHILD OUTCOME RATING", (100.0, 40.0, 500.0, 80.0), 1.0),
             TextLine("SCALE", (510.0, 40.0, 640.0, 80.0), 0.98)]
    verdict = naming.weigh(title, four)
    assert verdict.form == "cors" and verdict.points["ors"] == 0.0 and verdict.decisive
    child_srs = naming.weigh([TextLine("Child Session Rating Scale", (100.0, 40.0, 640.0, 80.0), 1.0)], four)
    assert child_srs.form == "csrs" and child_srs.points["srs"] == 0.0
    assert naming.weigh([TextLine("outcome", (100.0, 40.0, 300.0, 80.0), 1.0)], four).points["ors"] == 1.0


def test_an_items_description_read_in_brackets_counts_as_its_name() -> None:
    """Faces printed over a CORS's item names leave them unreadable; its descriptions
    read cleanly ('(How is everything' cut at the line's end, '(How are things in my
    family?)'): each is that item read, and with them the CORS is named. Without its
    brackets (a title 'How am I doing?') a description is no item's, and descriptions
    under four words ('(personal well-being)') are only keywords as before."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}

    def box(k: int) -> tuple[float, float, float, float]:
        return (40.0, 40.0 + 100 * k, 300.0, 70.0 + 100 * k)

    read = [TextLine(t, box(k), 1.0) for k, t in enumerate(["(How is everything", "(How are things in my family?)"])]
    verdict = naming.weigh(read, four)
    assert verdict.form == "cors" and not verdict.doubt, verdict
    assert verdict.points["cors"] == 2 * naming.ITEM_POINTS + naming.KEYWORD_POINTS
    assert naming.weigh([TextLine("How am I doing?", box(0), 1.0)], four).points["cors"] == 0.0
    assert naming.weigh([TextLine("(How am I doing?)", box(0), 1.0)], four).points["cors"] == naming.ITEM_POINTS
    assert naming.weigh([TextLine("(personal well-being)", box(0), 1.0)], four).points["ors"] == naming.KEYWORD_POINTS


def _table(h: int, w: int) -> np.ndarray:
    """A dark wood-grain table under a photographed sheet: a coarse pattern (blobs about
    20 px across), not pixel noise that averaging would smooth away."""
    import cv2

    grain = np.random.default_rng(0).integers(10, 120, (h // 20, w // 20)).astype(np.float32)
    return cv2.resize(grain, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 255).astype(np.uint8)


def test_the_paper_mask_keeps_a_shadow_reaching_in_from_the_sheets_edge() -> None:
    """A photographed sheet (bright) on a dark, textured table, and a shadow from the
    sheet's top edge down over its title: darker than Otsu's threshold, the shadow is cut
    out of the bright region as a notch. The sheet is convex: the notch, and the title's
    print in it, are kept; the table around the sheet is whited out."""
    import cv2

    from srs_scan.read.classify import paper_only

    crop = _table(800, 600).astype(np.float32)
    sheet = np.full((650, 440), 225.0, np.float32)
    shade = np.zeros_like(sheet)
    shade[:220, 130:330] = 110.0
    sheet -= cv2.GaussianBlur(shade, (0, 0), 12)  # a soft shadow from its top edge
    sheet[80:100, 190:250] = 30  # the title's print in it
    crop[100:750, 80:520] = sheet
    crop = crop.astype(np.uint8)
    out = paper_only(crop)
    assert (out[180:200, 270:330] == 30).all()
    assert (out[120:140, 270:330] == crop[120:140, 270:330]).all()
    assert (out[:60] == 255).all() and (out[:, :40] == 255).all()
    assert (out[400:700, 120:480] == 225).all()


def test_the_paper_mask_leaves_out_the_textured_table_inside_its_hull() -> None:
    """A bright streak of the table's pattern touches the sheet's corner and runs off to
    the side: it joins the bright region, whose convex hull then takes in a wedge of dark,
    textured table. Not smooth, that wedge is no shadow: it is whited out (a CSRS photo's
    title region read as garbage, and the page turned over, when it was kept)."""
    from srs_scan.read.classify import paper_only

    rng = np.random.default_rng(1)
    crop = _table(800, 600)
    crop[100:750, 150:520] = 225  # the sheet
    for k in range(120):  # the streak: from the sheet's top left corner up and to the left
        y, x = 100 - k // 2, 150 - k
        crop[y - 20 : y + 20, x - 20 : x + 20] = rng.integers(170, 255, (40, 40))
    out = paper_only(crop)
    wedge = out[150:300, 85:140]  # table between the streak and the sheet's left edge, in the hull
    assert (wedge == 255).mean() > 0.9
    assert (out[400:700, 200:480] == 225).all()


def test_lines_known_from_before_are_not_recognised_again(engine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A line ``known`` stands in for is not read again: the answer is the one the OCR gave
    for the other lines, box for box, and the known lines come back with their own reading
    (the budget and the lines counted as before)."""
    gray = _render(SRS_TEXT, 200, degrade=True)
    first = textread.read_text(gray)
    some = first[::2]  # every other line known from before

    def known(box: tuple[float, float, float, float]) -> TextLine | None:
        return next((t for t in some if t.box == box), None)

    calls: list[int] = []
    recognise = textread._Engine.recognise

    def counting(self: textread._Engine, line: np.ndarray) -> tuple[str, float]:
        calls.append(line.shape[1])
        return recognise(self, line)

    monkeypatch.setattr(textread._Engine, "recognise", counting)
    again = textread.read_text(gray, known=known)
    assert again == first
    assert len(calls) == len(first) - len(some)
    calls.clear()
    assert textread.read_text(gray, known=lambda box: next(t for t in first if t.box == box)) == first
    assert calls == []


def test_a_name_read_after_the_end_of_a_longer_names_word_may_be_either_form() -> None:
    """A photographed CSRS's title read as 'D SESSION RATING SCALE' ('CHIL' cut off) named
    the SRS with status ok. A name read right after the last letters of the word before
    it in a longer name may be that longer name: both forms are named, and the item names
    decide (or a person). 'The Session Rating Scale' and the whole title are unchanged."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}

    def weigh(*texts: str) -> naming.FormVerdict:
        return naming.weigh([TextLine(t, (40.0, 40.0 + 100 * k, 600.0, 80.0 + 100 * k), 1.0)
                             for k, t in enumerate(texts)], four)

    cut = weigh("D SESSION RATING SCALE")
    assert cut.form is None and cut.points["csrs"] == cut.points["srs"] == naming.NAME_POINTS
    assert weigh("ILD OUTCOME RATING SCALE").form is None
    assert weigh("D SESSION RATING SCALE", "LISTENING", "HOW IMPORTANT").form == "csrs"
    assert weigh("D SESSION RATING SCALE", "Relationship", "Goals and Topics").form == "srs"
    assert weigh("The Session Rating Scale").form == "srs"
    assert weigh("CHILD SESSION RATING SCALE").form == "csrs"


def test_the_sure_head_of_a_line_read_unsurely() -> None:
    """A line's longest beginning, ending at a word's end, read surely: where a bold label
    was read well and the smaller description after it badly."""
    chars = list("Me (Individualy) eso l")
    probs = [0.97, 0.97, 0.99, 0.99, 1.0, 0.96, 0.94, 0.65, 0.85, 0.57, 0.65, 0.98, 0.81, 0.89, 0.53, 0.89,
             0.38, 0.23, 0.11, 0.34, 0.17, 0.30]
    assert textread.sure_head(chars, probs) == "Me (Individualy)"
    assert textread.sure_head(list("Me a"), [0.99] * 4) == ""  # too few letters to say anything
    assert textread.sure_head(list("Family"), [0.5] * 6) == ""  # nothing read surely
    # ends at a word's end only: never inside a word
    assert textread.sure_head(list("Relationshxp"), [0.99] * 8 + [0.1] * 4) == ""


def test_a_label_read_surely_before_a_description_read_badly_names_the_form() -> None:
    """'Me (Individually)' printed bold with '(Personal well-being)' smaller after it, found as
    one line: read as a whole at 0.71 (under the lines' floor), its beginning at 0.85. That
    beginning counts as a line read surely; without it nothing on the page names the ORS."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}
    box = (40.0, 40.0, 700.0, 75.0)
    line = TextLine("Me (Individualy) eso l el-bing)", box, 0.71, head="Me (Individualy)")
    verdict = naming.weigh([line], four)
    assert verdict.form == "ors" and not verdict.doubt, verdict
    bare = TextLine(line.text, box, 0.71)
    assert naming.weigh([bare], four).form is None


def test_a_sure_head_stops_at_the_first_word_read_badly() -> None:
    """Whole words only, each read surely: a badly read word cannot ride on the good ones' mean
    ("Individually eso" was a head, 'eso' read at 0.4; found by a review)."""
    assert textread.sure_head(list("Individually eso lq"), [0.98] * 12 + [0.4] * 7) == "Individually"


def test_an_adult_title_alone_names_the_form_without_settling_it() -> None:
    """"OUTCOME RATING SCALE" read alone may be the end of "CHILD OUTCOME RATING SCALE" with
    "CHILD" lost (a review found it settled the ORS on a CORS photo, named wrong, ok): it names
    the ORS, but not beyond doubt, so the labels are read too. With its acronym, or as the
    child form's whole title, it settles the form."""
    from srs_scan.forms.definitions import all_forms
    from srs_scan.read import naming

    four = {fid: f for fid, f in all_forms().items() if f.lines == 4}
    box = (0.0, 0.0, 400.0, 30.0)

    def verdict(*texts: str) -> naming.FormVerdict:
        return naming.weigh([TextLine(t, box, 1.0) for t in texts], four)

    for texts, form in ((("OUTCOME RATING SCALE",), "ors"), (("CH", "OUTCOME RATING SCAL"), "ors"),
                        (("Session Rating Scale",), "srs")):
        v = verdict(*texts)
        assert v.form == form and not v.decisive and not v.settled, (texts, v)
    assert verdict("Outcome Rating Scale (ORS)").decisive
    assert verdict("CHILD OUTCOME RATING SCALE").decisive
    assert verdict("OUTCOME RATING SCALE", "Me", "Family", "School", "Everything").form != "ors"
