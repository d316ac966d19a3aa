"""What was read and what people corrected: the ledger database, the correction trail
and batch runs.

``store`` (the ledger, in an SQLite file or on a PostgreSQL server: pages keyed by
their pixels, the append-only trail), ``schema`` (its tables, once for both databases),
``migrate`` and ``migrations/`` (layouts upgraded at opening, Alembic), ``database``
(connections and what their errors mean), ``location`` (``--db``: a file or a server),
``assignments`` (the assignment trail), ``corrections`` (a page as it stands once its
trail is applied; pure functions) and ``batch`` (many pages read in worker processes,
resumable through the ledger) and ``cluster`` (the same on a Dask cluster; the only module
that imports Dask, an optional extra, and only imported for ``--cluster``).

May import: :mod:`srs_scan.read`, :mod:`srs_scan.forms`, the top-level modules and
:mod:`srs_scan.outputs`. Never imports ``audit`` or ``cli``.
"""
