"""`ecocity users`: add (stdin or a prompt typed twice, never a default password), list,
set-password, unlock, unlock-address, disable; weak passwords and unknown names exit 2
without a traceback; every change audited as the command-line operator."""

from __future__ import annotations

import getpass
import io
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher

from ecocity.cli import main
from ecocity.store import audit, make_engine, session_scope, users
from ecocity.store import models as m
from ecocity.store.users import SignInError

pytestmark = [pytest.mark.storage, pytest.mark.usefixtures("cheap_hashing")]
PW = "correct horse battery"


@pytest.fixture(autouse=True)
def operator_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "operator")


def run(capsys, monkeypatch, db_url: str, *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["users", "--database-url", db_url, *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The store's clock (models.utcnow) stopped: waits shown by ``list`` do not run out."""
    now = datetime.now(UTC)
    monkeypatch.setattr(m, "utcnow", lambda: now)
    return now


def _entries(engine, action: str):
    with session_scope(engine) as s:
        return audit.list_entries(s, action=action)


def test_add_with_password_on_stdin_then_sign_in(db_url, engine, capsys, monkeypatch):
    code, out, err = run(capsys, monkeypatch, db_url, "add", "Somchai", "--role", "officer", "--estate",
                         "MAP-TA-PHUT", "--email", "S@example.org", "--display-name", "สมชาย ใจดี",
                         "--password-stdin", stdin=PW + "\n")
    assert (code, err) == (0, "")
    assert out.strip() == "added somchai (officer, estates MAP-TA-PHUT; signs in with: password)"
    actor = users.authenticate(engine, "somchai", PW)
    assert (actor.role, actor.estates, actor.display_name) == ("officer", frozenset({"MAP-TA-PHUT"}), "สมชาย ใจดี")
    [entry] = _entries(engine, "user.created")
    assert (entry.actor, entry.role, entry.target) == ("cli:operator", "admin", "somchai")


def test_add_prompts_twice(db_url, engine, capsys, monkeypatch):
    typed = iter([PW, PW])
    prompts = []
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": prompts.append(prompt) or next(typed))
    code, out, _ = run(capsys, monkeypatch, db_url, "add", "boss", "--role", "admin")
    assert code == 0 and "added boss (admin;" in out
    assert prompts == ["password for boss: ", "again: "]
    assert users.authenticate(engine, "boss", PW).is_admin


def test_add_refuses_different_typed_passwords(db_url, engine, capsys, monkeypatch):
    typed = iter([PW, PW + "x"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(typed))
    code, out, err = run(capsys, monkeypatch, db_url, "add", "boss", "--role", "admin")
    assert code == 2 and "differ" in err and "Traceback" not in err
    assert _count(engine) == 0


def _count(engine) -> int:
    with session_scope(engine) as s:
        return users.count_users(s)


@pytest.mark.parametrize(("password", "message"), [
    ("short\n", "at least 10 characters"),
    ("Somchai\n", "at least 10 characters"),
    ("somchai_is_me\n", None),
    ("\n", "no password given"),
    ("", "no password given"),
])
def test_add_refuses_a_weak_or_missing_password(db_url, engine, capsys, monkeypatch, password, message):
    code, _, err = run(capsys, monkeypatch, db_url, "add", "somchai", "--role", "viewer", "--password-stdin",
                       stdin=password)
    if message is None:
        assert code == 0
        return
    assert code == 2 and message in err and "Traceback" not in err
    assert _count(engine) == 0


def test_password_equal_to_the_name_is_refused(db_url, capsys, monkeypatch):
    code, _, err = run(capsys, monkeypatch, db_url, "add", "longusername", "--role", "viewer",
                       "--password-stdin", stdin="LongUserName\n")
    assert code == 2 and "must not be the user name" in err


def test_add_without_password_for_the_organisation_account(db_url, engine, capsys, monkeypatch):
    code, out, _ = run(capsys, monkeypatch, db_url, "add", "malee", "--role", "viewer", "--email",
                       "malee@example.org", "--no-password")
    assert code == 0 and "organisation account only" in out
    with pytest.raises(SignInError):
        users.authenticate(engine, "malee", "")


@pytest.mark.parametrize(("argv", "message"), [
    (["add", "x", "--role", "viewer", "--no-password"], "User names are 2 to 100 characters"),
    (["add", "ok-name", "--role", "officer", "--estate", "NOPE", "--no-password"], "Unknown estate code: NOPE"),
    (["unlock", "ghost"], "There is no account named ghost"),
    (["disable", "ghost"], "There is no account named ghost"),
    (["set-password", "ghost", "--password-stdin"], "There is no account named ghost"),
])
def test_input_errors_exit_2_with_one_line(db_url, capsys, monkeypatch, argv, message):
    code, _, err = run(capsys, monkeypatch, db_url, *argv, stdin=PW + "\n")
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_role_is_a_usage_error(db_url, capsys):
    with pytest.raises(SystemExit) as e:
        main(["users", "--database-url", db_url, "add", "somchai", "--role", "root"])
    assert e.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_duplicate_name_exits_2(db_url, capsys, monkeypatch):
    assert run(capsys, monkeypatch, db_url, "add", "somchai", "--role", "viewer", "--no-password")[0] == 0
    code, _, err = run(capsys, monkeypatch, db_url, "add", "SOMCHAI", "--role", "viewer", "--no-password")
    assert code == 2 and "already taken" in err


def test_list_set_password_unlock_disable(db_url, engine, capsys, monkeypatch, frozen_clock):
    code, out, _ = run(capsys, monkeypatch, db_url, "list")
    assert code == 0 and "no accounts yet" in out
    run(capsys, monkeypatch, db_url, "add", "somchai", "--role", "officer", "--estate", "MAP-TA-PHUT",
        "--password-stdin", stdin=PW + "\n")
    for _ in range(7):
        with pytest.raises(SignInError):
            users.authenticate(engine, "somchai", "wrong password!")
    code, out, _ = run(capsys, monkeypatch, db_url, "list")
    header, row = out.strip().splitlines()
    assert header.split()[:5] == ["user", "role", "active", "failed", "wait"]
    assert row.split()[:5] == ["somchai", "officer", "yes", "6", "2s"] and row.endswith("MAP-TA-PHUT")

    assert run(capsys, monkeypatch, db_url, "unlock", "somchai")[:2] == (0, "somchai unlocked\n")
    assert run(capsys, monkeypatch, db_url, "list")[1].strip().splitlines()[1].split()[3:5] == ["-", "-"]
    assert users.authenticate(engine, "somchai", PW).username == "somchai"

    code, out, _ = run(capsys, monkeypatch, db_url, "set-password", "somchai", "--password-stdin",
                       stdin="a brand new passphrase\n")
    assert (code, out) == (0, "password of somchai changed\n")
    assert users.authenticate(engine, "somchai", "a brand new passphrase")
    code, _, err = run(capsys, monkeypatch, db_url, "set-password", "somchai", "--password-stdin", stdin="tiny\n")
    assert code == 2 and "at least 10" in err

    assert run(capsys, monkeypatch, db_url, "disable", "somchai")[:2] == (0, "somchai disabled\n")
    with pytest.raises(SignInError) as e:
        users.authenticate(engine, "somchai", "a brand new passphrase")
    assert e.value.code == "disabled"
    code, out, _ = run(capsys, monkeypatch, db_url, "list")
    assert out.strip().splitlines()[1].split()[2] == "no"

    actions = [(x.action, x.actor) for x in reversed(_entries(engine, "user"))]
    assert actions == [("user.created", "cli:operator"), ("user.unlocked", "cli:operator"),
                       ("user.password_set", "cli:operator"), ("user.disabled", "cli:operator")]


def test_unlock_address(db_url, engine, capsys, monkeypatch, frozen_clock):
    run(capsys, monkeypatch, db_url, "add", "somchai", "--role", "viewer", "--password-stdin", stdin=PW + "\n")
    for n in range(11):
        with pytest.raises(SignInError):
            users.authenticate(engine, f"guess{n}", "wrong password!", client="2001:db8:1:2::99")
    with pytest.raises(SignInError) as e:
        users.authenticate(engine, "somchai", PW, client="2001:db8:1:2::5")  # the same /64
    assert e.value.code == "throttled"
    code, out, _ = run(capsys, monkeypatch, db_url, "unlock-address", "2001:db8:1:2::5")
    assert (code, out) == (0, "2001:db8:1:2::/64: 11 failed sign-ins forgotten\n")
    assert users.authenticate(engine, "somchai", PW, client="2001:db8:1:2::5").username == "somchai"
    [entry] = _entries(engine, "auth.throttle_cleared")
    assert (entry.actor, entry.target) == ("cli:operator", "client:2001:db8:1:2::/64")
    code, _, err = run(capsys, monkeypatch, db_url, "unlock-address", " ")
    assert code == 2 and "is not a client address" in err
