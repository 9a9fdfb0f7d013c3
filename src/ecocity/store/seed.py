"""Bring the registry and the framework rows in the database up to date with the files.

The files under ``data/`` are the source of truth for the rows they define: new rows are
inserted, changed rows updated; rows that are no longer in the files are kept (stored
submissions may refer to them), except that an estate no longer listed in any area
leaves its area. Nothing changes on a second run, and the data version is bumped only
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


def framework_in_force() -> Framework:
    from ecocity.config import settings
    from ecocity.framework import get_framework

    return get_framework(settings().framework_path)


def ensure_framework(session: Session, fw: Framework) -> bool:
    """Record ``fw`` in framework_versions; True when its row was added or its file changed.

    Every caller that gets True must recompute all assessments in the same transaction
    (``derived.recompute_everything``): the rules may differ from those they were made with."""
    row = session.get(m.FrameworkVersion, fw.version_id)
    if row is None:
        session.add(m.FrameworkVersion(version_id=fw.version_id, framework_id=fw.id, version=fw.version,
                                       sha256=fw.sha256, source=fw.source, loaded_at=m.utcnow()))
        session.flush()
        return True
    if row.sha256 != fw.sha256:
        # Same id, edited file (the version should have been bumped): record the file in
        # force; the caller recomputes the stored assessments.
        log.warning("framework file %s changed without a version bump: %s was recorded with SHA-256 %s, "
                    "the file in force has %s; recomputing every assessment under it (bump `version` "
                    "when the rules change)", fw.source, fw.version_id, row.sha256, fw.sha256)
        row.sha256, row.source, row.loaded_at = fw.sha256, fw.source, m.utcnow()
        session.flush()
        return True
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
    Returns True when anything changed (and the data version was bumped)."""
    fw = framework or framework_in_force()
    registry = reg.load_registry(data_dir)  # read and validate files before locking
    area_of = registry.area_of()
    with write_session(engine) as (s, _):
        changed = bool(_sync(s, m.Province, "pcode", {
            p.pcode: {"name_th": p.name_th, "name_en": p.name_en} for p in registry.provinces}))
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
