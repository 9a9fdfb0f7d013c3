"""EcoCity Tracker: the router. Sets the page up, resolves the language, lists the pages.
Pages live in views/ and draw themselves; nothing else belongs here."""

from __future__ import annotations

from pathlib import Path

# Imported here, fully, before any page runs: Plotly imports pandas lazily and takes it from
# sys.modules if present, so a chart drawn while another session's thread is still importing
# pandas got a half-initialised module ("partially initialized module 'pandas' has no
# attribute 'Series'", seen in the browser tests right after the server started).
import pandas  # noqa: F401
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ecocity.config import settings
from ecocity.core.access import ANONYMOUS
from ecocity.i18n import t
from ecocity.ui import pending, presentation
from ecocity.ui.auth import HERE_KEY, account_widget, current_actor, require_page, set_run_actor
from ecocity.ui.errors import show_error
from ecocity.ui.http import allow_uploads
from ecocity.ui.lang import language_switch, resolve_lang
from ecocity.ui.routes import ROUTES, Route

# The tab's icon is a file served by this server: a Material icon name makes the browser fetch
# it from fonts.gstatic.com, which fails on an offline network (a console error on every page).
ICON = Path(__file__).resolve().parent / "static" / "ecocity-icon.png"

lang = resolve_lang()
st.set_page_config(page_title=t("app.title", lang), page_icon=str(ICON), layout="wide")
language_switch(lang)
# Re-read from the database on every run: a disabled account or a changed role counts at once.
# Once per run: the pages and their guards read this one (auth.run_actor).
try:
    actor, actor_error = current_actor(), None
except Exception as exc:  # the database is down: shown below like any page failure
    actor, actor_error = ANONYMOUS, exc
set_run_actor(actor)
_ctx = get_script_run_ctx()
if _ctx is not None:  # the upload gate of serve.py: files only from sessions that may upload
    allow_uploads(_ctx.session_id, actor.may("upload"))


def _shown(allowed: bool) -> str:
    # Hiding is a convenience: every restricted page refuses by itself (auth.require_page),
    # also when opened by its address. Hidden pages stay registered, so such an address
    # opens the page's own "sign in" or "not for your role" message.
    return "visible" if allowed else "hidden"


def _page(r: Route) -> st.Page:
    shown = "hidden" if not r.listed else _shown(r.needs is None or actor.may(r.needs))
    return st.Page(r.script, title=t(r.title, lang), icon=r.icon, url_path=r.key, default=r.default,
                   visibility=shown)


# The route table: url_path equals the file name, so links such as /area?area=...&year=2566 work.
MAIN = [_page(r) for r in ROUTES if r.section == "main"]
ADMIN = [_page(r) for r in ROUTES if r.section == "admin"]
# A section of hidden pages would still show its heading: non-administrators get one list.
PAGES = {"": MAIN, t("admin.nav.section", lang): ADMIN} if actor.is_admin else MAIN + ADMIN

page = st.navigation(PAGES, position="hidden" if presentation.requested() else "sidebar")
st.session_state[HERE_KEY] = page.url_path
presentation.apply()  # ?present=1 on any page; the Presentation page's toggle sets it
account_widget(lang, actor)
# The "not yet reviewed" switch (reviewers and administrators) and, while on, its banner on top.
pending.draw(lang, actor, page.url_path)
try:
    if actor_error is not None:
        raise actor_error
    if not settings().anonymous_view and page.url_path != "sign_in":
        require_page(None)  # ECOCITY_ANONYMOUS_VIEW=0: signed-in users only
    page.run()
except Exception as exc:  # st.stop/st.rerun are BaseException and pass through
    show_error(exc, lang)
