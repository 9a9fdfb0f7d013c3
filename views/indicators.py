"""Indicators / ตัวชี้วัด: one indicator (or a whole dimension) across estates or areas in
the selected fiscal year and region: a ranking (click opens the entity), its trend over the
fiscal years with the level thresholds, and a heatmap of dimension scores across areas
(click opens the area). Thin: ecocity.pagemodels.indicators builds the models, ecocity.ui.detail_readers caches them."""

from __future__ import annotations

import streamlit as st

from ecocity.core.text import level_column, threshold_text
from ecocity.core.textsafe import md_escape
from ecocity.i18n import fy_label, region_label, t
from ecocity.pagemodels import indicators
from ecocity.pagemodels.rows import filter_rows, for_year
from ecocity.ui import detail_readers, figures, filters, readers, widgets
from ecocity.ui.lang import current_lang
from ecocity.ui.routes import Target, script, target_from_selection

SUBJECT, KIND = "indicators_subject", "indicators_kind"  # widget keys

lang = current_lang()
url, token, fw, registry, area_rows, estate_rows, years = readers.page_data()
f = filters.sidebar(lang, years, registry.regions, fw, show=(filters.YEAR, filters.REGION))

options = [s.key for s in indicators.subjects(fw)]
key = filters.page_param("indicator", options) or fw.indicators[0].code
subject = indicators.subject_of(fw, key)

st.title(t("indicators.title", lang))
st.caption(t("indicators.intro", lang))


def _picked() -> None:
    filters.remember("indicator", st.session_state[SUBJECT])


st.session_state[SUBJECT] = key
left, right = st.columns([3, 1], vertical_alignment="bottom")
left.selectbox(t("indicators.pick", lang), options, key=SUBJECT,
               format_func=lambda k: indicators.subject_label(fw, indicators.subject_of(fw, k), lang), on_change=_picked)
if st.session_state.get(KIND) not in ("area", "estate"):
    st.session_state[KIND] = "area"
kind = right.segmented_control(t("indicators.kind", lang), ["area", "estate"], key=KIND, required=True,
                               format_func=lambda k: t(f"indicators.kind_{k}", lang)) or "area"

# What the indicator is, in one line, from the framework file.
if subject.kind == "indicator":
    ind = fw.indicator(subject.key)
    steps = " · ".join(f"{lv.number}: {threshold_text(ind, lv.number, lang)}" for lv in fw.levels[1:])
    facts = [fw.dimension(ind.dimension).name(lang), t(f"method.kind.{ind.kind}", lang)]
    if not ind.is_yesno:
        facts.append(t(f"indicators.better_{ind.direction}", lang))
        if ind.unit(lang) not in ("", "-"):
            facts.append(t("indicators.unit", lang, unit=ind.unit(lang)))
    facts.append(t("indicators.area_rule", lang, rule=t(f"method.aggregation.{ind.aggregation}.name", lang)))
    if ind.required_from:
        facts.append(t("indicators.required", lang, level=level_column(fw, ind.required_from, lang)))
    st.markdown(" · ".join(facts))
    st.caption(t("indicators.thresholds", lang, steps=steps))
else:
    inds = fw.indicators_of(subject.key)
    st.markdown(t("indicators.dimension_facts", lang, n=len(inds), codes=", ".join(i.code for i in inds)))
st.page_link(script("method"), label=t("indicators.method_link", lang), icon=":material/menu_book:",
             query_params={"lang": lang})

if f.year is None:
    widgets.show_empty_state(lang)
    st.stop()

scope = [fy_label(f.year, lang), region_label(f.region, lang) if f.region else t("filters.all_regions", lang)]
st.caption(" · ".join(scope))
if readers.data_state(url, token).only_sample:
    st.info(t("app.overview.sample_notice", lang), icon=":material/science:")

rows = area_rows if kind == "area" else estate_rows
is_yesno = subject.kind == "indicator" and fw.indicator(subject.key).is_yesno
model = detail_readers.indicator_ranking(url, token, kind, key, f.year, f.region, lang)
shown = for_year(filter_rows(rows, region=f.region), f.year)

# ----------------------------------------------------------------------------- ranking
st.header(t(f"indicators.ranking_{kind}", lang), divider="green")
if not shown:
    st.info(t("indicators.no_rows", lang, year=fy_label(f.year, lang)))
elif is_yesno:
    yes_col, no_col = st.columns(2)
    yes_col.markdown(f"**{t('indicators.answer_yes', lang, n=len(model.yes))}**")
    yes_col.markdown("\n".join(f"- {md_escape(r.name(lang))}" for r in model.yes) or "–")
    no_col.markdown(f"**{t('indicators.answer_no', lang, n=len(model.no))}**")
    no_col.markdown("\n".join(f"- {md_escape(r.name(lang))}" for r in model.no) or "–")
else:
    fig = detail_readers.ranking_figure(url, token, kind, key, f.year, f.region, lang)
    if fig is not None:
        st.caption(t("indicators.ranking_hint", lang)
                   + (" " + t("indicators.lower_first", lang) if model.lower_is_better else ""))
        event = st.plotly_chart(fig, key="indicators_ranking", on_select="rerun", selection_mode="points",
                                theme=None, config=figures.CONFIG)
        target = target_from_selection(event)
        if target and target.kind in ("area", "estate"):
            filters.go(target)
if shown and model.missing:
    st.caption(t("indicators.missing", lang, names=", ".join(md_escape(r.name(lang)) for r in model.missing)))

# ----------------------------------------------------------------------------- trend
st.header(t("indicators.trend_heading", lang), divider="green")
codes: tuple[str, ...] = ()
if not is_yesno:
    # Every entity that has the indicator in some year of the region; the year's best first.
    # The chosen ones are drawn in colour over the others in grey.
    in_region = filter_rows(rows, region=f.region)
    names = {r.code: r.name(lang) for r in in_region}
    ranked = [r.code for r in model.ranked]
    choices = ranked + sorted((c for c in names if c not in ranked), key=lambda c: names[c])
    trend_key = f"indicators_trend_{kind}_{f.region or 'all'}"
    if trend_key not in st.session_state:
        st.session_state[trend_key] = indicators.default_highlight(model.ranked)
    else:
        st.session_state[trend_key] = [c for c in st.session_state[trend_key] if c in names]
    codes = tuple(st.multiselect(t(f"indicators.trend_pick_{kind}", lang), choices, key=trend_key,
                                 format_func=lambda c: names.get(c, c)))
fig = detail_readers.trend_figure(url, token, kind, key, f.region, codes, lang)
if fig is not None:
    st.plotly_chart(fig, key="indicators_trend", theme=None, config=figures.CONFIG)
    hints = [] if is_yesno else [t("indicators.trend_hint_pick", lang)]
    if indicators.thresholds(fw, subject, lang):
        hints.append(t("indicators.trend_hint", lang))
    if hints:
        st.caption(" ".join(hints))
else:
    st.caption(t("indicators.trend_none_picked", lang))

# ----------------------------------------------------------------------------- heatmap
st.header(t("indicators.heatmap_heading", lang), divider="green")
heat = detail_readers.heatmap_figure(url, token, f.year, f.region, lang)
if heat is not None:
    st.caption(t("indicators.heatmap_hint", lang))
    event = st.plotly_chart(heat, key="indicators_heatmap", on_select="rerun", selection_mode="points",
                            theme=None, config=figures.CONFIG)
    target = target_from_selection(event)
    if target and target.kind == "area":
        filters.go(Target("area", target.code))
else:
    st.info(t("indicators.no_areas", lang, year=fy_label(f.year, lang)))
