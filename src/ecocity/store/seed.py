"""Bring the registry and the framework rows in the database up to date with the files.

The files under ``data/`` are the source of truth for the rows they define: new rows are
inserted, changed rows updated; rows that are no longer in the files are kept (stored
submissions may refer to them), except that an estate no longer listed in any area
leaves its area. Once an administrator has edited estates or areas in the app
(``meta['registry_edited']``), only the provinces are synced from the files. Nothing changes on a second run, and the data version is bumped only
when something did change.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecocity import registry as reg
from ecocity.framework import Framework
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, write_session

log = logging.getLogger("ecocity.store")


def file_framework() -> Framework:
    """The framework of the file named by ``ECOCITY_FRAMEWORK`` (default: the default file)."""
    from ecocity.config import settings
    from ecocity.framework import get_framework

    return get_framework(settings().framework_path)


def active_version(session: Session) -> str | None:
    """The version id an administrator activated (``meta['active_framework']``), or None
    when the file of ``ECOCITY_FRAMEWORK`` is in force."""
    return session.scalar(select(m.Meta.value).where(m.Meta.key == m.ACTIVE_FRAMEWORK_KEY))


def stored_framework(session: Session, version_id: str) -> Framework:
    """The framework recorded as ``version_id``, parsed from its stored file text (once per
    SHA-256 and process). Raises FrameworkError when the row is missing or its text is not
    a valid framework (e.g. a row recorded before file texts were kept)."""
    from ecocity.framework import FrameworkError, stored_framework_cached
    from ecocity.framework import stored_framework as from_text

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


def _sync(session: Session, model: type[m.Base], key: str, wanted: dict[str, dict[str, Any]]) -> set[str]:
    """Insert or update rows of ``model`` to match ``wanted`` (key -> column values);
    returns the keys whose rows were added or changed."""
    have = {getattr(r, key): r for r in session.scalars(select(model))}
    changed: set[str] = set()
    for k, cols in wanted.items():
        row = have.get(k)
        if row is None:
            session.add(model(**{key: k}, **cols))
            changed.add(k)
            continue
        for col, v in cols.items():
            if getattr(row, col) != v:
                setattr(row, col, v)
                changed.add(k)
    session.flush()  # parents before children: FKs are checked per statement
    return changed


def seed(engine: Engine, *, framework: Framework | None = None,
         data_dir: str | Path | None = None) -> bool:
    """Sync registry and framework rows; recompute assessments where their inputs changed.
    Returns True when anything changed (and the data version was bumped).

    ``framework`` stands for the file of ``ECOCITY_FRAMEWORK``. A framework an
    administrator activated in the app (``meta['active_framework']``) stays in force
    over it: a restart never undoes an activation."""
    fw = framework or file_framework()
    registry = reg.load_registry(data_dir)  # read and validate files before locking
    area_of = registry.area_of()
    with write_session(engine) as (s, _):
        changed = bool(_sync(s, m.Province, "pcode", {
            p.pcode: {"name_th": p.name_th, "name_en": p.name_en} for p in registry.provinces}))
        # Once an administrator has changed estates or areas in the app, the database is
        # the registry: the files must not undo those corrections on the next start.
        edited = s.get(m.Meta, m.REGISTRY_EDITED_KEY) is not None
        moved: set[str] = set()
        old_area: dict[str, str | None] = {}
        new_area: dict[str, str | None] = {}
        if not edited:
            changed |= bool(_sync(s, m.Area, "code", {
                a.code: {"name_th": a.name_th, "name_en": a.name_en, "province_pcode": a.province_pcode,
                         "region": a.region} for a in registry.areas}))
            old_area = dict(s.execute(select(m.Estate.code, m.Estate.area_code)).all())
            changed |= bool(_sync(s, m.Estate, "code", {
                e.code: {"name_th": e.name_th, "name_en": e.name_en, "province_pcode": e.province_pcode,
                         "region": e.region, "lat": e.lat, "lon": e.lon, "source_checked": e.source_checked,
                         "area_code": area_of.get(e.code)} for e in registry.estates}))
            # An estate dropped from the file keeps its row but no longer belongs to an area.
            listed = {e.code for e in registry.estates}
            for row in s.scalars(select(m.Estate).where(m.Estate.area_code.is_not(None))):
                if row.code not in listed and row.code not in area_of:
                    row.area_code = None
                    changed = True
            s.flush()
            new_area = dict(s.execute(select(m.Estate.code, m.Estate.area_code)).all())
            moved = {c for c in new_area if old_area.get(c) != new_area[c] and c in old_area}
        from ecocity.store.derived import assessed_with, framework_key, recompute_areas, recompute_everything

        active = active_version(s)
        if active is not None:
            # An administrator activated a framework in the app: it stays in force over
            # the file. The file's version is recorded (to be activated on the Framework
            # page) unless a row of that id exists already; nothing is recomputed for it.
            if s.get(m.FrameworkVersion, fw.version_id) is None:
                ensure_framework(s, fw)
            in_force = stored_framework(s, active)
            if framework_key(in_force) != framework_key(fw):
                log.warning("framework %s (SHA-256 %s) was activated in the app and stays in force; "
                            "the file %s (%s) is not used (activate it on the Framework page to use it)",
                            in_force.version_id, in_force.sha256, fw.source, fw.version_id)
            fw = in_force
        fw_changed = ensure_framework(s, fw)
        # Assessments made under another file (another version, or this version's file
        # before an edit, e.g. recorded by a store without recomputing in older releases).
        stale = assessed_with(s) != framework_key(fw) or s.scalar(
            select(m.Assessment.entity_code).where(m.Assessment.framework_version != fw.version_id)
            .limit(1)) is not None
        if stale and not fw_changed:
            log.warning("assessments were not all computed under framework %s (SHA-256 %s): "
                        "recomputing every assessment", fw.version_id, fw.sha256)

        if fw_changed or stale:
            recompute_everything(s, fw)
        elif moved:
            areas = {a for c in moved for a in (old_area.get(c), new_area.get(c)) if a}
            recompute_areas(s, fw, areas)
        changed |= fw_changed or stale or bool(moved)
        if changed:
            bump_data_version(s)
    return changed
