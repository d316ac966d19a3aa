"""Read a few lines of printed text to tell SRS from ORS and to confirm orientation.

The OCR engine is the PP-OCR text-line recogniser (and the 0/180 degree line
classifier) shipped as ONNX files inside the ``rapidocr`` wheel, run with
``onnxruntime`` on one CPU thread. Nothing is downloaded: the model files are found
inside the installed ``rapidocr`` package (which is located, not imported, so none of
its configuration, logging or model-download code runs). When either package or a
model file is missing, :func:`available` returns False and the callers degrade
gracefully.

The PP-OCR text *detector* costs 70-700 ms a page on one core, far over budget, so
text lines are found here with plain image morphology (background normalisation,
Otsu threshold, removal of long rules, a horizontal smear and connected
components); only the most prominent few lines (largest text first, within a
width budget) go to the recogniser, whose cost is about 0.055 ms per column of a
48 px high line.

Privacy: forms carry health information. Nothing in this module prints or logs
recognised text, and callers must not either.
"""

from __future__ import annotations

import difflib
import importlib.util
import math
import os
import re
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from .ink import shrink
from .regions import components

# onnxruntime keeps a usage-event store in the user's home unless told not to; a
# clinical tool records nothing about its use. Must be set before the import.
os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

__all__ = ["TextLine", "available", "read_text", "classify_form", "upright_score"]

_REC_HEIGHT = 48  # input height of the PP-OCR recogniser
_CLS_HEIGHT = 48
_CLS_WIDTH = 192  # input width of the PP-OCR 0/180 classifier
# Lines are squeezed horizontally before recognition: the cost is linear in width,
# and at 0.7 the character accuracy on rendered form text is unchanged (0.97).
_SQUEEZE = 0.7
_REC_MODEL_PREFERENCE = ("PP-OCRv6_rec_small", "PP-OCRv5_rec_mobile", "PP-OCRv4_rec")


@dataclass(frozen=True)
class TextLine:
    """One recognised line of text.

    Attributes
    ----------
    text : str
        The recognised characters (may contain OCR errors). Health information:
        never log it.
    box : tuple of float
        ``(x0, y0, x1, y1)`` of the line, in pixels of the image passed to
        :func:`read_text`.
    confidence : float
        Mean per-character probability of the recogniser, 0..1.
    head : str
        When the line as a whole was read less surely than ``HEAD_CONFIDENCE``: its
        beginning up to the first word read less surely than that (:func:`sure_head`; ""
        if none). A bold label with a smaller description after it, found as one line,
        is often read surely up to where the description starts.
    """

    text: str
    box: tuple[float, float, float, float]
    confidence: float
    head: str = ""


HEAD_CONFIDENCE = 0.8  # a line read less surely than this keeps its beginning read this surely...
HEAD_MIN_LETTERS = 4  # ...when that holds this many letters


def sure_head(chars: Sequence[str], probs: Sequence[float] | np.ndarray) -> str:
    """The beginning of a reading (its characters and their probabilities) up to the first
    word read less surely than ``HEAD_CONFIDENCE`` (its characters' mean probability), when
    it holds ``HEAD_MIN_LETTERS`` letters; "" otherwise. Whole words only: a badly read
    word after it cannot ride on the good ones' mean."""
    p = np.asarray(probs, dtype=np.float64)
    end = 0  # the head is chars[:end]
    i = 0
    while i < len(chars):
        if chars[i] == " ":
            i += 1
            continue
        j = i
        while j < len(chars) and chars[j] != " ":
            j += 1
        if float(p[i:j].mean()) < HEAD_CONFIDENCE:
            break
        end = i = j
    head = "".join(chars[:end])
    return head if sum(c.isalpha() for c in head) >= HEAD_MIN_LETTERS else ""


# --------------------------------------------------------------------------- engine


class _Engine:
    """The ONNX recogniser and orientation classifier, with CTC decoding."""

    def __init__(self, model_dir: Path) -> None:
        import onnxruntime as ort

        rec_path = _pick_model(model_dir, "rec", _REC_MODEL_PREFERENCE)
        cls_path = _pick_model(model_dir, "cls", ())
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        opts.log_severity_level = 3  # errors only; onnxruntime never sees our text
        opts.enable_cpu_mem_arena = False
        providers = ["CPUExecutionProvider"]
        self.rec = ort.InferenceSession(str(rec_path), sess_options=opts, providers=providers)
        self.cls = ort.InferenceSession(str(cls_path), sess_options=opts, providers=providers)
        meta = self.rec.get_modelmeta().custom_metadata_map
        if "character" not in meta:
            raise RuntimeError("recogniser model carries no character list")
        self.chars = ["", *meta["character"].splitlines(), " "]
        self.rec_input = self.rec.get_inputs()[0].name
        self.cls_input = self.cls.get_inputs()[0].name
        self.lock = threading.Lock()

    def recognise(self, line: np.ndarray) -> tuple[str, float, str]:
        """Read one text line (gray uint8, any size) and return (text, confidence, sure
        head: see :attr:`TextLine.head`)."""
        x = _normalise(_resize_to_height(line, _REC_HEIGHT, squeeze=_SQUEEZE))
        with self.lock:
            probs = self.rec.run(None, {self.rec_input: x})[0][0]
        idx = probs.argmax(axis=1)
        best = probs[np.arange(len(idx)), idx]
        keep = np.ones(len(idx), dtype=bool)
        keep[1:] = idx[1:] != idx[:-1]
        keep &= idx != 0
        if not keep.any():
            return "", 0.0, ""
        n = len(self.chars)
        chars = [self.chars[i] if i < n else "" for i in idx[keep]]
        probs_kept = best[keep]
        confidence = float(probs_kept.mean())
        return "".join(chars), confidence, sure_head(chars, probs_kept) if confidence < HEAD_CONFIDENCE else ""

    def upright_probability(self, chunks: Sequence[np.ndarray]) -> np.ndarray:
        """Probability that each text-line chunk (gray uint8) is upright (0 degrees)."""
        if not chunks:
            return np.zeros(0, dtype=np.float32)
        batch = np.zeros((len(chunks), 3, _CLS_HEIGHT, _CLS_WIDTH), dtype=np.float32)
        for i, chunk in enumerate(chunks):
            x = _normalise(_resize_to_height(chunk, _CLS_HEIGHT, max_width=_CLS_WIDTH))
            batch[i, :, :, : x.shape[3]] = x[0]
        with self.lock:
            out = self.cls.run(None, {self.cls_input: batch})[0]
        return np.asarray(out[:, 0], dtype=np.float32)


_engine: _Engine | None = None
_engine_error: bool = False
_engine_lock = threading.Lock()


def _model_dir() -> Path | None:
    """Directory of the ONNX files inside the installed rapidocr package, or None."""
    try:
        spec = importlib.util.find_spec("rapidocr")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "models"
        if candidate.is_dir():
            return candidate
    return None


def _pick_model(model_dir: Path, task: str, preference: Sequence[str]) -> Path:
    files = sorted(p for p in model_dir.glob("*.onnx") if f"_{task}" in p.name)
    for name in preference:
        for p in files:
            if p.name.startswith(name):
                return p
    if not files:
        raise FileNotFoundError(f"no {task} model in the rapidocr package")
    return files[0]


def _get_engine() -> _Engine | None:
    global _engine, _engine_error
    if _engine is not None or _engine_error:
        return _engine
    with _engine_lock:
        if _engine is None and not _engine_error:
            model_dir = _model_dir()
            try:
                if model_dir is None:
                    raise FileNotFoundError("rapidocr is not installed")
                _engine = _Engine(model_dir)
            except Exception:  # noqa: BLE001 - any failure means "no OCR", never a crash
                _engine_error = True
    return _engine


def available() -> bool:
    """Tell whether the OCR engine can be loaded.

    Returns
    -------
    bool
        True when ``onnxruntime`` imports and the recogniser and orientation models
        shipped in the ``rapidocr`` wheel load. The first call loads them (about
        0.1 s); the result is cached for the process.
    """
    return _get_engine() is not None


# --------------------------------------------------------------------- image helpers


def _resize_to_height(
    img: np.ndarray, height: int, max_width: int | None = None, squeeze: float = 1.0
) -> np.ndarray:
    h, w = img.shape[:2]
    width = max(8, int(math.ceil(w * squeeze * height / max(h, 1))))
    if max_width is not None:
        width = min(width, max_width)
    interp = cv2.INTER_AREA if h > height else cv2.INTER_LINEAR
    return cv2.resize(img, (width, height), interpolation=interp)


def _normalise(line: np.ndarray) -> np.ndarray:
    """Gray uint8 line -> (1, 3, H, W) float32 in [-1, 1], contrast stretched."""
    f = line.astype(np.float32)
    lo, hi = np.percentile(f, (2.0, 98.0))
    if hi - lo >= 24.0:
        f = (f - lo) * (255.0 / (hi - lo))
        np.clip(f, 0.0, 255.0, out=f)
    f = f * (2.0 / 255.0) - 1.0
    return np.ascontiguousarray(np.broadcast_to(f, (1, 3, *f.shape)), dtype=np.float32)


@dataclass(frozen=True)
class _Box:
    x0: int
    y0: int
    x1: int
    y1: int
    size: float  # height of the band holding the central 80% of the line's ink, px

    @property
    def h(self) -> int:
        return self.y1 - self.y0

    @property
    def w(self) -> int:
        return self.x1 - self.x0


def _find_lines(
    gray: np.ndarray, max_height: int, max_width: int = 1000
) -> tuple[list[_Box], float]:
    """Find text-line boxes with morphology.

    Returns the boxes in pixels of ``gray`` and the median character height (px).
    The last result is cached (keyed on the image bytes), so that :func:`read_text`
    and :func:`upright_score` on the same image segment it once.
    """
    H, W = gray.shape
    key = (H, W, max_height, max_width, zlib.crc32(gray.data))
    cached = _seg_cache.get(key)
    if cached is not None:
        return cached
    result = _find_lines_uncached(gray, max_height, max_width)
    _seg_cache.clear()
    _seg_cache[key] = result
    return result


_seg_cache: dict[tuple[int, ...], tuple[list[_Box], float]] = {}


def _find_lines_uncached(
    gray: np.ndarray, max_height: int, max_width: int
) -> tuple[list[_Box], float]:
    H, W = gray.shape
    scale = min(1.0, max_height / H, max_width / W) if H > 0 and W > 0 else 1.0
    work = gray
    if scale < 1.0:
        work = shrink(gray, (max(1, round(W * scale)), max(1, round(H * scale))))
    h, w = work.shape
    if h < 8 or w < 8:
        return [], 0.0
    # Background (paper) estimate: max filter at low resolution, so shading from
    # phone photos does not defeat the global threshold.
    f = 8
    small = shrink(work, (max(1, w // f), max(1, h // f)))
    small = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, (7, 7)))
    bg = cv2.resize(cv2.blur(small, (5, 5)), (w, h), interpolation=cv2.INTER_LINEAR)
    norm = cv2.divide(work, np.maximum(bg, 1), scale=255)
    thr, ink = cv2.threshold(norm, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    if thr > 235:  # blank page: Otsu splits paper noise
        return [], 0.0
    n, _, stats, _ = components(ink)
    ch = stats[1:, cv2.CC_STAT_HEIGHT]
    cw = stats[1:, cv2.CC_STAT_WIDTH]
    glyph = (ch >= 4) & (ch <= 0.9 * h) & (cw <= 3 * ch) & (stats[1:, cv2.CC_STAT_AREA] >= 6)
    if glyph.sum() < 3:
        return [], 0.0
    char_h = float(np.median(ch[glyph]))
    # Remove long horizontal / vertical rules (scale lines, underscores, frames).
    long_h = max(25, w // 20, round(5 * char_h))
    long_v = max(25, h // 15, round(5 * char_h))
    rules = cv2.bitwise_or(
        cv2.morphologyEx(
            ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (long_h, 1))
        ),
        cv2.morphologyEx(
            ink, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, long_v))
        ),
    )
    ink = cv2.bitwise_and(ink, cv2.bitwise_not(cv2.dilate(rules, np.ones((3, 3), np.uint8))))
    # Drop specks and giant blobs (logos, photos), then smear glyphs into lines.
    n, labels, stats, _ = components(ink)
    ch = stats[1:, cv2.CC_STAT_HEIGHT]
    area = stats[1:, cv2.CC_STAT_AREA]
    drop = np.flatnonzero((ch > 8 * char_h) | (area < max(3.0, 0.02 * char_h * char_h))) + 1
    if drop.size:
        ink[np.isin(labels, drop)] = 0
    gap = max(3, round(1.1 * char_h))
    vgap = max(1, round(0.2 * char_h))
    smear = cv2.morphologyEx(
        ink, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, vgap))
    )
    n, _, stats, _ = components(smear)
    pieces = stats[1:, :4].astype(np.float64)
    pieces = pieces[(pieces[:, 3] >= 0.6 * char_h) & (pieces[:, 3] <= 6 * char_h)]
    boxes: list[_Box] = []
    inv = 1.0 / scale
    for x, y, bw, bh in _merge_words(pieces):
        if bw < 1.2 * bh:
            continue
        rows = ink[int(y) : int(y + bh), int(x) : int(x + bw)].sum(axis=1, dtype=np.float64)
        cum = np.cumsum(rows)
        if cum[-1] <= 0:
            continue
        band = np.searchsorted(cum, 0.9 * cum[-1]) - np.searchsorted(cum, 0.1 * cum[-1]) + 1
        pad_y = 0.15 * bh
        pad_x = 0.3 * bh
        boxes.append(
            _Box(
                max(0, int((x - pad_x) * inv)),
                max(0, int((y - pad_y) * inv)),
                min(W, int(math.ceil((x + bw + pad_x) * inv))),
                min(H, int(math.ceil((y + bh + pad_y) * inv))),
                float(band) * inv,
            )
        )
    return boxes, char_h * inv


def _merge_words(pieces: np.ndarray) -> np.ndarray:
    """Join word boxes (x, y, w, h) that sit on one line with a word-sized gap.

    The smear kernel is sized for the body text; larger text (titles) has wider word
    gaps, so words are joined here relative to their own height.
    """
    n = len(pieces)
    if n < 2:
        return pieces
    x0, y0 = pieces[:, 0], pieces[:, 1]
    x1, y1 = x0 + pieces[:, 2], y0 + pieces[:, 3]
    h = pieces[:, 3]
    overlap = np.minimum(y1[:, None], y1[None, :]) - np.maximum(y0[:, None], y0[None, :])
    hmin = np.minimum(h[:, None], h[None, :])
    hmax = np.maximum(h[:, None], h[None, :])
    gap = np.maximum(x0[:, None], x0[None, :]) - np.minimum(x1[:, None], x1[None, :])
    adj = (overlap >= 0.6 * hmin) & (hmax <= 1.6 * hmin) & (gap <= 1.0 * hmax)
    label = np.arange(n)
    changed = True
    while changed:  # label propagation: connected components of the adjacency
        new = np.where(adj, label[None, :], n).min(axis=1)
        new = np.minimum(new, label)
        changed = bool((new != label).any())
        label = new[new]
    out = []
    for lab in np.unique(label):
        m = label == lab
        bx0, by0, bx1, by1 = x0[m].min(), y0[m].min(), x1[m].max(), y1[m].max()
        out.append((bx0, by0, bx1 - bx0, by1 - by0))
    return np.array(out, dtype=np.float64)


def _rank(boxes: Sequence[_Box], char_h: float) -> list[_Box]:
    """Most informative lines first: large text (titles, labels), then short lines."""

    if not boxes:
        return []
    ref = float(np.median([b.size for b in boxes])) or 1.0

    def key(b: _Box) -> tuple[float, float]:
        size = round(b.size / ref / 0.2)  # relative text size, in 20 % steps
        length = b.w / max(b.h, 1)
        return (-size, length)

    return sorted(boxes, key=key)


# ------------------------------------------------------------------------ public API


def read_text(
    gray: np.ndarray,
    *,
    max_height: int = 1200,
    max_width: int = 1000,
    max_lines: int = 8,
    width_budget: int = 480,
    max_line_width: int = 400,
    stop_when: Callable[[list[TextLine]], bool] | None = None,
    rows: tuple[float, float] | None = None,
    known: Callable[[tuple[float, float, float, float]], TextLine | None] | None = None,
) -> list[TextLine]:
    """Find and read the most prominent text lines of an upright page or region.

    Parameters
    ----------
    gray : ndarray of uint8, shape (M, N)
        The page, or the part of it to read (e.g. everything above the first scale
        line). Any resolution.
    max_height, max_width : int
        Line finding works on a copy scaled down to at most this size (about 5 ms
        at 1000 x 400 px); recognition reads each line from ``gray`` itself.
    max_lines : int
        At most this many lines are recognised.
    width_budget : int
        Total width, in columns of 48 px high lines (after a 0.7 horizontal squeeze),
        fed to the recogniser; the cost is about 0.06 ms per column on one core
        (480 columns ~ 30 ms).
    max_line_width : int
        Longer lines (sentences) are cut to their first this-many columns; their last
        part (up to half as many columns) is read as a line of its own.
    stop_when : callable, optional
        Called with the lines read so far after each line; reading stops when it
        returns True, e.g. ``lambda ls: classify_form(ls, kw)[1] >= 0.6``.
    rows : (y0, y1), optional
        Read only lines lying within these rows of ``gray`` (e.g. the title region).
        The whole image is segmented (and cached) either way, so a second call on the
        same image with other rows costs no segmentation.
    known : callable, optional
        Called with the box of each line (or part of a line) about to be recognised; a line
        it returns (one read before, on another crop of the page) stands in for that box:
        its text and confidence are taken, with this box, as the box's own reading, and the
        box is not recognised again. It counts as read like any other (budget, ``max_lines``,
        ``stop_when``). For a caller that drops what it read before from the answer anyway.

    Returns
    -------
    list of TextLine
        Recognised lines, largest text first; empty when no engine is available or no
        text is found. Boxes are in pixels of ``gray``.
    """
    if gray.ndim != 2:
        raise ValueError("read_text expects a 2-D gray image")
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    engine = _get_engine()
    if engine is None:
        return []
    boxes, char_h = _find_lines(gray, max_height, max_width)
    if rows is not None:
        boxes = [b for b in boxes if b.y0 >= rows[0] and b.y1 <= rows[1]]
    out: list[TextLine] = []
    remaining = width_budget
    tail_allowance = max_line_width // 2  # the end of one cut line may go over the budget
    for b in _rank(boxes, char_h):
        if len(out) >= max_lines or remaining < 2 * _REC_HEIGHT:
            break
        cols_per_px = _SQUEEZE * _REC_HEIGHT / max(b.h, 1)
        cols = int(math.ceil(b.w * cols_per_px))
        take = min(cols, max_line_width, remaining)
        if take < cols and take < 3 * _REC_HEIGHT:
            continue  # too little budget left to read a useful part of this line
        x1 = b.x0 + int(round(take / cols_per_px))
        box = (float(b.x0), float(b.y0), float(min(b.x1, x1)), float(b.y1))
        text, conf, head = _recognised(engine, gray, box, known)
        remaining -= take
        if text.strip():
            out.append(TextLine(text, box, conf, head))
            if stop_when is not None and stop_when(out):
                break
        tail = max(2 * _REC_HEIGHT, min(cols - take, max_line_width // 2, max(remaining, tail_allowance)))
        if take < cols and tail >= 2 * _REC_HEIGHT:
            # a long line was cut: its end often names the form ("... Scale (SRS)")
            x0 = max(b.x0, b.x1 - int(round(tail / cols_per_px)))  # may overlap the head
            box = (float(x0), float(b.y0), float(b.x1), float(b.y1))
            text, conf, head = _recognised(engine, gray, box, known)
            if tail > remaining:
                tail_allowance = 0
            remaining = max(0, remaining - tail)
            if text.strip():
                out.append(TextLine(text, box, conf, head))
                if stop_when is not None and stop_when(out):
                    break
    return out


def _recognised(engine: _Engine, gray: np.ndarray, box: tuple[float, float, float, float],
                known: Callable[[tuple[float, float, float, float]], TextLine | None] | None
                ) -> tuple[str, float, str]:
    """(text, confidence, sure head) of the line in ``box`` (integer px of ``gray``): the
    reading of a line ``known`` has for it, else the recogniser's."""
    before = known(box) if known is not None else None
    if before is not None:
        return before.text, before.confidence, before.head
    x0, y0, x1, y1 = (int(v) for v in box)
    return engine.recognise(gray[y0:y1, x0:x1])


_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def _words(lines: Sequence[TextLine], min_confidence: float) -> list[list[str]]:
    return [_WORD.findall(line.text.lower()) for line in lines if line.confidence >= min_confidence]


def _matches(keyword: str, word: str) -> bool:
    if keyword == word:
        return True
    if len(keyword) <= 4 or len(word) <= 3:
        return False  # short words (srs, ors, or) must match exactly
    return difflib.SequenceMatcher(None, keyword, word, autojunk=False).ratio() >= 0.8


def classify_form(
    lines: Sequence[TextLine],
    keywords: Mapping[str, Sequence[str]],
    *,
    min_confidence: float = 0.75,
) -> tuple[str | None, float, tuple[str, ...]]:
    """Tell which form the recognised text belongs to.

    Each form scores one point per distinct keyword found among the recognised words.
    OCR errors are tolerated: keywords of 5+ letters match a word at a difflib ratio
    >= 0.8 (lowercase), shorter ones (``srs``, ``ors``) only exactly; a hyphenated
    keyword also matches its glued form or two adjacent words. Keywords listed for
    more than one form are ignored.

    Parameters
    ----------
    lines : sequence of TextLine
        Output of :func:`read_text`.
    keywords : mapping of str to sequence of str
        Form id -> keywords, e.g. ``{"srs": [...], "ors": [...]}`` as in the templates'
        ``"keywords"``.
    min_confidence : float
        Lines read with a lower mean confidence are ignored (text read upside down
        comes out at about 0.4-0.7 and can contain fragments of keywords).

    Returns
    -------
    form : str or None
        The best form, or None when no keyword matched or two forms tie.
    confidence : float
        0..1: ``(best - second) / (best + 1)`` of the keyword counts, e.g. 0.5 for a
        single keyword, 0.67 for two, 0.75 for three.
    matched : tuple of str
        The keywords of the chosen form that were found (template words, not OCR
        text), in the order given.
    """
    per_line = _words(lines, min_confidence)
    words = {w for ws in per_line for w in ws}
    glued = {a + b for ws in per_line for a, b in zip(ws[:-1], ws[1:], strict=True)}
    kw_lists = {form: [k.lower() for k in kws] for form, kws in keywords.items()}
    owners: dict[str, set[str]] = {}
    for form, kws in kw_lists.items():
        for k in set(kws):
            owners.setdefault(k, set()).add(form)

    def found(k: str) -> bool:
        plain = k.replace("-", "")
        if plain != k and (plain in words or plain in glued):
            return True
        return any(_matches(k, w) for w in words)

    hits: dict[str, list[str]] = {}
    for form, kws in kw_lists.items():
        hits[form] = [k for k in dict.fromkeys(kws) if len(owners[k]) == 1 and found(k)]
    ranked = sorted(hits.items(), key=lambda kv: len(kv[1]), reverse=True)
    if not ranked or not ranked[0][1]:
        return None, 0.0, ()
    best_form, best = ranked[0]
    second = len(ranked[1][1]) if len(ranked) > 1 else 0
    if len(best) == second:
        return None, 0.0, ()
    return best_form, float((len(best) - second) / (len(best) + 1)), tuple(best)


def upright_score(
    gray: np.ndarray, *, max_height: int = 1200, max_width: int = 1000, max_chunks: int = 12
) -> float:
    """Tell whether the text on a page reads upright or upside down.

    The PP-OCR 0/180 text-line classifier is run on 4:1 chunks of the most
    prominent lines, each as given and turned by 180 degrees; the score is the mean
    of ``p_upright(chunk) - p_upright(turned chunk)``. Four chunks are tried first
    (about 8 ms); more, up to ``max_chunks``, only while the score is below 0.5.

    Parameters
    ----------
    gray : ndarray of uint8, shape (M, N)
        The page or a text-bearing region of it, at any resolution.
    max_height, max_width : int
        Line finding works on a copy scaled down to at most this size (shared with
        :func:`read_text` on the same image: segmentation is cached).
    max_chunks : int
        At most this many chunks are classified (two classifier runs each).

    Returns
    -------
    float
        In -1..1: > 0 when the text reads upright, < 0 when upside down, 0 when no
        text was found or the engine is unavailable. On whole regions of rendered
        forms upright pages score 0.6-1.0; below about 0.3 in magnitude, treat the
        answer as unknown (e.g. a region holding only a few small words).
    """
    if gray.ndim != 2:
        raise ValueError("upright_score expects a 2-D gray image")
    gray = np.ascontiguousarray(gray, dtype=np.uint8)
    engine = _get_engine()
    if engine is None:
        return 0.0
    boxes, char_h = _find_lines(gray, max_height, max_width)
    chunks: list[np.ndarray] = []
    for b in _rank(boxes, char_h):
        crop = gray[b.y0 : b.y1, b.x0 : b.x1]
        step = max(1, int(b.h * _CLS_WIDTH / _CLS_HEIGHT))
        # at most two chunks a line, so that several lines get a vote
        for x in list(range(0, max(1, b.w - step // 3), step))[:2]:
            chunks.append(crop[:, x : x + step])
        if len(chunks) >= max_chunks:
            break
    chunks = chunks[:max_chunks]
    votes: list[float] = []
    for start in range(0, len(chunks), 4):
        part = chunks[start : start + 4]
        p = engine.upright_probability(part + [c[::-1, ::-1] for c in part])
        votes.extend((p[: len(part)] - p[len(part) :]).tolist())
        if abs(float(np.mean(votes))) >= 0.5:
            break
    return float(np.mean(votes)) if votes else 0.0


def _debug_boxes(gray: np.ndarray, max_height: int = 1200) -> list[tuple[int, int, int, int]]:
    """Line boxes found (no OCR), for tuning and tests."""
    boxes, _ = _find_lines(np.ascontiguousarray(gray, dtype=np.uint8), max_height, 1000)
    return [(b.x0, b.y0, b.x1, b.y1) for b in boxes]
