"""The clinic's rules, each at its edge (36.0 against 36.1, a drop of 0.9 against 1.0, an
ORS change of 4.9 against 5.0), the templates' clinical block and the figures."""

from __future__ import annotations

import json
import math
from datetime import date

import pytest

from srs_scan.clinic.alerts import alerts_for, by_urgency, open_alerts
from srs_scan.clinic.episodes import build_episodes
from srs_scan.clinic.figures import clinic_figures, mean_of, srs_distribution
from srs_scan.clinic.records import Scope, Score
from srs_scan.clinic.rules import Settings, rules_for
from srs_scan.exceptions import TemplateError
from srs_scan.forms.definitions import parse_form

SRS_ITEMS = ("Relationship", "Goals and Topics", "Approach or Method", "Overall")
ORS_ITEMS = ("Individually", "Interpersonally", "Socially", "Overall")


def srs(session, total, *, client="C1", items=None, form="srs", reviewed=True, when=None, therapist=None):
    items = items or (total / 4,) * 4
    return Score(f"s{client}{session}", form, "alliance", client, session, total, tuple(items), SRS_ITEMS,
                 date=when, therapist=therapist, reviewed=reviewed)


def ors(session, total, *, client="C1", form="ors", when=None, therapist=None):
    return Score(f"o{client}{session}", form, "outcome", client, session, total, (total / 4,) * 4, ORS_ITEMS,
                 date=when, therapist=therapist)


def codes(scores, settings=None, session=None):
    settings = settings or Settings()
    (episode,) = build_episodes(scores)
    return {(a.code, a.session) for a in alerts_for(episode, settings) if session is None or a.session == session}


def test_the_templates_carry_the_thresholds():
    s, o = rules_for("srs"), rules_for("ors")
    assert (s.cutoff, s.cutoff_rule, s.item_threshold, s.drop, s.perfect) == (36, "at_or_below", 9.0, 1.0, 40)
    assert (o.clinical_cutoff, o.reliable_change, o.on_track_session) == (25, 5.0, 4)
    assert rules_for("cors").clinical_cutoff == 32 and rules_for("csrs").cutoff == 36
    assert rules_for("nope") is None
    assert rules_for("srs", Settings(srs_cutoff_rule="below")).cutoff_rule == "below"
    assert rules_for("ors", Settings(reliable_change=6.6, on_track_session=6)).reliable_change == 6.6


@pytest.mark.parametrize("change, message", [
    ({"cutoff_rule": "sometimes"}, "cutoff_rule"),
    ({"cutoff": 41}, "outside"),
    ({"role": "other"}, "role"),
    ({"item_threshold": "9"}, "wrong type"),
])
def test_a_malformed_clinical_block_is_refused(change, message):
    from importlib import resources

    data = json.loads((resources.files("srs_scan.forms") / "templates" / "srs.json").read_text())
    data["clinical"].update(change)
    with pytest.raises(TemplateError, match=message):
        parse_form(data, "srs.json")


def test_srs_total_at_the_cutoff():
    assert ("srs_low", 1) in codes([srs(1, 36.0)])
    assert ("srs_low", 1) not in codes([srs(1, 36.1)])
    below = Settings(srs_cutoff_rule="below")
    assert ("srs_low", 1) not in codes([srs(1, 36.0)], below)
    assert ("srs_low", 1) in codes([srs(1, 35.9)], below)


def test_srs_item_below_nine():
    assert ("srs_item_low", 1) in codes([srs(1, 38.9, items=(10, 10, 10, 8.9))])
    assert ("srs_item_low", 1) not in codes([srs(1, 39.0, items=(10, 10, 10, 9.0))])
    assert ("srs_item_low", 1) not in codes([srs(1, 38.9, items=(10, 10, 10, 8.9))], Settings(item_threshold=8.5))


def test_srs_drop_of_one_point():
    assert ("srs_drop", 2) in codes([srs(1, 39.0), srs(2, 38.0)])
    assert ("srs_drop", 2) not in codes([srs(1, 39.0), srs(2, 38.1)])
    assert ("srs_drop", 2) not in codes([srs(1, 36.0), srs(2, 35.1)])  # 0.9, not 0.8999...
    assert ("srs_drop", 2) in codes([srs(1, 36.1), srs(2, 35.1)])
    # the previous session with a rating, across a session without one
    assert ("srs_drop", 3) in codes([srs(1, 39.0), ors(2, 20), srs(3, 37.5)])


def test_perfect_twice_running():
    assert ("srs_perfect_repeat", 2) in codes([srs(1, 40.0), srs(2, 40.0)])
    assert ("srs_perfect_repeat", 2) not in codes([srs(1, 39.9), srs(2, 40.0)])
    assert not any(c == "srs_perfect_repeat" for c, _ in codes([srs(1, 40.0)]))


def test_intake_below_the_cutoff_adult_and_child():
    assert ("intake_clinical", 1) in codes([ors(1, 24.9)])
    assert ("intake_clinical", 1) not in codes([ors(1, 25.0)])
    assert ("intake_clinical", 1) in codes([ors(1, 31.9, form="cors")])
    assert ("intake_clinical", 1) not in codes([ors(1, 32.0, form="cors")])


def test_reliable_change_at_five_points():
    base = [ors(1, 20.0), srs(1, 38), srs(2, 38)]
    assert ("deterioration", 2) in codes(base + [ors(2, 15.0)])
    assert ("deterioration", 2) not in codes(base + [ors(2, 15.1)])  # 4.9
    assert ("reliable_improvement", 2) in codes(base + [ors(2, 25.0)])
    assert ("reliable_improvement", 2) not in codes(base + [ors(2, 24.9)])
    assert ("deterioration", 2) in codes(base + [ors(2, 16.0)], Settings(reliable_change=4.0))


def test_clinically_significant_change_crosses_the_cutoff_from_below():
    assert ("clinically_significant", 2) in codes([ors(1, 22.0), ors(2, 25.0)])
    assert ("clinically_significant", 2) not in codes([ors(1, 22.0), ors(2, 24.9)])
    assert ("clinically_significant", 2) not in codes([ors(1, 25.0), ors(2, 31.0)])  # not from below


def test_not_on_track_by_session_four():
    flat = [ors(n, 20.0 + 0.5 * n) for n in range(1, 6)]  # +2.0 by session 4
    assert ("not_on_track", 3) not in codes(flat)
    assert ("not_on_track", 4) in codes(flat) and ("not_on_track", 5) in codes(flat)
    gained = [ors(1, 20.0), ors(2, 25.0), ors(3, 21.0), ors(4, 21.0)]
    assert not any(c == "not_on_track" for c, _ in codes(gained))
    assert ("not_on_track", 4) not in codes(flat, Settings(on_track_session=5))


def test_missing_feedback_and_gaps():
    found = codes([ors(1, 20), srs(1, 38), ors(2, 21), ors(5, 22), srs(5, 38)])
    assert ("srs_missing", 2) in found and ("srs_missing", 1) not in found
    assert ("session_gap", 5) in found and ("session_gap", 2) not in found
    assert ("session_gap", 3) in codes([ors(3, 20), srs(3, 38)])  # sessions 1-2 not recorded


def test_open_alerts_are_the_latest_sessions_and_concerns_come_first():
    (episode,) = build_episodes([ors(1, 20), srs(1, 35), ors(2, 14), srs(2, 39)])
    alerts = alerts_for(episode)
    assert {a.code for a in open_alerts(episode, alerts)} == {"deterioration"}
    ordered = by_urgency(list(alerts))
    assert ordered[0].code == "deterioration" and ordered[1].code == "srs_low"


def test_an_unreviewed_page_is_counted_and_marked():
    (episode,) = build_episodes([srs(1, 30, reviewed=False)])
    (alert,) = [a for a in alerts_for(episode) if a.code == "srs_low"]
    assert alert.unreviewed
    figs = clinic_figures([episode])
    assert figs.unreviewed_sessions == 1 and figs.mean_srs.n == 1


def test_figures_by_hand():
    scores = [
        ors(1, 10, client="A", when=date(2026, 1, 5), therapist="T1"), srs(1, 30, client="A", when=date(2026, 1, 5)),
        ors(2, 20, client="A", when=date(2026, 1, 12)), srs(2, 38, client="A", when=date(2026, 1, 12)),
        ors(1, 20, client="B", when=date(2026, 1, 6), therapist="T2"), srs(1, 39, client="B", when=date(2026, 1, 6)),
        ors(2, 30, client="B", when=date(2026, 1, 13), therapist="T2"),
        ors(1, 30, client="C", when=date(2026, 1, 7)), ors(2, 24, client="C"),
        ors(1, 22, client="D", when=date(2026, 3, 1)),
    ]
    eps = build_episodes(scores)
    f = clinic_figures(eps)
    assert (f.clients, f.sessions) == (4, 7)
    assert f.mean_srs.value == pytest.approx((30 + 38 + 39) / 3) and f.mean_srs.n == 3
    assert f.share_srs_above_36.count == 2 and f.share_srs_above_36.n == 3
    assert f.mean_intake_ors.value == pytest.approx((10 + 20 + 30 + 22) / 4)
    # A: 10 -> 20 improved (below 25); B: 20 -> 30 recovered; C: 30 -> 24 deteriorated; D: one ORS
    assert {k: (v.count, v.n) for k, v in f.outcomes.items()} == {
        "improved": (1, 3), "recovered": (1, 3), "deteriorated": (1, 3), "unchanged": (0, 3)}
    pre, post = [10, 20, 30], [20, 30, 24]
    sd = math.sqrt(sum((x - 20) ** 2 for x in pre) / 2)
    assert f.effect_size == pytest.approx((sum(post) / 3 - sum(pre) / 3) / sd)
    # A's first SRS 30 (<= 36): change +10; B's 39: change +10; C has no SRS
    assert f.alliance_outcome["early_srs_at_or_below_36"].value == 10
    assert f.alliance_outcome["early_srs_above_36"].value == 10
    # a date limit: January only; C's session 2 has no date and is left out, D is March
    jan = clinic_figures(eps, Scope(date(2026, 1, 1), date(2026, 1, 31)))
    assert (jan.clients, jan.sessions, jan.undated_sessions) == (3, 5, 1)
    by_t = {g.name: g for g in f.by_therapist}
    assert by_t["T2"].sessions == 2 and by_t["T1"].sessions == 1


def test_mean_interval_and_distribution():
    m = mean_of([30.0, 34.0, 38.0])
    assert m.value == 34.0 and m.sd == 4.0
    half = 4.302653 * 4.0 / math.sqrt(3)  # t(0.975, 2)
    assert m.ci95 == pytest.approx((34.0 - half, 34.0 + half), abs=1e-4)
    assert mean_of([33.0]).ci95 is None
    assert dict(srs_distribution([30.0, 30.1, 36.0, 36.1, 40.0])) == {
        "<= 30": 1, "30-34": 1, "34-36": 1, "36-38": 1, "38-40": 1}
