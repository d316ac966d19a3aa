"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Runs on SQLite and PostgreSQL, inside srs-scan's transaction: check
``op.get_bind().dialect.name`` where they differ (SQLite cannot alter a column or a
CHECK: rebuild the table, keeping its rows, its AUTOINCREMENT counter and its
triggers: ``migrations/rebuild.py``, as 0004 and 0005 do). Also change ``schema.py``
(and LAYOUT, HEAD_REVISION there).
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
${imports if imports else ""}

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    raise NotImplementedError("ledgers are not downgraded: keep a copy from before the upgrade")
