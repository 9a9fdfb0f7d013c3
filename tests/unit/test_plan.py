"""The shortest path to a level: the worked example of docs/maturity-model.md as plans, the
`ecocity plan` contract, and properties on generated frameworks checked by brute force."""

from __future__ import annotations

import copy
import json
import tomllib
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecocity.cli import main
from ecocity.core.framework import Framework, load_framework, parse_framework
from ecocity.core.plan import Change, apply, distance, shortest_path, target_value
from ecocity.core.scoring import assess, indicator_level

WORKED = Path(__file__).parents[1] / "data" / "worked-example.toml"
EXAMPLE = {"A": 26, "B": 100, "C": True, "D": 14}


@pytest.fixture(scope="module")
def worked() -> Framework:
    return load_framework(WORKED)


def _raw() -> dict:
    return tomllib.loads(WORKED.read_text("utf-8"))


# ----------------------------------------------------------------------------- the worked example


def test_worked_example_to_level_4_changes_a_to_25(worked):
    plan = shortest_path(worked, EXAMPLE, 4)
    assert (plan.level_now, plan.target, plan.reachable, plan.level_after) == (3, 4, True, 4)
    assert [c.as_dict() for c in plan.changes] == [{"code": "A", "current": 26, "to": 25}]


def test_worked_example_to_happiness_changes_d_to_30(worked):
    # Level 5 needs 3 of 4: B and C meet it; D (14 -> 30: 0.53) is closer than A (26 -> 10: 1.6).
    plan = shortest_path(worked, EXAMPLE, 5)
    assert [c.as_dict() for c in plan.changes] == [{"code": "D", "current": 14, "to": 30}]
    assert plan.level_after == 5


def test_a_required_indicator_is_always_in_the_plan():
    raw = _raw()
    for ind in raw["indicators"]:
        if ind["code"] == "A":
            ind["required_from"] = 5
    fw = parse_framework(raw)
    plan = shortest_path(fw, EXAMPLE, 5)
    # A is required by level 5 and counts towards the share: with it, 3 of 4 meet level 5.
    assert [(c.code, c.to, c.reason) for c in plan.changes] == [("A", 10, "required")]
    assert plan.level_after == 5


def test_a_level_already_held_needs_no_change(worked):
    for target in (1, 2, 3):
        plan = shortest_path(worked, EXAMPLE, target)
        assert plan.changes == () and plan.reachable and plan.level_after == 3


def test_a_level_outside_the_framework_is_not_reachable(worked):
    assert not shortest_path(worked, EXAMPLE, 6).reachable
    assert not shortest_path(worked, EXAMPLE, 0).reachable


def test_missing_values_are_changed_last(worked):
    # Level 4 needs 3 of 4; B and C meet it. A (26 -> 25) is set; D, missing, is not.
    plan = shortest_path(worked, {"A": 26, "B": 100, "C": True, "D": None}, 4)
    assert [c.code for c in plan.changes] == ["A"]
    # With A missing as well, one of the two must be set: the one with a value.
    plan = shortest_path(worked, {"A": None, "B": 100, "C": True, "D": 14}, 4)
    assert [c.code for c in plan.changes] == ["D"]


def test_with_weights_the_fewest_changes_win_over_the_closest():
    raw = copy.deepcopy(_raw())
    for ind in raw["indicators"]:
        ind["weight"] = {"A": 1, "B": 1, "C": 1, "D": 5}[ind["code"]]
    fw = parse_framework(raw)
    # Level 1 needs 6 of 8; D (5) plus one more: A (151 -> 150) is the closest.
    plan = shortest_path(fw, {"A": 151, "B": 9.9, "C": False, "D": 0.5}, 1)
    assert sorted(c.code for c in plan.changes) == ["A", "D"] and plan.level_after >= 1


# ----------------------------------------------------------------------------- ecocity plan


def _run(capsys, tmp_path, obj, *args: str) -> tuple[int, object, str]:
    f = tmp_path / "in.json"
    f.write_text(json.dumps(obj), "utf-8")
    code = main(["plan", *args[:1], str(f), *args[1:]])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if out.strip().startswith(("{", "[")) else out), err


def test_cli_plan_prints_the_contract(capsys, tmp_path):
    code, out, _ = _run(capsys, tmp_path, {"values": EXAMPLE}, "--values", "--framework", str(WORKED),
                        "--target", "4", "--json")
    assert code == 0
    assert out == {"level_now": 3, "target": 4, "reachable": True,
                   "changes": [{"code": "A", "current": 26, "to": 25}], "level_after": 4}


def test_cli_plan_takes_an_array_and_areas(capsys, tmp_path):
    area = {"estates": [{"code": "E1", "factories": 10, "values": {"A": 20, "B": 100, "C": True, "D": 30}},
                        {"code": "E2", "factories": 30, "values": {"A": 16, "B": 60, "C": False, "D": 10}}]}
    code, out, _ = _run(capsys, tmp_path, [area, area], "--area", "--framework", str(WORKED), "--target", "5",
                        "--json")
    assert code == 0 and isinstance(out, list) and len(out) == 2
    first = out[0]
    fw = load_framework(WORKED)
    assert first["level_now"] == assess(fw, {"A": 36, "B": 70, "C": False, "D": 15}).level
    assert first["level_after"] >= 5 and first["changes"]
    assert all(set(c) == {"code", "current", "to", "estates"} for c in first["changes"])
    c = next(c for c in first["changes"] if c["code"] == "C")
    assert c["estates"][0] == "E2"  # the estate answering "no" pulls it down


def test_cli_plan_bad_input_exits_2_with_the_problem(capsys, tmp_path):
    code, _, err = _run(capsys, tmp_path, {"values": {"A": "many"}}, "--values", "--framework", str(WORKED),
                        "--target", "4")
    assert code == 2 and "A: expected a number" in err
    code, _, err = _run(capsys, tmp_path, {"values": EXAMPLE}, "--values", "--framework", str(WORKED),
                        "--target", "9")
    assert code == 2 and "--target" in err


def test_cli_plan_in_words(capsys, tmp_path):
    code, out, _ = _run(capsys, tmp_path, {"values": EXAMPLE}, "--values", "--framework", str(WORKED),
                        "--target", "4")
    assert code == 0 and "1 indicator to change" in out and "A: 26 -> 25" in out


# ----------------------------------------------------------------------------- properties


@st.composite
def frameworks(draw) -> Framework:
    """Small frameworks: 1-2 dimensions, 1-4 indicators each, any kind, direction, weight,
    pass share and required_from."""
    raw = copy.deepcopy(_raw())
    raw["pass_share"] = draw(st.sampled_from([0.5, 0.6, 0.75, 1.0]))
    dims = draw(st.integers(1, 2))
    raw["dimensions"] = [{"key": f"D{d}", "name_en": f"D{d}", "name_th": f"D{d}", "weight": 1} for d in range(dims)]
    inds = []
    for d in range(dims):
        for n in range(draw(st.integers(1, 4))):
            code = f"I{d}{n}"
            kind = draw(st.sampled_from(["number", "percent", "yesno"]))
            ind: dict = {"code": code, "dimension": f"D{d}", "name_en": code, "name_th": code, "kind": kind,
                         "weight": draw(st.sampled_from([1, 1, 2, 3])), "aggregation": "mean"}
            if kind == "yesno":
                ind["aggregation"] = "all"
            else:
                steps = sorted(draw(st.lists(st.integers(0, 100), min_size=5, max_size=5)))
                direction = draw(st.sampled_from(["higher", "lower"]))
                ind |= {"unit_en": "u", "unit_th": "u", "direction": direction,
                        "thresholds": steps if direction == "higher" else steps[::-1]}
            if draw(st.booleans()) and draw(st.booleans()):
                ind["required_from"] = draw(st.integers(1, 5))
            inds.append(ind)
    raw["indicators"] = inds
    return parse_framework(raw)


@st.composite
def cases(draw):
    fw = draw(frameworks())
    values = {}
    for ind in fw.indicators:
        if ind.is_yesno:
            values[ind.code] = draw(st.none() | st.booleans())
        else:
            values[ind.code] = draw(st.none() | st.sampled_from(ind.thresholds) | st.floats(0, 100, allow_nan=False))
    return fw, values, draw(st.integers(1, 5))


def _all_candidates(fw: Framework, values: dict, target: int) -> list:
    return [i for i in fw.indicators if indicator_level(i, values.get(i.code), fw.top_level) < target]


_props = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_props
@given(cases())
def test_applying_the_plan_reaches_the_target(case):
    fw, values, target = case
    plan = shortest_path(fw, values, target)
    assert plan.reachable
    assert assess(fw, apply(values, plan.changes)).level >= target == plan.target
    assert plan.level_after == assess(fw, apply(values, plan.changes)).level


@_props
@given(cases())
def test_no_plan_with_fewer_changes_reaches_the_target(case):
    fw, values, target = case
    plan = shortest_path(fw, values, target)
    candidates = _all_candidates(fw, values, target)
    for k in range(len(plan.changes)):
        for subset in combinations(candidates, k):
            tried = apply(values, [Change(i.code, values.get(i.code), target_value(i, target), "") for i in subset])
            assert assess(fw, tried).level < target, (k, [i.code for i in subset])


@_props
@given(cases())
def test_among_the_fewest_the_plan_is_the_closest(case):
    fw, values, target = case
    plan = shortest_path(fw, values, target)
    if not plan.changes:
        return

    def cost(codes):
        picked = [fw.indicator(c) for c in codes]
        missing = sum(values.get(i.code) is None for i in picked)
        return missing, round(sum(distance(i, values.get(i.code), target) for i in picked
                                  if values.get(i.code) is not None), 9)

    mine = cost([c.code for c in plan.changes])
    for subset in combinations(_all_candidates(fw, values, target), len(plan.changes)):
        tried = apply(values, [Change(i.code, values.get(i.code), target_value(i, target), "") for i in subset])
        if assess(fw, tried).level >= target:
            assert mine <= cost([i.code for i in subset])


@_props
@given(cases())
def test_a_plan_never_lowers_a_value_that_meets_the_target(case):
    fw, values, target = case
    for c in shortest_path(fw, values, target).changes:
        ind = fw.indicator(c.code)
        assert indicator_level(ind, values.get(c.code), fw.top_level) < target  # only what falls short
        if c.current is not None and not ind.is_yesno:
            assert ind.meets(c.to, target)
            better = c.to >= c.current if ind.direction == "higher" else c.to <= c.current
            assert better
