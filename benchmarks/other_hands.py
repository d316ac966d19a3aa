"""Independent benchmark: SRS / ORS / CSRS / CORS pages drawn by *other hands*.

Pages come from benchmarks/blind (a renderer written without reading srs_scan, its synth
package or its templates): layouts with the line's left end anywhere from 25 to 75 mm, 18-45 mm
spacing, labels above/left, anchors below/above/beside, end ticks/bars/0-10 numbers, header
underlines/boxes, frames, letterheads, A4/Letter, fit-to-page 94-98 %, many fonts and print
colours; client marks of ten kinds with four pens; scans, fax, colour, rotation, JPEG, phone
photos, curled paper, PDF stacks; and six kinds of page that are not forms. Appended since:
official_600 (light-blue official-style SRS/ORS sheets with small end ticks, 600-dpi colour scans,
ballpoint marks, some scribbled, circled or an X), ruled_nonform (ruled pages that look like scale
forms to a line finder: notepad to-do lists with ticks, OMR rows, horizontal-rule tables signed,
contract signature blocks photographed; the old ruled kinds too) and the clinic forms:
clinic_form (a clinic's own form of 1-6 lines of 60-150 mm, read with its template file:
ReadOptions(templates=(path,))), clinic_form_declared (the same pages, form=<template id> as well)
and clinic_form_absent (the same pages without the template: must be no_form or review, never ok);
then scanner_streak (SRS/ORS pages through a dusty sheet-fed scanner, 300/200 dpi, gray or colour: 1-3
dark, tinted or white streaks in the feed direction, some partial, some through a mark or a line end,
1 in 5 fed landscape and left sideways; never counted clean) and circled (SRS/ORS pages, 300 or 200 dpi,
every line answered by circling a point: open "C" circles with the gap anywhere, circles overrun past
their start, two-turn spirals, ovals 3-16 mm across off the line; the truth is the circle's centre).
Conditions needing a ReadOptions field the reader lacks are reported "not supported by this reader".

    python benchmarks/other_hands.py                       # full run: -n 6 over every condition
    python benchmarks/other_hands.py -n 2 --conditions photo,fax200 --seed 3
    python benchmarks/other_hands.py --ci                  # ~25 pages, every condition family
    python benchmarks/other_hands.py --save out/           # failing pages as PNG + truth JSON
    python benchmarks/other_hands.py --json out.json       # every page's truth and answer as data

Per condition: pages; found (form pages not no_form/error); clean!ok (clean form pages whose
status is not ok); named (true form id given) / wrong (another form id given); miss (marked
lines reported missing or not returned); blank+v (blank lines given a value); n, mean, P95 |err|
in mm over every marked line given a value (review included); silent (a line off by > 2 mm with
item status ok, a page named wrong with page status ok, a blank line with a value and status ok,
a two-mark line with status ok, a clinic form read ok without its template); non-forms (and clinic
forms without their template): ok / review / no_form; for those the wrong column counts pages named
as any form. Clinic forms' truth and errors are in mm on their own printed line length.
    python benchmarks/other_hands.py --save out/ --save-all -n 2 --conditions clinic_form_absent
                                                           # every page, with the clinic template beside it
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.blind import degrade, words  # noqa: E402
from benchmarks.blind.clinic import random_clinic_spec, render_clinic  # noqa: E402
from benchmarks.blind.nonforms import NONFORM_KINDS, RULED_KINDS, render_nonform  # noqa: E402
from benchmarks.blind.page import compose, random_spec, render_form  # noqa: E402
from benchmarks.blind.truth import PageTruth  # noqa: E402

LANGS = ["no", "es", "de", "nl", "sv"]


# --------------------------------------------------------------------------- outcomes
@dataclass
class LineOutcome:
    index: int
    truth_kind: str                 # one | blank | two
    truth_value: float | None
    mark_kinds: list[str]
    got_mm: float | None
    got_status: str | None          # None: the reader returned no item for this line
    got_reasons: list[str]
    err: float | None               # |got - truth| for a single mark given a value
    doubtful: bool = False


@dataclass
class PageOutcome:
    condition: str
    index: int
    seed: int
    is_form: bool
    true_form: str | None
    clean: bool
    status: str
    form: str | None
    reasons: list[str]
    rotation: int | None
    lines: list[LineOutcome] = field(default_factory=list)
    n_items: int = 0
    truth: dict = field(default_factory=dict)
    error: str | None = None
    declared: str | None = None     # form declared with ReadOptions(form=...)
    seconds: float = 0.0
    template: str | None = None     # the clinic form's template given with ReadOptions(templates=...)
    absent_template: bool = False   # a clinic form read without its template: must not be read ok

    # ---- derived judgements
    @property
    def named_wrong(self):
        return self.is_form and self.form is not None and self.form != self.true_form

    @property
    def named_as_other(self):
        """A clinic form read without its template and named as some form (it cannot know the right one)."""
        return self.absent_template and self.form is not None

    def silent(self) -> list[str]:
        if self.absent_template:
            return [f"ok without its template (named {self.form})"] if self.status == "ok" else []
        out = []
        if self.named_wrong and self.status == "ok":
            out.append(f"page named {self.form} (is {self.true_form}) with status ok")
        if not self.is_form and self.status == "ok":
            out.append("non-form page read ok")
        for ln in self.lines:
            if ln.got_status != "ok":
                continue
            if ln.truth_kind == "one" and ln.err is not None and ln.err > 2.0:
                out.append(f"line {ln.index + 1}: {ln.got_mm} for {ln.truth_value:.1f} ok")
            if ln.truth_kind == "blank" and ln.got_mm is not None:
                out.append(f"line {ln.index + 1}: blank given {ln.got_mm} ok")
            if ln.truth_kind == "two":
                out.append(f"line {ln.index + 1}: two marks given status ok")
        return out

    def failing(self) -> bool:
        if self.silent():
            return True
        if self.absent_template:
            return self.status not in ("no_form", "review") or self.named_as_other
        if not self.is_form:
            return self.status != "no_form"
        if self.status in ("no_form", "error") or self.named_wrong:
            return True
        if self.clean and self.status != "ok":
            return True
        return any((ln.truth_kind == "one" and (ln.got_mm is None or (ln.err or 0) > 2.0))
                   or (ln.truth_kind == "blank" and ln.got_mm is not None) for ln in self.lines)


# --------------------------------------------------------------------------- conditions
def _form_page(rng, form=None, lang="en", dpi=300.0, tool=None, kinds=None, mark_kinds=None, **over):
    spec = random_spec(rng, form, lang, **over)
    tool = tool or str(rng.choice(["ballpoint", "ballpoint", "felt", "pencil"]))
    return render_form(spec, dpi, line_kinds=kinds, tool=tool, mark_kinds=mark_kinds, rng=rng)


def _scan_gray(layers, rng, colour=False):
    p, ink, pb, ib, g, tr = layers
    img = compose(p, ink, pb, ib, g, rng, paper=tuple(rng.uniform(236, 252, 3)), colour=True)
    return degrade.scan(img, rng, colour=colour), tr


def _photo(layers, rng, curl_amp=0.0):
    p, ink, pb, ib, g, tr = layers
    img = compose(p, ink, pb, ib, g, rng, paper=tuple(rng.uniform(225, 250, 3)), colour=True)
    return degrade.photo(img, rng, curl_amp=curl_amp)


def _nonform_layers(kind, rng, dpi):
    cov, ink, tr = render_nonform(kind, rng, dpi)
    if ink is None:
        ink = np.zeros_like(cov)
    return cov, ink, (25, 25, 25), (150, 50, 20), False, tr


def _rot_truth(tr, what):
    tr.degradation.update(what)
    return tr


def make_pages(cond, rng):
    """-> list of (image, dpi or None, PageTruth, declared form or None); pdf_stack -> one stack."""
    F = lambda **kw: _form_page(rng, **kw)  # noqa: E731
    pick = lambda: str(rng.choice(["srs", "ors"]))  # noqa: E731
    if cond in ("srs_scan300", "ors_scan300", "csrs_scan300", "cors_scan300"):
        img, tr = _scan_gray(F(form=cond.split("_")[0]), rng)
        return [(img, 300.0, tr, None)]
    if cond == "fit_letter":
        img, tr = _scan_gray(F(form=pick(), paper="Letter", fit=float(rng.uniform(0.94, 0.98))), rng)
        return [(img, 300.0, tr, None)]
    if cond == "scan200":
        img, tr = _scan_gray(F(form=pick(), dpi=200.0), rng)
        return [(img, 200.0, tr, None)]
    if cond == "fax200":
        p, ink, pb, ib, g, tr = F(form=pick(), dpi=200.0, tool=str(rng.choice(["ballpoint", "felt"])))
        img = compose(p, ink, pb, ib, g, rng, colour=True)
        return [(degrade.fax(img, rng), 200.0, tr, None)]
    if cond == "colour_scan":
        col = str(rng.choice(["lightblue", "green", "navy", "lightgray", "darkgray"]))
        img, tr = _scan_gray(F(form=pick(), colour=col), rng, colour=True)
        return [(img, 300.0, tr, None)]
    if cond == "thin_light":
        img, tr = _scan_gray(F(form=pick(), thickness=float(rng.uniform(0.25, 0.35)),
                               colour=str(rng.choice(["lightgray", "darkgray", "lightblue"])), tool="pencil"), rng)
        return [(img, 300.0, tr, None)]
    if cond == "thick_felt":
        img, tr = _scan_gray(F(form=pick(), thickness=float(rng.uniform(0.9, 1.2)), tool="felt"), rng)
        return [(img, 300.0, tr, None)]
    if cond == "rotated":
        img, tr = _scan_gray(F(form=pick()), rng)
        deg = float(rng.choice([-1, 1]) * rng.uniform(1, 5))
        return [(degrade.rotate(img, deg), 300.0, _rot_truth(tr, {"rotate_deg": deg}), None)]
    if cond == "upside_down":
        img, tr = _scan_gray(F(form=pick()), rng)
        return [(degrade.rot90(img, 2), 300.0, _rot_truth(tr, {"rot90": 2}), None)]
    if cond == "sideways":
        img, tr = _scan_gray(F(form=pick()), rng)
        k = int(rng.choice([1, 3]))
        return [(degrade.rot90(img, k), 300.0, _rot_truth(tr, {"rot90": k}), None)]
    if cond == "jpeg_heavy":
        img, tr = _scan_gray(F(form=pick()), rng)
        q = int(rng.integers(10, 25))
        return [(degrade.jpeg(img, q), 300.0, _rot_truth(tr, {"jpeg": q}), None)]
    if cond == "hard_marks":
        mk = [str(rng.choice(["touch", "double", "circle", "blob", "dot", "x"])) for _ in range(4)]
        img, tr = _scan_gray(F(form=pick(), mark_kinds=mk, tool=str(rng.choice(["faint", "pencil", "felt"]))), rng)
        return [(img, 300.0, tr, None)]
    if cond == "blanks_doubles":
        kinds = ["one"] * 4
        idx = rng.permutation(4)
        kinds[idx[0]] = "two"
        kinds[idx[1]] = "blank"
        if rng.random() < 0.5:
            kinds[idx[2]] = "blank"
        img, tr = _scan_gray(F(form=pick(), kinds=kinds), rng)
        return [(img, 300.0, tr, None)]
    if cond == "scribble":
        mk = [None] * 4
        mk = [str(rng.choice(["tick", "slash", "x"])) for _ in range(4)]
        mk[int(rng.integers(4))] = "scribble"
        img, tr = _scan_gray(F(form=pick(), mark_kinds=mk), rng)
        return [(img, 300.0, tr, None)]
    if cond in ("translated", "translated_declared"):
        form = str(rng.choice(["srs", "ors", "csrs", "cors"], p=[0.4, 0.4, 0.1, 0.1]))
        img, tr = _scan_gray(F(form=form, lang=str(rng.choice(LANGS))), rng)
        return [(img, 300.0, tr, form if cond == "translated_declared" else None)]
    if cond == "child_photo":
        tr_l = F(form=str(rng.choice(["csrs", "cors"])))
        return [(_photo(tr_l, rng), None, tr_l[5], None)]
    if cond == "photo":
        tr_l = F(form=pick(), dpi=200.0)
        return [(_photo(tr_l, rng), None, tr_l[5], None)]
    if cond == "photo_curl":
        tr_l = F(form=pick(), dpi=200.0)
        amp = float(rng.uniform(2, 6))
        return [(_photo(tr_l, rng, curl_amp=amp), None, _rot_truth(tr_l[5], {"curl_mm": amp}), None)]
    if cond == "pdf_stack":
        out = []
        for _ in range(3):
            img, tr = _scan_gray(F(form=str(rng.choice(["srs", "ors"])), dpi=200.0), rng)
            if rng.random() < 0.3:
                img = degrade.rot90(img, 2)
                tr.degradation["rot90"] = 2
            out.append((img, 200.0, tr, None))
        kind = str(rng.choice(NONFORM_KINDS))
        img, tr = _scan_gray(_nonform_layers(kind, rng, 200.0), rng)
        out.insert(int(rng.integers(4)), (img, 200.0, tr, None))
        return out
    if cond == "nonform_scan":
        kind = NONFORM_KINDS[int(rng.integers(len(NONFORM_KINDS)))]
        img, tr = _scan_gray(_nonform_layers(kind, rng, 300.0), rng)
        return [(img, 300.0, tr, None)]
    if cond == "nonform_photo":
        kind = str(rng.choice(["letter", "notepad", "table", "signature", "omr"]))
        layers = _nonform_layers(kind, rng, 200.0)
        return [(_photo(layers, rng), None, layers[5], None)]
    if cond == "official_600":
        return [_official_600(rng)]
    if cond == "ruled_nonform":
        return [_ruled_nonform(rng)]
    if cond in CLINIC:
        return [_clinic_page(rng, declare=cond == "clinic_form_declared")]
    if cond == "scanner_streak":
        return [_scanner_streak(rng)]
    if cond == "circled":
        return [_circled(rng)]
    raise ValueError(f"unknown condition {cond!r}")


OFFICIAL_TITLES = {"srs": ["Session Rating Scale (SRS V.3.0)", "Session Rating Scale (SRS)", "SESSION RATING SCALE"],
                   "ors": ["Outcome Rating Scale (ORS)", "OUTCOME RATING SCALE", "Outcome Rating Scale"]}


def _official_600(rng):
    """An official-style PCOMS sheet in light blue with small end ticks, 600-dpi colour scan, ballpoint marks
    (black or blue), some scribbled, circled or crossed out with an X."""
    form = str(rng.choice(["srs", "ors"]))
    over = dict(colour="pcoms_blue", ends="ticks", thickness=float(rng.uniform(0.35, 0.6)), anchor_pos="below",
                label_pos="above-centre" if form == "srs" or rng.random() < 0.5 else "above", frame="none",
                letterhead=-1, total_box=False, header="underlines", fields=0,
                instructions=int(rng.integers(len(words.INSTRUCTIONS[form]["en"]))),
                title=str(rng.choice(OFFICIAL_TITLES[form])), title_align="c", title_bold=True)
    spec = random_spec(rng, form, "en", **over)
    mk = [str(rng.choice(["scribble", "circle", "x", "x", "tick", "slash", "vbar", "dot"],
                         p=[0.12, 0.22, 0.16, 0.1, 0.15, 0.1, 0.1, 0.05])) for _ in range(4)]
    p, ink, pb, ib, g, tr = render_form(spec, 600.0, ss=2, tool="ballpoint", mark_kinds=mk, rng=rng)
    img = compose(p, ink, pb, ib, g, rng, paper=tuple(rng.uniform(238, 252, 3)), colour=True)
    del p, ink
    return degrade.scan(img, rng, colour=True, blur=(0.7, 1.2)), 600.0, tr, None


def _ruled_nonform(rng):
    """Ruled pages that are not forms: the new ruled kinds and the ruled ones of NONFORM_KINDS; scanned
    (gray or colour) or photographed (a signed contract mostly on a desk)."""
    kind = str(rng.choice(RULED_KINDS + ["notepad", "omr", "table", "signature"]))
    how = str(rng.choice(["scan", "colour", "photo"], p=[0.5, 0.2, 0.3]))
    if kind == "signlines" and rng.random() < 0.6:
        how = "photo"
    if how == "photo":
        layers = _nonform_layers(kind, rng, 200.0)
        return _photo(layers, rng), None, _rot_truth(layers[5], {"how": how}), None
    img, tr = _scan_gray(_nonform_layers(kind, rng, 300.0), rng, colour=how == "colour")
    return img, 300.0, _rot_truth(tr, {"how": how}), None


def _clinic_page(rng, declare=False):
    """A clinic's own form (1-6 lines of 60-150 mm) with its template in truth.layout["template"]."""
    spec = random_clinic_spec(rng)
    kinds = ["blank" if rng.random() < 0.12 else "one" for _ in range(spec.n_lines)]
    tool = str(rng.choice(["ballpoint", "ballpoint", "felt", "pencil"]))
    how = str(rng.choice(["scan300", "scan200", "colour"], p=[0.7, 0.15, 0.15]))
    dpi = 200.0 if how == "scan200" else 300.0
    layers = render_clinic(spec, dpi, line_kinds=kinds, tool=tool, rng=rng)
    img, tr = _scan_gray(layers, rng, colour=how == "colour")
    return img, dpi, _rot_truth(tr, {"how": how}), spec.form_id if declare else None


def _scanner_streak(rng):
    """An SRS / ORS page through a sheet-fed scanner with dust or a dead sensor pixel: 300 or 200 dpi, gray
    or colour, 1-3 streaks in the feed direction (degrade.scanner_streaks), some through a mark or a line
    end, some in the margin. About 1 in 5 is fed landscape: turned 90 degrees before the scan, so the
    streak runs across the page, and left sideways."""
    dpi = float(rng.choice([300.0, 200.0], p=[0.7, 0.3]))
    colour = bool(rng.random() < 0.35)
    p, ink, pb, ib, g, tr = _form_page(rng, form=str(rng.choice(["srs", "ors"])), dpi=dpi)
    img = compose(p, ink, pb, ib, g, rng, paper=tuple(rng.uniform(236, 252, 3)), colour=True)
    del p, ink
    if not colour:
        img = degrade.to_gray(img)
    k90 = int(rng.choice([1, 3])) if rng.random() < 0.2 else 0
    px = dpi / 25.4
    pts, labels = [], []
    for ln in tr.lines:
        y = ln.y_mm * px
        for m in ln.marks:
            off = rng.uniform(-5, 5) * px if k90 else 0.0   # landscape: across the mark, above or below the line
            pts.append((m.x_mm * px, y + off))
            labels.append(f"mark L{ln.index + 1}")
        if k90:
            pts.append((ln.left_mm * px, y))
            labels.append(f"along L{ln.index + 1}")
        else:
            pts += [(ln.left_mm * px, y), (ln.right_mm * px, y)]
            labels += [f"left end L{ln.index + 1}", f"right end L{ln.index + 1}"]
    shape = img.shape[:2]
    if k90:
        img = degrade.rot90(img, k90)
    img = cv2.GaussianBlur(img, (0, 0), rng.uniform(0.35, 0.6))
    deg = float(rng.uniform(-0.25, 0.25))
    img = degrade.rotate(img, deg)
    where = degrade.map_points(shape, pts, k90, deg)
    img, info = degrade.scanner_streaks(img, rng, dpi, targets=[(lb, x, y) for lb, (x, y) in zip(labels, where, strict=True)])
    noise = rng.normal(0, rng.uniform(1.5, 3.5), img.shape).astype(np.float32)
    img = np.clip(img.astype(np.float32) + noise, 0, 255).astype(np.uint8)
    what = {"how": "colour" if colour else "gray", "dpi": dpi, "skew_deg": deg, "feed": "landscape" if k90 else "portrait",
            **info}
    if k90:
        what["rot90"] = k90
    return img, dpi, _rot_truth(tr, what), None


def _circled(rng):
    """An SRS / ORS page whose every line is answered by circling a point (marks.CIRCLED: an open circle about
    half the time, else one overrun past its start or a two-turn spiral), pens as _form_page picks them,
    scanned like hard_marks at 300 dpi (1 in 4 at 200). Truth: the circle's centre along the line."""
    dpi = float(rng.choice([300.0, 200.0], p=[0.75, 0.25]))
    mk = [str(rng.choice(["open_circle", "overlap_circle", "spiral_circle"], p=[0.5, 0.25, 0.25])) for _ in range(4)]
    img, tr = _scan_gray(_form_page(rng, form=str(rng.choice(["srs", "ors"])), dpi=dpi, mark_kinds=mk), rng)
    return img, dpi, _rot_truth(tr, {"dpi": dpi}), None


CONDITIONS = ["srs_scan300", "ors_scan300", "csrs_scan300", "cors_scan300", "fit_letter", "scan200", "fax200",
              "colour_scan", "thin_light", "thick_felt", "rotated", "upside_down", "sideways", "jpeg_heavy",
              "hard_marks", "blanks_doubles", "scribble", "translated", "translated_declared", "photo",
              "photo_curl", "child_photo", "pdf_stack", "nonform_scan", "nonform_photo",
              # appended (a condition's pages are seeded by its index in this list)
              "official_600", "ruled_nonform", "clinic_form", "clinic_form_declared", "clinic_form_absent",
              "scanner_streak", "circled"]
CI_SET = [(c, 1) for c in CONDITIONS if c not in ("nonform_scan", "ruled_nonform")] + [
    ("nonform_scan", 2), ("ruled_nonform", 2)]
PHOTO = {"photo", "photo_curl", "child_photo", "nonform_photo"}
CLINIC = ("clinic_form", "clinic_form_declared", "clinic_form_absent")
WITH_TEMPLATE = {"clinic_form", "clinic_form_declared"}          # read with ReadOptions(templates=(file,))
ABSENT_TEMPLATE = {"clinic_form_absent"}                         # the same pages read without it
SAME_PAGES = {"clinic_form_declared": "clinic_form", "clinic_form_absent": "clinic_form"}
NOT_CLEAN = {"scanner_streak"}        # degraded on purpose (a streak may wipe a mark out): never counted clean
REQUIRES = {"translated_declared": "form", "clinic_form": "templates", "clinic_form_declared": "templates"}


def has_option(name):
    from srs_scan import ReadOptions
    return name in {f.name for f in dataclasses.fields(ReadOptions)}


def has_form_option():
    return has_option("form")


def supported(cond):
    return cond not in REQUIRES or has_option(REQUIRES[cond])


# --------------------------------------------------------------------------- reading
def _status(x):
    return None if x is None else getattr(x, "value", str(x))


def _judge(cond, idx, seed, tr: PageTruth, r, declared, secs, err=None, template=None):
    absent = cond in ABSENT_TEMPLATE
    po = PageOutcome(condition=cond, index=idx, seed=seed, is_form=tr.is_form and not absent, true_form=tr.form,
                     clean=tr.clean and not absent and cond not in NOT_CLEAN,
                     status=_status(r.status) if r is not None else "error",
                     form=_status(getattr(r, "form", None)) if r is not None else None,
                     reasons=list(getattr(r, "reasons", ()) or ()) if r is not None else [],
                     rotation=getattr(r, "rotation", None) if r is not None else None,
                     truth=asdict(tr), error=err, declared=declared, seconds=secs, template=template,
                     absent_template=absent)
    items = list(r.items) if r is not None and r.items else []
    po.n_items = len(items)
    for ln in tr.lines:
        it = items[ln.index] if ln.index < len(items) else None
        got = None if it is None else it.mm
        st = None if it is None else _status(it.status)
        e = abs(got - ln.value) if (got is not None and ln.kind == "one") else None
        po.lines.append(LineOutcome(index=ln.index, truth_kind=ln.kind, truth_value=ln.value,
                                    mark_kinds=[m.kind for m in ln.marks], got_mm=got, got_status=st,
                                    got_reasons=list(getattr(it, "reasons", ()) or ()) if it else [],
                                    err=e, doubtful=any(m.doubtful for m in ln.marks)))
    return po


def _save(save_dir, po, img):
    d = Path(save_dir)
    d.mkdir(parents=True, exist_ok=True)
    stem = f"{po.condition}_{po.index:03d}_p{po.truth.get('_page', 0)}"
    cv2.imwrite(str(d / f"{stem}.png"), img)
    (d / f"{stem}.json").write_text(json.dumps({**asdict(po), "silent": po.silent()}, indent=1, default=str))
    tpl = po.truth.get("layout", {}).get("template")
    if tpl:                                          # the clinic form's template, beside its page
        (d / f"{stem}.template.json").write_text(json.dumps(tpl, indent=1))


def run_one(task):
    cond, idx, seed, save_dir, form_opt, save_all = (tuple(task) + (False,))[:6]
    import srs_scan
    rng = np.random.default_rng([seed, idx, CONDITIONS.index(SAME_PAGES.get(cond, cond)) if cond in CONDITIONS else 99])
    pages = make_pages(cond, rng)
    outs = []
    if cond == "pdf_stack":
        from PIL import Image
        with tempfile.TemporaryDirectory() as td:
            pdf = os.path.join(td, "stack.pdf")
            ims = [Image.fromarray(p[0]) for p in pages]
            ims[0].save(pdf, save_all=True, append_images=ims[1:], resolution=200.0)
            t = time.time()
            try:
                res = list(srs_scan.read_path(pdf))
                err = None
            except Exception as ex:  # noqa: BLE001
                res, err = [], repr(ex)
            secs = (time.time() - t) / len(pages)
        for j, (img, _dpi, tr, _) in enumerate(pages):
            r = res[j] if j < len(res) else None
            po = _judge(cond, idx, seed, tr, r, None, secs, err or (None if r else "page not returned"))
            po.truth["_page"] = j
            outs.append(po)
            if save_dir and (save_all or po.failing()):
                _save(save_dir, po, img)
        return outs
    for img, dpi, tr, declared in pages:
        with tempfile.TemporaryDirectory() as td:
            opts, tpl, used = _options(cond, tr, declared, form_opt, td)
            t = time.time()
            try:
                r, err = srs_scan.read_image(img, dpi=dpi, options=opts), None
            except Exception as ex:  # noqa: BLE001
                r, err = None, repr(ex)
        po = _judge(cond, idx, seed, tr, r, used, time.time() - t, err, template=tpl)
        outs.append(po)
        if save_dir and (save_all or po.failing()):
            _save(save_dir, po, img)
    return outs


def _options(cond, tr, declared, form_opt, tmpdir):
    """ReadOptions for a page: the declared form, and for the clinic conditions the form's template file
    (written to tmpdir as the clinic would keep it). -> (options or None, template id or None, form declared)."""
    from srs_scan import ReadOptions
    kw: dict = {}
    if declared and form_opt:
        kw["form"] = declared
    tpl = tr.layout.get("template") if cond in WITH_TEMPLATE else None
    if tpl is not None:
        path = Path(tmpdir) / f"{tpl['id']}.json"
        path.write_text(json.dumps(tpl, indent=1))
        kw["templates"] = (path,)
    return (ReadOptions(**kw) if kw else None), (tpl["id"] if tpl else None), kw.get("form")


def run(conditions=None, n=6, seed=0, save_dir=None, processes=2, tasks=None, save_all=False) -> list[PageOutcome]:
    form_opt = has_form_option()
    if tasks is None:
        conditions = conditions or CONDITIONS
        tasks = [(c, i) for c in conditions for i in range(n)]
    tasks = [t for t in tasks if supported(t[0])]     # the others are reported "not supported by this reader"
    jobs = [(c, i, seed, save_dir, form_opt, save_all) for c, i in tasks]
    if processes <= 1:
        res = [run_one(j) for j in jobs]
    else:
        with Pool(processes) as pool:
            res = pool.map(run_one, jobs, chunksize=1)
    return [po for r in res for po in r]


def run_ci(seed=0, processes=2):
    tasks = [(c, i) for c, k in CI_SET for i in range(k)]
    return run(seed=seed, processes=processes, tasks=tasks)


# --------------------------------------------------------------------------- summary
def _cond_stats(ps: list[PageOutcome]):
    forms = [p for p in ps if p.is_form]
    nf = [p for p in ps if not p.is_form and not p.absent_template]
    ab = [p for p in ps if p.absent_template]
    errs = [ln.err for p in forms for ln in p.lines if ln.err is not None]
    one = [ln for p in forms for ln in p.lines if ln.truth_kind == "one"]
    blank = [ln for p in forms for ln in p.lines if ln.truth_kind == "blank"]
    two = [ln for p in forms for ln in p.lines if ln.truth_kind == "two"]
    clean = [p for p in forms if p.clean]
    reasons: dict = {}
    for p in forms:
        for r in p.reasons:
            reasons[r] = reasons.get(r, 0) + 1
        for ln in p.lines:
            for r in ln.got_reasons:
                reasons[r] = reasons.get(r, 0) + 1
    return {
        "pages": len(ps), "form_pages": len(forms),
        "found": sum(p.status not in ("no_form", "error") for p in forms),
        "clean": len(clean), "clean_not_ok": sum(p.status != "ok" for p in clean),
        "named": sum(p.form == p.true_form for p in forms), "named_wrong": sum(p.named_wrong for p in forms),
        "named_none": sum(p.form is None for p in forms),
        "marked_lines": len(one), "marked_missing": sum(ln.got_mm is None for ln in one),
        "blank_lines": len(blank), "blank_value": sum(ln.got_mm is not None for ln in blank),
        "two_lines": len(two), "two_review": sum(ln.got_status == "review" for ln in two),
        "n_err": len(errs), "mean": float(np.mean(errs)) if errs else None,
        "p95": float(np.percentile(errs, 95)) if errs else None, "max": float(max(errs)) if errs else None,
        "over2": sum(e > 2 for e in errs),
        "silent": sum(len(p.silent()) for p in ps),
        "nf": len(nf), "nf_ok": sum(p.status == "ok" for p in nf), "nf_review": sum(p.status == "review" for p in nf),
        "nf_noform": sum(p.status == "no_form" for p in nf), "nf_error": sum(p.status == "error" for p in nf),
        "ab": len(ab), "ab_ok": sum(p.status == "ok" for p in ab), "ab_review": sum(p.status == "review" for p in ab),
        "ab_noform": sum(p.status == "no_form" for p in ab), "ab_named": sum(p.named_as_other for p in ab),
        "errors": sum(p.error is not None for p in ps),
        "reasons": dict(sorted(reasons.items(), key=lambda kv: -kv[1])[:6]),
        "silent_examples": [f"{p.condition}#{p.index}: {s}" for p in ps for s in p.silent()][:6],
    }


def summarise(outcomes: list[PageOutcome], requested=None) -> dict:
    conds: dict = {}
    for p in outcomes:
        conds.setdefault(p.condition, []).append(p)
    per = {c: _cond_stats(ps) for c, ps in conds.items()}
    scans = [p for p in outcomes if p.is_form and p.condition not in PHOTO]
    photos = [p for p in outcomes if p.is_form and p.condition in PHOTO]
    tot = _cond_stats(outcomes)
    se = [ln.err for p in scans for ln in p.lines if ln.err is not None]
    pe = [ln.err for p in photos for ln in p.lines if ln.err is not None]

    def pct(a, b):
        return 100.0 * a / b if b else 0.0

    targets = {
        "clean pages not ok <= 5%": (pct(tot["clean_not_ok"], tot["clean"]) <= 5,
                                    f"{tot['clean_not_ok']}/{tot['clean']} = {pct(tot['clean_not_ok'], tot['clean']):.1f}%"),
        "forms named >= 98% and 0 named wrong": (pct(tot["named"], tot["form_pages"]) >= 98 and tot["named_wrong"] == 0,
                                                f"named {tot['named']}/{tot['form_pages']} = "
                                                f"{pct(tot['named'], tot['form_pages']):.1f}%, wrong {tot['named_wrong']}"),
        "0 marked lines missing": (tot["marked_missing"] == 0, f"{tot['marked_missing']}/{tot['marked_lines']}"),
        "0 blank lines with a value": (tot["blank_value"] == 0, f"{tot['blank_value']}/{tot['blank_lines']}"),
        "0 silent errors": (tot["silent"] == 0, f"{tot['silent']}"),
        "scans mean <= 0.08 mm": (bool(se) and float(np.mean(se)) <= 0.08,
                                  f"{np.mean(se):.3f} mm (n={len(se)}, P95 {np.percentile(se, 95):.2f})" if se else "n/a"),
        "photos mean <= 0.3 mm and P95 <= 0.6 mm": (
            bool(pe) and float(np.mean(pe)) <= 0.3 and float(np.percentile(pe, 95)) <= 0.6,
            f"mean {np.mean(pe):.3f}, P95 {np.percentile(pe, 95):.3f} mm (n={len(pe)})" if pe else "n/a"),
        "non-forms none ok, <= 1% review": (tot["nf_ok"] == 0 and pct(tot["nf_review"], tot["nf"]) <= 1,
                                           f"ok {tot['nf_ok']}, review {tot['nf_review']}/{tot['nf']}"),
    }
    unsupported = {c: REQUIRES[c] for c in (requested or CONDITIONS) if not supported(c)}
    # the scans' error by how the line ends are printed: this renderer puts a line's end at the
    # OUTER edge of an end tick or bar; a reader that takes the tick's centre (also a fair
    # reading of "the end") differs by half the tick's width there, and only there
    by_ends: dict[str, list[float]] = {}
    for p in scans:
        ends = str((p.truth.get("layout") or {}).get("ends", "?"))
        by_ends.setdefault(ends, []).extend(ln.err for ln in p.lines if ln.err is not None)
    return {"conditions": per, "total": tot, "targets": targets, "form_option": has_form_option(),
            "unsupported": unsupported,
            "scans_by_ends": {k: (len(v), float(np.mean(v))) for k, v in sorted(by_ends.items()) if v}}


def _f(x, nd=3):
    return "-" if x is None else f"{x:.{nd}f}"


def print_table(summary, out=sys.stdout):
    hdr = (f"{'condition':<20}{'pages':>6}{'found':>7}{'clean!ok':>10}{'named':>7}{'wrong':>6}{'miss':>6}"
           f"{'blank+v':>8}{'2mk rev':>8}{'n':>5}{'mean':>7}{'P95':>7}{'max':>7}{'silent':>7}{'nf ok/rev/no':>14}")
    print(hdr, file=out)
    print("-" * len(hdr), file=out)
    rows = list(summary["conditions"].items())
    unsupported = summary.get("unsupported", {} if summary["form_option"] else {"translated_declared": "form"})
    rows += [(c, None) for c in unsupported]
    for c, s in rows + [("TOTAL", summary["total"])]:
        if s is None:
            print(f"{c:<20}  n/a: not supported by this reader (ReadOptions has no `{unsupported[c]}`)", file=out)
            continue
        fp = s["form_pages"]
        nf = f"{s['nf_ok']}/{s['nf_review']}/{s['nf_noform']}" if s["nf"] else ""
        if s.get("ab") and not s["nf"]:  # clinic forms read without their template: ok / review / no_form
            nf = f"{s['ab_ok']}/{s['ab_review']}/{s['ab_noform']}"
        wrong = s["named_wrong"] if fp else (s["ab_named"] if s.get("ab") else "")
        print(f"{c:<20}{s['pages']:>6}{(str(s['found']) + '/' + str(fp)) if fp else '':>7}"
              f"{(str(s['clean_not_ok']) + '/' + str(s['clean'])) if s['clean'] else '':>10}"
              f"{s['named'] if fp else '':>7}{wrong:>6}"
              f"{s['marked_missing'] if fp else '':>6}{(str(s['blank_value']) + '/' + str(s['blank_lines'])) if s['blank_lines'] else '':>8}"
              f"{(str(s['two_review']) + '/' + str(s['two_lines'])) if s['two_lines'] else '':>8}"
              f"{s['n_err'] if fp else '':>5}{_f(s['mean']):>7}{_f(s['p95'], 2):>7}{_f(s['max'], 2):>7}"
              f"{s['silent']:>7}{nf:>14}", file=out)
    tot = summary["total"]
    if tot.get("ab"):
        print(f"(TOTAL's last column is the non-form pages; clinic forms read without their template: ok/review/"
              f"no_form {tot['ab_ok']}/{tot['ab_review']}/{tot['ab_noform']} of {tot['ab']}, named as a form "
              f"{tot['ab_named']})", file=out)
    print("", file=out)
    print("reasons the reader gave (most frequent, per condition):", file=out)
    for c, s in summary["conditions"].items():
        if s["reasons"]:
            print(f"  {c:<20} " + "; ".join(f"{k} x{v}" for k, v in s["reasons"].items()), file=out)
    ex = summary["total"]["silent_examples"]
    if ex:
        print("silent errors (first few):", file=out)
        for e in ex:
            print("  " + e, file=out)
    print("", file=out)
    print("targets:", file=out)
    for k, (ok, txt) in summary["targets"].items():
        print(f"  [{'PASS' if ok else 'FAIL'}] {k:<42} {txt}", file=out)
    if summary.get("scans_by_ends"):
        print("scans mean by printed line ends (this renderer's end is a tick's OUTER edge): " + ", ".join(
            f"{k} {m:.3f} mm (n={n})" for k, (n, m) in summary["scans_by_ends"].items()), file=out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=6, help="pages per condition (default 6)")
    ap.add_argument("--conditions", default="", help="comma-separated subset of: " + ",".join(CONDITIONS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--save", default=None, help="write failing pages (PNG + truth/answer JSON, clinic forms' "
                                                 "template JSON) here")
    ap.add_argument("--save-all", action="store_true", help="with --save: every page, not only the failing ones")
    ap.add_argument("--json", default=None, help="write every page outcome (truth and answer per line) as JSON")
    ap.add_argument("--ci", action="store_true", help="small fixed subset covering every condition family")
    ap.add_argument("-j", "--processes", type=int, default=2)
    a = ap.parse_args(argv)
    t = time.time()
    if a.ci:
        conds = [c for c, _ in CI_SET]
        outs = run(seed=a.seed, processes=a.processes, save_dir=a.save, save_all=a.save_all,
                   tasks=[(c, i) for c, k in CI_SET for i in range(k)])
    else:
        conds = [c for c in a.conditions.split(",") if c] or CONDITIONS
        bad = [c for c in conds if c not in CONDITIONS]
        if bad:
            ap.error(f"unknown conditions {bad}")
        outs = run(conds, a.n, a.seed, a.save, a.processes, save_all=a.save_all)
    s = summarise(outs, requested=conds)
    print_table(s)
    print(f"\n{len(outs)} pages in {time.time() - t:.0f} s (seed {a.seed})")
    if a.json:
        Path(a.json).write_text(json.dumps([{**asdict(p), "silent": p.silent()} for p in outs], indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
