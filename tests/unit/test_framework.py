"""The framework file: the shipped default matches default-framework.md, and every
validation rule refuses a malformed file naming the file, the entry and the problem."""

from __future__ import annotations

import copy
import tomllib
from pathlib import Path
from typing import Any

import pytest

from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH, FrameworkError, load_framework, parse_framework

WORKED = Path(__file__).parents[1] / "data" / "worked-example.toml"


def raw_worked() -> dict[str, Any]:
    return tomllib.loads(WORKED.read_text("utf-8"))


def problems_of(raw: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(FrameworkError) as exc:
        parse_framework(raw, source="broken.toml")
    assert "broken.toml" in str(exc.value)
    return exc.value.problems


def only_problem(raw: dict[str, Any]) -> tuple[str, str]:
    found = problems_of(raw)
    assert len(found) == 1, found
    return found[0]


# ------------------------------------------------------------------ the shipped default

def test_default_framework_matches_the_catalogue():
    fw = load_framework()
    assert fw.version_id == "eit-default@1"
    assert fw.default_set is True
    assert fw.pass_share == 0.75
    assert [lv.key for lv in fw.levels] == ["none", "engagement", "eco_champion", "eco_excellence",
                                            "eco_world_class", "happiness"]
    assert [d.key for d in fw.dimensions] == ["physical", "economic", "environment", "social", "management"]
    assert len(fw.indicators) == 23
    counts = {d.key: len(fw.indicators_of(d.key)) for d in fw.dimensions}
    assert counts == {"physical": 3, "economic": 3, "environment": 8, "social": 4, "management": 5}


@pytest.mark.parametrize("code, kind, direction, thresholds, aggregation, required_from", [
    ("PHY-01", "percent", "higher", (5, 10, 12, 15, 20), "factory_weighted_mean", None),
    ("ECO-02", "number", "higher", (0.5, 1, 5, 10, 20), "sum", None),
    ("ENV-01", "number", "lower", (150, 100, 50, 25, 10), "sum", 5),
    ("ENV-08", "percent", "higher", (80, 90, 95, 98, 100), "factory_weighted_mean", 2),
    ("SOC-01", "score", "higher", (2.5, 3.0, 3.5, 4.0, 4.5), "mean", 5),
    ("MGT-01", "yesno", "higher", (), "all", 1),
    ("MGT-04", "yesno", "higher", (), "any", 4),
    ("MGT-05", "percent", "higher", (50, 70, 85, 95, 100), "factory_weighted_mean", None),
])
def test_default_indicators_ship_exactly(code, kind, direction, thresholds, aggregation, required_from):
    ind = load_framework().indicator(code)
    assert (ind.kind, ind.direction, ind.thresholds, ind.aggregation, ind.required_from) == (
        kind, direction, tuple(float(t) for t in thresholds), aggregation, required_from)


def test_valid_ranges_follow_the_kind():
    fw = load_framework()
    assert (fw.indicator("ENV-02").min, fw.indicator("ENV-02").max) == (0, 100)  # percent
    assert (fw.indicator("SOC-01").min, fw.indicator("SOC-01").max) == (1, 5)  # score scale
    assert (fw.indicator("ENV-01").min, fw.indicator("ENV-01").max) == (0, None)  # a count


def test_level_colours_run_grey_greens_gold():
    colours = [lv.colour for lv in load_framework().levels]
    assert len(set(colours)) == 6
    assert colours[0].upper() == "#A6A6A6"


def test_the_worked_example_file_loads():
    fw = load_framework(WORKED)
    assert fw.codes == ("A", "B", "C", "D")
    assert fw.sha256 and fw.source.endswith("worked-example.toml")


# ------------------------------------------------------------------ file-level problems

def test_missing_file_is_named(tmp_path):
    with pytest.raises(FrameworkError) as exc:
        load_framework(tmp_path / "nope.toml")
    assert "nope.toml" in str(exc.value) and "cannot be read" in str(exc.value)


def test_invalid_toml_is_named_with_its_position(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text('id = "x"\nversion = = 1\n', "utf-8")
    with pytest.raises(FrameworkError) as exc:
        load_framework(p)
    assert "bad.toml" in str(exc.value) and "not valid TOML" in str(exc.value) and "line 2" in str(exc.value)


def test_a_file_edit_is_refused_at_load(tmp_path):
    p = tmp_path / "edited.toml"
    p.write_text(WORKED.read_text("utf-8").replace("[10, 25, 50, 75, 100]", "[10, 25, 80, 75, 100]"), "utf-8")
    with pytest.raises(FrameworkError) as exc:
        load_framework(p)
    assert str(p) in str(exc.value) and "indicator 'B'" in str(exc.value) and "not monotone" in str(exc.value)


# ------------------------------------------------------------------ one test per rule

def test_missing_level():
    raw = raw_worked()
    raw["levels"] = [lv for lv in raw["levels"] if lv["number"] != 3]
    entry, problem = only_problem(raw)
    assert entry == "level 3" and "missing level" in problem


def test_duplicate_level_number():
    raw = raw_worked()
    dup = copy.deepcopy(raw["levels"][2])
    dup["key"] = "another"
    raw["levels"].append(dup)
    entry, problem = only_problem(raw)
    assert entry == "level 2" and "more than once" in problem


def test_duplicate_level_key():
    raw = raw_worked()
    raw["levels"][2]["key"] = "engagement"
    entry, problem = only_problem(raw)
    assert entry == "level 'engagement'" and "more than one level" in problem


def test_bad_level_colour():
    raw = raw_worked()
    raw["levels"][1]["colour"] = "green"
    entry, problem = only_problem(raw)
    assert "engagement" in entry and "#RRGGBB" in problem


def test_thresholds_not_monotone_for_higher():
    raw = raw_worked()
    raw["indicators"][1]["thresholds"] = [10, 25, 80, 75, 100]
    entry, problem = only_problem(raw)
    assert entry == "indicator 'B'" and "not monotone" in problem and "<=" in problem


def test_thresholds_not_monotone_for_lower():
    raw = raw_worked()
    raw["indicators"][0]["thresholds"] = [150, 100, 50, 60, 10]
    entry, problem = only_problem(raw)
    assert entry == "indicator 'A'" and "not monotone" in problem and ">=" in problem


def test_equal_thresholds_are_monotone():
    raw = raw_worked()
    raw["indicators"][3]["thresholds"] = [1, 5, 5, 20, 30]
    assert parse_framework(raw).indicator("D").thresholds == (1, 5, 5, 20, 30)


def test_wrong_number_of_thresholds():
    raw = raw_worked()
    raw["indicators"][3]["thresholds"] = [1, 5, 10, 20]
    entry, problem = only_problem(raw)
    assert entry == "indicator 'D'" and "5 numbers" in problem and "found 4" in problem


def test_unknown_dimension():
    raw = raw_worked()
    raw["indicators"][2]["dimension"] = "ENVIRONMENT"
    entry, problem = only_problem(raw)
    assert entry == "indicator 'C'" and "unknown dimension 'ENVIRONMENT'" in problem


def test_duplicate_indicator_code():
    raw = raw_worked()
    raw["indicators"].append(copy.deepcopy(raw["indicators"][0]))
    entry, problem = only_problem(raw)
    assert entry == "indicator 'A'" and "duplicate code" in problem


def test_duplicate_dimension_key():
    raw = raw_worked()
    raw["dimensions"].append(copy.deepcopy(raw["dimensions"][0]))
    entry, problem = only_problem(raw)
    assert entry == "dimension 'ENV'" and "duplicate" in problem


def test_dimension_without_indicators():
    raw = raw_worked()
    raw["dimensions"].append({"key": "SOC", "name_en": "Social", "name_th": "สังคม", "weight": 1})
    entry, problem = only_problem(raw)
    assert entry == "dimension 'SOC'" and "no indicators" in problem


def test_unknown_kind():
    raw = raw_worked()
    raw["indicators"][0]["kind"] = "count"
    entry, problem = only_problem(raw)
    assert entry == "indicator 'A'" and "'kind'" in problem and "count" in problem


def test_aggregation_must_suit_the_kind():
    raw = raw_worked()
    raw["indicators"][2]["aggregation"] = "sum"  # C is yes/no
    entry, problem = only_problem(raw)
    assert entry == "indicator 'C'" and "all, any" in problem


def test_unknown_aggregation():
    raw = raw_worked()
    raw["indicators"][0]["aggregation"] = "median"
    entry, problem = only_problem(raw)
    assert entry == "indicator 'A'" and "median" in problem


@pytest.mark.parametrize("bad", [0, 6, "4", True])
def test_required_from_must_be_a_level(bad):
    raw = raw_worked()
    raw["indicators"][0]["required_from"] = bad
    entry, problem = only_problem(raw)
    assert entry == "indicator 'A'" and "required_from" in problem


def test_bad_direction():
    raw = raw_worked()
    raw["indicators"][0]["direction"] = "down"
    entry, problem = only_problem(raw)
    assert entry == "indicator 'A'" and "'direction'" in problem


def test_score_needs_a_scale():
    raw = raw_worked()
    raw["indicators"][3]["kind"] = "score"
    entry, problem = only_problem(raw)
    assert entry == "indicator 'D'" and "scale" in problem


def test_percent_thresholds_stay_within_0_100():
    raw = raw_worked()
    raw["indicators"][1]["thresholds"] = [10, 25, 50, 75, 120]
    entry, problem = only_problem(raw)
    assert entry == "indicator 'B'" and "outside the valid range" in problem


def test_yesno_takes_no_thresholds():
    raw = raw_worked()
    raw["indicators"][2]["thresholds"] = [1, 2, 3, 4, 5]
    entry, problem = only_problem(raw)
    assert entry == "indicator 'C'" and "does not apply" in problem


@pytest.mark.parametrize("bad", [0, -1, "1"])
def test_weights_must_be_positive(bad):
    raw = raw_worked()
    raw["indicators"][0]["weight"] = bad
    entry, problem = only_problem(raw)
    assert entry == "indicator 'A'" and "'weight'" in problem


@pytest.mark.parametrize("bad", [0, 1.5, -0.2, "0.75"])
def test_pass_share_in_0_1(bad):
    raw = raw_worked()
    raw["pass_share"] = bad
    entry, problem = only_problem(raw)
    assert entry == "framework" and "pass_share" in problem


def test_version_must_be_a_positive_whole_number():
    raw = raw_worked()
    raw["version"] = "1.0"
    entry, problem = only_problem(raw)
    assert entry == "framework" and "'version'" in problem


def test_misspelt_setting_is_refused():
    raw = raw_worked()
    raw["indicators"][0]["treshold"] = raw["indicators"][0]["thresholds"]
    entry, problem = only_problem(raw)
    assert entry == "indicator 'A'" and "unknown setting 'treshold'" in problem


def test_missing_section():
    raw = raw_worked()
    del raw["dimensions"]
    found = problems_of(raw)
    assert ("dimensions", "missing section [[dimensions]]") in found


def test_missing_name():
    raw = raw_worked()
    del raw["indicators"][1]["name_th"]
    entry, problem = only_problem(raw)
    assert entry == "indicator 'B'" and "missing 'name_th'" in problem


def test_every_problem_is_reported_at_once():
    raw = raw_worked()
    raw["levels"] = [lv for lv in raw["levels"] if lv["number"] != 4]
    raw["indicators"][0]["dimension"] = "nowhere"
    raw["indicators"][1]["thresholds"] = [100, 75, 50, 25, 10]
    entries = {e for e, _ in problems_of(raw)}
    assert {"level 4", "indicator 'A'", "indicator 'B'"} <= entries


def test_framework_objects_are_frozen():
    fw = load_framework(DEFAULT_FRAMEWORK_PATH)
    with pytest.raises(AttributeError):
        fw.pass_share = 0.5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        fw.indicators[0].thresholds = ()  # type: ignore[misc]
