"""Administration: users, roles and the estates each officer is responsible for.
Everything here goes through ecocity.store.users, which checks manage_users again and
audits each change.

The change form's widgets are keyed by a fingerprint of the account as stored, so a
change made meanwhile by another administrator shows up in the form instead of being
overwritten with the values first shown; a save that comes from a form showing an older
state of the account is refused with a message, and a save sends only the fields the
administrator changed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecocity.core.access import ALL_AREAS, ROLES
from ecocity.core.textsafe import md_escape
from ecocity.i18n import fmt_datetime, t
from ecocity.store import users
from ecocity.store.db import session_scope
from ecocity.store.errors import StoreError
from ecocity.ui import widgets
from ecocity.ui.auth import require_page
from ecocity.ui.db import data_token, database_url, engine_for
from ecocity.ui.lang import current_lang
from ecocity.ui.readers import registry_overview

DONE_KEY = "admin_users.done"
SHOWN_KEY = "admin_users.shown"  # {username: fingerprint of the account the change form last showed}

by = require_page("manage_users")
lang = current_lang()
url = database_url()
engine = engine_for(url)
st.title(t("admin.users.title", lang))
st.caption(t("admin.users.intro", lang))

done = st.session_state.pop(DONE_KEY, None)
if done:
    st.success(done, icon=":material/check_circle:")

with session_scope(engine) as s:  # accounts are read afresh: their changes do not move the data token
    accounts = users.list_users(s)
# The registry's estates (their changes do move it): code -> name in lang, ordered by code.
estates = {e.code: e.name(lang) or e.code
           for e in sorted(registry_overview(url, data_token()).estates, key=lambda e: e.code)}


def _role(r: str) -> str:
    return t(f"access.role.{r}", lang)


def _estate(code: str) -> str:
    return f"{estates.get(code, code)} ({code})"


# A reviewer's areas: every one ("*") or those chosen.
areas = {ALL_AREAS: t("admin.users.areas_all", lang)} | {
    a.code: a.name(lang) or a.code for a in sorted(registry_overview(url, data_token()).areas, key=lambda a: a.code)}


def _area(code: str) -> str:
    return areas.get(code, code) if code == ALL_AREAS else f"{areas.get(code, code)} ({code})"


def _failures(u: users.UserInfo) -> str:
    """The table's cell: failed sign-ins under the name in the last hour, and the wait."""
    if not u.failures:
        return ""
    wait = u.wait_seconds()
    return t("admin.users.throttled_cell", lang, failures=u.failures, seconds=wait) if wait else str(u.failures)


def _done(key: str, **kw) -> None:
    st.session_state[DONE_KEY] = t(key, lang, **kw)
    st.rerun()


if not accounts:
    st.info(t("admin.users.none", lang))
else:
    yes, no = t("admin.users.yes", lang), t("admin.users.no", lang)
    # The table's toolbar downloads CSV: a name typed as "=HYPERLINK(...)" stays text.
    widgets.table(pd.DataFrame([{
        t("admin.users.col_username", lang): u.username,
        t("admin.users.col_display", lang): u.display_name,
        t("admin.users.col_email", lang): u.email or "",
        t("admin.users.col_role", lang): _role(u.role),
        t("admin.users.col_estates", lang): ", ".join(u.estates) or ", ".join(map(_area, u.areas)),
        t("admin.users.col_active", lang): yes if u.is_active else no,
        t("admin.users.col_failures", lang): _failures(u),
        t("admin.users.col_last", lang): fmt_datetime(u.last_sign_in_at, lang, none=""),
    } for u in accounts]), hide_index=True, key="users_table")

# ----------------------------------------------------------------------------- add

with st.expander(t("admin.users.add_title", lang), expanded=not accounts, icon=":material/person_add:"):
    with st.form("users_add", clear_on_submit=False):
        c1, c2 = st.columns(2)
        name = c1.text_input(t("admin.users.username", lang), key="users_add_name")
        display = c2.text_input(t("admin.users.display_name", lang), key="users_add_display")
        email = c1.text_input(t("admin.users.email", lang), key="users_add_email")
        role = c2.selectbox(t("admin.users.role", lang), ROLES, format_func=_role, key="users_add_role")
        codes = st.multiselect(t("admin.users.estates", lang), list(estates), format_func=_estate,
                               key="users_add_estates", placeholder=t("admin.users.estates_none", lang))
        area_codes = st.multiselect(t("admin.users.areas", lang), list(areas), format_func=_area,
                                    key="users_add_areas", placeholder=t("admin.users.areas_none", lang),
                                    help=t("admin.users.areas_help", lang))
        password = st.text_input(t("admin.users.password", lang), type="password", key="users_add_password",
                                 autocomplete="new-password",
                                 help=t("admin.users.password_help", lang) + " " + t("auth.policy.hint", lang))
        if st.form_submit_button(t("admin.users.add", lang), type="primary", icon=":material/person_add:"):
            try:
                info = users.create_user(engine, by, name, role=role, display_name=display, email=email or None,
                                         estates=codes, password=password or None, areas=area_codes)
            except StoreError as e:
                st.error(e.message(lang), icon=":material/error:")
            else:
                for k in ("users_add_name", "users_add_display", "users_add_email", "users_add_password",
                          "users_add_estates", "users_add_areas"):
                    st.session_state.pop(k, None)
                _done("admin.users.added", name=md_escape(info.username))

# ----------------------------------------------------------------------------- change

if accounts:
    st.subheader(t("admin.users.edit_title", lang))
    names = [u.username for u in accounts]
    shown = {a.username: f"{a.username} · {a.display_name}" if a.display_name else a.username for a in accounts}
    picked = st.selectbox(t("admin.users.pick", lang), names, key="users_pick", format_func=shown.__getitem__)
    u = next(a for a in accounts if a.username == picked)
    wait = u.wait_seconds()
    if wait:
        st.warning(t("admin.users.throttled_note", lang, failures=u.failures, seconds=wait),
                   icon=":material/hourglass_top:")
    elif u.failures:
        st.info(t("admin.users.failures_note", lang, failures=u.failures), icon=":material/info:")
    stored = users.form_values(u, estates)
    fingerprint = users.fingerprint(u)
    shown_before = st.session_state.setdefault(SHOWN_KEY, {}).get(u.username)
    st.session_state[SHOWN_KEY][u.username] = fingerprint
    k = f"{u.username}_{fingerprint}"
    with st.form(f"users_edit_{u.username}"):
        c1, c2 = st.columns(2)
        display = c1.text_input(t("admin.users.display_name", lang), value=stored["display_name"],
                                key=f"users_edit_display_{k}")
        email = c2.text_input(t("admin.users.email", lang), value=stored["email"], key=f"users_edit_email_{k}")
        role = c1.selectbox(t("admin.users.role", lang), ROLES, index=ROLES.index(u.role), format_func=_role,  # type: ignore[arg-type]
                            key=f"users_edit_role_{k}")
        active = c2.checkbox(t("admin.users.active", lang), value=stored["active"], key=f"users_edit_active_{k}")
        codes = st.multiselect(t("admin.users.estates", lang), list(estates), default=stored["estates"],
                               format_func=_estate, key=f"users_edit_estates_{k}",
                               placeholder=t("admin.users.estates_none", lang))
        area_codes = st.multiselect(t("admin.users.areas", lang), list(areas), default=stored["areas"],
                                    format_func=_area, key=f"users_edit_areas_{k}",
                                    placeholder=t("admin.users.areas_none", lang), help=t("admin.users.areas_help", lang))
        if st.form_submit_button(t("admin.users.save", lang), type="primary", icon=":material/save:"):
            changed = users.changed_fields(stored, {"display_name": display, "email": email, "role": role,
                                                    "active": active, "estates": codes, "areas": area_codes})
            if shown_before is not None and shown_before != fingerprint:
                # The form the administrator filled in showed an older state of the account
                # (its widgets were keyed by another fingerprint): saving would undo a change.
                st.warning(t("admin.users.changed_meanwhile", lang, name=md_escape(u.username)),
                           icon=":material/sync_problem:")
            elif not changed:
                st.info(t("admin.users.no_changes", lang), icon=":material/info:")
            else:
                try:
                    info = users.update_user(engine, by, u.username, **changed)
                except StoreError as e:
                    st.error(e.message(lang), icon=":material/error:")
                else:
                    st.session_state[SHOWN_KEY].pop(info.username, None)
                    _done("admin.users.saved", name=md_escape(u.username))

    c1, c2 = st.columns(2)
    with c1.form(f"users_pw_{u.username}", border=True):
        new_pw = st.text_input(t("admin.users.new_password", lang), type="password", autocomplete="new-password",
                               key=f"users_pw_value_{u.username}", help=t("auth.policy.hint", lang))
        if st.form_submit_button(t("admin.users.set_password", lang), icon=":material/password:"):
            try:
                users.set_password(engine, by, u.username, new_pw)
            except StoreError as e:
                st.error(e.message(lang), icon=":material/error:")
            else:
                st.session_state.pop(f"users_pw_value_{u.username}", None)
                _done("admin.users.password_set", name=md_escape(u.username))
    with c2:
        if st.button(t("admin.users.unlock", lang), key=f"users_unlock_{u.username}", icon=":material/lock_open:",
                     disabled=not u.failures):
            try:
                users.unlock_user(engine, by, u.username)
            except StoreError as e:
                st.error(e.message(lang), icon=":material/error:")
            else:
                _done("admin.users.unlocked", name=md_escape(u.username))
