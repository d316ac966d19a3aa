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
RC = {"svg.fonttype": "none", "svg.hashsalt": "srs-scan", "font.size": 8, "font.family": "sans-serif",
      "axes.spines.top": False, "axes.spines.right": False}


def _svg(fig: Figure) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    text = text[text.index("<svg"):]  # no XML prolog or DOCTYPE: the SVG goes inline in HTML
    text = re.sub(r"\n\s*", "\n", text)
    return text


def _series(scores: Sequence[Score]) -> tuple[list[int], list[float]]:
    return [s.session for s in scores], [s.total for s in scores]


def client_svg(episode: Episode, alerts: Sequence[Alert] = (), settings: Settings = DEFAULT_SETTINGS) -> str:
    """The client's totals by session as an SVG element (text). For many clients, one
    :class:`ClientPlotter` draws them faster (one figure, its artists updated)."""
    return ClientPlotter(settings).svg(episode, alerts)


def client_png(episode: Episode, alerts: Sequence[Alert], path: str, settings: Settings = DEFAULT_SETTINGS) -> None:
    """The same plot as a PNG file (for documentation), with its key."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    plotter = ClientPlotter(settings, legend=True)
    plotter.draw(episode, alerts)
    with matplotlib.rc_context(RC):
        FigureCanvasAgg(plotter.fig)
        plotter.fig.savefig(path, format="png", dpi=110)


class ClientPlotter:
    """One figure reused for client after client: only the data changes. The key (what
    the lines and marks mean) is drawn once beside the plots, unless ``legend``."""

    def __init__(self, settings: Settings = DEFAULT_SETTINGS, *, width_in: float = 6.0, height_in: float = 2.3,
                 legend: bool = False) -> None:
        self.settings = settings
        with matplotlib.rc_context(RC):
            self.fig = Figure(figsize=(width_in + (2.2 if legend else 0.0), height_in))
            right = 0.97 * width_in / (width_in + (2.2 if legend else 0.0))
            ax = self.ax = self.fig.add_axes((0.08 * 6.0 / (width_in + (2.2 if legend else 0)), 0.17,
                                              right - 0.08 * 6.0 / (width_in + (2.2 if legend else 0)), 0.73))
            self.band = ax.axhspan(0, 0, color=BAND_COLOUR, alpha=0.22, lw=0, label="intake ± reliable change")
            self.out_cut = ax.axhline(25, color=OUTCOME_COLOUR, ls="--", lw=0.9, label="ORS clinical cutoff")
            self.al_cut = ax.axhline(36, color=ALLIANCE_COLOUR, ls=":", lw=1.0, label="SRS cutoff")
            self.outcome, = ax.plot([], [], color=OUTCOME_COLOUR, lw=1.4, marker="o", ms=4.5, label="ORS")
            self.alliance, = ax.plot([], [], color=ALLIANCE_COLOUR, lw=1.4, marker="s", ms=4.5, label="SRS")
            self.out_fixed, = ax.plot([], [], ls="none", marker="o", ms=6.5, mfc="white", mec=OUTCOME_COLOUR,
                                      mew=1.4, label="corrected by a person")
            self.al_fixed, = ax.plot([], [], ls="none", marker="s", ms=6.5, mfc="white", mec=ALLIANCE_COLOUR, mew=1.4)
            self.marked, = ax.plot([], [], ls="none", marker="o", ms=11, mfc="none", mec=CONCERN_COLOUR, mew=1.3,
                                   label="alert")
            self.unreviewed, = ax.plot([], [], ls="none", marker="$?$", ms=7, color=CONCERN_COLOUR,
                                       label="not yet reviewed")
            ax.set_ylim(0, 41)
            ax.set_yticks([0, 10, 20, 30, 40])
            ax.set_xlabel("session")
            ax.set_ylabel("total (0-40)")
            ax.grid(axis="y", lw=0.3, color="#ccc")
            self.title = ax.set_title("", loc="left", fontsize=9)
            if legend:
                ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=7)
            FigureCanvasSVG(self.fig)

    def draw(self, episode: Episode, alerts: Sequence[Alert] = ()) -> Figure:
        settings = self.settings
        numbers = [s.number for s in episode.sessions]
        lo, hi = min(numbers), max(numbers)
        x0, x1 = lo - 0.5, max(hi, lo + 3) + 0.5
        intake = episode.intake
        out_rules: Clinical | None = rules_for(intake.form, settings) if intake else rules_for("ors", settings)
        if intake is not None and out_rules is not None and out_rules.reliable_change:
            rc = out_rules.reliable_change
            y0, y1 = max(0.0, intake.total - rc), min(40.0, intake.total + rc)
            self.band.set_y(y0)
            self.band.set_height(y1 - y0)
            self.band.set_visible(True)
        else:
            self.band.set_visible(False)
        self.out_cut.set_ydata([out_rules.clinical_cutoff] * 2 if out_rules and out_rules.clinical_cutoff else [-9] * 2)
        alliances = episode.alliances
        al_rules = rules_for(alliances[0].form if alliances else "srs", settings)
        self.al_cut.set_ydata([al_rules.cutoff] * 2 if al_rules and al_rules.cutoff else [-9] * 2)
        outcomes = episode.outcomes
        self.outcome.set_data(*_series(outcomes))
        self.alliance.set_data(*_series(alliances))
        self.out_fixed.set_data(*_series([s for s in outcomes if s.corrected]))
        self.al_fixed.set_data(*_series([s for s in alliances if s.corrected]))
        concerns = [a for a in alerts if not a.good]
        marked = [s for s in (*outcomes, *alliances) if any(a.session == s.session and _about(a, s) for a in concerns)]
        self.marked.set_data(*_series(marked))
        waiting = [s for s in (*outcomes, *alliances) if not s.reviewed]
        self.unreviewed.set_data([s.session for s in waiting], [s.total + 2.6 for s in waiting])
        self.ax.set_xlim(x0, x1)
        step = max(1, int(x1 - x0) // 10)
        self.ax.set_xticks(range(lo, int(x1) + 1, step))
        kinds = "/".join(sorted({s.form.upper() for s in (*outcomes, *alliances)}))
        self.title.set_text(f"client {episode.client}  ({kinds or 'no forms'})")
        return self.fig

    def svg(self, episode: Episode, alerts: Sequence[Alert] = ()) -> str:
        with matplotlib.rc_context(RC):
            return _svg(self.draw(episode, alerts))

    def key_svg(self) -> str:
        """What the lines and marks mean, once for every plot of a report."""
        with matplotlib.rc_context(RC):
            fig = Figure(figsize=(7.5, 0.45))
            handles = [self.outcome, self.alliance, self.band, self.out_cut, self.al_cut, self.out_fixed,
                       self.marked, self.unreviewed]
            fig.legend(handles=handles, labels=[h.get_label() for h in handles], loc="center", ncol=4,
                       frameon=False, fontsize=7)
            FigureCanvasSVG(fig)
            return _svg(fig)


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
    with matplotlib.rc_context(RC):
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
