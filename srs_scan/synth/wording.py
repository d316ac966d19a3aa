"""The words printed on synthetic forms: the renderer's own, not the reader's templates.

Form recognition is tested by reading these pages; if the renderer took its words from
``srs_scan/forms/templates`` (what the reader matches against), it could only ever test
the reader on the template's own words. So the titles, item names, anchors and
descriptions live here, with the variants seen on real copies of the forms (other
printings and translations into plain English, punctuation, capitals, abbreviations).

``"standard"`` is the wording of the usual printing (the default: existing pages render
as before); ``"variant"`` draws each element from its variants, from the page's seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["WORDINGS", "FormWording", "ItemWording", "choose"]


@dataclass(frozen=True)
class ItemWording:
    name: str
    left_anchor: str = ""
    right_anchor: str = ""
    description: str = ""


@dataclass(frozen=True)
class FormWording:
    title: str
    given: str
    items: tuple[ItemWording, ...]

    def as_template(self) -> dict:
        """The shape the layouts draw from (title, given, items with their words)."""
        return {
            "title": self.title,
            "given": self.given,
            "items": [
                {"name": i.name, "left_anchor": i.left_anchor, "right_anchor": i.right_anchor,
                 "description": i.description}
                for i in self.items
            ],
        }


# per form: title variants, "given" variants, and per item the variants of each part
# (the first of each list is the standard wording)
WORDINGS: dict[str, dict] = {
    "srs": {
        "title": ["Session Rating Scale (SRS)", "Session Rating Scale", "SESSION RATING SCALE (SRS V.3.0)",
                  "SRS - Session Rating Scale", "Session Rating Scale (SRS V.3.0)"],
        "given": ["end of session", "end of each session", "close of the session"],
        "items": [
            {"name": ["Relationship", "RELATIONSHIP", "Relationship:"],
             "left": ["I did not feel heard, understood, and respected.",
                      "I did not feel heard, understood and respected",
                      "I didn't feel heard, understood, or respected."],
             "right": ["I felt heard, understood, and respected.", "I felt heard, understood and respected",
                       "I felt heard, understood and respected by the therapist."]},
            {"name": ["Goals and Topics", "Goals & Topics", "GOALS AND TOPICS"],
             "left": ["We did not work on or talk about what I wanted.",
                      "We did not work on or talk about what I wanted to work on and talk about.",
                      "We didn't talk about what I wanted to."],
             "right": ["We worked on and talked about what I wanted.",
                       "We worked on and talked about what I wanted to work on and talk about.",
                       "We talked about what I wanted to."]},
            {"name": ["Approach or Method", "Approach / Method", "APPROACH OR METHOD"],
             "left": ["The therapist's approach is not a good fit for me.",
                      "The therapist's approach is not a good fit for me",
                      "The way we worked did not suit me."],
             "right": ["The therapist's approach is a good fit for me.",
                       "The therapist's approach is a good fit for me",
                       "The way we worked suited me."]},
            {"name": ["Overall", "OVERALL", "Overall:"],
             "left": ["Something was missing in the session today.",
                      "There was something missing in the session today.",
                      "Something was missing in today's session."],
             "right": ["Overall, today's session was right for me.", "Overall, today's session was right for me",
                       "Overall, the session today was right for me."]},
        ],
    },
    "ors": {
        "title": ["Outcome Rating Scale (ORS)", "Outcome Rating Scale", "OUTCOME RATING SCALE (ORS)",
                  "ORS - Outcome Rating Scale"],
        "given": ["start of session", "beginning of each session", "start of the session"],
        "items": [
            {"name": ["Individually", "INDIVIDUALLY", "Individually:"],
             "description": ["(personal well-being)", "(Personal well-being)", "(how you have been feeling)"]},
            {"name": ["Interpersonally", "INTERPERSONALLY", "Interpersonally:"],
             "description": ["(family, close relationships)", "(Family, close relationships)",
                             "(family and close relationships)"]},
            {"name": ["Socially", "SOCIALLY", "Socially:"],
             "description": ["(work, school, friendships)", "(Work, School, Friendships)",
                             "(work, school and friends)"]},
            {"name": ["Overall", "OVERALL", "Overall:"],
             "description": ["(general sense of well-being)", "(General sense of well-being)",
                             "(how things are going in general)"]},
        ],
    },
}

# the printed layout of the usual copy (mm): the renderer's own figures as well
LAYOUT_MM = {"first_line_y_mm": 100.0, "line_pitch_mm": 38.0, "line_length_mm": 100.0}


def choose(form: str, wording: str = "standard", seed: int = 0) -> FormWording:
    """The words for ``form``: ``"standard"`` (the usual printing) or ``"variant"`` (each
    element drawn from its variants with a stream of its own from ``seed``)."""
    if form not in WORDINGS:
        raise ValueError(f"no wording for form {form!r}")
    if wording not in ("standard", "variant"):
        raise ValueError(f"wording must be 'standard' or 'variant', got {wording!r}")
    w = WORDINGS[form]
    rng = np.random.default_rng([seed, 0x5753])  # apart from the layout's streams

    def pick(options: list[str]) -> str:
        return options[0] if wording == "standard" else options[int(rng.integers(len(options)))]

    items = tuple(
        ItemWording(pick(it["name"]), pick(it.get("left", [""])), pick(it.get("right", [""])),
                    pick(it.get("description", [""])))
        for it in w["items"]
    )
    return FormWording(pick(w["title"]), pick(w["given"]), items)
