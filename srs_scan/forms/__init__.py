"""What a form is: its definition and scoring rules, its printed layout, printing it,
and the QR payload printed on it.

``definitions`` (form templates: items, keywords, scoring rules; ``templates/*.json``),
``layouts`` (srs-scan's printed layouts in mm; ``templates/printed/*.json``),
``printing`` (the vector PDF of a layout), ``identity`` (the QR code's payload) and
``score`` (values -> scores, total, flags). The same data drives printing and reading.

May import: :mod:`srs_scan.model` and :mod:`srs_scan.exceptions` only.
"""
