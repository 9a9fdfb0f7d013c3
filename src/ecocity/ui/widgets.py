"""Shared drawing helpers for pages: level badge, the path from Eco-Champion to Happiness, KPI
cards, the gap read aloud, the forecast, "no data yet". Text is built by pure functions, the
``show_*`` functions only draw it; colours come from the framework."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import streamlit as st

from ecocity.core.forecast import Forecast
from ecocity.core.framework import Framework
from ecocity.core.gap import GapLine
from ecocity.core.text import describe_gap_item
from ecocity.core.textsafe import md_escape, neutralise_table
from ecocity.i18n import fmt_number, t
from ecocity.pagemodels.charts import INK, MUTED, _text_on
from ecocity.ui.routes import script

PATH_FROM = 2  # the headline path starts at Eco-Champion
PALE = "#F1F4F2"


def text_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour``."""
    return _text_on(colour)


def badge_html(fw: Framework, level: int | None, lang: str, *, big: bool = False) -> str:
    """A pill in the level's colour naming the level ("ไม่มีข้อมูล" when None)."""
    if level is None:
        colour, text = PALE, t("common.no_data", lang)
    else:
        colour, text = fw.level(level).colour, fw.level(level).name(lang)
    size = "1.15rem" if big else "0.9rem"
    return (f'<span class="eco-badge" style="background:{colour};color:{_text_on(colour)};'
            f'padding:0.2em 0.75em;border-radius:1em;font-weight:600;font-size:{size};'
            f'white-space:nowrap;border:1px solid rgba(0,0,0,0.12)">{html.escape(text)}</span>')


def path_html(fw: Framework, level: int | None, lang: str) -> str:
    """The path Eco-Champion -> Happiness as steps: reached steps filled in their colour,
    the current one outlined and marked "you are here", the rest pale."""
    steps = []
    for lv in fw.levels:
        if lv.number < PATH_FROM:
            continue
        reached = level is not None and level >= lv.number
        current = level == lv.number
        bg = lv.colour if reached else PALE
        fg = _text_on(bg) if reached else MUTED
        border = f"3px solid {INK}" if current else "3px solid transparent"
        if current:
            state = "● " + t("widgets.you_are_here", lang)
        elif reached:
            state = "✓ " + t("widgets.passed", lang)
        elif level is not None and lv.number == level + 1:
            state = "→ " + t("widgets.next_step", lang)
        else:
            state = "&nbsp;"
        steps.append(
            f'<div style="flex:1;min-width:0;padding:0.55rem 0.75rem;border-radius:12px;background:{bg};'
            f'color:{fg};border:{border}">'
            f'<div style="font-size:0.8rem;opacity:0.9">{html.escape(t("widgets.level_n", lang, n=lv.number))}</div>'
            f'<div style="font-weight:700;font-size:1.05rem;line-height:1.3">{html.escape(lv.name(lang))}</div>'
            f'<div style="font-size:0.85rem">{state}</div></div>')
    arrow = f'<div style="align-self:center;color:{MUTED};font-size:1.4rem">›</div>'
    before = ""
    if level is not None and level < PATH_FROM:
        before = (f'<div style="margin-bottom:0.4rem;color:{MUTED}">'
                  f'{html.escape(t("widgets.before_path", lang, level=fw.level(level).name(lang)))}</div>')
    return (f'{before}<div class="eco-path" style="display:flex;gap:6px;align-items:stretch;'
            f'margin:0.25rem 0 0.75rem 0">{arrow.join(steps)}</div>')


def show_path(fw: Framework, level: int | None, lang: str) -> None:
    st.markdown(path_html(fw, level, lang), unsafe_allow_html=True)


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    delta_color: str = "normal"


def show_cards(cards: Sequence[Card], *, key: str = "kpis") -> None:
    """A row of KPI cards (bordered st.metric)."""
    box = st.container(key=key)
    cols = box.columns(len(cards))
    for col, c in zip(cols, cards, strict=True):
        col.metric(c.label, c.value, delta=c.delta, help=c.help, border=True,
                   delta_color=c.delta_color)  # type: ignore[arg-type]


def gap_markdown(fw: Framework, lines: Sequence[GapLine], lang: str) -> str:
    """The gap as bullet sentences an executive reads aloud, each with the estates that pull
    the indicator down."""
    out = []
    for line in lines:
        sentence = describe_gap_item(fw, line.item, lang)
        parts = [f"- **{sentence}**"]
        if line.estates:
            unit = fw.indicator(line.item.code).unit(lang) if fw.has_indicator(line.item.code) else "-"
            unit = "" if unit == "-" else f" {unit}"
            who = ", ".join(f"{md_escape(e.name(lang))} ({fmt_number(e.value, lang)}{unit})" for e in line.estates)
            parts.append(f"  \n  {t('widgets.pulled_down_by', lang, estates=who)}")
        if line.not_reported:
            who = ", ".join(md_escape(e.name(lang)) for e in line.not_reported)
            parts.append(f"  \n  {t('widgets.not_reported', lang, estates=who)}")
        out.append("".join(parts))
    return "\n".join(out)


def forecast_text(fc: Forecast, fw: Framework, lang: str) -> str:
    """One sentence, always labelled an estimate (or saying why there is none)."""
    top = fw.level(fc.target_level).name(lang)
    if fc.status == "reached":
        return t("widgets.forecast.reached", lang, level=top, year=fc.year)
    if fc.status == "estimate":
        return t("widgets.forecast.estimate", lang, level=top, year=fc.year,
                 slope=fmt_number(fc.slope, lang, digits=2), n=len(fc.years_used))
    return t(f"widgets.forecast.{fc.status}", lang, level=top, n=len(fc.years_used))


def show_empty_state(lang: str) -> None:
    """No data yet: where to upload, and how to load the sample data."""
    box = st.container(border=True, key="empty_state")
    box.markdown(f"### {t('widgets.empty.title', lang)}")
    box.markdown(t("widgets.empty.body", lang))
    box.page_link(script("upload"), label=t("widgets.empty.upload", lang), icon=":material/upload_file:",
                  query_params={"lang": lang})
    box.caption(t("widgets.empty.sample", lang))


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_downloads(key: str, csv: tuple[str, str, Callable[[], bytes | str]],
                    xlsx: tuple[str, str, Callable[[], bytes]]) -> None:
    """A CSV and an Excel download side by side, each ``(label, file name, builder)``; the
    files are built only when clicked, not on every rerun. ``key``: a widget key with
    ``{ext}`` in it ("audit_{ext}")."""
    with st.container(horizontal=True):
        for ext, (label, name, build), mime in (("csv", csv, "text/csv"), ("xlsx", xlsx, XLSX_MIME)):
            st.download_button(label, build, file_name=name, mime=mime, icon=":material/download:",
                               key=key.format(ext=ext), on_click="ignore")


def table(data: object, *, where: object = None, **kwargs: object) -> object:
    """``st.dataframe`` (or ``where.dataframe``, e.g. a keyed container) for every table a
    page shows: its toolbar exports CSV, so text a spreadsheet would run as a formula gets
    the apostrophe of ``textsafe.neutralise_formula`` here, once for all pages."""
    return (where or st).dataframe(neutralise_table(data), **kwargs)  # type: ignore[attr-defined]
