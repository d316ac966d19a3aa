"""An independent renderer of SRS / ORS / CSRS / CORS pages (and of pages that are not forms),
written without looking at srs_scan, its synth package or its templates.

Pure Python + numpy + Pillow + OpenCV. Every page comes with exact ground truth computed from
the geometry that was drawn (see page.py / marks.py)."""

from .truth import LineTruth, PageTruth  # noqa: F401
from .page import render_form, FormSpec, random_spec  # noqa: F401
from .nonforms import render_nonform, NONFORM_KINDS  # noqa: F401
