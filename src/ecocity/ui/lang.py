"""The interface language: Thai by default, English on request, kept in the URL (?lang=en)
so a shared link opens in the same language, and in the session so it survives page
switches (st.navigation drops query parameters when the user changes page)."""

from __future__ import annotations

import streamlit as st

from ecocity.config import settings
from ecocity.i18n import LANGS, norm_lang, t

KEY = "lang"  # query parameter, session-state key and widget key (test id .st-key-lang)
NAMES = {"th": "ไทย", "en": "English"}  # each language named in itself


def _sync_url(lang: str) -> None:
    if st.query_params.get(KEY) != lang:
        st.query_params[KEY] = lang


def _on_switch() -> None:
    # Runs before the rerun, so the URL already agrees when resolve_lang() reads it.
    _sync_url(st.session_state[KEY])


def resolve_lang() -> str:
    """The language of this run: the URL wins (a link or the back button), then the
    session, then ECOCITY_LANG. Call before the switch is drawn."""
    url = st.query_params.get(KEY)
    if url in LANGS:
        st.session_state[KEY] = url
    elif st.session_state.get(KEY) not in LANGS:
        st.session_state[KEY] = settings().default_lang
    lang = st.session_state[KEY]
    _sync_url(lang)
    return lang


def language_switch(lang: str) -> None:
    """Thai / English radio in the sidebar; its value lives in st.session_state[KEY]."""
    st.sidebar.radio(t("app.lang_label", lang), LANGS, key=KEY, format_func=NAMES.__getitem__,
                     horizontal=True, on_change=_on_switch)


def current_lang() -> str:
    """The language pages draw in (set by app.py before the page runs)."""
    return norm_lang(st.session_state.get(KEY))
