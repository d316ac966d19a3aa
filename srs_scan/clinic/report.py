"""The clinic's report: one offline HTML file (inline CSS and SVG, nothing fetched, no
script) that prints well.

First the open alerts, most urgent on top (whom to talk to before the next session),
then the clinic's figures beside the published benchmarks, then each client: the plot,
the alerts and the session table with the items (values a person corrected marked *,
pages still in review marked ?).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

from .alerts import KINDS, Alert, by_urgency
from .figures import Mean, Share
from .plots import ClientPlotter, distribution_svg
from .records import Score
from .rules import rules_for
from .summary import Caseload, ClientView, benchmarks

CSS = """
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222;
  margin: 1.2em 2em; max-width: 76em; }
h1 { font-size: 1.5em; margin: 0 0 .2em; } h2 { font-size: 1.2em; margin: 1.4em 0 .4em; border-bottom: 1px solid #bbb; }
h3 { font-size: 1.05em; margin: 1em 0 .3em; }
table { border-collapse: collapse; margin: .3em 0 .8em; }
th, td { border: 1px solid #ccc; padding: .15em .45em; text-align: left; vertical-align: top; }
th { background: #f1f3f5; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: #666; } .concern { color: #b00020; font-weight: 600; } .good { color: #1b6e2e; font-weight: 600; }
.corrected { color: #7b1fa2; font-weight: 600; } .unreviewed { color: #b00020; }
.client { page-break-inside: avoid; break-inside: avoid; border-top: 1px solid #ddd; padding-top: .3em; }
svg { max-width: 100%; height: auto; }
.rank1, .rank2 { background: #fdecea; } .rank3, .rank4 { background: #fff4e5; }
@media print { body { margin: 0; font-size: 10.5px; } h2 { page-break-after: avoid; }
  a { color: inherit; text-decoration: none; }
  .client { page-break-inside: avoid; } }
"""


def _e(x: object) -> str:
    return escape("" if x is None else str(x))


def _num(x: float | None, places: int = 1) -> str:
    return "-" if x is None else f"{x:.{places}f}"


def _share(s: Share) -> str:
    return "-" if s.value is None else f"{100 * s.value:.0f} % ({s.count} of {s.n})"


def _mean(m: Mean, ci: bool = False) -> str:
    if m.value is None:
        return "- (n = 0)"
    text = f"{m.value:.1f}"
    if ci and m.ci95 is not None:
        text += f" (95 % CI {m.ci95[0]:.1f}-{m.ci95[1]:.1f})"
    return text + f", n = {m.n}"


def _anchor(client: str) -> str:
    return "client-" + "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in client)


def _alerts_table(alerts: Sequence[Alert], dates: dict[tuple[str, int], str]) -> str:
    """One row per client, the client with the most urgent alert first; the advice is the
    most urgent alert's (every rule's advice is listed at the end of the report)."""
    if not alerts:
        return "<p>No open alert.</p>"
    by_client: dict[str, list[Alert]] = {}
    for a in by_urgency(list(alerts)):
        by_client.setdefault(a.client, []).append(a)
    rows = ["<table><tr><th>client</th><th>session</th><th>date</th><th>alerts (most urgent first)</th>"
            "<th>advice</th></tr>"]
    for client, found in by_client.items():
        first = found[0]
        items = []
        same: dict[str, list[Alert]] = {}
        for a in found:  # several low items of one form: one line
            same.setdefault(a.code, []).append(a)
        for group in same.values():
            a = group[0]
            waiting = any(x.unreviewed for x in group)
            note = ' <span class="unreviewed">(page not yet reviewed)</span>' if waiting else ""
            items.append(f'<span class="{"good" if a.good else "concern"}">{_e(a.kind.title)}</span>: '
                         f'{_e(", ".join(x.message for x in group))} <span class="muted">({_e(a.rule)})</span>{note}')
        rows.append(
            f'<tr class="rank{first.rank}"><td><a href="#{_anchor(client)}">{_e(client)}</a></td>'
            f'<td class="n">{first.session}</td><td>{_e(dates.get((client, first.session), "unknown"))}</td>'
            f'<td>{"<br>".join(items)}</td><td>{_e(first.advice)}</td></tr>')
    rows.append("</table>")
    return "\n".join(rows)


def _bench(key: str, unit: str = "", share: bool = False) -> str:
    value = benchmarks().get(key)
    if value is None:
        return ""
    if isinstance(value, list):
        lo, hi = value
        return f"{100 * lo:.0f}-{100 * hi:.0f} %" if share else f"{lo:g}-{hi:g}{unit}"
    return f"about {100 * value:.0f} %" if share else f"{value:g}{unit}"


def _clinic(load: Caseload) -> str:
    f = load.figures
    srs_rules = rules_for("srs", load.settings)
    cutoff = srs_rules.cutoff if srs_rules and srs_rules.cutoff else 36.0
    o = f.outcomes
    rows = [
        ("clients (with a session in the period)", str(f.clients), ""),
        ("sessions in the period", str(f.sessions)
         + (f" ({f.unreviewed_sessions} with a page not yet reviewed)" if f.unreviewed_sessions else ""), ""),
        ("mean SRS", _mean(f.mean_srs, ci=True),
         f"validation {_bench('mean_srs_validation')}; outpatient {_bench('mean_srs_outpatient')}"),
        (f"sessions with SRS above {cutoff:g}", _share(f.share_srs_above_36), ""),
        ("mean intake ORS", _mean(f.mean_intake_ors), f"adult outpatient {_bench('mean_intake_ors')}"),
    ]
    if f.mean_intake_cors.n:
        rows.append(("mean intake CORS", _mean(f.mean_intake_cors), ""))
    rows += [
        ("reliably improved (still below the cutoff)", _share(o["improved"]), ""),
        ("recovered (reliable gain, at or above the cutoff)", _share(o["recovered"]), ""),
        ("reliable or clinically significant change", _share(f.reliable_or_clinically_significant),
         _bench("share_reliable_or_clinically_significant", share=True)),
        ("deteriorated", _share(o["deteriorated"]), _bench("share_deteriorated", share=True)),
        ("unchanged", _share(o["unchanged"]), ""),
        ("pre-post effect size (Cohen's d, intake SD)",
         "-" if f.effect_size is None else f"{f.effect_size:.2f}, n = {f.effect_size_n}", ""),
    ]
    strong, weak = f.alliance_outcome["early_srs_above_36"], f.alliance_outcome["early_srs_at_or_below_36"]
    rows.append((f"ORS change, first SRS above {cutoff:g}", _mean(strong, ci=True), ""))
    rows.append((f"ORS change, first SRS at or below {cutoff:g}", _mean(weak, ci=True), ""))
    out = ['<table><tr><th>figure</th><th>this clinic</th><th>published benchmark</th></tr>']
    out += [f"<tr><td>{_e(a)}</td><td>{_e(b)}</td><td>{_e(c)}</td></tr>" for a, b, c in rows]
    out.append("</table>")
    out.append('<p class="muted">Outcomes are of clients with two or more outcome forms (intake to the latest); '
               "shares give their count and n. Reliable change: "
               f"{_num(rules_for('ors', load.settings).reliable_change)} points "  # type: ignore[union-attr]
               "from intake.</p>")
    if f.undated_sessions:
        out.append(f'<p class="muted">{f.undated_sessions} session(s) have no date (none is guessed)'
                   + (": a date limit leaves them out." if load.scope.dated else ".") + "</p>")
    out.append("<h3>SRS distribution</h3>")
    out.append(distribution_svg(f.srs_distribution, cutoff))
    for title, groups in (("By therapist", f.by_therapist), ("By site", f.by_site)):
        if not groups:
            continue
        out.append(f"<h3>{title}</h3><table><tr><th></th><th>clients</th><th>sessions</th><th>mean SRS</th>"
                   f"<th>SRS above {cutoff:g}</th><th>improved or recovered</th><th>deteriorated</th></tr>")
        for g in groups:
            out.append(f"<tr><td>{_e(g.name)}</td><td class='n'>{g.clients}</td><td class='n'>{g.sessions}</td>"
                       f"<td>{_e(_mean(g.mean_srs))}</td><td>{_e(_share(g.share_srs_above_36))}</td>"
                       f"<td>{_e(_share(g.improved_or_recovered))}</td><td>{_e(_share(g.deteriorated))}</td></tr>")
        out.append("</table>")
    return "\n".join(out)


def _cell(score: Score | None) -> tuple[str, str]:
    """The total and the items of one form, corrected values marked."""
    if score is None:
        return "-", ""
    mark = (' <span class="corrected" title="corrected by a person">*</span>' if score.corrected else "") + (
        ' <span class="unreviewed" title="page not yet reviewed">?</span>' if not score.reviewed else "")
    items = " / ".join(_num(i) for i in score.items)
    return f"{score.total:.1f}{mark}", items


def _client(view: ClientView, plot: str) -> str:
    e = view.episode
    out = [f'<section class="client" id="{_anchor(e.client)}"><h3>client {_e(e.client)}</h3>']
    facts = [f"{len(e.sessions)} session(s)"]
    if e.intake is not None:
        facts.append(f"intake {e.intake.form.upper()} {e.intake.total:.1f}")
    if view.outcome is not None:
        facts.append(f"change {view.outcome.change:+.1f}: {view.outcome.category}")
    if e.last.therapist:
        facts.append(f"therapist {e.last.therapist}")
    if e.last.site:
        facts.append(f"site {e.last.site}")
    out.append(f'<p class="muted">{_e("; ".join(facts))}</p>')
    out.append(plot)
    last = e.last.number
    now = [a for a in by_urgency(list(view.alerts)) if a.session == last]
    earlier: dict[str, list[int]] = {}
    for a in view.alerts:
        if a.session != last:
            earlier.setdefault(a.code, []).append(a.session)
    if now or earlier:
        out.append("<ul>")
        for a in now:
            cls = "good" if a.good else "concern"
            out.append(f'<li><span class="{cls}">session {a.session} (latest): {_e(a.kind.title)}</span>: '
                       f"{_e(a.message)} <span class='muted'>({_e(a.rule)})</span>"
                       + (" <span class='unreviewed'>page not yet reviewed</span>" if a.unreviewed else "") + "</li>")
        for code, numbers in sorted(earlier.items(), key=lambda kv: (KINDS[kv[0]].good, KINDS[kv[0]].rank)):
            sessions = ", ".join(str(n) for n in sorted(set(numbers)))
            out.append(f"<li class='muted'>earlier: {_e(KINDS[code].title)} in session(s) {sessions}</li>")
        out.append("</ul>")
    out.append("<table><tr><th>session</th><th>date</th><th>therapist</th><th>outcome</th><th>items</th>"
               "<th>alliance</th><th>items</th></tr>")
    for s in e.sessions:
        ot, oi = _cell(s.outcome)
        at, ai = _cell(s.alliance)
        oname = s.outcome.form.upper() + " " if s.outcome else ""
        aname = s.alliance.form.upper() + " " if s.alliance else ""
        if s.extra:
            at += f' <span class="muted">(+{len(s.extra)} more page(s) for this session: the first is used)</span>'
        out.append(f"<tr><td class='n'>{s.number}</td><td>{_e(s.date.isoformat() if s.date else 'unknown')}</td>"
                   f"<td>{_e(s.therapist or '')}</td><td>{_e(oname)}{ot}</td><td>{oi}</td>"
                   f"<td>{_e(aname)}{at}</td><td>{ai}</td></tr>")
    out.append("</table></section>")
    return "\n".join(out)


def render(load: Caseload, *, progress: Callable[[], None] | None = None) -> str:
    """The report as one HTML document."""
    s = load.scope
    scope = []
    if s.date_from or s.date_to:
        scope.append(f"sessions from {s.date_from or 'the first'} to {s.date_to or 'the last'}")
    for label, value in (("therapist", s.therapist), ("site", s.site), ("client", s.client)):
        if value:
            scope.append(f"{label} {value}")
    dates = {(c.id, x.number): x.date.isoformat() for c in load.clients for x in c.episode.sessions if x.date}
    concerns = [a for a in load.open_alerts if not a.good]
    good = [a for a in load.open_alerts if a.good]
    plotter = ClientPlotter(load.settings)
    parts = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        '<meta name="generator" content="srs-scan">',  # how a later run knows the file is its own
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "img-src data:\">",
        f"<title>srs-scan clinic report</title><style>{CSS}</style></head><body>",
        "<h1>srs-scan clinic report</h1>",
        f"<p class='muted'>{_e('; '.join(scope) or 'every session in the ledger')}. Made {_e(load.generated_at)} "
        "from the ledger, corrections applied. Health information: clients by ID only; keep this file as you "
        "keep the forms.</p>",
    ]
    if load.left_out:
        parts.append("<p class='muted'>Form pages left out: " + _e("; ".join(
            f"{n} {why}" for why, n in sorted(load.left_out.items()))) + ".</p>")
    parts.append(f"<h2>Before the next session: {len({a.client for a in concerns})} client(s) to talk to, "
                 f"{len(concerns)} open alert(s), most urgent first</h2>")
    parts.append(_alerts_table(concerns, dates))
    if good:
        parts.append(f"<h3>Good news ({len({a.client for a in good})} client(s))</h3>")
        parts.append(_alerts_table(good, dates))
    parts.append("<h2>The clinic</h2>")
    parts.append(_clinic(load))
    parts.append(f"<h2>Clients ({len(load.clients)})</h2>")
    parts.append(plotter.key_svg())
    for view in load.clients:
        parts.append(_client(view, plotter.svg(view.episode, view.alerts)))
        if progress is not None:
            progress()
    parts.append(plotter.defs())
    parts.append("<h2>The rules</h2><ul>")
    for kind in sorted(KINDS.values(), key=lambda k: (k.good, k.rank)):
        parts.append(f"<li><b>{_e(kind.title)}</b> (<code>{kind.code}</code>): {_e(kind.advice)}</li>")
    parts.append("</ul></body></html>\n")
    return "\n".join(parts)


__all__ = ["render", "by_urgency"]
