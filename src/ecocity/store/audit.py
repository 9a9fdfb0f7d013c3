"""The audit log, append-only: :func:`record` adds an entry in the caller's transaction (committed
with the change or not at all), :func:`record_alone` in its own small one (a refused attempt, a
sign-in), never changing the data version."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ecocity.core import access
from ecocity.core.access import AccessDenied, Actor
from ecocity.store import models as m
from ecocity.store.db import no_nul, session_scope


@dataclass(frozen=True)
class AuditInfo:
    id: int
    at: datetime
    actor: str
    role: str
    action: str
    target: str
    outcome: str
    details: Any


def _jsonable(details: Mapping[str, Any] | None) -> Any:
    return _without_nul(json.loads(json.dumps(dict(details or {}), default=str, ensure_ascii=False)))


def _without_nul(value: Any) -> Any:
    """JSON data with NUL characters dropped from every string (PostgreSQL's jsonb cannot
    hold them; a typed user name or file name may)."""
    if isinstance(value, str):
        return no_nul(value)
    if isinstance(value, dict):
        return {no_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def record(session: Session, actor: Actor, action: str, target: str = "", *, outcome: str = "ok",
           details: Mapping[str, Any] | None = None) -> m.AuditEntry:
    """Add one entry in the caller's transaction (flushed, so ``id`` is set)."""
    if outcome not in m.AUDIT_OUTCOMES:
        raise ValueError(f"outcome must be one of {m.AUDIT_OUTCOMES}, found {outcome!r}")
    row = m.AuditEntry(at=m.utcnow(), actor=no_nul(actor.username)[:200], role=actor.role,
                       action=action[:64], target=no_nul(target)[:300], outcome=outcome,
                       details=_jsonable(details))
    session.add(row)
    session.flush()
    return row


def record_alone(engine: Engine, actor: Actor, action: str, target: str = "", *, outcome: str = "ok",
                 details: Mapping[str, Any] | None = None) -> int:
    """Add one entry in its own transaction; returns its id."""
    with session_scope(engine, write=True) as s:
        return record(s, actor, action, target, outcome=outcome, details=details).id


def refusal(engine: Engine, err: AccessDenied, action: str, target: str,
            details: Mapping[str, Any] | None = None) -> None:
    """Audit a refused attempt (outcome 'denied') in its own transaction. The refusal
    stands even when the audit log cannot be written: ``err`` then carries a note saying so."""
    try:
        record_alone(engine, err.actor, action, target, outcome="denied",
                     details={"refused": err.action, **(details or {})})
    except SQLAlchemyError as e:
        err.add_note(f"the refusal could not be written to the audit log: {e}")


def require(engine: Engine, by: Actor, permission: access.Action, estate: str | None = None, *, action: str,
            target: str, details: Mapping[str, Any] | None = None) -> None:
    """:func:`ecocity.core.access.require`, the refusal audited as ``action`` on ``target``
    (see :func:`refusal`) before AccessDenied is raised."""
    try:
        access.require(by, permission, estate)
    except AccessDenied as err:
        refusal(engine, err, action, target, details)
        raise


def list_entries(session: Session, *, actor: str | None = None, action: str | None = None,
                 outcome: str | None = None, since: datetime | None = None, until: datetime | None = None,
                 limit: int | None = 500, offset: int = 0) -> list[AuditInfo]:
    """Entries, newest first. ``action`` matches a prefix ("upload" matches "upload.stored")."""
    q = select(m.AuditEntry).order_by(m.AuditEntry.at.desc(), m.AuditEntry.id.desc()).offset(offset)
    if limit is not None:
        q = q.limit(limit)
    if actor is not None:
        q = q.where(m.AuditEntry.actor == actor)
    if action is not None:
        q = q.where((m.AuditEntry.action == action) | m.AuditEntry.action.startswith(action + ".", autoescape=True))
    if outcome is not None:
        q = q.where(m.AuditEntry.outcome == outcome)
    if since is not None:
        q = q.where(m.AuditEntry.at >= since)
    if until is not None:
        q = q.where(m.AuditEntry.at < until)
    return [AuditInfo(id=r.id, at=r.at, actor=r.actor, role=r.role, action=r.action, target=r.target,
                      outcome=r.outcome, details=r.details) for r in session.scalars(q)]


def first_at(session: Session) -> datetime | None:
    """When the oldest entry was written (None: the log is empty): where the log page's
    list of months and fiscal years starts."""
    return session.scalar(select(func.min(m.AuditEntry.at)))


def filter_choices(session: Session) -> tuple[list[str], list[str]]:
    """(actors, actions) that occur in the log, each sorted: what the log's filters offer.
    The anonymous actor is ``""``."""
    actors = sorted(set(session.scalars(select(m.AuditEntry.actor).distinct())))
    actions = sorted(set(session.scalars(select(m.AuditEntry.action).distinct())))
    return actors, actions
