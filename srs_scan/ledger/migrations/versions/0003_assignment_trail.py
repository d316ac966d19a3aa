"""Layout 3: the assignment trail (client, session, date, therapist, site), append-only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-01
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from srs_scan.ledger.schema import guard_ddl

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

DATE_CHECKS = {
    "sqlite": "\"date\" IS NULL OR \"date\" GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'",
    "postgresql": "\"date\" IS NULL OR \"date\" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'",
}


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("page_hash", sa.Text, nullable=False),
        sa.Column("client", sa.Text),
        sa.Column("session", sa.Integer),
        sa.Column("date", sa.Text),
        sa.Column("therapist", sa.Text),
        sa.Column("site", sa.Text),
        sa.Column("old", sa.Text),
        sa.Column("by", sa.Text, nullable=False),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("via", sa.Text, nullable=False),
        sa.CheckConstraint("session IS NULL OR session BETWEEN 1 AND 999", name="assignments_session"),
        sa.CheckConstraint(DATE_CHECKS[bind.dialect.name], name="assignments_date"),
        sa.CheckConstraint('length(trim("by")) > 0', name="assignments_by"),
        sa.CheckConstraint("via IN ('person', 'review', 'file', 'pattern')", name="assignments_via"),
        sqlite_autoincrement=True,
    )
    op.create_index("assignments_page", "assignments", ["page_hash"])
    for statement in guard_ddl("assignments", bind.dialect.name):
        bind.exec_driver_sql(statement)


def downgrade() -> None:
    raise NotImplementedError("ledgers are not downgraded: keep a copy from before the upgrade")
