"""Signing in and out through the app (AppTest, SQLite and PostgreSQL): a wrong password
shows the error, an officer then sees Upload, an administrator the Administration
section; admin pages refuse viewers and officers even when opened by their address;
a disabled account or a changed role counts at the next run; too many failures under a
name or from an address make the next try wait, in every browser session."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from helpers.apphelp import ADMIN_PAGES, NavSpy, act_as, on_database, problems, sign_in

from ecocity.core import access
from ecocity.core.access import Actor
from ecocity.i18n import t
from ecocity.store import audit, make_engine, session_scope, users

PW = "correct horse battery"
ADMIN_PATHS = {"admin_users", "admin_audit", "admin_registry", "admin_framework"}

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def accounts(app_env: str) -> str:
    engine = make_engine(app_env)
    try:
        by = access.system("apptest")
        users.create_user(engine, by, "officer1", role="officer", estates=["MAP-TA-PHUT"], password=PW,
                          display_name="สมชาย ใจดี")
        users.create_user(engine, by, "boss", role="admin", password=PW)
        users.create_user(engine, by, "reader", role="viewer", password=PW)
    finally:
        engine.dispose()
    return app_env


def _sidebar_text(at) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_wrong_password_and_unknown_user_show_the_same_error(open_app, accounts, lang):
    at = open_app(lang=lang)
    sign_in(at, "officer1", "not the password", lang)
    assert [e.value for e in at.error] == [t("auth.error.wrong", lang)]
    assert at.title[0].value == t("auth.page.title", lang)
    sign_in(at, "nobody", "not the password", lang)
    assert [e.value for e in at.error] == [t("auth.error.wrong", lang)]
    assert not at.exception
    assert "auth.session" not in at.session_state


def test_officer_signs_in_sees_upload_and_signs_out(open_app, accounts, monkeypatch):
    nav = NavSpy(monkeypatch)
    at = open_app(lang="en")
    assert "upload" not in nav.visible() and not nav.visible() & ADMIN_PATHS
    assert "sign_in" not in nav.visible()  # reached from the account box only
    assert any(p.label == t("auth.sign_in", "en") for p in at.sidebar.get("page_link"))

    sign_in(at, "OFFICER1", PW, "en")
    assert problems(at) == []
    assert at.title[0].value == t("app.overview.title", "en")  # back to the overview
    assert "upload" in nav.visible() and not nav.visible() & ADMIN_PATHS
    assert list(nav.sections()) == [""]
    assert "สมชาย ใจดี (officer1)" in _sidebar_text(at) and "officer" in _sidebar_text(at)

    at.button(key="sign_out").click().run()
    assert "upload" not in nav.visible()
    assert "officer1" not in _sidebar_text(at)
    kinds = [(e.action, e.actor, e.outcome) for e in on_database(
        accounts, lambda e: _entries(e, "auth"))]
    assert kinds == [("auth.sign_out", "officer1", "ok"), ("auth.sign_in", "officer1", "ok")]


def _entries(engine, prefix):
    with session_scope(engine) as s:
        return audit.list_entries(s, action=prefix)


def test_sign_in_returns_to_the_page_in_next(open_app, accounts):
    at = open_app(lang="en")
    at.switch_page("views/admin_users.py").run()
    assert at.title[0].value == t("auth.guard.title_sign_in", "en")
    link = next(p for p in at.get("page_link") if p.proto.label == t("auth.sign_in", "en"))
    assert "next=admin_users" in link.proto.query_string
    at.query_params["next"] = "admin_users"
    sign_in(at, "boss", PW, "en")
    assert problems(at) == []
    assert at.title[0].value == t("admin.users.title", "en")
    table = at.dataframe[0].value
    assert sorted(table[t("admin.users.col_username", "en")]) == ["boss", "officer1", "reader"]


def test_admin_sees_the_administration_section(open_app, accounts, monkeypatch):
    nav = NavSpy(monkeypatch)
    at = open_app(lang="th")
    sign_in(at, "boss", PW, "th")
    assert problems(at) == []
    sections = nav.sections()
    assert set(sections) == {"", t("admin.nav.section", "th")}
    assert set(sections[t("admin.nav.section", "th")]) == ADMIN_PATHS
    assert "upload" in sections[""]


@pytest.mark.parametrize("who", ["anonymous", "reader", "officer1"])
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_refuse_non_admins_opened_by_address(open_app, accounts, who, page):
    at = open_app(lang="en")
    if who != "anonymous":
        sign_in(at, who, PW, "en")
    at.switch_page(page).run()  # what opening /admin_... in the address bar does
    assert problems(at) == []
    expected = "auth.guard.title_sign_in" if who == "anonymous" else "auth.guard.title_denied"
    assert [x.value for x in at.title] == [t(expected, "en")]
    assert not at.dataframe and not at.get("download_button") and not at.text_input


def _page_refusals(url: str) -> list[tuple[str, str, str, dict]]:
    def read(engine):
        with session_scope(engine) as s:
            return [(e.actor, e.target, e.outcome, e.details)
                    for e in reversed(audit.list_entries(s, action="page.denied", limit=None))]
    return on_database(url, read)


def test_a_signed_in_user_refused_a_page_is_audited_once_per_page_and_session(open_app, accounts):
    at = open_app(lang="en")
    sign_in(at, "officer1", PW, "en")
    users_page, audit_page = "views/admin_users.py", "views/admin_audit.py"
    at.switch_page(users_page).run()
    at.run()  # the refusal drawn again: not a second entry
    at.switch_page(audit_page).run()
    at.switch_page(users_page).run()
    assert [x.value for x in at.title] == [t("auth.guard.title_denied", "en")]
    pages = [p.removeprefix("views/").removesuffix(".py") for p in (users_page, audit_page)]
    refused = _page_refusals(accounts)
    assert [(who, target, outcome) for who, target, outcome, _ in refused] == [
        ("officer1", pages[0], "denied"), ("officer1", pages[1], "denied")]
    assert refused[0][3]["refused"] == "manage_users"


def test_an_anonymous_visitor_asked_to_sign_in_is_not_audited(open_app, accounts):
    at = open_app(lang="th")
    for page in ADMIN_PAGES:
        at.switch_page(page).run()
        assert [x.value for x in at.title] == [t("auth.guard.title_sign_in", "th")], page
    assert _page_refusals(accounts) == []


def test_admin_pages_refuse_an_injected_officer_too(open_app, accounts):
    at = open_app(lang="th")
    act_as(at, Actor("o", "officer", frozenset({"MAP-TA-PHUT"})))
    for page in ADMIN_PAGES:
        at.switch_page(page).run()
        assert [x.value for x in at.title] == [t("auth.guard.title_denied", "th")], page


def test_disabled_account_and_changed_role_count_at_the_next_run(open_app, accounts, monkeypatch):
    nav = NavSpy(monkeypatch)
    at = open_app(lang="en")
    sign_in(at, "officer1", PW, "en")
    assert "upload" in nav.visible()
    on_database(accounts, lambda e: users.update_user(e, access.system("apptest"), "officer1", role="viewer"))
    at.run()
    assert "upload" not in nav.visible()
    assert "viewer" in _sidebar_text(at)
    on_database(accounts, lambda e: users.disable_user(e, access.system("apptest"), "officer1"))
    at.run()
    assert "officer1" not in _sidebar_text(at)
    assert "auth.session" not in at.session_state


def test_a_sign_in_expires_after_the_session_hours(open_app, accounts, monkeypatch):
    at = open_app(lang="en")
    sign_in(at, "officer1", PW, "en")
    assert "officer1" in _sidebar_text(at)
    monkeypatch.setenv("ECOCITY_SESSION_HOURS", "2")
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 2 * 3600 + 5)
    at.switch_page("views/overview.py").run()
    assert "officer1" not in _sidebar_text(at)
    at.switch_page("views/sign_in.py").run()
    assert t("auth.error.expired", "en") in [i.value for i in at.info]


def test_a_signed_in_user_sees_welcome_and_may_sign_out_on_the_sign_in_page(open_app, accounts):
    at = open_app(lang="th")
    sign_in(at, "reader", PW, "th")
    at.switch_page("views/sign_in.py").run()
    assert [s.value for s in at.success] == [t("auth.page.welcome", "th", who="reader", role="ผู้ชม")]
    at.button(key="sign_in_out").click().run()
    assert t("auth.signed_out", "th") in [i.value for i in at.info]
    assert at.text_input(key="sign_in_username")


def _clock(monkeypatch) -> list[float]:
    """time.time() plus a shift the test moves forward (the session lifetime reads this
    clock); returns the shift's holder."""
    shift = [0.0]
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + shift[0])
    return shift


def _store_clock(monkeypatch) -> list[datetime]:
    """The store's clock (models.utcnow, which the sign-in throttle reads) stopped at now;
    the test moves it forward by changing the holder."""
    from ecocity.store import models as m

    now = [datetime.now(UTC)]
    monkeypatch.setattr(m, "utcnow", lambda: now[0])
    return now


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_name_that_keeps_failing_waits_known_or_not_and_a_reload_does_not_reset_it(
        open_app, accounts, monkeypatch, lang):
    clock = _store_clock(monkeypatch)
    at = open_app(lang=lang)
    for name in ("officer1", "nobody"):
        for _ in range(6):
            sign_in(at, name, "not the password", lang)
            assert [e.value for e in at.error] == [t("auth.error.wrong", lang)]
    # The seventh try, even with the right password, is not checked; the message is the
    # same for the account and for the name nobody has, and tells the seconds.
    waiting = [t("auth.error.throttled", lang, seconds=2)]
    for name, password in (("officer1", PW), ("nobody", PW)):
        sign_in(at, name, password, lang)
        assert [w.value for w in at.warning] == waiting and not at.error
    assert "auth.session" not in at.session_state
    # A reload is a new browser session: the wait is in the database, not in the session.
    again = open_app(lang=lang)
    sign_in(again, "officer1", PW, lang)
    assert [w.value for w in again.warning] == waiting
    assert "officer1" not in _sidebar_text(again)
    entries = on_database(accounts, lambda e: _entries(e, "auth.sign_in"))
    assert [x.details["reason"] for x in entries[:3]] == ["throttled"] * 3
    clock[0] += timedelta(seconds=2)  # the wait is over: the owner signs in
    sign_in(again, "officer1", PW, lang)
    assert problems(again) == [] and "officer1" in _sidebar_text(again)


def test_anonymous_view_off_asks_everyone_to_sign_in(open_app, accounts, monkeypatch):
    monkeypatch.setenv("ECOCITY_ANONYMOUS_VIEW", "0")
    at = open_app(lang="en")
    assert [x.value for x in at.title] == [t("auth.guard.title_sign_in", "en")]
    assert [i.value for i in at.info] == [t("auth.guard.private", "en")]
    sign_in(at, "reader", PW, "en")
    assert at.title[0].value == t("app.overview.title", "en")


def test_organisation_account_matched_by_email(open_app, app_env, monkeypatch):
    """st.user after the provider's callback: an active account with that e-mail signs in;
    an unknown e-mail stays a viewer with a message (both audited)."""
    from ecocity.ui import auth

    on_database(app_env, lambda engine: users.create_user(
        engine, access.system("apptest"), "malee", role="officer", email="malee@example.org", estates=["MAP-TA-PHUT"]))
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    nav = NavSpy(monkeypatch)
    at = open_app(lang="en")
    at.user = {"is_logged_in": True, "email": "Malee@Example.org", "email_verified": True}
    at.run()
    assert "malee" in _sidebar_text(at) and "upload" in nav.visible()

    other = open_app(lang="en")
    other.user = {"is_logged_in": True, "email": "stranger@example.org", "email_verified": True}
    other.run()
    other.switch_page("views/sign_in.py").run()
    # the address is shown with an invisible word joiner, so it is not made a mailto link
    assert t("auth.page.oidc_no_account", "en", email="stranger@example.org") in [
        i.value.replace("\u2060", "") for i in other.info]
    assert "upload" not in nav.visible()
    entries = on_database(app_env, lambda e: _entries(e, "auth.sign_in"))
    assert sorted((x.actor, x.outcome) for x in entries) == [("", "failed"), ("malee", "ok")]


def test_sign_in_comes_back_to_the_same_view_with_its_filters(open_app, accounts):
    """From an estate page opened by a link (estate and year in the address), signing in
    comes back to that estate and year, not to the page's default."""
    at = open_app(lang="en")
    at.query_params["estate"] = "MAP-TA-PHUT"
    at.query_params["year"] = "2566"
    at.switch_page("views/estate.py").run()
    at.query_params["next"] = "estate"
    link = next(p for p in at.sidebar.get("page_link") if p.proto.label == t("auth.sign_in", "en"))
    assert "estate=MAP-TA-PHUT" in link.proto.query_string and "next=estate" in link.proto.query_string
    sign_in(at, "officer1", PW, "en")
    assert problems(at) == []
    assert at.query_params["estate"] == ["MAP-TA-PHUT"] or at.query_params["estate"] == "MAP-TA-PHUT"
    assert "next" not in at.query_params


def _malee(url: str, **kw) -> None:
    on_database(url, lambda e: users.create_user(e, access.system("apptest"), "malee", role="officer",
                                                  email="malee@example.org", estates=["MAP-TA-PHUT"], **kw))


@pytest.mark.parametrize("claims", [{}, {"email_verified": False}, {"email_verified": "true"}],
                         ids=["missing", "false", "string"])
def test_organisation_email_not_verified_by_the_provider_is_refused(open_app, app_env, monkeypatch, claims):
    from ecocity.ui import auth

    _malee(app_env)
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    nav = NavSpy(monkeypatch)
    at = open_app(lang="th")
    at.user = {"is_logged_in": True, "email": "malee@example.org"} | claims
    at.run()
    assert "malee" not in _sidebar_text(at) and "upload" not in nav.visible()
    at.switch_page("views/sign_in.py").run()
    # the address is shown with an invisible word joiner, so it is not made a mailto link
    assert [i.value.replace("\u2060", "") for i in at.info] == [
        t("auth.error.oidc_unverified", "th", email="malee@example.org")]
    at.run()  # remembered: not tried (nor audited) again on every run
    [entry] = on_database(app_env, lambda e: _entries(e, "auth.sign_in"))
    assert (entry.actor, entry.target, entry.outcome, entry.details) == (
        "", "malee@example.org", "failed", {"via": "oidc", "reason": "unverified"})


def test_the_providers_email_is_escaped_in_the_notice(open_app, app_env, monkeypatch):
    from ecocity.core.textsafe import md_escape
    from ecocity.ui import auth

    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    at = open_app(lang="en")
    email = "[click](http://evil.example)*x*@example.org"
    at.user = {"is_logged_in": True, "email": email, "email_verified": True}
    at.run()
    at.switch_page("views/sign_in.py").run()
    [notice] = [i.value for i in at.info]
    assert notice == t("auth.page.oidc_no_account", "en", email=md_escape(email))
    assert "\\[click\\]" in notice and email not in notice


def test_signing_out_keeps_a_provider_cookie_from_signing_straight_back_in(open_app, accounts, monkeypatch):
    """Signed in with a password while the browser holds the provider's cookie (for
    another account): after signing out, nobody is signed in, not even at later runs."""
    from ecocity.ui import auth

    _malee(accounts)
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    at = open_app(lang="en")
    sign_in(at, "officer1", PW, "en")
    assert "officer1" in _sidebar_text(at)
    at.user = {"is_logged_in": True, "email": "malee@example.org", "email_verified": True}
    at.button(key="sign_out").click().run()
    at.run()
    assert "officer1" not in _sidebar_text(at) and "malee" not in _sidebar_text(at)
    assert "auth.session" not in at.session_state
    # The organisation button on the sign-in page is how to use that cookie again.
    at.switch_page("views/sign_in.py").run()
    assert at.button(key="sign_in_oidc")


def test_an_organisation_sign_in_lasts_the_session_hours_from_the_token(open_app, app_env, monkeypatch):
    """A sign-in through the provider counts from when its token was issued (iat): it ends
    when that is older than ECOCITY_SESSION_HOURS, and a token already that old is refused
    (audited) instead of signing the browser in again and again."""
    from ecocity.ui import auth

    _malee(app_env)
    monkeypatch.setattr(auth, "oidc_configured", lambda: True)
    monkeypatch.setenv("ECOCITY_SESSION_HOURS", "12")
    shift = _clock(monkeypatch)
    now = time.time()
    at = open_app(lang="en")
    at.user = {"is_logged_in": True, "email": "malee@example.org", "email_verified": True, "iat": now - 11.5 * 3600}
    at.run()
    assert "malee" in _sidebar_text(at)
    shift[0] = 3600  # an hour later the token is 12.5 hours old
    at.run()
    assert "malee" not in _sidebar_text(at)
    at.run()  # and the cookie does not sign it back in
    assert "malee" not in _sidebar_text(at)

    stale = open_app(lang="th")
    stale.user = {"is_logged_in": True, "email": "malee@example.org", "email_verified": True,
                  "auth_time": time.time() - 13 * 3600}
    stale.run()
    assert "malee" not in _sidebar_text(stale)
    stale.switch_page("views/sign_in.py").run()
    assert t("auth.error.expired", "th") in [i.value for i in stale.info]
    entries = on_database(app_env, lambda e: _entries(e, "auth.sign_in"))
    assert [(x.actor, x.outcome, x.details.get("reason")) for x in entries] == [
        ("", "failed", "expired"), ("malee", "ok", None)]


def test_an_address_that_keeps_failing_waits_in_every_browser_session(open_app, accounts, monkeypatch):
    """Sign-ins are throttled by the browser's address too (ui.auth.client_address): after
    ten failures from one address, whatever the names, another session from that address
    waits; a session from another address does not."""
    from ecocity.ui import auth

    clock = _store_clock(monkeypatch)
    address = ["203.0.113.9"]
    monkeypatch.setattr(auth, "client_address", lambda: address[0])
    for n in range(11):
        with pytest.raises(users.SignInError):
            on_database(accounts, lambda e, n=n: users.authenticate(e, f"guess{n}", "not the password",
                                                                    client=address[0], now=clock[0]))
    at = open_app(lang="en")
    sign_in(at, "reader", PW, "en")
    assert [w.value for w in at.warning] == [t("auth.error.throttled", "en", seconds=2)]
    [refused] = on_database(accounts, lambda e: _entries(e, "auth.sign_in"))[:1]
    assert (refused.target, refused.details) == ("reader", {"reason": "throttled", "throttled_by": "client",
                                                            "wait": 2, "address": "203.0.113.9"})
    address[0] = "198.51.100.7"
    other = open_app(lang="en")
    sign_in(other, "reader", PW, "en")
    assert problems(other) == [] and "reader" in _sidebar_text(other)


def test_an_actor_put_in_the_session_counts_only_in_tests(open_app, accounts, monkeypatch):
    """The app itself ignores an Actor placed in the session without a sign-in (the
    upload page asks to sign in); only the tests' patch of current_actor honours it."""
    from helpers.apphelp import honour_injected_actor

    from ecocity.ui import auth
    from ecocity.ui.auth import ACTOR_KEY

    monkeypatch.setattr(auth, "current_actor", auth.current_actor.__wrapped__)  # the app as deployed
    at = open_app(lang="en")
    at.session_state[ACTOR_KEY] = access.Actor("officer1", "officer", frozenset({"MAP-TA-PHUT"}))
    at.switch_page("views/upload.py").run()
    assert problems(at) == []
    assert not at.get("file_uploader")
    assert at.title[0].value == t("upload.title", "en")

    honour_injected_actor(monkeypatch)
    at.run()
    assert at.get("file_uploader")
