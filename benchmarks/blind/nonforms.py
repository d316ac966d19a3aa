"""Pages that are NOT forms and must never be read as one: ruled notepad paper, an OMR answer
sheet, a table printout, a typed letter, a contract signature page with a few long rules, and a
blank-ish page with a short note. (A photo of text on a desk is a typed letter through photo().)

RULED_KINDS are ruled pages drawn to look like a scale form to a line finder: stacks of long,
parallel rules of one length with their ends aligned, and pen strokes crossing them. A to-do
list on notepad paper with handwriting and ticks on the rules; an OMR answer sheet with rows of
bubbles between long guide rules; a table with horizontal rules only (a sign-in sheet, signed);
a contract whose signature block is two to four rules of one length, left-aligned and signed."""

from __future__ import annotations

import cv2
import numpy as np

from . import fonts, marks
from .page import PAPERS, Canvas
from .truth import PageTruth

NONFORM_KINDS = ["notepad", "omr", "table", "letter", "signature", "memo"]
RULED_KINDS = ["todo_list", "omr_rows", "rules_table", "signlines"]

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
    elif kind in RULED_KINDS:
        ink = _ruled(kind, cv, rng, dpi, fam, f, fb, W, H)
    out = cv.reduce()
    return out, ink, PageTruth(is_form=False, nonform_kind=kind)


# ------------------------------------------------------------------ ruled pages with pen strokes
def _pen(img, pts_mm, k, w_mm):
    q = np.round(np.asarray(pts_mm, float) * k * marks.Q).astype(np.int32)
    cv2.polylines(img, [q], False, 255, max(1, int(round(w_mm * k))), cv2.LINE_AA, marks.SHIFT)


def _scrawl(img, x, y, width, k, rng, w_mm, xh=None):
    """A handwritten word on the baseline y (mm), width mm wide: cursive loops of x-height xh, some letters
    with an ascender, some with a descender that crosses the rule below."""
    xh = xh or rng.uniform(1.8, 2.8)
    n = max(2, int(width / rng.uniform(1.6, 2.4)))
    lw = width / n
    pts = []
    for j in range(n):
        t = np.linspace(0, 2 * np.pi, 12, endpoint=False)
        r = rng.random()
        h = xh * (2.2 if r < 0.18 else 1.0) * rng.uniform(0.85, 1.1)
        xs = x + lw * (j + t / (2 * np.pi)) - 0.3 * lw * np.sin(t)
        ys = y - h * (1 - np.cos(t)) / 2
        if r > 0.9:                                             # descender loop below the baseline
            ys = np.where(t > np.pi, y + 1.8 * np.sin(t - np.pi), ys)
        pts.append(np.c_[xs, ys + rng.normal(0, 0.05, t.size)])
    pts.append([[x + width, y]])
    _pen(img, np.vstack(pts), k, w_mm)


def _write(img, x, y, width, k, rng, w_mm):
    """Handwritten words filling about width mm from x on the baseline y."""
    xh = rng.uniform(1.8, 2.8)
    end = x + width
    while x < end - 4:
        wd = min(rng.uniform(6, 22), end - x)
        _scrawl(img, x, y + rng.normal(0, 0.15), wd, k, rng, w_mm, xh)
        x += wd + rng.uniform(2, 3.5)


def _signature(img, x, y, width, k, rng, w_mm):
    """A signature across the rule at y: a long flourish with loops above and below the rule."""
    t = np.linspace(0, 1, 160)
    a1, a2 = rng.uniform(2, 5), rng.uniform(1, 3)
    ys = y - 1.5 + a1 * np.sin(t * rng.uniform(14, 26)) * np.exp(-t * 1.5) + a2 * np.sin(t * rng.uniform(40, 60))
    xs = x + width * t + 1.5 * np.cos(t * rng.uniform(30, 50))
    _pen(img, np.c_[xs, ys], k, w_mm)
    if rng.random() < 0.6:                                      # the underline flourish
        _pen(img, [(x + width * 0.1, y + rng.uniform(0.5, 2.5)), (x + width * 1.05, y + rng.uniform(-1, 1))], k, w_mm)


def _ruled(kind, cv, rng, dpi, fam, f, fb, W, H):
    k = dpi / 25.4                                              # 1x px per mm (the ink layer)
    ink = np.zeros((cv.H1, cv.W1), np.uint8)
    w_mm = rng.uniform(0.35, 0.6)
    if kind == "todo_list":
        y = rng.uniform(28, 38)
        sp = rng.uniform(7, 9.5)
        x_left = rng.uniform(0, 12) if rng.random() < 0.5 else 0.0
        xm = rng.uniform(25, 35)
        cv.vrule(xm, 0, H, 0.35)
        cv.text(xm + 3, y - sp - 2, str(rng.choice(["To do", "Thursday", "Shopping", "Notes - team meeting"])),
                cv.font("urw-courier", 12, "bold"))
        rules = []
        while y < H - 8:
            cv.hrule(x_left, W - x_left, y, rng.uniform(0.15, 0.3))
            rules.append(y)
            y += sp
        n = int(rng.integers(5, min(14, len(rules))))
        kpx = k                                                 # marks.draw_mark on the 1x ink layer
        for i in range(n):
            yb = rules[i + 1]
            _write(ink, xm + 9, yb - 0.4, rng.uniform(25, 110), k, rng, w_mm)
            if rng.random() < 0.6:                              # a tick on the rule, left of the item
                kind_m = str(rng.choice(["tick", "x", "slash", "vbar"]))
                marks.draw_mark(ink, kind_m, (xm + 4) * k, yb * k, kpx, w_mm * k, 0.25 * k, rng)
            if rng.random() < 0.15:                             # crossed out
                _pen(ink, [(xm + 8, yb - 1.5), (xm + 60, yb - 1.2)], k, w_mm)
    elif kind == "omr_rows":
        head = ["ANSWER SHEET", "Examination answer sheet", "RESPONSE FORM - PENCIL ONLY"]
        cv.text(20, 22, str(rng.choice(head)), fb)
        cv.text(20, 30, "Name", f)
        cv.hrule(33, 110, 30.6, 0.25)
        cv.text(120, 30, "Candidate no.", f)
        cv.hrule(145, W - 20, 30.6, 0.25)
        nq = int(rng.integers(20, 31))
        cols = 2
        rh = rng.uniform(7, 9)
        cw = (W - 40) / cols
        nopt = int(rng.integers(4, 6))
        every = int(rng.choice([1, 5]))
        for q in range(nq * cols):
            col, row = divmod(q, nq)
            x = 20 + col * cw
            yq = 44 + row * rh
            if row % every == 0:
                cv.hrule(x, x + cw - 6, yq - rh / 2, 0.3)
            cv.text(x + 1, yq + 1.3, f"{q + 1:>2}", cv.font(fam, 9))
            filled = int(rng.integers(nopt)) if rng.random() < 0.85 else -1
            for j in range(nopt):
                cx = x + 14 + j * (cw - 24) / nopt
                X, Y, R = cv.X(cx), cv.Y(yq), cv.L(2.0)
                cv.d.ellipse([X - R, Y - R, X + R, Y + R], outline=255, width=max(1, int(cv.L(0.25))))
                cv.text(cx, yq + 0.9, "ABCDE"[j], cv.font(fam, 5), "ms")
                if j == filled:
                    cv2.ellipse(ink, (int(cx * k * 16), int(yq * k * 16)), (int(1.7 * k * 16), int(1.6 * k * 16)),
                                0, 0, 360, 255, -1, cv2.LINE_AA, 4)
        cv.hrule(20, W - 20, 44 + nq * rh - rh / 2, 0.3)
    elif kind == "rules_table":
        title = str(rng.choice(["Group attendance - sign in", "Visitor log", "Medication round record",
                                "Equipment loan register"]))
        cv.text(20, 24, title, fb)
        cols = list(rng.choice(["Name", "Time in", "Time out", "Signature", "Room", "Initials", "Notes"],
                               int(rng.integers(3, 5)), replace=False))
        if "Signature" not in cols and rng.random() < 0.7:
            cols[-1] = "Signature"
        x0 = rng.uniform(15, 35)
        x1 = W - rng.uniform(15, 35)
        y0 = rng.uniform(40, 60)
        rh = rng.uniform(9, 16)
        rows = int(min(rng.integers(8, 20), (H - 30 - y0) / rh))
        cw = (x1 - x0) / len(cols)
        cv.hrule(x0, x1, y0 - 7, 0.6)
        for c, name in enumerate(cols):
            cv.text(x0 + c * cw + 1.5, y0 - 2, str(name), cv.font(fam, 9, "bold"))
        for r in range(rows + 1):
            cv.hrule(x0, x1, y0 + r * rh, 0.6 if r in (0, rows) else rng.choice([0.2, 0.3]))
        for r in range(rows):
            yb = y0 + (r + 1) * rh - 2.5
            if rng.random() < 0.35:
                continue
            for c, name in enumerate(cols):
                xc = x0 + c * cw + 2
                if name == "Signature":
                    _signature(ink, xc, yb + 1.5, min(cw - 6, rng.uniform(15, 35)), k, rng, w_mm)
                elif name in ("Time in", "Time out"):
                    cv.text(xc, yb, f"{int(rng.integers(8, 18)):02d}:{int(rng.integers(60)):02d}", cv.font(fam, 9))
                else:
                    _scrawl(ink, xc, yb, min(cw - 6, rng.uniform(10, 30)), k, rng, w_mm)
    elif kind == "signlines":
        cv.text(W / 2, 25, str(rng.choice(["SERVICE AGREEMENT", "TENANCY AGREEMENT", "CONTRACT OF EMPLOYMENT",
                                           "Agreement for the supply of services"])), fb, "ms")
        y = cv.para(20, 40, " ".join(_sentence(rng, 14) for _ in range(int(rng.integers(6, 14)))), f, W - 40, 5.0)
        y = cv.para(20, y + 9, " ".join(_sentence(rng, 12) for _ in range(int(rng.integers(2, 6)))), f, W - 40, 5.0)
        n = int(rng.integers(2, 5))
        L = rng.uniform(60, 150)
        x = rng.uniform(20, W - 20 - L)
        sp = rng.uniform(16, 26)
        y = min(y + 22, H - 25 - (n - 1) * sp)
        labs = list(rng.choice(["Signed by the client", "Signature", "Date", "Name in capitals", "Witness",
                                "Signed for the company", "Position"], n, replace=False))
        for i in range(n):
            yy = y + i * sp
            cv.hrule(x, x + L, yy, rng.uniform(0.25, 0.5))
            cv.text(x, yy + 4.5, str(labs[i]), cv.font(fam, 8))
            if rng.random() < 0.8:
                if labs[i] in ("Date", "Name in capitals", "Position"):
                    _scrawl(ink, x + rng.uniform(3, 20), yy - 0.6, rng.uniform(15, 40), k, rng, w_mm)
                else:
                    _signature(ink, x + rng.uniform(3, L * 0.4), yy, rng.uniform(25, min(60, L * 0.6)), k, rng, w_mm)
    return ink
