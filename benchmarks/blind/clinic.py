"""A clinic's own visual-analogue form, known to the reader only through a template file.

Each form has 1 to 6 lines of one printed length (60-150 mm), left ends aligned; item names above
the line (left or centred) or to its left; anchor phrases under the line ends, beside them, or
none; end ticks, bars, 0/10 numbers or nothing; the usual header, instructions and footer. The
wording below is written for this benchmark (pain, wellbeing, mood, fatigue, group feedback,
hope, craving, symptoms, tinnitus, visit satisfaction).

Truth: LineTruth.value (and MarkTruth.value) is the mark's distance in paper mm from the printed
line's left end (client_ink(unit="mm")); line_length_mm of the template is the nominal printed
length and the drawn length differs from it by less than one supersampled pixel (layout records
both). template(spec) is the JSON a clinic would write for the form, in srs-scan's template format."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from . import fonts, words
from .page import COLOURS, PAPERS, Canvas, FormSpec, client_ink, draw_header, finish_print
from .truth import PageTruth

# ---------------------------------------------------------------- wording
# stem, [(printed title, extra names)], keywords, instructions, [(item name, (left anchor, right anchor))]
FAMILIES = [
    dict(stem="pain",
         titles=[("Pain Rating Scale", []), ("Pain Visual Analogue Scale (VAS)", ["Pain VAS"]),
                 ("How much pain are you in?", []), ("PAIN SCALE", ["Pain Scale"]),
                 ("Weekly Pain Diary", [])],
         keywords=["pain", "worst", "interferes"],
         instructions=["Please put a mark across each line to show how much pain you have.",
                       "Mark each line with a short vertical stroke. The left end means no pain at all."],
         items=[("Pain now", ("No pain", "Worst pain imaginable")),
                ("Pain at its worst this week", ("No pain", "Worst pain imaginable")),
                ("Pain at its least this week", ("No pain", "Worst pain imaginable")),
                ("Average pain", ("No pain", "Worst pain imaginable")),
                ("How much pain interferes with your day", ("Does not interfere", "Completely interferes")),
                ("Pain at night", ("No pain", "Worst pain imaginable"))]),
    dict(stem="wellbeing",
         titles=[("Wellbeing Check", []), ("Weekly Wellbeing Form", ["Wellbeing Form"]),
                 ("How have you been this week?", []), ("WELL-BEING SELF RATING", ["Well-being Self Rating"])],
         keywords=["wellbeing", "sleep", "energy", "appetite"],
         instructions=["Think about the last seven days and mark each line where it fits best for you.",
                       "For each area, put a cross on the line: the further right, the better."],
         items=[("Mood", ("Very poor", "Very good")), ("Sleep", ("Very poor", "Very good")),
                ("Energy", ("Very poor", "Very good")), ("Appetite", ("Very poor", "Very good")),
                ("Coping with stress", ("Not coping", "Coping very well")),
                ("Feeling connected to others", ("Very isolated", "Very connected"))]),
    dict(stem="anxmood",
         titles=[("Anxiety and Mood Scale", []), ("How are you feeling today?", []),
                 ("MOOD MONITOR", ["Mood Monitor"])],
         keywords=["anxiety", "worry", "mood", "irritability"],
         instructions=["How strongly have you felt each of these today? Mark each line."],
         items=[("Anxiety", ("Not at all", "Extremely")), ("Low mood", ("Not at all", "Extremely")),
                ("Worry", ("Not at all", "Extremely")), ("Irritability", ("Not at all", "Extremely")),
                ("Panic", ("Not at all", "Extremely"))]),
    dict(stem="fatigue",
         titles=[("Fatigue Scale", []), ("Tiredness and Rest", []), ("FATIGUE VAS", ["Fatigue VAS"])],
         keywords=["fatigue", "tiredness", "rest"],
         instructions=["Please mark how you have felt over the past week."],
         items=[("Physical tiredness", ("None", "Extreme")), ("Mental tiredness", ("None", "Extreme")),
                ("Need for rest during the day", ("Never", "All the time")),
                ("Sleep quality", ("Very poor", "Excellent"))]),
    dict(stem="group",
         titles=[("Group Session Feedback", []), ("Your view of today's group", []),
                 ("GROUP FEEDBACK FORM", ["Group Feedback Form"])],
         keywords=["group", "welcome", "topic"],
         instructions=["Before you leave, please mark each line. Your answers are anonymous."],
         items=[("I felt welcome in the group", ("Not at all", "Completely")),
                ("The topic was useful to me", ("Not at all", "Completely")),
                ("I had a chance to speak", ("Not at all", "Completely")),
                ("I would come again", ("Not at all", "Definitely"))]),
    dict(stem="hope",
         titles=[("Hope and Confidence", []), ("Looking Ahead", []), ("Motivation Ruler", [])],
         keywords=["hopeful", "confident", "future", "changes"],
         instructions=["Mark each line to show where you are right now."],
         items=[("How hopeful do you feel about the future?", ("Not at all hopeful", "Very hopeful")),
                ("How confident are you that you can make the changes you want?",
                 ("Not at all confident", "Very confident")),
                ("How important is this change to you?", ("Not important", "Very important"))]),
    dict(stem="craving",
         titles=[("Craving Scale", []), ("Daily Craving Check", []), ("URGES AND CRAVINGS", ["Urges and Cravings"])],
         keywords=["craving", "urges", "sober"],
         instructions=["Put one mark on each line. There are no right or wrong answers."],
         items=[("Craving right now", ("No craving", "Strongest craving ever")),
                ("Strongest craving today", ("No craving", "Strongest craving ever")),
                ("Confidence to stay sober today", ("Not confident", "Completely confident"))]),
    dict(stem="symptoms",
         titles=[("Symptom Diary", []), ("Symptom Assessment", []), ("How are your symptoms?", [])],
         keywords=["symptom", "nausea", "dizziness", "breathlessness"],
         instructions=["For each symptom mark the line to show how bad it has been in the last 24 hours."],
         items=[("Nausea", ("None", "Worst possible")), ("Breathlessness", ("None", "Worst possible")),
                ("Dizziness", ("None", "Worst possible")), ("Headache", ("None", "Worst possible")),
                ("Itching", ("None", "Worst possible")), ("Tiredness", ("None", "Worst possible"))]),
    dict(stem="tinnitus",
         titles=[("Tinnitus Rating", []), ("Tinnitus Visual Analogue Scales", ["Tinnitus VAS"])],
         keywords=["tinnitus", "loudness", "annoyance"],
         instructions=["Please rate your tinnitus over the last week."],
         items=[("Loudness", ("Not noticeable", "As loud as imaginable")),
                ("Annoyance", ("Not annoying", "Extremely annoying")),
                ("Effect on sleep", ("No effect", "Cannot sleep"))]),
    dict(stem="visit",
         titles=[("Clinic Visit Satisfaction", []), ("Tell us about your visit", []),
                 ("PATIENT SATISFACTION", ["Patient Satisfaction"])],
         keywords=["satisfaction", "visit", "staff", "waiting"],
         instructions=["Please mark each line. Thank you for helping us improve our service."],
         items=[("Waiting time", ("Very dissatisfied", "Very satisfied")),
                ("Friendliness of staff", ("Very dissatisfied", "Very satisfied")),
                ("Explanation of my treatment", ("Very dissatisfied", "Very satisfied")),
                ("Overall satisfaction", ("Very dissatisfied", "Very satisfied"))]),
]
ROUND_LENGTHS = [60.0, 75.0, 80.0, 90.0, 100.0, 120.0, 125.0, 130.0, 150.0]
PRINT_COLOURS = ["black", "darkgray", "navy", "lightblue", "green", "pcoms_blue"]


@dataclass
class ClinicSpec(FormSpec):
    form_id: str = ""
    names: list = field(default_factory=list)          # template "names" (the printed title first)
    keywords: list = field(default_factory=list)       # the family's keywords that are printed on the page
    item_names: list = field(default_factory=list)     # as in the template
    printed_names: list = field(default_factory=list)  # as printed (may be numbered "2. ...")
    anchors: list = field(default_factory=list)        # (left, right) per line
    anchors_in_template: bool = True
    length_mm: float = 100.0
    n_lines: int = 3


def random_clinic_spec(rng: np.random.Generator, n_lines: int | None = None) -> ClinicSpec:
    fam = FAMILIES[int(rng.integers(len(FAMILIES)))]
    s = ClinicSpec(form="clinic", lang="en")
    n = int(n_lines or rng.integers(1, min(6, len(fam["items"])) + 1))
    if rng.random() < 0.5:
        idx = list(range(n))
    else:
        idx = sorted(int(i) for i in rng.choice(len(fam["items"]), n, replace=False))
    title, extra_names = fam["titles"][int(rng.integers(len(fam["titles"])))]
    s.n_lines = n
    s.form_id = f"{fam['stem']}{n}"
    s.title, s.names = title, [title] + list(extra_names)
    s.item_names = [fam["items"][i][0] for i in idx]
    numbered = rng.random() < 0.2
    s.printed_names = [(f"{k + 1}. " if numbered else "") + nm for k, nm in enumerate(s.item_names)]
    s.anchors = [fam["items"][i][1] for i in idx]
    s.anchors_in_template = bool(rng.random() < 0.6)
    s.length_mm = float(rng.choice(ROUND_LENGTHS)) if rng.random() < 0.6 else float(np.round(rng.uniform(60, 150)))
    s.paper = str(rng.choice(["A4", "Letter"], p=[0.6, 0.4]))
    s.thickness = float(rng.uniform(0.3, 0.9))
    s.colour = str(rng.choice(PRINT_COLOURS, p=[0.5, 0.15, 0.1, 0.1, 0.05, 0.1]))
    s.family = str(rng.choice(fonts.family_names()))
    s.title_pt = float(rng.uniform(13, 20))
    s.title_align = str(rng.choice(["c", "l"], p=[0.6, 0.4]))
    s.title_bold = bool(rng.random() < 0.8)
    s.letterhead = int(rng.integers(len(words.LETTERHEADS))) if rng.random() < 0.4 else -1
    s.letterhead_rule = bool(rng.random() < 0.5)
    s.header = str(rng.choice(["underlines", "boxes", "column", "none"], p=[0.5, 0.2, 0.15, 0.15]))
    s.fields = int(rng.integers(len(words.FIELDS["en"])))
    s.instructions = -1
    s.extra = {"instructions": str(rng.choice(fam["instructions"])) if rng.random() < 0.75 else ""}
    s.label_pos = str(rng.choice(["above", "above-centre", "left"], p=[0.45, 0.2, 0.35]))
    s.anchor_pos = str(rng.choice(["below", "beside", "none"], p=[0.7, 0.2, 0.1]))
    s.ends = str(rng.choice(["none", "ticks", "small-ticks", "bars", "numbers"], p=[0.35, 0.2, 0.2, 0.1, 0.15]))
    s.frame = str(rng.choice(["none", "page"], p=[0.8, 0.2]))
    s.footer = int(rng.integers(len(words.FOOTERS))) if rng.random() < 0.6 else -1
    s.footer_rule = bool(rng.random() < 0.3)
    s.total_box = bool(rng.random() < 0.2)
    s.body_pt = float(rng.uniform(8, 10.5))
    s.label_pt = float(rng.uniform(9.5, 12.5))
    s.seed = int(rng.integers(1 << 30))
    printed = " ".join([title] + s.item_names + ([w for a in s.anchors for w in a] if s.anchor_pos != "none" else []))
    s.keywords = [w for w in fam["keywords"] if w in printed.lower()] or [title.split()[0].lower().strip("?")]
    return s


def template(s: ClinicSpec) -> dict:
    """The clinic's template file for this form (srs-scan's template format, schema 1)."""
    items = []
    for nm, (lt, rt) in zip(s.item_names, s.anchors, strict=True):
        it = {"name": nm}
        if s.anchors_in_template and s.anchor_pos != "none":
            it.update(left_anchor=lt, right_anchor=rt)
        items.append(it)
    cutoff = round(0.35 * s.n_lines * s.length_mm / 10.0)
    return {"schema": 1, "id": s.form_id, "version": 1, "title": s.names[0], "names": list(s.names),
            "keywords": list(s.keywords), "line_length_mm": float(s.length_mm), "items": items,
            "scoring": {"total_cutoff_below": max(1, cutoff)}}


def render_clinic(spec: ClinicSpec, dpi: float = 300.0, ss: int | None = None, line_kinds=None,
                  tool: str = "ballpoint", mark_kinds=None, rng=None):
    """Draw the form and its client marks. Returns (print_cov, ink_cov, print_bgr, ink_bgr, grain, truth)
    like page.render_form; truth.form is the template id, truth.layout["template"] the template."""
    rng = rng if rng is not None else np.random.default_rng(spec.seed)
    ss = ss or (3 if dpi >= 250 else 4)
    W, H = PAPERS[spec.paper]
    cv = Canvas(W, H, dpi, ss, 1.0)
    fam = spec.family
    n, L = spec.n_lines, spec.length_mm
    fl = cv.font(fam, spec.label_pt, "bold" if spec.seed % 3 else "regular")
    fs = cv.font(fam, spec.body_pt)
    lead = spec.body_pt * 0.42
    y_hdr = draw_header(cv, spec, W, H)
    m = 20.0
    # where the left end goes: room for labels at the left, or for anchors beside the ends
    lab_w = max(cv.tw(t, fl) for t in spec.printed_names)
    anc_w = max(max(cv.tw(a, fs), cv.tw(b, fs)) for a, b in spec.anchors)
    label_pos, anchor_pos = spec.label_pos, spec.anchor_pos
    beside_w = min(anc_w, 34.0) + 4 if anchor_pos == "beside" else 0.0
    if anchor_pos == "beside" and W - 2 * m - L - 2 * beside_w < 0:
        anchor_pos, beside_w = "below", 0.0
    if label_pos == "left" and (beside_w or m + lab_w + 5 + L > W - m):
        label_pos = "above"
    if label_pos == "left":
        x0 = float(rng.uniform(m + lab_w + 5, max(m + lab_w + 5, W - m - L)))
    else:
        lo, hi = m + beside_w, W - m - L - beside_w
        x0 = float(rng.uniform(lo, max(lo, hi))) if rng.random() < 0.6 else max(lo, (W - L) / 2)
    x1 = x0 + L
    # vertical: lines below the header, spaced to leave room for labels and anchors
    need = 9.0 + (4.5 + 2 * lead if anchor_pos == "below" else 0.0) + (6.0 if label_pos != "left" else 0.0)
    y0 = y_hdr + 16 + float(rng.uniform(0, 1) ** 2 * 40)
    bottom = H - 40
    spacing = float(rng.uniform(max(need, 16.0), 42.0))
    if n > 1:
        spacing = min(spacing, (bottom - y0) / (n - 1))
        if spacing < need:
            y0 = max(y_hdr + 12, bottom - need * (n - 1))
            spacing = (bottom - y0) / (n - 1)
    else:
        y0 = float(rng.uniform(y0, max(y0, min(bottom, y0 + 60))))
    lines_px = []
    nums = words.ENDNUMS[spec.seed % 2]
    for i in range(n):
        y = y0 + i * spacing
        a, b, c, e = cv.hrule(x0, x1, y, spec.thickness)
        lines_px.append((a, b, c, e))
        name = spec.printed_names[i]
        if label_pos == "left":
            cv.text(x0 - 4, y + 1.3, name, fl, "rs")
        elif label_pos == "above-centre":
            cv.text((x0 + x1) / 2, y - 4.0, name, fl, "ms")
        else:
            cv.text(x0, y - 4.0, name, fl, "ls")
        lt, rt = spec.anchors[i]
        if anchor_pos == "below":
            aw = min(42.0, L / 2 - 4)
            ya = y + (6.5 if spec.ends == "bars" else 4.5)          # clear of the end bars
            cv.para(x0, ya, lt, fs, aw, lead, "l")
            cv.para(x1, ya, rt, fs, aw, lead, "r")
        elif anchor_pos == "beside":
            nl = len(cv.wrap(lt, fs, beside_w - 4))
            cv.para(x0 - 3, y + 1.2 - (nl - 1) * lead / 2, lt, fs, beside_w - 4, lead, "r")
            nr = len(cv.wrap(rt, fs, beside_w - 4))
            cv.para(x1 + 3, y + 1.2 - (nr - 1) * lead / 2, rt, fs, beside_w - 4, lead, "l")
        if spec.ends in ("ticks", "small-ticks", "bars"):
            h = {"ticks": 3.0, "small-ticks": 1.8, "bars": 6.0}[spec.ends]
            tt = max(spec.thickness, 0.3) * cv.k
            cv.rect(a, cv.Y(y - h / 2), a + tt, cv.Y(y + h / 2))      # outer edge = the line end
            cv.rect(b - tt, cv.Y(y - h / 2), b, cv.Y(y + h / 2))
        elif spec.ends == "numbers":
            fn = cv.font(fam, max(7.0, spec.body_pt - 1))
            if anchor_pos == "below" and label_pos != "left" and x0 > m + 8 and W - x1 > m + 8:
                cv.text(x0 - 2.5, y + 1.2, nums[0], fn, "rs")
                cv.text(x1 + 2.5, y + 1.2, nums[1], fn, "ls")
            elif anchor_pos != "below":
                cv.text(x0, y + 4.5, nums[0], fn, "mt")
                cv.text(x1, y + 4.5, nums[1], fn, "mt")
    print_cov = finish_print(cv, spec, W, H, x1, y0 + (n - 1) * spacing + 16, "Score:", fs)
    kinds = list(line_kinds or ["one"] * n)
    ink, ink_bgr, grain, lines = client_ink(lines_px, kinds, tool, mark_kinds, rng, dpi, ss, (cv.H1, cv.W1),
                                            unit="mm")
    tpl = template(spec)
    lay = {k: v for k, v in asdict(spec).items() if k != "extra"}
    lay.update(label_pos=label_pos, anchor_pos=anchor_pos, x0=x0, y0=y0, spacing=spacing, tool=tool, dpi=dpi,
               line_length_mm=L, drawn_length_mm=[ln.length_mm for ln in lines], template=tpl)
    truth = PageTruth(is_form=True, form=spec.form_id, lang="en", lines=lines, layout=lay)
    return print_cov, ink, COLOURS[spec.colour], ink_bgr, grain, truth
