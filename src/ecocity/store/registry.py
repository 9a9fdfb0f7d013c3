"""The estate and area registry in the database, edited by administrators: a checked file
or form row (``ecocity.io.registry_file``) previewed against the stored rows, then applied
in one audited transaction; and the registry written out for editing offline."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ecocity.core import registry as reg
from ecocity.core.access import Actor, require
from ecocity.core.framework import Framework
from ecocity.io import tablefile
from ecocity.io.registry_file import (
    AREAS,
    COLUMNS,
    ESTATES,
    FIELDS,
    REGIONS,
    Applied,
    Change,
    Checker,
    Context,
    FileProblem,
    Kind,
    Mode,
    Prepared,
    Problem,
    check_kind,
    diff,
    read_table,
    table_records,
)
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, session_scope, set_meta, write_session
from ecocity.store.errors import StoreError


class RegistryChanged(StoreError):
    """The rows changed between the preview and the confirmation. Nothing was changed."""

    def __init__(self) -> None:
        super().__init__("registry_admin.stale")


class InvalidRegistry(StoreError):
    """A form's row (or a file) has problems; ``problems`` says which. Nothing was changed."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("registry_admin.invalid", count=len(self.problems))


def _context(session: Session) -> Context:
    provinces = {p.pcode: (p.name_th, p.name_en) for p in session.scalars(select(m.Province))}
    estates: dict[str, dict[str, Any]] = {}
    for e in session.scalars(select(m.Estate)):
        estates[e.code] = {"name_th": e.name_th, "name_en": e.name_en, "province_pcode": e.province_pcode,
                           "region": e.region, "lat": e.lat, "lon": e.lon,
                           "source_checked": bool(e.source_checked), "area": e.area_code}
    areas: dict[str, dict[str, Any]] = {}
    for a in session.scalars(select(m.Area)):
        areas[a.code] = {"name_th": a.name_th, "name_en": a.name_en, "province_pcode": a.province_pcode,
                         "region": a.region, "estates": ()}
    members: dict[str, list[str]] = {}
    for code, fields in estates.items():
        if fields["area"]:
            members.setdefault(fields["area"], []).append(code)
    for code, codes in members.items():
        if code in areas:
            areas[code]["estates"] = tuple(sorted(codes))
    regions = set(REGIONS) | {f["region"] for f in estates.values() if f["region"]} | {
        f["region"] for f in areas.values() if f["region"]}
    return Context(provinces, tuple(sorted(regions)), estates, areas)


def prepare_file(engine: Engine, kind: Kind, content: bytes, filename: str = "") -> Prepared:
    """Read and check an uploaded estates or areas file; its problems, or the preview."""
    kind = check_kind(kind)
    try:
        fmt, grid = read_table(content, filename)
    except FileProblem as p:
        return Prepared(kind, filename, "file", (p.problem,))
    table = table_records(kind, fmt, grid)
    if table.problems:
        return Prepared(kind, filename, fmt, table.problems)
    return _prepare(engine, kind, filename, fmt, list(table.records), table.columns, "upsert", list(table.extra))


def prepare_rows(engine: Engine, kind: Kind, rows: Iterable[Mapping[str, Any]], *, mode: Mode = "upsert",
                 source: str = "form") -> Prepared:
    """Check rows typed in a form (field -> text); problems name the field, not a cell.
    ``mode`` "add" refuses codes that exist, "correct" codes that do not."""
    kind = check_kind(kind)
    records: list[tuple[int | None, dict[str, str]]] = []
    for r in rows:
        clean: dict[str, str] = {}
        for k, v in r.items():
            if k == "estates" and isinstance(v, (list, tuple, set, frozenset)):
                v = ";".join(str(x) for x in v)
            elif isinstance(v, bool):
                v = "yes" if v else "no"
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                v = ""
            clean[k] = str(v).strip()
        records.append((None, clean))
    return _prepare(engine, kind, source, "form", records, None, mode, [])


def _prepare(engine: Engine, kind: Kind, source: str, fmt: str, records: list[tuple[int | None, dict[str, str]]],
             columns: Mapping[str, int] | None, mode: Mode, extra: list[Problem]) -> Prepared:
    with session_scope(engine) as s:
        ctx = _context(s)
    checker = Checker(kind, ctx, columns, mode)
    checker.problems.extend(extra)
    rows = [checker.estate(r, n) if kind == ESTATES else checker.area(r, n) for n, r in records]
    if checker.problems:
        return Prepared(kind, source, fmt, tuple(checker.problems))
    return Prepared(kind, source, fmt, (), diff(ctx, kind, source, [r for r in rows if r is not None]))


def apply(engine: Engine, change: Change, by: Actor, fw: Framework | None = None) -> Applied:
    """Store a previewed change (see the module docstring). Raises AccessDenied unless ``by``
    may edit the registry, and RegistryChanged when the rows changed since the preview;
    in both cases nothing was changed."""
    require(by, "edit_registry")
    from ecocity.store.derived import recompute_areas, recompute_everything
    from ecocity.store.inforce import framework_in_force, needs_full_recompute

    kind = check_kind(change.kind)
    rows: Sequence[reg.Estate | reg.Area] = change.estates if kind == ESTATES else change.areas
    with write_session(engine) as (s, dv):
        fw = fw or framework_in_force(s)
        fresh = diff(_context(s), kind, change.source, rows)
        if (fresh.rows, fresh.moves) != (change.rows, change.moves):
            raise RegistryChanged()
        if not fresh.has_changes:
            return Applied(kind, (), (), len(fresh.unchanged), (), (), dv, None)
        todo = {r.code for r in fresh.rows if r.status != "unchanged"}
        model = m.Estate if kind == ESTATES else m.Area
        # select() of either model is typed as one of their common base
        have = {r.code: r for r in cast("Iterable[m.Estate | m.Area]",
                                        s.scalars(select(model).where(model.code.in_(sorted(todo)))))}
        for row in rows:
            if row.code not in todo:
                continue
            values = {f: getattr(row, f) for f in FIELDS[kind] if f != "estates"}
            obj = have.get(row.code)
            if obj is None:
                s.add(model(code=row.code, **values))
            else:
                for k, v in values.items():
                    setattr(obj, k, v)
        s.flush()  # new areas exist before estates refer to them
        if fresh.moves:
            moving = {mv.estate: mv.new for mv in fresh.moves}
            for e in s.scalars(select(m.Estate).where(m.Estate.code.in_(sorted(moving)))):
                e.area_code = moving[e.code]
            s.flush()
        _mark_edited(s)
        touched = sorted({a for mv in fresh.moves for a in (mv.old, mv.new) if a})
        if touched:
            if needs_full_recompute(s, fw):
                recompute_everything(s, fw)
            else:
                recompute_areas(s, fw, touched)
        added = tuple(r.code for r in fresh.added)
        changed = tuple(r.code for r in fresh.changed)
        entry = audit.record(s, by, "registry.changed", kind, details={
            "source": change.source[:200], "added": list(added), "changed": list(changed),
            "counts": {"added": len(added), "changed": len(changed), "unchanged": len(fresh.unchanged),
                       "kept_missing": len(fresh.missing), "moved": len(fresh.moves)},
            "fields": {r.code: [c.field for c in r.changes] for r in fresh.changed},
            "moves": [{"estate": mv.estate, "from": mv.old, "to": mv.new} for mv in fresh.moves],
            "recomputed_areas": touched})
        version = bump_data_version(s)
    return Applied(kind, added, changed, len(fresh.unchanged), fresh.moves, tuple(touched), version, entry.id)


def _mark_edited(s: Session) -> None:
    set_meta(s, m.REGISTRY_EDITED_KEY, m.utcnow().isoformat())


def registry_edited(engine: Engine) -> str | None:
    """When an administrator last changed the registry in the app (ISO time), or None."""
    with session_scope(engine) as s:
        return s.scalar(select(m.Meta.value).where(m.Meta.key == m.REGISTRY_EDITED_KEY))


def _apply_rows(engine: Engine, by: Actor, kind: Kind, rows: list[dict[str, Any]], mode: Mode,
                fw: Framework | None) -> Applied:
    require(by, "edit_registry")
    p = prepare_rows(engine, kind, rows, mode=mode)
    if not p.ok or p.change is None:
        raise InvalidRegistry(p.problems)
    return apply(engine, p.change, by, fw)


def current_row(engine: Engine, kind: Kind, code: str) -> dict[str, str] | None:
    """One row as a form shows it (field -> text), or None."""
    with session_scope(engine) as s:
        for row in _export_rows(s, check_kind(kind)):
            if row["code"] == code:
                return {k: "" if v is None else str(v) for k, v in row.items()}
    return None


def add_estate(engine: Engine, by: Actor, fw: Framework | None = None, **fields: Any) -> Applied:
    """Add one estate (``code``, ``name_th``, ``name_en``, ``region``, optional
    ``province_pcode``, ``lat``, ``lon``, ``source_checked``). Raises InvalidRegistry."""
    return _apply_rows(engine, by, ESTATES, [fields], "add", fw)


def correct_estate(engine: Engine, by: Actor, code: str, fw: Framework | None = None, **fields: Any) -> Applied:
    """Change fields of an existing estate; fields not given keep their value."""
    require(by, "edit_registry")
    row = current_row(engine, ESTATES, code) or {"code": code}
    row.pop("province_en", None)
    return _apply_rows(engine, by, ESTATES, [{**row, **fields, "code": code}], "correct", fw)


def add_area(engine: Engine, by: Actor, fw: Framework | None = None, **fields: Any) -> Applied:
    """Add one area; ``estates`` (a list or "A;B") move into it from wherever they were."""
    return _apply_rows(engine, by, AREAS, [fields], "add", fw)


def correct_area(engine: Engine, by: Actor, code: str, fw: Framework | None = None, **fields: Any) -> Applied:
    """Change fields of an existing area; ``estates``, when given, is its whole membership."""
    require(by, "edit_registry")
    row = current_row(engine, AREAS, code) or {"code": code}
    return _apply_rows(engine, by, AREAS, [{**row, **fields, "code": code}], "correct", fw)


def save_row(engine: Engine, by: Actor, kind: Kind, mode: str, fields: Mapping[str, Any]) -> Applied:
    """The page's one-row form: ``mode`` "add" adds the row of ``fields``; "correct"
    changes the row ``fields["code"]`` to the other fields (add_/correct_estate or _area)."""
    kind = check_kind(kind)
    if mode == "add":
        return (add_estate if kind == ESTATES else add_area)(engine, by, **fields)
    rest = {k: v for k, v in fields.items() if k != "code"}
    return (correct_estate if kind == ESTATES else correct_area)(engine, by, fields["code"], **rest)


def move_estate(engine: Engine, by: Actor, estate: str, area: str | None, fw: Framework | None = None) -> Applied:
    """Put ``estate`` into ``area`` (None: into no area); both areas' levels are recomputed."""
    require(by, "edit_registry")
    with session_scope(engine) as s:
        ctx = _context(s)
    if estate not in ctx.estates:
        raise InvalidRegistry([Problem("unknown_estate", None, "estates", None, {"found": estate})])
    old = ctx.estates[estate]["area"]
    if area is None:
        if old is None:
            return _apply_rows(engine, by, AREAS, [], "upsert", fw)
        members = [e for e in ctx.areas[old]["estates"] if e != estate]
        return _apply_rows(engine, by, AREAS, [{**_area_form(ctx, old), "estates": members}], "correct", fw)
    if area not in ctx.areas:
        raise InvalidRegistry([Problem("no_such_code", None, "area", None, {"found": area})])
    members = sorted({*ctx.areas[area]["estates"], estate})
    return _apply_rows(engine, by, AREAS, [{**_area_form(ctx, area), "estates": members}], "correct", fw)


def _area_form(ctx: Context, code: str) -> dict[str, Any]:
    a = ctx.areas[code]
    return {"code": code, "name_th": a["name_th"], "name_en": a["name_en"],
            "province_pcode": a["province_pcode"], "region": a["region"]}


def _export_rows(s: Session, kind: Kind) -> list[dict[str, Any]]:
    ctx = _context(s)
    out: list[dict[str, Any]] = []
    if kind == ESTATES:
        for code in sorted(ctx.estates):
            e = ctx.estates[code]
            out.append({"code": code, "name_th": e["name_th"], "name_en": e["name_en"],
                        "province_pcode": e["province_pcode"] or "",
                        "province_en": ctx.provinces.get(e["province_pcode"] or "", ("", ""))[1],
                        "region": e["region"], "lat": e["lat"], "lon": e["lon"],
                        "source_checked": "yes" if e["source_checked"] else "no"})
    else:
        for code in sorted(ctx.areas):
            a = ctx.areas[code]
            out.append({"code": code, "name_th": a["name_th"], "name_en": a["name_en"],
                        "province_pcode": a["province_pcode"], "region": a["region"],
                        "estates": ";".join(a["estates"])})
    return out


def rows(engine: Engine, kind: Kind) -> list[dict[str, Any]]:
    """The current registry rows of ``kind`` in the file's columns (for the page's table);
    estates also carry ``area``, the area they belong to."""
    with session_scope(engine) as s:
        out = _export_rows(s, check_kind(kind))
        if kind == ESTATES:
            area_of = dict(s.execute(select(m.Estate.code, m.Estate.area_code)).all())
            for r in out:
                r["area"] = area_of.get(r["code"]) or ""
    return out


def choices(engine: Engine) -> dict[str, Any]:
    """What the form offers: provinces (pcode -> (th, en)), regions, estate and area codes."""
    with session_scope(engine) as s:
        ctx = _context(s)
    return {"provinces": ctx.provinces, "regions": ctx.regions,
            "estates": {c: (e["name_th"], e["name_en"], e["area"]) for c, e in sorted(ctx.estates.items())},
            "areas": {c: (a["name_th"], a["name_en"]) for c, a in sorted(ctx.areas.items())}}


def _export(engine: Engine, kind: Kind) -> tuple[Kind, list[list[Any]]]:
    kind = check_kind(kind)
    with session_scope(engine) as s:
        data = _export_rows(s, kind)
    return kind, [[r[c] for c in COLUMNS[kind]] for r in data]


def export_csv(engine: Engine, kind: Kind) -> bytes:
    """The registry of ``kind`` as CSV (see :mod:`ecocity.io.tablefile`)."""
    kind, rows = _export(engine, kind)
    return tablefile.csv_bytes(COLUMNS[kind], rows)


def export_xlsx(engine: Engine, kind: Kind) -> bytes:
    """The registry of ``kind`` as an .xlsx with one sheet named after it, header frozen."""
    kind, rows = _export(engine, kind)
    widths = [{"name_th": 40, "name_en": 36, "estates": 60}.get(c, 16) for c in COLUMNS[kind]]
    return tablefile.xlsx_bytes(kind, COLUMNS[kind], rows, widths)


def sample_counts(engine: Engine) -> tuple[int, int]:
    """(sample submissions, sample uploads) in the database."""
    with session_scope(engine) as s:
        subs = s.scalar(select(func.count()).select_from(m.Submission).where(m.Submission.is_sample)) or 0
        ups = s.scalar(select(func.count()).select_from(m.Upload).where(m.Upload.is_sample)) or 0
    return int(subs), int(ups)


