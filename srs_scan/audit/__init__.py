"""People checking the machine's readings: choosing the pages to look at, drawing them,
the HTML audit report and the local review server with its web page.

``select`` (which pages, in which order; corrections through the ledger), ``draw``
(audit pictures: this module only draws), ``report`` (the self-contained HTML report),
``review`` (the HTTP layer of the review page) and ``web/`` (its HTML, JS and CSS).

May import: :mod:`srs_scan.ledger`, :mod:`srs_scan.read`, :mod:`srs_scan.forms`,
:mod:`srs_scan.exports` and the top-level modules. Never imports ``cli``.
"""
