"""EcoCity Tracker: the router. Sets the page up, resolves the language, lists the pages.
Pages live in views/ and draw themselves; nothing else belongs here."""

from __future__ import annotations

import streamlit as st

from ecocity.i18n import t
from ecocity.ui.errors import show_error
from ecocity.ui.lang import language_switch, resolve_lang

lang = resolve_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=":material/eco:", layout="wide")
language_switch(lang)

PAGES = [
    st.Page("views/overview.py", title=t("app.nav.overview", lang), icon=":material/map:",
            url_path="overview", default=True),
]

page = st.navigation(PAGES)
try:
    page.run()
except Exception as exc:  # st.stop/st.rerun are BaseException and pass through
    show_error(exc, lang)
