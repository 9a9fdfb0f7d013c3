"""Words an executive reads aloud: the gap to the next level as sentences, in Thai or English."""

from __future__ import annotations

from ecocity.core.framework import Framework, Indicator, Value
from ecocity.core.scoring import GapItem, indicator_level
from ecocity.i18n import fmt_number, t


def with_unit(ind: Indicator, number: str, lang: str = "th") -> str:
    """``number`` followed by the indicator's unit: "26 เรื่อง/ปี", "85 %", "4.2 (คะแนน 1-5)".
    A score's unit is its scale, which reads wrongly right after a number ("4.2 1-5")."""
    unit = ind.unit(lang)
    if not unit or unit == "-" or ind.is_yesno:
        return number
    if ind.kind == "score":
        return f"{number} " + t("common.score_scale", lang, scale=unit)
    return f"{number} {unit}"


def value_text(ind: Indicator, value: Value, lang: str = "th", *, exact: bool = False) -> str:
    """A value in words with its unit; "ไม่มีข้อมูล" when missing, "ใช่"/"ไม่ใช่" for yes/no.
    ``exact`` keeps every digit read (previews of an upload), else up to two decimals."""
    if value is None:
        return t("common.missing", lang)
    if isinstance(value, bool):
        return t("common.yes" if value else "common.no", lang)
    number = f"{float(value):,.10g}" if exact else fmt_number(value, lang, digits=2)
    return with_unit(ind, number, lang)


def describe_gap_item(fw: Framework, item: GapItem, lang: str = "th") -> str:
    """"จำนวนเรื่องร้องเรียนด้านสิ่งแวดล้อม 26 → ไม่เกิน 25 เรื่อง/ปี"."""
    ind = fw.indicator(item.code)
    if item.direction == "yes":
        return t("gap.must_be_yes", lang, name=ind.name(lang), current=value_text(ind, item.current, lang))
    key = "gap.at_least" if item.direction == "higher" else "gap.at_most"
    current = t("common.missing", lang) if item.current is None else fmt_number(item.current, lang, digits=2)
    target = with_unit(ind, fmt_number(item.target, lang, digits=2), lang)
    return t(key, lang, name=ind.name(lang), current=current, target=target)


def describe_reason(fw: Framework, item: GapItem, lang: str = "th") -> str:
    if item.reason == "required":
        return t("gap.required", lang)
    return t("gap.dimension", lang, dimension=fw.dimension(item.dimension).name(lang))


def threshold_text(ind: Indicator, level: int, lang: str, *, unit: bool = False) -> str:
    """What meeting ``level`` takes: "≥ 20", "≤ 25" (with the unit when asked), or "yes"."""
    if ind.is_yesno:
        return t("method.yes_meets", lang)
    sign = "≥" if ind.direction == "higher" else "≤"
    number = num(ind.threshold(level), lang)
    return f"{sign} " + (with_unit(ind, number, lang) if unit else number)


def num(x: float | None, lang: str) -> str:
    """A threshold or value as written in the framework: up to two decimals, no trailing
    zeros ("0.5", "25", "1,234.25")."""
    return fmt_number(x, lang, digits=2)


def level_column(fw: Framework, level: int, lang: str) -> str:
    """Column heading of a level's threshold: "3 · Eco-Excellence"."""
    return f"{level} · {fw.level(level).name(lang)}"


def next_threshold_text(fw: Framework, ind: Indicator, value: Value, lang: str) -> str:
    """What the indicator needs for its own next level: "≤ 25 cases/yr → level 4";
    "needs a value" when missing; "top level reached" at the top."""
    if value is None:
        return t("detail.needs_value", lang)
    lv = indicator_level(ind, value, fw.top_level)
    if lv >= fw.top_level:
        return t("detail.at_top", lang)
    if ind.is_yesno:
        return t("detail.needs_yes", lang, level=lv + 1)
    return t("detail.needs", lang, threshold=threshold_text(ind, lv + 1, lang, unit=True), level=lv + 1)
