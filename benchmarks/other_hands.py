"""Generalisation benchmark: SRS / ORS forms drawn by *other hands* in *other layouts*.

This script has its own renderer, written from scratch (Pillow ImageDraw + numpy +
OpenCV). It deliberately does not use srs_scan.synth, so the reader is tested on page
designs it was not developed against: an official-looking sheet, 0/10 end numbers,
end bars, labels left of the lines, thick lines, hairlines, light-gray print, a header
drawn as a table grid, a page frame, a letter-size "fit to page" print, a clinic
letterhead. Degradations: gray scans at 300 and 200 dpi, a bitonal 200-dpi fax, a few
degrees of rotation, upside down, heavy JPEG, a phone photo (perspective, textured
background, uneven light; dpi=None) and a clean "digital" page (tablet-filled PDF).

Geometry is exact: every page is drawn at 4x the target resolution and reduced with
cv2.INTER_AREA; the printed line ends are computed from the pixel-snapped rectangle
actually drawn, and each client mark's true position is where the stroke centre (as
drawn, wobble included) crosses the line's centre line (X: crossing point; dot: centre;
short tick standing on the line: its foot). Truth value = 100 * (mark - left end) /
(right end - left end), i.e. relative to the printed line (fit-to-page prints too).

    python benchmarks/other_hands.py                     # full run (264 pages, ~3 min on 2 cores)
    python benchmarks/other_hands.py -n 1 --layouts official,thick --degs scan300
    python benchmarks/other_hands.py --only official:photo:2 --save out/   # one case
    python benchmarks/other_hands.py --render-only out/samples              # just draw pages

Figures (per layout and per degradation):
  pages       pages read
  found       pages not reported no_form/error
  formok      SRS/ORS named correctly
  wrongF      pages named as the WRONG form (not None): an ORS scored as an SRS or
              vice versa; listed as SILENT-form when the page status is "ok"
  n           single-mark items that got a value
  bias        mean signed (reported - true) mm over those items
  mean/P95/max  |reported mm - true mm| over those items
  SILENT      single-mark items off by > 2 mm whose status is not "review"
              (+ blank lines given a value with status ok, + two-mark lines given
              status ok: a wrong number nobody is asked to check)
  miss ok     blank lines reported "missing"
  2mk rev     two-mark lines reported "review"
  false rev   single-mark items sent to "review"
  rev>2mm     of those, items whose value is also off by > 2 mm (caught, but wrong)
  lost        single-mark items reported "missing" (or not returned at all)
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

SS = 4  # supersampling factor
FONT_DIR = "/usr/share/fonts/truetype/dejavu"

# --------------------------------------------------------------------------- texts
SRS_ITEMS = [
    ("Relationship", "I did not feel heard, understood, and respected.",
     "I felt heard, understood, and respected."),
    ("Goals and Topics", "We did not work on or talk about what I wanted to work on and talk about.",
     "We worked on and talked about what I wanted to work on and talk about."),
    ("Approach or Method", "The therapist's approach is not a good fit for me.",
     "The therapist's approach is a good fit for me."),
    ("Overall", "There was something missing in the session today.",
     "Overall, today's session was right for me."),
]
ORS_ITEMS = [
    ("Individually", "(Personal well-being)"),
    ("Interpersonally", "(Family, close relationships)"),
    ("Socially", "(Work, school, friendships)"),
    ("Overall", "(General sense of well-being)"),
]
SRS_INSTR = ("Please rate today's session by placing a mark on the line nearest to the "
             "description that best fits your experience.")
ORS_INSTR = ("Looking back over the last week, including today, help us understand how you "
             "have been feeling by rating how well you have been doing in the following areas "
             "of your life, where marks to the left represent low levels and marks to the right "
             "indicate high levels.")
FOOTER = ("\u00a9 2024 Northside Feedback-Informed Care Collaborative. May be reproduced for "
          "clinical use; not for resale.")


def title_of(form, style):
    if form == "srs":
        return {"abbr": "Session Rating Scale (SRS)", "plain": "Session Rating Scale",
                "upper": "SESSION RATING SCALE"}[style]
    return {"abbr": "Outcome Rating Scale (ORS)", "plain": "Outcome Rating Scale",
            "upper": "OUTCOME RATING SCALE"}[style]


# --------------------------------------------------------------------------- canvas
_FONT_CACHE: dict = {}


def load_font(name, px):
    px = max(4, int(round(px)))
    key = (name, px)
    if key not in _FONT_CACHE:
        if name == "default":
            _FONT_CACHE[key] = ImageFont.load_default(size=px)
        else:
            _FONT_CACHE[key] = ImageFont.truetype(os.path.join(FONT_DIR, name + ".ttf"), px)
    return _FONT_CACHE[key]


def _shared_image(arr):
    """A PIL 'L' image drawing straight into the numpy array (no copies)."""
    h, w = arr.shape
    im = Image.frombuffer("L", (w, h), arr, "raw", "L", 0, 1)
    im.readonly = 0
    return im


class Canvas:
    """A page drawn at SS x dpi. Layout coordinates are mm on the (unscaled) design;
    `scale` < 1 reproduces a "fit to page" print (content shrunk about the page centre)."""

    def __init__(self, w_mm, h_mm, dpi, scale=1.0):
        self.dpi = dpi
        self.w_mm, self.h_mm = w_mm, h_mm
        self.W1 = int(round(w_mm * dpi / 25.4))
        self.H1 = int(round(h_mm * dpi / 25.4))
        self.W, self.H = self.W1 * SS, self.H1 * SS
        self.k = dpi / 25.4 * SS  # px (4x) per paper mm
        self.scale = scale
        self.offx = w_mm * (1 - scale) / 2
        self.offy = h_mm * (1 - scale) / 2
        self.prn_np = np.zeros((self.H, self.W), np.uint8)
        self.prn = _shared_image(self.prn_np)
        self.dp = ImageDraw.Draw(self.prn)
        self.di = None  # ink is drawn in strips around each scale line (see render)

    # design mm -> continuous 4x px (pixel i covers [i, i+1))
    def X(self, x):
        return (self.offx + self.scale * x) * self.k

    def Y(self, y):
        return (self.offy + self.scale * y) * self.k

    def d(self, mm):  # design length -> px
        return mm * self.scale * self.k

    def font(self, name, pt):
        return load_font(name, pt * 25.4 / 72 * self.scale * self.k)

    def text(self, x, y, s, font, anchor="ls"):
        self.dp.text((self.X(x), self.Y(y)), s, font=font, anchor=anchor, fill=255)

    def text_w(self, s, font):  # in design mm
        b = font.getbbox(s)
        return (b[2] - b[0]) / (self.scale * self.k)

    def wrap(self, s, font, width_mm):
        words, lines, cur = s.split(), [], ""
        for w in words:
            t = (cur + " " + w).strip()
            if self.text_w(t, font) <= width_mm or not cur:
                cur = t
            else:
                lines.append(cur)
                cur = w
        if cur:
            lines.append(cur)
        return lines

    def para(self, x, y, s, font, width_mm, lead_mm, align="l"):
        """Wrapped paragraph; y = first baseline. Returns the last baseline."""
        lines = self.wrap(s, font, width_mm)
        for i, ln in enumerate(lines):
            yy = y + i * lead_mm
            if align == "l":
                self.text(x, yy, ln, font, "ls")
            elif align == "r":
                self.text(x, yy, ln, font, "rs")
            else:
                self.text(x, yy, ln, font, "ms")
        return y + (len(lines) - 1) * lead_mm

    def rect_px(self, x0, y0, x1, y1):
        """Filled rectangle covering [x0, x1) x [y0, y1) in 4x px, snapped to pixels."""
        a, b = int(round(x0)), int(round(x1))
        c, e = int(round(y0)), int(round(y1))
        if b <= a:
            b = a + 1
        if e <= c:
            e = c + 1
        self.dp.rectangle([a, c, b - 1, e - 1], fill=255)
        return a, b, c, e

    def hline(self, x0, x1, y, t):
        """Horizontal rule from design x0 to x1 (mm), centred on y, thickness t (paper mm)."""
        tp = t * self.k * self.scale
        a, b, c, e = self.rect_px(self.X(x0), self.Y(y) - tp / 2, self.X(x1), self.Y(y) + tp / 2)
        return a, b, (c + e) / 2, (e - c)

    def vline(self, x, y0, y1, t):
        tp = t * self.k * self.scale
        self.rect_px(self.X(x) - tp / 2, self.Y(y0), self.X(x) + tp / 2, self.Y(y1))

    def frame(self, x0, y0, x1, y1, t):
        self.hline(x0 - t / 2, x1 + t / 2, y0, t)
        self.hline(x0 - t / 2, x1 + t / 2, y1, t)
        self.vline(x0, y0, y1, t)
        self.vline(x1, y0, y1, t)

    def scale_line(self, x0, y, t, length=100.0):
        """The measured scale: returns (left_px, right_px, centre_y_px, thick_px) in 4x px."""
        return self.hline(x0, x0 + length, y, t)


def fields_row(c, x, y, fields, font, t=0.2, gap=3.0):
    """'Label ____' header fields on one baseline; underline lengths in mm."""
    for label, ul in fields:
        c.text(x, y, label, font)
        x += c.text_w(label, font) + 1.2
        c.hline(x, x + ul, y + 0.6, t)
        x += ul + gap
    return x


# --------------------------------------------------------------------------- layouts
# Each returns a list of 4 (left_px, right_px, yc_px, thick_px) for the scales.

def lay_official(c, form, rng):
    F, FB = "DejaVuSans", "DejaVuSans-Bold"
    c.text(105, 24, title_of(form, "abbr"), c.font(FB, 18), "ms")
    f9 = c.font(F, 9.5)
    fields_row(c, 22, 38, [("Name", 58), ("Age (Yrs)", 14), ("ID#", 20), ("Sex", 12)], f9)
    fields_row(c, 22, 46, [("Session #", 14), ("Date", 36)], f9)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(25, 58, instr, c.font(F, 10), 160, 5.0)
    x0 = 55 + rng.uniform(-0.5, 0.5)
    y = 92 + rng.uniform(-1, 1)
    out = []
    fl, fa = c.font(FB, 11), c.font(F, 8)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.text(x0 + 50, y - 4.5, name, fl, "ms")
            c.para(x0, y + 6, la, fa, 42, 3.6, "l")
            c.para(x0 + 100, y + 6, ra, fa, 42, 3.6, "r")
        else:
            name, sub = ORS_ITEMS[i]
            c.text(x0 + 50, y - 4.5, name + " " + sub, fl, "ms")
        out.append(c.scale_line(x0, y, 0.3))
        y += 40 if form == "srs" else 36
    c.text(105, 282, FOOTER, c.font(F, 6.5), "ms")
    c.text(105, 286, "www.northside-fic.example", c.font(F, 6.5), "ms")
    return out


def lay_numbered_ends(c, form, rng):
    F, FB = "DejaVuSerif", "DejaVuSerif-Bold"
    c.text(20, 22, title_of(form, "abbr"), c.font(FB, 16), "ls")
    f = c.font(F, 10)
    fields_row(c, 20, 34, [("Client:", 60), ("Date:", 35)], f)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(20, 46, instr, c.font(F, 10), 170, 5.0)
    x0 = 57 + rng.uniform(-0.5, 0.5)
    y = 88 + rng.uniform(-1, 1)
    out = []
    fn, fl, fa = c.font(F, 11), c.font(FB, 11), c.font("DejaVuSerif-Italic", 7.5)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.para(x0, y + 6, la, fa, 40, 3.4, "l")
            c.para(x0 + 100, y + 6, ra, fa, 40, 3.4, "r")
        else:
            name, sub = ORS_ITEMS[i]
            name = name + " " + sub
        c.text(x0, y - 4, f"{i + 1}. {name}", fl, "ls")
        out.append(c.scale_line(x0, y, 0.35))
        c.text(x0 - 2.5, y, "0", fn, "rm")
        c.text(x0 + 102.5, y, "10", fn, "lm")
        y += 36
    c.text(20, 280, "Form rev. 3  \u2014  " + FOOTER, c.font(F, 6), "ls")
    return out


def lay_end_bars(c, form, rng):
    F, FB = "DejaVuSansCondensed", "DejaVuSansCondensed-Bold"
    c.text(105, 20, title_of(form, "abbr"), c.font(FB, 17), "ms")
    f = c.font(F, 9.5)
    fields_row(c, 18, 33, [("Name", 55), ("ID#", 20), ("Session #", 12), ("Date", 30)], f)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(105, 46, instr, c.font(F, 10), 150, 4.8, "c")
    x0 = 55 + rng.uniform(-0.5, 0.5)
    y = 84 + rng.uniform(-1, 1)
    out = []
    fl, fa = c.font(FB, 11.5), c.font(F, 8)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.para(x0, y + 7, la, fa, 40, 3.5, "l")
            c.para(x0 + 100, y + 7, ra, fa, 40, 3.5, "r")
        else:
            name, sub = ORS_ITEMS[i]
            c.text(x0 + 50, y + 7, sub, fa, "ms")
        c.text(x0 + 50, y - 5, name, fl, "ms")
        out.append(c.scale_line(x0, y, 0.3))
        c.vline(x0, y - 2.5, y + 2.5, 0.35)
        c.vline(x0 + 100, y - 2.5, y + 2.5, 0.35)
        y += 42
    c.text(105, 285, FOOTER, c.font(F, 6.5), "ms")
    return out


def lay_label_left(c, form, rng):
    F, FB = "DejaVuSansMono", "DejaVuSansMono-Bold"
    tf = str(rng.choice([FB, "DejaVuSans-Bold"]))  # the clinic's template mixes fonts
    c.text(20, 22, title_of(form, "plain"), c.font(tf, 15), "ls")
    f = c.font(F, 9)
    fields_row(c, 20, 32, [("Name", 55), ("Date", 30)], f)
    fields_row(c, 20, 39, [("Age", 12), ("Session", 12)], f)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(20, 52, instr, c.font(F, 8.5), 170, 4.3)
    x0 = 80 + rng.uniform(-0.5, 0.5)
    y = 112 + rng.uniform(-1, 1)
    out = []
    fl, fa, fs = c.font(FB, 9.5), c.font(F, 6.5), c.font(F, 7)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            nl = len(c.wrap(la, fa, 44))
            c.para(x0, y - 2.2 - (nl - 1) * 3.0, la, fa, 44, 3.0, "l")
            nr = len(c.wrap(ra, fa, 44))
            c.para(x0 + 100, y - 2.2 - (nr - 1) * 3.0, ra, fa, 44, 3.0, "r")
            c.text(x0 - 4, y, name, fl, "rm")
        else:
            name, sub = ORS_ITEMS[i]
            c.text(x0 - 4, y, name, fl, "rm")
            c.text(x0 - 4, y + 4.5, sub, fs, "rm")
            c.text(x0, y - 2.5, "low", fa, "ls")
            c.text(x0 + 100, y - 2.5, "high", fa, "rs")
        out.append(c.scale_line(x0, y, 0.3))
        y += 34
    c.text(20, 284, FOOTER, c.font(F, 5.5), "ls")
    return out


def lay_thick(c, form, rng):
    F, FB = "DejaVuSerif", "DejaVuSerif-Bold"
    c.text(105, 26, title_of(form, "upper"), c.font(FB, 20), "ms")
    f = c.font(F, 10)
    fields_row(c, 24, 42, [("Name", 70), ("Date", 40)], f, t=0.4)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(24, 56, instr, c.font(F, 10.5), 162, 5.3)
    x0 = 55 + rng.uniform(-0.5, 0.5)
    y = 100 + rng.uniform(-1, 1)
    out = []
    fl, fa = c.font(FB, 12), c.font(F, 8.5)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.para(x0, y + 6.5, la, fa, 44, 3.8, "l")
            c.para(x0 + 100, y + 6.5, ra, fa, 44, 3.8, "r")
        else:
            name, sub = ORS_ITEMS[i]
            c.text(x0 + 50, y + 7, sub, fa, "ms")
        c.text(x0, y - 4.5, name, fl, "ls")
        out.append(c.scale_line(x0, y, 0.8))
        y += 40
    return out


def lay_hairline(c, form, rng):
    F = "default"
    c.text(105, 22, title_of(form, "abbr"), c.font(F, 17), "ms")
    f = c.font(F, 9.5)
    fields_row(c, 25, 36, [("Name:", 60), ("ID:", 25), ("Date:", 30)], f, t=0.15)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(25, 50, instr, c.font(F, 10), 160, 5.0)
    x0 = 55 + rng.uniform(-0.5, 0.5)
    y = 90 + rng.uniform(-1, 1)
    out = []
    fl, fa = c.font(F, 11), c.font(F, 8.5)
    for i in range(4):
        if form == "srs":
            name = SRS_ITEMS[i][0]
        else:
            name = ORS_ITEMS[i][0]
        c.text(x0 + 50, y - 5, name, fl, "ms")
        # short anchors beside the ends, on the line's level
        c.text(x0 - 3, y, "Not at all", fa, "rm")
        c.text(x0 + 103, y, "Very much", fa, "lm")
        out.append(c.scale_line(x0, y, 0.15))
        y += 34
    c.text(105, 280, FOOTER, c.font(F, 7), "ms")
    return out


def lay_light_gray(c, form, rng):
    F, FB = "DejaVuSans-ExtraLight", "DejaVuSans"
    c.text(22, 24, title_of(form, "abbr"), c.font(FB, 18), "ls")
    f = c.font(F, 10)
    fields_row(c, 22, 37, [("Name", 60), ("Age (Yrs)", 14), ("Sex", 12)], f, t=0.25)
    fields_row(c, 22, 45, [("ID#", 25), ("Session #", 14), ("Date", 30)], f, t=0.25)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(22, 58, instr, c.font(F, 10.5), 166, 5.2)
    x0 = 55 + rng.uniform(-0.5, 0.5)
    y = 95 + rng.uniform(-1, 1)
    out = []
    fl, fa = c.font(FB, 11), c.font(F, 8.5)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.para(x0, y + 6, la, fa, 42, 3.7, "l")
            c.para(x0 + 100, y + 6, ra, fa, 42, 3.7, "r")
            c.text(x0, y - 4, name, fl, "ls")
        else:
            name, sub = ORS_ITEMS[i]
            c.text(x0, y - 4, name + " " + sub, fl, "ls")
        out.append(c.scale_line(x0, y, 0.25))
        y += 40
    c.text(105, 285, FOOTER, c.font(F, 7), "ms")
    return out


def lay_grid_header(c, form, rng):
    F, FB = "DejaVuSans", "DejaVuSans-Bold"
    c.text(105, 20, title_of(form, "abbr"), c.font(FB, 16), "ms")
    # header as a 2-column table, 3 rows: long parallel rules with aligned ends
    f = c.font(F, 9)
    gx0, gx1, gy0, rh = 20, 190, 28, 8.5
    for r in range(4):
        c.hline(gx0, gx1, gy0 + r * rh, 0.3)
    c.vline(gx0, gy0, gy0 + 3 * rh, 0.3)
    c.vline(gx1, gy0, gy0 + 3 * rh, 0.3)
    c.vline(105, gy0, gy0 + 3 * rh, 0.3)
    cells = [("Name:", "Age (Yrs):"), ("ID#:", "Sex:"), ("Session #:", "Date:")]
    for r, (a, b) in enumerate(cells):
        c.text(gx0 + 2, gy0 + r * rh + 5.8, a, f)
        c.text(107, gy0 + r * rh + 5.8, b, f)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(22, 67, instr, c.font(F, 10), 166, 5.0)
    x0 = 55 + rng.uniform(-0.5, 0.5)
    y = 100 + rng.uniform(-1, 1)
    out = []
    fl, fa = c.font(FB, 11), c.font(F, 8)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.para(x0, y + 6, la, fa, 42, 3.6, "l")
            c.para(x0 + 100, y + 6, ra, fa, 42, 3.6, "r")
        else:
            name, sub = ORS_ITEMS[i]
            name = name + " " + sub
        c.text(x0, y - 4, name, fl, "ls")
        out.append(c.scale_line(x0, y, 0.3))
        y += 37
    # office-use table at the bottom (another grid)
    by = 258
    c.text(20, by - 2, "For office use", c.font(FB, 8))
    for r in range(3):
        c.hline(20, 190, by + r * 7, 0.25)
    for xx in (20, 62.5, 105, 147.5, 190):
        c.vline(xx, by, by + 14, 0.25)
    for j, lab in enumerate(("Item 1", "Item 2", "Item 3", "Item 4")):
        c.text(22 + j * 42.5, by + 5, lab, c.font(F, 8))
    c.text(105, 289, FOOTER, c.font(F, 6), "ms")
    return out


def lay_framed(c, form, rng):
    F, FB = "DejaVuSerifCondensed", "DejaVuSerifCondensed-Bold"
    c.frame(10, 10, 200, 287, 0.6)
    c.frame(12, 12, 198, 285, 0.2)
    c.text(105, 28, title_of(form, "abbr"), c.font(FB, 18), "ms")
    f = c.font(F, 10)
    fields_row(c, 24, 42, [("Name", 50), ("Age (Yrs)", 12), ("ID#", 18)], f)
    fields_row(c, 24, 50, [("Sex", 10), ("Session #", 12), ("Date", 32)], f)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(24, 62, instr, c.font(F, 10.5), 162, 5.1)
    x0 = 55 + rng.uniform(-0.5, 0.5)
    y = 104 + rng.uniform(-1, 1)
    out = []
    fl, fs, fa = c.font(FB, 12), c.font(F, 9.5), c.font(F, 8)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.text(x0 + 50, y - 5, name, fl, "ms")
            c.para(x0, y + 6, la, fa, 42, 3.6, "l")
            c.para(x0 + 100, y + 6, ra, fa, 42, 3.6, "r")
        else:
            name, sub = ORS_ITEMS[i]
            c.text(x0 + 50, y - 9.5, name, fl, "ms")
            c.text(x0 + 50, y - 4, sub, fs, "ms")
        out.append(c.scale_line(x0, y, 0.3))
        y += 40
    c.text(105, 279, FOOTER, c.font(F, 6.5), "ms")
    return out


def lay_letter_fit(c, form, rng):
    F, FB = "DejaVuSans", "DejaVuSans-Bold"
    W = 215.9
    c.text(W / 2, 22, title_of(form, "plain"), c.font(FB, 16), "ms")
    f = c.font(F, 9.5)
    fields_row(c, 25, 35, [("Name", 62), ("Age (Yrs)", 14), ("ID#", 22)], f)
    fields_row(c, 25, 43, [("Sex", 12), ("Session #", 14), ("Date", 34)], f)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(25, 56, instr, c.font(F, 10), 166, 5.0)
    x0 = (W - 100) / 2 + rng.uniform(-0.5, 0.5)
    y = 90 + rng.uniform(-1, 1)
    out = []
    fl, fa = c.font(FB, 11), c.font(F, 8)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.para(x0, y + 6, la, fa, 42, 3.6, "l")
            c.para(x0 + 100, y + 6, ra, fa, 42, 3.6, "r")
        else:
            name, sub = ORS_ITEMS[i]
            name = name + " " + sub
        c.text(x0, y - 4, f"{i + 1}. {name}", fl, "ls")
        out.append(c.scale_line(x0, y, 0.3))
        y += 38
    c.text(W / 2, 268, FOOTER, c.font(F, 6.5), "ms")
    return out


def lay_letterhead(c, form, rng):
    F, FB, FI = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
    cx, cy, r = c.X(26), c.Y(22), c.d(8)
    c.dp.ellipse([cx - r, cy - r, cx + r, cy + r], fill=255)
    c.dp.ellipse([cx - r * 0.55, cy - r * 0.55, cx + r * 0.55, cy + r * 0.55], fill=0)
    c.text(38, 20, "Riverside Family Counselling", c.font(FB, 14), "ls")
    c.text(38, 26.5, "12 Mill Lane, Suite 4  \u00b7  Tel 555 0142  \u00b7  riverside.example",
           c.font(F, 8), "ls")
    c.hline(15, 195, 34, 0.5)
    c.text(25, 46, title_of(form, "abbr"), c.font(FB, 12.5), "ls")
    f = c.font(F, 9.5)
    fields_row(c, 25, 56, [("Client ID", 30), ("Date", 30), ("Clinician", 40)], f)
    instr = SRS_INSTR if form == "srs" else ORS_INSTR
    c.para(25, 68, instr, c.font(FI, 9.5), 160, 4.8)
    x0 = 30 + rng.uniform(-0.5, 0.5)
    y = 104 + rng.uniform(-1, 1)
    out = []
    fl, fa = c.font(FI, 11), c.font(FI, 7.5)
    for i in range(4):
        if form == "srs":
            name, la, ra = SRS_ITEMS[i]
            c.para(x0, y + 6, la, fa, 40, 3.4, "l")
            c.para(x0 + 100, y + 6, ra, fa, 40, 3.4, "r")
        else:
            name, sub = ORS_ITEMS[i]
            name = name + " " + sub
        c.text(x0, y - 4, name, fl, "ls")
        out.append(c.scale_line(x0, y, 0.3))
        y += 35
    fields_row(c, 25, 252, [("Total score:", 22)], c.font(FB, 10))
    fields_row(c, 95, 252, [("Clinician signature:", 60)], c.font(F, 9.5))
    c.text(105, 287, "Page 1 of 1", c.font(F, 7), "ms")
    return out


LAYOUTS = {
    # name: (function, page (w, h) mm, print colour 0-255 (gray level of solid print), fit scale range)
    "official": (lay_official, (210, 297), 25, None),
    "numbered_ends": (lay_numbered_ends, (210, 297), 30, None),
    "end_bars": (lay_end_bars, (210, 297), 25, None),
    "label_left": (lay_label_left, (210, 297), 30, None),
    "thick": (lay_thick, (210, 297), 20, None),
    "hairline": (lay_hairline, (210, 297), 25, None),
    "light_gray": (lay_light_gray, (210, 297), (115, 155), None),
    "grid_header": (lay_grid_header, (210, 297), 25, None),
    "framed": (lay_framed, (210, 297), 30, None),
    "letter_fit": (lay_letter_fit, (215.9, 279.4), 25, (0.94, 0.985)),
    "letterhead": (lay_letterhead, (210, 297), 30, None),
}

# --------------------------------------------------------------------------- marks
PENS = {
    # name: (BGR ink colour at full coverage, width range mm)
    "ball_blue": ((150, 70, 30), (0.4, 0.6)),
    "ball_black": ((45, 40, 40), (0.4, 0.6)),
    "felt_blue": ((170, 80, 25), (0.9, 1.2)),
    "felt_black": ((30, 30, 30), (0.9, 1.2)),
}
MARK_KINDS = ["vtick", "slant", "x", "dot", "foot", "wobbly"]
MARK_P = [0.24, 0.20, 0.20, 0.12, 0.12, 0.12]


def _poly(c, pts, w):
    """Stroke through pts (4x px, continuous coords) with round caps/joins."""
    pts = [(float(x) - 0.5, float(y) - 0.5) for x, y in pts]
    c.di.line(pts, fill=255, width=max(1, int(round(w))), joint="curve")
    r = w / 2
    for x, y in (pts[0], pts[-1]):
        c.di.ellipse([x - r, y - r, x + r, y + r], fill=255)


def _crossing(pts, yc):
    """x where the polyline first crosses y = yc."""
    for (xa, ya), (xb, yb) in zip(pts[:-1], pts[1:], strict=False):
        if (ya - yc) * (yb - yc) <= 0 and ya != yb:
            t = (yc - ya) / (yb - ya)
            return xa + t * (xb - xa)
    return None


def draw_mark(c, rng, kind, xm, yc, thick, w, k):
    """Draw one mark meant at x = xm (4x px) on the line centred at yc.
    Returns the true x (4x px) of the mark as drawn."""
    if kind == "vtick" or kind == "slant":
        ang = np.deg2rad(rng.uniform(-6, 6) if kind == "vtick" else rng.choice([-1, 1]) * rng.uniform(15, 40))
        up, dn = rng.uniform(2.0, 6.0) * k, rng.uniform(1.5, 5.0) * k
        dx, dy = np.sin(ang), np.cos(ang)
        p0 = (xm - dx * up, yc - dy * up)
        p1 = (xm + dx * dn, yc + dy * dn)
        _poly(c, [p0, p1], w)
        return xm
    if kind == "wobbly":
        ang = np.deg2rad(rng.uniform(-20, 20))
        up, dn = rng.uniform(3.0, 7.0) * k, rng.uniform(2.0, 6.0) * k
        n = 24
        t = np.linspace(-up, dn, n)
        amp = rng.uniform(0.25, 0.7) * k
        ph = rng.uniform(0, 2 * np.pi)
        lat = amp * np.sin(ph + t / k * rng.uniform(0.8, 1.8)) + rng.normal(0, 0.06 * k, n)
        lat = cv2.GaussianBlur(lat.reshape(1, -1).astype(np.float64), (5, 1), 1.0).ravel()
        dx, dy = np.sin(ang), np.cos(ang)
        xs = xm + dx * t + dy * lat
        ys = yc + dy * t - dx * lat
        pts = list(zip(xs, ys, strict=False))
        _poly(c, pts, w)
        return _crossing(pts, yc)
    if kind == "x":
        out = []
        for sgn in (1, -1):
            a = np.deg2rad(rng.uniform(30, 60))
            r1, r2 = rng.uniform(2.0, 4.5) * k, rng.uniform(2.0, 4.5) * k
            bow = rng.uniform(-0.3, 0.3) * k
            ts = np.linspace(-r1, r2, 12)
            dx, dy = np.cos(a), -sgn * np.sin(a)
            # a bow that vanishes (value and slope) at the crossing keeps it at (xm, yc)
            lat = bow * (ts / max(r1, r2)) ** 2
            pts = [(xm + dx * s - dy * q, yc + dy * s + dx * q) for s, q in zip(ts, lat, strict=True)]
            out.append(pts)
        for pts in out:
            _poly(c, pts, w)
        return xm
    if kind == "dot":
        rx, ry = rng.uniform(0.7, 1.5) * k, None
        ry = rx * rng.uniform(0.75, 1.2)
        c.di.ellipse([xm - rx - 0.5, yc - ry - 0.5, xm + rx - 0.5, yc + ry - 0.5], fill=255)
        return xm
    if kind == "foot":
        # a short tick standing on the line: foot on the line's top edge
        ang = np.deg2rad(rng.uniform(-15, 15))
        h = rng.uniform(3.0, 5.5) * k
        fy = yc - thick / 2
        p0 = (xm, fy)
        p1 = (xm + np.sin(ang) * h, fy - np.cos(ang) * h)
        _poly(c, [p1, p0], w)
        return xm
    raise ValueError(kind)


# --------------------------------------------------------------------------- page
def render(layout, form, dpi, rng):
    """Returns BGR float32 page at dpi, and truth: list of (kind, [values], mark kinds)."""
    fn, (wmm, hmm), print_gray, fit = LAYOUTS[layout]
    scale = rng.uniform(*fit) if fit else 1.0
    c = Canvas(wmm, hmm, dpi, scale)
    scales = fn(c, form, rng)
    pen = str(rng.choice(list(PENS)))
    ink_bgr, (wlo, whi) = PENS[pen]
    w = rng.uniform(wlo, whi) * c.k
    truth = []
    strips = []  # (y0 in 1x px, strip image at 4x)
    half = int(16 * c.k)
    for (xl, xr, yc_page, th) in scales:
        y0 = max(0, int((yc_page - half) // SS) * SS)
        y1 = min(c.H, y0 + 2 * half + SS)
        y1 = y0 + (y1 - y0) // SS * SS
        strip = np.zeros((y1 - y0, c.W), np.uint8)
        c.di = ImageDraw.Draw(_shared_image(strip))
        strips.append((y0 // SS, strip))
        yc = yc_page - y0
        u = rng.random()
        kind = "single" if u < 0.75 else ("blank" if u < 0.88 else "double")
        L = xr - xl
        if kind == "blank":
            truth.append(("blank", [], []))
            continue
        nm = 1 if kind == "single" else 2
        if nm == 1:
            if rng.random() < 0.9:  # same draws, in the same order, as before
                v = rng.uniform(1.5, 98.5)
            else:
                v = rng.choice([rng.uniform(0.8, 3), rng.uniform(97, 99.2)])
            vals = [v]
        else:
            while True:
                vals = sorted(rng.uniform(5, 95, 2))
                if vals[1] - vals[0] > 12:
                    break
        got, kinds = [], []
        for v in vals:
            mk = str(rng.choice(MARK_KINDS, p=MARK_P))
            xm = xl + v / 100 * L
            xt = draw_mark(c, rng, mk, xm, yc, th, w, c.k)
            got.append(float(100 * (xt - xl) / L))
            kinds.append(mk)
        truth.append((kind, got, kinds))
    # compose at 1x
    W1, H1 = c.W1, c.H1
    ap = cv2.resize(c.prn_np, (W1, H1), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    ai = np.zeros((H1, W1), np.float32)
    for y0, strip in strips:
        a = cv2.resize(strip, (W1, strip.shape[0] // SS), interpolation=cv2.INTER_AREA)
        sl = ai[y0:y0 + a.shape[0]]
        np.maximum(sl, a[:sl.shape[0]].astype(np.float32) / 255, out=sl)
    del c
    paper = np.array([rng.uniform(238, 250), rng.uniform(240, 252), rng.uniform(242, 253)], np.float32)
    img = np.empty((H1, W1, 3), np.float32)
    img[:] = paper
    if isinstance(print_gray, tuple):
        print_gray = rng.uniform(*print_gray)
    pc = print_gray / 255.0
    img *= (1 - ap * (1 - pc))[..., None]
    # ballpoint pressure variation: low-frequency multiplicative noise on the ink coverage
    if pen.startswith("ball"):
        nz = rng.random((H1 // 16 + 2, W1 // 16 + 2)).astype(np.float32)
        nz = cv2.resize(nz, (W1, H1), interpolation=cv2.INTER_LINEAR)
        ai *= 0.7 + 0.3 * nz
    ink = np.array(ink_bgr, np.float32) / 255
    img *= 1 - ai[..., None] * (1 - ink)
    return img, truth, dict(pen=pen, scale=scale, print_gray=float(print_gray))


# --------------------------------------------------------------------------- degradations
def _rotate(img, deg, fill=255):
    h, w = img.shape[:2]
    M = cv2.getRotationMatrix2D((w / 2, h / 2), deg, 1.0)
    bv = (fill,) * 3 if img.ndim == 3 else fill
    return cv2.warpAffine(img, M, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                          borderValue=bv)


def _to_gray_scan(img, rng, noise=3.0):
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    g = cv2.GaussianBlur(g, (0, 0), rng.uniform(0.4, 0.7))
    g = g + rng.normal(0, noise, g.shape).astype(np.float32)
    return np.clip(g, 0, 255).astype(np.uint8)


def _background(rng, h, w):
    base = np.array([rng.uniform(40, 90), rng.uniform(60, 110), rng.uniform(80, 140)], np.float32)
    lo = rng.random((h // 64 + 2, w // 64 + 2)).astype(np.float32)
    lo = cv2.resize(lo, (w, h), interpolation=cv2.INTER_CUBIC)
    grain = rng.random((h // 4 + 1, w // 2 + 1)).astype(np.float32)  # streaky, wood-ish
    grain = cv2.resize(grain, (w, h), interpolation=cv2.INTER_LINEAR)
    t = (0.7 + 0.3 * lo + 0.25 * (grain - 0.5))[..., None]
    return base * t


def _photo(page, rng):
    h, w = page.shape[:2]
    page = cv2.GaussianBlur(page, (0, 0), 0.6)
    tilt = np.deg2rad(rng.uniform(10, 30))
    phi = rng.uniform(0, 2 * np.pi)
    axis = np.array([np.cos(phi), np.sin(phi), 0.0])
    R, _ = cv2.Rodrigues(axis * tilt)
    roll = np.deg2rad(rng.uniform(-12, 12))
    Rz = np.array([[np.cos(roll), -np.sin(roll), 0], [np.sin(roll), np.cos(roll), 0], [0, 0, 1]])
    R = Rz @ R
    f = 1.1 * h
    D = 1.25 * f
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    P = np.c_[src - [w / 2, h / 2], np.zeros(4)] @ R.T
    P[:, 2] += D
    proj = f * P[:, :2] / P[:, 2:3]
    CW, CH = 3000, 4000
    span = proj.max(0) - proj.min(0)
    s = rng.uniform(0.78, 0.92) * min(CW / span[0], CH / span[1])
    proj = proj * s
    ctr = (proj.max(0) + proj.min(0)) / 2
    free = np.array([CW, CH]) - (proj.max(0) - proj.min(0))
    off = np.array([CW / 2, CH / 2]) - ctr + rng.uniform(-0.4, 0.4, 2) * free
    dst = (proj + off).astype(np.float32)
    H = cv2.getPerspectiveTransform(src, dst)
    warped = cv2.warpPerspective(page, H, (CW, CH), flags=cv2.INTER_LINEAR,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), H, (CW, CH), flags=cv2.INTER_LINEAR)
    bg = _background(rng, CH, CW)
    m3 = cv2.merge([mask, mask, mask])
    out = cv2.add(cv2.multiply(warped, m3), cv2.multiply(bg, cv2.subtract(1.0, m3)))
    # uneven light: a plane + a soft shadow blob, computed coarse and upsampled
    sh, sw = CH // 20, CW // 20
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32) * 20
    gx, gy = rng.uniform(-0.25, 0.25, 2)
    light = 0.92 + gx * (xx / CW - 0.5) + gy * (yy / CH - 0.5)
    bx, by, br = rng.uniform(0, CW), rng.uniform(0, CH), rng.uniform(600, 1500)
    light -= rng.uniform(0.0, 0.25) * np.exp(-((xx - bx) ** 2 + (yy - by) ** 2) / (2 * br ** 2))
    light = cv2.resize(light.astype(np.float32), (CW, CH), interpolation=cv2.INTER_LINEAR)
    tint = np.array([rng.uniform(0.9, 1.0), 1.0, rng.uniform(1.0, 1.08)], np.float32)
    out = cv2.multiply(out, cv2.merge([light * tint[0], light * tint[1], light * tint[2]]))
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.6, 1.1))
    noise = np.empty(out.shape, np.float32)
    cv2.setRNGSeed(int(rng.integers(1 << 30)))
    cv2.randn(noise, 0, 3.5)
    out = np.clip(out + noise, 0, 255).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(78, 92))])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


DEGS = {
    # name: (render dpi, passed dpi)
    "scan300": (300, 300),
    "scan200": (200, 200),
    "bitonal200": (200, 200),
    "rotate": (300, 300),
    "rot180": (300, 300),
    "jpeg": (300, 300),
    "photo": (300, None),
    "digital": (300, 300),  # filled on a tablet / exported PDF: colour, no blur, no noise
}


def degrade(img, deg, rng, print_gray=25.0):
    if deg == "scan300" or deg == "scan200":
        g = _to_gray_scan(img, rng)
        return _rotate(g, rng.uniform(-0.7, 0.7))
    if deg == "bitonal200":
        g = _to_gray_scan(img, rng, noise=2.0)
        g = _rotate(g, rng.uniform(-0.5, 0.5))
        # a B/W scanner's automatic threshold sits between paper and print
        thr = print_gray + rng.uniform(0.45, 0.6) * (245 - print_gray)
        return np.where(g < thr, 0, 255).astype(np.uint8)
    if deg == "rotate":
        g = _to_gray_scan(img, rng)
        return _rotate(g, rng.choice([-1, 1]) * rng.uniform(2.0, 5.0))
    if deg == "rot180":
        g = _to_gray_scan(img, rng)
        return _rotate(np.ascontiguousarray(g[::-1, ::-1]), rng.uniform(-0.6, 0.6))
    if deg == "jpeg":
        b = np.clip(cv2.GaussianBlur(img, (0, 0), 0.5) + rng.normal(0, 2.5, img.shape).astype(np.float32),
                    0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", b, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(30, 60))])
        return cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if deg == "photo":
        return _photo(img, rng)
    if deg == "digital":
        return np.clip(np.rint(img), 0, 255).astype(np.uint8)
    raise ValueError(deg)


# --------------------------------------------------------------------------- one case
def case_rng(layout, deg, seed):
    li = list(LAYOUTS).index(layout)
    di = list(DEGS).index(deg)
    return np.random.default_rng([li, di, seed, 20240611])


def make_page(layout, deg, seed):
    rng = case_rng(layout, deg, seed)
    form = "srs" if (seed + list(LAYOUTS).index(layout)) % 2 == 0 else "ors"
    rdpi, pdpi = DEGS[deg]
    img, truth, meta = render(layout, form, rdpi, rng)
    out = degrade(img, deg, rng, meta["print_gray"])
    return out, pdpi, form, truth, meta


def run_case(args):
    layout, deg, seed, save_dir = args
    from srs_scan import read_image

    t0 = time.time()
    img, pdpi, form, truth, meta = make_page(layout, deg, seed)
    t1 = time.time()
    try:
        res = read_image(img, dpi=pdpi)
        status = res.status.value
        gform = res.form
        items = [(i.name, i.mm, i.status.value, list(i.reasons)) for i in res.items]
        preasons = list(getattr(res, "reasons", []) or [])
    except Exception as e:  # the library should never raise
        status, gform, items, preasons = "EXCEPTION", None, [], [repr(e)]
    t2 = time.time()
    rec = dict(layout=layout, deg=deg, seed=seed, form=form, truth=truth, meta=meta,
               status=status, gform=gform, items=items, preasons=preasons,
               t_render=t1 - t0, t_read=t2 - t1)
    rec["problems"] = judge(rec)
    if save_dir and rec["problems"]:
        Path(save_dir).mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(Path(save_dir) / f"{layout}__{deg}__{seed}.png"), img)
    return rec


def judge(rec):
    """List of problem strings for this page (empty = all correct)."""
    p = []
    found = rec["status"] not in ("no_form", "error", "EXCEPTION")
    if not found:
        p.append(f"page status {rec['status']} {rec['preasons']}")
        return p
    if rec["gform"] != rec["form"]:
        tag = "SILENT-form" if rec["gform"] is not None and rec["status"] == "ok" else "form"
        p.append(f"{tag} {rec['gform']} != {rec['form']} (page {rec['status']})")
    items = rec["items"]
    if len(items) != 4:
        p.append(f"{len(items)} items returned")
    for j, (kind, vals, kinds) in enumerate(rec["truth"]):
        if j >= len(items):
            p.append(f"item{j + 1} not returned")
            continue
        name, mm, st, reasons = items[j]
        if kind == "single":
            if mm is None or st == "missing":
                p.append(f"LOST item{j + 1} true {vals[0]:.1f} ({kinds[0]}) got {st} {reasons}")
                continue
            err = abs(mm - vals[0])
            if err > 2 and st != "review":
                p.append(f"SILENT item{j + 1} true {vals[0]:.1f} ({kinds[0]}) got {mm} {st}")
            elif st == "review" and err > 2:
                p.append(f"review-wrong item{j + 1} true {vals[0]:.1f} ({kinds[0]}) got {mm} {reasons}")
            elif st == "review":
                p.append(f"false-review item{j + 1} true {vals[0]:.1f} ({kinds[0]}) got {mm} {reasons}")
            elif err > 1.0:
                p.append(f"err>1mm item{j + 1} true {vals[0]:.1f} ({kinds[0]}) got {mm}")
        elif kind == "blank":
            if st != "missing":
                tag = "SILENT-phantom" if st == "ok" else "blank-review"
                p.append(f"{tag} item{j + 1} blank got {mm} {st} {reasons}")
        else:
            if st != "review":
                tag = "SILENT-double" if st == "ok" else "double-missing"
                p.append(f"{tag} item{j + 1} two marks {[round(v, 1) for v in vals]} got {mm} {st}")
    return p


# --------------------------------------------------------------------------- report
def summarise(recs, kind_filter=None):
    s = dict(pages=len(recs), found=0, formok=0, wrongform=0, errs=[], serr=[], silent=0, blank=0,
             blank_ok=0, dbl=0, dbl_rev=0, single=0, false_rev=0, rev_wrong=0, lost=0)
    for r in recs:
        found = r["status"] not in ("no_form", "error", "EXCEPTION")
        s["found"] += found
        s["formok"] += r["gform"] == r["form"]
        if r["gform"] is not None and r["gform"] != r["form"]:
            s["wrongform"] += 1
        items = r["items"] if found else []
        for j, (kind, vals, kinds) in enumerate(r["truth"]):
            it = items[j] if j < len(items) else None
            if kind_filter is not None and (kind != "single" or kinds[0] != kind_filter):
                continue
            if kind == "single":
                s["single"] += 1
                if it is None or it[1] is None or it[2] == "missing":
                    s["lost"] += 1
                    continue
                e = abs(it[1] - vals[0])
                s["errs"].append(e)
                s["serr"].append(it[1] - vals[0])
                if e > 2 and it[2] != "review":
                    s["silent"] += 1
                if it[2] == "review":
                    s["false_rev"] += 1
                    s["rev_wrong"] += e > 2
            elif kind == "blank":
                s["blank"] += 1
                if it is not None and it[2] == "missing":
                    s["blank_ok"] += 1
                elif it is not None and it[2] == "ok":
                    s["silent"] += 1
            else:
                s["dbl"] += 1
                if it is not None and it[2] == "review":
                    s["dbl_rev"] += 1
                elif it is not None and it[2] == "ok":
                    s["silent"] += 1
    return s


HDR = (f"{'':14s} {'pages':>5s} {'found':>5s} {'formok':>6s} {'wrongF':>6s} {'n':>4s} {'bias':>6s} {'mean':>5s} "
       f"{'P95':>5s} {'max':>6s} {'SILENT':>6s} {'miss ok':>7s} {'2mk rev':>7s} {'false rev':>9s} "
       f"{'rev>2mm':>7s} {'lost':>4s}")


def fmt(name, s):
    e = np.array(s["errs"]) if s["errs"] else np.array([np.nan])
    se = np.array(s["serr"]) if s["serr"] else np.array([np.nan])
    return (f"{name:14s} {s['pages']:5d} {s['found']:5d} {s['formok']:6d} {s['wrongform']:6d} {len(s['errs']):4d} "
            f"{np.nanmean(se):+6.2f} {np.nanmean(e):5.2f} {np.nanpercentile(e, 95):5.2f} {np.nanmax(e):6.2f} "
            f"{s['silent']:6d} {s['blank_ok']:>3d}/{s['blank']:<3d} {s['dbl_rev']:>3d}/{s['dbl']:<3d} "
            f"{s['false_rev']:>4d}/{s['single']:<4d} {s['rev_wrong']:7d} {s['lost']:4d}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--seeds", type=int, default=3, help="pages per layout x degradation")
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    ap.add_argument("--degs", default=",".join(DEGS))
    ap.add_argument("--only", action="append", default=[],
                    help="LAYOUT:DEG:SEED, repeatable (reproduce one case)")
    ap.add_argument("--save", metavar="DIR", help="write failing page images as PNG")
    ap.add_argument("--render-only", metavar="DIR", help="just write the pages (no reading)")
    ap.add_argument("-j", "--workers", type=int, default=2)
    ap.add_argument("--all-failures", action="store_true",
                    help="also list pages whose only problem is false review / err>1mm")
    a = ap.parse_args(argv)

    if a.only:
        cases = []
        for o in a.only:
            lay, deg, sd = o.split(":")
            cases.append((lay, deg, int(sd)))
    else:
        cases = [(lay, deg, sd) for lay in a.layouts.split(",") for deg in a.degs.split(",")
                 for sd in range(a.seeds)]
    for lay, deg, _ in cases:
        if lay not in LAYOUTS or deg not in DEGS:
            ap.error(f"unknown layout/degradation {lay}:{deg}")

    if a.render_only:
        Path(a.render_only).mkdir(parents=True, exist_ok=True)
        for lay, deg, sd in cases:
            img, pdpi, form, truth, meta = make_page(lay, deg, sd)
            cv2.imwrite(str(Path(a.render_only) / f"{lay}__{deg}__{sd}.png"), img)
            print(lay, deg, sd, form, meta, [(k, [round(v, 2) for v in vs], ks) for k, vs, ks in truth])
        return 0

    t0 = time.time()
    jobs = [(lay, deg, sd, a.save) for lay, deg, sd in cases]
    if a.workers > 1 and len(jobs) > 1:
        with Pool(a.workers, maxtasksperchild=20) as pool:
            recs = pool.map(run_case, jobs, chunksize=1)
    else:
        recs = [run_case(j) for j in jobs]
    wall = time.time() - t0

    try:
        import subprocess
        here = Path(__file__).resolve().parent.parent
        head = subprocess.run(["git", "-C", str(here), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--", "srs_scan"],
                               capture_output=True, text=True).stdout.strip()
        print(f"srs_scan at commit {head or '?'}{' + uncommitted changes' if dirty else ''}")
    except OSError:
        pass
    print(f"other_hands: {len(recs)} pages, {wall:.0f} s wall "
          f"(render {np.mean([r['t_render'] for r in recs]):.2f} s/page, "
          f"read {np.mean([r['t_read'] for r in recs]):.2f} s/page)\n")
    for key, names in (("layout", list(LAYOUTS)), ("deg", list(DEGS))):
        print(HDR.replace(" " * 14, f"{'by ' + key:14s}", 1))
        for nm in names:
            sub = [r for r in recs if r[key] == nm]
            if sub:
                print(fmt(nm, summarise(sub)))
        print(fmt("ALL", summarise(recs)))
        print()
    print("single marks by mark kind (page-level columns refer to all pages)")
    print(HDR.replace(" " * 14, f"{'by mark':14s}", 1))
    for mk in MARK_KINDS:
        print(fmt(mk, summarise(recs, kind_filter=mk)))
    print()

    bad = [r for r in recs if r["problems"]]
    serious = [r for r in bad if a.all_failures or any(
        not (p.startswith("false-review") or p.startswith("err>1mm") or p.startswith("blank-review"))
        for p in r["problems"])]
    HINT = "; --all-failures to include pages whose only problems are false reviews / err>1mm"
    print(f"failing pages: {len(bad)} ({len(serious)} listed"
          f"{'' if a.all_failures else HINT})")
    for r in serious:
        exp = []
        for kind, vals, kinds in r["truth"]:
            marks = "/".join(f"{v:.1f}{k[0]}" for v, k in zip(vals, kinds, strict=False))
            exp.append("-" if kind == "blank" else marks)
        got = [f"{mm if mm is not None else '-'}:{st}" for _, mm, st, _ in r["items"]]
        print(f"- {r['layout']}:{r['deg']}:{r['seed']} {r['form']} page={r['status']} form={r['gform']} "
              f"pen={r['meta']['pen']} scale={r['meta']['scale']:.3f}")
        print(f"    expected {exp}  got {got}")
        for p in r["problems"]:
            print(f"    {p}")
        if r["preasons"]:
            print(f"    page reasons: {r['preasons']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
