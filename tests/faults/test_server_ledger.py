"""A ledger on a server that cannot be used: every command that takes --db says so in
one line, exits 5, shows no traceback and never the password (no server needed: the
address is a closed port on this computer, or not an address at all)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from .conftest import DPI, assert_clean, cli

PASSWORD = "Sw0rdfish-not-shown"
LEDGER_FAILED = 5


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nobody listens there


def _one_line(result, *words: str) -> str:
    text = assert_clean(result)
    assert PASSWORD not in text, text
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == LEDGER_FAILED, text
    assert len(lines) == 1, text
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def page(tmp_path_factory, pages) -> Path:
    folder = tmp_path_factory.mktemp("one")
    pages[0].save(folder / "p.png", dpi=(DPI, DPI))
    return folder / "p.png"


def _commands(page: Path, out: Path) -> dict[str, list]:
    return {
        "scan": ["scan", page, "--jsonl", out / "r.jsonl"],
        "audit": ["audit", "-o", out / "a.html"],
        "correct": ["correct", "0123456789ab", "--item", "1", "--mm", "50", "--by", "A", "--reason", "r"],
        "export": ["export", "--jsonl", out / "e.jsonl"],
        "review": ["review"],
        "assign": ["assign", "0123456789ab", "--client", "C1", "--by", "A"],
        "clients": ["clients"],
        "report": ["report", "-o", out / "r.html"],
    }


@pytest.mark.parametrize("command", ["scan", "audit", "correct", "export", "review", "assign", "clients", "report"])
def test_an_unreachable_server_is_one_line_and_exit_5(command, page, tmp_path):
    url = f"postgresql://srs:{PASSWORD}@127.0.0.1:{_closed_port()}/ledger"
    result = cli(*_commands(page, tmp_path)[command], "--db", url, timeout=120)
    line = _one_line(result, "cannot be reached", "127.0.0.1", "postgresql://srs:***@")
    assert "PGPASSWORD" in line
    assert not [p for p in tmp_path.iterdir()]  # no output file, not even half of one


@pytest.mark.parametrize("url, words", [
    (f"postgresql://srs:{PASSWORD}@127.0.0.1:notaport/ledger", ("port",)),
    (f"mysql://srs:{PASSWORD}@127.0.0.1/ledger", ("PostgreSQL", "mysql")),
    (f"postgresql://srs:{PASSWORD}@127.0.0.1", ("names no database",)),
])
def test_a_bad_address_is_one_line_and_exit_5(url, words, page, tmp_path):
    result = cli("scan", page, "--db", url, "--jsonl", tmp_path / "r.jsonl", timeout=120)
    _one_line(result, "--db postgresql://srs:***@" if url.startswith("postgresql") else "--db mysql://srs:***@", *words)
    assert not (tmp_path / "r.jsonl").exists()
