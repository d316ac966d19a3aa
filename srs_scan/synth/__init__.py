"""Synthetic SRS/ORS pages and degradations: the project's source of ground truth.

Coordinate conventions
----------------------
* Page millimetres: origin at the top-left corner of the paper, x right, y down.
* Image pixels: ``(x, y)``, origin at the centre of the top-left pixel, x right, y down;
  ``x_px = x_mm * dpi / 25.4 - 0.5``.
* Mark positions ``u_mm`` are on the nominal 100 mm line (0 = left end); with print scale
  ``s`` the physical distance from the left end is ``s * u_mm``.

Typical use::

    from srs_scan.synth import MarkSpec, render_form, degrade
    page = render_form("srs", [[MarkSpec(83.0)], [MarkSpec(91.5, "x")], [], [MarkSpec(50)]])
    img = degrade.scan(page.image, rng, dpi_out=200, skew_deg=1.2)
"""

from . import degrade
from .degrade import bitonal, jpeg, photo, scan, to_gray
from .forms import (
    LAYOUTS,
    PAPERS,
    RenderedPage,
    load_template,
    render_blank,
    render_form,
    render_letter,
)
from .marks import KINDS, PENS, MarkSpec

__all__ = [
    "KINDS",
    "LAYOUTS",
    "PAPERS",
    "PENS",
    "MarkSpec",
    "RenderedPage",
    "bitonal",
    "degrade",
    "jpeg",
    "load_template",
    "photo",
    "render_blank",
    "render_form",
    "render_letter",
    "scan",
    "to_gray",
]
