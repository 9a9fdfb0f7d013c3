"""The Happiness estimate: linear trend of the overall score, honest about thin data."""

from __future__ import annotations

from ecocity.core.forecast import Point, forecast_top_level, target_score
from ecocity.core.framework import load_framework

FW = load_framework()


def pts(*triples):
    return [Point(y, lv, s) for y, lv, s in triples]


def test_target_score_is_three_quarters_top_one_quarter_below():
    assert target_score(FW) == 4.75


def test_fewer_than_three_years_is_not_enough_data():
    f = forecast_top_level(FW, pts((2565, 2, 2.0), (2566, 3, 3.0)))
    assert f.status == "not_enough_data" and f.year is None and f.years_used == (2565, 2566)


def test_a_steady_rise_gives_the_year_the_line_reaches_the_target():
    # +0.5 a year from 3.0 in 2566: 4.75 is reached at 2566 + 3.5 -> fiscal year 2570.
    f = forecast_top_level(FW, pts((2564, 2, 2.0), (2565, 2, 2.5), (2566, 3, 3.0)))
    assert f.status == "estimate" and f.year == 2570
    assert abs(f.slope - 0.5) < 1e-9


def test_only_the_last_five_years_count():
    old_fall = pts((2556, 4, 4.5), (2557, 3, 3.5), (2558, 2, 2.0))
    rise = pts((2562, 1, 1.0), (2563, 1, 1.5), (2564, 2, 2.0), (2565, 2, 2.5), (2566, 3, 3.0))
    f = forecast_top_level(FW, old_fall + rise)
    assert f.years_used == (2562, 2563, 2564, 2565, 2566) and f.year == 2570


def test_a_flat_or_falling_trend_is_not_rising():
    assert forecast_top_level(FW, pts((2564, 3, 3.0), (2565, 3, 3.0), (2566, 3, 3.0))).status == "not_rising"
    assert forecast_top_level(FW, pts((2564, 3, 3.4), (2565, 3, 3.2), (2566, 2, 2.9))).status == "not_rising"


def test_a_very_slow_rise_is_beyond_the_horizon():
    f = forecast_top_level(FW, pts((2564, 1, 1.0), (2565, 1, 1.05), (2566, 1, 1.1)))
    assert f.status == "beyond_horizon" and f.year is None


def test_an_entity_at_the_top_has_reached_it_since_its_latest_run_began():
    f = forecast_top_level(FW, pts((2563, 5, 4.8), (2564, 4, 4.6), (2565, 5, 4.8), (2566, 5, 4.9)))
    assert f.status == "reached" and f.year == 2565


def test_the_estimate_is_never_this_year_or_earlier():
    # The line is already above the target but the level is not 5: next year at the earliest.
    f = forecast_top_level(FW, pts((2564, 4, 4.7), (2565, 4, 4.8), (2566, 4, 4.9)))
    assert f.status == "estimate" and f.year == 2567


def test_an_estimate_in_a_year_already_gone_is_moved_to_this_year():
    # The line reaches 4.75 in 2570 (as above), but it is fiscal year 2572: not reached in
    # the data, Happiness can be estimated no earlier than this year.
    series = pts((2564, 2, 2.0), (2565, 2, 2.5), (2566, 3, 3.0))
    assert forecast_top_level(FW, series, not_before=2572).year == 2572
    assert forecast_top_level(FW, series, not_before=2568).year == 2570  # still ahead: unchanged
