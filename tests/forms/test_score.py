"""Scoring rules from DOMAIN.md: rounding, totals, SRS and ORS flags."""

from __future__ import annotations

import pytest

from srs_scan.forms.definitions import get_form
from srs_scan.forms.score import ScoringOptions, flags_for, round_half_up, score_items, total_of
from srs_scan.model import ItemStatus, MarkReading

NAMES = ["a", "b", "c", "d"]


def _items(*mms: float | None):
    readings = [
        MarkReading(mm, ItemStatus.OK if mm is not None else ItemStatus.MISSING) for mm in mms
    ]
    return score_items(readings, NAMES)


def test_round_half_up_like_a_ruler():
    assert round_half_up(0.15, 1) == 0.2
    assert round_half_up(8.75, 1) == 8.8
    assert round_half_up(8.749, 1) == 8.7


def test_score_is_mm_over_ten_to_a_tenth():
    items = _items(87.35, 0.0, 100.0, 50.04)
    assert [i.mm for i in items] == [87.4, 0.0, 100.0, 50.0]
    assert [i.score for i in items] == [8.7, 0.0, 10.0, 5.0]


def test_mark_slightly_past_an_end_is_clamped():
    items = _items(-0.3, 100.4, 5, 5)
    assert items[0].mm == 0.0 and items[1].mm == 100.0


def test_missing_item_has_no_value_and_no_total():
    items = _items(90, None, 90, 90)
    assert items[1].mm is None and items[1].score is None
    assert items[1].status is ItemStatus.MISSING
    assert total_of(items) is None


def test_total_is_sum_of_scores():
    assert total_of(_items(91, 92, 93, 94)) == pytest.approx(37.0)


def test_srs_total_36_is_an_alliance_concern_and_37_is_not():
    srs = get_form("srs")
    concern = flags_for(srs, _items(90, 90, 90, 90), 36.0, ScoringOptions())
    fine = flags_for(srs, _items(92, 92, 93, 93), 37.0, ScoringOptions())
    assert "alliance_concern" in [f.code for f in concern]
    assert "alliance_concern" not in [f.code for f in fine]
    assert all(f.advice for f in concern)


def test_srs_item_below_nine_is_flagged_and_threshold_is_configurable():
    srs = get_form("srs")
    items = _items(95, 95, 89, 100)
    total = total_of(items)
    codes = [f.code for f in flags_for(srs, items, total, ScoringOptions())]
    assert codes.count("item_low") == 1
    relaxed = [f.code for f in flags_for(srs, items, total, ScoringOptions(item_threshold=8.0))]
    assert "item_low" not in relaxed


def test_srs_perfect_score_suggests_normalising_prompt():
    srs = get_form("srs")
    items = _items(100, 100, 100, 100)
    assert "perfect_score" in [f.code for f in flags_for(srs, items, 40.0, ScoringOptions())]


def test_ors_cutoff_is_below_25():
    ors = get_form("ors")
    assert [f.code for f in flags_for(ors, _items(62, 62, 62, 62), 24.8, ScoringOptions())] == ["clinical_range"]
    assert flags_for(ors, _items(63, 62, 62, 63), 25.0, ScoringOptions()) == ()
