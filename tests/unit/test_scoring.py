"""The scoring engine: the worked example of maturity-model.md and its invariants."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecocity.core.framework import Framework, Indicator, load_framework, parse_framework
from ecocity.core.scoring import apply_gap, assess, check_values, indicator_level
from ecocity.core.text import describe_gap_item

WORKED = Path(__file__).parents[1] / "data" / "worked-example.toml"
EXAMPLE = {"A": 26, "B": 100, "C": True, "D": 14}


@pytest.fixture(scope="module")
def worked() -> Framework:
    return load_framework(WORKED)


def with_required(fw_path: Path, code: str, level: int) -> Framework:
    raw = tomllib.loads(fw_path.read_text("utf-8"))
    for ind in raw["indicators"]:
        if ind["code"] == code:
            ind["required_from"] = level
    return parse_framework(raw)


# ------------------------------------------------------------------ the worked example

def test_worked_example_indicator_levels(worked):
    assert assess(worked, EXAMPLE).indicator_levels == {"A": 3, "B": 5, "C": 5, "D": 3}


def test_worked_example_level_is_eco_excellence(worked):
    a = assess(worked, EXAMPLE)
    assert (a.level, a.level_key) == (3, "eco_excellence")
    assert worked.level(a.level).name_en == "Eco-Excellence"


def test_worked_example_dimension_score(worked):
    a = assess(worked, EXAMPLE)
    assert a.dimension_scores == {"ENV": 4.0}
    assert a.overall_score == 4.0
    assert a.dimension_levels == {"ENV": 3}
    assert a.completeness == 1.0


def test_worked_example_gap_names_a_at_most_25(worked):
    gap = assess(worked, EXAMPLE).gap
    assert [(g.code, g.current, g.target, g.direction, g.reason) for g in gap] == [
        ("A", 26, 25.0, "lower", "dimension")]
    assert describe_gap_item(worked, gap[0], "en") == "Complaints 26 → at most 25 cases"
    assert describe_gap_item(worked, gap[0], "th") == "ข้อร้องเรียน 26 → ไม่เกิน 25 เรื่อง"


def test_worked_example_with_a_required_from_4():
    fw = with_required(WORKED, "A", 4)
    a = assess(fw, EXAMPLE)
    assert a.level == 3
    assert [(g.code, g.reason) for g in a.gap] == [("A", "required")]


def test_a_required_indicator_listed_counts_towards_its_dimension():
    # D required from 4: D is listed as required, which with B and C makes 3/4; nothing more.
    fw = with_required(WORKED, "D", 4)
    assert [(g.code, g.reason) for g in assess(fw, EXAMPLE).gap] == [("D", "required")]


def test_missing_values_come_last_in_the_gap(worked):
    a = assess(worked, {"B": 100, "C": True, "D": 14})
    assert a.indicator_levels["A"] == 0 and a.level == 3 and a.completeness == 0.75
    assert [g.code for g in a.gap] == ["D"]


def test_a_required_indicator_gates_every_level_above(worked):
    fw = with_required(WORKED, "C", 1)
    a = assess(fw, {**EXAMPLE, "C": False})
    assert a.level == 0
    assert a.dimension_levels == {"ENV": 3}  # the dimension alone would pass 3
    assert [(g.code, g.target, g.direction) for g in a.gap] == [("C", True, "yes")]


def test_missing_values_do_not_raise(worked):
    a = assess(worked, {})
    assert a.level == 0 and a.completeness == 0.0 and a.overall_score == 0.0
    assert {g.code for g in a.gap} == {"A", "B", "C"}  # 3 of 4 needed, in file order


def test_the_top_level_has_an_empty_gap(worked):
    a = assess(worked, {"A": 0, "B": 100, "C": True, "D": 30})
    assert a.level == 5 and a.gap == ()


def test_yes_no_meets_every_level_or_none(worked):
    c = worked.indicator("C")
    assert indicator_level(c, True) == 5
    assert indicator_level(c, False) == 0
    assert indicator_level(c, None) == 0


def test_thresholds_are_inclusive(worked):
    a, b = worked.indicator("A"), worked.indicator("B")
    assert indicator_level(a, 25) == 4 and indicator_level(a, 25.01) == 3
    assert indicator_level(b, 75) == 4 and indicator_level(b, 74.99) == 3
    assert indicator_level(a, 151) == 0 and indicator_level(b, 9) == 0


def test_unequal_weights_take_the_fewest_indicators():
    raw = tomllib.loads(WORKED.read_text("utf-8"))
    raw = copy.deepcopy(raw)
    weights = {"A": 1, "B": 1, "C": 1, "D": 5}
    for ind in raw["indicators"]:
        ind["weight"] = weights[ind["code"]]
    fw = parse_framework(raw)
    # Level 1 needs 0.75 * 8 = 6 of weight and nothing meets it. D alone (5) is not enough,
    # so the smallest cover has 2 indicators: D and the closest of A/B/C, which is A
    # (151 vs 150: 0.0067) before B (9.9 vs 10: 0.01). Closest-first alone would take A, B, D.
    a = assess(fw, {"A": 151, "B": 9.9, "C": False, "D": 0.5})
    assert a.level == 0
    assert sorted(g.code for g in a.gap) == ["A", "D"]


def test_check_values_flags_codes_types_and_ranges():
    fw = load_framework()
    assert check_values(fw, {"ENV-01": 26, "MGT-01": True, "SOC-01": None}) == []
    problems = check_values(fw, {"XX-99": 1, "ENV-02": "high", "MGT-01": 1, "ENV-02 ": 5,
                                 "ENV-03": 101, "SOC-01": 0.5, "ENV-01": -1})
    text = " | ".join(problems)
    for needle in ("unknown indicator code 'XX-99'", "ENV-02: expected a number",
                   "MGT-01: expected true or false", "ENV-03: 101 is above the maximum 100",
                   "SOC-01: 0.5 is below the minimum 1", "ENV-01: -1 is below the minimum 0",
                   "unknown indicator code 'ENV-02 '"):
        assert needle in text


# ------------------------------------------------------------------ properties

FW = load_framework()


def value_strategy(ind: Indicator) -> st.SearchStrategy:
    if ind.is_yesno:
        return st.none() | st.booleans()
    lo = ind.min if ind.min is not None else 0.0
    hi = ind.max if ind.max is not None else max(ind.thresholds) * 2 + 1
    near = st.sampled_from(ind.thresholds)  # thresholds themselves are the edge cases
    return st.none() | near | st.floats(min_value=lo, max_value=hi, allow_nan=False)


values_strategy = st.fixed_dictionaries({i.code: value_strategy(i) for i in FW.indicators})


@settings(max_examples=300, deadline=None)
@given(values_strategy)
def test_level_never_exceeds_the_lowest_dimension_level(values):
    a = assess(FW, values)
    assert a.level <= min(a.dimension_levels.values())
    assert 0 <= a.overall_score <= 5 and 0 <= a.completeness <= 1


@settings(max_examples=300, deadline=None)
@given(values_strategy, st.sampled_from(FW.indicators), st.floats(min_value=0, max_value=200))
def test_raising_a_value_never_lowers_the_level(values, ind, step):
    before = assess(FW, values).level
    v = values[ind.code]
    if ind.is_yesno:
        better = True
    elif v is None:  # any value beats a missing one; the level 1 threshold meets level 1
        better = ind.thresholds[0]
    else:
        better = v + step if ind.direction == "higher" else max(v - step, 0.0)
        if ind.max is not None:
            better = min(better, ind.max)
    assert assess(FW, {**values, ind.code: better}).level >= before


@settings(max_examples=300, deadline=None)
@given(values_strategy)
def test_the_gap_applied_reaches_the_next_level(values):
    a = assess(FW, values)
    if a.level == FW.top_level:
        assert a.gap == ()
        return
    assert a.gap, "an entity below the top always has something to do"
    assert assess(FW, apply_gap(values, a.gap)).level >= a.level + 1


@settings(max_examples=200, deadline=None)
@given(values_strategy)
def test_the_gap_is_minimal(values):
    """Dropping any item the dimension rule asked for leaves the entity short of the next level."""
    a = assess(FW, values)
    for item in a.gap:
        if item.reason != "dimension":
            continue
        rest = tuple(g for g in a.gap if g is not item)
        assert assess(FW, apply_gap(values, rest)).level <= a.level


@settings(max_examples=200, deadline=None)
@given(values_strategy)
def test_gap_items_do_not_yet_meet_their_target(values):
    a = assess(FW, values)
    for g in a.gap:
        assert a.indicator_levels[g.code] < a.level + 1
        ind = FW.indicator(g.code)
        assert g.target == (True if ind.is_yesno else ind.thresholds[a.level])


def test_gap_sentences_read_naturally_for_every_kind():
    from ecocity.core.scoring import GapItem

    fw = load_framework()
    soc = GapItem("SOC-01", "social", 3.39, 4.0, "higher", "dimension", 4)
    assert describe_gap_item(fw, soc, "th") == "คะแนนความพึงพอใจของชุมชน 3.39 → อย่างน้อย 4 (คะแนน 1-5)"
    env = GapItem("ENV-01", "environment", 26, 25.0, "lower", "dimension", 4)
    assert describe_gap_item(fw, env, "en") == "Environmental complaints received 26 → at most 25 cases/yr"
    mgt = GapItem("MGT-04", "management", None, True, "yes", "required", 4)
    assert describe_gap_item(fw, mgt, "th").endswith('ไม่มีข้อมูล → ต้องเป็น "มี/ใช่"')
