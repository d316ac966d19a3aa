"""The correction and assignment trails are append-only in the database itself, on SQLite
and on PostgreSQL: plain SQL from another client (not srs-scan's code) cannot change or
remove a row, by UPDATE, DELETE, a replacing INSERT or (PostgreSQL) TRUNCATE."""

from __future__ import annotations

import pytest
from dbs import driver_errors, is_server, page_record, raw, rows

from srs_scan.ledger import assignments
from srs_scan.ledger.corrections import Correction
from srs_scan.ledger.store import Ledger

KEY = "ab" * 32


def _rewrites(place: str, table: str) -> list[str]:
    """Every way plain SQL could rewrite the first row of ``table``."""
    other = "'someone else'"
    statements = [f"UPDATE {table} SET by = {other}", f"UPDATE {table} SET by = {other} WHERE id = 1",
                  f"DELETE FROM {table}", f"DELETE FROM {table} WHERE id = 1"]
    trail_of_corrections = table == "corrections"
    columns = "id, page_hash, by, at, via" + (", item, old_status, new_status, reason" if trail_of_corrections else "")
    values = f"1, 'x', {other}, 'now', '{'cli' if table == 'corrections' else 'file'}'" + (
        ", 1, 'ok', 'ok', 'rewritten'" if table == "corrections" else "")
    if is_server(place):
        statements += [f"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET by = {other}",
                       f"TRUNCATE {table}", f"TRUNCATE {table} RESTART IDENTITY CASCADE"]
    else:
        statements += [f"INSERT OR REPLACE INTO {table} ({columns}) VALUES ({values})",
                       f"REPLACE INTO {table} ({columns}) VALUES ({values})",
                       f"INSERT INTO {table} ({columns}) VALUES ({values}) ON CONFLICT (id) DO UPDATE SET by = {other}"]
    return statements


@pytest.mark.parametrize("table", ["corrections", "assignments"])
def test_plain_sql_cannot_rewrite_a_trail(place, table):
    ledger = Ledger(place)
    ledger.put(KEY, "s", page_record("f.pdf", (50.0, 50.0, 50.0, 50.0)))
    ledger.add_correction(Correction(KEY, 2, 61.5, "Dr A", "checked the paper", old_mm=50.0, old_status="ok"))
    assignments.record(ledger, KEY, assignments.make("C7", "2", "2026-03-02"), by="Ana", via="person")
    ledger.close()
    before = rows(place, f"SELECT * FROM {table} ORDER BY id")
    assert len(before) == 1
    con = raw(place)
    refused = 0
    for sql in _rewrites(place, table):
        with pytest.raises(driver_errors(), match=f"the {table[:-1]} trail is append-only"):
            con.execute(sql)
        refused += 1
    con.close()
    assert refused >= 5
    assert rows(place, f"SELECT * FROM {table} ORDER BY id") == before
    # adding stays possible, by srs-scan and by anyone
    again = Ledger(place)
    assert len(again.trail()) == 1 and len(assignments.trail(again)) == 1
    again.add_correction(Correction(KEY, 3, 10.0, "Dr B", "second look", old_mm=50.0, old_status="ok"))
    assert [c.item for c in again.trail()] == [2, 3]
    again.close()
