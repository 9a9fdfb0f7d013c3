"""EcoCity Tracker: the router. Sets the page up, resolves the language, lists the pages.
Pages live in views/ and draw themselves; nothing else belongs here."""

from __future__ import annotations

# Imported here, fully, before any page runs: Plotly imports pandas lazily and takes it from
# sys.modules if present, so a chart drawn while another session's thread is still importing
# pandas got a half-initialised module ("partially initialized module 'pandas' has no
# attribute 'Series'", seen in the browser tests right after the server started).
import pandas  # noqa: F401
import streamlit as st

from ecocity.i18n import t
from ecocity.ui import presentation
from ecocity.ui.errors import show_error
from ecocity.ui.lang import language_switch, resolve_lang

lang = resolve_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=":material/eco:", layout="wide")
language_switch(lang)

# url_path equals the file name: links such as /area?area=...&year=2566 rely on it.
PAGES = [
    st.Page("views/overview.py", title=t("app.nav.overview", lang), icon=":material/map:",
            url_path="overview", default=True),
    st.Page("views/area.py", title=t("app.nav.area", lang), icon=":material/location_city:",
            url_path="area"),
    st.Page("views/estate.py", title=t("app.nav.estate", lang), icon=":material/factory:",
            url_path="estate"),
    st.Page("views/indicators.py", title=t("app.nav.indicators", lang), icon=":material/monitoring:",
            url_path="indicators"),
    st.Page("views/upload.py", title=t("app.nav.upload", lang), icon=":material/upload_file:",
            url_path="upload"),
    st.Page("views/method.py", title=t("app.nav.method", lang), icon=":material/menu_book:",
            url_path="method"),
    st.Page("views/present.py", title=t("present.page.title", lang), icon=":material/slideshow:",
            url_path="present"),
]

page = st.navigation(PAGES, position="hidden" if presentation.requested() else "sidebar")
if page.url_path != "present":  # the Presentation page decides for itself (its toggle)
    presentation.apply()
try:
    page.run()
except Exception as exc:  # st.stop/st.rerun are BaseException and pass through
    show_error(exc, lang)
