"""Alembic's entry point: run the migrations on the connection srs-scan passes in
``config.attributes["connection"]`` (inside srs-scan's own transaction), or, for a
developer's ``alembic`` command, on ``-x db=URL`` / the SRS_SCAN_DB variable."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from srs_scan.ledger.schema import metadata

connection = context.config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()
else:  # a developer's alembic command line (see CONTRIBUTING.md)
    url = context.get_x_argument(as_dictionary=True).get("db") or os.environ.get("SRS_SCAN_DB")
    if not url:
        raise SystemExit("give the database: alembic -x db=sqlite:///ledger.sqlite ... (or set SRS_SCAN_DB)")
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata)
        with context.begin_transaction():
            context.run_migrations()
