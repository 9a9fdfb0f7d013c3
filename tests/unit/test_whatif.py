"""What-if: a scenario of changed values, assessed beside the real ones, in a URL."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ecocity.core.framework import get_framework, load_framework
from ecocity.pagemodels.whatif import dump, parse, plan_scenario, what_if

WORKED = load_framework(Path(__file__).parents[1] / "data" / "worked-example.toml")
EXAMPLE = {"A": 26, "B": 100, "C": True, "D": 14}
FW = get_framework()


def test_one_change_moves_the_level_and_says_which_values_changed():
    w = what_if(WORKED, EXAMPLE, {"A": 25})
    assert (w.real.level, w.scenario.level, w.level_change, w.changed) == (3, 4, 1, ("A",))
    assert w.values == {**EXAMPLE, "A": 25}
    same = what_if(WORKED, EXAMPLE, {"A": 26})
    assert same.changed == () and same.level_change == 0


def test_the_scenario_round_trips_through_the_url_text():
    changes = {"D": 30.0, "C": False, "A": None}
    text = dump(WORKED, changes)
    assert text == "A:-,C:no,D:30"
    assert parse(WORKED, text) == changes


def test_a_typed_or_damaged_link_opens_with_what_makes_sense():
    assert parse(WORKED, "a:25, zz:1, b:abc, c:maybe, d:nan, b:150, D:20") == {"A": 25.0, "D": 20.0}
    assert parse(WORKED, None) == {} and parse(WORKED, "x" * 5000) == {}


def test_applying_the_shortest_path_fills_the_scenario():
    plan, changes = plan_scenario(WORKED, EXAMPLE, 5)
    assert changes == {"D": 30}
    assert what_if(WORKED, EXAMPLE, changes).scenario.level == 5 == plan.level_after


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(FW.codes), st.one_of(st.booleans(), st.integers(0, 100))))
def test_any_valid_scenario_survives_its_url(raw):
    valid = {c: (bool(v) if FW.indicator(c).is_yesno else float(int(v))) for c, v in raw.items()
             if FW.indicator(c).is_yesno == isinstance(v, bool)}
    # in range: a value outside an indicator's scale (0 for a 1-5 score, 150 %) is no valid scenario
    valid = {c: v for c, v in valid.items() if isinstance(v, bool) or (
        (FW.indicator(c).min is None or v >= FW.indicator(c).min)
        and (FW.indicator(c).max is None or v <= FW.indicator(c).max))}
    assert parse(FW, dump(FW, valid)) == valid


def test_the_table_shows_two_decimals_at_most():
    from ecocity.pagemodels.whatif import cell_text

    shown = [cell_text(v, "en") for v in (22.0329, 108.0, 99.05, 0.0012, 0.0, -0.5, 12345678.0, None)]
    assert shown == ["22.03", "108", "99.05", "0.0012", "0", "-0.5", "12345678", ""]


def test_a_change_with_more_decimals_than_shown_keeps_its_value():
    from ecocity.pagemodels.whatif import changes_from_rows, editor_rows

    real = {"A": 26.0, "B": 100.0, "C": True, "D": None}
    current = {"A": 25.125}
    rows = editor_rows(WORKED, real, current, "en")
    assert rows[0]["scenario"] == "25.12"
    assert changes_from_rows(WORKED, real, rows, current) == current
    rows[0]["scenario"] = "25.5"  # edited: the new value
    assert changes_from_rows(WORKED, real, rows, current) == {"A": 25.5}


def test_the_table_reads_back_unchanged_values_as_no_change():
    from ecocity.pagemodels.whatif import changes_from_rows, editor_rows

    real = {"A": 26.123456789, "B": 100.0, "C": True, "D": None}
    for lang in ("th", "en"):
        rows = editor_rows(WORKED, real, {}, lang)
        assert changes_from_rows(WORKED, real, rows) == {}
        rows[0]["scenario"] = "25"
        rows[2]["scenario"] = "ไม่ใช่" if lang == "th" else "no"
        assert changes_from_rows(WORKED, real, rows) == {"A": 25.0, "C": False}
