"""`srs-scan print`: the PDF is read back (its drawing, its raster, its codes) and checked
against the layout data and against physical lengths, not against the writer's numbers."""

from __future__ import annotations

import ctypes
import json

import cv2
import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from srs_scan.cli import main
from srs_scan.exceptions import TemplateError
from srs_scan.forms import identity, layouts, printing
from srs_scan.forms.definitions import all_forms
from srs_scan.synth.printed import rasterise

PT = 25.4 / 72.0  # mm per point
PAPER_PT = {"a4": (595.28, 841.89), "letter": (612.0, 792.0)}  # ISO 216 / ANSI, in points


def stroked_segments(pdf: bytes, index: int = 0) -> list[tuple[tuple[float, float], tuple[float, float], float, int]]:
    """Every two-point stroked path on a page: ((x0, y0), (x1, y1)) in page mm from the
    top-left corner, the stroke width in mm and the line cap."""
    doc = pdfium.PdfDocument(pdf)
    page = doc[index]
    height_pt = page.get_height()
    out = []
    for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH]):
        if pdfium_c.FPDFPath_CountSegments(obj.raw) != 2:
            continue
        mode, stroke = ctypes.c_int(), ctypes.c_int()
        pdfium_c.FPDFPath_GetDrawMode(obj.raw, mode, stroke)
        if not stroke.value:
            continue
        m = obj.get_matrix()
        pts = []
        for k in range(2):
            seg = pdfium_c.FPDFPath_GetPathSegment(obj.raw, k)
            x, y = ctypes.c_float(), ctypes.c_float()
            pdfium_c.FPDFPathSegment_GetPoint(seg, x, y)
            px = m.a * x.value + m.c * y.value + m.e
            py = m.b * x.value + m.d * y.value + m.f
            pts.append((px * PT, (height_pt - py) * PT))
        width = ctypes.c_float()
        pdfium_c.FPDFPageObj_GetStrokeWidth(obj.raw, width)
        out.append((pts[0], pts[1], width.value * PT, pdfium_c.FPDFPageObj_GetLineCap(obj.raw)))
    doc.close()
    return out


@pytest.fixture(scope="module")
def pdfs() -> dict[tuple[str, str], tuple[bytes, list[printing.Sheet]]]:
    out = {}
    for form in ("srs", "ors"):
        for paper in ("a4", "letter"):
            sheets = printing.plan_sheets(form, client="C-0042", sessions=[7])
            out[(form, paper)] = (printing.render_pdf(sheets, paper=paper), sheets)
    return out


@pytest.mark.parametrize("form", ["srs", "ors"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_each_scale_is_drawn_100_mm_long_where_the_layout_says(pdfs, form, paper):
    pdf, sheets = pdfs[(form, paper)]
    lay = sheets[0].layout
    ox, oy = lay.frame_origin_mm(paper)
    long_horizontal = [
        (a, b, w, cap) for a, b, w, cap in stroked_segments(pdf)
        if abs(a[1] - b[1]) < 1e-3 and 95.0 <= abs(b[0] - a[0]) <= 105.0
    ]
    # four scales and the check bar: nothing else on the page could pass for a scale
    assert len(long_horizontal) == 5
    for (lx, ly), (rx, ry) in lay.scale_ends_mm:
        want_left = (ox + lx, oy + ly)
        match = [s for s in long_horizontal if np.hypot(s[0][0] - want_left[0], s[0][1] - want_left[1]) < 0.05]
        assert len(match) == 1, f"no line starts at {want_left}"
        (x0, y0), (x1, y1), width, cap = match[0]
        assert abs((x1 - x0) - 100.0) <= 0.05
        assert abs(y1 - (oy + ry)) <= 0.05 and abs(x1 - (ox + rx)) <= 0.05
        assert cap == 0  # butt caps: the ink stops at the end point
        assert 0.2 <= width <= 0.6
    # the frame is centred on the paper
    pw, ph = PAPER_PT[paper]
    assert abs((ox * 2 + lay.frame_mm[0]) - pw * PT) < 0.1
    assert abs((oy * 2 + lay.frame_mm[1]) - ph * PT) < 0.1


def test_printed_line_measures_100_mm_on_the_raster(pdfs):
    """Independent of the PDF's structure: the ink of each scale on a 600 dpi raster."""
    pdf, sheets = pdfs[("srs", "a4")]
    img = rasterise(pdf, dpi=600)
    k = 600 / 25.4
    lay = sheets[0].layout
    ox, oy = lay.frame_origin_mm("a4")
    for lx, ly in lay.left_ends_mm:
        row = int(round((oy + ly) * k - 0.5))
        ink = 1.0 - img[row - 2 : row + 3].min(axis=0).astype(float) / 255.0
        x_mid = int((ox + lx + 50.0) * k)
        assert ink[x_mid] > 0.8
        on = ink >= 0.5
        left = x_mid
        while on[left - 1]:
            left -= 1
        right = x_mid
        while on[right + 1]:
            right += 1
        length_mm = (right - left + 1) / k
        assert abs(length_mm - 100.0) <= 0.1  # one 600 dpi pixel is 0.042 mm


def test_markers_and_qr_code_read_back_with_opencv(pdfs):
    pdf, sheets = pdfs[("ors", "letter")]
    lay = sheets[0].layout
    img = rasterise(pdf, dpi=200)
    k = 200 / 25.4
    det = cv2.aruco.ArucoDetector(cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, lay.marker_dictionary)))
    corners, ids, _ = det.detectMarkers(img)
    found = {int(i): c.reshape(4, 2) for i, c in zip(ids.ravel(), corners, strict=True)}
    ox, oy = lay.frame_origin_mm("letter")
    assert set(found) == {m.id for m in lay.markers}
    for m in lay.markers:
        want = (np.array(m.corners_mm) + [ox, oy]) * k
        assert np.abs(found[m.id] - want).max() < 2.0  # px: detector corners sit within a pixel
    # the code's box on the page, with a quiet zone, decoded by OpenCV's own detectors
    x0, y0 = ((np.array(lay.qr_at_mm) + [ox, oy] - 4.0) * k).astype(int)
    side = int((lay.qr_size_mm + 8.0) * k)
    crop = img[y0 : y0 + side, x0 : x0 + side]
    texts = [d.detectAndDecode(crop)[0] for d in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco())]
    got = identity.decode(next(t for t in texts if t))
    assert got == sheets[0].identity
    assert got.client == "C-0042" and got.session == 7 and got.form == "ors"


def test_page_sizes_counts_and_unique_sheet_ids():
    sheets = printing.plan_sheets("srs", client="X1", sessions=printing.parse_sessions("1-4"), copies=2)
    assert [s.identity.session for s in sheets] == [1, 2, 3, 4, 1, 2, 3, 4]  # collated copies
    assert len({s.identity.form_id for s in sheets}) == 8
    reader = PdfReader(__import__("io").BytesIO(printing.render_pdf(sheets, paper="letter")))
    assert len(reader.pages) == 8
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(PAPER_PT["letter"], abs=0.01)


def test_page_text_has_the_fields_the_note_and_our_own_wording(pdfs):
    pdf, sheets = pdfs[("srs", "a4")]
    text = PdfReader(__import__("io").BytesIO(pdf)).pages[0].extract_text()
    for needed in ("Session Rating Scale (SRS)", "Name", "Date", "Print at 100 %", "Actual size",
                   "100 mm", "C-0042", "Relationship", "Goals and Topics", "Approach or Method", "Overall"):
        assert needed in text
    official = all_forms()["srs"].items[0].left_anchor  # the official sheet's wording
    assert official and official not in text
    assert sheets[0].identity.form_id in text  # the sheet id is printed for a person too


# ----------------------------------------------------------------------------- data


def test_identity_round_trip_and_rejections():
    ident = identity.FormIdentity("srs", 1, identity.new_form_id(), 12, "Clinic.A_7-3")
    assert identity.decode(ident.encode()) == ident
    bare = identity.FormIdentity("ors", 2, identity.new_form_id())
    assert identity.decode(bare.encode()) == bare
    for bad in ("", "hello", "SRSSCAN1/srs/1/SHORT/3/x", "SRSSCAN1/srs/x/ABCDEFGH/3/x",
                "SRSSCAN1/srs/1/ABCDEFGH/0/x", "SRSSCAN1/srs/1/ABCDEFGH/3/John Smith",
                "https://example.org/SRSSCAN1/srs/1/ABCDEFGH//"):
        assert identity.decode(bad) is None
    for bad in ("John Smith", "", "-x", "a" * 33, "é1"):
        with pytest.raises(ValueError):
            identity.check_client(bad)


def test_parse_sessions():
    assert printing.parse_sessions("1-3,7, 9-10") == [1, 2, 3, 7, 9, 10]
    for bad in ("0", "3-1", "a", "1-", "1000", "1,1", "1-3,2", "", " "):
        with pytest.raises(ValueError):
            printing.parse_sessions(bad)


def _layout_data(name: str = "srs-1") -> dict:
    from srs_scan.forms.definitions import _templates_dir

    return json.loads((_templates_dir() / "printed" / f"{name}.json").read_text())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.pop("qr"), "missing field 'qr'"),
        (lambda d: d["markers"]["placed"][1].update(at_mm=[175.0, 0.0]), "marker 2 lies outside the frame"),
        (lambda d: d["markers"]["placed"][1].update(id=0), "marker ids must differ"),
        (lambda d: d["scales"]["left_ends_mm"].pop(), "3 lines for a form with 4 items"),
        (lambda d: d.update(frame_mm=[205.0, 250.0]), "does not fit on a4"),
        (lambda d: d.update(form="phq9"), "form 'phq9' is not defined"),
        (lambda d: d["scales"]["left_ends_mm"].reverse(), "top to bottom"),
        (lambda d: d["qr"].update(error_correction="Z"), "error_correction"),
    ],
)
def test_a_bad_layout_file_is_refused_with_the_field_named(change, message):
    data = _layout_data()
    change(data)
    with pytest.raises(TemplateError, match=message.replace("(", r"\(")):
        layouts.parse_layout(data, where="printed/bad.json")


def test_layouts_must_not_share_marker_ids():
    a = layouts.parse_layout(_layout_data("srs-1"))
    other = _layout_data("ors-1")
    other["markers"]["placed"][0]["id"] = a.markers[2].id
    with pytest.raises(TemplateError, match="marker id"):
        layouts.check_unique([a, layouts.parse_layout(other)])


def test_every_shipped_layout_loads_and_each_form_has_one():
    found = layouts.all_layouts()
    assert {lay.form for lay in found.values()} == {"srs", "ors"}


# ----------------------------------------------------------------------------- CLI


def test_cli_print_output_gets_the_usual_file_mode_and_paper_is_case_blind(tmp_path):
    import os
    import stat

    out = tmp_path / "forms.pdf"
    old = os.umask(0o022)
    try:
        res = CliRunner().invoke(main, ["print", "--form", "SRS", "--paper", "Letter", "-o", str(out)])
    finally:
        os.umask(old)
    assert res.exit_code == 0, res.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o644  # not the temporary file's private 0600
    box = PdfReader(str(out)).pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(PAPER_PT["letter"], abs=0.01)


def test_cli_print_writes_a_pdf_and_never_overwrites_by_accident(tmp_path):
    out = tmp_path / "forms.pdf"
    runner = CliRunner()
    res = runner.invoke(main, ["print", "--form", "ors", "--client", "C-9", "--sessions", "1-3", "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert "C-9" not in res.output  # client IDs stay out of the terminal
    assert len(PdfReader(str(out)).pages) == 3
    before = out.read_bytes()
    res = runner.invoke(main, ["print", "--form", "ors", "-o", str(out)])
    assert res.exit_code == 2 and "already exists" in res.output
    assert out.read_bytes() == before
    res = runner.invoke(main, ["print", "--form", "ors", "-o", str(out), "--force"])
    assert res.exit_code == 0 and out.read_bytes() != before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--form", "phq9"], "not one of"),
        (["--form", "srs", "--client", "Jane Doe"], "client ID"),
        (["--form", "srs", "--sessions", "4-2"], "low to high"),
        (["--form", "srs", "--copies", "0"], "copies"),
        (["--form", "srs", "--paper", "a3"], "a3"),
    ],
)
def test_cli_print_refuses_bad_options_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "f.pdf"
    res = CliRunner().invoke(main, ["print", *args, "-o", str(out)])
    assert res.exit_code == 2
    assert message in res.output
    assert "Traceback" not in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []
