"""Which framework is in force: the one an administrator activated in the database, else the
framework file; recorded once per version, with the key the stored assessments were made under."""

from __future__ import annotations

import logging

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecocity.core.framework import Framework
from ecocity.store import models as m

log = logging.getLogger("ecocity.store")


def file_framework() -> Framework:
    """The framework of the file named by ``ECOCITY_FRAMEWORK`` (default: the default file)."""
    from ecocity.config import settings
    from ecocity.core.framework import get_framework

    return get_framework(settings().framework_path)


def active_version(session: Session) -> str | None:
    """The version id an administrator activated (``meta['active_framework']``), or None
    when the file of ``ECOCITY_FRAMEWORK`` is in force."""
    return session.scalar(select(m.Meta.value).where(m.Meta.key == m.ACTIVE_FRAMEWORK_KEY))


def stored_framework(session: Session, version_id: str) -> Framework:
    """The framework recorded as ``version_id``, parsed from its stored file text (once per
    SHA-256 and process). Raises FrameworkError when the row is missing or its text is not
    a valid framework (e.g. a row recorded before file texts were kept)."""
    from ecocity.core.framework import FrameworkError, stored_framework_cached
    from ecocity.core.framework import stored_framework as from_text

    label = f"database:{version_id}"
    sha = session.scalar(select(m.FrameworkVersion.sha256).where(m.FrameworkVersion.version_id == version_id))
    if sha is None:
        raise FrameworkError(label, [("framework_versions", f"no recorded version '{version_id}'")])
    cached = stored_framework_cached(sha)  # warm path: the text need not be read
    if cached is not None:
        return cached
    text = session.scalar(select(m.FrameworkVersion.source).where(m.FrameworkVersion.version_id == version_id))
    return from_text(text or "", sha, label)


def framework_in_force(db: Engine | Session | None = None) -> Framework:
    """The framework in force. With a database (an engine or a session): the framework an
    administrator activated there, when one was (every replica then uses it), else the
    file of ``ECOCITY_FRAMEWORK``. Without one: that file (callers that write must pass
    their engine or session, see ``derived.needs_full_recompute``)."""
    if db is None:
        return file_framework()
    if isinstance(db, Engine):
        from ecocity.store.db import session_scope

        with session_scope(db) as s:
            return framework_in_force(s)
    active = active_version(db)
    return stored_framework(db, active) if active else file_framework()


def ensure_framework(session: Session, fw: Framework) -> bool:
    """Record ``fw`` in framework_versions (with its file text); True when its row was
    added or its file changed.

    Every caller that gets True must recompute all assessments in the same transaction
    (``derived.recompute_everything``): the rules may differ from those they were made with."""
    text = fw.text or fw.source
    row = session.get(m.FrameworkVersion, fw.version_id)
    if row is None:
        session.add(m.FrameworkVersion(version_id=fw.version_id, framework_id=fw.id, version=fw.version,
                                       sha256=fw.sha256, source=text, loaded_at=m.utcnow()))
        session.flush()
        return True
    if row.sha256 != fw.sha256:
        # Same id, edited file (the version should have been bumped): record the file in
        # force; the caller recomputes the stored assessments.
        log.warning("framework file %s changed without a version bump: %s was recorded with SHA-256 %s, "
                    "the file in force has %s; recomputing every assessment under it (bump `version` "
                    "when the rules change)", fw.source, fw.version_id, row.sha256, fw.sha256)
        row.sha256, row.source, row.loaded_at = fw.sha256, text, m.utcnow()
        session.flush()
        return True
    if fw.text and row.source != fw.text:
        # Recorded by an older release, which kept the file's path: keep its text instead,
        # so that this version can be activated again later. The rules are the same.
        row.source = fw.text
        session.flush()
    return False


def framework_key(fw: Framework) -> str:
    """What ``meta['assessed_with']`` holds for ``fw``: its version id and file SHA-256."""
    return f"{fw.version_id} {fw.sha256}"


def assessed_with(session: Session) -> str | None:
    """The framework_key every stored assessment was computed under (None: not known,
    e.g. a database from before the key was kept: recompute to be sure)."""
    return session.scalar(select(m.Meta.value).where(m.Meta.key == m.ASSESSED_WITH_KEY))


def check_in_force(session: Session, fw: Framework) -> None:
    """Raise StoreError ``framework_admin.error.not_in_force`` when an administrator
    activated a framework in the database and ``fw`` is not that one: a writer holding
    another framework (the file, or the one in force before an activation in another
    replica) must not store or recompute under it. Nothing has been changed yet."""
    from ecocity.store.errors import StoreError
    from ecocity.store.inforce import active_version

    active = active_version(session)
    if active is None:
        return
    sha = session.scalar(select(m.FrameworkVersion.sha256).where(m.FrameworkVersion.version_id == active))
    if fw.version_id != active or fw.sha256 != sha:
        raise StoreError("framework_admin.error.not_in_force", given=fw.version_id, active=active)


def needs_full_recompute(session: Session, fw: Framework) -> bool:
    """Record ``fw`` (``seed.ensure_framework``) and tell whether stored assessments may
    have been made under other rules: a new version, this version's file edited without a
    version bump, or assessments last rebuilt under another file. Writers of one estate's
    data then rebuild everything, in their own transaction, rather than mix rule sets.

    Raises StoreError when ``fw`` is not the framework activated in the database (see
    :func:`check_in_force`; writers get it from ``seed.framework_in_force(engine)``)."""
    from ecocity.store.inforce import ensure_framework

    check_in_force(session, fw)
    changed = ensure_framework(session, fw)
    return changed or assessed_with(session) != framework_key(fw)


