"""An independent renderer of SRS / ORS / CSRS / CORS pages (and of pages that are not forms),
written without looking at srs_scan, its synth package or its templates.

Pure Python + numpy + Pillow + OpenCV. Every page comes with exact ground truth computed from
the geometry that was drawn (see page.py / marks.py)."""

from .nonforms import NONFORM_KINDS, RULED_KINDS, render_nonform  # noqa: F401
from .page import FormSpec, random_spec, render_form  # noqa: F401
from .truth import LineTruth, PageTruth  # noqa: F401
