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
from ecocity.i18n import bilingual, fy_label, region_label, t
from ecocity.pagemodels.overview import share_text
from ecocity.ui import figures, filters, presentation, readers, targets, widgets
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


# The ranking beside the ladder only where its columns fit (about 660 px for the longest
# English area name): below that the two stack and the ranking takes the page's width.
RANK_ROW_CSS = """<style>
.st-key-overview_rank_row {container-type: inline-size;}
@container (max-width: 1100px) {
  .st-key-overview_rank_row [data-testid="stHorizontalBlock"] {flex-wrap: wrap;}
  .st-key-overview_rank_row [data-testid="stColumn"] {flex: 1 1 100% !important; min-width: 100%;}
}
</style>"""


def _targets() -> None:
    """Each area's target: on track, at risk or off track at its present pace (an estimate)."""
    checks = readers.target_checks(url, token, targets.this_fiscal_year())
    shown = [a for a in registry.areas if a.code in checks and (not f.region or a.region == f.region)]
    if not shown:
        return
    with st.container(border=True, key="overview_targets"):
        st.subheader(t("targets.title", lang))
        st.caption(t("targets.page.overview_intro", lang))
        for a in shown:
            check = checks[a.code]
            name, status = st.columns([2, 5], vertical_alignment="center")
            with name:
                filters.link(Target("area", a.code), md_escape(a.name(lang)))
                targets.badge(check, lang)
            status.markdown(targets.line(fw, check, lang))


def _ranking(model) -> None:
    st.subheader(t("overview.ranking.title", lang, year=model.year))
    if not model.ranking:
        st.info(t("overview.no_match", lang))
        return
    if not presentation.requested():  # the hint says to click a row
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
    if presentation.requested():
        # Projected: an HTML table, so the large type applies and long names wrap; rows are
        # not clickable there (the map still opens an area).
        st.table(styled.format({cols["score"]: "{:.2f}"}).hide(axis="index"))
        return
    # Every column as wide as its longest text (level and change are bold), so no name is cut;
    # the table grows to its box, and takes the page's width where the row is too narrow
    # for it beside the ladder (RANK_ROW_CSS).
    width = {c: widgets.column_width(c, table[c], weight=600 if c in (cols["level"], cols["change"]) else 400)
             for c in (cols["area"], cols["level"], cols["change"])}
    event = widgets.table(styled, hide_index=True, key="ranking", on_select="rerun", selection_mode="single-row",
                          width="stretch", column_config={
                              cols["area"]: st.column_config.TextColumn(width=width[cols["area"]]),
                              cols["level"]: st.column_config.TextColumn(width=width[cols["level"]]),
                              cols["score"]: st.column_config.NumberColumn(format="%.2f", width=64),
                              cols["change"]: st.column_config.TextColumn(width=width[cols["change"]])})
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
                     share_text(k.completeness, lang),
                     help=t("overview.kpi.completeness_help", lang)),
        widgets.Card(t("overview.kpi.champion", lang), f"{k.at_target} / {k.areas_assessed}",
                     help=t("overview.kpi.champion_help", lang)),
    ])

    # The map across the page: the country and, beside it, the crowded east enlarged.
    event = st.plotly_chart(figs["map"], key="overview_map", on_select="rerun", selection_mode="points",
                            theme=None, config=figures.CONFIG)
    st.caption(t("overview.map_hint", lang))
    target = target_from_selection(event)
    if target and target.kind in ("area", "estate"):
        filters.go(target)
    st.html(RANK_ROW_CSS)
    left, right = st.container(key="overview_rank_row").columns([7.5, 5], gap="large")
    with left:
        _ranking(model)
    with right:
        st.plotly_chart(presentation.for_screen(figs["ladder"]), key="overview_ladder", theme=None,
                        config=figures.CONFIG)

    _closest(model)
    _targets()
    st.plotly_chart(presentation.for_screen(figs["distribution"]), key="overview_distribution", theme=None,
                    config=figures.CONFIG)
    export_buttons(f.year, f"region:{f.region}" if f.region else "country", lang, key="overview_export")

with st.expander(t("app.about.title", lang), icon=":material/info:", key="about_data"):
    st.markdown(t("app.about.body", lang))
