"""The sign-in throttle (ecocity.store.users.authenticate) on SQLite and PostgreSQL: failures
counted by the name typed and by client address, a wait that doubles past the free
failures up to a cap, the same answer and the same work for a known and an unknown name,
the owner of an attacked account let in within the cap, a client trying many names held
back, failures forgotten after an hour or by an administrator, and attempts made at once
counted exactly. The clock is injected, never slept."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from ecocity.core import access
from ecocity.flows import audit_export
from ecocity.store import audit, users
from ecocity.store import models as m
from ecocity.store.db import make_engine, session_scope
from ecocity.store.users import ACCOUNT, CLIENT, SignInError

pytestmark = [pytest.mark.storage, pytest.mark.usefixtures("cheap_hashing")]

ADMIN = access.system("tester")
PW = "correct horse battery"
WRONG = "wrong password!"
ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"


def _entries(engine, **kw) -> list[audit.AuditInfo]:
    with session_scope(engine) as s:
        return list(reversed(audit.list_entries(s, **kw)))


def _row(engine, key: str) -> m.SignInThrottle | None:
    with session_scope(engine) as s:
        return s.get(m.SignInThrottle, key)


def _try(engine, name: str, password: str, at, client: str | None = None) -> tuple[str, dict[str, Any]]:
    """("ok", {}) or the refusal's (key, arguments)."""
    try:
        users.authenticate(engine, name, password, client=client, now=at)
    except SignInError as e:
        return e.key, e.kw
    return "ok", {}


@pytest.fixture
def verifications(monkeypatch, cheap_hashing) -> list[str]:
    """The hashes verified (argon2 runs), in order."""
    calls: list[str] = []
    lock = threading.Lock()
    real = cheap_hashing.verify

    class Counting(PasswordHasher):
        def verify(self, hash, password):  # noqa: A002 - argon2's own parameter name
            with lock:
                calls.append(hash)
            return real(hash, password)

    monkeypatch.setattr(users, "HASHER", Counting(time_cost=1, memory_cost=8 * 1024, parallelism=1))
    return calls


# ----------------------------------------------------------------------------- the rules


def test_the_wait_doubles_past_the_free_failures_up_to_a_cap():
    account = [users.throttle_delay(n, ACCOUNT) for n in range(1, 14)]
    assert account == [0, 0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60, 60]
    client = [users.throttle_delay(n, CLIENT) for n in range(1, 23)]
    assert client == [0] * 10 + [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    assert users.throttle_delay(10**6, ACCOUNT) == 60 and users.throttle_delay(10**6, CLIENT) == 900
    # A key is never still blocked when its failures are forgotten.
    assert CLIENT.cap_s < users.FAILURE_MEMORY.total_seconds()


@pytest.mark.parametrize(("client", "key"), [
    ("203.0.113.9", "client:203.0.113.9"),
    (" 203.0.113.9 ", "client:203.0.113.9"),
    ("2001:db8:1:2:3:4:5:6", "client:2001:db8:1:2::/64"),
    ("2001:db8:1:2:ffff::1", "client:2001:db8:1:2::/64"),  # the same subscriber's /64
    ("fe80::1%eth0", "client:fe80::/64"),
    ("::ffff:203.0.113.9", "client:203.0.113.9"),
    ("not an address", "client:not an address"),
    ("", None),
    (None, None),
])
def test_client_keys(client, key):
    assert users.client_key(client) == key


def test_account_keys_are_the_name_as_accounts_normalise_it():
    assert users.account_key(" SomChai\x00 ") == "account:somchai"
    assert users.account_key("x" * 300) == "account:" + "x" * 100


# ----------------------------------------------------------------------------- by account


def test_a_known_and_an_unknown_name_get_the_same_answers_for_the_same_work(engine, verifications):
    users.create_user(engine, ADMIN, "somchai", role="officer", estates=["MAP-TA-PHUT"], password=PW)
    t0 = m.utcnow()
    seconds = [0, 1, 2, 3, 4, 5, 6, 7, 8, 11.5, 12]  # 5 free, 2 s wait, 4 s wait, 8 s wait
    runs = {}
    for name in ("somchai", "nobody"):
        start = len(verifications)
        answers = [_try(engine, name, WRONG, t0 + timedelta(seconds=x)) for x in seconds]
        runs[name] = (answers, len(verifications) - start)
    assert runs["somchai"] == runs["nobody"]
    answers, checked = runs["nobody"]
    assert answers == [("auth.error.wrong", {})] * 6 + [
        ("auth.error.throttled", {"seconds": 1}), ("auth.error.wrong", {}),
        ("auth.error.throttled", {"seconds": 3}), ("auth.error.wrong", {}),
        ("auth.error.throttled", {"seconds": 8})]
    assert checked == 8  # a password is checked (argon2) only when the attempt is let through
    # Both names' rows look alike, and the audit tells them apart only by the reason.
    assert (_row(engine, "account:somchai").failures, _row(engine, "account:nobody").failures) == (8, 8)
    reasons = {e.target: e.details["reason"] for e in _entries(engine, action="auth.sign_in")
               if e.details["reason"] != "throttled"}
    assert reasons == {"somchai": "password", "nobody": "unknown"}


def test_the_owner_of_an_attacked_account_gets_in_within_the_cap(engine):
    """An attacker trying again the moment each wait ends: the wait grows to 60 s and no
    further, so the guessing stays at about one password a minute; the owner trying in
    between is refused (unchecked) for at most that long, then signs in."""
    users.create_user(engine, ADMIN, "boss", role="admin", password=PW)
    start = at = m.utcnow()
    for _ in range(ACCOUNT.free):
        assert _try(engine, "boss", WRONG, at)[0] == "auth.error.wrong"
    waits = []
    for _ in range(15):
        assert _try(engine, "boss", WRONG, at)[0] == "auth.error.wrong"
        key, kw = _try(engine, "boss", PW, at)  # the owner, right after
        assert key == "auth.error.throttled"
        waits.append(kw["seconds"])
        at += timedelta(seconds=kw["seconds"])
    assert waits == [2, 4, 8, 16, 32] + [60] * 10
    assert max(waits) == ACCOUNT.cap_s
    assert at - start == timedelta(seconds=662)  # 20 guesses in 11 minutes
    assert _try(engine, "boss", PW, at) == ("ok", {})
    assert _row(engine, "account:boss") is None  # the success forgot the failures


def test_failures_are_forgotten_after_an_hour(engine):
    users.create_user(engine, ADMIN, "somchai", role="viewer", password=PW)
    t0 = m.utcnow()
    for n in range(7):
        _try(engine, "somchai", WRONG, t0 + timedelta(seconds=10 * n))
    later = t0 + timedelta(seconds=60) + users.FAILURE_MEMORY
    assert [_try(engine, "somchai", WRONG, later + timedelta(seconds=n))[0] for n in range(5)] == [
        "auth.error.wrong"] * 5  # five free again
    assert _row(engine, "account:somchai").failures == 5


def test_forgotten_rows_are_deleted_by_later_sign_ins(engine):
    t0 = m.utcnow()
    for name in ("ghost1", "ghost2", "ghost3"):
        _try(engine, name, WRONG, t0, client=ATTACKER)
    with session_scope(engine) as s:
        assert s.scalars(select(m.SignInThrottle.key)).all() != []
    _try(engine, "another", WRONG, t0 + users.FAILURE_MEMORY + timedelta(seconds=1))
    with session_scope(engine) as s:
        assert s.scalars(select(m.SignInThrottle.key)).all() == ["account:another"]


# ----------------------------------------------------------------------------- by client


def test_a_client_trying_many_names_is_held_back_and_others_are_not(engine, verifications):
    users.create_user(engine, ADMIN, "somchai", role="officer", estates=["MAP-TA-PHUT"], password=PW)
    t0 = m.utcnow()
    answers = [_try(engine, f"guess{n}", WRONG, t0, client=ATTACKER)[0] for n in range(11)]
    assert answers == ["auth.error.wrong"] * 11  # each name once: only the client's count grows
    checked = len(verifications)
    # Now even a real account with the right password is refused from that address.
    assert _try(engine, "somchai", PW, t0 + timedelta(seconds=1), client=ATTACKER) == (
        "auth.error.throttled", {"seconds": 1})
    assert _try(engine, "guess99", WRONG, t0 + timedelta(seconds=1), client=ATTACKER) == (
        "auth.error.throttled", {"seconds": 1})
    assert len(verifications) == checked
    # Another address is not held back, and the name's own count is untouched.
    assert _try(engine, "somchai", PW, t0 + timedelta(seconds=1), client=OWNER) == ("ok", {})
    assert _row(engine, "client:203.0.113.9").failures == 11
    [first, second] = [e for e in _entries(engine, action="auth.sign_in") if e.details.get("reason") == "throttled"]
    assert first.details == {"reason": "throttled", "throttled_by": "client", "wait": 1, "address": ATTACKER}
    assert (first.actor, first.target, first.outcome, second.target) == ("", "somchai", "failed", "guess99")
    last_failure = [e for e in _entries(engine, action="auth.sign_in") if e.target == "guess10"][0]
    assert last_failure.details == {"reason": "unknown", "failures": 1, "client_failures": 11, "wait": 2,
                                    "address": ATTACKER}
    assert audit_export.details_text(first.details, "en") == (
        "reason: too many failed sign-ins: not checked · held back by: the address's failures · "
        "next attempt waits (s): 1 · address: 203.0.113.9")


def test_the_clients_wait_grows_to_fifteen_minutes(engine):
    at = m.utcnow()
    waits = []
    for n in range(CLIENT.free):
        assert _try(engine, f"guess{n}", WRONG, at, client=ATTACKER)[0] == "auth.error.wrong"
    for n in range(12):
        assert _try(engine, f"more{n}", WRONG, at, client=ATTACKER)[0] == "auth.error.wrong"
        key, kw = _try(engine, "probe", WRONG, at, client=ATTACKER)
        assert key == "auth.error.throttled"
        waits.append(kw["seconds"])
        at += timedelta(seconds=kw["seconds"])
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    assert CLIENT.cap_s == 15 * 60


def test_a_success_forgets_the_names_failures_and_only_its_own_try_from_the_client(engine):
    users.create_user(engine, ADMIN, "somchai", role="viewer", password=PW)
    t0 = m.utcnow()
    for _ in range(4):
        _try(engine, "somchai", WRONG, t0, client=OWNER)
    for n in range(4):
        _try(engine, f"other{n}", WRONG, t0, client=OWNER)
    assert _try(engine, "somchai", PW, t0, client=OWNER) == ("ok", {})
    assert _row(engine, "account:somchai") is None
    # The client keeps its 8 failures (signing in to one account does not wipe out
    # guesses at others), without this successful try.
    assert (_row(engine, "client:198.51.100.7").failures, _row(engine, "account:other0").failures) == (8, 1)
    [ok] = [e for e in _entries(engine, action="auth.sign_in") if e.outcome == "ok"]
    assert ok.details == {"via": "password", "address": OWNER}


def test_the_right_password_past_the_free_failures_lifts_the_wait_it_set(engine):
    """The 11th try from an address is counted before its password is checked (so tries
    made at once cannot exceed the limit); when it is right, that count is taken back."""
    users.create_user(engine, ADMIN, "somchai", role="viewer", password=PW)
    t0 = m.utcnow()
    for n in range(10):
        _try(engine, f"guess{n}", WRONG, t0, client=OWNER)
    assert _try(engine, "somchai", PW, t0, client=OWNER) == ("ok", {})
    row = _row(engine, "client:198.51.100.7")
    assert (row.failures, row.blocked_until) == (10, None)
    assert _try(engine, "guess10", WRONG, t0, client=OWNER) == ("auth.error.wrong", {})


# ----------------------------------------------------------------------------- administrators


def test_unlock_and_a_new_password_forget_the_names_failures(engine):
    users.create_user(engine, ADMIN, "somchai", role="viewer", password=PW)
    t0 = m.utcnow()
    for _ in range(6):
        _try(engine, "somchai", WRONG, t0)
    with session_scope(engine) as s:
        [info] = users.list_users(s, now=t0)
    assert (info.username, info.failures, info.wait_seconds(t0)) == ("somchai", 6, 2)
    users.set_password(engine, ADMIN, "somchai", "a brand new passphrase", now=t0)
    assert _row(engine, "account:somchai") is None
    assert _try(engine, "somchai", "a brand new passphrase", t0) == ("ok", {})
    with pytest.raises(access.AccessDenied):
        users.unlock_user(engine, access.Actor("reader", "viewer", frozenset()), "somchai")


def test_an_administrator_clears_a_client_address(engine):
    users.create_user(engine, ADMIN, "somchai", role="viewer", password=PW)
    t0 = m.utcnow()
    for n in range(11):
        _try(engine, f"guess{n}", WRONG, t0, client=ATTACKER)
    assert _try(engine, "somchai", PW, t0, client=ATTACKER)[0] == "auth.error.throttled"
    with pytest.raises(access.AccessDenied):
        users.clear_throttle(engine, access.Actor("officer1", "officer", frozenset()), client=ATTACKER)
    assert users.clear_throttle(engine, ADMIN, client=ATTACKER) == 11
    assert _try(engine, "somchai", PW, t0, client=ATTACKER) == ("ok", {})
    [entry] = _entries(engine, action="auth.throttle_cleared")
    assert (entry.actor, entry.target, entry.details["failures"]) == ("cli:tester", "client:203.0.113.9", 11)
    with pytest.raises(users.UserError):
        users.clear_throttle(engine, ADMIN, client=" ")


# ----------------------------------------------------------------------------- at once

THREADS = 8
TIMEOUT = 120.0


def _together(db_url: str, jobs: list) -> list:
    """Each job in its own thread with its own engine (as replicas would), released at
    the same moment; their results in order. An exception in a thread fails the test."""
    barrier = threading.Barrier(len(jobs), timeout=TIMEOUT)
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        engine = make_engine(db_url)
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
            barrier.wait()
            results[i] = jobs[i](engine)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
            barrier.abort()
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    if errors:
        raise errors[0]
    return results


def test_tries_at_once_on_one_name_check_no_more_passwords_than_allowed(db_url, engine, verifications):
    users.create_user(engine, ADMIN, "boss", role="admin", password=PW)
    t0 = m.utcnow()
    answers = _together(db_url, [lambda e: _try(e, "boss", WRONG, t0, client=ATTACKER)] * THREADS)
    assert sorted(a[0] for a in answers) == ["auth.error.throttled"] * 2 + ["auth.error.wrong"] * 6
    assert len(verifications) == ACCOUNT.free + 1 == 6
    assert _row(engine, "account:boss").failures == 6
    assert _row(engine, "client:203.0.113.9").failures == 6
    assert len(_entries(engine, action="auth.sign_in")) == THREADS


def test_tries_at_once_from_one_client_are_all_counted(db_url, engine):
    t0 = m.utcnow()
    jobs = [lambda e, n=n: _try(e, f"guess{n}", WRONG, t0, client=ATTACKER) for n in range(THREADS)]
    assert [a[0] for a in _together(db_url, jobs)] == ["auth.error.wrong"] * THREADS
    assert _row(engine, "client:203.0.113.9").failures == THREADS  # none lost
    assert all(_row(engine, f"account:guess{n}").failures == 1 for n in range(THREADS))
