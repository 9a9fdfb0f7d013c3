"""Upload page (being built)."""

from __future__ import annotations

import streamlit as st

from ecocity.i18n import t
from ecocity.ui.lang import current_lang

st.title(t("app.nav.upload", current_lang()))
