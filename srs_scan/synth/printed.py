"""Round trips through srs-scan's own printed forms: PDF -> paper image -> marks.

:func:`render_printed` rasterises one page of a PDF made by :mod:`srs_scan.forms.printing`
(with pypdfium2, as a printer would put it on paper, optionally shrunk by a "fit to
page" scale about the paper's centre), puts it on slightly textured paper and draws the
client's marks at known positions on the layout's lines. The result is a
:class:`RenderedPage` with exact ground truth, ready for :mod:`srs_scan.synth.degrade`.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
import pypdfium2 as pdfium

from ..forms.layouts import PAPERS_MM, PrintedLayout
from .forms import RenderedPage, _finish, _paper, _rng_streams
from .marks import MarkSpec, draw_mark


def rasterise(pdf: bytes, page_index: int = 0, *, dpi: float = 300) -> np.ndarray:
    """One PDF page as a gray uint8 image at ``dpi`` (pixel j covers [j, j+1) / dpi in)."""
    doc = pdfium.PdfDocument(pdf)
    try:
        bitmap = doc[page_index].render(scale=dpi / 72.0, grayscale=True)
        return np.array(bitmap.to_pil())
    finally:
        doc.close()


def render_printed(
    pdf: bytes,
    layout: PrintedLayout,
    marks: Sequence[Sequence[MarkSpec]],
    *,
    page_index: int = 0,
    paper: str = "a4",
    dpi: float = 300,
    scale: float = 1.0,
    seed: int = 0,
) -> RenderedPage:
    """A printed sheet with marks: page ``page_index`` of ``pdf`` (laid out by ``layout``
    on ``paper``), printed at ``scale`` (1.0 = actual size) and scanned at ``dpi``."""
    if len(marks) != len(layout.left_ends_mm):
        raise ValueError(f"marks must have one sequence per line ({len(layout.left_ends_mm)})")
    pw, ph = PAPERS_MM[paper]
    w, h = int(round(pw / 25.4 * dpi)), int(round(ph / 25.4 * dpi))
    printed = rasterise(pdf, page_index, dpi=dpi * scale).astype(np.float32) / 255.0
    # the raster is already shrunk (rendered at dpi * scale): shift it so the paper's
    # centre stays put, i.e. page mm p lands at c + scale (p - c)
    k = dpi / 25.4
    shift = np.array([[1.0, 0.0, k * pw * (1 - scale) / 2.0], [0.0, 1.0, k * ph * (1 - scale) / 2.0]])
    ink = cv2.warpAffine(1.0 - printed, shift, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0)
    r_paper, *r_lines = _rng_streams(seed, 1 + len(marks))
    level = r_paper.uniform(15.0, 40.0)
    img = _paper(h, w, r_paper) * (1.0 - ink * (1.0 - level / 255.0))[:, :, None]
    ppm = dpi / 25.4
    ox, oy = layout.frame_origin_mm(paper)
    cx, cy = pw / 2.0, ph / 2.0
    lines_px = []
    truth: list[float | None] = []
    for (lx, ly), line_marks, rng in zip(layout.left_ends_mm, marks, r_lines, strict=True):
        # physical left end after shrinking about the paper centre
        px0 = cx + scale * (ox + lx - cx)
        py = cy + scale * (oy + ly - cy)
        px1 = px0 + scale * layout.line_length_mm
        lines_px.append(((px0 * ppm - 0.5, py * ppm - 0.5), (px1 * ppm - 0.5, py * ppm - 0.5)))
        for mk in line_marks:
            draw_mark(img, mk, line_left_mm=(px0, py), scale=scale * layout.line_length_mm / 100.0,
                      line_width_mm=layout.line_width_mm * scale, px_per_mm=ppm, rng=rng)
        truth.append(float(line_marks[0].u_mm) if len(line_marks) == 1 else None)
    return RenderedPage(
        image=_finish(img),
        dpi=float(dpi),
        form=layout.form,
        truth_mm=tuple(truth),
        n_marks=tuple(len(x) for x in marks),
        lines_px=tuple(lines_px),
        line_length_mm=layout.line_length_mm * scale,
    )
