"""Layout 1: the pages read (srs-scan before the correction trail).

Revision ID: 0001
Revises:
Create Date: 2026-01-01

SQLite ledgers of layout 1 (PRAGMA user_version 1) were made before Alembic: they are
stamped with this revision when first opened, and upgraded from here.
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pages",
        sa.Column("page_hash", sa.Text, nullable=False),
        sa.Column("settings", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("page", sa.Integer, nullable=False),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("form_id", sa.Text),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("read_at", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("page_hash", "settings"),
    )
    op.create_index("pages_form_id", "pages", ["form_id"])


def downgrade() -> None:
    raise NotImplementedError("ledgers are not downgraded: keep a copy from before the upgrade")
