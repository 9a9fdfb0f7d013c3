"""Accounts: who may sign in, with which role and estates, and the sign-in itself (argon2id
hashes, a throttle by account name and by client, verified OIDC e-mail); every change checked
and audited, no Streamlit (see docs/design-notes.md)."""

from __future__ import annotations

import hashlib
import ipaddress
import json
import math
import re
import threading
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Engine, delete, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ecocity.core import access
from ecocity.core.access import ANONYMOUS, ROLES, Actor
from ecocity.i18n import thai_local
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import no_nul, session_scope
from ecocity.store.errors import StoreError

MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # hashing a megabyte of "password" would be a cheap way to load the server
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# argon2id with the library's recommended parameters (RFC 9106 low-memory profile).
# Tests swap in cheaper parameters; a hash whose parameters differ from these is re-made
# at the next sign-in (check_needs_rehash).
HASHER = PasswordHasher()
# argon2id takes 64 MiB and tens of milliseconds per computation: a burst of sign-ins
# waits here instead of running all at once.
ARGON2_CONCURRENCY = 2
_ARGON2_SLOTS = threading.BoundedSemaphore(ARGON2_CONCURRENCY)


@dataclass(frozen=True)
class ThrottleRule:
    """How failed password sign-ins under one kind of key are held back: the first
    ``free`` failures cost nothing; each further one makes the key wait
    :data:`FIRST_DELAY_S` seconds, twice as long as the one before, at most ``cap_s``."""

    kind: str  # "account" | "client": the key's prefix
    free: int
    cap_s: int


# The sign-in throttle (docs/design-notes.md, "ecocity.store.users"). By the name typed,
# whether or not such an account exists: a small cap, so that nobody can keep the owner
# out for more than a minute, while guessing stays at about one password a minute. By
# client address: more free failures (an office behind one address), a larger cap, so a
# client trying many names is slowed down to one attempt every 15 minutes.
FIRST_DELAY_S = 2
ACCOUNT = ThrottleRule("account", free=5, cap_s=60)
CLIENT = ThrottleRule("client", free=10, cap_s=15 * 60)
# Failures older than this are forgotten: a key quiet for an hour starts again from zero.
FAILURE_MEMORY = timedelta(hours=1)
_PRUNE_BATCH = 100  # forgotten rows deleted per sign-in (at most one row is added per key)


class UserError(StoreError):
    """An account change that cannot be done (a taken name, a weak password, an unknown
    estate...). Nothing was changed. Keys live under ``auth.`` in locales/*/auth.toml."""


class SignInError(StoreError):
    """A refused sign-in: ``auth.error.wrong`` (also for an unknown user name),
    ``auth.error.throttled`` (with ``seconds`` to wait; the same for a known or unknown
    name) or ``auth.error.disabled`` (only after the right password);
    through the organisation's provider: ``auth.page.oidc_no_account`` (with ``email``;
    also for a disabled account), ``auth.error.oidc_unverified`` (with ``email``) or
    ``auth.error.expired``."""


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    display_name: str
    email: str | None
    role: str
    estates: tuple[str, ...]
    is_active: bool
    # The throttle of the account's name (see authenticate): failed sign-ins in the last
    # FAILURE_MEMORY, and until when the next one is refused without being checked.
    failures: int
    throttled_until: datetime | None
    last_sign_in_at: datetime | None
    created_at: datetime
    created_by: str
    has_password: bool
    areas: tuple[str, ...] = ()  # a reviewer's areas ("*": every one)

    def throttled(self, now: datetime | None = None) -> bool:
        return self.throttled_until is not None and self.throttled_until > (now or m.utcnow())

    def wait_seconds(self, now: datetime | None = None) -> int:
        """Whole seconds (rounded up) before a password sign-in is checked again; 0 when not throttled."""
        return _seconds(self.throttled_until, now or m.utcnow())


# ----------------------------------------------------------------------------- helpers


def normalise_username(name: str) -> str:
    """Trimmed and lower case, NUL characters dropped (a name is typed into a form, and
    PostgreSQL cannot compare or store text holding NUL)."""
    return no_nul(name).strip().lower()


def check_username(name: str) -> str:
    """The normalised user name, or :class:`UserError` ``auth.user.bad_name``."""
    u = normalise_username(name)
    if not _USERNAME.match(u):
        raise UserError("auth.user.bad_name", name=name)
    return u


def _norm_email(email: str | None) -> str | None:
    e = (email or "").strip().lower()
    if not e:
        return None
    if not _EMAIL.match(e) or len(e) > 200:
        raise UserError("auth.user.bad_email", email=email)
    return e


def check_password(password: str, username: str) -> None:
    """The password policy: at least 10 characters, not the user name. Raises
    :class:`UserError` (``auth.policy.too_short`` / ``same_as_name`` / ``too_long``)."""
    if len(password) < MIN_PASSWORD:
        raise UserError("auth.policy.too_short", min=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        raise UserError("auth.policy.too_long", max=MAX_PASSWORD)
    if password.strip().lower() == normalise_username(username):
        raise UserError("auth.policy.same_as_name")


def hash_password(password: str) -> str:
    with _ARGON2_SLOTS:
        return HASHER.hash(password)


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    """A hash made with the current parameters (so verifying it costs what a real one does)."""
    key = repr(HASHER._parameters)
    if key not in _DUMMY:
        _DUMMY[key] = HASHER.hash("not a password: unknown user names cost as much as known ones")
    return _DUMMY[key]


def _verify(stored: str | None, password: str) -> bool:
    """True when ``password`` matches ``stored``; an account without a password (or an
    unknown user) verifies against a dummy hash and fails, in about the same time."""
    with _ARGON2_SLOTS:
        try:
            return HASHER.verify(stored or _dummy_hash(), password) and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def _role(role: str) -> str:
    if role not in ROLES:
        raise UserError("auth.user.bad_role", role=role)
    return role


def _checked(session: Session, codes: Iterable[str], column: Any, error: str, *, every: str | None = None) -> list[str]:
    """``codes`` trimmed, unique and sorted, each found in the registry ``column`` (``every``,
    when given, stands for all and is not looked up); UserError ``error`` names the others."""
    wanted = sorted({c.strip() for c in codes if c and c.strip()})
    named = [c for c in wanted if c != every]
    if named:
        known = set(session.scalars(select(column).where(column.in_(named))))
        missing = [c for c in named if c not in known]
        if missing:
            raise UserError(error, codes=", ".join(missing))
    return wanted


def _estates(session: Session, codes: Iterable[str]) -> list[str]:
    return _checked(session, codes, m.Estate.code, "auth.user.unknown_estate")


def _areas(session: Session, codes: Iterable[str]) -> list[str]:
    """Area codes for a reviewer, checked against the registry ('*' means every area)."""
    return _checked(session, codes, m.Area.code, "auth.user.unknown_area", every=access.ALL_AREAS)


def _user(session: Session, username: str, *, lock: bool = False) -> m.User:
    q = select(m.User).where(m.User.username == normalise_username(username))
    if lock:
        q = q.with_for_update()
    user = session.scalars(q).one_or_none()
    if user is None:
        raise UserError("auth.user.unknown", name=username)
    return user


def _estates_of(session: Session, user_id: int) -> tuple[str, ...]:
    return tuple(session.scalars(select(m.UserEstate.estate_code).where(m.UserEstate.user_id == user_id)
                                 .order_by(m.UserEstate.estate_code)))


def _set_estates(session: Session, user: m.User, codes: list[str]) -> None:
    session.execute(delete(m.UserEstate).where(m.UserEstate.user_id == user.id))
    session.add_all([m.UserEstate(user_id=user.id, estate_code=c) for c in codes])
    session.flush()


def _areas_of(session: Session, user_id: int) -> tuple[str, ...]:
    return tuple(session.scalars(select(m.UserArea.area_code).where(m.UserArea.user_id == user_id)
                                 .order_by(m.UserArea.area_code)))


def _set_areas(session: Session, user: m.User, codes: list[str]) -> None:
    session.execute(delete(m.UserArea).where(m.UserArea.user_id == user.id))
    session.add_all([m.UserArea(user_id=user.id, area_code=c) for c in codes])
    session.flush()


def _actor(user: m.User, estates: Iterable[str], via: access.Via = "password",
           areas: Iterable[str] = ()) -> Actor:
    return Actor(username=user.username, role=user.role, estates=frozenset(estates),  # type: ignore[arg-type]
                 display_name=user.display_name or "", via=via, areas=frozenset(areas))


def _actor_of(session: Session, user: m.User, via: access.Via = "password") -> Actor:
    return _actor(user, _estates_of(session, user.id), via, _areas_of(session, user.id))


def _info_of(s: Session, user: m.User, now: datetime | None = None) -> UserInfo:
    return _info(user, _estates_of(s, user.id), s.get(m.SignInThrottle, account_key(user.username)), now,
                 _areas_of(s, user.id))


def _info(user: m.User, estates: tuple[str, ...], throttle: m.SignInThrottle | None,
          now: datetime | None = None, areas: tuple[str, ...] = ()) -> UserInfo:
    """``throttle``: the row of the account's key (:func:`account_key`), if any."""
    failures, until = _current(throttle, now or m.utcnow())
    return UserInfo(id=user.id, username=user.username, display_name=user.display_name or "",
                    email=user.email, role=user.role, estates=estates, is_active=bool(user.is_active),
                    failures=failures, throttled_until=until,
                    last_sign_in_at=user.last_sign_in_at, created_at=user.created_at,
                    created_by=user.created_by or "", has_password=user.password_hash is not None,
                    areas=areas)


def thai_minute(at: datetime | None, none: str = "") -> str:
    """``YYYY-MM-DD HH:MM`` in Thai time (``ecocity users list``; pages show
    ``i18n.fmt_datetime``); ``none`` for None."""
    return none if at is None else thai_local(at).strftime("%Y-%m-%d %H:%M")


# ----------------------------------------------------------------------------- the change form

FORM_FIELDS = ("display_name", "email", "role", "active", "estates", "areas")


def fingerprint(user: UserInfo) -> str:
    """12 hex digits that change whenever the account's editable fields change as stored:
    a change form keyed by it is redrawn when another administrator changed the account."""
    return hashlib.sha256(json.dumps([user.display_name, user.email, user.role, user.is_active,
                                      list(user.estates), list(user.areas)],
                                     ensure_ascii=False).encode()).hexdigest()[:12]


def form_values(user: UserInfo, known_estates: Collection[str]) -> dict[str, Any]:
    """The change form's fields as the account has them (``FORM_FIELDS``); estates only
    those in ``known_estates`` (what the form can offer), sorted; no e-mail is ""."""
    return {"display_name": user.display_name, "email": user.email or "", "role": user.role,
            "active": user.is_active, "estates": sorted(c for c in user.estates if c in known_estates),
            "areas": sorted(user.areas)}


def changed_fields(stored: Mapping[str, Any], edited: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments for :func:`update_user`: only the fields of ``edited`` that
    differ from ``stored`` (both as :func:`form_values` gives them; estates compared in
    any order); an e-mail cleared to "" is sent as None."""
    edited = dict(edited)
    for many in ("estates", "areas"):
        if many in edited:
            edited[many] = sorted(edited[many])
    changed = {f: v for f, v in edited.items() if v != stored[f]}
    if "email" in changed:
        changed["email"] = changed["email"] or None
    return changed


# ----------------------------------------------------------------------------- reading


def list_users(session: Session, *, now: datetime | None = None) -> list[UserInfo]:
    users = list(session.scalars(select(m.User).order_by(m.User.username)))
    estates: dict[int, list[str]] = {}
    for uid, code in session.execute(select(m.UserEstate.user_id, m.UserEstate.estate_code)
                                     .order_by(m.UserEstate.estate_code)):
        estates.setdefault(uid, []).append(code)
    areas: dict[int, list[str]] = {}
    for uid, code in session.execute(select(m.UserArea.user_id, m.UserArea.area_code).order_by(m.UserArea.area_code)):
        areas.setdefault(uid, []).append(code)
    keys = [account_key(u.username) for u in users]
    throttles = {r.key: r for r in session.scalars(select(m.SignInThrottle).where(m.SignInThrottle.key.in_(keys)))}
    return [_info(u, tuple(estates.get(u.id, ())), throttles.get(account_key(u.username)), now,
                  tuple(areas.get(u.id, ()))) for u in users]


def get_user(session: Session, username: str, *, now: datetime | None = None) -> UserInfo | None:
    user = session.scalars(select(m.User).where(m.User.username == normalise_username(username))).one_or_none()
    return None if user is None else _info_of(session, user, now)


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(m.User)) or 0)


def actor_for(session: Session, username: str, via: access.Via = "password") -> Actor | None:
    """The actor of an active account, or None (unknown or disabled)."""
    user = session.scalars(select(m.User).where(m.User.username == normalise_username(username))).one_or_none()
    if user is None or not user.is_active:
        return None
    return _actor_of(session, user, via)


def actor_by_email(session: Session, email: str, via: access.Via = "oidc") -> Actor | None:
    """The actor of the active account with this e-mail (any case), or None."""
    e = (email or "").strip().lower()
    if not e:
        return None
    user = session.scalars(select(m.User).where(m.User.email == e)).one_or_none()
    if user is None or not user.is_active:
        return None
    return _actor_of(session, user, via)


def actor_by_id(session: Session, user_id: int, *, via: access.Via = "password",
                signed_in_at: datetime | None = None) -> Actor | None:
    """The actor of account ``user_id`` as it is now (one primary-key read), or None when
    the account is gone, disabled, or its password was changed after ``signed_in_at``
    (a reset password ends the sessions opened with the old one)."""
    user = session.get(m.User, user_id)
    if user is None or not user.is_active:
        return None
    if (signed_in_at is not None and via == "password" and user.password_changed_at is not None
            and user.password_changed_at > signed_in_at):
        return None
    return _actor_of(session, user, via)


def user_id_of(session: Session, username: str) -> int | None:
    return session.scalar(select(m.User.id).where(m.User.username == normalise_username(username)))


# ----------------------------------------------------------------------------- the throttle


def account_key(username: str) -> str:
    """The throttle key of a name typed at sign-in (normalised as accounts are; whether or
    not such an account exists)."""
    return f"{ACCOUNT.kind}:{normalise_username(username)[:100]}"


def client_key(client: str | None) -> str | None:
    """The throttle key of a client address, or None when there is none. An IPv6 address
    counts as its /64 network (one subscriber is given a whole /64); an IPv4 address
    mapped into IPv6 as that IPv4 address; text that is no address as given (truncated)."""
    text = no_nul(client).strip()
    if not text:
        return None
    try:
        ip = ipaddress.ip_address(text.split("%", 1)[0])  # without an IPv6 zone ("%eth0")
    except ValueError:
        return f"{CLIENT.kind}:{text[:100]}"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return f"{CLIENT.kind}:{ip.ipv4_mapped}"
        return f"{CLIENT.kind}:{ipaddress.IPv6Network((ip, 64), strict=False)}"
    return f"{CLIENT.kind}:{ip}"


def throttle_delay(failures: int, rule: ThrottleRule) -> int:
    """Seconds a key must wait after its ``failures``-th failure in a row: none for the
    first ``rule.free``, then 2, 4, 8 ... at most ``rule.cap_s``."""
    over = failures - rule.free
    if over <= 0:
        return 0
    return min(rule.cap_s, FIRST_DELAY_S * 2 ** min(over - 1, 30))


def _seconds(until: datetime | None, now: datetime) -> int:
    return 0 if until is None or until <= now else math.ceil((until - now).total_seconds())


def _current(row: m.SignInThrottle | None, now: datetime) -> tuple[int, datetime | None]:
    """(failures, blocked until) of a throttle row as they count at ``now``: a row whose
    last failure is older than :data:`FAILURE_MEMORY` counts as none."""
    if row is None or row.last_failure_at <= now - FAILURE_MEMORY:
        return 0, None
    until = row.blocked_until if row.blocked_until is not None and row.blocked_until > now else None
    return row.failures or 0, until


def _locked_row(s: Session, key: str, now: datetime) -> m.SignInThrottle:
    """The throttle row of ``key``, created when absent and locked until the transaction
    ends. Safe when sign-ins run at once: the insert does nothing when another one has
    just made the row, and the lock then waits for that one's transaction."""
    q = select(m.SignInThrottle).where(m.SignInThrottle.key == key).with_for_update()
    for _ in range(3):  # a row may be pruned or cleared between the insert and the read
        row = s.scalars(q).one_or_none()
        if row is not None:
            return row
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        s.execute(insert(m.SignInThrottle).values(key=key, failures=0, last_failure_at=now, blocked_until=None)
                  .on_conflict_do_nothing(index_elements=["key"]))
    return s.scalars(q).one()


@dataclass(frozen=True)
class _Counted:
    """What the throttle did with one attempt: the failures of each key counted so far
    (this attempt included), and the longest wait this attempt set (0: none)."""

    failures: dict[str, int]
    wait: int


def _take_turn(s: Session, keys: dict[ThrottleRule, str], now: datetime) -> tuple[str, int] | _Counted:
    """Under the keys' row locks, in the caller's transaction: (kind, seconds) of the key
    that must still wait, the longest, when any does (nothing counted); else the attempt is
    counted as a failure on every key before its password is checked, so that attempts
    made at once can never check more passwords than the throttle allows; a success
    then takes its count back (:func:`_after_success`)."""
    rows = {rule: _locked_row(s, key, now) for rule, key in sorted(keys.items(), key=lambda kv: kv[1])}
    waits = [(_seconds(_current(row, now)[1], now), rule.kind) for rule, row in rows.items()]
    wait, kind = max(waits)
    if wait > 0:
        return kind, wait
    counted: dict[str, int] = {}
    longest = 0
    for rule, row in rows.items():
        failures = _current(row, now)[0] + 1
        delay = throttle_delay(failures, rule)
        row.failures, row.last_failure_at = failures, now
        row.blocked_until = now + timedelta(seconds=delay) if delay else None
        counted[rule.kind] = failures
        longest = max(longest, delay)
    s.flush()
    return _Counted(counted, longest)


def _after_success(s: Session, keys: dict[ThrottleRule, str], now: datetime) -> None:
    """A correct password: the account's failures are forgotten; the client's count only
    loses this attempt (a client that signs in to one account must not wipe out the
    failures it made on others)."""
    s.execute(delete(m.SignInThrottle).where(m.SignInThrottle.key == keys[ACCOUNT]))
    if CLIENT not in keys:
        return
    row = s.scalars(select(m.SignInThrottle).where(m.SignInThrottle.key == keys[CLIENT])
                    .with_for_update()).one_or_none()
    if row is None:
        return
    failures = _current(row, now)[0] - 1
    if failures <= 0:
        s.delete(row)
    else:
        row.failures = failures
        if throttle_delay(failures, CLIENT) == 0:
            row.blocked_until = None
    s.flush()


def _prune(s: Session, now: datetime) -> None:
    """Delete a batch of forgotten throttle rows (names typed once and never again), leaving
    alone those another sign-in holds."""
    stale = (select(m.SignInThrottle.key).where(m.SignInThrottle.last_failure_at <= now - FAILURE_MEMORY)
             .limit(_PRUNE_BATCH).with_for_update(skip_locked=True))
    s.execute(delete(m.SignInThrottle).where(m.SignInThrottle.key.in_(stale.scalar_subquery())))


def clear_throttle(engine: Engine, by: Actor, *, client: str) -> int:
    """Forget the failed sign-ins of a client address (an office behind one address held
    back by someone else's failures); audited. Returns the failures forgotten."""
    access.require(by, "manage_users")
    key = client_key(client)
    if key is None:
        raise UserError("auth.user.bad_client", client=client)
    now = m.utcnow()
    with session_scope(engine, write=True) as s:
        row = s.scalars(select(m.SignInThrottle).where(m.SignInThrottle.key == key).with_for_update()).one_or_none()
        failures, until = _current(row, now)
        if row is not None:
            s.delete(row)
        audit.record(s, by, "auth.throttle_cleared", key, details={
            "failures": failures, "was_locked_until": until.isoformat() if until else None})
    return failures


# ----------------------------------------------------------------------------- sign-in


def authenticate(engine: Engine, username: str, password: str, *, client: str | None = None,
                 now: datetime | None = None) -> Actor:
    """The actor for a correct user name and password, or :class:`SignInError`.

    First the throttle (see :data:`ACCOUNT`, :data:`CLIENT`): when the name typed
    (:func:`account_key`, known account or not) or the ``client`` address
    (:func:`client_key`) must still wait, the attempt is refused with
    ``auth.error.throttled`` and its seconds, its password not checked, nothing counted;
    otherwise it counts as a failure of both keys. The hash is then verified outside any
    transaction (it takes tens of milliseconds), and the result written under a row lock,
    with the audit entry, in one transaction: a success forgets the account's failures
    (and takes back this attempt's count from the client). If the password was changed
    in between (an administrator's reset), the attempt fails: the password given was
    checked against a hash that is no longer the account's."""
    now = now or m.utcnow()
    name = normalise_username(username)[:100]
    keys = {ACCOUNT: account_key(name)}
    ckey = client_key(client)
    if ckey is not None:
        keys[CLIENT] = ckey
    where: dict[str, Any] = {"address": no_nul(client).strip()[:100]} if ckey is not None else {}

    with session_scope(engine, write=True) as s:
        turn = _take_turn(s, keys, now)
        if isinstance(turn, tuple):
            # Recorded as the anonymous actor: the name given is only a claim.
            audit.record(s, ANONYMOUS, "auth.sign_in", name, outcome="failed",
                         details={"reason": "throttled", "throttled_by": turn[0], "wait": turn[1], **where})
            row = None
        else:
            row = s.execute(select(m.User.id, m.User.password_hash)
                            .where(m.User.username == name)).one_or_none()
    if isinstance(turn, tuple):
        raise SignInError("auth.error.throttled", seconds=turn[1])
    counted = turn

    stored = row.password_hash if row is not None else None
    ok = _verify(stored, password or "") if len(password or "") <= MAX_PASSWORD else False
    new_hash = hash_password(password) if ok and HASHER.check_needs_rehash(stored or "") else None

    with session_scope(engine, write=True) as s:
        user = (s.scalars(select(m.User).where(m.User.id == row.id).with_for_update()).one_or_none()
                if row is not None else None)
        def refuse(reason: str, error: SignInError | None = None) -> SignInError:
            details: dict[str, Any] = {"reason": reason, "failures": counted.failures[ACCOUNT.kind]}
            if CLIENT.kind in counted.failures:
                details["client_failures"] = counted.failures[CLIENT.kind]
            if counted.wait:
                details["wait"] = counted.wait
            audit.record(s, ANONYMOUS, "auth.sign_in", name, outcome="failed", details=details | where)
            return error or SignInError("auth.error.wrong")

        error: SignInError | None
        if user is None:
            error = refuse("unknown")
        elif user.password_hash != stored:  # changed while we verified: never sign in, never re-hash
            error = refuse("changed")
        elif not ok:
            error = refuse("password")
        elif not user.is_active:
            error = refuse("disabled", SignInError("auth.error.disabled"))
        else:
            _after_success(s, keys, now)
            user.last_sign_in_at = now
            details: dict[str, Any] = {"via": "password"}
            if new_hash is not None:
                user.password_hash = new_hash
                details["rehashed"] = True
            actor = _actor_of(s, user, "password")
            audit.record(s, actor, "auth.sign_in", name, outcome="ok", details=details | where)
            error = None
        _prune(s, now)
    if error is not None:
        raise error
    return actor


def record_oidc_sign_in(engine: Engine, email: str, *, email_verified: bool, issued_at: datetime | None = None,
                        max_age: timedelta | None = None, now: datetime | None = None) -> Actor:
    """The actor of the account matched to the e-mail the OIDC provider gave, or
    :class:`SignInError`; audited either way.

    The match is made only when the provider says the e-mail is verified
    (``email_verified``; anyone can put any address in an unverified claim) and, when
    ``issued_at`` (the token's ``iat``) and ``max_age`` are given, only while the token is
    younger than ``max_age``: the provider's cookie does not sign in for longer than a
    sign-in lasts."""
    now = now or m.utcnow()
    e = (email or "").strip().lower()
    with session_scope(engine, write=True) as s:
        def refuse(reason: str, key: str) -> SignInError:
            audit.record(s, ANONYMOUS, "auth.sign_in", e[:300], outcome="failed",
                         details={"via": "oidc", "reason": reason})
            return SignInError(key, email=email)

        if email_verified is not True:
            error = refuse("unverified", "auth.error.oidc_unverified")
        elif issued_at is not None and max_age is not None and now - issued_at > max_age:
            error = refuse("expired", "auth.error.expired")
        else:
            user = s.scalars(select(m.User).where(m.User.email == e).with_for_update()).one_or_none() if e else None
            if user is None or not user.is_active:
                error = refuse("disabled" if user is not None else "no_account", "auth.page.oidc_no_account")
            else:
                user.last_sign_in_at = now
                actor = _actor_of(s, user, "oidc")
                audit.record(s, actor, "auth.sign_in", user.username, outcome="ok", details={"via": "oidc"})
                return actor
    raise error


def record_sign_out(engine: Engine, actor: Actor) -> None:
    if actor.signed_in:
        audit.record_alone(engine, actor, "auth.sign_out", actor.username)


# ----------------------------------------------------------------------------- changes


def create_user(engine: Engine, by: Actor, username: str, *, role: str, display_name: str = "",
                email: str | None = None, estates: Iterable[str] = (), password: str | None = None,
                now: datetime | None = None, areas: Iterable[str] = ()) -> UserInfo:
    """A new account. ``password`` None: the account signs in through the organisation's
    provider only (by ``email``). ``areas``: what a reviewer reviews ('*': every area)."""
    access.require(by, "manage_users")
    name = check_username(username)
    role = _role(role)
    mail = _norm_email(email)
    if password is not None:
        check_password(password, name)
    hashed = hash_password(password) if password is not None else None
    now = now or m.utcnow()
    with session_scope(engine, write=True) as s:
        if user_id_of(s, name) is not None:
            raise UserError("auth.user.exists", name=name)
        if mail and s.scalar(select(m.User.id).where(m.User.email == mail)) is not None:
            raise UserError("auth.user.email_taken", email=mail)
        codes = _estates(s, estates)
        area_codes = _areas(s, areas)
        user = m.User(username=name, display_name=(display_name or "").strip()[:200], email=mail, role=role,
                      password_hash=hashed, is_active=True, failed_attempts=0, created_at=now,
                      created_by=by.username[:200], password_changed_at=now if hashed else None)
        s.add(user)
        s.flush()
        _set_estates(s, user, codes)
        _set_areas(s, user, area_codes)
        audit.record(s, by, "user.created", name, details={
            "role": role, "estates": codes, "areas": area_codes, "email": mail, "display_name": user.display_name,
            "password": hashed is not None})
        return _info_of(s, user)


_UNSET: Any = object()


def update_user(engine: Engine, by: Actor, username: str, *, role: str = _UNSET, estates: Iterable[str] = _UNSET,
                display_name: str = _UNSET, email: str | None = _UNSET, active: bool = _UNSET,
                areas: Iterable[str] = _UNSET) -> UserInfo:
    """Change what is given; the audit entry lists each change as [old, new]. Disabling
    is audited as ``user.disabled`` (enabling as ``user.enabled``). An administrator
    cannot disable or demote their own account (someone must stay able to undo it)."""
    access.require(by, "manage_users")
    with session_scope(engine, write=True) as s:
        user = _user(s, username, lock=True)
        changes: dict[str, Any] = {}
        old_estates = list(_estates_of(s, user.id))
        if role is not _UNSET and _role(role) != user.role:
            if user.username == by.username and role != "admin":
                raise UserError("auth.user.not_yourself")
            changes["role"] = [user.role, role]
            user.role = role
        if estates is not _UNSET:
            codes = _estates(s, estates)
            if codes != old_estates:
                changes["estates"] = [old_estates, codes]
                _set_estates(s, user, codes)
        if areas is not _UNSET:
            old_areas = list(_areas_of(s, user.id))
            area_codes = _areas(s, areas)
            if area_codes != old_areas:
                changes["areas"] = [old_areas, area_codes]
                _set_areas(s, user, area_codes)
        if display_name is not _UNSET and (display_name or "").strip()[:200] != (user.display_name or ""):
            changes["display_name"] = [user.display_name, (display_name or "").strip()[:200]]
            user.display_name = (display_name or "").strip()[:200]
        if email is not _UNSET:
            mail = _norm_email(email)
            if mail != user.email:
                if mail and s.scalar(select(m.User.id).where(m.User.email == mail, m.User.id != user.id)):
                    raise UserError("auth.user.email_taken", email=mail)
                changes["email"] = [user.email, mail]
                user.email = mail
        toggled = None
        if active is not _UNSET and bool(active) != bool(user.is_active):
            if user.username == by.username and not active:
                raise UserError("auth.user.not_yourself")
            user.is_active = bool(active)
            toggled = "user.enabled" if active else "user.disabled"
        if changes:
            audit.record(s, by, "user.updated", user.username, details=changes)
        if toggled:
            audit.record(s, by, toggled, user.username)
        s.flush()
        return _info_of(s, user)


def disable_user(engine: Engine, by: Actor, username: str) -> UserInfo:
    return update_user(engine, by, username, active=False)


def set_password(engine: Engine, by: Actor, username: str, password: str, *,
                 now: datetime | None = None) -> UserInfo:
    """A new password (policy checked); also forgets the failed sign-ins under the
    account's name (as :func:`unlock_user`). Sessions signed in with the old password end
    at their next page run (see :func:`actor_by_id`)."""
    access.require(by, "manage_users")
    name = normalise_username(username)
    check_password(password, name)
    hashed = hash_password(password)
    now = now or m.utcnow()
    with session_scope(engine, write=True) as s:
        user = _user(s, name, lock=True)
        user.password_hash = hashed
        user.password_changed_at = now
        s.execute(delete(m.SignInThrottle).where(m.SignInThrottle.key == account_key(user.username)))
        audit.record(s, by, "user.password_set", user.username)
        s.flush()
        return _info_of(s, user, now)


def unlock_user(engine: Engine, by: Actor, username: str, *, now: datetime | None = None) -> UserInfo:
    """Forget the failed sign-ins under the account's name: its owner may try again at
    once (a client address held back stays so; see :func:`clear_throttle`). Audited with
    what was forgotten."""
    access.require(by, "manage_users")
    now = now or m.utcnow()
    with session_scope(engine, write=True) as s:
        user = _user(s, username, lock=True)
        row = s.scalars(select(m.SignInThrottle).where(m.SignInThrottle.key == account_key(user.username))
                        .with_for_update()).one_or_none()
        failures, until = _current(row, now)
        if row is not None:
            s.delete(row)
        audit.record(s, by, "user.unlocked", user.username,
                     details={"failures": failures, "was_locked_until": until.isoformat() if until else None})
        s.flush()
        return _info_of(s, user, now)
