"""srs-scan: read paper SRS and ORS forms from scans and phone photos.

>>> import srs_scan
>>> for page in srs_scan.read_path("sample_scans/srs_scan_300dpi.png"):  # doctest: +SKIP
...     print(page.form, page.total, [item.mm for item in page.items])

The library never prints and never exits; every page becomes a :class:`PageResult`
whose ``status`` says whether it was read ("ok"), needs a person ("review"), holds no
form ("no_form") or could not be read ("error").
"""

from .model import Flag, ItemResult, ItemStatus, PageResult, PageStatus
from .read.pipeline import ReadOptions, read_image, read_page, read_path

__version__ = "0.1.0"

__all__ = [
    "Flag",
    "ItemResult",
    "ItemStatus",
    "PageResult",
    "PageStatus",
    "ReadOptions",
    "read_image",
    "read_page",
    "read_path",
    "__version__",
]
