"""What the Method page explains, generated from the framework in force and the forecast defaults,
never restating a threshold or rule (pure); the worked example of docs/maturity-model.md is run
live through ``ecocity.core.scoring``."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ecocity.core import forecast
from ecocity.core.framework import Framework, Indicator, Value, parse_framework
from ecocity.core.scoring import Assessment, assess, dimension_passes, holds
from ecocity.core.text import describe_gap_item, describe_reason, level_column, num, threshold_text, with_unit
from ecocity.core.textsafe import md_escape
from ecocity.i18n import t

AGGREGATIONS = ("sum", "mean", "factory_weighted_mean", "all", "any", "min", "max")


# ----------------------------------------------------------------------------- thresholds


def score_text(score: float | None) -> str:
    """A score as shown everywhere: one decimal ("4.0"); a dash when missing."""
    return "–" if score is None else f"{score:.1f}"


def pct(share: float, lang: str) -> str:
    """0.75 -> "75%"."""
    return f"{num(share * 100, lang)}%"


# ----------------------------------------------------------------------------- tables


def dash(text: str | None) -> str:
    """A text of the framework file as a table shows it: empty or "-" (the file's "none")
    as a dash, and a leading hyphen ("- (town level)") as one. Tables guard text starting
    with a hyphen as a spreadsheet formula in their CSV export, and the guard's
    apostrophe would show ("'-"); a dash is not a formula."""
    s = (text or "").strip()
    if s in ("", "-"):
        return "–"
    return "–" + s[1:] if s.startswith("-") else s


def level_rows(fw: Framework, lang: str) -> list[dict[str, Any]]:
    """The ladder, lowest first: number, colour, names, DIW step, IEAT equivalent."""
    return [{
        t("method.levels.col_number", lang): lv.number,
        t("method.levels.col_colour", lang): lv.colour,
        t("method.levels.col_name", lang): lv.name(lang),
        t("method.levels.col_other_name", lang): lv.name("en" if lang == "th" else "th"),
        t("method.levels.col_diw", lang): dash(lv.diw_step),
        t("method.levels.col_ieat", lang): dash(lv.ieat_en),
        t("method.levels.col_key", lang): lv.key,
    } for lv in fw.levels]


def dimension_rows(fw: Framework, lang: str) -> list[dict[str, Any]]:
    total = sum(d.weight for d in fw.dimensions)
    return [{
        t("method.dimensions.col_name", lang): d.name(lang),
        t("method.dimensions.col_key", lang): d.key,
        t("method.dimensions.col_weight", lang): num(d.weight, lang),
        t("method.dimensions.col_share", lang): pct(d.weight / total, lang) if total else "–",
        t("method.dimensions.col_indicators", lang): ", ".join(i.code for i in fw.indicators_of(d.key)),
    } for d in fw.dimensions]


def valid_range(ind: Indicator, lang: str) -> str:
    if ind.is_yesno:
        return t("method.indicators.range_yesno", lang)
    # A negative bound with the minus sign: a leading hyphen would show the export guard's
    # apostrophe (see ``dash``).
    lo = "−∞" if ind.min is None else num(ind.min, lang).replace("-", "−")
    hi = "∞" if ind.max is None else num(ind.max, lang).replace("-", "−")
    return f"{lo} – {hi}"


def level_short(level: int, lang: str) -> str:
    """A compact column heading for a level: "ระดับ 3" / "Level 3" (the level table names them)."""
    return t("method.level_n", lang, n=level)


def indicator_rows(fw: Framework, lang: str) -> list[dict[str, Any]]:
    """Every indicator's facts in the framework's order: code, name, kind (with its valid
    values), unit, better direction, how an area aggregates it, required_from; the weight
    only when some indicator weighs other than 1."""
    weighted = any(i.weight != 1 for i in fw.indicators)
    rows = []
    for ind in fw.indicators:
        row: dict[str, Any] = {
            t("method.indicators.col_code", lang): ind.code,
            t("method.indicators.col_name", lang): ind.name(lang),
            t("method.indicators.col_kind", lang): f"{t(f'method.kind.{ind.kind}', lang)} ({valid_range(ind, lang)})",
            t("method.indicators.col_unit", lang): ind.unit(lang) if ind.unit(lang) not in ("", "-") else "–",
            t("method.indicators.col_direction", lang): t(
                "method.direction.yes" if ind.is_yesno else f"method.direction.{ind.direction}", lang),
            t("method.indicators.col_aggregation", lang): t(f"method.aggregation.{ind.aggregation}.name", lang),
            t("method.indicators.col_required", lang): (
                level_short(ind.required_from, lang) if ind.required_from else "–"),
        }
        if weighted:
            row[t("method.indicators.col_weight", lang)] = num(ind.weight, lang)
        rows.append(row)
    return rows


def threshold_rows(fw: Framework, lang: str) -> list[dict[str, Any]]:
    """Every indicator's threshold for each level above 0 ("≥ 20", "≤ 25", "yes")."""
    rows = []
    for ind in fw.indicators:
        row: dict[str, Any] = {t("method.indicators.col_code", lang): ind.code,
                               t("method.indicators.col_name", lang): ind.name(lang)}
        for lv in fw.levels[1:]:
            row[level_short(lv.number, lang)] = threshold_text(ind, lv.number, lang)
        rows.append(row)
    return rows


def required_indicators(fw: Framework) -> list[tuple[int, tuple[Indicator, ...]]]:
    """(level, the indicators required from that level), lowest level first."""
    by_level: dict[int, list[Indicator]] = {}
    for ind in fw.indicators:
        if ind.required_from is not None:
            by_level.setdefault(ind.required_from, []).append(ind)
    return [(lv, tuple(inds)) for lv, inds in sorted(by_level.items())]


def aggregation_groups(fw: Framework) -> list[tuple[str, tuple[str, ...]]]:
    """(rule, indicator codes using it) for each rule the framework uses, in a fixed order."""
    used = {rule: tuple(i.code for i in fw.indicators if i.aggregation == rule) for rule in AGGREGATIONS}
    return [(rule, codes) for rule, codes in used.items() if codes]


# ----------------------------------------------------------------------------- rules in words


def level_rule(fw: Framework, lang: str) -> list[str]:
    """The level rule as numbered steps, with this framework's pass share and top level."""
    return [t("method.rule.step_indicator", lang, top=fw.top_level),
            t("method.rule.step_dimension", lang, share=pct(fw.pass_share, lang)),
            t("method.rule.step_holds", lang),
            t("method.rule.step_level", lang, top_label=level_column(fw, fw.top_level, lang)),
            t("method.rule.step_stop", lang)]


def required_sentences(fw: Framework, lang: str) -> list[str]:
    out = []
    for lv, inds in required_indicators(fw):
        names = ", ".join(f"{i.code} ({i.name(lang)})" for i in inds)
        out.append(t("method.rule.required_from", lang, level=level_column(fw, lv, lang), indicators=names))
    return out


@dataclass(frozen=True)
class ForecastParams:
    min_years: int
    window: int
    horizon: int
    min_slope: float
    target_score: float


def forecast_params(fw: Framework) -> ForecastParams:
    """The parameters ``forecast_top_level`` runs with by default, read from its signature."""
    sig = inspect.signature(forecast.forecast_top_level).parameters
    return ForecastParams(min_years=sig["min_years"].default, window=sig["window"].default,
                          horizon=sig["horizon"].default, min_slope=forecast.MIN_SLOPE,
                          target_score=forecast.target_score(fw))


def forecast_steps(fw: Framework, lang: str) -> list[str]:
    p = forecast_params(fw)
    top = fw.top_level
    return [t("method.forecast.step_points", lang, window=p.window, min_years=p.min_years),
            t("method.forecast.step_fit", lang),
            t("method.forecast.step_target", lang, top_label=level_column(fw, top, lang),
              share=pct(fw.pass_share, lang), below_label=level_column(fw, top - 1, lang),
              target=num(p.target_score, lang)),
            t("method.forecast.step_limits", lang, min_slope=num(p.min_slope, lang),
              horizon=p.horizon)]


# ----------------------------------------------------------------------------- level checks


@dataclass(frozen=True)
class DimensionCheck:
    dimension: str
    met: float
    total: float
    passes: bool


@dataclass(frozen=True)
class LevelCheck:
    """Whether an entity holds ``level``: each dimension's met weight, the required
    indicators that fail it, and the verdict."""

    level: int
    dimensions: tuple[DimensionCheck, ...]
    failing_required: tuple[str, ...]
    holds: bool


def level_checks(fw: Framework, indicator_levels: Mapping[str, int]) -> list[LevelCheck]:
    """Level 1 upwards, stopping after the first level that is not held (the rule stops there)."""
    out = []
    for lv in range(1, fw.top_level + 1):
        dims = []
        for d in fw.dimensions:
            inds = fw.indicators_of(d.key)
            met = sum(i.weight for i in inds if indicator_levels[i.code] >= lv)
            dims.append(DimensionCheck(d.key, met, sum(i.weight for i in inds),
                                       dimension_passes(fw, d.key, indicator_levels, lv)))
        failing = tuple(i.code for i in fw.indicators
                        if i.required_from is not None and i.required_from <= lv and indicator_levels[i.code] < lv)
        ok = holds(fw, indicator_levels, lv)
        out.append(LevelCheck(lv, tuple(dims), failing, ok))
        if not ok:
            break
    return out


def check_sentence(fw: Framework, check: LevelCheck, lang: str) -> str:
    """"Level 4: physical 2/4 (needs 75%) ✗ ... -> not held"."""
    parts = []
    for d in check.dimensions:
        mark = "✓" if d.passes else "✗"
        parts.append(t("method.example.dimension_share", lang, dimension=fw.dimension(d.dimension).name(lang),
                       met=num(d.met, lang), total=num(d.total, lang),
                       mark=mark))
    if check.failing_required:
        parts.append(t("method.example.required_fail", lang, codes=", ".join(check.failing_required)))
    verdict = t("method.example.held" if check.holds else "method.example.not_held", lang)
    return t("method.example.check", lang, level=level_column(fw, check.level, lang),
             parts="; ".join(parts), verdict=verdict)


# ----------------------------------------------------------------------------- worked example

# The worked example of docs/maturity-model.md: one dimension, four indicators, A=26, B=100,
# C=yes, D=14. Its levels are those of the framework in force (names and colours).
_EXAMPLE_INDICATORS: tuple[dict[str, Any], ...] = (
    {"code": "A", "name_en": "Complaints", "name_th": "ข้อร้องเรียน", "kind": "number", "unit_en": "cases",
     "unit_th": "เรื่อง", "direction": "lower", "thresholds": [150, 100, 50, 25, 10], "aggregation": "sum"},
    {"code": "B", "name_en": "Eco Factory share", "name_th": "สัดส่วน Eco Factory", "kind": "percent",
     "unit_en": "%", "unit_th": "%", "direction": "higher", "thresholds": [10, 25, 50, 75, 100],
     "aggregation": "factory_weighted_mean"},
    {"code": "C", "name_en": "Action plan", "name_th": "แผนปฏิบัติการ", "kind": "yesno", "aggregation": "all"},
    {"code": "D", "name_en": "Renewable share", "name_th": "สัดส่วนพลังงานหมุนเวียน", "kind": "percent",
     "unit_en": "%", "unit_th": "%", "direction": "higher", "thresholds": [1, 5, 10, 20, 30],
     "aggregation": "factory_weighted_mean"},
)
EXAMPLE_VALUES: Mapping[str, Value] = {"A": 26.0, "B": 100.0, "C": True, "D": 14.0}


def example_framework(fw: Framework, *, a_required_from: int | None = None) -> Framework | None:
    """The worked example's framework with ``fw``'s levels; None when ``fw`` does not have
    the five levels above 0 the example's thresholds are written for."""
    if fw.top_level != 5:
        return None
    inds = [{**d, "dimension": "ENV"} for d in _EXAMPLE_INDICATORS]
    if a_required_from is not None:
        inds[0]["required_from"] = a_required_from
    raw = {"id": "worked-example", "version": 1, "name_en": "Worked example", "name_th": "ตัวอย่างการคำนวณ",
           "pass_share": 0.75,
           "levels": [{"number": lv.number, "key": lv.key, "name_en": lv.name_en, "name_th": lv.name_th,
                       "colour": lv.colour} for lv in fw.levels],
           "dimensions": [{"key": "ENV", "name_en": "Environmental", "name_th": "สิ่งแวดล้อม", "weight": 1}],
           "indicators": inds}
    return parse_framework(raw, source="docs/maturity-model.md (worked example)")


@dataclass(frozen=True)
class WorkedExample:
    fw: Framework
    assessment: Assessment
    checks: tuple[LevelCheck, ...]
    gap: tuple[str, ...]  # the gap to the next level in words
    reasons: tuple[str, ...]


def worked_example(fw: Framework, lang: str, *, a_required_from: int | None = None) -> WorkedExample | None:
    ex = example_framework(fw, a_required_from=a_required_from)
    if ex is None:
        return None
    a = assess(ex, EXAMPLE_VALUES)
    return WorkedExample(fw=ex, assessment=a, checks=tuple(level_checks(ex, a.indicator_levels)),
                         gap=tuple(describe_gap_item(ex, g, lang) for g in a.gap),
                         reasons=tuple(describe_reason(ex, g, lang) for g in a.gap))


def example_rows(ex: WorkedExample, lang: str) -> list[dict[str, Any]]:
    """The example's indicators: value, thresholds and the level each value meets."""
    rows = []
    for ind in ex.fw.indicators:
        v = ex.assessment.values.get(ind.code)
        row: dict[str, Any] = {
            t("method.indicators.col_code", lang): ind.code,
            t("method.indicators.col_name", lang): ind.name(lang),
            t("method.example.col_value", lang): with_unit(ind, num(v, lang), lang),
        }
        for lv in ex.fw.levels[1:]:
            row[level_short(lv.number, lang)] = threshold_text(ind, lv.number, lang)
        row[t("method.example.col_level", lang)] = ex.assessment.indicator_levels[ind.code]
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------- data sources

# Headings of data/README.md translated by key; any other heading is shown as written.
_README_HEADINGS = {
    "th_adm1.geojson": "method.sources.h_map",
    "ieat-estates.csv": "method.sources.h_registry",
    "areas.csv": "method.sources.h_areas",
}


@dataclass(frozen=True)
class Section:
    key: str  # the heading as written ("" for the text before the first "## " heading)
    title: str  # the heading to show, translated when known
    body: str


def readme_sections(text: str, lang: str) -> list[Section]:
    """data/README.md split at its "## " headings; its "# " title is dropped (the page
    has its own). The text before the first section is the list of files."""
    sections: list[Section] = []
    key = ""
    body: list[str] = []
    for line in text.splitlines():
        m = re.match(r"^(#{1,2})\s+(.*?)\s*$", line)
        if m and len(m.group(1)) == 1:
            continue
        if m:
            sections.append(_section(key, body, lang))
            key, body = m.group(2), []
        else:
            body.append(line)
    sections.append(_section(key, body, lang))
    return [s for s in sections if s.body]


def _section(key: str, lines: Sequence[str], lang: str) -> Section:
    body = "\n".join(lines).strip()
    if not key:
        title = t("method.sources.h_files", lang)
    elif key in _README_HEADINGS:
        title = f"{t(_README_HEADINGS[key], lang)} (`{key}`)"
    else:
        title = key
    return Section(key, title, body)


def read_data_readme(data_dir: Path) -> str | None:
    """The text of ``data_dir``/README.md, or None when it cannot be read."""
    try:
        return (Path(data_dir) / "README.md").read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def readable_on(colour: str) -> str:
    """Dark or white text, whichever reads better on ``colour`` (#RRGGBB)."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    return "#1F2A24" if 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2] > 0.35 else "#FFFFFF"


def markdown_framework(fw: Framework) -> Framework:
    """``fw`` with every text its file gives (id, names, units, codes and keys) escaped for
    Markdown: an administrator may upload the file through the browser, and this page is
    public. For the sentences drawn as Markdown only; the tables show ``fw`` as it is.
    Codes and keys are escaped alike everywhere, so lookups by them still work."""
    e = md_escape
    levels = tuple(replace(lv, key=e(lv.key), name_en=e(lv.name_en), name_th=e(lv.name_th)) for lv in fw.levels)
    dims = tuple(replace(d, key=e(d.key), name_en=e(d.name_en), name_th=e(d.name_th)) for d in fw.dimensions)
    inds = tuple(replace(i, code=e(i.code), dimension=e(i.dimension), name_en=e(i.name_en), name_th=e(i.name_th),
                         unit_en=e(i.unit_en), unit_th=e(i.unit_th)) for i in fw.indicators)
    return replace(fw, id=e(fw.id), name_en=e(fw.name_en), name_th=e(fw.name_th), levels=levels, dimensions=dims,
                   indicators=inds, _by_code={i.code: i for i in inds})
