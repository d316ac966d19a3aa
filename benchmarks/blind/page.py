"""Form pages (SRS, ORS, CSRS, CORS) in many layouts, drawn supersampled with exact truth.

The print layer is drawn at SS x the target dpi over the whole page and reduced with
cv2.INTER_AREA (an integer factor, so 1x pixel i covers SS x pixels [SS*i, SS*i+SS)). Scale lines
are pixel-snapped rectangles; their ends are taken from the rectangle drawn. Client ink is drawn
on SS x strips around each line (strip origin on the 1x pixel grid) and reduced the same way."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import cv2
import numpy as np
from PIL import Image, ImageDraw

from . import fonts, marks, words
from .truth import LineTruth, MarkTruth, PageTruth

PAPERS = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
COLOURS = {  # print colours, BGR
    "black": (20, 20, 20), "darkgray": (70, 70, 70), "lightgray": (150, 150, 150),
    "lightblue": (215, 150, 80), "green": (70, 140, 40), "navy": (110, 40, 20),
    "pcoms_blue": (215, 160, 110),   # RGB (110, 160, 215): the light blue of official-style sheets
}
RANDOM_COLOURS = ["black", "darkgray", "lightgray", "lightblue", "green", "navy"]   # random_spec's choice


@dataclass
class FormSpec:
    form: str = "srs"
    lang: str = "en"
    paper: str = "A4"
    fit: float = 1.0                 # content scale (fit-to-page prints: 0.94-0.98)
    x0: float = 55.0                 # line left end, design mm from the left paper edge
    y0: float = 110.0                # first line centre
    spacing: float = 30.0
    thickness: float = 0.5
    colour: str = "black"
    family: str = "dejavu-sans"
    title: str = ""
    title_pt: float = 16
    title_align: str = "c"
    title_bold: bool = True
    letterhead: int = -1             # index into LETTERHEADS or -1
    letterhead_rule: bool = False
    header: str = "underlines"       # underlines | boxes | column | none
    fields: int = 0
    instructions: int = -1
    label_pos: str = "above"         # above | above-centre | left
    anchor_pos: str = "below"        # below | above | beside
    ends: str = "none"               # none | ticks | bars | numbers | ticks+numbers
    frame: str = "none"              # none | page | items
    footer: int = -1
    footer_rule: bool = False
    total_box: bool = False
    item_variant: int = 0
    anchor_variant: int = 0
    body_pt: float = 9.5
    label_pt: float = 11
    faces: str = "ends"              # child forms: ends | above
    seed: int = 0
    extra: dict = field(default_factory=dict)


def random_spec(rng: np.random.Generator, form: str | None = None, lang: str = "en", **over) -> FormSpec:
    form = form or str(rng.choice(["srs", "ors"]))
    s = FormSpec(form=form, lang=lang)
    s.paper = str(rng.choice(["A4", "Letter"], p=[0.6, 0.4]))
    W, H = PAPERS[s.paper]
    s.x0 = float(rng.uniform(25, 75))
    s.spacing = float(rng.uniform(18, 45))
    s.thickness = float(rng.choice([rng.uniform(0.25, 0.45), rng.uniform(0.45, 0.8), rng.uniform(0.8, 1.2)],
                                   p=[0.35, 0.45, 0.2]))
    s.colour = str(rng.choice(RANDOM_COLOURS, p=[0.55, 0.15, 0.05, 0.1, 0.08, 0.07]))
    s.family = str(rng.choice(fonts.family_names()))
    s.title = str(rng.choice(words.TITLES[form].get(lang, words.TITLES[form]["en"])))
    s.title_pt = float(rng.uniform(13, 22))
    s.title_align = str(rng.choice(["c", "l"], p=[0.7, 0.3]))
    s.title_bold = bool(rng.random() < 0.75)
    s.letterhead = int(rng.integers(len(words.LETTERHEADS))) if rng.random() < 0.35 else -1
    s.letterhead_rule = bool(rng.random() < 0.5)
    s.header = str(rng.choice(["underlines", "boxes", "column", "none"], p=[0.55, 0.2, 0.15, 0.1]))
    s.fields = int(rng.integers(len(words.FIELDS.get(lang, words.FIELDS["en"]))))
    ins = words.INSTRUCTIONS[form].get(lang, words.INSTRUCTIONS[form].get("en"))
    s.instructions = int(rng.integers(len(ins))) if rng.random() < 0.7 else -1
    s.label_pos = str(rng.choice(["above", "above-centre", "left"], p=[0.5, 0.25, 0.25]))
    s.anchor_pos = str(rng.choice(["below", "above", "beside"], p=[0.6, 0.2, 0.2]))
    s.ends = str(rng.choice(["none", "ticks", "bars", "numbers", "ticks+numbers"], p=[0.4, 0.2, 0.15, 0.1, 0.15]))
    s.frame = str(rng.choice(["none", "page", "items"], p=[0.65, 0.2, 0.15]))
    s.footer = int(rng.integers(len(words.FOOTERS))) if rng.random() < 0.8 else -1
    s.footer_rule = bool(rng.random() < 0.3)
    s.total_box = bool(rng.random() < 0.25)
    s.item_variant = int(rng.integers(4))
    s.anchor_variant = int(rng.integers(2))
    s.body_pt = float(rng.uniform(8, 11))
    s.label_pt = float(rng.uniform(9.5, 13))
    s.faces = str(rng.choice(["ends", "above"], p=[0.7, 0.3]))
    s.seed = int(rng.integers(1 << 30))
    for k, v in over.items():
        setattr(s, k, v)
    # keep the four lines on the page
    top_min = 80.0 if s.letterhead < 0 else 95.0
    span = 3 * s.spacing
    hi = H - 45 - span
    s.y0 = float(rng.uniform(top_min, max(top_min, hi)))
    if s.y0 + span > H - 35:
        s.spacing = (H - 35 - s.y0) / 3
    return s


class Canvas:
    def __init__(self, w_mm, h_mm, dpi, ss, fit=1.0):
        self.dpi, self.ss, self.fit = dpi, ss, fit
        self.W1 = int(round(w_mm * dpi / 25.4))
        self.H1 = int(round(h_mm * dpi / 25.4))
        self.k = dpi / 25.4 * ss                   # SS px per paper mm
        self.ox, self.oy = w_mm * (1 - fit) / 2, h_mm * (1 - fit) / 2
        self.img = Image.new("L", (self.W1 * ss, self.H1 * ss), 0)
        self.d = ImageDraw.Draw(self.img)

    def X(self, x):  # design mm -> SS px
        return (self.ox + self.fit * x) * self.k

    def Y(self, y):
        return (self.oy + self.fit * y) * self.k

    def L(self, mm):
        return mm * self.fit * self.k

    def font(self, family, pt, style="regular"):
        return fonts.font(family, pt * 25.4 / 72 * self.fit * self.k, style)

    def tw(self, s, f):
        b = f.getbbox(s)
        return (b[2] - b[0]) / (self.fit * self.k)

    def text(self, x, y, s, f, anchor="ls"):
        self.d.text((self.X(x), self.Y(y)), s, font=f, anchor=anchor, fill=255)

    def wrap(self, s, f, width):
        out, cur = [], ""
        for w in s.split():
            t = (cur + " " + w).strip()
            if not cur or self.tw(t, f) <= width:
                cur = t
            else:
                out.append(cur)
                cur = w
        if cur:
            out.append(cur)
        return out

    def para(self, x, y, s, f, width, lead, align="l"):
        lines = self.wrap(s, f, width)
        anc = {"l": "ls", "r": "rs", "c": "ms"}[align]
        for i, ln in enumerate(lines):
            self.text(x, y + i * lead, ln, f, anc)
        return y + (len(lines) - 1) * lead

    def rect(self, x0, y0, x1, y1):
        """Filled rectangle [x0,x1) x [y0,y1) in SS px, snapped; returns the pixel bounds drawn."""
        a, b, c, e = int(round(x0)), int(round(x1)), int(round(y0)), int(round(y1))
        b, e = max(b, a + 1), max(e, c + 1)
        self.d.rectangle([a, c, b - 1, e - 1], fill=255)
        return a, b, c, e

    def hrule(self, x0, x1, y, t):
        tp = max(self.L(t), 1.0)
        return self.rect(self.X(x0), self.Y(y) - tp / 2, self.X(x1), self.Y(y) + tp / 2)

    def vrule(self, x, y0, y1, t):
        tp = max(self.L(t), 1.0)
        return self.rect(self.X(x) - tp / 2, self.Y(y0), self.X(x) + tp / 2, self.Y(y1))

    def box(self, x0, y0, x1, y1, t):
        self.hrule(x0, x1, y0, t)
        self.hrule(x0, x1, y1, t)
        self.vrule(x0, y0, y1, t)
        self.vrule(x1, y0, y1, t)

    def face(self, cx, cy, r, happy, t):
        X, Y, R, T = self.X(cx), self.Y(cy), self.L(r), max(1, int(round(self.L(t))))
        self.d.ellipse([X - R, Y - R, X + R, Y + R], outline=255, width=T)
        er = R * 0.12
        for sx in (-0.35, 0.35):
            self.d.ellipse([X + sx * R - er, Y - 0.3 * R - er, X + sx * R + er, Y - 0.3 * R + er], fill=255)
        if happy:
            self.d.arc([X - 0.55 * R, Y - 0.45 * R, X + 0.55 * R, Y + 0.55 * R], 20, 160, fill=255, width=T)
        else:
            self.d.arc([X - 0.55 * R, Y + 0.2 * R, X + 0.55 * R, Y + 1.1 * R], 200, 340, fill=255, width=T)

    def reduce(self):
        a = np.asarray(self.img)
        return cv2.resize(a, (self.W1, self.H1), interpolation=cv2.INTER_AREA)


def _items(spec):
    return words.ITEMS.get((spec.form, spec.lang)) or words.ITEMS[(spec.form, "en")]


def draw_header(cv: Canvas, s: FormSpec, W, H):
    fam = s.family
    y = 18.0
    m = 18.0
    if s.frame == "page":
        cv.box(10, 10, W - 10, H - 10, 0.6)
        m = 20.0
        y = 22.0
    if s.letterhead >= 0:
        name, addr = words.LETTERHEADS[s.letterhead]
        cv.d.ellipse([cv.X(m), cv.Y(y - 2), cv.X(m + 12), cv.Y(y + 10)], fill=255)
        cv.text(m + 16, y + 4, name, cv.font(fam, 13, "bold"))
        cv.text(m + 16, y + 9, addr, cv.font(fam, 7.5))
        y += 15
        if s.letterhead_rule:
            cv.hrule(m, W - m, y, 0.4)
        y += 10
    else:
        y += 12
    ft = cv.font(fam, s.title_pt, "bold" if s.title_bold else "regular")
    if s.title_align == "c":
        cv.text(W / 2, y, s.title, ft, "ms")
    else:
        cv.text(m, y, s.title, ft, "ls")
    y += 10
    labels = (words.FIELDS.get(s.lang) or words.FIELDS["en"])
    labels = labels[s.fields % len(labels)]
    f = cv.font(fam, 9.5)
    if s.header == "underlines":
        rows = [labels[:3], labels[3:]] if len(labels) > 3 else [labels]
        for row in rows:
            x = m
            seg = (W - 2 * m) / len(row)
            for lab in row:
                cv.text(x, y, lab, f)
                lw = cv.tw(lab, f) + 1.5
                cv.hrule(x + lw, x + seg - 4, y + 0.6, 0.25)
                x += seg
            y += 9
    elif s.header == "boxes":
        n = len(labels)
        cw = (W - 2 * m) / n
        cv.box(m, y - 4, W - m, y + 7, 0.35)
        for i, lab in enumerate(labels):
            if i:
                cv.vrule(m + i * cw, y - 4, y + 7, 0.35)
            cv.text(m + i * cw + 1.2, y - 0.5, lab, cv.font(fam, 7))
        y += 14
    elif s.header == "column":
        x = W - m - 70
        yy = y - 4
        for lab in labels[:4]:
            cv.text(x, yy, lab, f)
            cv.hrule(x + 25, W - m, yy + 0.6, 0.25)
            yy += 7
        y = max(y, yy) + 2
    txt = s.extra.get("instructions", "")          # a form's own wording (clinic forms)
    if s.instructions >= 0 and not txt:
        ins = words.INSTRUCTIONS[s.form].get(s.lang) or words.INSTRUCTIONS[s.form]["en"]
        txt = ins[s.instructions % len(ins)]
    if txt:
        fi = cv.font(fam, s.body_pt, "italic" if s.seed % 3 == 0 else "regular")
        y = cv.para(m, y + 4, txt, fi, W - 2 * m, s.body_pt * 0.45, "l") + 6
    return y


def finish_print(cv: Canvas, s: FormSpec, W, H, x1, yb, label, f):
    """The total box (right-aligned at x1, baseline yb) if the spec has one, the footer, and the print layer
    reduced to 1x (the supersampled canvas is released)."""
    if s.total_box and yb < H - 30:
        cv.text(x1 - 28, yb, label, f, "rs")
        cv.box(x1 - 26, yb - 5, x1, yb + 2, 0.35)
    draw_footer(cv, s, W, H)
    print_cov = cv.reduce()
    del cv.d
    cv.img = None
    return print_cov


def draw_footer(cv: Canvas, s: FormSpec, W, H):
    if s.footer >= 0:
        ff = cv.font(s.family, 7.0)
        if s.footer_rule:
            cv.hrule(18, W - 18, H - 19, 0.25)
        cv.text(W / 2, H - 14, words.FOOTERS[s.footer], ff, "ms")


def render_form(spec: FormSpec, dpi: float = 300.0, ss: int | None = None, line_kinds=None,
                tool: str = "ballpoint", mark_kinds=None, rng=None):
    """Draw a form and its client marks. line_kinds: 4 of "one"/"blank"/"two".
    Returns (print_cov, ink_cov, print_bgr, ink_bgr, grain, truth) with 1x coverage arrays (uint8)."""
    rng = rng if rng is not None else np.random.default_rng(spec.seed)
    ss = ss or (3 if dpi >= 250 else 4)
    W, H = PAPERS[spec.paper]
    cv = Canvas(W, H, dpi, ss, spec.fit)
    fam = spec.family
    y_hdr = draw_header(cv, spec, W, H)
    if spec.form in ("srs", "csrs"):
        spec.spacing = max(spec.spacing, 27.0)
    spec.y0 = y_hdr + 14 + spec.extra.get("gap", rng.uniform(0, 1) ** 2 * 60)
    spec.spacing = min(spec.spacing, (H - 38 - spec.y0) / 3)
    items = _items(spec)
    child = spec.form in ("csrs", "cors")
    two_ended = spec.form in ("srs", "csrs")
    x0, x1 = spec.x0, spec.x0 + 100.0
    fl = cv.font(fam, spec.label_pt, "bold")
    fs = cv.font(fam, spec.body_pt)
    fsm = cv.font(fam, max(7.0, spec.body_pt - 1.5))
    lead = spec.body_pt * 0.42
    lines_px = []
    if spec.frame == "items":
        cv.box(max(8, x0 - 22), spec.y0 - 16, min(W - 8, x1 + 22), spec.y0 + 3 * spec.spacing + 14, 0.4)
    for i in range(4):
        y = spec.y0 + i * spec.spacing
        it = items[i]
        name = it[0][spec.item_variant % len(it[0])]
        a, b, c, e = cv.hrule(x0, x1, y, spec.thickness)
        lines_px.append((a, b, c, e))
        # label
        sub0 = it[1][spec.anchor_variant % len(it[1])] if not two_ended else ""
        lab_left = spec.label_pos == "left" and max(cv.tw(name, fl), cv.tw(sub0, fsm) if sub0 else 0) < x0 - 14 - (
            12 if child and spec.faces == "ends" else 0)
        if lab_left:
            cv.text(x0 - 4 - (12 if child and spec.faces == "ends" else 0), y + 1.3, name, fl, "rs")
        elif spec.label_pos == "above-centre":
            cv.text((x0 + x1) / 2, y - 4.5, name, fl, "ms")
        else:
            cv.text(x0, y - 4.5, name, fl, "ls")
        # sub-label (ORS/CORS) or anchors (SRS/CSRS)
        if not two_ended:
            sub = it[1][spec.anchor_variant % len(it[1])]
            if sub:
                if lab_left:
                    cv.text(x0 - 4 - (12 if child and spec.faces == "ends" else 0), y + 5.5, sub, fsm, "rs")
                elif spec.label_pos == "above-centre":
                    cv.text((x0 + x1) / 2, y + 5.5, sub, fsm, "mt")
                else:
                    cv.text(x0 + cv.tw(name, fl) + 3, y - 4.5, sub, fsm, "ls")
        else:
            lt = it[1][spec.anchor_variant % len(it[1])]
            rt = it[2][spec.anchor_variant % len(it[2])]
            if child:
                lt, rt = ("I felt the grown-up " + lt) if i == 0 and spec.lang == "en" else lt, \
                         ("The grown-up " + rt) if i == 0 and spec.lang == "en" else rt
            pos = spec.anchor_pos
            if pos == "beside" and (x0 - 18 < 28 or W - x1 - 18 < 28 or lab_left or child):
                pos = "below"
            if pos == "above" and spec.label_pos != "above-centre":
                pos = "below"
            aw = 42.0
            if pos == "below":
                cv.para(x0, y + 4.5, lt, fs, aw, lead, "l")
                cv.para(x1, y + 4.5, rt, fs, aw, lead, "r")
            elif pos == "above":
                nl = len(cv.wrap(lt, fs, 34))
                cv.para(x0, y - 3.0 - (nl - 1) * lead, lt, fs, 34, lead, "l")
                nr = len(cv.wrap(rt, fs, 34))
                cv.para(x1, y - 3.0 - (nr - 1) * lead, rt, fs, 34, lead, "r")
            else:
                wl, wr = min(40, x0 - 18), min(40, W - x1 - 18)
                cv.para(x0 - 4, y - 1.0, lt, fsm, wl, lead * 0.9, "r")
                cv.para(x1 + 4, y - 1.0, rt, fsm, wr, lead * 0.9, "l")
        # end decorations (outer edge of a tick/bar = the line end)
        if spec.ends in ("ticks", "bars", "ticks+numbers"):
            h = 3.0 if spec.ends != "bars" else 7.0
            tt = max(spec.thickness, 0.3) * cv.fit * cv.k
            yy0, yy1 = cv.Y(y - h / 2), cv.Y(y + h / 2)
            if spec.ends == "ticks" and spec.seed % 2:
                yy1 = (c + e) / 2
            cv.rect(a, yy0, a + tt, yy1)
            cv.rect(b - tt, yy0, b, yy1)
        if spec.ends in ("numbers", "ticks+numbers"):
            n0, n1 = words.ENDNUMS[spec.seed % 2]
            if not lab_left and x0 > 30 and W - x1 > 18 and not child and spec.anchor_pos != "beside":
                cv.text(x0 - 2.5, y + 1.2, n0, fsm, "rs")
                cv.text(x1 + 2.5, y + 1.2, n1, fsm, "ls")
            elif not (two_ended and spec.anchor_pos == "below"):
                cv.text(x0, y + 4.5, n0, fsm, "mt")
                cv.text(x1, y + 4.5, n1, fsm, "mt")
        if child:
            r = 4.0
            if spec.faces == "ends" and x0 - 14 > 8:
                cv.face(x0 - 3 - r, y, r, False, 0.35)
                cv.face(x1 + 3 + r, y, r, True, 0.35)
            else:
                cv.face(x0 + r, y - 8, r, False, 0.35)
                cv.face(x1 - r, y - 8, r, True, 0.35)
    print_cov = finish_print(cv, spec, W, H, x1, spec.y0 + 3 * spec.spacing + 14, "Total:", fs)

    # ------------------------------------------------------------ client ink
    kinds = list(line_kinds or ["one"] * 4)
    ink, ink_bgr, grain, lines = client_ink(lines_px, kinds, tool, mark_kinds, rng, dpi, ss, (cv.H1, cv.W1))
    truth = PageTruth(is_form=True, form=spec.form, lang=spec.lang, lines=lines,
                      layout={**{k: v for k, v in asdict(spec).items() if k != "extra"}, "tool": tool, "dpi": dpi})
    return print_cov, ink, COLOURS[spec.colour], ink_bgr, grain, truth


def client_ink(lines_px, kinds, tool, mark_kinds, rng, dpi, ss, shape, unit="percent"):
    """Client marks on the lines drawn at lines_px (SS px rectangles (a, b, c, e): x from a to b, y from c
    to e), one kind per line ("one" / "blank" / "two"). Returns (ink_cov 1x uint8, ink_bgr, grain, lines).
    unit "percent": values are 100 * (x - left end) / length (a 100 mm scale, whatever the print size);
    unit "mm": values are the mark's distance from the printed left end in paper mm."""
    wr, dr, cols, grain = marks.TOOLS[tool]
    kpx = dpi / 25.4 * ss                            # SS px per paper mm (marks are not scaled)
    pen_w = rng.uniform(*wr) * kpx
    dark = rng.uniform(*dr)
    ink_bgr = cols[int(rng.integers(len(cols)))]
    H1, W1 = shape
    ink = np.zeros((H1, W1), np.uint8)
    lines = []
    mm_per_px = 25.4 / dpi / ss
    for i, (a, b, c, e) in enumerate(lines_px):
        yc = (c + e) / 2.0
        lt = LineTruth(index=i, kind=kinds[i], value=None, left_mm=a * mm_per_px, right_mm=b * mm_per_px,
                       y_mm=yc * mm_per_px, thickness_mm=(e - c) * mm_per_px)
        n = {"one": 1, "two": 2, "blank": 0}[kinds[i]]
        if n:
            half = int(round(18 * kpx / ss)) * ss          # strip: +-18 mm, on the 1x grid
            y_top = max(0, int(yc // ss) * ss - half)
            y_bot = min(H1 * ss, int(yc // ss) * ss + half)
            strip = np.zeros((y_bot - y_top, W1 * ss), np.uint8)
            if n == 1:
                vals = [_pick_value(rng)]
            else:
                v1 = rng.uniform(3, 60)
                vals = [v1, rng.uniform(v1 + 18, 97)]
                if rng.random() < 0.5:
                    vals = [100 - v for v in vals]
            for v in vals:
                kind = (mark_kinds[i] if mark_kinds else str(rng.choice(marks.COMMON)))
                xt = a + (b - a) * v / 100.0
                # cv2 puts coordinate i at the centre of pixel i, the print layer's pixel i covers [i, i + 1):
                # draw half a pixel up-left so the mark's geometry is in the print layer's coordinates
                tx, doubt = marks.draw_mark(strip, kind, xt - 0.5, yc - y_top - 0.5, kpx, pen_w, e - c, rng,
                                            ends=(a - 0.5, b - 0.5))
                tx += 0.5
                val = 100.0 * (tx - a) / (b - a) if unit == "percent" else (tx - a) * mm_per_px
                lt.marks.append(MarkTruth(kind=kind, x_mm=tx * mm_per_px, value=val, doubtful=doubt))
            red = cv2.resize(strip, (W1, (y_bot - y_top) // ss), interpolation=cv2.INTER_AREA)
            sl = ink[y_top // ss: y_bot // ss]
            np.maximum(sl, red, out=sl)
            if n == 1:
                lt.value = lt.marks[0].value
        lines.append(lt)
    ink = (ink.astype(np.float32) * dark).astype(np.uint8)
    return ink, ink_bgr, grain, lines


def _pick_value(rng):
    r = rng.random()
    if r < 0.08:
        return float(rng.uniform(0.8, 4))
    if r < 0.2:
        return float(rng.uniform(95, 99.2))
    return float(rng.uniform(4, 95))


def compose(print_cov, ink, print_bgr, ink_bgr, grain, rng, paper=(246, 248, 250), colour=True):
    """Multiplicative ink over paper at 1x. Returns BGR uint8 (colour) or gray."""
    pc = print_cov.astype(np.float32) / 255.0
    ic = ink.astype(np.float32) / 255.0
    if grain:
        g = rng.uniform(0.55, 1.0, ic.shape).astype(np.float32)
        g = cv2.GaussianBlur(g, (0, 0), 0.7)
        ic *= g
    out = np.empty(pc.shape + (3,), np.float32)
    for ch in range(3):
        fp = 1.0 - pc * (1.0 - print_bgr[ch] / 255.0)
        fi = 1.0 - ic * (1.0 - ink_bgr[ch] / 255.0)
        out[..., ch] = paper[ch] * fp * fi
    out = np.clip(out, 0, 255).astype(np.uint8)
    if colour:
        return out
    return cv2.cvtColor(out, cv2.COLOR_BGR2GRAY)
