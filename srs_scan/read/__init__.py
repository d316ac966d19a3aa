"""The page pipeline: one decoded page in, one :class:`~srs_scan.model.PageResult` out.

``decode`` (files -> pages), ``ink`` (print and pen on paper), ``fiducials`` and ``qrread``
(srs-scan's own printed forms), ``lines`` (the scale lines), ``orient`` (which way up),
``measure`` (line ends and the mark), ``perspective`` (strip position -> mm), ``textread``
and ``classify`` (which form, from its words), and ``pipeline``, the runner that calls
them in order.

May import: :mod:`srs_scan.model`, :mod:`srs_scan.exceptions` and :mod:`srs_scan.forms`.
Never imports ``ledger``, ``audit``, ``exports`` or ``cli``: reading a page knows nothing
of where results are kept or shown.
"""
