"""Layout 2: where each page's file is (path, options, geometry) and the correction
trail, append-only.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from srs_scan.ledger.schema import guard_ddl

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for column in ("path", "options", "geometry"):
        op.add_column("pages", sa.Column(column, sa.Text))
    op.create_index("pages_form_id", "pages", ["form_id"], if_not_exists=True)
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("page_hash", sa.Text, nullable=False),
        sa.Column("item", sa.Integer, nullable=False),
        sa.Column("old_mm", sa.Float),
        sa.Column("old_status", sa.Text, nullable=False),
        sa.Column("new_mm", sa.Float),
        sa.Column("new_status", sa.Text, nullable=False),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("via", sa.Text, nullable=False),
        sa.CheckConstraint("item BETWEEN 1 AND 4", name="corrections_item"),
        sa.CheckConstraint("new_mm IS NULL OR new_mm BETWEEN 0 AND 100", name="corrections_new_mm"),
        sa.CheckConstraint("new_status IN ('ok', 'missing')", name="corrections_new_status"),
        sa.CheckConstraint('length(trim("by")) > 0', name="corrections_by"),
        sa.CheckConstraint("length(trim(reason)) > 0", name="corrections_reason"),
        sqlite_autoincrement=True,
    )
    op.create_index("corrections_page", "corrections", ["page_hash"])
    for statement in guard_ddl("corrections", bind.dialect.name):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    raise NotImplementedError("ledgers are not downgraded: keep a copy from before the upgrade")
