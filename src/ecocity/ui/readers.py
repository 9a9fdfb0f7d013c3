"""Cached readers for pages, keyed on the database URL and its data token ("<database id>:<data
version>", tagged by :func:`view_token` while the "not yet reviewed" switch is on, see ui/pending.py),
so a write on any replica makes the next rerun read fresh data; databases never share entries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import streamlit as st

from ecocity.config import settings
from ecocity.core.framework import Framework
from ecocity.core.geo import Province, load_provinces
from ecocity.core.registry import GEOJSON_FILE, RegistryOverview
from ecocity.core.rows import EntityRow
from ecocity.core.targets import TargetCheck
from ecocity.pagemodels.area import AreaModel, area_model
from ecocity.pagemodels.overview import OverviewModel, overview_model, years_with_data
from ecocity.pagemodels.targets import target_checks as checks_of
from ecocity.store import queries
from ecocity.store.db import session_scope
from ecocity.store.inforce import framework_in_force
from ecocity.ui.db import data_token, database_url, engine_for
from ecocity.ui.pending import is_pending
from ecocity.ui.pending import token as pending_token


@dataclass(frozen=True)
class DataState:
    any_data: bool      # at least one submission is stored
    only_sample: bool   # ... and all of them are sample data


@st.cache_data(show_spinner=False, max_entries=32)
def registry_overview(url: str, token: str) -> RegistryOverview:
    with session_scope(engine_for(url)) as s:
        return queries.registry_overview(s)


@st.cache_data(show_spinner=False, max_entries=32)
def latest_area_points(url: str, token: str) -> dict[str, queries.SeriesPoint]:
    """area code -> its most recent assessment (fiscal year, level, score); areas with
    no assessment are absent."""
    with session_scope(engine_for(url)) as s:
        out = {}
        for area in queries.registry_overview(s).areas:
            points = queries.series(s, "area", area.code, pending=is_pending(token))
            if points:
                out[area.code] = points[-1]
        return out


@st.cache_data(show_spinner=False, max_entries=32)
def data_state(url: str, token: str) -> DataState:
    with session_scope(engine_for(url)) as s:
        any_data = queries.has_data(s)
        return DataState(any_data, any_data and not queries.has_data(s, include_sample=False))


# cache_resource, not cache_data: every page reads these rows on every run, and copying
# them out of cache_data (unpickling) costs ~27 ms for 2,000 estate-years. The rows are
# frozen dataclasses shared between sessions: read them, never change their dicts.
@st.cache_resource(show_spinner=False, max_entries=8)
def entity_rows(url: str, token: str, kind: queries.Kind) -> tuple[EntityRow, ...]:
    """Every stored assessment of ``kind`` ("area" or "estate"), all fiscal years, joined
    with the registry (one query); feed them to ``ecocity.pagemodels.rows``. Shared: read only."""
    with session_scope(engine_for(url)) as s:
        return tuple(queries.entity_rows(s, kind, pending=is_pending(token)))


@st.cache_data(show_spinner=False, max_entries=32)
def fiscal_years(url: str, token: str) -> tuple[int, ...]:
    """Fiscal years (B.E.) with at least one stored assessment, ascending."""
    with session_scope(engine_for(url)) as s:
        return tuple(queries.fiscal_years(s, pending=is_pending(token)))


# ----------------------------------------------------------------------------- page models


@st.cache_resource(show_spinner=False, max_entries=8)
def _framework_at(url: str, token: str) -> Framework:
    with session_scope(engine_for(url)) as s:
        return framework_in_force(s)


def framework(url: str | None = None, token: str | None = None) -> Framework:
    """The framework in force for the pages: the one an administrator activated in the
    database, else the file of ECOCITY_FRAMEWORK. Cached per database and data token (an
    activation bumps the data version), so an activation in one replica shows in every
    replica on the next interaction; a warm run costs the token read only. Shared: read only."""
    if url is None:
        url = database_url()
    if token is None:
        token = data_token()
    return _framework_at(url, token)


def provinces() -> tuple[Province, ...]:
    """Province shapes (read once per process: load_provinces is lru-cached)."""
    return load_provinces(str(settings().data_dir / GEOJSON_FILE))


@st.cache_data(show_spinner=False, max_entries=64)
def overview(url: str, token: str, year: int, region: str | None, levels: tuple[int, ...],
             lang: str) -> OverviewModel:
    """The Overview's numbers, map markers and ranking for one fiscal year and filter."""
    return overview_model(framework(url, token), entity_rows(url, token, "area"), entity_rows(url, token, "estate"),
                          registry_overview(url, token), provinces(), year, lang, region=region, levels=levels)


@st.cache_data(show_spinner=False, max_entries=64)
def area(url: str, token: str, code: str, year: int | None, this_year: int) -> AreaModel | None:
    """One area's page for fiscal year ``year``, seen in fiscal year ``this_year`` (its
    forecast names no year already gone); None when the registry has no such area."""
    info = next((a for a in registry_overview(url, token).areas if a.code == code), None)
    if info is None:
        return None
    return area_model(framework(url, token), info, entity_rows(url, token, "area"), entity_rows(url, token, "estate"), year,
                      this_year)


@st.cache_data(show_spinner=False, max_entries=32)
def target_checks(url: str, token: str, this_year: int) -> dict[str, TargetCheck]:
    """Every area's target with its status in fiscal year ``this_year`` (a target change
    bumps the data token)."""
    from ecocity.store.targets import targets

    with session_scope(engine_for(url)) as s:
        tg = targets(s)
    return checks_of(framework(url, token), tg, entity_rows(url, token, "area"), this_year)


class PageData(NamedTuple):
    """What every dashboard page starts from, read once per run (one data-token query)."""

    url: str
    token: str
    fw: Framework
    registry: RegistryOverview
    areas: tuple[EntityRow, ...]
    estates: tuple[EntityRow, ...]
    years: tuple[int, ...]  # fiscal years with any stored assessment, ascending


def view_token() -> str:
    """The data token the pages key their readers with: tagged while this run reads data
    not yet reviewed (``ui.pending.token``)."""
    return pending_token(data_token())


def page_data() -> PageData:
    url, token = database_url(), view_token()
    areas, estates = entity_rows(url, token, "area"), entity_rows(url, token, "estate")
    return PageData(url, token, framework(url, token), registry_overview(url, token), areas, estates,
                    years_with_data(areas, estates))
