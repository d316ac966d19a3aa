"""Which form a page is, from all the evidence its words give.

Three kinds of evidence, each weighed by how much it says:

* a **name** of the form (its title phrase, e.g. "session rating scale", or its acronym,
  e.g. "SRS") read anywhere on the page: ``NAME_POINTS``;
* an **item name** read as a label line (e.g. "Goals and Topics", "Individually"), or
  the item's description of ``DESCRIPTION_MIN_WORDS`` words or more read as a phrase,
  in brackets when the form prints it so (the CORS's "(How are things in my family?)",
  not a title "How am I doing?"): ``ITEM_POINTS`` each;
* a **keyword** from the form's anchors or descriptions (e.g. "respected"):
  ``KEYWORD_POINTS`` each.

OCR errors are tolerated (fuzzy matching of long words, exact matching of short ones,
case and spacing ignored). Evidence shared by two forms says nothing and is dropped;
a name contained in a longer name that was also read (the SRS's "session rating scale"
inside the CSRS's "child session rating scale") gives way to the longer one.

The verdict names a form only when its evidence is enough and the others' is small
beside it; otherwise it says why a person must check which form it is. Recognised text
is health information: nothing here logs it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..forms.definitions import FormDef
from .textread import HEAD_CONFIDENCE, TextLine

NAME_POINTS = 3.0  # the form's title phrase or acronym
ITEM_POINTS = 2.0  # one of its item names, as a label
KEYWORD_POINTS = 1.0  # one of its anchor or description words
DESCRIPTION_MIN_WORDS = 4  # an item's description this long, read as a phrase, counts as its name
ENOUGH = 2.0  # a form is named with at least this much evidence...
MARGIN = 2.0  # ...and at least this much more than any other form
DECISIVE = 4.0  # this much, with nothing for any other form: no need to read further
# (a name alone is not: 'Session Rating Scale' may be the end of 'Child Session Rating Scale')
MIN_CONFIDENCE = 0.75  # lines the recogniser read less surely are ignored (their sure heads count)
# the recogniser gives a line a head when it is read less surely than HEAD_CONFIDENCE: every
# line ignored here must have had its chance of one
assert HEAD_CONFIDENCE >= MIN_CONFIDENCE
FUZZY_RATIO = 0.8  # a long word (5+ letters) matches at this difflib ratio
TRUNCATED_FRACTION = 0.75  # a name cut off at a line's end still counts with this share read
TRUNCATED_MIN_LETTERS = 3  # ...its last word cut too, when this many of its letters were read
ROW_OVERLAP = 0.7  # boxes overlapping this much of the smaller's height stand on one row...
ROW_GAP = 3.0  # ...when at most this many heights apart

_WORD = re.compile(r"[a-z0-9]+")
_BRACKETED = re.compile(r"([^()]+)\(([^()]+)\)")


@dataclass(frozen=True)
class FormVerdict:
    """The evidence for each form and what it decides.

    ``form`` is the form named (None when the evidence is absent or split), ``points``
    the evidence per form id, ``doubt`` why a person must check the type ("" when the
    words settle it), ``found`` the kinds of evidence seen for the chosen form.
    """

    form: str | None
    points: Mapping[str, float]
    doubt: str
    found: tuple[str, ...] = ()

    @property
    def decisive(self) -> bool:
        """So clear that reading more text cannot change it."""
        if self.form is None:
            return False
        others = [p for f, p in self.points.items() if f != self.form]
        return self.points[self.form] >= DECISIVE and not any(others)

    @property
    def settled(self) -> bool:
        """The form's own evidence leads every other form's by ``DECISIVE`` or more: the
        words, read the way up they were read, name that form (text read upside down does
        not come out as a form's title and item names)."""
        if self.form is None or self.doubt:
            return False
        others = max((p for f, p in self.points.items() if f != self.form), default=0.0)
        return self.points[self.form] - others >= DECISIVE

    @property
    def confidence(self) -> float:
        """0..1, from the lead of the best form over the next."""
        ranked = sorted(self.points.values(), reverse=True) + [0.0, 0.0]
        return float((ranked[0] - ranked[1]) / (ranked[0] + 1.0)) if ranked[0] > 0 else 0.0


def words(text: str) -> list[str]:
    """Lower-case words of a line, punctuation and spacing ignored."""
    return _WORD.findall(text.lower().replace("&", " and "))


def _same_word(expected: str, read: str) -> bool:
    if expected == read:
        return True
    if len(expected) <= 4 or len(read) <= 3:
        return False  # short words (srs, ors, me, or) must match exactly
    # the length bound and quick_ratio are upper bounds of ratio(): most words fail them cheaply
    if 2.0 * min(len(expected), len(read)) / (len(expected) + len(read)) < FUZZY_RATIO:
        return False
    matcher = difflib.SequenceMatcher(None, expected, read, autojunk=False)
    return matcher.quick_ratio() >= FUZZY_RATIO and matcher.ratio() >= FUZZY_RATIO


def _find_phrase(phrase: Sequence[str], line: Sequence[str], glued: bool = True) -> bool:
    """``phrase`` (words) read in ``line`` (words), consecutively; a phrase cut off at the
    line's end (perhaps in the middle of a word) counts when most of it was read; glued
    words ("sessionrating") count."""
    n = len(phrase)
    if n == 0:
        return False
    for start in range(len(line)):
        k = 0
        while k < n and start + k < len(line) and _same_word(phrase[k], line[start + k]):
            k += 1
        if k == n or (start + k == len(line) and n >= 3 and k >= TRUNCATED_FRACTION * n):
            return True
        # the line cut in the middle of the phrase's next word ("... RATING SCA")
        cut = line[-1]
        if (k < n and start + k == len(line) - 1 and n >= 3 and k + 1 >= TRUNCATED_FRACTION * n
                and len(cut) >= TRUNCATED_MIN_LETTERS and phrase[k].startswith(cut)):
            return True
    if glued and n > 1:
        joined = "".join(phrase)
        return any(_same_word(joined, w) for w in line)
    return False


def _is_label(item: Sequence[str], line: Sequence[str], text: str) -> bool:
    """An item name read as a label: the line starts with it (a description may follow)
    and is not itself a parenthesised description ("(family, close relationships)", or
    "family, close relationships)" with its opening bracket lost by the OCR)."""
    bare = text.strip()
    if not item or bare.startswith("(") or (bare.endswith(")") and "(" not in bare) or len(line) < len(item):
        return False
    if len(line) > len(item) + 6:
        return False  # a sentence that happens to begin with the word
    return all(_same_word(a, b) for a, b in zip(item, line[: len(item)], strict=True))


def _in_brackets(item: Sequence[str], text: str) -> bool:
    """An item name given in brackets after a label of other words ("Me (Individually)",
    perhaps a description after it), or read alone in its brackets (the recogniser read
    "Me" as a box of its own): the closed brackets hold the name and nothing else
    ("(Family: people close to me" is a description), and the label is short."""
    bare = text.strip()
    m = _BRACKETED.match(bare)
    if m is not None:
        inner, label = words(m.group(2)), words(m.group(1))
    elif bare.startswith("(") and bare.endswith(")") and bare.count("(") == 1 == bare.count(")"):
        inner, label = words(bare[1:-1]), ["alone"]
    else:
        return False
    return (bool(item) and 0 < len(label) <= 3 and len(inner) == len(item)
            and all(_same_word(a, b) for a, b in zip(item, inner, strict=True)))


def _short(name: Sequence[str]) -> bool:
    """A one-word item name of three letters or fewer ("Me"): weak evidence alone."""
    return len(name) == 1 and len(name[0]) <= 3


def _names(form: FormDef) -> list[list[str]]:
    return [words(n) for n in form.names]


def weigh(lines: Sequence[TextLine], forms: Mapping[str, FormDef]) -> FormVerdict:
    """The verdict on recognised ``lines`` among ``forms`` (by id).

    A clinic's own forms (``--template``) join the evidence without changing what the
    shipped forms' words say of them: the shipped forms' points are weighed among the
    shipped forms alone, the clinic forms' among all, so a word a clinic form shares with
    the SRS says nothing for the clinic form and still speaks for the SRS.
    """
    # lines read surely, and of those read less surely their sure beginnings (a bold label,
    # read well, with a smaller description after it read badly: "Me (Individualy) eso l")
    sure = [line if line.confidence >= MIN_CONFIDENCE else TextLine(line.head, line.box, HEAD_CONFIDENCE)
            for line in lines if line.confidence >= MIN_CONFIDENCE or line.head]
    read = [(line.text, words(line.text)) for line in sure]
    read = [(t, w) for t, w in read if w]
    rows = [w for w in (words(t) for t in _rows(sure)) if w]
    points, found = _points(read, forms, rows)
    shipped = {fid: form for fid, form in forms.items() if form.source is None}
    if shipped and len(shipped) < len(forms):
        inner, inner_found = _points(read, shipped, rows)
        points.update(inner)
        found.update(inner_found)
    return _verdict(points, found, forms)


def _rows(lines: Sequence[TextLine]) -> list[str]:
    """The text of lines standing side by side on one row, joined left to right: a title
    set with wide spaces ("SESSION   RATING   SCALE") may be found as one box a word.
    Only rows of two or more boxes are returned."""
    out = []
    left = sorted(lines, key=lambda ln: ln.box[0])
    used: set[int] = set()
    for i, a in enumerate(left):
        if i in used:
            continue
        row, (_, y0, x1, y1) = [a], a.box
        for j in range(i + 1, len(left)):
            b = left[j]
            bx0, by0, bx1, by1 = b.box
            h = min(y1 - y0, by1 - by0)
            same_row = min(y1, by1) - max(y0, by0) >= ROW_OVERLAP * h and abs((y1 - y0) - (by1 - by0)) <= 0.5 * h
            if j not in used and same_row and 0 <= bx0 - x1 <= ROW_GAP * h:
                row.append(b)
                used.add(j)
                x1 = bx1
        if len(row) > 1:
            out.append(" ".join(ln.text for ln in row))
    return out


def _points(read: Sequence[tuple[str, list[str]]], forms: Mapping[str, FormDef],
            rows: Sequence[list[str]] = ()) -> tuple[dict[str, float], dict[str, list[str]]]:
    """The evidence for each of ``forms`` in the words ``read`` (text, words per line);
    ``rows``: the words of lines side by side on one row, where a name is looked for too."""
    # names: the longest one read wins over those it contains
    named: dict[str, list[list[str]]] = {}
    phrases = [w for _, w in read] + list(rows)
    for fid, form in forms.items():
        got = [n for n in _names(form) if any(_find_phrase(n, w) for w in phrases)]
        if got:
            named[fid] = got
    for fid, got in list(named.items()):
        longer = [n for other, ns in named.items() if other != fid for n in ns]
        kept = [n for n in got if not any(len(m) > len(n) and _contains(m, n) for m in longer)]
        if kept:
            named[fid] = kept
        else:
            del named[fid]
    # a name read right after the last letters of a longer name's word ("D SESSION RATING
    # SCALE": "CHIL" cut off, or another word's end) may be either: both forms are named
    for fid, got in list(named.items()):
        for other, form in forms.items():
            for m in _names(form):
                if other != fid and any(_cut_before(m, n, phrases) for n in got):
                    named.setdefault(other, [])
                    if m not in named[other]:
                        named[other].append(m)
    # items and keywords: only what one form alone has
    item_owner: dict[str, set[str]] = {}
    for fid, form in forms.items():
        for item in form.items:
            for alias in (item.name, *item.aliases):
                item_owner.setdefault(" ".join(words(alias)), set()).add(fid)
    desc_owner: dict[str, set[str]] = {}
    for fid, form in forms.items():
        for item in form.items:
            desc_owner.setdefault(" ".join(words(item.description or "")), set()).add(fid)
    kw_owner: dict[str, set[str]] = {}
    for fid, form in forms.items():
        for k in form.keywords:
            kw_owner.setdefault(k, set()).add(fid)
    all_words = {w for _, ws in read for w in ws}
    glued = {a + b for _, ws in read for a, b in zip(ws[:-1], ws[1:], strict=False)}
    points: dict[str, float] = {}
    found: dict[str, list[str]] = {}
    for fid, form in forms.items():
        score = NAME_POINTS if fid in named else 0.0
        kinds = ["name"] if fid in named else []
        items, short = 0, 0
        for item in form.items:
            aliases = [words(a) for a in (item.name, *item.aliases)]
            aliases = [a for a in aliases if item_owner.get(" ".join(a)) == {fid}]
            desc = words(item.description or "")
            # printed in brackets (as the template gives it): read in brackets, not a title
            bracket = "(" if (item.description or "").lstrip().startswith("(") else ""
            described = (len(desc) >= DESCRIPTION_MIN_WORDS and desc_owner.get(" ".join(desc)) == {fid}
                         and any(bracket in t and _find_phrase(desc, w, glued=False) for t, w in read))
            if described or any(_is_label(a, w, t) or _in_brackets(a, t)
                                for a in aliases if not _short(a) for t, w in read):
                items += 1
            elif any(w == a for a in aliases if _short(a) for _, w in read):
                short += 1  # "Me" alone on a line may be the end of a wrapped sentence
        if short and (items or fid in named):
            items += short
        if items:
            score += ITEM_POINTS * items
            kinds.append(f"{items} item name(s)")
        kws = 0
        # a word of another form's name, read as that name, is that form's ("outcome" in
        # "Child Outcome Rating Scale" says nothing for the ORS)
        # and a word of this form's own name that ends another form's longer name, read as
        # that name, is that name, counted once: "Outcome Rating Scale" alone may be the end
        # of "Child Outcome Rating Scale" with "Child" lost, so it names the ORS (3) without
        # settling it (a name and its keyword "outcome" made 4, decisive)
        longer_names = [m for other, form_other in forms.items() if other != fid for m in _names(form_other)]
        taken = {w for other, ns in named.items() if other != fid for n in ns for w in n} | {
            w for n in named.get(fid, []) if any(_ends_with(m, n) for m in longer_names) for w in n}
        for k in dict.fromkeys(form.keywords):
            if kw_owner.get(k) != {fid} or all(part in taken for part in k.split("-")):
                continue
            plain = k.replace("-", "")
            if plain != k and (plain in all_words or plain in glued):
                kws += 1
            elif "-" not in k and any(_same_word(k, w) for w in all_words):
                kws += 1
        if kws:
            score += KEYWORD_POINTS * kws
            kinds.append(f"{kws} word(s)")
        points[fid] = score
        found[fid] = kinds
    return points, found


def _cut_before(longer: Sequence[str], name: Sequence[str], lines: Sequence[Sequence[str]]) -> bool:
    """Whether ``longer`` ends with ``name`` and a line reads ``name`` right after a word
    that ends its word before it: "d" or "ild" then "session rating scale" is "child
    session rating scale" with its first letters cut off."""
    if not _ends_with(longer, name):
        return False
    before = longer[len(longer) - len(name) - 1]
    for line in lines:
        for start in range(1, len(line) - len(name) + 1):
            if (all(_same_word(a, b) for a, b in zip(name, line[start : start + len(name)], strict=True))
                    and line[start - 1] != before and before.endswith(line[start - 1])):
                return True
    return False


def _ends_with(longer: Sequence[str], name: Sequence[str]) -> bool:
    """Whether the words ``longer`` are more than ``name`` and end with it ("child session
    rating scale" ends with "session rating scale")."""
    k = len(longer) - len(name)
    return k >= 1 and list(longer[k:]) == list(name)


def _contains(longer: Sequence[str], shorter: Sequence[str]) -> bool:
    n = len(shorter)
    return any(list(longer[i : i + n]) == list(shorter) for i in range(len(longer) - n + 1))


def _verdict(points: dict[str, float], found: dict[str, list[str]], forms: Mapping[str, FormDef]) -> FormVerdict:
    ranked = sorted(points.items(), key=lambda kv: kv[1], reverse=True)
    known = "/".join(f.upper() for f in forms)
    if not ranked or ranked[0][1] <= 0:
        return FormVerdict(None, points, f"check which form this is: the page's words do not name a known form "
                                         f"({known}); declare it with --form")
    best, top = ranked[0]
    second_form, second = ranked[1] if len(ranked) > 1 else (None, 0.0)
    if second > 0 and top - second < MARGIN:
        return FormVerdict(None, points, f"check which form this is: the page's words point to both the "
                                         f"{best.upper()} and the {str(second_form).upper()}")
    if top < ENOUGH:
        return FormVerdict(best, points, f"check which form this is: only one word on the page points to the "
                                         f"{best.upper()}", tuple(found[best]))
    return FormVerdict(best, points, "", tuple(found[best]))
