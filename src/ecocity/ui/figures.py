"""Figures for the Overview and Area pages in the app's one chart theme
(``ecocity.pagemodels.charts``), built once per data version, filter and language and cached as
shared Plotly figure objects that the views never change (see docs/design-notes.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol

import plotly.graph_objects as go
import streamlit as st

from ecocity.core.framework import Framework
from ecocity.i18n import t
from ecocity.pagemodels import charts
from ecocity.pagemodels.charts import Ranked
from ecocity.pagemodels.map import markers
from ecocity.ui import readers
from ecocity.ui.targets import this_fiscal_year

# Clean on a projector: no Plotly logo, no zoom/select buttons a presenter can trip over.
CONFIG = {"displaylogo": False, "scrollZoom": False,
          "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"]}


def legend_below(fig: dict[str, Any]) -> dict[str, Any]:
    """Legend under the plot: at the top right (the theme's place) a long one runs into a
    Thai title on a half-width chart."""
    fig["layout"]["legend"] = {**fig["layout"].get("legend", {}), "orientation": "h", "x": 0, "xanchor": "left",
                               "y": -0.22, "yanchor": "top"}
    return fig


def titled(fig: dict[str, Any], title: str) -> dict[str, Any]:
    fig["layout"]["title"] = {**fig["layout"].get("title", {}), "text": title}
    return fig


def as_figure(fig: dict[str, Any]) -> go.Figure:
    """The figure object of a figure dict (validated here, once, not by every st.plotly_chart)."""
    return go.Figure(fig)


class DetailModel(Protocol):
    """What the Area and Estate page models share: this year's row, last year's, the series."""

    @property
    def row(self) -> Any: ...
    @property
    def last(self) -> Any: ...
    @property
    def series(self) -> Sequence[Any]: ...


def dimensions_and_history(fw: Framework, m: DetailModel, year: int | None, lang: str, *,
                           end_labels: Literal["lean", "room"]) -> dict[str, dict[str, Any]]:
    """The "dimensions" (this year against last, when a year is chosen and has a row) and
    "history" (when there is a series) figure dicts of a detail page; absent when there
    is nothing to draw. The level labels of the history's first and last points either
    ``lean`` inwards (Area page) or get ``room`` from a wider x axis (Estate page)."""
    out: dict[str, dict[str, Any]] = {}
    if m.row is not None and year is not None:
        out["dimensions"] = legend_below(charts.dimension_compare(
            fw, m.row.dimension_scores, m.last.dimension_scores if m.last else None, lang, year).to_dict())
    if m.series:
        fig = charts.history(fw, m.series, lang, lean=end_labels == "lean").to_dict()
        if end_labels == "room":
            fig["layout"].setdefault("xaxis", {})["range"] = [-0.7, len(m.series) - 0.3]
        out["history"] = fig
    return out


@st.cache_resource(show_spinner=False, max_entries=64)
def overview(url: str, token: str, year: int, region: str | None, levels: tuple[int, ...],
             lang: str) -> dict[str, go.Figure]:
    """ladder, map and distribution figures of the Overview."""
    fw, m = readers.framework(url, token), readers.overview(url, token, year, region, levels, lang)
    figs = {
        "ladder": charts.ladder(fw, m.area_counts, m.estate_counts, lang,
                                title=t("overview.ladder_title", lang)).to_dict(),
        # Estates and areas never cover each other there (pagemodels.map): both open on a click.
        "map": charts.thailand_map(fw, readers.provinces(), m.province_levels, m.markers, lang).to_dict(),
        "distribution": legend_below(titled(charts.level_distribution(fw, m.distribution, lang).to_dict(),
                                            t("overview.distribution_title", lang))),
    }
    return {name: as_figure(fig) for name, fig in figs.items()}


@st.cache_resource(show_spinner=False, max_entries=16)
def registry_map(url: str, token: str, lang: str) -> go.Figure:
    """The map before any assessment: the registry's areas and estates, no levels."""
    fw, reg = readers.framework(url, token), readers.registry_overview(url, token)
    marks = markers(reg.areas, readers.provinces(), {}, {}, lang)
    return as_figure(charts.thailand_map(fw, readers.provinces(), {}, marks, lang))


@st.cache_resource(show_spinner=False, max_entries=64)
def area(url: str, token: str, code: str, year: int | None, lang: str) -> dict[str, go.Figure]:
    """dimensions, history and estates figures of the Area page (absent when there is nothing to draw)."""
    fw, m = readers.framework(url, token), readers.area(url, token, code, year, this_fiscal_year())
    if m is None:
        return {}
    out = dimensions_and_history(fw, m, year, lang, end_labels="lean")
    if m.estates:
        rows = [Ranked("estate", e.code, e.name(lang), e.level, e.overall_score) for e in m.estates]
        out["estates"] = charts.ranking(fw, rows, lang, title=t("area.estates_chart", lang),
                                        value_label=t("charts.score", lang), digits=2).to_dict()
    return {name: as_figure(fig) for name, fig in out.items()}
