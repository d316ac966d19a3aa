"""The audit report: one self-contained HTML file (images inline, no scripts, no links
out), readable offline and printable, one page of the stack per printed sheet.

This module only formats: the pages and their order come from :mod:`srs_scan.audit`,
the images from :mod:`srs_scan.audit.draw`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from html import escape

import cv2
import numpy as np

from .. import __version__
from ..model import ItemStatus, PageStatus
from ..outputs import printable
from . import draw
from .select import AuditPage

JPEG_QUALITY = 88

CSS = """
body { font: 14px/1.4 system-ui, sans-serif; color: #222; margin: 1.5em; }
h1 { font-size: 1.5em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; margin: 0 0 .4em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #ccc; padding: .2em .5em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.review { color: #b00000; font-weight: 600; }
.ok { color: #06600a; }
.corrected { color: #900090; font-weight: 600; }
.muted { color: #666; }
section.page { border-top: 3px solid #999; padding-top: .8em; margin-top: 1.5em; }
section.page.is-review { border-top-color: #b00000; }
figure { display: inline-block; margin: .5em 1em .5em 0; vertical-align: top; max-width: 48%; }
figure img { max-width: 100%; border: 1px solid #bbb; }
figcaption { font-size: .85em; color: #555; }
.legend span { margin-right: 1.2em; }
@media print {
  body { margin: 0; font-size: 11px; }
  section.page { break-before: page; page-break-before: always; border-top: none; }
  section.page, figure, table { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
}
"""


def render_report(pages: Sequence[AuditPage], *, images: Callable[[AuditPage], np.ndarray | str],
                  title: str = "srs-scan audit", progress: Callable[[], None] | None = None,
                  scope: str = "") -> str:
    """The whole report. ``images(page)`` gives the page's decoded image or why there is none;
    ``scope`` says what the report covers (a sample, say)."""
    n_review = sum(p.review for p in pages)
    n_near = sum(p.review and p.near_cutoff for p in pages)
    n_corrected = sum(p.result.corrected for p in pages)
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f'<p class="muted">Made {made} by srs-scan {escape(__version__)}. {len(pages)} page(s): '
        f"{n_review} to review ({n_near} close to a clinical cutoff), {n_corrected} corrected by a person. "
        "Review pages come first, those close to a cutoff first among them; then pages read as ok "
        f"but close to a cutoff, then the rest.{(' ' + escape(scope)) if scope else ''}</p>",
        _legend(),
        _summary(pages),
    ]
    for page in pages:
        parts.append(_section(page, images(page)))
        if progress is not None:
            progress()
    parts.append("</body></html>")
    return "\n".join(parts)


def _legend() -> str:
    def swatch(bgr: tuple[int, int, int], text: str) -> str:
        return f'<span><b style="color: rgb({bgr[2]}, {bgr[1]}, {bgr[0]})">&#9632;</b> {escape(text)}</span>'

    return ('<p class="legend">In the audit images: '
            + swatch(draw.INK_ENDS, "line ends as detected")
            + swatch(draw.INK_RULER, "ruler, 1 mm ticks, numbered in cm (= score)")
            + swatch(draw.INK_OK, "mark as read")
            + swatch(draw.INK_REVIEW, "to review")
            + swatch(draw.INK_CORRECTED, "set by a person")
            + swatch(draw.INK_MACHINE, "machine reading, when corrected")
            + "</p>")


def _summary(pages: Sequence[AuditPage]) -> str:
    rows = ["<table><thead><tr><th>#</th><th>page id</th><th>file</th><th>page</th><th>form</th>"
            "<th>client</th><th>session</th><th>total</th><th>status</th><th>close to cutoff</th>"
            "<th>corrected</th></tr></thead><tbody>"]
    for n, p in enumerate(pages, start=1):
        r = p.result
        rows.append(
            f'<tr><td class="num">{n}</td><td><a href="#p-{p.page_id}">{p.page_id}</a></td>'
            f"<td>{_e(r.source)}</td><td class=\"num\">{r.page}</td><td>{_e(r.form.upper() if r.form else '-')}</td>"
            f"<td>{_e(r.client or '')}</td><td class=\"num\">{'' if r.session is None else r.session}</td>"
            f'<td class="num">{_total(r.total)}</td><td>{_status(r.status)}</td>'
            f"<td>{_e(p.cutoff_note or '')}</td>"
            f"<td>{'<span class=corrected>yes</span>' if r.corrected else ''}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _section(page: AuditPage, image: np.ndarray | str) -> str:
    r = page.result
    head = (f"{_e(r.source)} p{r.page} &middot; {_e(r.form.upper() if r.form else 'form type unknown')} "
            f"&middot; total {_total(r.total)} &middot; {_status(r.status)}")
    ident = []
    if r.client:
        ident.append(f"client {_e(r.client)}")
    if r.session is not None:
        ident.append(f"session {r.session}")
    parts = [f'<section class="page{" is-review" if page.review else ""}" id="p-{page.page_id}">',
             f"<h2>{head}</h2>",
             f'<p class="muted">page id <code>{page.page_id}</code>'
             + (" &middot; " + " &middot; ".join(ident) if ident else "")
             + f" &middot; read {_e(page.stored.read_at)}</p>"]
    if page.cutoff_note:
        parts.append(f"<p><b>Close to a clinical cutoff:</b> {_e(page.cutoff_note)}</p>")
    if r.items:
        parts.append(_items(page))
    for label, texts, css in (("Review", r.reasons, "review"), ("Flag", [f.message for f in r.flags], ""),
                              ("Warning", r.warnings, "muted")):
        for text in texts:
            parts.append(f'<p class="{css}">{label}: {_e(text)}</p>')
    if page.trail:
        parts.append(_trail(page))
    if isinstance(image, str):
        parts.append(f'<p class="review">No image: {_e(image)}.</p>')
    elif r.status is PageStatus.NO_FORM:
        # enough to see whether it is a form after all, too small to read a letter's text
        parts.append(_figure(draw.thumbnail(image, r.rotation or 0), "the page, small (no form was found on it)"))
    else:
        view = draw.render(image, r, page.stored.geometry)
        parts.append(_figure(view.image, "as read (drawn)"))
        parts.append(_figure(view.original, "the same crop, as scanned"))
    parts.append("</section>")
    return "\n".join(parts)


def _items(page: AuditPage) -> str:
    rows = ["<table><thead><tr><th>#</th><th>item</th><th>mm</th><th>score</th><th>status</th>"
            "<th>notes</th></tr></thead><tbody>"]
    for n, item in enumerate(page.result.items, start=1):
        status = "corrected" if item.corrected else item.status.value
        css = "corrected" if item.corrected else "review" if item.status is ItemStatus.REVIEW else ""
        notes = list(item.reasons)
        if item.corrected:
            was = "no mark" if item.machine_mm is None else f"{item.machine_mm:.1f} mm"
            notes.append(f"machine read {was} ({item.machine_status.value if item.machine_status else '?'})")
        rows.append(
            f'<tr><td class="num">{n}</td><td>{_e(item.name)}</td><td class="num">{_num(item.mm)}</td>'
            f'<td class="num">{_num(item.score)}</td><td class="{css}">{_e(status)}</td>'
            f"<td>{_e('; '.join(notes))}</td></tr>"
        )
    rows.append("</tbody></table>")
    return "\n".join(rows)


def _trail(page: AuditPage) -> str:
    rows = ["<table><thead><tr><th>when (UTC)</th><th>item</th><th>from</th><th>to</th><th>by</th>"
            "<th>reason</th></tr></thead><tbody>"]
    for c in page.trail:
        rows.append(
            f"<tr><td>{_e(c.at)}</td><td class=\"num\">{c.item}</td>"
            f"<td>{_num(c.old_mm) if c.old_mm is not None else _e(c.old_status)}</td>"
            f"<td>{_num(c.new_mm) if c.new_mm is not None else 'missing'}</td>"
            f"<td>{_e(c.by)}</td><td>{_e(c.reason)}</td></tr>"
        )
    rows.append("</tbody></table>")
    return '<p class="corrected">Corrections (the machine reading is kept):</p>' + "\n".join(rows)


def _figure(image: np.ndarray, caption: str) -> str:
    return (f'<figure><img alt="{escape(caption)}" src="data:image/jpeg;base64,{jpeg_base64(image)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def jpeg_bytes(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:  # pragma: no cover - OpenCV encodes any uint8 image
        raise ValueError("the image could not be encoded")
    return data.tobytes()


def jpeg_base64(image: np.ndarray) -> str:
    return base64.b64encode(jpeg_bytes(image)).decode("ascii")


def _e(text: str) -> str:
    return escape(printable(text))


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _total(total: float | None) -> str:
    return "-" if total is None else f"{total:.1f}"


def _status(status: PageStatus) -> str:
    css = "review" if status is PageStatus.REVIEW else "ok" if status is PageStatus.OK else "muted"
    label = {PageStatus.NO_FORM: "no form", PageStatus.ERROR: "error"}.get(status, status.value)
    return f'<span class="{css}">{escape(label)}</span>'
