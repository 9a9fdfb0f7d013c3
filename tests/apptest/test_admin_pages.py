"""The Users and Audit log pages for an administrator (AppTest, SQLite and PostgreSQL):
add a user, change role and estates, reset a password and failed sign-ins; the audit log filtered,
with CSV and Excel downloads (their contents: tests/unit/test_audit_export.py)."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from helpers.apphelp import on_database, problems, sign_in

from ecocity.core import access
from ecocity.i18n import t
from ecocity.store import make_engine, session_scope, users
from ecocity.store.users import SignInError

PW = "correct horse battery"
EVIL = '=HYPERLINK("http://evil.example","click")'

pytestmark = pytest.mark.usefixtures("cheap_hashing")


@pytest.fixture
def admin_at(open_app, app_env):
    on_database(app_env, lambda e: users.create_user(e, access.system("apptest"), "boss", role="admin", password=PW))
    at = open_app(lang="en")
    sign_in(at, "boss", PW, "en")
    return at


def _get(url: str, name: str):
    def read(engine):
        with session_scope(engine) as s:
            return users.get_user(s, name)
    return on_database(url, read)


def _submit(at, label: str):
    next(b for b in at.button if b.label == label).click().run()


def _edit(at, kind: str, field: str, name: str):
    """A widget of the change form (its key ends with the account's fingerprint)."""
    [w] = [w for w in getattr(at, kind) if (w.key or "").startswith(f"users_edit_{field}_{name}_")]
    return w


def test_add_a_user_then_change_role_and_estates(admin_at, app_env):
    at = admin_at
    at.switch_page("views/admin_users.py").run()
    assert problems(at) == []
    at.text_input(key="users_add_name").input("Somchai")
    at.text_input(key="users_add_display").input("สมชาย ใจดี")
    at.selectbox(key="users_add_role").set_value("officer")
    at.multiselect(key="users_add_estates").set_value(["MAP-TA-PHUT"])
    at.text_input(key="users_add_password").input("short")
    _submit(at, t("admin.users.add", "en"))
    assert [e.value for e in at.error] == [t("auth.policy.too_short", "en", min=10)]
    assert _get(app_env, "somchai") is None

    at.text_input(key="users_add_password").input(PW)
    _submit(at, t("admin.users.add", "en"))
    assert problems(at) == []
    assert [s.value for s in at.success] == [t("admin.users.added", "en", name="somchai")]
    info = _get(app_env, "somchai")
    assert (info.role, info.estates, info.display_name, info.created_by) == (
        "officer", ("MAP-TA-PHUT",), "สมชาย ใจดี", "boss")
    assert sorted(at.dataframe[0].value[t("admin.users.col_username", "en")]) == ["boss", "somchai"]

    at.selectbox(key="users_pick").set_value("somchai").run()
    _edit(at, "selectbox", "role", "somchai").set_value("viewer")
    _edit(at, "multiselect", "estates", "somchai").set_value([])
    _submit(at, t("admin.users.save", "en"))
    assert problems(at) == []
    assert [s.value for s in at.success] == [t("admin.users.saved", "en", name="somchai")] and not at.info
    info = _get(app_env, "somchai")
    assert (info.role, info.estates) == ("viewer", ())

    _edit(at, "checkbox", "active", "somchai").uncheck()
    _submit(at, t("admin.users.save", "en"))
    assert not _get(app_env, "somchai").is_active


def test_reset_password_and_unlock(admin_at, app_env, monkeypatch):
    from datetime import UTC, datetime

    from ecocity.store import models as m

    now = datetime.now(UTC)
    monkeypatch.setattr(m, "utcnow", lambda: now)  # the store's clock stopped: the wait shown stays
    on_database(app_env, lambda e: users.create_user(e, access.system("apptest"), "somchai", role="officer", password=PW))
    for _ in range(7):
        with pytest.raises(SignInError):
            on_database(app_env, lambda e: users.authenticate(e, "somchai", "wrong password!"))
    at = admin_at
    at.switch_page("views/admin_users.py").run()
    table = at.dataframe[0].value
    failed = dict(zip(table[t("admin.users.col_username", "en")], table[t("admin.users.col_failures", "en")],
                      strict=True))
    assert failed == {"boss": "", "somchai": "6 (wait 2 s)"}
    at.selectbox(key="users_pick").set_value("somchai").run()
    assert [w.value for w in at.warning] == [t("admin.users.throttled_note", "en", failures=6, seconds=2)]
    at.button(key="users_unlock_somchai").click().run()
    assert problems(at) == []
    assert [s.value for s in at.success] == [t("admin.users.unlocked", "en", name="somchai")]
    info = _get(app_env, "somchai")
    assert (info.failures, info.throttled()) == (0, False)
    assert at.button(key="users_unlock_somchai").disabled  # nothing left to reset

    at.text_input(key="users_pw_value_somchai").input("a new long passphrase")
    _submit(at, t("admin.users.set_password", "en"))
    assert problems(at) == []
    assert on_database(app_env, lambda e: users.authenticate(e, "somchai", "a new long passphrase")).username == "somchai"


def test_an_admin_cannot_disable_themselves_on_the_page(admin_at, app_env):
    at = admin_at
    at.switch_page("views/admin_users.py").run()
    at.selectbox(key="users_pick").set_value("boss").run()
    _edit(at, "checkbox", "active", "boss").uncheck()
    _submit(at, t("admin.users.save", "en"))
    assert [e.value for e in at.error] == [t("auth.user.not_yourself", "en")]
    assert _get(app_env, "boss").is_active


def test_audit_log_filters_and_exports_formulas_as_text(admin_at, app_env):
    # A failed sign-in with a formula for a user name lands in the log's target.
    with pytest.raises(SignInError):
        on_database(app_env, lambda e: users.authenticate(e, EVIL, "whatever password"))
    on_database(app_env, lambda e: users.create_user(e, access.system("apptest"), "evil", role="viewer",
                                               display_name=EVIL, password=PW))
    at = admin_at
    at.switch_page("views/admin_audit.py").run()
    assert problems(at) == []
    table = at.dataframe[0].value
    targets = list(table[t("admin.audit.col_target", "en")])
    # User names are compared lower-case; the table's own CSV export keeps it text.
    assert "'" + EVIL.lower() in targets and EVIL.lower() not in targets
    assert all(str(v).startswith("25") for v in table[t("admin.audit.col_at", "en")])  # B.E. years

    at.selectbox(key="audit_outcome").set_value("failed").run()
    table = at.dataframe[0].value
    assert set(table[t("admin.audit.col_outcome", "en")]) == {t("admin.audit.outcomes.failed", "en")}
    assert list(table[t("admin.audit.col_target", "en")]) == ["'" + EVIL.lower()]

    at.selectbox(key="audit_outcome").set_value("").run()
    at.selectbox(key="audit_action").set_value("user.created").run()
    table = at.dataframe[0].value
    assert list(table[t("admin.audit.col_target", "en")]) == ["evil", "boss"]

    labels = {b.proto.label for b in at.get("download_button")}
    assert labels == {t("admin.audit.csv", "en"), t("admin.audit.xlsx", "en")}  # contents: test_audit_export


def test_audit_log_date_range_is_shown_in_the_buddhist_era(admin_at):
    from datetime import date

    at = admin_at
    at.query_params["lang"] = "th"
    at.switch_page("views/admin_audit.py").run()
    assert not at.date_input  # the Gregorian calendar only when days are picked by hand
    at.selectbox(key="audit_period").set_value("custom").run()
    at.date_input(key="audit_since").set_value(date(2026, 1, 1)).run()
    assert t("admin.audit.range", "th", range="1 ม.ค. 2569 – …") in [c.value for c in at.caption]
    at.date_input(key="audit_until").set_value(date(2025, 1, 1)).run()
    assert [w.value for w in at.warning] == [t("admin.audit.bad_range", "th")]


def test_audit_log_periods_are_fiscal_years_and_months_in_the_buddhist_era(admin_at):
    from datetime import datetime

    from ecocity.i18n import THAI_TIME, fiscal_year_of, fy_label

    at = admin_at
    at.query_params["lang"] = "th"
    at.switch_page("views/admin_audit.py").run()
    assert problems(at) == []
    period = at.selectbox(key="audit_period")
    fy = fiscal_year_of(datetime.now(THAI_TIME).date())
    assert fy_label(fy, "th") in period.options and t("admin.audit.period.custom", "th") in period.options
    assert all(not o[:4].isdigit() or int(o[:4]) > 2500 for o in period.options)
    n = len(at.dataframe[0].value)
    period.set_value(f"fy{fy}").run()
    assert len(at.dataframe[0].value) == n  # everything happened this fiscal year
    shown = t("admin.audit.range", "th", range=f"1 ต.ค. {fy - 1} – 30 ก.ย. {fy}")
    assert shown in [c.value for c in at.caption]
    at.selectbox(key="audit_period").set_value("any").run()
    assert len(at.dataframe[0].value) == n


def test_audit_log_shows_actions_and_details_in_words(admin_at):
    at = admin_at
    at.switch_page("views/admin_audit.py").run()
    table = at.dataframe[0].value
    actions = set(table[t("admin.audit.col_action", "en")])
    assert {"Sign in", "Account created"} <= actions and not any("." in a for a in actions)
    details = list(table[t("admin.audit.col_details", "en")])
    assert "signed in with: password" in details and not any("{" in d or '"' in d for d in details)
    action = at.selectbox(key="audit_action")
    assert "Sign in" in action.options and "auth.sign_in" not in action.options
    action.set_value("auth.sign_in").run()
    assert set(at.dataframe[0].value[t("admin.audit.col_action", "en")]) == {"Sign in"}


def test_users_table_keeps_formulas_as_text(admin_at, app_env):
    """The table's toolbar exports CSV: a name or e-mail typed as a formula stays text."""
    on_database(app_env, lambda e: users.create_user(e, access.system("apptest"), "evil", role="viewer",
                                               display_name=EVIL, email="+evil@example.org"))
    at = admin_at
    at.switch_page("views/admin_users.py").run()
    table = at.dataframe[0].value
    row = table[table[t("admin.users.col_username", "en")] == "evil"].iloc[0]
    assert row[t("admin.users.col_display", "en")] == "'" + EVIL
    assert row[t("admin.users.col_email", "en")] == "'+evil@example.org"
    assert _get(app_env, "evil").display_name == EVIL  # stored as typed


def test_audit_log_who_filter_tells_anyone_from_the_anonymous_actor(admin_at, app_env):
    with pytest.raises(SignInError):
        on_database(app_env, lambda e: users.authenticate(e, "nobody", "whatever password"))
    at = admin_at
    at.switch_page("views/admin_audit.py").run()
    who = at.selectbox(key="audit_who")
    assert who.options.count(t("admin.audit.any", "en")) == 1
    assert who.options.count(t("access.anonymous", "en")) == 1
    assert len(at.dataframe[0].value) == 3  # anyone: created boss, boss signed in, nobody refused

    who.set_value("").run()
    table = at.dataframe[0].value
    assert list(table[t("admin.audit.col_actor", "en")]) == [t("access.anonymous", "en")]
    assert list(table[t("admin.audit.col_target", "en")]) == ["nobody"]
    at.selectbox(key="audit_who").set_value("boss").run()
    assert set(at.dataframe[0].value[t("admin.audit.col_actor", "en")]) == {"boss"}


def test_a_change_made_meanwhile_by_another_admin_is_not_undone(admin_at, app_env):
    """The form shows somchai; another administrator renames the account; this one then
    changes the role and saves: the rename stays, nothing is saved from the stale form,
    and the form shows the account as it now is."""
    on_database(app_env, lambda e: users.create_user(e, access.system("apptest"), "somchai", role="officer",
                                               display_name="Somchai", estates=["MAP-TA-PHUT"], password=PW))
    at = admin_at
    at.switch_page("views/admin_users.py").run()
    at.selectbox(key="users_pick").set_value("somchai").run()
    assert _edit(at, "text_input", "display", "somchai").value == "Somchai"

    on_database(app_env, lambda e: users.update_user(e, access.system("other admin"), "somchai", display_name="Somchai J."))
    _edit(at, "selectbox", "role", "somchai").set_value("viewer")
    _submit(at, t("admin.users.save", "en"))
    assert [w.value for w in at.warning] == [t("admin.users.changed_meanwhile", "en", name="somchai")]
    info = _get(app_env, "somchai")
    assert (info.display_name, info.role) == ("Somchai J.", "officer")
    assert _edit(at, "text_input", "display", "somchai").value == "Somchai J."
    assert _edit(at, "selectbox", "role", "somchai").value == "officer"

    _edit(at, "selectbox", "role", "somchai").set_value("viewer")
    _submit(at, t("admin.users.save", "en"))
    assert problems(at) == [] and not at.warning
    info = _get(app_env, "somchai")
    assert (info.display_name, info.role, info.estates) == ("Somchai J.", "viewer", ("MAP-TA-PHUT",))

    def updates(engine):
        from ecocity.store import audit

        with session_scope(engine) as s:
            return [(x.actor, x.details) for x in audit.list_entries(s, action="user.updated")]
    assert on_database(app_env, updates) == [("boss", {"role": ["officer", "viewer"]}),
                               ("cli:other admin", {"display_name": ["Somchai", "Somchai J."]})]


def test_users_table_shows_times_as_people_read_them(admin_at, app_env):
    """The last sign-in in Thai time, the date as elsewhere in the app (not an ISO stamp)."""
    from ecocity.i18n import fmt_datetime

    at = admin_at
    at.switch_page("views/admin_users.py").run()
    table = at.dataframe[0].value
    row = table[table[t("admin.users.col_username", "en")] == "boss"].iloc[0]
    assert row[t("admin.users.col_last", "en")] == fmt_datetime(_get(app_env, "boss").last_sign_in_at, "en")
