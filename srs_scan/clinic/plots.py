"""The clinic's plots, drawn with matplotlib (Agg, no pyplot state) as inline SVG.

A client's plot: the outcome (ORS/CORS) and alliance (SRS/CSRS) totals by session, the
clinical cutoff and the alliance cutoff as lines, the reliable-change band around the
intake score, concerns marked (red ring), values a person corrected drawn hollow and
values still waiting for review marked "?". Text stays text in the SVG (small files
that print sharply).
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ..forms.definitions import Clinical  # noqa: E402
from .alerts import Alert  # noqa: E402
from .episodes import Episode  # noqa: E402
from .records import Score  # noqa: E402
from .rules import DEFAULT_SETTINGS, Settings, rules_for  # noqa: E402

OUTCOME_COLOUR = "#1f5fa8"
ALLIANCE_COLOUR = "#2b8a3e"
CONCERN_COLOUR = "#c62828"
BAND_COLOUR = "#9aa5b1"
RC: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "srs-scan", "font.size": 8, "font.family": "sans-serif",
      "axes.spines.top": False, "axes.spines.right": False}


def _style() -> Any:
    """The plots' matplotlib settings, for a ``with`` block (the global settings stay as they are)."""
    return matplotlib.rc_context(RC)  # type: ignore[arg-type]


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # no XML prolog or DOCTYPE: the SVG goes inline in HTML
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)  # RDF boilerplate: nothing to fetch
    text = re.sub(r'\s+xmlns:(dc|cc|rdf)="[^"]*"', "", text)
    text = re.sub(r"\n\s*", "\n", text)
    return text


def _series(scores: Sequence[Score]) -> tuple[list[int], list[float]]:
    return [s.session for s in scores], [s.total for s in scores]


def client_svg(episode: Episode, alerts: Sequence[Alert] = (), settings: Settings = DEFAULT_SETTINGS) -> str:
    """The client's totals by session as one self-contained SVG element (text)."""
    plotter = ClientPlotter(settings)
    return plotter.svg(episode, alerts, standalone=True)


def client_png(episode: Episode, alerts: Sequence[Alert], path: str, settings: Settings = DEFAULT_SETTINGS) -> None:
    """The same plot as a PNG file (for documentation), with its key."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    plotter = ClientPlotter(settings, legend=True)
    with _style():
        fig = plotter._layer(episode, alerts, axes_too=True)
        FigureCanvasAgg(fig)
        fig.savefig(path, format="png", dpi=110)


def x_span(last_session: int) -> int:
    """The sessions a plot spans: the same few spans for every client (plots compare)."""
    for span in (6, 12, 20, 30):
        if last_session <= span:
            return span
    return 10 * -(-last_session // 10)


class ClientPlotter:
    """Client plots, drawn fast: the axes, ticks and grid of each session span are drawn
    once (:meth:`background`) and each client's plot is only its data, over a ``<use>``
    of that background; ``standalone`` plots carry their background inside. The key
    (what lines and marks mean) is drawn once for a report (:meth:`key_svg`)."""

    def __init__(self, settings: Settings = DEFAULT_SETTINGS, *, width_in: float = 6.0, height_in: float = 2.3,
                 legend: bool = False) -> None:
        self.settings = settings
        self.size = (width_in + (2.3 if legend else 0.0), height_in)
        self.frame = (0.08 * width_in / self.size[0], 0.17, 0.89 * width_in / self.size[0], 0.72)
        self.legend = legend
        self.backgrounds: dict[int, str] = {}  # span -> the SVG group's inner markup
        self._data: tuple[Figure, Any] | None = None  # the figure the data layers are drawn in

    # --- the parts -------------------------------------------------------------------------

    def _axes(self, fig: Figure, span: int, *, decorated: bool):
        ax = fig.add_axes(self.frame)
        ax.set_xlim(0.5, span + 0.5)
        ax.set_ylim(0, 44)
        if decorated:
            ax.set_yticks([0, 10, 20, 30, 40])
            step = 1 if span <= 12 else 2 if span <= 20 else 5
            ax.set_xticks([1, *range(step, span + 1, step)] if step > 1 else range(1, span + 1))
            ax.set_xlabel("session")
            ax.set_ylabel("total (0-40)")
            ax.grid(axis="y", lw=0.3, color="#ccc")
        else:
            ax.set_axis_off()
        return ax

    def background(self, span: int) -> str:
        """The axes of a span, as SVG markup to go inside a ``<g>`` (drawn once)."""
        if span not in self.backgrounds:
            with _style():
                fig = Figure(figsize=self.size)
                self._axes(fig, span, decorated=True)
                FigureCanvasSVG(fig)
                self.backgrounds[span] = _inner(_svg(fig))
        return self.backgrounds[span]

    def _layer(self, episode: Episode, alerts: Sequence[Alert], *, axes_too: bool = False) -> Figure:
        settings = self.settings
        span = x_span(episode.last.number)
        if axes_too:
            fig = Figure(figsize=self.size)
            ax = self._axes(fig, span, decorated=True)
        else:  # one figure for every client: making axes is most of the cost of a plot
            if self._data is None:
                fig = Figure(figsize=self.size)
                fig.patch.set_visible(False)
                self._data = (fig, self._axes(fig, span, decorated=False))
            fig, ax = self._data
            for artist in (*ax.lines, *ax.patches, *fig.texts):
                artist.remove()
            ax.set_xlim(0.5, span + 0.5)
        intake = episode.intake
        out_rules: Clinical | None = rules_for(intake.form if intake else "ors", settings)
        oname = intake.form.upper() if intake else "ORS"
        if intake is not None and out_rules is not None and out_rules.reliable_change:
            rc = out_rules.reliable_change
            ax.axhspan(max(0.0, intake.total - rc), min(40.0, intake.total + rc), color=BAND_COLOUR, alpha=0.22,
                       lw=0, label=f"intake \u00b1{rc:g} (no reliable change)")
        if out_rules is not None and out_rules.clinical_cutoff is not None:
            ax.axhline(out_rules.clinical_cutoff, color=OUTCOME_COLOUR, ls="--", lw=0.9,
                       label=f"{oname} clinical cutoff {out_rules.clinical_cutoff:g}")
        alliances, outcomes = episode.alliances, episode.outcomes
        aname = alliances[0].form.upper() if alliances else "SRS"
        al_rules = rules_for(aname.lower(), settings)
        if al_rules is not None and al_rules.cutoff is not None:
            ax.axhline(al_rules.cutoff, color=ALLIANCE_COLOUR, ls=":", lw=1.0,
                       label=f"{aname} cutoff {al_rules.cutoff:g}")
        for scores, colour, marker, name in ((outcomes, OUTCOME_COLOUR, "o", oname),
                                             (alliances, ALLIANCE_COLOUR, "s", aname)):
            ax.plot(*_series(scores), color=colour, lw=1.4, marker=marker, ms=4.5, label=name)
            fixed = [x for x in scores if x.corrected]
            ax.plot(*_series(fixed), ls="none", marker=marker, ms=6.5, mfc="white", mec=colour, mew=1.4,
                    label="corrected by a person" if marker == "o" else None)
        concerns = [a for a in alerts if not a.good]
        marked = [x for x in (*outcomes, *alliances) if any(a.session == x.session and _about(a, x) for a in concerns)]
        ax.plot(*_series(marked), ls="none", marker="o", ms=11, mfc="none", mec=CONCERN_COLOUR, mew=1.3, label="alert")
        waiting = [x for x in (*outcomes, *alliances) if not x.reviewed]
        ax.plot([x.session for x in waiting], [x.total + 2.6 for x in waiting], ls="none", marker="$?$", ms=7,
                color=CONCERN_COLOUR, label="not yet reviewed")
        kinds = "/".join(sorted({x.form.upper() for x in (*outcomes, *alliances)}))
        fig.text(self.frame[0], 0.93, f"client {episode.client}  ({kinds or 'no forms'})", fontsize=9)
        if self.legend:
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=7)
        if fig.canvas is None or not isinstance(fig.canvas, FigureCanvasSVG):
            FigureCanvasSVG(fig)
        return fig

    def svg(self, episode: Episode, alerts: Sequence[Alert] = (), *, standalone: bool = False) -> str:
        """The client's plot. Not ``standalone``: it refers to ``#srs-plot-axes-<span>``,
        which the page must define once (:meth:`defs`)."""
        span = x_span(episode.last.number)
        with _style():
            text = _svg(self._layer(episode, alerts))
        axes = self.background(span)
        under = f"<g>{axes}</g>" if standalone else f'<use href="#srs-plot-axes-{span}"/>'
        cut = text.index(">", text.index("<svg")) + 1
        return text[:cut] + under + text[cut:]

    def defs(self) -> str:
        """The backgrounds the plots so far use, for the page to define once."""
        groups = "".join(f'<g id="srs-plot-axes-{span}">{inner}</g>'
                         for span, inner in sorted(self.backgrounds.items()))
        return f'<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs>{groups}</defs></svg>'

    def key_svg(self) -> str:
        """What the lines and marks mean, once for every plot of a report."""
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles = [
            Line2D([], [], color=OUTCOME_COLOUR, lw=1.4, marker="o", ms=4.5, label="ORS / CORS (start of session)"),
            Line2D([], [], color=ALLIANCE_COLOUR, lw=1.4, marker="s", ms=4.5, label="SRS / CSRS (end of session)"),
            Patch(color=BAND_COLOUR, alpha=0.3, label="intake \u00b1 reliable change"),
            Line2D([], [], color=OUTCOME_COLOUR, ls="--", lw=0.9, label="clinical cutoff (ORS 25, CORS 32)"),
            Line2D([], [], color=ALLIANCE_COLOUR, ls=":", lw=1.0, label="SRS cutoff 36"),
            Line2D([], [], ls="none", marker="o", ms=6.5, mfc="white", mec="#444", label="corrected by a person"),
            Line2D([], [], ls="none", marker="o", ms=11, mfc="none", mec=CONCERN_COLOUR, label="alert"),
            Line2D([], [], ls="none", marker="$?$", ms=7, color=CONCERN_COLOUR, label="not yet reviewed"),
        ]
        with _style():
            fig = Figure(figsize=(8.0, 0.5))
            fig.legend(handles=handles, loc="center", ncol=4, frameon=False, fontsize=7)
            FigureCanvasSVG(fig)
            return _svg(fig)


def _inner(svg: str) -> str:
    """The markup inside an ``<svg>`` element."""
    return svg[svg.index(">", svg.index("<svg")) + 1: svg.rindex("</svg>")]


_ALLIANCE_CODES = {"srs_low", "srs_item_low", "srs_drop", "srs_perfect_repeat"}


def _about(alert: Alert, score: Score) -> bool:
    """Whether an alert is about this score (alliance alerts about the SRS, others the ORS)."""
    if alert.code in _ALLIANCE_CODES:
        return score.role == "alliance"
    if alert.code == "srs_missing" or alert.code == "session_gap":
        return score.role == "outcome"
    return score.role == "outcome"


def distribution_svg(bins: Sequence[tuple[str, int]], cutoff: float = 36.0) -> str:
    """The alliance totals' distribution as bars (the bins at or below the cutoff in red)."""
    with _style():
        fig = Figure(figsize=(4.2, 2.0))
        ax = fig.add_axes((0.13, 0.22, 0.84, 0.7))
        labels = [b for b, _ in bins]
        counts = [c for _, c in bins]
        colours = [CONCERN_COLOUR if _upper(b) <= cutoff else ALLIANCE_COLOUR for b in labels]
        ax.bar(range(len(labels)), counts, color=colours, width=0.7)
        for i, c in enumerate(counts):
            ax.annotate(str(c), (i, c), textcoords="offset points", xytext=(0, 2), ha="center", fontsize=7)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_xlabel("SRS total (right-closed bins)")
        ax.set_ylabel("sessions")
        ax.set_ylim(0, max(counts + [1]) * 1.18)
        return _svg(fig)


def _upper(label: str) -> float:
    return float(label.split("-")[-1].replace("<=", "").strip())
