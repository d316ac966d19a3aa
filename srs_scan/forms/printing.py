"""Print srs-scan's own forms: a vector PDF drawn from a :class:`PrintedLayout`.

Everything on the page comes from the layout file (``templates/printed/``): the four
scale lines (exactly ``line_length_mm`` long, butt caps, so the ink ends where the line
ends), the corner markers (ArUco, drawn cell by cell as vector squares), the QR code
carrying the sheet's :class:`FormIdentity`, the name/date fields, the item wording and
the 100 mm check bar with its "print at 100 %" note. The frame is centred on the paper.

The PDF is built with reportlab; nothing is downloaded (the fonts are the PDF base-14
Helvetica family, which every viewer has).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from reportlab.graphics.barcode import qrencoder
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas as pdfcanvas

from . import identity
from .identity import FormIdentity
from .layouts import PAPERS_MM, Marker, PrintedLayout, TextBlock, layout_for

PT_PER_MM = 72.0 / 25.4
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"
MAX_SHEETS = 5000  # one print run; more is almost certainly a typo
_QR_LEVELS = {
    "L": qrencoder.QRErrorCorrectLevel.L,
    "M": qrencoder.QRErrorCorrectLevel.M,
    "Q": qrencoder.QRErrorCorrectLevel.Q,
    "H": qrencoder.QRErrorCorrectLevel.H,
}


@dataclass(frozen=True)
class Sheet:
    """One printed page: its layout and the identity its QR code carries."""

    layout: PrintedLayout
    identity: FormIdentity


def parse_sessions(text: str) -> list[int]:
    """``"1-12"``, ``"3"`` or ``"1,3,5-7"`` -> session numbers, in the order given."""
    out: list[int] = []
    if not text.strip():
        raise ValueError("no session numbers given (examples: 5, 1-12, 1,3,5-7)")
    for part in text.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ValueError(f"'{text}' is not a session list (examples: 5, 1-12, 1,3,5-7)")
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo:
            raise ValueError(f"'{part}': a range goes from low to high")
        for s in range(lo, hi + 1):
            if s in out:
                raise ValueError(f"session {s} is listed twice")
            out.append(identity.check_session(s))
    return out


def plan_sheets(
    form: str,
    *,
    client: str | None = None,
    sessions: Sequence[int] | None = None,
    copies: int = 1,
    version: int | None = None,
) -> list[Sheet]:
    """The sheets of one print run: for each copy, one sheet per session (collated), each
    with a fresh form id. Raises ValueError for a bad client ID, session or count."""
    layout = layout_for(form, version)
    if client is not None:
        identity.check_client(client)
    if copies < 1:
        raise ValueError("copies must be at least 1")
    runs: list[int | None] = list(sessions) if sessions else [None]
    if copies * len(runs) > MAX_SHEETS:
        raise ValueError(f"{copies * len(runs)} pages in one run: at most {MAX_SHEETS}")
    return [
        Sheet(layout, FormIdentity(layout.form, layout.version, identity.new_form_id(), session, client))
        for _ in range(copies)
        for session in runs
    ]


def render_pdf(sheets: Iterable[Sheet], *, paper: str = "a4", title: str = "srs-scan forms") -> bytes:
    """The PDF of ``sheets`` on ``paper`` ("a4" or "letter"), one page per sheet."""
    if paper not in PAPERS_MM:
        raise ValueError(f"paper must be one of {', '.join(PAPERS_MM)}")
    pw, ph = PAPERS_MM[paper]
    buf = io.BytesIO()
    c = pdfcanvas.Canvas(buf, pagesize=(pw * PT_PER_MM, ph * PT_PER_MM), pageCompression=1)
    c.setTitle(title)  # no client IDs in the metadata
    c.setCreator("srs-scan")
    c.setAuthor("")
    n = 0
    for sheet in sheets:
        _Page(c, sheet, paper).draw()
        c.showPage()
        n += 1
    if n == 0:
        raise ValueError("nothing to print")
    c.save()
    return buf.getvalue()


class _Page:
    """Draws one sheet; converts frame millimetres (y down) to PDF points (y up)."""

    def __init__(self, c: pdfcanvas.Canvas, sheet: Sheet, paper: str) -> None:
        self.c = c
        self.lay = sheet.layout
        self.ident = sheet.identity
        self.ox, self.oy = self.lay.frame_origin_mm(paper)
        self.ph = PAPERS_MM[paper][1]

    def pt(self, x: float, y: float) -> tuple[float, float]:
        return ((self.ox + x) * PT_PER_MM, (self.ph - (self.oy + y)) * PT_PER_MM)

    # ------------------------------------------------------------------ primitives
    def line(self, a: tuple[float, float], b: tuple[float, float], width_mm: float) -> None:
        c = self.c
        c.setLineWidth(width_mm * PT_PER_MM)
        c.setLineCap(0)  # butt: the ink ends exactly at the end point
        c.line(*self.pt(*a), *self.pt(*b))

    def cells(self, matrix: np.ndarray, at: tuple[float, float], cell_mm: float) -> None:
        """Fill the true cells of a boolean matrix as one path (no seams between cells)."""
        path = self.c.beginPath()
        for r, col in zip(*np.nonzero(matrix), strict=True):
            x, y = self.pt(at[0] + col * cell_mm, at[1] + (r + 1) * cell_mm)
            path.rect(x, y, cell_mm * PT_PER_MM, cell_mm * PT_PER_MM)
        self.c.drawPath(path, stroke=0, fill=1)

    def text(self, block: TextBlock, *, bold: bool = False, align: str = "left") -> None:
        font = FONT_BOLD if bold else FONT
        lines = (
            simpleSplit(block.text, font, block.size_pt, block.width_mm * PT_PER_MM)
            if block.width_mm
            else [block.text]
        )
        self.c.setFont(font, block.size_pt)
        leading_mm = 1.2 * block.size_pt / PT_PER_MM
        for i, s in enumerate(lines):
            x, y = self.pt(block.at_mm[0], block.at_mm[1] + i * leading_mm)
            draw = {"left": self.c.drawString, "right": self.c.drawRightString, "centre": self.c.drawCentredString}
            draw[align](x, y, s)

    # ------------------------------------------------------------------ parts
    def draw(self) -> None:
        self.c.setFillColorRGB(0, 0, 0)
        self.c.setStrokeColorRGB(0, 0, 0)
        for marker in self.lay.markers:
            self.marker(marker)
        self.qr()
        lay = self.lay
        self.text(lay.title, bold=True)
        if lay.subtitle:
            self.text(lay.subtitle)
        if lay.instructions:
            self.text(lay.instructions)
        for f in lay.fields:
            self.field(f.label, f.at_mm, f.length_mm, self.fill_value(f.fill))
        self.scales()
        self.check_bar()
        self.footer()

    def fill_value(self, fill: str | None) -> str | None:
        if fill == "client":
            return self.ident.client
        if fill == "session" and self.ident.session is not None:
            return str(self.ident.session)
        return None

    def marker(self, marker: Marker) -> None:
        name = self.lay.marker_dictionary
        dictionary = cv2.aruco.getPredefinedDictionary(getattr(cv2.aruco, name))
        bits = int(name.split("_")[1].split("X")[0]) + 2  # data bits plus the black border
        img = cv2.aruco.generateImageMarker(dictionary, marker.id, bits)
        self.cells(img < 128, marker.at_mm, marker.size_mm / bits)

    def qr(self) -> None:
        code = qrencoder.QRCode(None, _QR_LEVELS[self.lay.qr_level])
        code.addData(self.ident.encode())
        code.make()
        n = code.getModuleCount()
        dark = np.array([[code.isDark(r, c) for c in range(n)] for r in range(n)], dtype=bool)
        self.cells(dark, self.lay.qr_at_mm, self.lay.qr_size_mm / n)
        if self.lay.qr_note:
            x, y = self.lay.qr_at_mm
            self.c.setFont(FONT, 6.0)
            self.c.drawCentredString(*self.pt(x + self.lay.qr_size_mm / 2.0, y + self.lay.qr_size_mm + 3.0),
                                     self.lay.qr_note)

    def field(self, label: str, at: tuple[float, float], length: float, value: str | None) -> None:
        size = 10.0
        self.c.setFont(FONT, size)
        x, y = self.pt(*at)
        self.c.drawString(x, y, label)
        start = at[0] + self.c.stringWidth(label, FONT, size) / PT_PER_MM + 2.0
        self.line((start, at[1] + 0.8), (start + length, at[1] + 0.8), 0.2)
        if value:
            # as large as fits on the line (a 32-character ID must not run into the next field)
            room = (length - 3.0) * PT_PER_MM
            fit = 11.0 * min(1.0, room / max(self.c.stringWidth(value, FONT_BOLD, 11.0), 1e-6))
            self.c.setFont(FONT_BOLD, fit)
            self.c.drawString(*self.pt(start + 2.0, at[1] - 0.3), value)

    def scales(self) -> None:
        lay = self.lay
        for (left, right), item in zip(lay.scale_ends_mm, lay.items, strict=True):
            self.line(left, right, lay.line_width_mm)
            mid = ((left[0] + right[0]) / 2.0, left[1] - lay.label_baseline_mm)
            self.text(TextBlock(item.label, mid, lay.item_size_pt), bold=True, align="centre")
            y = left[1] + lay.anchor_baseline_mm
            self.text(TextBlock(item.left, (left[0], y), lay.anchor_size_pt, lay.anchor_width_mm))
            self.text(TextBlock(item.right, (right[0], y), lay.anchor_size_pt, lay.anchor_width_mm), align="right")

    def check_bar(self) -> None:
        x0, y = self.lay.check_bar_at_mm
        n = self.lay.check_bar_length_mm
        self.line((x0, y), (x0 + n, y), 0.3)
        for k in range(int(round(n / 10.0)) + 1):
            x = x0 + 10.0 * k
            h = 3.0 if k in (0, 5, 10) else 1.8
            self.line((x, y), (x, y + h), 0.25)
        self.c.setFont(FONT, 7.0)
        for k, s in ((0, "0"), (5, "5"), (10, "10 cm")):
            self.c.drawCentredString(*self.pt(x0 + 10.0 * k, y + 6.0), s)
        self.c.setFont(FONT_BOLD, 8.0)
        note_x = x0 + n + 9.0  # clear of the "10 cm" label
        self.c.drawString(*self.pt(note_x, y - 1.0), "Print at 100 % (Actual size).")
        self.c.setFont(FONT, 7.5)
        self.c.drawString(*self.pt(note_x, y + 2.6), "This bar must measure 100 mm;")
        self.c.drawString(*self.pt(note_x, y + 5.8), "if not, print again without 'Fit to page'.")

    def footer(self) -> None:
        lay = self.lay
        s = f"srs-scan printed form {lay.id}  -  sheet {self.ident.form_id}"
        self.c.setFont(FONT, 7.0)
        self.c.drawString(*self.pt(18.0, lay.frame_mm[1] - 3.0), s)
