"""Stage 1: turn input paths into decoded page images.

Supported: PNG, JPEG (EXIF orientation honoured), TIFF (multi-page), BMP, WebP, HEIC/HEIF,
PDF (multi-page; rendered with PDFium at the native resolution of the scan image it
holds). Directories expand to the supported files inside them, in sorted order.

Input files are only ever opened for reading.
"""

from __future__ import annotations

import io
import os
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError

from ..exceptions import UnreadableInputError, UnsupportedFormatError
from ..model import PageImage

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".heic", ".heif"})
PDF_SUFFIXES = frozenset({".pdf"})
SUPPORTED_SUFFIXES = IMAGE_SUFFIXES | PDF_SUFFIXES

# A stated resolution outside this range is not a scanner's (phones write 72 dpi).
PLAUSIBLE_DPI = (100.0, 1200.0)
# PDF pages without a scan image (vector forms) are rendered at this resolution.
VECTOR_PDF_DPI = 300.0
PDF_DPI_RANGE = (150.0, 600.0)

MAX_PIXELS = 200_000_000  # 600 dpi A3 is ~70 MP; anything far larger is not a page
Image.MAX_IMAGE_PIXELS = MAX_PIXELS // 2  # Pillow warns past this and fails past twice it
MAX_PDF_PAGE_INCHES = 24.0  # a form page is A4/letter; a poster-sized page is refused

_heif_registered = False


@dataclass(frozen=True)
class PageFailure:
    """A page (or whole file) that could not be decoded, with the reason for the user."""

    source: str
    page: int
    reason: str


def _natural_key(path: Path) -> list[object]:
    """Sort "page2" before "page10", as a person would."""
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.as_posix())]


def expand_inputs(paths: Iterable[Path], problems: list[PageFailure] | None = None) -> list[Path]:
    """Expand folders to their supported files (recursively, in natural order).

    Hidden files (".name", such as macOS "._" copies) are skipped inside folders; a file
    named twice (directly or through a folder) is read once, where it first appears.
    A folder that cannot be listed (permissions, a disk error) is never skipped in
    silence: it is added to ``problems`` (page 0: a folder, not a page) with the reason.
    """
    out: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        found = _folder_files(path, problems) if path.is_dir() else [path]
        for p in found:
            key = p.resolve()
            if key not in seen:
                seen.add(key)
                out.append(p)
    return out


def _folder_files(folder: Path, problems: list[PageFailure] | None) -> list[Path]:
    found: list[Path] = []

    def unreadable(exc: OSError) -> None:
        where = exc.filename if exc.filename is not None else folder
        if problems is not None:
            problems.append(PageFailure(
                str(where), 0, f"the folder cannot be read ({exc.strerror or exc}): the files in it were not read"))

    for top, dirs, names in os.walk(folder, onerror=unreadable):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in names:
            p = Path(top) / name
            if not name.startswith(".") and p.suffix.lower() in SUPPORTED_SUFFIXES and p.is_file():
                found.append(p)
    return sorted(found, key=_natural_key)


def page_count(path: Path) -> int:
    """How many pages ``path`` has, without decoding them (1 when it cannot be told: reading
    the file then reports what is wrong with it).

    A TIFF's own list of pages (a chain of directories) is walked to its end; when the
    chain breaks (a truncated file, a directory overwritten) the rest of the file is
    searched for the directories of later pages, and the break itself counts as a page,
    so a page that cannot be read is reported, never dropped.
    """
    try:
        if path.suffix.lower() in PDF_SUFFIXES:
            import pypdfium2 as pdfium

            pdf = pdfium.PdfDocument(str(path))
            try:
                return max(1, len(pdf))
            finally:
                pdf.close()
        if path.suffix.lower() in IMAGE_SUFFIXES:
            with path.open("rb") as handle:
                if handle.read(4) not in (b"II*\x00", b"MM\x00*"):
                    return 1
            pages = tiff_pages(path.read_bytes())
            if pages is not None:
                return max(1, len(pages))
            with Image.open(path) as img:
                return max(1, int(getattr(img, "n_frames", 1)))
    except Exception:  # noqa: BLE001 - the read will say what is wrong
        return 1
    return 1


@dataclass(frozen=True)
class TiffPage:
    """One page of a TIFF as its directories say: where its directory starts, or why
    it cannot be read (``offset`` None: the chain of directories broke here)."""

    offset: int | None
    reason: str = ""


_TIFF_TYPES = range(1, 19)  # the field types a directory entry may have
_TIFF_MAX_ENTRIES = 1000


def _tiff_directory(data: bytes, offset: int, order: str) -> int | None:
    """The next directory's offset if a plausible directory starts at ``offset`` (0: last),
    else None."""
    import struct

    if offset < 8 or offset % 2 or offset + 2 > len(data):
        return None
    (n,) = struct.unpack_from(order + "H", data, offset)
    end = offset + 2 + 12 * n
    if not 1 <= n <= _TIFF_MAX_ENTRIES or end + 4 > len(data):
        return None
    tags = []
    for k in range(n):
        tag, kind = struct.unpack_from(order + "HH", data, offset + 2 + 12 * k)
        if kind not in _TIFF_TYPES:
            return None
        tags.append(tag)
    if 256 not in tags or 257 not in tags:  # ImageWidth, ImageLength: every page has them
        return None
    (following,) = struct.unpack_from(order + "I", data, end)
    return following


def _tiff_chain(data: bytes, first: int, order: str, seen: set[int], *,
                merge: bool = False) -> tuple[list[int], str | None]:
    """The directories from ``first`` on, and why the chain broke (None: it ended well).
    ``merge``: a chain found after a break may end in directories already listed."""
    found: list[int] = []
    offset = first
    while offset:
        if offset in seen:
            return found, None if merge else "the file's list of pages loops back on itself"
        if offset + 2 > len(data):
            return found, "the file ends before this page's directory (truncated?)"
        following = _tiff_directory(data, offset, order)
        if following is None:
            return found, "this page's directory is damaged or cut short"
        seen.add(offset)
        found.append(offset)
        offset = following
    return found, None


def tiff_pages(data: bytes) -> list[TiffPage] | None:
    """The pages of a classic TIFF, read from its directories to the end of the file
    (None: not a classic TIFF; Pillow is asked instead).

    When the chain of directories breaks, the rest of the file is searched for page
    directories (an ImageWidth entry, checked as a whole directory), so pages after a
    damaged one are still read; each break is a page of its own, reported as damaged.
    """
    import struct

    if data[:4] == b"II*\x00":
        order = "<"
    elif data[:4] == b"MM\x00*":
        order = ">"
    else:
        return None
    (first,) = struct.unpack_from(order + "I", data, 4)
    seen: set[int] = set()
    found, broken = _tiff_chain(data, first, order, seen)
    pages = [TiffPage(off) for off in found]
    while broken is not None:
        pages.append(TiffPage(None, broken))
        later = [off for off in _tiff_directory_candidates(data, order) if off not in seen]
        if not later:
            break
        found, broken = _tiff_chain(data, later[0], order, seen, merge=True)
        pages.extend(TiffPage(off) for off in found)
    return pages


def _tiff_directory_candidates(data: bytes, order: str) -> list[int]:
    """Offsets where a page directory may start: found by its ImageWidth entry (tag 256,
    SHORT or LONG, one value), then checked as a whole directory; in file order."""
    import struct

    out: set[int] = set()
    for kind in (3, 4):
        needle = struct.pack(order + "HHI", 256, kind, 1)
        at = data.find(needle)
        while at != -1:
            for before in range(0, 4):  # NewSubfileType (254) and SubfileType (255) may come first
                start = at - 2 - 12 * before
                if start >= 8 and _tiff_directory(data, start, order) is not None:
                    (n,) = struct.unpack_from(order + "H", data, start)
                    if n > before:
                        out.add(start)
            at = data.find(needle, at + 1)
    return sorted(out)


def iter_pages(path: Path, source: str | None = None, *, only: int | None = None) -> Iterator[PageImage | PageFailure]:
    """Yield every page of one file, or a :class:`PageFailure` for what cannot be read.

    A failure of one page of a multi-page file does not stop the others. ``only``: just
    that page (1-based), for a worker that reads one page of a large file.
    """
    name = source if source is not None else str(path)
    try:
        suffix = path.suffix.lower()
        if suffix in PDF_SUFFIXES:
            yield from _iter_pdf(path, name, only)
        elif suffix in IMAGE_SUFFIXES or suffix == "":
            yield from _iter_image(path, name, only)
        else:
            raise UnsupportedFormatError(
                f"unsupported file type '{path.suffix}' (supported: "
                f"{', '.join(sorted(s.lstrip('.') for s in SUPPORTED_SUFFIXES))})"
            )
    except UnreadableInputError as exc:
        yield PageFailure(name, 1, str(exc))
    except OSError as exc:
        yield PageFailure(name, 1, f"cannot read the file: {exc.strerror or exc}")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        yield PageFailure(name, 1, "the image is too large to be a scanned page")
    except Exception as exc:  # noqa: BLE001 - a damaged file must not stop the batch
        yield PageFailure(name, 1, f"the file is damaged or not supported ({type(exc).__name__})")


def _plausible_dpi(value: object) -> float | None:
    try:
        if isinstance(value, tuple):
            value = value[0]
        dpi = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    lo, hi = PLAUSIBLE_DPI
    return dpi if lo <= dpi <= hi else None


def _to_array(img: Image.Image) -> np.ndarray:
    """Pillow image of any mode -> uint8 gray (M, N) or BGR (M, N, 3), alpha over white."""
    if img.mode in ("1", "L"):
        return np.asarray(img.convert("L"), dtype=np.uint8)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img, dtype=np.float64)
        top = max(float(arr.max()), 1.0)
        return np.clip(arr * (255.0 / (65535.0 if top > 255 else 255.0)), 0, 255).astype(np.uint8)
    if img.mode in ("LA", "RGBA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(white, rgba)
    rgb = np.asarray(img.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def _open_image(path: Path) -> tuple[bytes, Image.Image]:
    """The file's bytes and Pillow's (lazy) view of them; only the header is read yet."""
    global _heif_registered
    if path.suffix.lower() in (".heic", ".heif") and not _heif_registered:
        try:
            from pillow_heif import register_heif_opener

            register_heif_opener()
            _heif_registered = True
        except ImportError as exc:  # pragma: no cover - dependency is declared
            raise UnreadableInputError("HEIC support needs the pillow-heif package") from exc
    data = path.read_bytes()
    if not data:
        raise UnreadableInputError("the file is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise UnreadableInputError(
            "not a readable image (the file may be damaged or not what its name says)"
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UnreadableInputError("the image is too large to be a scanned page") from exc
    if img.size[0] * img.size[1] > MAX_PIXELS:
        raise UnreadableInputError("the image is too large to be a scanned page")
    return data, img


# EXIF orientation -> (quarter turns counter-clockwise for np.rot90, flip left-right first)
_EXIF_TURNS = {1: (0, False), 2: (0, True), 3: (2, False), 4: (2, True),
               5: (3, True), 6: (3, False), 7: (1, True), 8: (1, False)}
_FAST_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp"})


def _fast_decode(data: bytes, header: Image.Image, name: str) -> PageImage | None:
    """Single-image formats decoded by OpenCV (several times faster than Pillow).

    Pillow has read the header: resolution, EXIF orientation and camera tags.
    Returns None when the file needs Pillow (palette, 16-bit, alpha, anything odd).
    """
    if header.mode not in ("L", "RGB", "1") or getattr(header, "n_frames", 1) > 1:
        return None
    # a PNG keeps EXIF after the pixels: asking for it would decode the image twice
    exif = header.getexif() if header.format != "PNG" else Image.Exif()
    dpi = _plausible_dpi(header.info.get("dpi"))
    if exif.get(0x010F) or exif.get(0x0110):  # camera Make/Model: a photo, dpi meaningless
        dpi = None
    flags = cv2.IMREAD_IGNORE_ORIENTATION | (
        cv2.IMREAD_GRAYSCALE if header.mode in ("L", "1") else cv2.IMREAD_COLOR
    )
    array = cv2.imdecode(np.frombuffer(data, np.uint8), flags)
    if array is None:
        return None
    turns, mirror = _EXIF_TURNS.get(int(exif.get(0x0112, 1) or 1), (0, False))
    if mirror:
        array = array[:, ::-1]
    if turns:
        array = np.rot90(array, turns)
    array = np.ascontiguousarray(array)
    if min(array.shape[:2]) < 64:
        raise UnreadableInputError("the image is too small to hold a form")
    return PageImage(name, 1, array, dpi)


def _iter_image(path: Path, name: str, only: int | None = None) -> Iterator[PageImage | PageFailure]:
    data, img = _open_image(path)
    if path.suffix.lower() in _FAST_SUFFIXES:
        page = _fast_decode(data, img, name)
        if page is not None:
            if only in (None, 1):
                yield page
            return
    if img.format == "TIFF":
        tiff = tiff_pages(data)
        if tiff is not None:
            yield from _iter_tiff(data, img, tiff, name, only)
            return
    damaged = False
    try:
        count = int(getattr(img, "n_frames", 1))
    except Exception:  # noqa: BLE001 - a broken page directory: read what can be read
        count, damaged = 1, True
    frames = ImageSequence.Iterator(img) if count > 1 else [img]
    for number, frame in enumerate(frames, 1):
        if only is not None and number != only:
            continue  # another worker's page: its pixels are never decoded here
        yield _decode_frame(frame, name, number)
    if damaged and only in (None, 2):
        yield PageFailure(
            name, 2, "the file's list of pages is damaged (truncated?): pages after the first could not be read"
        )


def _iter_tiff(data: bytes, img: Image.Image, pages: list[TiffPage], name: str,
               only: int | None) -> Iterator[PageImage | PageFailure]:
    """The pages of a TIFF as :func:`tiff_pages` found them: each page's directory is
    read on its own, so a break in the chain loses only the page it damaged."""
    import struct

    order = "<" if data[:2] == b"II" else ">"
    first_break = next((i for i, p in enumerate(pages) if p.offset is None), len(pages))
    for number, tp in enumerate(pages, 1):
        if only is not None and number != only:
            continue  # another worker's page: its pixels are never decoded here
        if tp.offset is None:
            yield PageFailure(name, number, f"page {number} cannot be read: {tp.reason}")
            continue
        try:
            if number - 1 < first_break:  # reached through the file's own chain of pages
                img.seek(number - 1)
                frame = img
            else:  # found after a break: read as the first page of a file that starts there
                patched = data[:4] + struct.pack(order + "I", tp.offset) + data[8:]
                frame = Image.open(io.BytesIO(patched))
        except Exception as exc:  # noqa: BLE001 - one damaged page must not stop the others
            why = "the file is incomplete or damaged" if isinstance(exc, (OSError, EOFError)) else type(exc).__name__
            yield PageFailure(name, number, f"page {number} cannot be decoded ({why})")
            continue
        yield _decode_frame(frame, name, number)


def _decode_frame(frame: Image.Image, name: str, number: int) -> PageImage | PageFailure:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # e.g. "Corrupt EXIF data": not ours to show
            if frame.size[0] * frame.size[1] > MAX_PIXELS:
                return PageFailure(name, number, f"page {number}: the image is too large to be a scanned page")
            dpi = _plausible_dpi(frame.info.get("dpi"))
            exif = frame.getexif()
            if exif.get(0x010F) or exif.get(0x0110):  # camera Make/Model: a photo, dpi meaningless
                dpi = None
            upright = ImageOps.exif_transpose(frame)
            array = _to_array(upright if upright is not None else frame)
    except Exception as exc:  # noqa: BLE001 - one damaged page must not stop the others
        why = "the file is incomplete or damaged" if isinstance(exc, OSError) else type(exc).__name__
        return PageFailure(name, number, f"page {number} cannot be decoded ({why})")
    if array.size == 0 or min(array.shape[:2]) < 64:
        return PageFailure(name, number, "the image is too small to hold a form")
    return PageImage(name, number, array, dpi)


def _iter_pdf(path: Path, name: str, only: int | None = None) -> Iterator[PageImage | PageFailure]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    if path.stat().st_size == 0:
        raise UnreadableInputError("the file is empty")
    try:
        pdf = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise UnreadableInputError("the PDF is encrypted: save an unprotected copy") from exc
        raise UnreadableInputError("not a readable PDF (the file may be damaged or incomplete)") from exc
    try:
        for index in range(len(pdf)) if only is None else [only - 1]:
            number = index + 1
            try:
                page = pdf[index]
                width_pt, height_pt = page.get_size()
                if max(width_pt, height_pt) / 72.0 > MAX_PDF_PAGE_INCHES:
                    yield PageFailure(
                        name, number,
                        f"page {number} is {width_pt / 72:.0f} x {height_pt / 72:.0f} inches: "
                        "too large to be a form page",
                    )
                    continue
                scan_image = _scan_image(page, pdfium_c)
                if scan_image is not None:
                    array, dpi = scan_image
                else:
                    if _has_damaged_image(page, pdfium_c):
                        raise UnreadableInputError(_DAMAGED_SCAN)
                    dpi = _native_pdf_dpi(page, pdfium_c)
                    bitmap = page.render(scale=dpi / 72.0, grayscale=True, draw_annots=False)
                    array = np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
                    if array.ndim == 3:
                        array = array[:, :, 0]
            except UnreadableInputError as exc:
                yield PageFailure(name, number, f"page {number}: {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - one damaged page must not stop the others
                yield PageFailure(name, number, f"page {number} cannot be rendered ({type(exc).__name__})")
                continue
            yield PageImage(name, number, array, dpi)
    finally:
        pdf.close()


def _scan_image(page: Any, pdfium_c: Any) -> tuple[np.ndarray, float] | None:
    """The page's scan image itself, when the page is nothing but that image.

    A sheet-fed scanner's PDF page is one image placed upright over the whole page
    (perhaps with an invisible OCR text layer). Taking its pixels directly is several
    times faster than rendering the page and exact at the scan's own resolution. Any
    other page (rotated, several images, vector drawing, stamps) is rendered instead.
    """
    try:
        if page.get_rotation() % 360:
            return None
        objects = list(page.get_objects(max_depth=1))
        images = [o for o in objects if o.type == pdfium_c.FPDF_PAGEOBJ_IMAGE]
        others = [o for o in objects if o.type not in (pdfium_c.FPDF_PAGEOBJ_IMAGE, pdfium_c.FPDF_PAGEOBJ_TEXT)]
        if len(images) != 1 or others:
            return None
        image = images[0]
        m = image.get_matrix()
        if abs(m.b) > 1e-6 or abs(m.c) > 1e-6 or m.a <= 0 or m.d <= 0:
            return None  # turned or mirrored in placement
        width_pt, height_pt = page.get_size()
        if m.a * m.d < 0.9 * width_pt * height_pt:
            return None  # the image does not cover the page
    except Exception:  # noqa: BLE001 - any surprise: render the page instead
        return None
    # the page is a scan whose image cannot be decoded whole: rendering it would give a
    # blank or half page, and a form on it would be reported as "no form"
    if _image_cut_short(image):
        raise UnreadableInputError(_DAMAGED_SCAN)
    try:
        array = image.get_bitmap(render=False).to_numpy()
    except Exception as exc:  # noqa: BLE001
        raise UnreadableInputError(_DAMAGED_SCAN) from exc
    if array.dtype != np.uint8 or array.ndim not in (2, 3):
        return None
    if array.ndim == 3:
        # a colour scan stays in colour (BGR), as a colour PNG or JPEG does: print is found by
        # its contrast in every channel (light blue print is dark in red), not by its luma
        array = array[:, :, :3] if array.shape[2] >= 3 else array[:, :, 0]
    dpi = array.shape[1] / (m.a / 72.0)
    lo, hi = PLAUSIBLE_DPI
    if not lo <= dpi <= hi:
        return None
    return np.ascontiguousarray(array), float(dpi)


_DAMAGED_SCAN = "the page's scanned image is damaged or cut short and cannot be decoded whole"


def _image_cut_short(image: Any) -> bool:
    """Whether a PDF image's data ends before the image does (a scan cut short, which
    PDFium would decode as a page with its lower part blank or gray).

    JPEG data must end with its end-of-image marker; data under simple filters
    (Flate, LZW, ...) must hold every row. Other codecs are left to the decoder."""
    try:
        filters = [str(f) for f in image.get_filters()]
        if filters and filters[-1] in ("DCTDecode", "DCT"):
            data = bytes(image.get_data(decode_simple=True))
            return not data.rstrip(b"\x00\r\n\t ").endswith(b"\xff\xd9")
        if all(f in _SIMPLE_FILTERS for f in filters):
            meta = image.get_metadata()
            row = (int(meta.width) * int(meta.bits_per_pixel) + 7) // 8
            if row <= 0 or meta.height <= 0:
                return False
            return len(image.get_data(decode_simple=True)) < row * int(meta.height)
    except Exception:  # noqa: BLE001 - no verdict: the decoder has the last word
        return False
    return False


_SIMPLE_FILTERS = frozenset({"FlateDecode", "Fl", "LZWDecode", "LZW", "ASCIIHexDecode", "AHx", "ASCII85Decode",
                             "A85", "RunLengthDecode", "RL"})


def _has_damaged_image(page: Any, pdfium_c: Any) -> bool:
    """Whether an image on the page (one being rendered) is cut short."""
    try:
        objects = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2)
        return any(_image_cut_short(obj) for obj in objects)
    except Exception:  # noqa: BLE001
        return False


def _native_pdf_dpi(page: object, pdfium_c: object) -> float:
    """Resolution of the largest image on the page (a scanner's page image), else 300."""
    best_area = 0.0
    best_dpi = VECTOR_PDF_DPI
    try:
        objects = page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2)  # type: ignore[attr-defined]
        for obj in objects:
            width_px, height_px = obj.get_px_size()
            left, bottom, right, top = obj.get_bounds()
            width_in = abs(right - left) / 72.0
            height_in = abs(top - bottom) / 72.0
            if width_in <= 0 or height_in <= 0:
                continue
            area = width_in * height_in
            if area > best_area:
                best_area = area
                best_dpi = max(width_px / width_in, height_px / height_in)
    except Exception:  # noqa: BLE001 - metadata is a hint only; fall back to 300 dpi
        return VECTOR_PDF_DPI
    lo, hi = PDF_DPI_RANGE
    return float(min(max(best_dpi, lo), hi))
