"""Words an executive reads aloud: the gap to the next level as sentences, in Thai or English."""

from __future__ import annotations

from ecocity.framework import Framework
from ecocity.i18n import fmt_number, t
from ecocity.scoring import GapItem


def describe_gap_item(fw: Framework, item: GapItem, lang: str = "th") -> str:
    """"จำนวนเรื่องร้องเรียนด้านสิ่งแวดล้อม 26 → ไม่เกิน 25 เรื่อง/ปี"."""
    ind = fw.indicator(item.code)
    current = t("common.missing", lang) if item.current is None else fmt_number(item.current, lang)
    if item.direction == "yes":
        return t("gap.must_be_yes", lang, name=ind.name(lang), current=current)
    key = "gap.at_least" if item.direction == "higher" else "gap.at_most"
    unit = ind.unit(lang)
    return t(key, lang, name=ind.name(lang), current=current,
             target=fmt_number(item.target, lang, digits=2), unit="" if unit == "-" else unit).rstrip()


def describe_reason(fw: Framework, item: GapItem, lang: str = "th") -> str:
    if item.reason == "required":
        return t("gap.required", lang)
    return t("gap.dimension", lang, dimension=fw.dimension(item.dimension).name(lang))
