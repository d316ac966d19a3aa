"""Regenerate the sample inputs in this folder (synthetic renderings, not real clients).

    python sample_scans/make_samples.py

Every file is drawn by srs_scan.synth with marks at known positions; the true values
are written to sample_scans/TRUTH.md so a reader can check the tool against them.
Deterministic: the same seeds give the same files.
"""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from srs_scan.forms.identity import FormIdentity
from srs_scan.forms.layouts import layout_for
from srs_scan.forms.printing import Sheet, render_pdf
from srs_scan.synth import MarkSpec, bitonal, photo, render_blank, render_form, render_letter, scan
from srs_scan.synth.printed import render_printed

HERE = Path(__file__).resolve().parent


def m(*specs: tuple) -> list[list[MarkSpec]]:
    return [[MarkSpec(*s)] if s else [] for s in specs]


def pil_gray(img: np.ndarray) -> Image.Image:
    if img.ndim == 3:
        return Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB))
    return Image.fromarray(img)


def save_pdf(pages: list[Image.Image], path: Path) -> None:
    """A scanner-style PDF: one 200-dpi JPEG image per page."""
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=200.0, quality=85)
    path.write_bytes(buf.getvalue())


def main() -> None:
    truth: list[str] = ["# Ground truth of the sample inputs", "",
                        "All files are synthetic renderings made by `make_samples.py`; no real client data.",
                        "Values are mm from the left end on a 100 mm line (score = mm / 10); '-' = no mark.", "",
                        "| file | page | form | item 1 | item 2 | item 3 | item 4 | notes |",
                        "|---|---|---|---|---|---|---|---|"]

    def row(name: str, page: int, form: str, marks: list[list[MarkSpec]], note: str) -> None:
        vals = [f"{ms[0].u_mm:.1f}" if len(ms) == 1 else ("-" if not ms else "two marks") for ms in marks]
        truth.append(f"| {name} | {page} | {form} | " + " | ".join(vals) + f" | {note} |")

    rng = np.random.default_rng(7)

    # 1. a 300-dpi gray scan of an SRS (official-style layout), slightly skewed
    marks = m((92.0, "tick", "ballpoint_blue"), (95.5, "x", "ballpoint_black"),
              (71.3, "slant", "ballpoint_blue"), (88.0, "tick", "ballpoint_blue"))
    page = render_form("srs", marks, dpi=300, layout="official", seed=11)
    img = scan(page.image, rng, dpi_out=300, skew_deg=0.8, noise=1.0)
    pil_gray(img).save(HERE / "srs_scan_300dpi.png", dpi=(300, 300), optimize=True)
    row("srs_scan_300dpi.png", 1, "srs", marks, "300 dpi gray scan, 0.8 deg skew; total 34.7: alliance concern")

    # 2. a fax-like bitonal TIFF of an ORS at 200 dpi
    marks = m((35.0, "tick", "felt_black"), (22.4, "dot", "felt_black"),
              (48.9, "slant", "ballpoint_black"), (40.0, "x", "ballpoint_black"))
    page = render_form("ors", marks, dpi=300, layout="house", seed=12)
    img = bitonal(scan(page.image, rng, dpi_out=200, skew_deg=-0.5), rng)
    Image.fromarray(img).convert("1").save(HERE / "ors_fax_200dpi.tif", dpi=(200, 200), compression="group4")
    row("ors_fax_200dpi.tif", 1, "ors", marks, "bitonal 200 dpi (fax); total 14.6: below the clinical cutoff")

    # 3. a multi-page PDF from a sheet-fed scanner: ORS, SRS upside down, blank, a letter, SRS at 97 %
    pages: list[Image.Image] = []
    stack = [
        ("ors", m((62.0, "tick", "ballpoint_blue"), (70.5, "tick", "ballpoint_blue"),
                  (55.0, "short_tick", "ballpoint_blue"), (66.6, "x", "ballpoint_blue")), 1.0, 0,
         "ORS, total 25.5"),
        ("srs", m((97.0, "tick", "pencil"), (93.2, "dot", "felt_blue"),
                  (98.8, "x", "ballpoint_black"), (96.1, "slant", "ballpoint_blue")), 1.0, 2,
         "SRS fed upside down; total 38.5"),
        (None, None, 1.0, 0, "blank page: no form"),
        ("letter", None, 1.0, 0, "a cover letter: no form"),
        ("srs", m((84.0, "tick", "ballpoint_blue"), None,
                  (90.5, "x", "ballpoint_blue"), (88.8, "tick", "ballpoint_blue")), 0.97, 0,
         "SRS printed at 97 % (lines 97 mm); item 2 left blank -> missing"),
    ]
    for number, (form, marks, scale, rot, note) in enumerate(stack, 1):
        if form is None:
            img = scan(render_blank(dpi=300, seed=20), rng, dpi_out=200)
            truth.append(f"| scanner_stack.pdf | {number} | - | | | | | {note} |")
        elif form == "letter":
            img = scan(render_letter(dpi=300, seed=21), rng, dpi_out=200)
            truth.append(f"| scanner_stack.pdf | {number} | - | | | | | {note} |")
        else:
            page = render_form(form, marks, dpi=300, layout="official" if form == "srs" else "compact",
                               scale=scale, seed=30 + number)
            img = scan(page.image, rng, dpi_out=200, skew_deg=float(rng.uniform(-1, 1)), rotate90=rot)
            row("scanner_stack.pdf", number, form, marks, note)
        pages.append(pil_gray(img))
    save_pdf(pages, HERE / "scanner_stack.pdf")

    # 4. phone photos: perspective, shadows, JPEG; one stored sideways with an EXIF orientation tag
    marks = m((81.0, "tick", "ballpoint_blue"), (77.7, "slant", "ballpoint_blue"),
              (85.2, "x", "ballpoint_blue"), (80.0, "tick", "ballpoint_blue"))
    page = render_form("srs", marks, dpi=220, layout="official", seed=41)
    img = photo(page.image, rng, tilt_deg=25, rotation_deg=8, coverage=0.9, out_size=(3000, 2250),
                blur_sigma=0.8, jpeg_quality=88)
    Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).save(HERE / "srs_phone_photo.jpg", quality=88)
    row("srs_phone_photo.jpg", 1, "srs", marks, "phone photo, 25 deg tilt; total 32.4: alliance concern")

    marks = m((12.5, "x", "felt_black"), (30.0, "tick", "ballpoint_black"),
              (18.3, "dot", "ballpoint_black"), (25.0, "slant", "ballpoint_black"))
    page = render_form("ors", marks, dpi=220, layout="official", seed=42)
    img = photo(page.image, rng, tilt_deg=18, rotation_deg=-95, coverage=0.92, out_size=(3000, 2250),
                curl_mm=5.0, blur_sigma=1.0, jpeg_quality=85)
    # store the pixels turned, with an EXIF tag that tells viewers (and srs-scan) to turn them back
    rgb = Image.fromarray(cv2.cvtColor(img, cv2.COLOR_BGR2RGB)).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW to display
    rgb.save(HERE / "ors_phone_curled_exif.jpg", quality=85, exif=exif)
    row("ors_phone_curled_exif.jpg", 1, "ors", marks, "phone photo, curled paper, EXIF orientation 6; total 8.6")

    # 5. our own printed forms (srs-scan print) through a sheet-fed scanner: an SRS, then an
    # ORS printed with "fit to page" (97 %) and fed upside down; the QR codes name the client
    rng = np.random.default_rng(50)
    pages = []
    own = [
        ("srs", 3, m((88.0, "tick", "ballpoint_blue"), (93.5, "x", "ballpoint_blue"),
                     (79.2, "slant", "ballpoint_blue"), (90.0, "tick", "ballpoint_blue")), 1.0, 0,
         "srs-scan's own form (QR: client C-0042, session 3); total 35.1: alliance concern"),
        ("ors", 4, m((41.0, "x", "ballpoint_black"), (55.5, "tick", "ballpoint_black"),
                     (62.0, "dot", "felt_black"), (48.3, "tick", "ballpoint_black")), 0.97, 2,
         "own form printed at 97 %, fed upside down (QR: client C-0042, session 4); total 20.7"),
    ]
    for number, (form, session, marks, scale, rot, note) in enumerate(own, 1):
        lay = layout_for(form)
        sheet = Sheet(lay, FormIdentity(form, lay.version, f"SAMP{number:04d}", session, "C-0042"))
        page = render_printed(render_pdf([sheet]), lay, marks, scale=scale, seed=50 + number)
        img = scan(page.image, rng, dpi_out=200, skew_deg=float(rng.uniform(-1, 1)), rotate90=rot)
        row("own_forms_scan.pdf", number, form, marks, note)
        pages.append(pil_gray(img))
    save_pdf(pages, HERE / "own_forms_scan.pdf")

    (HERE / "TRUTH.md").write_text("\n".join(truth) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
