"""Layout 5: corrections along a clinic form's whole line. The correction trail's values
go from 0 to 200 mm (they went to 100, the PCOMS forms' line): a clinic's own form
measures mm along its own line, and a template may declare lines of up to 200 mm
(``forms/custom.py``, ``LINE_MM``), so a correction past 100 mm on a longer line was
refused.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01

SQLite cannot alter a CHECK: the correction trail is rebuilt as in 0004, keeping its
rows and ids, its AUTOINCREMENT counter, its index and its append-only triggers
(``migrations/rebuild.py``). PostgreSQL: the CHECK is dropped and made again, in the same
transaction; the table and its triggers stay as they are.
"""
from __future__ import annotations

from alembic import op

from srs_scan.ledger.migrations.rebuild import rebuild_sqlite_trail

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

MAX_MM = 200  # this layout's bound, frozen here (schema.MAX_MM may change in a later layout)
NEW_MM = f"new_mm IS NULL OR new_mm BETWEEN 0 AND {MAX_MM}"
COLUMNS = "id, page_hash, item, old_mm, old_status, new_mm, new_status, \"by\", reason, at, via"
SQLITE_CORRECTIONS = f"""
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
    CONSTRAINT corrections_new_mm CHECK ({NEW_MM}),
    CONSTRAINT corrections_new_status CHECK (new_status IN ('ok', 'missing')),
    CONSTRAINT corrections_by CHECK (length(trim("by")) > 0),
    CONSTRAINT corrections_reason CHECK (length(trim(reason)) > 0)
)"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        rebuild_sqlite_trail(bind, "corrections", SQLITE_CORRECTIONS, COLUMNS, "corrections_page")
    else:
        op.drop_constraint("corrections_new_mm", "corrections", type_="check")
        op.create_check_constraint("corrections_new_mm", "corrections", NEW_MM)


def downgrade() -> None:
    raise NotImplementedError("ledgers are not downgraded: keep a copy from before the upgrade")
