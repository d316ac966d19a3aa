"""People checking the machine's readings: choosing the pages to look at, drawing them,
the HTML audit report and the local review server with its web page.

``select`` (which pages, in which order; corrections through the ledger), ``draw``
(audit pictures: this module only draws), ``report`` (the self-contained HTML report),
``review`` (the HTTP layer of the review page) and ``web/`` (its HTML, JS and CSS).

The review page also shows the clients (:mod:`srs_scan.clinic`: the same plots as the
report) and takes a person's assignments (client, session, date) into the ledger's trail.

May import: :mod:`srs_scan.ledger`, :mod:`srs_scan.read`, :mod:`srs_scan.forms`,
:mod:`srs_scan.exports`, :mod:`srs_scan.clinic` and the top-level modules. Never imports ``cli``.
"""
