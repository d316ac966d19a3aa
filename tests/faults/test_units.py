"""The fault handling's building blocks, down the paths the end-to-end cases do not take."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from srs_scan import outputs
from srs_scan.cli import MM
from srs_scan.read.decode import tiff_pages


def _write(path, text="x\n"):
    with outputs.atomic_text_file(path) as handle:
        handle.write(text)


def test_atomic_write_without_unnamed_files(tmp_path, monkeypatch):
    monkeypatch.delattr(os, "O_TMPFILE", raising=False)
    _write(tmp_path / "a.jsonl", "one\n")
    assert (tmp_path / "a.jsonl").read_text() == "one\n" and os.listdir(tmp_path) == ["a.jsonl"]


def test_atomic_write_when_the_unnamed_file_cannot_be_linked(tmp_path, monkeypatch):
    import ctypes

    def no_libc(*args, **kwargs):
        raise OSError("no libc here")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)  # the fallback: copied into a named file, then renamed
    _write(tmp_path / "a.csv", "source,page,status,form,\n")
    assert (tmp_path / "a.csv").read_text() == "source,page,status,form,\n" and os.listdir(tmp_path) == ["a.csv"]


def test_a_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(RuntimeError), outputs.atomic_text_file(tmp_path / "a.jsonl") as handle:
        handle.write("half")
        raise RuntimeError
    assert os.listdir(tmp_path) == []


def test_a_name_taken_by_a_link_during_the_write_is_not_replaced(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    with pytest.raises(FileExistsError), outputs.atomic_text_file(tmp_path / "a.jsonl") as handle:
        handle.write("{}\n")
        (tmp_path / "a.jsonl").symlink_to(target)
    assert (tmp_path / "a.jsonl").is_symlink() and target.read_text() == "keep"
    assert sorted(os.listdir(tmp_path)) == ["a.jsonl", "elsewhere"]


@pytest.mark.parametrize(("content", "kind", "replaceable"), [
    (b"", "jsonl", True),
    (b'{"source": "a.png", "page": 1, "status": "ok", "items": []}\n', "jsonl", True),
    (b'{"name": "someone"}\n', "jsonl", False),
    (b"source,page,status,form,client\n", "csv", True),
    (b"name,phone\n", "csv", False),
    (b"correction,at_utc,page_id,source\n", "trail", True),
    (b'<!DOCTYPE html><html><head><meta charset="utf-8"><meta name="generator" content="srs-scan">', "html", True),
    (b"<html>ours</html>", "html", False),
])
def test_what_counts_as_srs_scans_own_output(tmp_path, content, kind, replaceable):
    path = tmp_path / "out"
    path.write_bytes(content)
    assert (outputs.not_replaceable(path, kind) is None) is replaceable
    assert outputs.not_replaceable(path, kind, force=True) is None


def test_a_folder_is_never_an_output(tmp_path):
    assert "is a folder" in outputs.not_replaceable(tmp_path, "jsonl", force=True)


def test_shown_escapes_what_a_terminal_would_act_on():
    assert outputs.shown("a\nb\rc\x1b[2Kd\u202ee\x85f.png") == "a\\x0ab\\x0dc\\x1b[2Kd\\u202ee\\x85f.png"
    assert outputs.shown("Müller 2026-05.pdf") == "Müller 2026-05.pdf"


def test_tiff_pages_agree_with_pillow_on_a_sound_file():
    pages = [Image.new("L", (80, 80), v) for v in (10, 120, 240)]
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    found = tiff_pages(buf.getvalue())
    assert found is not None and len(found) == 3 and all(p.offset for p in found)
    assert tiff_pages(b"\x89PNG\r\n\x1a\n") is None


@pytest.mark.parametrize(("text", "value"), [("6,4", 6.4), ("6.4", 6.4), (" 61,5 ", 61.5), ("100", 100.0)])
def test_mm_takes_a_decimal_comma(text, value):
    assert MM.convert(text, None, None) == value


@pytest.mark.parametrize("text", ["1,2,3", "6,4.0", "six", "nan", "inf"])
def test_mm_refuses_what_is_not_a_value(text):
    import click

    with pytest.raises(click.BadParameter):
        MM.convert(text, None, None)
