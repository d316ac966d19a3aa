"""Bad input files: each is reported with its reason, never dropped, and the other pages are read."""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from srs_scan.cli import main

from .conftest import DPI, Batch, assert_clean, by_name, cli, records


def _tiff(pages: list[Image.Image]) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:], dpi=(DPI, DPI))
    return buf.getvalue()


def _ifd_offsets(data: bytes) -> list[int]:
    """The directory chain of a little-endian TIFF (written by Pillow), read independently."""
    offsets, offset = [], struct.unpack_from("<I", data, 4)[0]
    while offset:
        offsets.append(offset)
        (n,) = struct.unpack_from("<H", data, offset)
        offset = struct.unpack_from("<I", data, offset + 2 + 12 * n)[0]
    return offsets


def _pdf(pages: list[Image.Image]) -> bytes:
    buf = io.BytesIO()
    pages[0].save(buf, format="PDF", save_all=True, append_images=pages[1:], resolution=float(DPI))
    return buf.getvalue()


def _jpeg_streams(data: bytes) -> list[tuple[int, int]]:
    """(start, length) of each page's JPEG image stream in a PDF written by Pillow."""
    out, at = [], 0
    while (at := data.find(b"\xff\xd8\xff", at)) != -1:
        end = data.find(b"\xff\xd9", at) + 2
        out.append((at, end - at))
        at = end
    return out


# --- builders: write the bad file into the folder, return {(name, page): expected} ----------


def empty_file(folder: Path, pages) -> tuple[dict, str]:
    (folder / "empty.png").write_bytes(b"")
    return {("empty.png", 1): "error"}, "the file is empty"


def text_named_jpg(folder: Path, pages) -> tuple[dict, str]:
    (folder / "notes.jpg").write_text("Dear colleague,\nplease find the forms attached.\n")
    return {("notes.jpg", 1): "error"}, "not a readable image"


def png_named_pdf(folder: Path, pages) -> tuple[dict, str]:
    pages[1].save(folder / "disguised.pdf", format="PNG")
    return {("disguised.pdf", 1): "error"}, "not a readable PDF"


def truncated_png(folder: Path, pages) -> tuple[dict, str]:
    buf = io.BytesIO()
    pages[1].save(buf, format="PNG")
    (folder / "cut.png").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return {("cut.png", 1): "error"}, "cannot be decoded"


def truncated_jpeg(folder: Path, pages) -> tuple[dict, str]:
    buf = io.BytesIO()
    pages[1].save(buf, format="JPEG", quality=90, dpi=(DPI, DPI))
    (folder / "cut.jpg").write_bytes(buf.getvalue()[: len(buf.getvalue()) // 2])
    return {("cut.jpg", 1): "error"}, "cannot be decoded"


def encrypted_pdf(folder: Path, pages) -> tuple[dict, str]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(_pdf(pages[1:3])))
    writer = pypdf.PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    writer.encrypt("secret")
    with open(folder / "locked.pdf", "wb") as handle:
        writer.write(handle)
    return {("locked.pdf", 1): "error"}, "encrypted"


def zero_page_pdf(folder: Path, pages) -> tuple[dict, str]:
    import pypdf

    with open(folder / "nothing.pdf", "wb") as handle:
        pypdf.PdfWriter().write(handle)
    return {("nothing.pdf", 1): "error"}, "PDF"


def pixel_bomb(folder: Path, pages) -> tuple[dict, str]:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 60000, 60000, 8, 0, 0, 0, 0)  # 3.6 gigapixels declared, 1 KB of data
    data = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
            + chunk(b"IEND", b""))
    (folder / "bomb.png").write_bytes(data)
    return {("bomb.png", 1): "error"}, "too large"


def tiff_truncated(folder: Path, pages) -> tuple[dict, str]:
    data = _tiff(pages[1:4])
    third = _ifd_offsets(data)[2]
    (folder / "stack.tif").write_bytes(data[: third - 100])  # page 3's directory is past the end
    return {("stack.tif", 1): "read", ("stack.tif", 2): "error", ("stack.tif", 3): "error"}, "page 3 cannot be read"


def tiff_truncated_in_a_directory(folder: Path, pages) -> tuple[dict, str]:
    data = _tiff(pages[1:4])
    second = _ifd_offsets(data)[1]
    (folder / "stack.tif").write_bytes(data[: second + 30])  # cut inside page 2's directory
    return {("stack.tif", 1): "read", ("stack.tif", 2): "error"}, "page 2 cannot be read"


def tiff_directory_overwritten(folder: Path, pages) -> tuple[dict, str]:
    data = bytearray(_tiff(pages[1:4]))
    second = _ifd_offsets(bytes(data))[1]
    data[second: second + 200] = b"\xff" * 200
    (folder / "stack.tif").write_bytes(bytes(data))
    return ({("stack.tif", 1): "read", ("stack.tif", 2): "error", ("stack.tif", 3): "read"},
            "page 2 cannot be read: this page's directory is damaged")


def tiff_directory_zeroed(folder: Path, pages) -> tuple[dict, str]:
    data = bytearray(_tiff(pages[1:4]))
    second = _ifd_offsets(bytes(data))[1]
    data[second: second + 200] = b"\x00" * 200
    (folder / "stack.tif").write_bytes(bytes(data))
    return ({("stack.tif", 1): "read", ("stack.tif", 2): "error", ("stack.tif", 3): "read"},
            "page 2 cannot be read")


def tiff_directory_loop(folder: Path, pages) -> tuple[dict, str]:
    data = bytearray(_tiff(pages[1:3]))
    first, second = _ifd_offsets(bytes(data))
    (n,) = struct.unpack_from("<H", data, second)
    struct.pack_into("<I", data, second + 2 + 12 * n, first)  # page 2 says page 1 comes next
    (folder / "loop.tif").write_bytes(bytes(data))
    return {("loop.tif", 1): "read", ("loop.tif", 2): "read", ("loop.tif", 3): "error"}, "loops back"


def pdf_scan_image_zeroed(folder: Path, pages) -> tuple[dict, str]:
    data = bytearray(_pdf(pages[1:4]))
    start, length = _jpeg_streams(bytes(data))[1]
    data[start + length // 2: start + length] = b"\0" * (length - length // 2)  # the scan was cut short
    (folder / "scans.pdf").write_bytes(bytes(data))
    return ({("scans.pdf", 1): "read", ("scans.pdf", 2): "error", ("scans.pdf", 3): "read"},
            "page 2: the page's scanned image is damaged or cut short")


def pdf_scan_image_shortened(folder: Path, pages) -> tuple[dict, str]:
    data = _pdf(pages[1:4])
    start, length = _jpeg_streams(data)[1]
    cut = data[: start + length // 2] + data[start + length:]
    cut = cut.replace(b"/Length %d" % length, b"/Length %d" % (length // 2))
    (folder / "scans.pdf").write_bytes(cut)
    return ({("scans.pdf", 1): "read", ("scans.pdf", 2): "error", ("scans.pdf", 3): "read"},
            "cut short")


def pdf_poster_page(folder: Path, pages) -> tuple[dict, str]:
    import pypdf

    writer = pypdf.PdfWriter()
    writer.add_blank_page(72 * 100, 72 * 100)
    with open(folder / "poster.pdf", "wb") as handle:
        writer.write(handle)
    return {("poster.pdf", 1): "error"}, "too large to be a form page"


def unsupported_file_named(folder: Path, pages) -> tuple[dict, str]:
    (folder / "letter.docx").write_bytes(b"PK\x03\x04 not really")
    return {("letter.docx", 1): "error"}, "unsupported file type"


CASES: dict[str, Callable] = {f.__name__: f for f in (
    empty_file, text_named_jpg, png_named_pdf, truncated_png, truncated_jpeg, encrypted_pdf, zero_page_pdf,
    pixel_bomb, tiff_truncated, tiff_truncated_in_a_directory, tiff_directory_overwritten, tiff_directory_zeroed,
    tiff_directory_loop, pdf_scan_image_zeroed, pdf_scan_image_shortened, pdf_poster_page, unsupported_file_named,
)}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_reported_and_the_rest_is_read(case, batch: Batch, pages):
    # copies: Pillow keeps a save's settings on the image, and the next save of it would reuse them
    expected, message = CASES[case](batch.inputs, [p.copy() for p in pages])
    batch.snapshot()
    named = [batch.inputs / "good.png", *sorted({batch.inputs / name for name, _ in expected})]
    jsonl = batch.out / "r.jsonl"
    result = cli("scan", *named, "--jsonl", jsonl, "-q", "--workers", "1")
    text = assert_clean(result)
    assert result.returncode == 1, text  # some pages could not be read, the rest were
    assert message in text
    found = by_name(records(jsonl))
    assert found.pop(("good.png", 1)) == "read"
    for key, status in expected.items():
        assert found.pop(key, None) == status, (key, text)
    assert not found, f"pages nobody asked for: {found}"
    # every page not read is an error line in the summary
    errors = [k for k, s in expected.items() if s == "error"]
    assert f"{len(errors)} unreadable" in text
    batch.assert_inputs_unchanged()
    batch.assert_no_partial_output()


@pytest.mark.slow
def test_a_thousand_page_pdf_is_read_to_the_end(batch: Batch):
    """A huge page count, made cheaply: 1,000 tiny vector pages, each reported."""
    import pypdf

    writer = pypdf.PdfWriter()
    for _ in range(1000):
        writer.add_blank_page(36, 36)
    with open(batch.inputs / "huge.pdf", "wb") as handle:
        writer.write(handle)
    batch.snapshot()
    jsonl = batch.out / "r.jsonl"
    result = cli("scan", batch.inputs, "--jsonl", jsonl, "-q", "--workers", "2")
    text = assert_clean(result)
    assert result.returncode == 1
    recs = records(jsonl)
    assert len(recs) == 1001
    assert [r["page"] for r in recs if r["source"].endswith("huge.pdf")] == list(range(1, 1001))
    assert "1000 unreadable" in text and "too small to hold a form" in text
    assert "... and 980 more" in text  # the summary line stays readable; each page has its own line
    batch.assert_inputs_unchanged()
    batch.assert_no_partial_output()


def test_a_folder_that_cannot_be_listed_is_an_error(batch: Batch, pages, monkeypatch):
    """A subfolder whose listing fails (as permissions would for a user who is not root)."""
    import os

    sub = batch.inputs / "locked"
    sub.mkdir()
    pages[1].save(sub / "inside.png", dpi=(DPI, DPI))
    batch.snapshot()
    real = os.scandir

    def scandir(path="."):
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    jsonl = batch.out / "r.jsonl"
    result = CliRunner().invoke(main, ["scan", str(batch.inputs), "--jsonl", str(jsonl), "-q", "--workers", "1"])
    text = assert_clean(result)
    assert result.exit_code == 1, text
    assert "1 folder(s) not read" in text and "locked" in text and "Permission denied" in text
    assert by_name(records(jsonl)) == {("good.png", 1): "read"}
    monkeypatch.undo()  # the folder can be listed again, to check nothing in it changed
    batch.assert_inputs_unchanged()
    batch.assert_no_partial_output()


def test_nothing_readable_in_a_folder_that_cannot_be_listed(batch: Batch, monkeypatch):
    import os

    real = os.scandir
    locked = batch.root / "locked"
    locked.mkdir()

    def scandir(path="."):
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result = CliRunner().invoke(main, ["scan", str(locked), "-q"])
    assert_clean(result)
    assert result.exit_code == 3 and "folder cannot be read" in result.output


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os := __import__("os"), "geteuid") else True,
                    reason="root reads any folder: the listing failure is simulated above")
def test_a_folder_without_read_permission(batch: Batch, pages):
    sub = batch.inputs / "private"
    sub.mkdir()
    pages[1].save(sub / "inside.png", dpi=(DPI, DPI))
    batch.snapshot()
    sub.chmod(0)
    try:
        result = cli("scan", batch.inputs, "-q")
    finally:
        sub.chmod(0o755)
    assert result.returncode == 1 and "folder cannot be read" in result.stdout + result.stderr


def test_a_page_past_the_timeout_says_so(batch: Batch, pages, monkeypatch):
    """Not "internal error ... please report it": the page took too long, and says so."""
    import time

    from srs_scan.read import pipeline

    pages[1].save(batch.inputs / "slow.png", dpi=(DPI, DPI))
    batch.snapshot()
    real = pipeline._read

    def slow(page, opts):
        if page.source.endswith("slow.png"):
            time.sleep(60)  # cut short by the timeout
        return real(page, opts)

    monkeypatch.setattr(pipeline, "_read", slow)
    jsonl = batch.out / "r.jsonl"
    # 4 s: the good page (models loaded on first use) must stay inside it on a loaded machine
    result = CliRunner().invoke(main, ["scan", str(batch.inputs), "--jsonl", str(jsonl), "--timeout", "4",
                                       "--workers", "1", "-q"])
    text = assert_clean(result)
    assert result.exit_code == 1, text
    assert "took longer than 4 s" in text and "internal error" not in text
    assert by_name(records(jsonl)) == {("good.png", 1): "read", ("slow.png", 1): "error"}
    batch.assert_inputs_unchanged()
    batch.assert_no_partial_output()
