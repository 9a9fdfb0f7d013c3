"""Figures for the Overview and Area pages, built once per data version, filter and
language (as plain dicts: cheap to copy out of the cache) and drawn with the app's one
chart theme (``ecocity.charts``), not Streamlit's."""

from __future__ import annotations

from typing import Any

import streamlit as st

from ecocity import charts
from ecocity.charts import Ranked
from ecocity.i18n import t
from ecocity.mapdata import markers
from ecocity.ui import data

# Clean on a projector: no Plotly logo, no zoom/select buttons a presenter can trip over.
CONFIG = {"displaylogo": False, "scrollZoom": False,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"]}


@st.cache_data(show_spinner=False, max_entries=64)
def overview(url: str, token: str, year: int, region: str | None, levels: tuple[int, ...],
             lang: str) -> dict[str, dict[str, Any]]:
    """ladder, map and distribution figures of the Overview."""
    fw, m = data.framework(), data.overview(url, token, year, region, levels, lang)
    return {
        "ladder": charts.ladder(fw, m.area_counts, m.estate_counts, lang).to_dict(),
        "map": charts.thailand_map(fw, data.provinces(), m.province_levels, m.markers, lang,
                                   height=620).to_dict(),
        "distribution": charts.level_distribution(fw, m.distribution, lang).to_dict(),
    }


@st.cache_data(show_spinner=False, max_entries=16)
def registry_map(url: str, token: str, lang: str) -> dict[str, Any]:
    """The map before any assessment: the registry's areas and estates, no levels."""
    fw, reg = data.framework(), data.registry_overview(url, token)
    marks = markers(reg.areas, data.provinces(), {}, {}, lang)
    return charts.thailand_map(fw, data.provinces(), {}, marks, lang, height=620).to_dict()


@st.cache_data(show_spinner=False, max_entries=64)
def area(url: str, token: str, code: str, year: int | None, lang: str) -> dict[str, dict[str, Any]]:
    """dimensions, history and estates figures of the Area page (absent when there is nothing to draw)."""
    fw, m = data.framework(), data.area(url, token, code, year)
    out: dict[str, dict[str, Any]] = {}
    if m is None:
        return out
    if m.row is not None and year is not None:
        out["dimensions"] = charts.dimension_compare(
            fw, m.row.dimension_scores, m.last.dimension_scores if m.last else None, lang, year).to_dict()
    if m.series:
        out["history"] = charts.history(fw, m.series, lang).to_dict()
    if m.estates:
        rows = [Ranked("estate", e.code, e.name(lang), e.level, e.overall_score) for e in m.estates]
        out["estates"] = charts.ranking(fw, rows, lang, title=t("area.estates_chart", lang),
                                        value_label=t("charts.score", lang)).to_dict()
    return out
