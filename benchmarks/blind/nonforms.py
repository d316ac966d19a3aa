"""Pages that are NOT forms and must never be read as one: ruled notepad paper, an OMR answer
sheet, a table printout, a typed letter, a contract signature page with a few long rules, and a
blank-ish page with a short note. (A photo of text on a desk is a typed letter through photo().)"""

from __future__ import annotations

import cv2
import numpy as np

from . import fonts
from .page import PAPERS, Canvas
from .truth import PageTruth

NONFORM_KINDS = ["notepad", "omr", "table", "letter", "signature", "memo"]

_WORDS = ("the of and to in is for on that with as this by be are from at or an it we our your will not "
          "service report meeting date payment account please contact summary review team agreement office "
          "monthly figures client schedule update policy section notice further details attached").split()


def _sentence(rng, n):
    w = [str(rng.choice(_WORDS)) for _ in range(n)]
    return " ".join(w).capitalize() + "."


def render_nonform(kind, rng, dpi=300.0, paper="A4"):
    W, H = PAPERS[paper]
    cv = Canvas(W, H, dpi, 2, 1.0)
    fam = str(rng.choice(fonts.family_names()))
    f = cv.font(fam, 10.5)
    fb = cv.font(fam, 14, "bold")
    ink = None
    if kind == "notepad":
        y = rng.uniform(28, 40)
        sp = rng.uniform(7, 9)
        cv.vrule(rng.uniform(25, 35), 0, H, 0.35)
        while y < H - 8:
            cv.hrule(0, W, y, rng.uniform(0.15, 0.3))
            y += sp
        for i in range(int(rng.integers(2, 7))):    # a few handwritten-ish words (printed here)
            cv.text(40, 40 + i * 2 * sp - 1, _sentence(rng, 5), cv.font("urw-courier", 11, "italic"))
    elif kind == "omr":
        cv.text(20, 22, "ANSWER SHEET  -  Mark one bubble per question", fb)
        r = 2.0
        for q in range(50):
            col, row = divmod(q, 25)
            x = 25 + col * 95
            y = 40 + row * 9.5
            cv.text(x, y + 1.3, f"{q + 1:>2}", cv.font(fam, 9))
            for j, L in enumerate("ABCDE"):
                cx = x + 12 + j * 10
                X, Y, R = cv.X(cx), cv.Y(y), cv.L(r)
                filled = rng.random() < 0.2 and j == int(rng.integers(5))
                cv.d.ellipse([X - R, Y - R, X + R, Y + R], outline=255, width=max(1, int(cv.L(0.25))),
                             fill=255 if filled else None)
                cv.text(cx, y + 0.9, L, cv.font(fam, 5), "ms")
    elif kind == "table":
        cv.text(20, 22, "Quarterly activity report", fb)
        cols = int(rng.integers(4, 8))
        rows = int(rng.integers(15, 35))
        x0, x1, y0 = 20, W - 20, 32
        rh = rng.uniform(6, 8)
        cw = (x1 - x0) / cols
        for r in range(rows + 1):
            cv.hrule(x0, x1, y0 + r * rh, 0.25 if r else 0.5)
        for c in range(cols + 1):
            cv.vrule(x0 + c * cw, y0, y0 + rows * rh, 0.25)
        for r in range(rows):
            for c in range(cols):
                s = str(rng.choice(_WORDS)).title() if c == 0 else f"{rng.uniform(0, 9999):.2f}"
                cv.text(x0 + c * cw + 1.5, y0 + r * rh + rh - 2, s, cv.font(fam, 8))
    elif kind in ("letter", "memo"):
        cv.text(20, 25, str(rng.choice(["Riverside Family Counselling", "Harbour Accounting Ltd",
                                        "City Council - Housing Office"])), fb)
        y = 45
        cv.text(20, y, "Dear Ms. Jensen,", f)
        y += 8
        npar = int(rng.integers(3, 7)) if kind == "letter" else 1
        for _ in range(npar):
            y = cv.para(20, y, " ".join(_sentence(rng, int(rng.integers(8, 16))) for _ in range(4)), f, W - 40, 5.0)
            y += 9
        cv.text(20, y + 5, "Yours sincerely,", f)
    elif kind == "signature":
        cv.text(20, 25, "AGREEMENT - SIGNATURES", fb)
        y = cv.para(20, 40, " ".join(_sentence(rng, 14) for _ in range(8)), f, W - 40, 5.0) + 20
        n = int(rng.integers(2, 4))
        for i in range(n):
            L = rng.uniform(70, 130)
            x = rng.uniform(20, W - 20 - L)
            yy = y + i * rng.uniform(22, 32)
            cv.hrule(x, x + L, yy, rng.uniform(0.25, 0.6))
            cv.text(x, yy + 4.5, str(rng.choice(["Signature", "Client signature", "Witness", "Date",
                                                  "Name (print)"])), cv.font(fam, 8))
        ink = np.zeros((cv.H1, cv.W1), np.uint8)
        yy = y
        xs = np.linspace(30, 90, 30)
        pts = np.c_[xs, yy - 2 + 2.5 * np.sin(xs / 2.3) * rng.uniform(0.5, 1)] * (dpi / 25.4)
        cv2.polylines(ink, [np.round(pts * 16).astype(np.int32)], False, 200, max(1, int(dpi / 25.4 * 0.4)),
                      cv2.LINE_AA, 4)
    out = cv.reduce()
    return out, ink, PageTruth(is_form=False, nonform_kind=kind)
