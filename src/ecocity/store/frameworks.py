"""Framework file administration: check an uploaded framework file, preview how levels would change
under it, and activate it (or an earlier recorded version) for every replica in one transaction
(see docs/design-notes.md)."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecocity.core.access import Actor
from ecocity.core.framework import TOO_DEEP, TOO_MANY_DIGITS, Framework, FrameworkError, framework_from_bytes
from ecocity.core.framework import stored_framework as parse_stored
from ecocity.i18n import Named, t
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, session_scope, set_meta, write_session
from ecocity.store.derived import compute_all, recompute_everything
from ecocity.store.errors import StoreError
from ecocity.store.inforce import active_version, framework_in_force, framework_key, stored_framework

MAX_FRAMEWORK_BYTES = 1024 * 1024  # the default file is ~12 KB
ACTION = "framework.activated"


# ----------------------------------------------------------------------------- checking


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an uploaded file: the entry it concerns and what is wrong
    (``problem`` in English; ``key`` and ``kw`` give it in any language)."""

    entry: str
    problem: str
    key: str | None = None
    kw: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = "th") -> str:
        return t(self.key, lang, **self.kw) if self.key else self.problem

    def entry_text(self, lang: str | None = "th") -> str:
        return t("framework_admin.entry.file", lang) if self.entry == "file" else self.entry


@dataclass(frozen=True)
class FileCheck:
    filename: str
    size: int
    sha256: str
    framework: Framework | None
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        return self.framework is not None and not self.problems


def _file_problem(problem: str) -> Problem:
    """The file-level problems of framework.framework_from_bytes, with their catalogue key."""
    if problem == "is not UTF-8 text":
        return Problem("file", problem, "framework_admin.problem.not_utf8")
    if problem == TOO_DEEP:
        return Problem("file", problem, "framework_admin.problem.too_deep")
    if problem == TOO_MANY_DIGITS:
        return Problem("file", problem, "framework_admin.problem.too_many_digits",
                       {"digits": sys.get_int_max_str_digits()})
    if problem.startswith("is not valid TOML: "):
        detail = problem.removeprefix("is not valid TOML: ")
        return Problem("file", problem, "framework_admin.problem.not_toml", {"detail": detail})
    return Problem("file", problem)


def check_framework_file(content: bytes, filename: str, *, max_bytes: int = MAX_FRAMEWORK_BYTES) -> FileCheck:
    """Check an uploaded framework file without storing anything: size, UTF-8, TOML and
    every rule of ``framework.parse_framework``. Every problem is listed, each with its
    entry, so the file can be fixed in one pass."""
    sha = hashlib.sha256(content).hexdigest()
    problems: tuple[Problem, ...]
    if not filename.lower().endswith(".toml"):
        problems = (Problem("file", "not a .toml file", "framework_admin.problem.not_toml_name",
                            {"name": filename}),)
        return FileCheck(filename, len(content), sha, None, problems)
    if len(content) > max_bytes:
        problems = (Problem("file", f"too large ({len(content)} bytes, at most {max_bytes})",
                            "framework_admin.problem.too_large",
                            {"size": len(content), "max": max_bytes}),)
        return FileCheck(filename, len(content), sha, None, problems)
    if not content.strip():
        return FileCheck(filename, 0, sha, None, (Problem("file", "is empty", "framework_admin.problem.empty"),))
    try:
        fw = framework_from_bytes(content, filename)
    except FrameworkError as e:
        if e.coded:  # the rules' problems, each with its catalogue key
            problems = tuple(Problem(entry, text, f"framework_rule.{key}", kw)
                             for (entry, text), (_, key, kw) in zip(e.problems, e.coded, strict=True))
        else:
            problems = tuple(_file_problem(p) if entry == "file" else Problem(entry, p) for entry, p in e.problems)
        return FileCheck(filename, len(content), sha, None, problems)
    return FileCheck(filename, len(content), sha, fw, ())


def version_conflict(session: Session, fw: Framework) -> Problem | None:
    """A problem when ``fw``'s version id is already recorded with another file: the rules
    of a recorded version never change (raise ``version`` in the file instead)."""
    sha = session.scalar(select(m.FrameworkVersion.sha256).where(m.FrameworkVersion.version_id == fw.version_id))
    if sha is None or sha == fw.sha256:
        return None
    return Problem("framework", f"version {fw.version_id} is already recorded with another file",
                   "framework_admin.problem.version_taken", {"version": fw.version_id})


def upload_problems(session: Session, check: FileCheck) -> list[Problem]:
    """Everything that stops an uploaded file from being offered for activation: the
    file's own problems, then a version id already recorded with another file."""
    problems = list(check.problems)
    if check.framework is not None:
        conflict = version_conflict(session, check.framework)
        if conflict is not None:
            problems.append(conflict)
    return problems


def same_file(a: Framework, b: Framework) -> bool:
    """The same version id with the same file (nothing to activate)."""
    return (a.version_id, a.sha256) == (b.version_id, b.sha256)


# ----------------------------------------------------------------------------- differences


@dataclass(frozen=True)
class ThresholdChange:
    code: str
    old: tuple[float, ...]
    new: tuple[float, ...]


@dataclass(frozen=True)
class SettingChange:
    """Another rule of an indicator (or of the framework, code "") that differs."""

    code: str
    setting: str
    old: Any
    new: Any


@dataclass(frozen=True)
class FrameworkDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    thresholds: tuple[ThresholdChange, ...]
    settings: tuple[SettingChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.thresholds or self.settings)


_INDICATOR_SETTINGS = ("dimension", "kind", "aggregation", "direction", "weight", "required_from", "min", "max")


def compare(old: Framework, new: Framework) -> FrameworkDiff:
    """What differs between two frameworks: indicators added and removed, changed
    thresholds, and other changed rules (indicator settings, pass share, levels, dimensions)."""
    added = tuple(c for c in new.codes if not old.has_indicator(c))
    removed = tuple(c for c in old.codes if not new.has_indicator(c))
    thresholds: list[ThresholdChange] = []
    settings: list[SettingChange] = []
    if old.pass_share != new.pass_share:
        settings.append(SettingChange("", "pass_share", old.pass_share, new.pass_share))
    if [lv.number for lv in old.levels] != [lv.number for lv in new.levels]:
        settings.append(SettingChange("", "levels", old.top_level, new.top_level))
    old_dims = {d.key: d.weight for d in old.dimensions}
    new_dims = {d.key: d.weight for d in new.dimensions}
    if old_dims != new_dims:
        settings.append(SettingChange("", "dimensions", old_dims, new_dims))
    for code in new.codes:
        if not old.has_indicator(code):
            continue
        a, b = old.indicator(code), new.indicator(code)
        if a.thresholds != b.thresholds:
            thresholds.append(ThresholdChange(code, a.thresholds, b.thresholds))
        for name in _INDICATOR_SETTINGS:
            if getattr(a, name) != getattr(b, name):
                settings.append(SettingChange(code, name, getattr(a, name), getattr(b, name)))
    return FrameworkDiff(added, removed, tuple(thresholds), tuple(settings))


# ----------------------------------------------------------------------------- preview


@dataclass(frozen=True)
class LevelChange(Named):
    """One estate's or area's assessment for one fiscal year, now and under another framework."""

    kind: str  # "estate" | "area"
    code: str
    name_th: str
    name_en: str
    fiscal_year: int
    old_level: int | None  # None: no assessment now
    new_level: int | None  # None: none under the new framework
    old_score: float | None
    new_score: float | None


    @property
    def moved(self) -> int:
        """+1 up, -1 down, 0 same level."""
        a, b = self.old_level, self.new_level
        if a is None or b is None or a == b:
            return 0
        return 1 if b > a else -1


def _names(session: Session) -> dict[tuple[str, str], tuple[str, str]]:
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for kind, model in (("estate", m.Estate), ("area", m.Area)):
        for code, th, en in session.execute(select(model.code, model.name_th, model.name_en)):
            out[(kind, code)] = (th, en)
    return out


def preview(session: Session, new_fw: Framework, rows: list[dict[str, Any]] | None = None) -> list[LevelChange]:
    """How every stored estate and area assessment would change under ``new_fw``: the
    stored level and score against those ``new_fw`` gives for the same current values
    (``derived.compute_all``, the computation activation stores; ``rows`` when the caller
    has computed them already). Writes nothing. Ordered by kind (areas first), fiscal year
    and code."""
    stored = {(r.entity_kind, r.entity_code, r.fiscal_year): (r.level, r.overall_score)
              for r in session.execute(select(m.Assessment.entity_kind, m.Assessment.entity_code,
                                              m.Assessment.fiscal_year, m.Assessment.level,
                                              m.Assessment.overall_score))}
    new = {(r["entity_kind"], r["entity_code"], r["fiscal_year"]): (r["level"], r["overall_score"])
           for r in (compute_all(session, new_fw) if rows is None else rows)}
    names = _names(session)
    out: list[LevelChange] = []
    for key in sorted(stored.keys() | new.keys(), key=lambda k: (k[0] != "area", k[2], k[1])):
        kind, code, year = key
        old_level, old_score = stored.get(key, (None, None))
        new_level, new_score = new.get(key, (None, None))
        th, en = names.get((kind, code), (code, code))
        out.append(LevelChange(kind, code, th, en, year, old_level, new_level, old_score, new_score))
    return out


def count_moves(changes: Iterable[LevelChange]) -> dict[str, dict[str, int]]:
    """{"area": {"up": n, "down": n, "same": n}, "estate": {...}}."""
    out = {k: {"up": 0, "down": 0, "same": 0} for k in m.ENTITY_KINDS}
    for c in changes:
        out[c.kind]["up" if c.moved > 0 else "down" if c.moved < 0 else "same"] += 1
    return out


def shown_changes(changes: Iterable[LevelChange], show_all: bool = False) -> list[LevelChange]:
    """The preview's rows: those whose level moves, or every one with ``show_all``."""
    return [c for c in changes if show_all or c.old_level != c.new_level]


# ----------------------------------------------------------------------------- in force


@dataclass(frozen=True)
class RecordedVersion:
    version_id: str
    framework_id: str
    version: int
    sha256: str
    recorded_at: datetime
    in_force: bool
    activatable: bool  # its file text is kept and valid (rows of older releases kept a path)
    name_th: str = ""
    name_en: str = ""


@dataclass(frozen=True)
class InForce:
    framework: Framework
    from_database: bool  # activated in the app; False: the file of ECOCITY_FRAMEWORK
    activated_at: datetime | None
    activated_by: str  # user name ("" when not known)


def in_force(session: Session) -> InForce:
    """The framework in force, and when and by whom it was activated (from the audit log)."""
    fw = framework_in_force(session)
    active = active_version(session)
    if active is None:
        return InForce(fw, False, None, "")
    entry = session.scalars(select(m.AuditEntry).where(m.AuditEntry.action == ACTION,
                                                       m.AuditEntry.outcome == "ok",
                                                       m.AuditEntry.target == active)
                            .order_by(m.AuditEntry.at.desc(), m.AuditEntry.id.desc()).limit(1)).first()
    return InForce(fw, True, entry.at if entry else None, entry.actor if entry else "")


def recorded_versions(session: Session) -> list[RecordedVersion]:
    """Every recorded framework version, newest first (recorded time)."""
    current = framework_in_force(session)
    out: list[RecordedVersion] = []
    rows = session.execute(select(m.FrameworkVersion.version_id, m.FrameworkVersion.framework_id,
                                  m.FrameworkVersion.version, m.FrameworkVersion.sha256,
                                  m.FrameworkVersion.loaded_at, m.FrameworkVersion.source)
                           .order_by(m.FrameworkVersion.loaded_at.desc(), m.FrameworkVersion.version_id)).all()
    for r in rows:
        try:  # parsed from the text already read (once per SHA-256 and process), not re-queried
            fw = parse_stored(r.source or "", r.sha256, f"database:{r.version_id}")
        except FrameworkError:
            fw = None
        out.append(RecordedVersion(r.version_id, r.framework_id, r.version, r.sha256, r.loaded_at,
                                   in_force=(r.version_id, r.sha256) == (current.version_id, current.sha256),
                                   activatable=fw is not None,
                                   name_th=fw.name_th if fw else "", name_en=fw.name_en if fw else ""))
    return out


def can_put_back(versions: Iterable[RecordedVersion], version_id: str | None) -> bool:
    """Whether ``version_id`` is a recorded version that can be put back in force: not the
    one in force, and its file text kept and valid."""
    return bool(version_id) and any(v.version_id == version_id and not v.in_force and v.activatable
                                    for v in versions)


def file_bytes(fw: Framework) -> bytes:
    """The framework's file as it was read or uploaded (for download)."""
    if fw.text:
        return fw.text.encode("utf-8")
    raise ValueError(f"the file text of {fw.version_id} is not kept")


# ----------------------------------------------------------------------------- activation


@dataclass(frozen=True)
class ActivationResult:
    from_version: str
    to_version: str
    changed: bool  # False: it was in force already; nothing was written
    data_version: int
    levels_changed: int
    moves: dict[str, dict[str, int]]


def _as_framework(new: Framework | str | bytes, filename: str) -> Framework:
    if isinstance(new, Framework):
        if not new.text:
            raise ValueError("a framework to activate must carry its file text (framework_from_bytes)")
        return new
    check = check_framework_file(new.encode("utf-8") if isinstance(new, str) else new, filename)
    if check.framework is None:
        raise FrameworkError(filename, [(p.entry, p.problem) for p in check.problems])
    return check.framework


def activate(engine: Engine, new: Framework | str | bytes, by: Actor, *,
             filename: str = "framework.toml") -> ActivationResult:
    """Put ``new`` (a framework with its file text, or the file's text or bytes) in force
    for every replica. Only an actor who may ``change_framework``; anyone else gets
    AccessDenied (audited) and nothing changes.

    One transaction: record the framework_versions row (the file text), set
    ``meta['active_framework']``, recompute every assessment under it, bump the data
    version, audit ``framework.activated`` (from and to version ids, how many levels
    changed). Raises FrameworkError for an invalid file and StoreError
    ``framework_admin.problem.version_taken`` when its version id is recorded with another file."""
    target = new.version_id if isinstance(new, Framework) else ""
    return _activate(engine, by, target, lambda _s: _as_framework(new, filename), filename)


def activate_version(engine: Engine, version_id: str, by: Actor) -> ActivationResult:
    """Put an earlier recorded version back in force (roll back), exactly as :func:`activate`."""
    return _activate(engine, by, version_id, lambda s: stored_framework(s, version_id), "")


def _activate(engine: Engine, by: Actor, target: str, resolve: Callable[[Session], Framework],
              filename: str) -> ActivationResult:
    audit.require(engine, by, "change_framework", action=ACTION, target=target)
    with write_session(engine) as (s, dv):
        fw = resolve(s)
        conflict = version_conflict(s, fw)
        if conflict is not None:
            raise StoreError(conflict.key or "", **conflict.kw)
        before = framework_in_force(s)
        if active_version(s) == fw.version_id and framework_key(before) == framework_key(fw):
            return ActivationResult(before.version_id, fw.version_id, False, dv, 0, count_moves([]))
        rows = compute_all(s, fw)  # once: for the preview of what moves, and to store
        changes = preview(s, fw, rows)
        recompute_everything(s, fw, rows)  # records fw as a version too
        set_meta(s, m.ACTIVE_FRAMEWORK_KEY, fw.version_id)
        new_dv = bump_data_version(s)
        moves = count_moves(changes)
        changed = sum(1 for c in changes if c.old_level != c.new_level)
        audit.record(s, by, ACTION, fw.version_id, details={
            "from": before.version_id, "from_sha256": before.sha256, "to": fw.version_id,
            "to_sha256": fw.sha256, "filename": filename, "rollback": not filename,
            "levels_changed": changed, "moves": moves})
        return ActivationResult(before.version_id, fw.version_id, True, new_dv, changed, moves)


def preview_of(engine: Engine, new_fw: Framework) -> list[LevelChange]:
    """:func:`preview` in its own read transaction."""
    with session_scope(engine) as s:
        return preview(s, new_fw)
