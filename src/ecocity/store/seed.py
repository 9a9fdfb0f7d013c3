"""Bring the registry and the framework rows in the database up to date with the files under
``data/``, idempotently (see docs/design-notes.md)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecocity.core import registry as reg
from ecocity.core.framework import Framework
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, write_session
from ecocity.store.inforce import active_version, ensure_framework, file_framework, stored_framework

log = logging.getLogger("ecocity.store")


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
        from ecocity.store.derived import recompute_areas, recompute_everything
        from ecocity.store.inforce import assessed_with, framework_key

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
