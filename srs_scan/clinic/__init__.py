"""What the scores are for: clients, their sessions in order, alerts and the clinic's figures.

A form read into the ledger belongs to a client, a session number and a date (and
optionally a therapist and a site): from srs-scan's own QR code, an assignment file or
pattern, or a person (:mod:`srs_scan.ledger.assignments`). This package takes the
ledger's pages as they stand (corrections applied) and works out:

``rules`` (the thresholds: the ``clinical`` block of each form template, overridable),
``records`` (one scored form of one session: typed, frozen), ``episodes`` (a client's
sessions in order, ORS/CORS at the start paired with SRS/CSRS at the end), ``alerts``
(each with its rule and advice), ``figures`` (the clinic's aggregates, each share with
its n), ``sources`` (records from a ledger), ``summary`` (the JSON document of
``srs-scan clients``/``report --json``), ``plots`` (matplotlib, inline SVG) and
``report`` (the offline HTML report).

Everything but ``sources`` is pure: records in, records out. No names: clients are IDs.

May import: :mod:`srs_scan.model`, :mod:`srs_scan.forms`, :mod:`srs_scan.ledger` and the
top-level modules (``exceptions``, ``outputs``). Never imports ``cli``, ``audit`` or ``jobs``.
"""
