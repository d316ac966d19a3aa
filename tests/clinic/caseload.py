"""A synthetic caseload with known trajectories and planted alert patterns: the ground
truth for the clinic's end-to-end tests and benchmarks/report.py.

Values are kept in tenths of a point (integers), so totals are exact. Nothing here
imports srs_scan: the expected alerts and figures are worked out by this module's own
simple code from the truth, never from the program's output.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta

KINDS = ("improver", "recoverer", "flat", "deteriorator", "perfect", "low_alliance", "dropper", "item_low",
         "no_feedback", "gap", "child")


@dataclass(frozen=True)
class TrueSession:
    number: int
    date: date | None
    therapist: str
    site: str
    ors: tuple[int, int, int, int] | None  # tenths of a point, items top to bottom
    srs: tuple[int, int, int, int] | None
    outcome_form: str = "ors"
    alliance_form: str = "srs"


@dataclass(frozen=True)
class TrueClient:
    id: str
    kind: str
    sessions: tuple[TrueSession, ...]


def split(total_tenths: int, rng: random.Random, *, top: int = 100) -> tuple[int, int, int, int]:
    """Four items (tenths, 0..top each) that sum to ``total_tenths`` exactly."""
    total = max(0, min(4 * top, total_tenths))
    items = [total // 4] * 4
    for i in range(total - sum(items)):
        items[i] += 1
    for _ in range(3):  # shuffle some points between items, keeping the sum and the bounds
        a, b = rng.sample(range(4), 2)
        move = rng.randint(0, min(items[a], top - items[b], 25))
        items[a] -= move
        items[b] += move
    return tuple(items)  # type: ignore[return-value]


def generate(n_clients: int = 200, *, seed: int = 7, max_sessions: int = 20, sessions: int | None = None,
             start: date = date(2026, 1, 5)) -> list[TrueClient]:
    """``n_clients`` clients of the kinds in :data:`KINDS` (in turn), 1-``max_sessions`` sessions each
    (or about ``sessions`` in all)."""
    rng = random.Random(seed)
    clients = []
    mean_n = None if sessions is None else sessions / n_clients
    for c in range(n_clients):
        kind = KINDS[c % len(KINDS)]
        if mean_n is None:
            n = rng.randint(1, max_sessions)
        else:
            n = max(1, min(max_sessions, round(rng.gauss(mean_n, 3))))
        if kind in ("flat", "deteriorator", "recoverer", "dropper", "perfect") and n < 5:
            n = 5 + rng.randint(0, 3)
        intake = rng.randint(120, 230)  # tenths: ORS 12.0-23.0
        if kind == "recoverer":
            intake = rng.randint(150, 220)
        if kind == "child":
            intake = rng.randint(180, 300)
        therapist, site = f"T{c % 5 + 1}", f"S{c % 2 + 1}"
        first_day = start + timedelta(days=rng.randint(0, 60))
        rows = []
        numbers = list(range(1, n + 1))
        if kind == "gap" and n >= 4:
            numbers = [x for x in numbers if x != 3] + [n + 1]
        for k, number in enumerate(numbers):
            t = number - 1
            if kind == "improver":
                o = intake + 10 * t + rng.randint(-10, 10)
            elif kind == "recoverer":
                o = intake + 25 * t
            elif kind == "flat":
                o = intake + rng.randint(-15, 15)
            elif kind == "deteriorator":
                o = intake - 18 * t
            elif kind == "child":
                o = intake + 15 * t
            else:
                o = intake + 8 * t + rng.randint(-20, 20)
            o = max(0, min(400, o)) if t else intake
            if kind == "perfect":
                s_total = 400
            elif kind == "low_alliance":
                s_total = rng.randint(280, 360)
            elif kind == "dropper":
                s_total = 395 if t % 2 == 0 else 380  # 1.5 down every other session
            else:
                s_total = rng.randint(365, 395)
            srs = split(s_total, rng)
            if kind == "item_low":
                srs = (100, 100, 100, 85) if t % 2 == 0 else (100, 95, 95, 95)
            if kind == "no_feedback" and t % 3 == 1:
                srs = None
            when = None if (kind == "gap" and k == len(numbers) - 1) else first_day + timedelta(weeks=number - 1)
            rows.append(TrueSession(number, when, therapist, site, split(o, rng), srs,
                                    "cors" if kind == "child" else "ors", "csrs" if kind == "child" else "srs"))
        clients.append(TrueClient(f"C{c + 1:04d}", kind, tuple(rows)))
    return clients


# --- the truth's own expected alerts and figures (simple code, independent of srs_scan) -------

RELIABLE = 50  # tenths
CUTOFF = {"ors": 250, "cors": 320}
SRS_CUT, ITEM_CUT, DROP, PERFECT, ON_TRACK = 360, 90, 10, 400, 4


def expected_alerts(client: TrueClient, *, srs_below: bool = False) -> set[tuple[str, int]]:
    """Every (code, session) the rules in the README raise for this client."""
    out: set[tuple[str, int]] = set()
    prev_srs = None
    for s in client.sessions:
        if s.srs is not None:
            total = sum(s.srs)
            if (total < SRS_CUT) if srs_below else (total <= SRS_CUT):
                out.add(("srs_low", s.number))
            if any(i < ITEM_CUT for i in s.srs):
                out.add(("srs_item_low", s.number))
            if prev_srs is not None and sum(prev_srs) - total >= DROP:
                out.add(("srs_drop", s.number))
            if prev_srs is not None and total == PERFECT and sum(prev_srs) == PERFECT:
                out.add(("srs_perfect_repeat", s.number))
            prev_srs = s.srs
    with_ors = [s for s in client.sessions if s.ors is not None]
    if with_ors:
        first = with_ors[0]
        intake = sum(first.ors)
        cut = CUTOFF[first.outcome_form]
        if intake < cut:
            out.add(("intake_clinical", first.number))
        improved = False
        for s in with_ors[1:]:
            change = sum(s.ors) - intake
            if change <= -RELIABLE:
                out.add(("deterioration", s.number))
            if change >= RELIABLE:
                improved = True
                out.add(("reliable_improvement", s.number))
            if intake < cut <= sum(s.ors):
                out.add(("clinically_significant", s.number))
            if s.number >= ON_TRACK and not improved:
                out.add(("not_on_track", s.number))
    previous = 0
    for s in client.sessions:
        if s.number > previous + 1:
            out.add(("session_gap", s.number))
        if s.ors is not None and s.srs is None:
            out.add(("srs_missing", s.number))
        previous = s.number
    return out


def expected_figures(clients: list[TrueClient]) -> dict:
    """The clinic's figures over every session, from the truth."""
    srs = [sum(s.srs) / 10 for c in clients for s in c.sessions if s.srs is not None]
    n = len(srs)
    mean = sum(srs) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in srs) / (n - 1))
    intakes = [sum(c.sessions[0].ors) / 10 for c in clients if c.sessions[0].outcome_form == "ors"]
    cats = {"improved": 0, "recovered": 0, "deteriorated": 0, "unchanged": 0}
    pre, post, significant = [], [], 0
    strong, weak = [], []
    for c in clients:
        ors = [s for s in c.sessions if s.ors is not None]
        if len(ors) < 2:
            continue
        a, b = sum(ors[0].ors), sum(ors[-1].ors)
        cut = CUTOFF[ors[0].outcome_form]
        d = b - a
        if d >= RELIABLE:
            cats["recovered" if b >= cut else "improved"] += 1
        elif d <= -RELIABLE:
            cats["deteriorated"] += 1
        else:
            cats["unchanged"] += 1
        significant += d >= RELIABLE or a < cut <= b
        pre.append(a / 10)
        post.append(b / 10)
        first_srs = next((s.srs for s in c.sessions if s.srs is not None), None)
        if first_srs is not None:
            (strong if sum(first_srs) > SRS_CUT else weak).append(d / 10)
    m_pre = sum(pre) / len(pre)
    sd_pre = math.sqrt(sum((x - m_pre) ** 2 for x in pre) / (len(pre) - 1))
    return {
        "clients": len(clients),
        "sessions": sum(len(c.sessions) for c in clients),
        "mean_srs": mean, "sd_srs": sd, "n_srs": n,
        "share_srs_above_36": sum(x > 36 for x in srs) / n,
        "mean_intake_ors": sum(intakes) / len(intakes), "n_intake_ors": len(intakes),
        "outcomes": cats, "n_outcomes": len(pre), "reliable_or_cs": significant,
        "effect_size": (sum(post) / len(post) - m_pre) / sd_pre,
        "strong": sum(strong) / len(strong) if strong else None, "weak": sum(weak) / len(weak) if weak else None,
    }
