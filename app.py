"""EcoCity Tracker: the router. Sets the page up, resolves the language, lists the pages.
Pages live in views/ and draw themselves; nothing else belongs here."""

from __future__ import annotations

# Imported here, fully, before any page runs: Plotly imports pandas lazily and takes it from
# sys.modules if present, so a chart drawn while another session's thread is still importing
# pandas got a half-initialised module ("partially initialized module 'pandas' has no
# attribute 'Series'", seen in the browser tests right after the server started).
import pandas  # noqa: F401
import streamlit as st

from ecocity.access import ANONYMOUS
from ecocity.config import settings
from ecocity.i18n import t
from ecocity.ui import presentation
from ecocity.ui.auth import HERE_KEY, account_widget, current_actor, require_page, set_run_actor
from ecocity.ui.errors import show_error
from ecocity.ui.lang import language_switch, resolve_lang

lang = resolve_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=":material/eco:", layout="wide")
language_switch(lang)
# Re-read from the database on every run: a disabled account or a changed role counts at once.
# Once per run: the pages and their guards read this one (auth.run_actor).
try:
    actor, actor_error = current_actor(), None
except Exception as exc:  # the database is down: shown below like any page failure
    actor, actor_error = ANONYMOUS, exc
set_run_actor(actor)


def _shown(allowed: bool) -> str:
    # Hiding is a convenience: every restricted page refuses by itself (auth.require_page),
    # also when opened by its address. Hidden pages stay registered, so such an address
    # opens the page's own "sign in" or "not for your role" message.
    return "visible" if allowed else "hidden"


# url_path equals the file name: links such as /area?area=...&year=2566 rely on it.
MAIN = [
    st.Page("views/overview.py", title=t("app.nav.overview", lang), icon=":material/map:",
            url_path="overview", default=True),
    st.Page("views/area.py", title=t("app.nav.area", lang), icon=":material/location_city:",
            url_path="area"),
    st.Page("views/estate.py", title=t("app.nav.estate", lang), icon=":material/factory:",
            url_path="estate"),
    st.Page("views/indicators.py", title=t("app.nav.indicators", lang), icon=":material/monitoring:",
            url_path="indicators"),
    st.Page("views/upload.py", title=t("app.nav.upload", lang), icon=":material/upload_file:",
            url_path="upload", visibility=_shown(actor.may("upload"))),
    st.Page("views/method.py", title=t("app.nav.method", lang), icon=":material/menu_book:",
            url_path="method"),
    st.Page("views/present.py", title=t("present.page.title", lang), icon=":material/slideshow:",
            url_path="present"),
    # Reached from the account box in the sidebar, never listed.
    st.Page("views/sign_in.py", title=t("auth.page.title", lang), icon=":material/login:",
            url_path="sign_in", visibility="hidden"),
]
ADMIN = [
    st.Page("views/admin_users.py", title=t("admin.nav.users", lang), icon=":material/group:",
            url_path="admin_users", visibility=_shown(actor.may("manage_users"))),
    st.Page("views/admin_registry.py", title=t("admin.nav.registry", lang), icon=":material/domain:",
            url_path="admin_registry", visibility=_shown(actor.may("edit_registry"))),
    st.Page("views/admin_framework.py", title=t("admin.nav.framework", lang), icon=":material/tune:",
            url_path="admin_framework", visibility=_shown(actor.may("change_framework"))),
    st.Page("views/admin_audit.py", title=t("admin.nav.audit", lang), icon=":material/history:",
            url_path="admin_audit", visibility=_shown(actor.may("view_audit"))),
]
# A section of hidden pages would still show its heading: non-administrators get one list.
PAGES = {"": MAIN, t("admin.nav.section", lang): ADMIN} if actor.is_admin else MAIN + ADMIN

page = st.navigation(PAGES, position="hidden" if presentation.requested() else "sidebar")
st.session_state[HERE_KEY] = page.url_path
presentation.apply()  # ?present=1 on any page; the Presentation page's toggle sets it
account_widget(lang, actor)
try:
    if actor_error is not None:
        raise actor_error
    if not settings().anonymous_view and page.url_path != "sign_in":
        require_page(None)  # ECOCITY_ANONYMOUS_VIEW=0: signed-in users only
    page.run()
except Exception as exc:  # st.stop/st.rerun are BaseException and pass through
    show_error(exc, lang)
