"""Accounts (ecocity.store.users) on SQLite and PostgreSQL: argon2id hashing and re-hashing,
the password policy, sign-in and its throttle (clock injected, never slept; the rest in
test_sign_in_throttle.py), identical messages for unknown users, manage_users enforced,
every change audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from ecocity.core import access
from ecocity.core.access import ANONYMOUS, AccessDenied, Actor
from ecocity.i18n import t
from ecocity.store import audit, users
from ecocity.store import models as m
from ecocity.store.db import session_scope
from ecocity.store.users import SignInError, UserError

ADMIN = access.system("tester")
PW = "correct horse battery"
pytestmark = pytest.mark.usefixtures("cheap_hashing")


def _hash_of(engine, name: str) -> str | None:
    with session_scope(engine) as s:
        return s.scalar(select(m.User.password_hash).where(m.User.username == name))


def _entries(engine, **kw) -> list[audit.AuditInfo]:
    with session_scope(engine) as s:
        return audit.list_entries(s, **kw)


def _officer(engine, name: str = "somchai", **kw):
    kw.setdefault("estates", ["MAP-TA-PHUT"])
    kw.setdefault("password", PW)
    return users.create_user(engine, ADMIN, name, role="officer", **kw)


def test_password_is_stored_as_argon2id_never_plain(engine):
    _officer(engine)
    stored = _hash_of(engine, "somchai")
    assert stored is not None and stored.startswith("$argon2id$")
    assert PW not in stored
    with session_scope(engine) as s:  # nowhere in the row or the audit log either
        row = s.scalars(select(m.User)).one()
        assert PW not in repr(row.__dict__)
    assert all(PW not in repr(e.details) for e in _entries(engine))


def test_create_normalises_and_reads_back(engine):
    info = users.create_user(engine, ADMIN, "  SomChai ", role="officer", display_name="สมชาย ใจดี",
                             email="Somchai@Example.ORG", estates=["MAP-TA-PHUT", "MAP-TA-PHUT"], password=PW)
    assert (info.username, info.email, info.estates, info.created_by) == (
        "somchai", "somchai@example.org", ("MAP-TA-PHUT",), "cli:tester")
    with session_scope(engine) as s:
        actor = users.actor_for(s, "SOMCHAI")
        assert actor == Actor("somchai", "officer", frozenset({"MAP-TA-PHUT"}), "สมชาย ใจดี")
        assert users.actor_by_email(s, "SOMCHAI@example.org ").username == "somchai"
        assert users.actor_by_email(s, "nobody@example.org") is None
        assert [u.username for u in users.list_users(s)] == ["somchai"]


@pytest.mark.parametrize(("password", "key"), [
    ("short", "auth.policy.too_short"),
    ("123456789", "auth.policy.too_short"),
    ("Somchai1234", None),
    ("SOMCHAI_LONG", None),
    ("x" * 2000, "auth.policy.too_long"),
])
def test_password_policy(password, key):
    if key is None:
        users.check_password(password, "somchai")
        return
    with pytest.raises(UserError) as e:
        users.check_password(password, "somchai")
    assert e.value.key == key


def test_password_may_not_be_the_user_name(engine):
    with pytest.raises(UserError) as e:
        _officer(engine, "longusername", password="LongUserName")
    assert e.value.key == "auth.policy.same_as_name"
    assert e.value.message("th") == "รหัสผ่านต้องไม่เหมือนชื่อผู้ใช้"
    assert e.value.message("en") == "The password must not be the user name."
    assert t("auth.policy.too_short", "th", min=10) == "รหัสผ่านต้องยาวอย่างน้อย 10 ตัวอักษร"
    with session_scope(engine) as s:
        assert users.count_users(s) == 0


def test_bad_names_roles_estates_and_duplicates_are_refused(engine):
    _officer(engine, email="a@example.org")
    for kwargs, key in [
        ({"username": "somchai"}, "auth.user.exists"),
        ({"username": "SOMCHAI"}, "auth.user.exists"),
        ({"username": "other", "email": "A@example.org"}, "auth.user.email_taken"),
        ({"username": "x"}, "auth.user.bad_name"),
        ({"username": "สมชาย"}, "auth.user.bad_name"),
        ({"username": "other", "role": "root"}, "auth.user.bad_role"),
        ({"username": "other", "estates": ["NOPE"]}, "auth.user.unknown_estate"),
        ({"username": "other", "email": "not-an-address"}, "auth.user.bad_email"),
    ]:
        kw = {"role": "officer", "password": PW} | kwargs
        with pytest.raises(UserError) as e:
            users.create_user(engine, ADMIN, kw.pop("username"), **kw)
        assert e.value.key == key, kwargs
    with session_scope(engine) as s:
        assert users.count_users(s) == 1


def test_sign_in_success_audited_and_counters_reset(engine):
    _officer(engine)
    actor = users.authenticate(engine, "SomChai", PW)
    assert (actor.username, actor.role, actor.estates, actor.via) == (
        "somchai", "officer", frozenset({"MAP-TA-PHUT"}), "password")
    assert actor.may("submit", "MAP-TA-PHUT") and not actor.may("submit", "OTHER")
    [entry] = _entries(engine, action="auth.sign_in")
    assert (entry.actor, entry.outcome, entry.target) == ("somchai", "ok", "somchai")
    with session_scope(engine) as s:
        assert users.get_user(s, "somchai").last_sign_in_at is not None


def test_unknown_user_gets_the_same_message_as_a_wrong_password(engine):
    _officer(engine)
    with pytest.raises(SignInError) as unknown:
        users.authenticate(engine, "nobody", PW)
    with pytest.raises(SignInError) as wrong:
        users.authenticate(engine, "somchai", "wrong password!")
    for lang in ("th", "en"):
        assert unknown.value.message(lang) == wrong.value.message(lang)
    assert unknown.value.message("en") == "Wrong user name or password."
    assert unknown.value.message("th") == "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
    entries = _entries(engine, action="auth.sign_in")
    # Both recorded as the anonymous actor: a name typed in a form proves nothing.
    assert sorted((e.actor, e.target, e.outcome, e.details["reason"]) for e in entries) == [
        ("", "nobody", "failed", "unknown"), ("", "somchai", "failed", "password")]


def test_a_nul_typed_in_the_user_name_is_a_failed_sign_in_not_a_database_error(engine):
    """PostgreSQL text cannot hold NUL: the name is compared and audited without it."""
    users.create_user(engine, ADMIN, "somchai", role="viewer", password=PW)
    with pytest.raises(SignInError):
        users.authenticate(engine, "som\x00chai", "not the password")
    assert users.authenticate(engine, "som\x00chai\x00", PW).username == "somchai"
    with session_scope(engine) as s:
        [failed] = audit.list_entries(s, action="auth.sign_in", outcome="failed")
    assert (failed.target, failed.details["reason"]) == ("somchai", "password")


def test_unknown_user_costs_a_hash_verification(engine, monkeypatch, cheap_hashing):
    calls = []
    real = cheap_hashing.verify

    class Counting(PasswordHasher):
        def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
            calls.append(hash)
            return real(hash, password)

    monkeypatch.setattr(users, "HASHER", Counting(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    with pytest.raises(SignInError):
        users.authenticate(engine, "nobody", PW)
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_five_failures_then_a_wait_the_same_for_any_account_then_sign_in_works(engine):
    """The old lock-out (15 minutes after 5 failures) is gone: past 5 free failures the
    name waits 2 s, and then the owner signs in (tests/unit/test_sign_in_throttle.py has
    the rest)."""
    users.create_user(engine, ADMIN, "boss", role="admin", password=PW)
    t0 = m.utcnow()
    for n in range(6):
        with pytest.raises(SignInError) as e:
            users.authenticate(engine, "boss", "wrong password!", now=t0 + timedelta(seconds=n))
        assert e.value.key == "auth.error.wrong"
    with pytest.raises(SignInError) as e:  # even the right password waits, unchecked
        users.authenticate(engine, "boss", PW, now=t0 + timedelta(seconds=6))
    assert (e.value.key, e.value.kw) == ("auth.error.throttled", {"seconds": 1})
    assert e.value.message("en") == "Too many failed sign-ins. Please wait 1 second, then try again."
    assert e.value.message("th") == "ลงชื่อเข้าใช้ไม่สำเร็จหลายครั้งเกินไป โปรดรอ 1 วินาทีแล้วลองใหม่"
    with session_scope(engine) as s:
        info = users.get_user(s, "boss", now=t0 + timedelta(seconds=6))
        assert (info.failures, info.wait_seconds(t0 + timedelta(seconds=6))) == (6, 1)
        assert info.throttled(t0 + timedelta(seconds=6)) and not info.throttled(t0 + timedelta(seconds=7))
    assert users.authenticate(engine, "boss", PW, now=t0 + timedelta(seconds=7)).is_admin
    with session_scope(engine) as s:
        info = users.get_user(s, "boss", now=t0 + timedelta(seconds=7))
        assert (info.failures, info.throttled_until) == (0, None)
    entries = list(reversed(_entries(engine, action="auth.sign_in")))
    assert [(e.actor, e.target, e.outcome) for e in entries] == [("", "boss", "failed")] * 7 + [
        ("boss", "boss", "ok")]
    assert [e.details.get("failures") for e in entries[:6]] == [1, 2, 3, 4, 5, 6]
    assert entries[5].details == {"reason": "password", "failures": 6, "wait": 2}
    assert entries[6].details == {"reason": "throttled", "throttled_by": "account", "wait": 1}
    assert _entries(engine, action="auth.locked") == []


def test_a_success_resets_the_count_of_failures(engine):
    _officer(engine)
    t0 = m.utcnow()
    for n in range(5):
        with pytest.raises(SignInError):
            users.authenticate(engine, "somchai", "wrong password!", now=t0 + timedelta(seconds=n))
    users.authenticate(engine, "somchai", PW, now=t0 + timedelta(seconds=5))
    for n in range(5):
        with pytest.raises(SignInError) as e:
            users.authenticate(engine, "somchai", "wrong password!", now=t0 + timedelta(seconds=6 + n))
        assert e.value.key == "auth.error.wrong"  # five free failures again
    assert users.authenticate(engine, "somchai", PW, now=t0 + timedelta(seconds=11)).username == "somchai"


def test_unlock_by_an_admin_lifts_the_wait(engine):
    _officer(engine)
    t0 = m.utcnow()
    for _ in range(9):
        with pytest.raises(SignInError):
            users.authenticate(engine, "somchai", "wrong password!", now=t0)
    with pytest.raises(SignInError) as e:
        users.authenticate(engine, "somchai", PW, now=t0)
    assert (e.value.code, e.value.kw) == ("throttled", {"seconds": 2})
    info = users.unlock_user(engine, ADMIN, "somchai", now=t0)
    assert (info.failures, info.throttled_until) == (0, None)
    assert users.authenticate(engine, "somchai", PW, now=t0).username == "somchai"
    [entry] = _entries(engine, action="user.unlocked")
    assert (entry.actor, entry.target, entry.role) == ("cli:tester", "somchai", "admin")
    assert entry.details == {"failures": 6, "was_locked_until": (t0 + timedelta(seconds=2)).isoformat()}


def test_hash_with_old_parameters_is_replaced_at_sign_in(engine, monkeypatch):
    _officer(engine)
    old = _hash_of(engine, "somchai")
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1))
    users.authenticate(engine, "somchai", PW)
    new = _hash_of(engine, "somchai")
    assert new != old and new.startswith("$argon2id$v=19$m=8192,t=2,p=1$")
    assert [e.details.get("rehashed") for e in _entries(engine, action="auth.sign_in")] == [True]
    users.authenticate(engine, "somchai", PW)  # same parameters now: left alone
    assert _hash_of(engine, "somchai") == new


def test_disabled_account_cannot_sign_in_and_has_no_actor(engine):
    _officer(engine, email="s@example.org")
    users.disable_user(engine, ADMIN, "somchai")
    with pytest.raises(SignInError) as e:
        users.authenticate(engine, "somchai", PW)
    assert e.value.key == "auth.error.disabled"
    with pytest.raises(SignInError) as e:  # a guesser learns nothing about the account
        users.authenticate(engine, "somchai", "wrong password!")
    assert e.value.key == "auth.error.wrong"
    with session_scope(engine) as s:
        assert users.actor_for(s, "somchai") is None
        assert users.actor_by_email(s, "s@example.org") is None
        assert users.actor_by_id(s, users.user_id_of(s, "somchai")) is None
    assert [e.target for e in _entries(engine, action="user.disabled")] == ["somchai"]
    refused = [e for e in _entries(engine, action="auth.sign_in") if e.details.get("reason") == "disabled"]
    assert [(e.actor, e.target) for e in refused] == [("", "somchai")]
    users.update_user(engine, ADMIN, "somchai", active=True)
    assert users.authenticate(engine, "somchai", PW).username == "somchai"
    assert [e.target for e in _entries(engine, action="user.enabled")] == ["somchai"]


def test_oidc_only_account_has_no_password_and_cannot_sign_in_with_one(engine):
    users.create_user(engine, ADMIN, "malee", role="viewer", email="malee@example.org")
    assert _hash_of(engine, "malee") is None
    with pytest.raises(SignInError) as e:
        users.authenticate(engine, "malee", "")
    assert e.value.key == "auth.error.wrong"
    actor = users.record_oidc_sign_in(engine, "MALEE@example.org", email_verified=True)
    assert (actor.username, actor.via) == ("malee", "oidc")
    with pytest.raises(SignInError) as e:
        users.record_oidc_sign_in(engine, "stranger@example.org", email_verified=True)
    assert (e.value.key, e.value.kw) == ("auth.page.oidc_no_account", {"email": "stranger@example.org"})
    entries = _entries(engine, action="auth.sign_in")
    assert sorted((e.actor, e.target, e.outcome, e.details.get("via")) for e in entries) == [
        ("", "malee", "failed", None), ("", "stranger@example.org", "failed", "oidc"),
        ("malee", "malee", "ok", "oidc")]


@pytest.mark.parametrize("verified", [False, None, "true", 1])
def test_oidc_match_needs_an_email_the_provider_verified(engine, verified):
    """Anyone can put any address in an unverified claim: only email_verified True matches."""
    users.create_user(engine, ADMIN, "malee", role="officer", email="malee@example.org", estates=["MAP-TA-PHUT"])
    with pytest.raises(SignInError) as e:
        users.record_oidc_sign_in(engine, "malee@example.org", email_verified=verified)
    assert e.value.key == "auth.error.oidc_unverified"
    assert "malee@example.org" in e.value.message("th") and "verified" in e.value.message("en")
    [entry] = _entries(engine, action="auth.sign_in")
    assert (entry.actor, entry.target, entry.outcome, entry.details) == (
        "", "malee@example.org", "failed", {"via": "oidc", "reason": "unverified"})
    with session_scope(engine) as s:
        assert users.get_user(s, "malee").last_sign_in_at is None


def test_oidc_token_older_than_a_sign_in_lasts_is_refused(engine):
    users.create_user(engine, ADMIN, "malee", role="viewer", email="malee@example.org")
    now = m.utcnow()
    kw = {"email_verified": True, "max_age": timedelta(hours=12), "now": now}
    assert users.record_oidc_sign_in(engine, "malee@example.org", issued_at=now - timedelta(hours=11), **kw)
    with pytest.raises(SignInError) as e:
        users.record_oidc_sign_in(engine, "malee@example.org", issued_at=now - timedelta(hours=12, seconds=1), **kw)
    assert e.value.key == "auth.error.expired"
    assert [(x.outcome, x.details.get("reason")) for x in _entries(engine, action="auth.sign_in")] == [
        ("failed", "expired"), ("ok", None)]


def test_a_password_reset_while_the_old_one_is_verified_fails_the_sign_in(engine, monkeypatch):
    """The hash is verified outside the locked transaction: if an administrator sets a new
    password in between, the old password must neither sign in nor be written back as a
    re-hash over the new one (fault injection; the database is real)."""
    _officer(engine)
    real = users._verify

    def verify_then_reset(stored, password):
        result = real(stored, password)
        monkeypatch.setattr(users, "_verify", real)  # once
        users.set_password(engine, ADMIN, "somchai", "the administrator's new one")
        return result

    monkeypatch.setattr(users, "_verify", verify_then_reset)
    # The new hash has other parameters than the verified one, so a success would re-hash.
    monkeypatch.setattr(users, "HASHER", PasswordHasher(time_cost=2, memory_cost=8 * 1024, parallelism=1))
    with pytest.raises(SignInError) as e:
        users.authenticate(engine, "somchai", PW)
    assert e.value.key == "auth.error.wrong"
    new = _hash_of(engine, "somchai")
    assert users.HASHER.verify(new, "the administrator's new one")
    with pytest.raises(SignInError):
        users.authenticate(engine, "somchai", PW)
    [entry] = [x for x in _entries(engine, action="auth.sign_in") if x.details.get("reason") == "changed"]
    assert (entry.actor, entry.target, entry.outcome) == ("", "somchai", "failed")
    with session_scope(engine) as s:
        assert users.get_user(s, "somchai").last_sign_in_at is None
    assert users.authenticate(engine, "somchai", "the administrator's new one").username == "somchai"


def test_argon2_computations_run_at_most_two_at_a_time(monkeypatch):
    """Parallel sign-ins queue for argon2 (64 MiB and tens of milliseconds each) instead of
    all running at once."""
    import threading
    import time

    lock = threading.Lock()
    running = [0]
    most = [0]

    def busy(*_args):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # long enough for every thread to arrive while others are inside
        with lock:
            running[0] -= 1
        return True

    class Slow(PasswordHasher):
        def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
            return busy()

        def hash(self, password, *, salt=None):
            busy()
            return "$argon2id$fake"

    monkeypatch.setattr(users, "HASHER", Slow())
    calls = [lambda: users._verify("$argon2id$stored", PW)] * 6 + [lambda: users.hash_password(PW)] * 2
    threads = [threading.Thread(target=c) for c in calls]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert users.ARGON2_CONCURRENCY == 2
    assert most[0] == 2


def test_update_role_estates_name_and_audit(engine):
    _officer(engine)
    info = users.update_user(engine, ADMIN, "somchai", role="admin", estates=[], display_name="Somchai J.")
    assert (info.role, info.estates, info.display_name) == ("admin", (), "Somchai J.")
    [entry] = _entries(engine, action="user.updated")
    assert entry.details == {"role": ["officer", "admin"], "estates": [["MAP-TA-PHUT"], []],
                             "display_name": ["", "Somchai J."]}
    users.update_user(engine, ADMIN, "somchai", role="admin")  # no change: no entry
    assert len(_entries(engine, action="user.updated")) == 1


def test_a_role_change_counts_at_the_next_read(engine):
    _officer(engine)
    with session_scope(engine) as s:
        uid = users.user_id_of(s, "somchai")
        assert users.actor_by_id(s, uid).role == "officer"
    users.update_user(engine, ADMIN, "somchai", role="viewer", estates=[])
    with session_scope(engine) as s:
        assert users.actor_by_id(s, uid) == Actor("somchai", "viewer")


def test_a_new_password_ends_sessions_signed_in_with_the_old_one(engine):
    _officer(engine)
    t0 = m.utcnow()
    users.authenticate(engine, "somchai", PW, now=t0)
    users.set_password(engine, ADMIN, "somchai", "another long password", now=t0 + timedelta(minutes=1))
    with session_scope(engine) as s:
        uid = users.user_id_of(s, "somchai")
        assert users.actor_by_id(s, uid, signed_in_at=t0) is None
        assert users.actor_by_id(s, uid, signed_in_at=t0 + timedelta(minutes=2)) is not None
    with pytest.raises(SignInError):
        users.authenticate(engine, "somchai", PW)
    assert users.authenticate(engine, "somchai", "another long password").username == "somchai"
    [entry] = _entries(engine, action="user.password_set")
    assert (entry.target, entry.details) == ("somchai", {})
    with pytest.raises(UserError) as e:
        users.set_password(engine, ADMIN, "somchai", "short")
    assert e.value.code == "too_short"


def test_an_admin_cannot_lock_themselves_out(engine):
    users.create_user(engine, ADMIN, "boss", role="admin", password=PW)
    boss = users.authenticate(engine, "boss", PW)
    for kw in ({"active": False}, {"role": "viewer"}):
        with pytest.raises(UserError) as e:
            users.update_user(engine, boss, "boss", **kw)
        assert e.value.code == "not_yourself"


OFFICER = Actor("o", "officer", frozenset({"MAP-TA-PHUT"}))
VIEWER = Actor("v", "viewer")


@pytest.mark.parametrize("who", [OFFICER, VIEWER, ANONYMOUS], ids=["officer", "viewer", "anonymous"])
def test_only_admins_manage_users(engine, who):
    _officer(engine)
    calls = [
        lambda: users.create_user(engine, who, "newbie", role="admin", password=PW),
        lambda: users.update_user(engine, who, "somchai", role="admin"),
        lambda: users.update_user(engine, who, "somchai", estates=["MAP-TA-PHUT", "NOPE"]),
        lambda: users.disable_user(engine, who, "somchai"),
        lambda: users.set_password(engine, who, "somchai", "attacker's password"),
        lambda: users.unlock_user(engine, who, "somchai"),
    ]
    for call in calls:
        with pytest.raises(AccessDenied):
            call()
    with session_scope(engine) as s:
        assert [(u.username, u.role, u.is_active) for u in users.list_users(s)] == [("somchai", "officer", True)]
    assert users.authenticate(engine, "somchai", PW).role == "officer"
    assert not [e for e in _entries(engine) if e.action.startswith("user.") and e.action != "user.created"]


def test_changes_are_audited_in_their_transaction(engine):
    info = _officer(engine, email="s@example.org", display_name="=HYPERLINK(\"http://x\")")
    [created] = _entries(engine, action="user.created")
    assert (created.actor, created.role, created.target) == ("cli:tester", "admin", info.username)
    assert created.details == {"role": "officer", "estates": ["MAP-TA-PHUT"], "areas": [], "email": "s@example.org",
                               "display_name": "=HYPERLINK(\"http://x\")", "password": True}
    # A refused change leaves neither the change nor an entry.
    with pytest.raises(UserError):
        users.update_user(engine, ADMIN, "somchai", display_name="New", estates=["NOPE"])
    with session_scope(engine) as s:
        assert users.get_user(s, "somchai").display_name == "=HYPERLINK(\"http://x\")"
    assert _entries(engine, action="user.updated") == []


# ----------------------------------------------------------------------------- the change form (admin_users page)


def test_fingerprint_changes_with_each_editable_field_only(engine):
    info = _officer(engine, display_name="Somchai", email="s@example.org")
    before = users.fingerprint(info)
    assert len(before) == 12 and all(c in "0123456789abcdef" for c in before)
    with session_scope(engine) as s:
        assert users.fingerprint(users.get_user(s, "somchai")) == before  # the same account, read again
    seen = {before}
    for change in ({"display_name": "Somchai J."}, {"email": "j@example.org"}, {"role": "viewer"},
                   {"estates": []}, {"active": False}):
        seen.add(users.fingerprint(users.update_user(engine, ADMIN, "somchai", **change)))
    assert len(seen) == 6
    users.set_password(engine, ADMIN, "somchai", "another good password")  # not a form field
    with session_scope(engine) as s:
        assert users.fingerprint(users.get_user(s, "somchai")) in seen


def test_form_values_and_changed_fields(engine):
    info = _officer(engine, display_name="Somchai", estates=["MAP-TA-PHUT", "BANG-CHAN"])
    stored = users.form_values(info, {"MAP-TA-PHUT", "BANG-CHAN"})
    assert stored == {"display_name": "Somchai", "email": "", "role": "officer", "active": True,
                      "estates": ["BANG-CHAN", "MAP-TA-PHUT"], "areas": []}
    assert set(stored) == set(users.FORM_FIELDS)
    # an estate the form cannot offer is not among its values
    assert users.form_values(info, {"MAP-TA-PHUT"})["estates"] == ["MAP-TA-PHUT"]
    same = dict(stored, estates=["MAP-TA-PHUT", "BANG-CHAN"])  # another order is no change
    assert users.changed_fields(stored, same) == {}
    assert users.changed_fields(stored, dict(stored, email="a@example.org", active=False)) == {
        "email": "a@example.org", "active": False}
    assert users.changed_fields(dict(stored, email="a@example.org"), stored) == {"email": None}  # cleared
    assert users.changed_fields(stored, dict(stored, estates=["MAP-TA-PHUT"])) == {"estates": ["MAP-TA-PHUT"]}
    # what changed_fields gives is what update_user takes
    done = users.update_user(engine, ADMIN, "somchai",
                             **users.changed_fields(stored, dict(stored, role="viewer", estates=[])))
    assert (done.role, done.estates) == ("viewer", ())
    # a reviewer's areas, in any order, the same way
    reviewer = dict(users.form_values(done, set()), role="reviewer", areas=["RAYONG-MAP-TA-PHUT", "*"])
    done = users.update_user(engine, ADMIN, "somchai", **users.changed_fields(users.form_values(done, set()), reviewer))
    assert (done.role, done.areas) == ("reviewer", ("*", "RAYONG-MAP-TA-PHUT"))
    assert users.changed_fields(users.form_values(done, set()), dict(reviewer, areas=["*", "RAYONG-MAP-TA-PHUT"])) == {}


def test_thai_minute():
    from datetime import UTC, datetime

    assert users.thai_minute(datetime(2026, 1, 31, 17, 5, tzinfo=UTC)) == "2026-02-01 00:05"
    assert users.thai_minute(None) == "" and users.thai_minute(None, "–") == "–"


def test_a_reviewer_has_the_areas_assigned(engine, cheap_hashing):
    from ecocity.core.access import ALL_AREAS

    users.create_user(engine, ADMIN, "ratree", role="reviewer", areas=["RAYONG-MAP-TA-PHUT"], password=PW)
    users.create_user(engine, ADMIN, "wichai", role="reviewer", areas=[ALL_AREAS], password=PW)
    with pytest.raises(users.UserError) as e:
        users.create_user(engine, ADMIN, "nobody", role="reviewer", areas=["NO-SUCH-AREA"], password=PW)
    assert e.value.key == "auth.user.unknown_area"
    with session_scope(engine) as s:
        assert users.actor_for(s, "ratree").areas == frozenset({"RAYONG-MAP-TA-PHUT"})
        assert users.actor_for(s, "wichai").areas == frozenset({ALL_AREAS})
    info = users.update_user(engine, ADMIN, "ratree", areas=["RAYONG-MAP-TA-PHUT", "CHONBURI-LAEM-CHABANG"])
    assert info.areas == ("CHONBURI-LAEM-CHABANG", "RAYONG-MAP-TA-PHUT")
    assert users.authenticate(engine, "ratree", PW).areas == frozenset(info.areas)
