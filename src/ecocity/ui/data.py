"""Cached readers for pages. Each takes the database URL and its data version as
arguments: they are the cache key (the token is "<database id>:<data version>"), so a write anywhere (any replica) makes the next
rerun read fresh data, and tests on different databases never share entries."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ecocity.dashboard import EntityRow
from ecocity.store import queries
from ecocity.store.db import session_scope
from ecocity.ui.db import engine_for


@dataclass(frozen=True)
class DataState:
    any_data: bool      # at least one submission is stored
    only_sample: bool   # ... and all of them are sample data


@st.cache_data(show_spinner=False, max_entries=32)
def registry_overview(url: str, token: str) -> queries.RegistryOverview:
    with session_scope(engine_for(url)) as s:
        return queries.registry_overview(s)


@st.cache_data(show_spinner=False, max_entries=32)
def latest_area_points(url: str, token: str) -> dict[str, queries.SeriesPoint]:
    """area code -> its most recent assessment (fiscal year, level, score); areas with
    no assessment are absent."""
    with session_scope(engine_for(url)) as s:
        out = {}
        for area in queries.registry_overview(s).areas:
            points = queries.series(s, "area", area.code)
            if points:
                out[area.code] = points[-1]
        return out


@st.cache_data(show_spinner=False, max_entries=32)
def data_state(url: str, token: str) -> DataState:
    with session_scope(engine_for(url)) as s:
        any_data = queries.has_data(s)
        return DataState(any_data, any_data and not queries.has_data(s, include_sample=False))


@st.cache_data(show_spinner=False, max_entries=32)
def entity_rows(url: str, token: str, kind: queries.Kind) -> tuple[EntityRow, ...]:
    """Every stored assessment of ``kind`` ("area" or "estate"), all fiscal years, joined
    with the registry (one query); feed them to ``ecocity.dashboard``."""
    with session_scope(engine_for(url)) as s:
        return tuple(queries.entity_rows(s, kind))


@st.cache_data(show_spinner=False, max_entries=32)
def fiscal_years(url: str, token: str) -> tuple[int, ...]:
    """Fiscal years (B.E.) with at least one stored assessment, ascending."""
    with session_scope(engine_for(url)) as s:
        return tuple(queries.fiscal_years(s))
