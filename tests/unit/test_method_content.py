"""The Method page's content is generated from the framework: every indicator and threshold,
the pass share, required indicators, aggregation rules, forecast parameters; the worked
example of maturity-model.md computed live gives its documented result."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from ecocity.core.framework import load_framework
from ecocity.core.text import with_unit
from ecocity.i18n import t
from ecocity.pagemodels import method

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_indicator_rows_list_every_indicator_with_its_rules(fw, lang):
    rows = method.indicator_rows(fw, lang)
    code_col = t("method.indicators.col_code", lang)
    assert [r[code_col] for r in rows] == list(fw.codes) and len(rows) == 23
    env01 = rows[fw.codes.index("ENV-01")]
    assert env01[t("method.indicators.col_required", lang)] == method.level_short(5, lang)
    assert env01[t("method.indicators.col_aggregation", lang)] == t("method.aggregation.sum.name", lang)
    assert env01[t("method.indicators.col_direction", lang)] == t("method.direction.lower", lang)
    assert rows[fw.codes.index("PHY-01")][t("method.indicators.col_kind", lang)].endswith("(0 – 100)")
    assert t("method.indicators.col_weight", lang) not in env01  # every weight is 1
    heavier = dataclasses.replace(fw, indicators=(dataclasses.replace(fw.indicators[0], weight=2.0),
                                                  *fw.indicators[1:]))
    assert method.indicator_rows(heavier, lang)[0][t("method.indicators.col_weight", lang)] == "2"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_threshold_rows_give_every_level_its_threshold(fw, lang):
    rows = method.threshold_rows(fw, lang)
    assert len(rows) == 23
    cols = [method.level_short(n, lang) for n in range(1, 6)]
    env01 = rows[fw.codes.index("ENV-01")]
    assert [env01[c] for c in cols] == ["≤ 150", "≤ 100", "≤ 50", "≤ 25", "≤ 10"]
    assert rows[fw.codes.index("ECO-02")][cols[0]] == "≥ 0.5"
    assert {rows[fw.codes.index("MGT-01")][c] for c in cols} == {t("method.yes_meets", lang)}


def test_threshold_text_with_unit(fw):
    assert method.threshold_text(fw.indicator("ENV-01"), 4, "en", unit=True) == "≤ 25 cases/yr"
    assert method.threshold_text(fw.indicator("PHY-01"), 5, "th", unit=True) == "≥ 20 %"
    assert method.threshold_text(fw.indicator("MGT-04"), 1, "en") == "yes"


def test_levels_and_dimensions_come_from_the_file(fw):
    rows = method.level_rows(fw, "en")
    assert [r["Name"] for r in rows] == [lv.name_en for lv in fw.levels]
    assert [r["Colour"] for r in rows] == [lv.colour for lv in fw.levels]
    assert rows[2]["DIW step"] == "Enhancement" and rows[2]["IEAT estate equivalent"] == "Eco-Champion"
    dims = method.dimension_rows(fw, "en")
    assert [d["Key"] for d in dims] == [d.key for d in fw.dimensions]
    assert dims[0]["Share of the overall score"] == "20%"


def test_the_level_rule_states_this_frameworks_pass_share(fw):
    steps = method.level_rule(fw, "en")
    assert any("75%" in s for s in steps) and any("stops at the first level not held" in s for s in steps)
    other = dataclasses.replace(fw, pass_share=0.6)
    assert any("60%" in s for s in method.level_rule(other, "th"))


def test_required_indicators_by_level(fw):
    got = [(lv, [i.code for i in inds]) for lv, inds in method.required_indicators(fw)]
    assert got == [(1, ["MGT-01"]), (2, ["ENV-08"]), (4, ["MGT-04"]), (5, ["ENV-01", "SOC-01"])]
    assert len(method.required_sentences(fw, "th")) == 4


def test_aggregation_groups_cover_every_indicator_once(fw):
    groups = method.aggregation_groups(fw)
    assert sorted(c for _, codes in groups for c in codes) == sorted(fw.codes)
    assert dict(groups)["mean"] == ("SOC-01",)
    assert [rule for rule, _ in groups] == ["sum", "mean", "factory_weighted_mean", "all", "any"]


def test_forecast_parameters_are_read_from_the_forecast_module(fw):
    p = method.forecast_params(fw)
    assert (p.min_years, p.window, p.horizon) == (3, 5, 25)
    assert p.target_score == pytest.approx(4.75)
    steps = method.forecast_steps(fw, "en")
    assert "4.75" in steps[2] and "3" in steps[0] and "25" in steps[3]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_worked_example_gives_the_documented_result(fw, lang):
    ex = method.worked_example(fw, lang)
    a = ex.assessment
    assert dict(a.indicator_levels) == {"A": 3, "B": 5, "C": 5, "D": 3}
    assert a.level == 3 and a.dimension_scores["ENV"] == pytest.approx(4.0)
    assert [(c.level, c.holds) for c in ex.checks] == [(1, True), (2, True), (3, True), (4, False)]
    assert ex.checks[-1].dimensions[0].met == 2 and ex.checks[-1].dimensions[0].total == 4
    assert [g.code for g in a.gap] == ["A"]
    assert "26" in ex.gap[0] and "25" in ex.gap[0]
    assert ex.gap[0] == t("gap.at_most", lang, name=ex.fw.indicator("A").name(lang), current="26",
                          target=with_unit(ex.fw.indicator("A"), "25", lang))
    variant = method.worked_example(fw, lang, a_required_from=4)
    assert variant.assessment.level == 3
    assert [(g.code, g.reason) for g in variant.assessment.gap] == [("A", "required")]


def test_worked_example_matches_the_test_fixture(fw):
    """The page's built-in example and tests/data/worked-example.toml agree."""
    fixture = load_framework(ROOT / "tests" / "data" / "worked-example.toml")
    ex = method.example_framework(fw)
    assert [dataclasses.replace(i) for i in ex.indicators] == list(fixture.indicators)
    assert ex.pass_share == fixture.pass_share


def test_worked_example_needs_five_levels(fw):
    short = dataclasses.replace(fw, levels=fw.levels[:4])
    assert method.worked_example(short, "en") is None


def test_example_rows(fw):
    rows = method.example_rows(method.worked_example(fw, "en"), "en")
    assert rows[0]["Level 4"] == "≤ 25"
    assert [(r["Code"], r["Value"], r["Indicator level"]) for r in rows] == [
        ("A", "26 cases", 3), ("B", "100 %", 5), ("C", "yes", 5), ("D", "14 %", 3)]


def test_check_sentence_names_the_failing_required_indicators(fw):
    ex = method.worked_example(fw, "en", a_required_from=2)
    # A=26 meets level 3's threshold, so the required gate passes until level 4
    assert ex.checks[-1].level == 4
    levels = {**ex.assessment.indicator_levels, "A": 1}
    checks = method.level_checks(ex.fw, levels)
    assert checks[-1].level == 2 and checks[-1].failing_required == ("A",)
    assert "required indicators not met: A" in method.check_sentence(ex.fw, checks[-1], "en")


def test_readme_sections_translate_known_headings():
    text = (ROOT / "data" / "README.md").read_text("utf-8")
    th = method.readme_sections(text, "th")
    assert th[0].title == t("method.sources.h_files", "th") and "| file |" in th[0].body
    assert [s.key for s in th[1:]] == ["th_adm1.geojson", "ieat-estates.csv"]
    assert th[1].title == f"{t('method.sources.h_map', 'th')} (`th_adm1.geojson`)"
    assert "CC BY-IGO" in th[1].body
    odd = method.readme_sections("# T\nintro\n## other.csv\nbody\n## empty\n", "en")
    assert [(s.title, s.body) for s in odd] == [("The data files", "intro"), ("other.csv", "body")]


def test_read_data_readme(tmp_path):
    assert method.read_data_readme(tmp_path) is None
    (tmp_path / "README.md").write_text("# x\n", "utf-8")
    assert method.read_data_readme(tmp_path) == "# x\n"


def test_readable_text_on_level_colours(fw):
    assert method.readable_on("#006D2C") == "#FFFFFF"
    assert method.readable_on("#C7E9C0") != "#FFFFFF"


def test_markdown_framework_escapes_every_text_and_keeps_lookups_working():
    """The Method page is public and the framework file may come from the browser: its
    texts go into Markdown escaped; codes are escaped alike, so lookups still work."""
    from ecocity.core.textsafe import md_escape

    base = load_framework()
    first = base.indicators[0]
    hostile = dataclasses.replace(first, name_en="# Heading: :red[x]", unit_en="% of 1. list")
    fw = dataclasses.replace(base, name_en="Set #2: trial", indicators=(hostile, *base.indicators[1:]),
                             _by_code={**base._by_code, first.code: hostile})
    mfw = method.markdown_framework(fw)
    assert mfw.name_en == md_escape("Set #2: trial") != fw.name_en
    shown = mfw.indicator(md_escape(first.code))
    assert (shown.name_en, shown.unit_en) == (md_escape("# Heading: :red[x]"), md_escape("% of 1. list"))
    assert [lv.name_en for lv in mfw.levels] == [md_escape(lv.name_en) for lv in fw.levels]
    assert len(mfw.indicators) == len(fw.indicators) and fw.indicator(first.code) is hostile  # fw untouched


@pytest.mark.parametrize("lang", ["th", "en"])
def test_method_tables_show_no_export_guard(fw, lang):
    """The file's "-" (none) and "- (town level)" read as dashes: a cell starting with a
    hyphen would be guarded as a formula for the CSV export, and the apostrophe would show."""
    from ecocity.core.textsafe import neutralise_table

    levels = method.level_rows(fw, lang)
    ieat = t("method.levels.col_ieat", lang)
    assert levels[0][ieat] == "–" and levels[5][ieat] == "– (town level)"
    assert levels[0][t("method.levels.col_diw", lang)] == "–"
    ex = method.worked_example(fw, lang)
    for rows in (levels, method.dimension_rows(fw, lang), method.indicator_rows(fw, lang),
                 method.threshold_rows(fw, lang), method.example_rows(ex, lang)):
        assert neutralise_table(rows) == rows
    # The guard itself still protects a real formula.
    assert neutralise_table([{"x": "-2+3"}]) == [{"x": "'-2+3"}]


def test_dash_and_negative_bounds(fw):
    assert [method.dash(x) for x in (None, "", " - ", "- (town level)", "Eco-Champion")] == [
        "–", "–", "–", "– (town level)", "Eco-Champion"]
    neg = dataclasses.replace(fw.indicator("ENV-04"), min=-100.0)
    assert method.valid_range(neg, "en") == "−100 – 100"


def test_level_zero_means_the_same_in_both_languages(fw):
    """Level 0: assessed, meeting no level ("ยังไม่ผ่านเกณฑ์"), not "no data" / not assessed."""
    zero = fw.level(0)
    assert zero.name_th == "ยังไม่ผ่านเกณฑ์" and zero.name_en == "Criteria not yet met"
    assert "assessed" not in zero.name_en.lower()
