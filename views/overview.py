"""Overview / ภาพรวม: KPIs of the selected fiscal year, the map, the ranking of areas against
last year, the areas closest to their next level, the ladder and the levels over the years.
Clicking an area (map marker or ranking row) opens its Area page. Thin: reads cached page
models and figures, draws."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecocity.core.gap import gap_items
from ecocity.core.text import describe_gap_item
from ecocity.core.textsafe import md_escape
from ecocity.i18n import bilingual, fmt_number, fy_label, region_label, t
from ecocity.ui import figures, filters, readers, widgets
from ecocity.ui.export_widgets import export_buttons
from ecocity.ui.lang import current_lang
from ecocity.ui.routes import Target, target_from_row, target_from_selection

lang = current_lang()
url, token, fw, registry, areas, estates, years = readers.page_data()
f = filters.sidebar(lang, years, registry.regions, fw)

st.title(t("app.overview.title", lang))


def _registry() -> None:
    """No assessment yet: the registry's areas and their estates, on the map and listed."""
    st.plotly_chart(figures.registry_map(url, token, lang), key="overview_map_empty", theme=None,
                    config=figures.CONFIG)
    rows = [{t("app.overview.col_area", lang): a.name(lang),
             t("app.overview.col_province", lang): bilingual(lang, a.province_th, a.province_en),
             t("app.overview.col_region", lang): region_label(a.region, lang),
             t("app.overview.col_estates", lang): len(a.estates)} for a in registry.areas]
    widgets.table(rows, hide_index=True, key="overview_areas")
    for a in registry.areas:
        with st.expander(t("app.overview.estates_of", lang, area=md_escape(a.name(lang))), key=f"area_{a.code}"):
            if a.estates:
                st.markdown("\n".join(f"- {md_escape(e.name(lang))}" for e in a.estates))
            else:
                st.caption(t("app.overview.no_estates", lang))


def _change(m) -> str:
    """"▲ ขึ้น 1 ระดับ · +0.35": the level's move and the score's, against last year."""
    if m.change == "new":
        return t("overview.change.new", lang)
    level = t("overview.change.same", lang) if m.change == "same" else t(
        f"overview.change.{m.change}", lang, n=abs(m.level_delta))
    return f"{level} · {m.score_delta:+.2f}"


def _ranking(model) -> None:
    st.subheader(t("overview.ranking.title", lang, year=model.year))
    if not model.ranking:
        st.info(t("overview.no_match", lang))
        return
    st.caption(t("overview.ranking.hint", lang))
    cols = {k: t(f"overview.ranking.{k}", lang) for k in ("area", "level", "score", "change")}
    table = pd.DataFrame([{
        cols["area"]: m.row.name(lang),
        cols["level"]: fw.level(m.row.level).name(lang),
        cols["score"]: round(m.row.overall_score, 2),
        cols["change"]: _change(m),
    } for m in model.ranking])
    colour = {fw.level(m.row.level).name(lang): fw.level(m.row.level).colour for m in model.ranking}

    def paint(v: str) -> str:
        c = colour.get(v)
        return f"background-color: {c}; color: {widgets.text_on(c)}; font-weight: 600" if c else ""

    def arrow(v: str) -> str:
        if v.startswith("▲"):
            return "color: #1B7F3B; font-weight: 600"
        if v.startswith("▼"):
            return "color: #B3261E; font-weight: 600"
        return ""

    styled = table.style.map(paint, subset=[cols["level"]]).map(arrow, subset=[cols["change"]])
    event = widgets.table(styled, hide_index=True, key="ranking", on_select="rerun", selection_mode="single-row",
                         width="stretch", column_config={  # widths: every column fits a half page
                             cols["area"]: st.column_config.TextColumn(width=160 if lang == "th" else 180),
                             cols["level"]: st.column_config.TextColumn(width=138 if lang == "th" else 116),
                             cols["score"]: st.column_config.NumberColumn(format="%.2f", width=60),
                             cols["change"]: st.column_config.TextColumn(width=118 if lang == "th" else 112)})
    target = target_from_row("area", [m.row.code for m in model.ranking], event)
    if target:
        filters.go(target)


def _closest(model) -> None:
    st.subheader(t("overview.closest.title", lang))
    if not model.closest:
        st.caption(t("overview.closest.none", lang))
        return
    for col, row in zip(st.columns(3), model.closest, strict=False):
        items = gap_items(row)
        box = col.container(border=True, key=f"closest_{row.code}", height="stretch")
        box.markdown(t("overview.closest.head", lang, area=md_escape(row.name(lang)), level=fw.level(row.level).name(lang),
                       next=fw.level(row.level + 1).name(lang), n=len(items)))
        box.markdown("\n".join(f"- {describe_gap_item(fw, g, lang)}" for g in items[:2])
                     + ("\n- " + t("overview.closest.more", lang, n=len(items) - 2) if len(items) > 2 else ""))
        filters.link(Target("area", row.code), t("overview.closest.open", lang), icon=":material/arrow_forward:",
                     container=box)


if f.year is None:
    st.caption(t("app.overview.intro", lang))
    widgets.show_empty_state(lang)
    _registry()
else:
    model = readers.overview(url, token, f.year, f.region, f.levels, lang)
    figs = figures.overview(url, token, f.year, f.region, f.levels, lang)
    scope = [fy_label(f.year, lang), region_label(f.region, lang) if f.region else t("filters.all_regions", lang)]
    if f.levels:
        scope.append(", ".join(fw.level(n).name(lang) for n in f.levels))
    st.caption(" · ".join(scope))
    if readers.data_state(url, token).only_sample:
        st.info(t("app.overview.sample_notice", lang), icon=":material/science:")

    k = model.kpis
    widgets.show_cards([
        widgets.Card(t("overview.kpi.areas", lang), f"{k.areas_assessed} / {k.areas_total}",
                     help=t("overview.kpi.areas_help", lang)),
        widgets.Card(t("overview.kpi.estates", lang), f"{k.estates_submitted} / {k.estates_total}",
                     help=t("overview.kpi.estates_help", lang)),
        widgets.Card(t("overview.kpi.completeness", lang),
                     "–" if k.completeness is None else f"{fmt_number(k.completeness * 100, lang)}%",
                     help=t("overview.kpi.completeness_help", lang)),
        widgets.Card(t("overview.kpi.champion", lang), f"{k.at_target} / {k.areas_assessed}",
                     help=t("overview.kpi.champion_help", lang)),
    ])

    left, right = st.columns([5, 7.5], gap="large")
    with left:
        event = st.plotly_chart(figs["map"], key="overview_map", on_select="rerun", selection_mode="points",
                                theme=None, config=figures.CONFIG)
        st.caption(t("overview.map_hint", lang))
        target = target_from_selection(event)
        if target and target.kind in ("area", "estate"):
            filters.go(target)
    with right:
        _ranking(model)
        st.plotly_chart(figs["ladder"], key="overview_ladder", theme=None, config=figures.CONFIG)

    _closest(model)
    st.plotly_chart(figs["distribution"], key="overview_distribution", theme=None, config=figures.CONFIG)
    export_buttons(f.year, f"region:{f.region}" if f.region else "country", lang, key="overview_export")

with st.expander(t("app.about.title", lang), icon=":material/info:", key="about_data"):
    st.markdown(t("app.about.body", lang))
