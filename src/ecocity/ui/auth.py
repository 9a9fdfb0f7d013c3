"""Who is using this browser session (the Streamlit side of ``ecocity.core.access``): sign-in and
sign-out, the actor of each run (:func:`run_actor`) and the guard of restricted pages
(see docs/design-notes.md)."""

from __future__ import annotations

import hashlib
import logging
import time
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from ecocity.core.access import ANONYMOUS, Action, Actor
from ecocity.i18n import t
from ecocity.ui.routes import script

log = logging.getLogger("ecocity.ui")

ACTOR_KEY = "auth.actor"
RUN_ACTOR_KEY = "auth.run_actor"  # the actor app.py resolved for this run (see run_actor)
SESSION_KEY = "auth.session"  # {"user_id", "username", "via", "since" (epoch seconds), "browser"}
NOTICE_KEY = "auth.notice"  # a message for the sign-in page (expired, signed out, no account)
HERE_KEY = "auth.here"  # url_path of the page being run (set by app.py), for ?next=
OIDC_SKIP_KEY = "auth.oidc_skip"  # the provider's sign-in was refused or ended here
# Streamlit's XSRF cookie: a random token the browser holds and sends with every websocket
# connection, never part of a URL. A sign-in is bound to it, so a client that reconnects
# to a Streamlit session by its ID (seen in upload URLs and logs) is not signed in.
BROWSER_COOKIE = "_streamlit_xsrf"


def browser_key(raw_cookie: str | None) -> str | None:
    """A digest of the token inside Streamlit's XSRF cookie ("2|mask|masked token|time");
    the mask changes when the cookie is refreshed, the token does not. None when absent
    or not of that form."""
    parts = (raw_cookie or "").split("|")
    if len(parts) != 4 or parts[0] != "2":
        return None
    try:
        mask, masked = bytes.fromhex(parts[1]), bytes.fromhex(parts[2])
    except ValueError:
        return None
    if len(mask) != 4 or not masked:
        return None
    token = bytes(b ^ mask[i % 4] for i, b in enumerate(masked))  # the mask repeats over the token
    return hashlib.sha256(token).hexdigest()


def _this_browser() -> str | None:
    """:func:`browser_key` of the client connected to this session now."""
    try:
        return browser_key(st.context.cookies.get(BROWSER_COOKIE))
    except Exception:  # noqa: BLE001 - no client context (a bare script run)
        return None


def _engine() -> Any:
    from ecocity.ui.db import database_url, engine_for

    return engine_for(database_url())


def _session_hours() -> float:
    from ecocity.config import settings

    return settings().session_hours


def start_session(actor: Actor, user_id: int, *, since: float | None = None) -> None:
    """Remember a successful sign-in for this browser session; it lasts until ``since``
    (epoch seconds, default now) plus the session hours."""
    st.session_state[SESSION_KEY] = {"user_id": user_id, "username": actor.username, "via": actor.via,
                                     "since": time.time() if since is None else since,
                                     "browser": _this_browser()}
    st.session_state[ACTOR_KEY] = actor
    st.session_state.pop(RUN_ACTOR_KEY, None)  # the rest of this run reads the new account
    st.session_state.pop(NOTICE_KEY, None)


def end_session(notice: str | None = None) -> None:
    st.session_state.pop(SESSION_KEY, None)
    st.session_state.pop(ACTOR_KEY, None)
    st.session_state.pop(RUN_ACTOR_KEY, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice


def oidc_user() -> tuple[bool, str]:
    """(logged in with the provider, e-mail) from ``st.user``; (False, "") when the app
    has no provider configured or the user is not logged in."""
    claims = _oidc_claims()
    if not claims.get("is_logged_in", False):
        return False, ""
    return True, str(claims.get("email") or "")


def _oidc_claims() -> dict[str, Any]:
    """``st.user`` as a dict ({} when no provider is configured)."""
    try:
        return dict(st.user.to_dict())
    except Exception:  # noqa: BLE001 - no auth configured, or an older runtime
        return {}


def oidc_issued_at(claims: dict[str, Any]) -> float | None:
    """When the provider issued the token (``iat``, else ``auth_time``; epoch seconds),
    or None when it says neither."""
    for name in ("iat", "auth_time"):
        value = claims.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
    return None


def oidc_configured() -> bool:
    """Whether ``[auth]`` is set in the Streamlit secrets (no secrets file: False)."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - FileNotFoundError / StreamlitSecretNotFoundError / parse errors
        return False


def _match_oidc() -> Actor | None:
    """After the provider's callback: the account with the confirmed e-mail, once per
    browser session (a refusal is remembered so it is not audited on every run)."""
    claims = _oidc_claims()
    if not claims.get("is_logged_in", False) or st.session_state.get(OIDC_SKIP_KEY):
        return None
    from datetime import timedelta

    from ecocity.core.textsafe import md_escape
    from ecocity.store.users import SignInError, record_oidc_sign_in, user_id_of

    engine = _engine()
    issued = oidc_issued_at(claims)
    now = time.time()
    since = min(issued, now) if issued is not None else None
    try:
        actor = record_oidc_sign_in(
            engine, str(claims.get("email") or ""), email_verified=claims.get("email_verified") is True,
            issued_at=datetime.fromtimestamp(since, UTC) if since is not None else None,
            max_age=timedelta(hours=_session_hours()), now=datetime.fromtimestamp(now, UTC))
    except SignInError as e:
        st.session_state[OIDC_SKIP_KEY] = True
        # The e-mail is the provider's text, shown in Markdown: escaped.
        st.session_state[NOTICE_KEY] = (e.key, {k: md_escape(v) for k, v in e.kw.items()})
        return None
    from ecocity.store.db import session_scope

    with session_scope(engine) as s:
        uid = user_id_of(s, actor.username)
    if uid is None:
        return None
    start_session(actor, uid, since=since)
    return actor


def current_actor() -> Actor:
    """The signed-in actor of this session as the database has it now, or the anonymous
    viewer (see the module docstring)."""
    signed = st.session_state.get(SESSION_KEY)
    if not isinstance(signed, dict):
        actor = _match_oidc() if oidc_configured() else None
        if actor is not None:
            return actor
        return ANONYMOUS
    if signed.get("browser") is not None and signed.get("browser") != _this_browser():
        # Another browser took this session over by its ID: it is not the one that signed in.
        log.warning("a sign-in of %s was refused to another browser on its session", signed.get("username"))
        end_session(notice="auth.error.other_browser")
        return ANONYMOUS
    hours = _session_hours()
    if _expired(signed, hours):
        end_session(notice="auth.error.expired")
        st.session_state[OIDC_SKIP_KEY] = True  # the provider's cookie may outlive ours
        return ANONYMOUS
    actor = actor_of_sign_in(_engine(), signed, hours)
    if actor is None:
        end_session(notice="auth.error.expired")
        return ANONYMOUS
    st.session_state[ACTOR_KEY] = actor
    return actor


def set_run_actor(actor: Actor) -> None:
    """Remember ``actor`` as this run's (app.py, once per run, before the page runs)."""
    st.session_state[RUN_ACTOR_KEY] = actor


def run_actor() -> Actor:
    """The actor app.py resolved at the start of this run (:func:`current_actor` read once
    per run, not once per page and guard); :func:`current_actor` when there is none (a
    page run on its own, or after a sign-in or sign-out in this run)."""
    actor = st.session_state.get(RUN_ACTOR_KEY)
    return actor if isinstance(actor, Actor) else current_actor()


def _expired(signed: dict[str, Any], hours: float) -> bool:
    return time.time() - float(signed.get("since", 0)) > hours * 3600


def actor_of_sign_in(engine: Any, signed: dict[str, Any], hours: float) -> Actor | None:
    """The account of a sign-in record ({user_id, via, since}) as the database has it now;
    None when the sign-in is older than ``hours`` or the account was disabled, removed or
    its password changed since. No Streamlit calls: download callables run it on another
    thread, when the user clicks."""
    if _expired(signed, hours):
        return None
    from ecocity.store.db import session_scope
    from ecocity.store.users import actor_by_id

    since = datetime.fromtimestamp(float(signed["since"]), UTC)
    with session_scope(engine) as s:
        return actor_by_id(s, int(signed["user_id"]), via=signed.get("via", "password"), signed_in_at=since)


def sign_out() -> None:
    """End this session's sign-in (audited). An OIDC sign-in also leaves the provider's
    Streamlit cookie (``st.logout``), which reloads the app."""
    actor = run_actor()
    via = actor.via
    from ecocity.store.users import record_sign_out

    try:
        record_sign_out(_engine(), actor)
    except Exception:  # noqa: BLE001 - signing out must work even if the log cannot be written
        log.exception("could not audit a sign-out")
    end_session(notice="auth.signed_out")
    # Whatever the way in, a provider cookie left in the browser must not sign this
    # session straight back in.
    st.session_state[OIDC_SKIP_KEY] = True
    if via == "oidc":
        try:
            st.logout()
        except Exception:  # noqa: BLE001 - no provider configured any more
            log.exception("st.logout failed")


def client_address() -> str | None:
    """The address of the browser connected to this session: the header named by
    ``ECOCITY_CLIENT_IP_HEADER`` when set (a reverse proxy's X-Real-IP; of a list such as
    X-Forwarded-For, the last address, the one the proxy itself saw), else (or when the
    header is missing) the connection's address, which Streamlit gives as None for a local
    one. Sign-ins are throttled by it (store.users.authenticate)."""
    from ecocity.config import settings

    header = settings().client_ip_header
    try:
        values = [v for v in st.context.headers.get_all(header) if isinstance(v, str)] if header else []
        address = ",".join(values).split(",")[-1].strip() or st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context (a bare script run)
        return None
    return address if isinstance(address, str) and address else None  # (a test runtime gives mocks)


def sign_in_with_password(username: str, password: str) -> Actor:
    """Check the password (store.users.authenticate: the throttle by name and by this
    browser's address, the audit) and start this browser session's sign-in; raises the
    StoreError to show. The throttle is kept in the database, so reloading the page does
    not reset it and every replica applies it."""
    from ecocity.store.db import session_scope
    from ecocity.store.users import SignInError, authenticate, user_id_of

    engine = _engine()
    actor = authenticate(engine, username, password, client=client_address())
    with session_scope(engine) as s:
        uid = user_id_of(s, actor.username)
    if uid is None:  # removed between the check and now
        raise SignInError("auth.error.wrong")
    start_session(actor, uid)
    return actor


def pop_notice(lang: str) -> str | None:
    """The pending message for the sign-in page, translated, once."""
    notice = st.session_state.pop(NOTICE_KEY, None)
    if not notice:
        return None
    if isinstance(notice, tuple):
        key, kw = notice
        return t(key, lang, **kw)
    return t(str(notice), lang)


def sign_in_link(lang: str, *, next_page: str | None = None) -> None:
    """A link to the sign-in page that comes back to ``next_page`` (default: this page)."""
    here = next_page if next_page is not None else st.session_state.get(HERE_KEY, "")
    # This page's filters (estate, year, ...) travel along, so signing in comes back to
    # exactly this view; the sign-in page only ever goes to a page of the router.
    params = ({k: v for k, v in st.query_params.items() if k != "next"} | {"next": here}
              if here and here != "sign_in" else None)
    st.page_link(script("sign_in"), label=t("auth.sign_in", lang), icon=":material/login:",
                 query_params=params)


def require_page(action: Action | None = None, *, estate: str | None = None) -> Actor:
    """The guard a restricted page calls before drawing anything. Returns the actor when
    it may do ``action`` (``None``: any signed-in user); otherwise shows a title, why,
    and a sign-in link, and stops the page (``st.stop()``).

    Hiding a page from the navigation is only a convenience: this check is what counts
    for a page opened by its address."""
    from ecocity.ui.lang import current_lang

    actor = run_actor()
    if (actor.signed_in and action is None) or (action is not None and actor.may(action, estate)):
        return actor
    lang = current_lang()
    what = t(f"access.action.{action}", lang) if action else ""
    if not actor.signed_in:
        st.title(t("auth.guard.title_sign_in", lang))
        st.info(t("auth.guard.sign_in_first", lang, action=what) if action else t("auth.guard.private", lang),
                icon=":material/lock:")
        sign_in_link(lang)
    else:
        from ecocity.core.textsafe import md_escape

        _audit_page_refusal(actor, action)
        st.title(t("auth.guard.title_denied", lang))
        st.warning(t("auth.guard.denied", lang, who=md_escape(actor.label),
                     role=t(f"access.role.{actor.role}", lang), action=what), icon=":material/block:")
    st.stop()
    raise AssertionError("unreachable")  # st.stop raises; for type checkers


REFUSED_PAGES_KEY = "auth.refused_pages"  # (user, page) refusals already audited in this session


def _audit_page_refusal(actor: Actor, action: Action | None) -> None:
    """Audit a signed-in user refused a page ('page.denied', target: the page's address),
    once per browser session, user and page: every rerun of the refusal would otherwise add
    an entry. An anonymous visitor is only asked to sign in, which is not logged. The
    refusal stands even when the audit log cannot be written."""
    from ecocity.store import audit
    from ecocity.store.errors import DatabaseError

    page = str(st.session_state.get(HERE_KEY, ""))
    seen: set[tuple[str, str]] = st.session_state.setdefault(REFUSED_PAGES_KEY, set())
    if (actor.username, page) in seen:
        return
    try:
        audit.record_alone(_engine(), actor, "page.denied", page, outcome="denied",
                           details={"refused": action or "sign_in"})
    except DatabaseError:
        log.exception("a refused page open could not be written to the audit log")
        return
    seen.add((actor.username, page))


def account_widget(lang: str, actor: Actor | None = None) -> None:
    """The sidebar's account box: who is signed in, their role and a sign-out button;
    or a sign-in link."""
    from ecocity.core.textsafe import md_escape

    actor = actor or run_actor()
    box = st.sidebar.container(key="account")
    if actor.signed_in:
        box.markdown(t("auth.signed_in_as", lang, who=md_escape(actor.label),
                       role=t(f"access.role.{actor.role}", lang)))
        if box.button(t("auth.sign_out", lang), key="sign_out", icon=":material/logout:"):
            sign_out()
            st.rerun()
    elif st.session_state.get(HERE_KEY) != "sign_in":
        with box:
            sign_in_link(lang)
