"""Decoding inputs: every format, page numbering, resolution, EXIF, and bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from srs_scan.model import PageImage
from srs_scan.read.decode import PageFailure, expand_inputs, iter_pages


def _pattern(w: int = 300, h: int = 200) -> np.ndarray:
    img = np.full((h, w), 255, np.uint8)
    img[20:40, 30:90] = 0  # a block near the top-left corner, to check orientation
    return img


def _pages(path: Path) -> list[PageImage | PageFailure]:
    return list(iter_pages(path))


def test_png_with_resolution(tmp_path):
    path = tmp_path / "a.png"
    Image.fromarray(_pattern()).save(path, dpi=(300, 300))
    (page,) = _pages(path)
    assert isinstance(page, PageImage)
    assert page.dpi == pytest.approx(300, abs=0.5)
    assert page.page == 1 and page.source == str(path)
    assert page.image.shape == (200, 300)


def test_jpeg_exif_orientation_is_honoured(tmp_path):
    path = tmp_path / "photo.jpg"
    stored = np.rot90(np.stack([_pattern()] * 3, axis=2), 1)  # pixels turned 90 deg counter-clockwise
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to display"
    exif[0x010F] = "PhoneMaker"
    Image.fromarray(np.ascontiguousarray(stored)).save(path, exif=exif, quality=95, dpi=(72, 72))
    (page,) = _pages(path)
    assert isinstance(page, PageImage)
    assert page.image.shape[:2] == (200, 300)  # upright again
    block = page.image[20:40, 30:90].mean()
    assert block < 60  # the block is back at the top-left
    assert page.dpi is None  # a camera's 72 dpi says nothing about the paper


def test_multipage_tiff_pages_in_order(tmp_path):
    path = tmp_path / "stack.tif"
    frames = [Image.fromarray(np.full((120, 100), v, np.uint8)) for v in (10, 128, 250)]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(200, 200))
    pages = _pages(path)
    assert [p.page for p in pages] == [1, 2, 3]
    assert [int(p.image.mean()) for p in pages] == [10, 128, 250]
    assert all(p.dpi == pytest.approx(200) for p in pages)


def test_bitonal_tiff_becomes_gray(tmp_path):
    path = tmp_path / "fax.tif"
    Image.fromarray(_pattern()).convert("1").save(path, compression="group4", dpi=(200, 200))
    (page,) = _pages(path)
    assert page.image.dtype == np.uint8 and set(np.unique(page.image)) <= {0, 255}


def test_pdf_pages_rendered_at_the_scan_resolution(tmp_path):
    path = tmp_path / "scan.pdf"
    frames = [Image.fromarray(_pattern(400, 600)), Image.fromarray(np.full((600, 400), 90, np.uint8))]
    frames[0].save(path, save_all=True, append_images=frames[1:], resolution=200.0)
    pages = _pages(path)
    assert [p.page for p in pages] == [1, 2]
    assert pages[0].dpi == pytest.approx(200, rel=0.01)
    assert pages[0].image.shape == pytest.approx((600, 400), abs=2)
    assert abs(int(pages[1].image.mean()) - 90) <= 3


def test_heic_photo(tmp_path):
    pillow_heif = pytest.importorskip("pillow_heif")
    path = tmp_path / "photo.heic"
    rgb = np.stack([_pattern()] * 3, axis=2)
    heif = pillow_heif.from_pillow(Image.fromarray(rgb))
    heif.save(path, quality=90)
    (page,) = _pages(path)
    assert isinstance(page, PageImage)
    assert page.image.shape[:2] == (200, 300)


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("empty.png", b"", "empty"),
        ("notes.jpg", b"this is a text file, not a photo", "not a readable image"),
        ("broken.pdf", b"%PDF-1.4 garbage", "not a readable PDF"),
        ("data.xyz", b"123", "unsupported file type"),
    ],
)
def test_bad_files_become_failures_with_reasons(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    (failure,) = _pages(path)
    assert isinstance(failure, PageFailure)
    assert message in failure.reason
    assert path.read_bytes() == content  # never modified


def test_folder_expands_to_supported_files_sorted(tmp_path):
    for name in ("b.png", "a.pdf", "notes.txt", "sub/c.jpg"):
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")
    files = expand_inputs([tmp_path])
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.pdf", "b.png", "sub/c.jpg"]
