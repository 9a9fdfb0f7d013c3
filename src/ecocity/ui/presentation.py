"""Presentation mode for any page: ``?present=1`` hides the sidebar and toolbar and sets
large type for the back of a seminar room. One style, used by the router for every view
and by the Presentation page."""

from __future__ import annotations

import streamlit as st

PARAM = "present"

FULLSCREEN_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] {display: none !important;}
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 1.2rem !important; max-width: 100% !important;}
[data-testid="stMainBlockContainer"] {font-size: 1.25rem;}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li {font-size: 1.25rem;}
[data-testid="stMetricValue"] {font-size: 3rem !important;}
h1 {font-size: 3rem !important;}
</style>
"""


def requested() -> bool:
    """Whether this view was opened with ``?present=1``."""
    return st.query_params.get(PARAM) == "1"


def apply(on: bool | None = None) -> bool:
    """Hide the app's chrome and enlarge type when presenting; returns whether it did."""
    on = requested() if on is None else on
    if on:
        st.html(FULLSCREEN_CSS)
    return on
