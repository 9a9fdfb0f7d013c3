"""Sign in: user name and password, or the organisation's account (OIDC) when one is
configured; then back to the page in ?next= (default: the overview). Too many failures
under a name or from an address make the next try wait (ecocity.store.users.authenticate)."""

from __future__ import annotations

import streamlit as st

from ecocity.core.textsafe import md_escape
from ecocity.i18n import t
from ecocity.store.errors import StoreError
from ecocity.store.users import SignInError
from ecocity.ui import auth
from ecocity.ui.lang import current_lang
from ecocity.ui.routes import next_page, return_query, script

lang = current_lang()
actor = auth.run_actor()
st.title(t("auth.page.title", lang))

notice = auth.pop_notice(lang)
if notice:
    st.info(notice, icon=":material/info:")

_next = next_page(st.query_params.get("next"))


def _go_on() -> None:
    target = script(_next or "overview")
    try:  # back exactly where they were, filters included
        st.switch_page(target, query_params=return_query(st.query_params.to_dict(), lang))
    except st.errors.StreamlitAPIException:  # not a page of the router
        st.switch_page(script("overview"), query_params={"lang": lang})


if actor.signed_in:
    st.success(t("auth.page.welcome", lang, who=md_escape(actor.label),
                 role=t(f"access.role.{actor.role}", lang)), icon=":material/verified_user:")
    c1, c2 = st.columns([1, 1], width=420)
    if c1.button(t("auth.page.continue", lang), key="sign_in_continue", type="primary"):
        _go_on()
    if c2.button(t("auth.sign_out", lang), key="sign_in_out", icon=":material/logout:"):
        auth.sign_out()
        st.rerun()
    st.stop()

from ecocity.config import settings  # noqa: E402

st.write(t("auth.page.intro" if settings().anonymous_view else "auth.page.intro_private", lang))

if auth.oidc_configured():
    if st.button(t("auth.page.oidc_button", lang), key="sign_in_oidc", icon=":material/badge:", type="primary"):
        st.session_state.pop(auth.OIDC_SKIP_KEY, None)
        st.login()
    logged_in, _email = auth.oidc_user()
    if logged_in and st.session_state.get(auth.OIDC_SKIP_KEY):
        if st.button(t("auth.page.oidc_sign_out", lang), key="sign_in_oidc_out"):
            st.logout()
    st.caption(t("auth.page.oidc_or", lang))

with st.form("sign_in", width=420):
    username = st.text_input(t("auth.page.username", lang), key="sign_in_username", autocomplete="username")
    password = st.text_input(t("auth.page.password", lang), key="sign_in_password", type="password",
                             autocomplete="current-password")
    submitted = st.form_submit_button(t("auth.page.submit", lang), type="primary", icon=":material/login:")

if submitted:
    try:
        auth.sign_in_with_password(username, password)
    except SignInError as e:
        if e.key == "auth.error.throttled":  # too many failures: not even checked
            st.warning(e.message(lang), icon=":material/hourglass_top:")
        else:
            st.error(e.message(lang), icon=":material/error:")
    except StoreError as e:
        st.error(e.message(lang), icon=":material/error:")
    else:
        _go_on()
