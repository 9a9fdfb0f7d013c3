"""Shared constants and checks for the AppTest tests (imported as a plain module: the
test folders have no __init__.py)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
# Every page file the router is expected to register.
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "views").glob("*.py"))
TIMEOUT = 60  # seconds per run: the first run of a session migrates the database


def problems(at: AppTest) -> list[str]:
    """Everything on screen that signals a failure: an uncaught exception, or the error
    box app.py shows when a page raised."""
    return [f"exception: {e.value}" for e in at.exception] + [f"error: {e.value}" for e in at.error]


def crashes(at: AppTest) -> list[str]:
    """Exceptions and the app's own failure boxes (a page's expected red box, e.g. for a
    rejected file, is not one)."""
    from ecocity.i18n import t

    failures = {t(k, lang) for k in ("app.error.unexpected", "app.error.database") for lang in ("th", "en")}
    return [f"exception: {e.value}" for e in at.exception] + [e.value for e in at.error if e.value in failures]


def texts(at: AppTest, *, unescape: bool = False) -> str:
    """Everything written on the page as one string: headings, markdown, captions, alerts
    and metrics. ``unescape``: Markdown escapes taken off (names are shown escaped)."""
    import re

    parts = [x.value for x in [*at.header, *at.subheader, *at.markdown, *at.caption]]
    for kind in ("info", "warning", "success", "error"):
        parts += [e.value for e in at.get(kind)]
    parts += [str(m.value) for m in at.metric]
    text = "\n".join(parts)
    return re.sub(r"\\(.)", r"\1", text) if unescape else text


def on_database(url: str, fn):
    """``fn(engine)`` on a new engine for ``url``, disposed afterwards (the app under test
    has its own engines)."""
    from ecocity.store import make_engine

    engine = make_engine(url)
    try:
        return fn(engine)
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- accounts

ADMIN_PAGES = ("views/admin_audit.py", "views/admin_framework.py", "views/admin_registry.py", "views/admin_users.py")


def sign_in(at: AppTest, username: str, password: str, lang: str = "th") -> AppTest:
    """Open the sign-in page and submit the form (as a person would)."""
    from ecocity.i18n import t

    at.switch_page("views/sign_in.py").run()
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    next(b for b in at.button if b.label == t("auth.page.submit", lang)).click().run()
    return at


def act_as(at: AppTest, actor) -> AppTest:
    """Act as ``actor`` without signing in: what ``current_actor`` returns, under the
    :func:`honour_injected_actor` patch, while nobody has signed in in this session."""
    at.session_state["auth.actor"] = actor
    return at


def honour_injected_actor(monkeypatch) -> None:
    """Patch ``ecocity.ui.auth.current_actor`` so that an Actor the test put in the
    session (:func:`act_as`) counts while nobody signed in; the app never reads it so."""
    import streamlit as st

    from ecocity.core.access import ANONYMOUS, Actor
    from ecocity.ui import auth

    real = auth.current_actor

    def current_actor() -> Actor:
        signed = isinstance(st.session_state.get(auth.SESSION_KEY), dict)
        actor = real()
        injected = st.session_state.get(auth.ACTOR_KEY)
        if not signed and actor is ANONYMOUS and isinstance(injected, Actor):
            return injected
        return actor

    current_actor.__wrapped__ = real  # type: ignore[attr-defined]
    monkeypatch.setattr(auth, "current_actor", current_actor)


class NavSpy:
    """Records what app.py hands to st.navigation on each run: ``sections()`` maps each
    section title ('' for the main list) to the url paths shown in it (hidden pages
    left out); ``visible()`` is every shown url path."""

    def __init__(self, monkeypatch) -> None:
        import streamlit as st

        self.calls: list = []
        real = st.navigation

        def spy(pages, *args, **kwargs):
            self.calls.append(pages)
            return real(pages, *args, **kwargs)

        monkeypatch.setattr(st, "navigation", spy)

    def sections(self) -> dict[str, list[str]]:
        pages = self.calls[-1]
        groups = pages.items() if isinstance(pages, dict) else [("", pages)]
        return {title: [p.url_path for p in group if p.visibility == "visible"] for title, group in groups}

    def visible(self) -> set[str]:
        return {path for paths in self.sections().values() for path in paths}
