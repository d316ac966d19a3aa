"""Layout 4: one schema for SQLite and PostgreSQL. Corrections of items 1-10 (forms
with up to ten lines), and ``pages.read_order`` to tell a page's newest reading.

Revision ID: 0004
Revises: 0003
Create Date: 2026-01-01

SQLite cannot alter a CHECK: the correction trail is rebuilt (a new table, its rows
copied with their ids, the old one dropped, the new one renamed), keeping its
AUTOINCREMENT counter, its index and its append-only triggers (``migrations/rebuild.py``).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from srs_scan.ledger.migrations.rebuild import rebuild_sqlite_trail

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = "id, page_hash, item, old_mm, old_status, new_mm, new_status, \"by\", reason, at, via"
SQLITE_CORRECTIONS = """
CREATE TABLE corrections_new (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    page_hash   TEXT NOT NULL,
    item        INTEGER NOT NULL,
    old_mm      FLOAT,
    old_status  TEXT NOT NULL,
    new_mm      FLOAT,
    new_status  TEXT NOT NULL,
    "by"        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    at          TEXT NOT NULL,
    via         TEXT NOT NULL,
    CONSTRAINT corrections_item CHECK (item BETWEEN 1 AND 10),
    CONSTRAINT corrections_new_mm CHECK (new_mm IS NULL OR new_mm BETWEEN 0 AND 100),
    CONSTRAINT corrections_new_status CHECK (new_status IN ('ok', 'missing')),
    CONSTRAINT corrections_by CHECK (length(trim("by")) > 0),
    CONSTRAINT corrections_reason CHECK (length(trim(reason)) > 0)
)"""


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    op.add_column("pages", sa.Column("read_order", sa.BigInteger))
    if dialect == "sqlite":
        # rows of one page that tied on read_at were told apart by insertion order (rowid)
        bind.exec_driver_sql("UPDATE pages SET read_order = rowid WHERE page_hash IN "
                             "(SELECT page_hash FROM pages GROUP BY page_hash HAVING count(*) > 1)")
        rebuild_sqlite_trail(bind, "corrections", SQLITE_CORRECTIONS, COLUMNS, "corrections_page")
    else:
        op.drop_constraint("corrections_item", "corrections", type_="check")
        op.create_check_constraint("corrections_item", "corrections", "item BETWEEN 1 AND 10")
    # layouts 1-3 made these with IF NOT EXISTS at every opening: make sure of them
    op.create_index("pages_form_id", "pages", ["form_id"], if_not_exists=True)
    op.create_index("assignments_page", "assignments", ["page_hash"], if_not_exists=True)


def downgrade() -> None:
    raise NotImplementedError("ledgers are not downgraded: keep a copy from before the upgrade")
