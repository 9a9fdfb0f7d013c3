"""Overview: the registry's areas with their estates, and each area's latest level once
assessments exist. Reads through cached readers, draws; no logic of its own."""

from __future__ import annotations

import streamlit as st

from ecocity.config import settings
from ecocity.framework import get_framework
from ecocity.i18n import fmt_number, t
from ecocity.ui import data
from ecocity.ui.db import data_token, database_url
from ecocity.ui.labels import region_label
from ecocity.ui.lang import current_lang

lang = current_lang()
url, token = database_url(), data_token()
overview = data.registry_overview(url, token)
latest = data.latest_area_points(url, token)
state = data.data_state(url, token)

st.title(t("app.overview.title", lang))
st.caption(t("app.overview.intro", lang))

if state.only_sample:
    st.info(t("app.overview.sample_notice", lang), icon=":material/science:")

if not overview.areas:
    st.info(t("app.overview.no_areas", lang))
else:
    n_estates = sum(len(a.estates) for a in overview.areas)
    st.markdown(t("app.overview.summary", lang, areas=fmt_number(len(overview.areas), lang),
                  estates=fmt_number(n_estates, lang)))

    fw = get_framework(settings().framework_path)
    rows = []
    for a in overview.areas:
        row = {
            t("app.overview.col_area", lang): a.name(lang),
            t("app.overview.col_province", lang): a.province_th if lang == "th" else a.province_en,
            t("app.overview.col_region", lang): region_label(a.region, lang),
            t("app.overview.col_estates", lang): len(a.estates),
        }
        if latest:  # level columns only once some area has been assessed
            point = latest.get(a.code)
            row[t("app.overview.col_level", lang)] = (
                f"{point.level} · {fw.level(point.level).name(lang)}" if point else t("common.no_data", lang))
            row[t("app.overview.col_year", lang)] = str(point.fiscal_year) if point else "–"
        rows.append(row)
    st.dataframe(rows, hide_index=True, key="overview_areas")

    for a in overview.areas:
        with st.expander(t("app.overview.estates_of", lang, area=a.name(lang)), key=f"area_{a.code}"):
            if a.estates:
                st.markdown("\n".join(f"- {e.name(lang)}" for e in a.estates))
            else:
                st.caption(t("app.overview.no_estates", lang))

with st.expander(t("app.about.title", lang), icon=":material/info:", key="about_data"):
    st.markdown(t("app.about.body", lang))
