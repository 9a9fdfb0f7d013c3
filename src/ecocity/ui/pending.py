"""The "Include data not yet reviewed" switch of reviewers and administrators: kept in the session
and the URL (?pending=1), carried to the cached readers on their data token; while on, a banner on
every data page (see docs/design-notes.md, "ecocity.ui.pending")."""

from __future__ import annotations

import streamlit as st

from ecocity.core.access import Actor
from ecocity.core.review import sees_every_pending
from ecocity.core.rows import PENDING_MARK
from ecocity.i18n import t
from ecocity.ui.routes import ROUTES

PARAM = "pending"  # query parameter: "1" on
STATE = "_ecocity_pending"  # the canonical value in the session (not a widget key)
WIDGET = "filter_pending"  # the toggle's key (test id .st-key-filter_pending)
TAG = "+pending"  # after a data token: read with data not yet reviewed
# The pages whose figures come from the stored assessments: the switch and the banner show there.
PAGES = frozenset({"overview", "area", "estate", "indicators", "present"})
ON, OFF = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def parse(raw: object) -> bool | None:
    """``"1"`` -> True, ``"0"`` -> False (also true/false, yes/no, on/off); else None."""
    if not isinstance(raw, str):
        return None
    v = raw.strip().lower()
    return True if v in ON else False if v in OFF else None


def may_switch(actor: Actor) -> bool:
    return sees_every_pending(actor)


def _write(on: bool) -> None:
    st.session_state[STATE] = on
    if on:
        if st.query_params.get(PARAM) != "1":
            st.query_params[PARAM] = "1"
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def resolve(actor: Actor) -> bool:
    """This run's switch: the URL's when valid, else the session's, else off; always off for
    an actor who may not switch (their ``?pending=1`` is dropped). Saved to both."""
    on = False
    if may_switch(actor):
        url = parse(st.query_params.get(PARAM)) if PARAM in st.query_params else None
        on = url if url is not None else bool(st.session_state.get(STATE, False))
    _write(on)
    return on


def active() -> bool:
    """Whether this run reads data not yet reviewed (as resolved, for this run's actor)."""
    from ecocity.ui.auth import run_actor

    return st.session_state.get(STATE) is True and may_switch(run_actor())


def token(data_token: str) -> str:
    """The token the pages key their readers with: ``data_token``, tagged while the switch is on."""
    return data_token + TAG if active() else data_token


def is_pending(token: str) -> bool:
    """Whether a reader keyed by ``token`` reads data not yet reviewed."""
    return token.endswith(TAG)


def query() -> dict[str, str]:
    """The switch as query parameters for links (``{"pending": "1"}`` while on)."""
    return {PARAM: "1"} if active() else {}


def _on_switch() -> None:
    _write(bool(st.session_state.get(WIDGET)))


def switch(lang: str) -> None:
    """The toggle in the sidebar (for who may switch, on the data pages)."""
    st.session_state[WIDGET] = st.session_state.get(STATE) is True
    st.sidebar.container(key="pending_switch").toggle(
        t("pending.switch", lang), key=WIDGET, help=t("pending.switch_help", lang), on_change=_on_switch)


def banner(lang: str) -> None:
    """The warning at the top of a page read with data not yet reviewed, with the mark's legend."""
    st.warning(t("pending.banner", lang, mark="\\" + PENDING_MARK), icon=":material/rate_review:")


def draw(lang: str, actor: Actor, page: str | None) -> bool:
    """Resolve the switch for this run (app.py, before the page runs); on a data page, draw
    the toggle for who may switch and, while it is on, the banner. Returns whether it is on."""
    on = resolve(actor)
    if not page:  # the default page is served at "/" (its url_path is "")
        page = next((r.key for r in ROUTES if r.default), None)
    if page in PAGES and may_switch(actor):
        switch(lang)
        on = st.session_state.get(STATE) is True
        if on:
            banner(lang)
    return on
