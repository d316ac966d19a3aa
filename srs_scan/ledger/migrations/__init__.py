"""The ledger's migrations (Alembic), shipped in the package and run by srs-scan itself
when it opens a ledger (:mod:`srs_scan.ledger.migrate`): no ``alembic.ini`` needed.

``versions/NNNN_*.py``: one file a layout, numbered; ``env.py`` runs them on the
connection srs-scan hands over. CONTRIBUTING.md says how to add one.
"""
