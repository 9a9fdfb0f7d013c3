"""What the Area page shows: the area's level, its estates, the gap with the estates that
pull each indicator down, and its score explained from its estates' values (pure: rows in,
plain data out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecocity.core.aggregation import EstateValues, aggregate_indicator
from ecocity.core.forecast import Forecast, Point, forecast_top_level
from ecocity.core.framework import Framework, Value
from ecocity.core.gap import GapLine, area_estates, gap_items, pulling_down
from ecocity.core.registry import AreaInfo, EstateInfo
from ecocity.core.rows import EntityRow
from ecocity.core.scoring import indicator_level
from ecocity.core.text import level_column, num, value_text
from ecocity.core.textsafe import md_escape
from ecocity.i18n import t


@dataclass(frozen=True)
class AreaModel:
    info: AreaInfo
    year: int | None
    row: EntityRow | None  # the area this fiscal year (None: no data that year)
    last: EntityRow | None  # ... and the fiscal year before
    series: tuple[Point, ...]  # every year with data up to ``year``
    estates: tuple[EntityRow, ...]  # its estates' rows this year, best first
    silent: tuple[EstateInfo, ...]  # its registered estates without data this year
    gap: tuple[GapLine, ...]  # what it needs for the next level, with who pulls it down
    forecast: Forecast
    years: tuple[int, ...]  # the fiscal years in which the area has data


def area_model(fw: Framework, info: AreaInfo, areas: Sequence[EntityRow], estates: Sequence[EntityRow],
               year: int | None, this_year: int | None = None) -> AreaModel:
    own = sorted((r for r in areas if r.code == info.code), key=lambda r: r.fiscal_year)
    by_year = {r.fiscal_year: r for r in own}
    row = by_year.get(year) if year is not None else None
    last = by_year.get(year - 1) if year is not None else None
    upto = [r for r in own if year is None or r.fiscal_year <= year]
    series = tuple(Point(r.fiscal_year, r.level, r.overall_score) for r in upto)
    est = area_estates(estates, info.code, year) if year is not None else []
    reported = {r.code for r in est}
    silent = tuple(e for e in info.estates if e.code not in reported)
    gap = tuple(pulling_down(fw, gap_items(row), est)) if row is not None else ()
    return AreaModel(info=info, year=year, row=row, last=last, series=series, estates=tuple(est),
                     silent=silent, gap=gap, forecast=forecast_top_level(fw, series, not_before=this_year),
                     years=tuple(by_year))


# ----------------------------------------------------------------------------- the score explained


@dataclass(frozen=True)
class ExplainedIndicator:
    """How one indicator's area value came from its estates' values."""

    code: str
    rule: str  # the indicator's aggregation
    estate_values: tuple[Value, ...]  # in the order of AreaExplained.estates; None: not reported
    estate_levels: tuple[int | None, ...]  # the level each estate's own value meets; None: not reported
    area_value: Value
    area_level: int  # the level the area's value meets

    @property
    def reported(self) -> tuple[int, ...]:
        return tuple(lv for lv in self.estate_levels if lv is not None)

    @property
    def lifted(self) -> bool:
        """The area meets a higher level than any one of its estates (sums add up)."""
        return bool(self.reported) and self.area_level > max(self.reported)

    @property
    def lowered(self) -> bool:
        """The area meets a lower level than every one of its estates (e.g. complaints add up)."""
        return bool(self.reported) and self.area_level < min(self.reported)


@dataclass(frozen=True)
class AreaExplained:
    """An area's score explained: every indicator with its estates' values, the rule that
    combines them, the area's value and the level it meets, which the area is scored on."""

    estates: tuple[EntityRow, ...]
    factories: tuple[int | None, ...]  # each estate's factory count (weights); None: unknown
    indicators: tuple[ExplainedIndicator, ...]
    row: EntityRow  # the area

    @property
    def weighted(self) -> bool:
        return any(i.rule == "factory_weighted_mean" for i in self.indicators)

    @property
    def lifted(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators if i.lifted)

    @property
    def lowered(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators if i.lowered)


def explain_area(fw: Framework, row: EntityRow, estates: Sequence[EntityRow],
                 factories: Mapping[str, int | None]) -> AreaExplained:
    """``row`` (the area's stored assessment) explained from ``estates`` (its estates' rows
    that year, as the page lists them) and their factory counts. The area value is the
    stored one, the one the area was scored on; where none is stored (an older row) it is
    aggregated again by the same rule (``core.aggregation``)."""
    top = fw.top_level
    inputs = [EstateValues(e.code, factories.get(e.code), e.values) for e in estates]
    out = []
    for ind in fw.indicators:
        values = tuple(e.values.get(ind.code) for e in estates)
        area = row.values[ind.code] if ind.code in row.values else aggregate_indicator(ind, inputs)
        out.append(ExplainedIndicator(
            code=ind.code, rule=ind.aggregation, estate_values=values,
            estate_levels=tuple(None if v is None else indicator_level(ind, v, top) for v in values),
            area_value=area, area_level=indicator_level(ind, area, top)))
    return AreaExplained(estates=tuple(estates), factories=tuple(factories.get(e.code) for e in estates),
                         indicators=tuple(out), row=row)


def _minus(text: str) -> str:
    """A negative number shown with the minus sign: a leading hyphen would make a table's
    CSV export guard it as a formula, and the guard's apostrophe would show."""
    return "\u2212" + text[1:] if text.startswith("-") else text


def _cell(value: Value, lang: str) -> str:
    """A value in a table cell: a number as the framework writes it, yes/no, a dash for none."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    return _minus(num(value, lang))


def explained_rows(fw: Framework, ex: AreaExplained, lang: str) -> list[dict[str, str]]:
    """The explanation as table rows: the indicator, its rule in words, the area's value,
    the level it meets and the levels its estates meet, then each estate's value (one column
    per estate, last: they may run past a narrow screen). When a rule weighs by
    factories, a first row gives each estate's factory count."""
    col = {k: t(f"area.explain.col_{k}", lang) for k in ("code", "indicator", "rule", "area", "level", "estates")}
    names = [e.name(lang) for e in ex.estates]
    # Two estates with one name would share a column: tell them apart by code.
    heads = [n if names.count(n) == 1 else f"{n} ({e.code})" for n, e in zip(names, ex.estates, strict=True)]
    rows: list[dict[str, str]] = []
    if ex.weighted:
        rows.append({col["code"]: "", col["indicator"]: t("area.explain.factories", lang), col["rule"]: "",
                     col["area"]: _cell(sum(f or 0 for f in ex.factories), lang), col["level"]: "", col["estates"]: "",
                     **{h: _cell(f, lang) for h, f in zip(heads, ex.factories, strict=True)}})
    for item in ex.indicators:
        ind = fw.indicator(item.code)
        levels = item.reported
        span = "–" if not levels else str(min(levels)) if min(levels) == max(levels) else f"{min(levels)}–{max(levels)}"
        rows.append({
            col["code"]: item.code,
            col["indicator"]: ind.name(lang),
            col["rule"]: t(f"method.aggregation.{item.rule}.name", lang),
            col["area"]: "–" if item.area_value is None else _minus(value_text(ind, item.area_value, lang)),
            col["level"]: level_column(fw, item.area_level, lang),
            col["estates"]: span,
            **{h: _cell(v, lang) for h, v in zip(heads, item.estate_values, strict=True)},
        })
    return rows


def explain_text(fw: Framework, ex: AreaExplained, lang: str) -> list[str]:
    """The explanation in sentences (Markdown-safe: names are escaped): why the area's score
    is not its estates' mean, which indicators the combining lifts or lowers, and how the
    levels in the table make the score."""
    row = ex.row
    score = num(row.overall_score, lang)  # two decimals, as the score card shows it
    scores = [e.overall_score for e in ex.estates]
    out = [t("area.explain.intro", lang, n=len(scores),
             low=num(min(scores), lang) if scores else "–", high=num(max(scores), lang) if scores else "–")]
    rules = dict.fromkeys(i.rule for i in ex.indicators)  # those in use, in the framework's order
    out.append("\n".join([t("area.explain.rules", lang), *(
        f"- **{t(f'method.aggregation.{r}.name', lang)}**: {t(f'method.aggregation.{r}.text', lang)}" for r in rules)]))
    names = {i.code: md_escape(f"{i.code} {fw.indicator(i.code).name(lang)}") for i in ex.indicators}
    if ex.lifted:
        out.append(t("area.explain.lifted", lang, n=len(ex.lifted), total=len(ex.indicators),
                     indicators=", ".join(names[c] for c in ex.lifted)))
    if ex.lowered:
        out.append(t("area.explain.lowered", lang, n=len(ex.lowered),
                     indicators=", ".join(names[c] for c in ex.lowered)))
    dims = ", ".join(f"{md_escape(d.name(lang))} {num(row.dimension_scores.get(d.key), lang)}" for d in fw.dimensions)
    out.append(t("area.explain.score", lang, score=score, dimensions=dims, col=t("area.explain.col_level", lang)))
    return out


