"""Area / พื้นที่: one area's level and its place on the path Eco-Champion -> Happiness, what
it needs to reach the next level (read aloud, with the estates pulling each indicator
down), the Happiness estimate, dimension scores against last year, its history and its
estates (click opens the estate). The area comes from ?area= or the selectbox. Thin: reads
cached page models and figures, draws."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecocity.core.review import sets_targets
from ecocity.core.text import level_column
from ecocity.core.textsafe import md_escape
from ecocity.i18n import bilingual, fmt_number, fy_label, region_label, t
from ecocity.pagemodels.area import explain_area, explain_text, explained_rows
from ecocity.pagemodels.overview import share_text
from ecocity.pagemodels.rows import best_first
from ecocity.ui import auth, detail_readers, figures, filters, readers, targets, whatif, widgets
from ecocity.ui.export_widgets import export_buttons
from ecocity.ui.lang import current_lang
from ecocity.ui.routes import script, target_from_row, target_from_selection

PICK = "area_pick"  # the selectbox's key (test id .st-key-area_pick)

lang = current_lang()
url, token, fw, registry, areas, estates, years = readers.page_data()
f = filters.sidebar(lang, years, registry.regions, fw, show=(filters.YEAR,))

if not registry.areas:
    st.title(t("app.nav.area", lang))
    st.info(t("app.overview.no_areas", lang))
    st.stop()

codes = [a.code for a in registry.areas]
names = {a.code: a.name(lang) for a in registry.areas}


def _default() -> str:
    """The best-ranked area of the fiscal year, else the registry's first."""
    this = best_first(r for r in areas if r.fiscal_year == f.year)
    return this[0].code if this else codes[0]


def _on_pick() -> None:
    filters.remember("area", st.session_state[PICK])


code = filters.page_param("area", codes) or _default()
filters.remember("area", code)
st.session_state[PICK] = code
st.sidebar.selectbox(t("area.pick", lang), codes, key=PICK, format_func=names.__getitem__, on_change=_on_pick)

m = readers.area(url, token, code, f.year, targets.this_fiscal_year())
info = m.info
st.title(md_escape(info.name(lang)))
province = bilingual(lang, info.province_th, info.province_en)
st.caption(" · ".join(x for x in (t("area.province", lang, name=md_escape(province)), region_label(info.region, lang),
                                  fy_label(f.year, lang) if f.year else "") if x))

if f.year is None:
    widgets.show_empty_state(lang)
    st.stop()
if readers.data_state(url, token).only_sample:
    st.info(t("app.overview.sample_notice", lang), icon=":material/science:")

figs = figures.area(url, token, code, f.year, lang)
row = m.row

if row is None:
    if m.years:
        st.info(t("area.no_data_year", lang, year=f.year, years=", ".join(str(y) for y in m.years)),
                icon=":material/event_busy:")
    else:
        st.info(t("area.no_data", lang), icon=":material/event_busy:")
else:
    # 1. Where it stands: the level on the path, and the headline numbers.
    last = m.last
    delta = "" if last is None or last.level == row.level else " &nbsp; " + t(
        "area.level_delta", lang, sign="+" if row.level > last.level else "−", n=abs(row.level - last.level))
    st.markdown(f"{t('area.level_now', lang)} &nbsp; {widgets.badge_html(fw, row.level, lang, big=True)}{delta}",
                unsafe_allow_html=True)
    with st.container(key="area_path"):
        widgets.show_path(fw, row.level, lang)
    n_est = len(info.estates)
    widgets.show_cards([
        widgets.Card(t("area.kpi.score", lang), fmt_number(row.overall_score, lang, digits=2),
                     delta=None if last is None or abs(row.overall_score - last.overall_score) < 0.005
                     else f"{row.overall_score - last.overall_score:+.2f}",
                     help=t("area.kpi.score_help", lang)),
        widgets.Card(t("area.kpi.to_fix", lang), "–" if row.level >= fw.top_level else str(len(m.gap)),
                     help=t("area.kpi.to_fix_help", lang)),
        widgets.Card(t("area.kpi.completeness", lang), share_text(row.completeness, lang)),
        widgets.Card(t("area.kpi.estates", lang), f"{len(m.estates)} / {n_est}",
                     help=t("area.kpi.estates_help", lang)),
    ], key="area_kpis")

    # Why this score: the area is scored on values combined from its estates', not on their scores.
    # Its content is built only while it is open (opening it reruns the page): built while
    # closed, its styled table cost every rerun of this page, each year change included.
    explain = st.expander(t("area.explain.title", lang, score=fmt_number(row.overall_score, lang, digits=2)),
                          icon=":material/calculate:", key="area_explain", on_change="rerun") if m.estates else None
    if explain is not None and explain.open:
        # Each estate's counted version: the current one, or (read with data not yet reviewed)
        # the newest, waiting for review, where the row says so.
        factories = {e.code: next((v.factories for v in detail_readers.versions(url, token, e.code, f.year)
                                   if (v.status == "pending" if e.pending else v.is_current)), None)
                     for e in m.estates}
        explained = explain_area(fw, row, m.estates, factories)
        with explain:
            st.markdown("\n\n".join(explain_text(fw, explained, lang)))
            rows = explained_rows(fw, explained, lang)
            level_col, first = t("area.explain.col_level", lang), [t(f"area.explain.col_{k}", lang)
                                                                  for k in ("code", "indicator")]
            paint = {level_column(fw, lv.number, lang): lv.colour for lv in fw.levels}
            styled = pd.DataFrame(rows).style.map(
                lambda v: f"background-color: {paint[v]}; color: {widgets.text_on(paint[v])}" if v in paint else "",
                subset=[level_col])
            widgets.table(styled, hide_index=True, key="area_explain_table", height=35 * (len(rows) + 1) + 3,
                          column_config={first[0]: st.column_config.TextColumn(pinned=True, width=70),
                                         first[1]: st.column_config.TextColumn(pinned=True, width=240)})

    # 2. What it needs to reach the next level (the executive's first question).
    with st.container(border=True, key="area_gap"):
        if row.level >= fw.top_level:
            st.subheader(t("area.gap.top_title", lang))
            st.markdown(t("gap.empty_top", lang))
        else:
            nxt = fw.level(row.level + 1).name(lang)
            st.subheader(t("area.gap.title", lang, level=nxt))
            st.caption(t("area.gap.intro", lang, n=len(m.gap), level=nxt))
            st.markdown(widgets.gap_markdown(fw, m.gap, lang))

    # 3. When it could reach Happiness: an estimate, labelled as one.
    with st.container(border=True, key="area_forecast"):
        title = "area.forecast_reached" if m.forecast.status == "reached" else "area.forecast_title"
        st.markdown(f"**{t(title, lang, level=fw.level(fw.top_level).name(lang))}**")
        st.markdown(widgets.forecast_text(m.forecast, fw, lang))

    # 4. The area's target: on track or not at its present pace (an estimate).
    check = readers.target_checks(url, token, targets.this_fiscal_year()).get(code)
    actor = auth.run_actor()
    with st.container(border=True, key="area_target"):
        head, edit = st.columns([5, 2], vertical_alignment="center")
        with head:
            if check is None:
                st.markdown(f"**{t('targets.title', lang)}** · {t('targets.page.none', lang)}")
            else:
                targets.badge(check, lang)
                st.markdown(targets.line(fw, check, lang))
        if sets_targets(actor, code):
            with edit:
                targets.form(fw, actor, url, code, check, lang)

    # 5. What if: other values tried on the area's combined values, never stored.
    whatif.show(fw, row.values, lang, key="area_whatif")

    left, right = st.columns(2, gap="large")
    left.plotly_chart(figs["dimensions"], key="area_dimensions", theme=None, config=figures.CONFIG)
    right.plotly_chart(figs["history"], key="area_history", theme=None, config=figures.CONFIG)

# 6. Its estates this year (click a bar or a row to open the estate).
st.subheader(t("area.estates_title", lang, year=f.year))
if m.estates:
    st.caption(t("area.estates_hint", lang))
    event = st.plotly_chart(figs["estates"], key="area_estates_chart", on_select="rerun",
                            selection_mode="points", theme=None, config=figures.CONFIG)
    target = target_from_selection(event)
    if target and target.kind == "estate":
        filters.go(target)
    cols = {k: t(f"area.estates.{k}", lang) for k in ("estate", "level", "score", "completeness")}
    table = pd.DataFrame([{cols["estate"]: e.name(lang), cols["level"]: fw.level(e.level).name(lang),
                           cols["score"]: round(e.overall_score, 2),
                           cols["completeness"]: round(e.completeness * 100)} for e in m.estates])
    colour = {fw.level(e.level).name(lang): fw.level(e.level).colour for e in m.estates}
    styled = table.style.map(lambda v: f"background-color: {colour[v]}; color: {widgets.text_on(colour[v])};"
                             " font-weight: 600" if v in colour else "", subset=[cols["level"]])
    event = widgets.table(styled, hide_index=True, key="area_estates", on_select="rerun",
                         selection_mode="single-row", width="stretch", column_config={
                             cols["score"]: st.column_config.NumberColumn(format="%.2f"),
                             cols["completeness"]: st.column_config.ProgressColumn(
                                 format="%d%%", min_value=0, max_value=100)})
    target = target_from_row("estate", [e.code for e in m.estates], event)
    if target:
        filters.go(target)
else:
    st.caption(t("area.estates_none", lang))
if m.silent:
    st.caption(t("area.silent", lang, estates=", ".join(md_escape(e.name(lang)) for e in m.silent)))

if row is None and "history" in figs:
    st.plotly_chart(figs["history"], key="area_history", theme=None, config=figures.CONFIG)

export_buttons(f.year, f"area:{code}", lang, key="area_export")

with st.expander(t("area.how.title", lang), icon=":material/help:", key="area_how"):
    st.markdown(t("area.how.body", lang, share=fmt_number(fw.pass_share * 100, lang)))
    st.page_link(script("method"), label=t("area.how.link", lang), icon=":material/menu_book:",
                 query_params={"lang": lang})
