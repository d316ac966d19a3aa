"""The migrations, oldest first (Alembic reads these files; this one it skips)."""
