"""Outputs: only a regular file srs-scan wrote is replaced (or any regular file with
--force); never a link, a pipe or a device; a full disk is said as such."""

from __future__ import annotations

import os
import resource
import signal
import stat

import pytest
from click.testing import CliRunner

from srs_scan.cli import main

from .conftest import DPI, Batch, assert_clean, by_name, cli, records


@pytest.fixture
def two(batch: Batch, pages) -> Batch:
    pages[1].save(batch.inputs / "second.png", dpi=(DPI, DPI))
    batch.snapshot()
    return batch


def _refused(result, *words: str) -> str:
    text = assert_clean(result)
    assert result.returncode == 2, text
    for word in words:
        assert word in text, text
    return text


def test_jsonl_symlink_is_not_replaced(two: Batch, tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text("someone's notes\n")
    link = two.out / "r.jsonl"
    link.symlink_to(target)
    _refused(cli("scan", two.inputs, "--jsonl", link, "-q"), "is a symbolic link")
    assert link.is_symlink() and target.read_text() == "someone's notes\n"
    assert not (tmp_path / "srs-scan-ledger.sqlite").exists() and not (two.out / "srs-scan-ledger.sqlite").exists()
    two.assert_inputs_unchanged()
    two.assert_no_partial_output()


def test_csv_named_pipe_is_not_replaced(two: Batch):
    pipe = two.out / "r.csv"
    os.mkfifo(pipe)
    _refused(cli("scan", two.inputs, "--csv", pipe, "-q", timeout=60), "is a named pipe")
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    two.assert_no_partial_output()


def test_device_is_not_replaced_and_no_ledger_goes_into_dev(two: Batch):
    before = set(os.listdir("/dev"))
    _refused(cli("scan", two.inputs, "--jsonl", "/dev/full", "-q"), "is a device")
    assert stat.S_ISCHR(os.lstat("/dev/full").st_mode)
    assert set(os.listdir("/dev")) - before == set()
    two.assert_inputs_unchanged()


def test_ledger_path_that_is_a_symlink_is_refused(two: Batch, tmp_path):
    target = tmp_path / "real.sqlite"
    target.write_bytes(b"")
    link = two.out / "ledger.sqlite"
    link.symlink_to(target)
    _refused(cli("scan", two.inputs, "--db", link, "--jsonl", two.out / "r.jsonl", "-q"), "symbolic link")
    assert link.is_symlink() and target.read_bytes() == b""
    assert not (two.out / "r.jsonl").exists()


def test_unrelated_existing_file_is_kept_without_force(two: Batch):
    notes = two.out / "r.csv"
    notes.write_text("name,phone\nsomeone,123\n")
    _refused(cli("scan", two.inputs, "--csv", notes, "-q"), "was not written by srs-scan", "--force")
    assert notes.read_text() == "name,phone\nsomeone,123\n"
    assert not (two.out / "srs-scan-ledger.sqlite").exists()
    two.assert_no_partial_output()
    # --force: the user asked for it
    result = cli("scan", two.inputs, "--csv", notes, "-q", "--force")
    assert_clean(result)
    assert result.returncode == 0
    assert notes.read_text().startswith("source,page,status,form")
    two.assert_inputs_unchanged()


def test_own_previous_outputs_are_replaced_on_a_rerun(two: Batch):
    jsonl, csv_path = two.out / "r.jsonl", two.out / "r.csv"
    first = cli("scan", two.inputs, "--jsonl", jsonl, "--csv", csv_path, "-q")
    assert first.returncode == 0, first.stderr
    again = cli("scan", two.inputs, "--jsonl", jsonl, "--csv", csv_path, "-q")
    assert_clean(again)
    assert again.returncode == 0 and "2 taken from the ledger" in again.stdout + again.stderr
    assert by_name(records(jsonl)) == {("good.png", 1): "read", ("second.png", 1): "read"}
    two.assert_inputs_unchanged()
    two.assert_no_partial_output()


def test_output_folder_missing(two: Batch):
    _refused(cli("scan", two.inputs, "--jsonl", two.out / "nope" / "r.jsonl", "-q"), "does not exist")
    assert not (two.out / "nope").exists()


def test_output_is_an_input(two: Batch):
    _refused(cli("scan", two.inputs / "good.png", "--jsonl", two.inputs / "good.png", "-q"), "is one of the inputs")
    two.assert_inputs_unchanged()


def test_export_and_audit_keep_unrelated_files(two: Batch):
    jsonl = two.out / "r.jsonl"
    assert cli("scan", two.inputs, "--jsonl", jsonl, "-q").returncode == 0
    db = two.out / "srs-scan-ledger.sqlite"
    other = two.out / "report.html"
    other.write_text("<html>the clinic's own page</html>")
    _refused(cli("audit", "--db", db, "-o", other, "-q"), "was not written by srs-scan")
    assert other.read_text() == "<html>the clinic's own page</html>"
    mine = two.out / "mine.html"
    assert cli("audit", "--db", db, "-o", mine, "-q").returncode == 0
    again = cli("audit", "--db", db, "-o", mine, "-q")  # srs-scan's own report: replaced
    assert again.returncode == 0, again.stderr
    table = two.out / "table.csv"
    table.write_text("a,b\n1,2\n")
    _refused(cli("export", "--db", db, "--csv", table), "was not written by srs-scan")
    assert table.read_text() == "a,b\n1,2\n"
    two.assert_no_partial_output()


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
    resource.setrlimit(resource.RLIMIT_FSIZE, (80_000, 80_000))


def test_no_room_for_the_ledger(batch: Batch, pages):
    """The disk fills while the ledger grows: one line saying so, exit 5, no outputs half-written."""
    for i in range(1, 10):
        pages[i].save(batch.inputs / f"p{i}.png", dpi=(DPI, DPI))
    batch.snapshot()
    jsonl = batch.out / "r.jsonl"
    result = cli("scan", batch.inputs, "--jsonl", jsonl, "-q", "--workers", "1", preexec_fn=_limit_file_size)
    text = assert_clean(result)
    assert result.returncode == 5, text
    assert "disk" in text and "full" in text and "cannot rollback" not in text
    assert len([line for line in result.stderr.splitlines() if line.startswith("srs-scan:")]) == 1
    assert not jsonl.exists()
    batch.assert_inputs_unchanged()
    batch.assert_no_partial_output()


def test_disk_full_in_the_ledger_says_the_disk_is_full(batch: Batch, pages, monkeypatch):
    """SQLite's own "database or disk is full" (here: a page limit on the database)."""
    from srs_scan.ledger import migrate

    for i in range(1, 6):
        pages[i].save(batch.inputs / f"p{i}.png", dpi=(DPI, DPI))
    batch.snapshot()
    real = migrate.set_up

    def set_up(engine, where):  # the ledger set up, then its one connection limited
        real(engine, where)
        con = engine.raw_connection()
        try:
            pages_now = con.driver_connection.execute("PRAGMA page_count").fetchone()[0]
            con.driver_connection.execute(f"PRAGMA max_page_count = {pages_now + 1}")
        finally:
            con.close()

    monkeypatch.setattr(migrate, "set_up", set_up)
    jsonl = batch.out / "r.jsonl"
    result = CliRunner().invoke(main, ["scan", str(batch.inputs), "--jsonl", str(jsonl), "-q", "--workers", "1"])
    text = assert_clean(result)
    assert result.exit_code == 5, text
    assert "is full: free some space" in text and "cannot rollback" not in text
    assert not jsonl.exists()
    batch.assert_inputs_unchanged()
    batch.assert_no_partial_output()


def test_jsonl_to_stdout_carries_only_records(batch: Batch):
    (batch.inputs / "broken.png").write_bytes(b"\x89PNG broken")
    result = cli("scan", batch.inputs, "--jsonl", "-")
    assert_clean(result)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("{") for line in lines)
    assert "broken.png" in result.stderr


def test_ledger_with_no_folder_under_it(two: Batch):
    _refused(cli("scan", two.inputs, "--db", two.out / "missing" / "l.sqlite", "-q"), "does not exist")

