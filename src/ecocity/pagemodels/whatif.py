"""What-if: an entity's values with some changed by the user, assessed beside the real ones; the
scenario is plain text for the URL (``ENV-01:30,SOC-02:yes``), never stored as data."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecocity.core.framework import Framework, Value
from ecocity.core.plan import Plan, shortest_path
from ecocity.core.scoring import Assessment, assess, check_values
from ecocity.i18n import t

PARAM = "whatif"  # the query parameter holding the scenario
_YES, _NO = ("yes", "true", "1", "y", "ใช่", "มี"), ("no", "false", "0", "n", "ไม่ใช่", "ไม่มี")
MAX_LENGTH = 2000  # characters of a scenario in a URL; longer is ignored


def parse(fw: Framework, raw: str | None) -> dict[str, Value]:
    """The changed values of a scenario text; what is unknown, malformed or out of range
    is left out (a shared link must open, whatever was typed into it)."""
    out: dict[str, Value] = {}
    if not raw or len(raw) > MAX_LENGTH:
        return out
    for part in raw.split(","):
        code, sep, text = part.partition(":")
        code, text = code.strip().upper(), text.strip().lower()
        if not sep or not fw.has_indicator(code):
            continue
        value: Value
        if fw.indicator(code).is_yesno:
            if text not in _YES + _NO:
                continue
            value = text in _YES
        elif text in ("", "-", "none"):
            value = None
        else:
            try:
                value = float(text)
            except ValueError:
                continue
            if not math.isfinite(value):
                continue
        if not check_values(fw, {code: value}):
            out[code] = value
    return out


def dump(fw: Framework, changes: Mapping[str, Value]) -> str:
    """The scenario text of ``changes``, in the framework's order (stable URLs)."""
    parts = []
    for code in fw.codes:
        if code not in changes:
            continue
        v = changes[code]
        text = "-" if v is None else ("yes" if v else "no") if isinstance(v, bool) else f"{float(v):g}"
        parts.append(f"{code}:{text}")
    return ",".join(parts)


@dataclass(frozen=True)
class WhatIf:
    real: Assessment
    scenario: Assessment
    values: Mapping[str, Value]  # the scenario's values (real ones where unchanged)
    changed: tuple[str, ...]  # codes whose scenario value differs from the real one

    @property
    def level_change(self) -> int:
        return self.scenario.level - self.real.level


def what_if(fw: Framework, real: Mapping[str, Value], changes: Mapping[str, Value]) -> WhatIf:
    """The real values and the scenario (the real ones with ``changes``), both assessed."""
    base = {i.code: real.get(i.code) for i in fw.indicators}
    values = base | {c: v for c, v in changes.items() if fw.has_indicator(c)}
    changed = tuple(c for c in fw.codes if values.get(c) != base.get(c))
    return WhatIf(assess(fw, base), assess(fw, values), values, changed)


def plan_scenario(fw: Framework, real: Mapping[str, Value], target: int) -> tuple[Plan, dict[str, Value]]:
    """The shortest path from the real values to ``target``, as scenario changes."""
    plan = shortest_path(fw, real, target)
    return plan, {c.code: c.to for c in plan.changes}


def cell_text(v: Value, lang: str) -> str:
    """A value as the what-if table shows it and reads it back: "30", "22.03", "0.0012",
    "ใช่"/"yes", "" (missing). Two decimals at most (an area's combined values carry more,
    "22.0329", which nobody reads); a value under 0.01 keeps four significant digits."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return t("common.yes" if v else "common.no", lang)
    x = float(v)
    if x != 0 and abs(x) < 0.01:
        return f"{x:.4g}"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def editor_rows(fw: Framework, real: Mapping[str, Value], changes: Mapping[str, Value], lang: str
                ) -> list[dict[str, str]]:
    """One row per indicator for the what-if table: code, name, unit, the real value and the
    scenario's (the real one where unchanged)."""
    return [{"code": i.code, "name": i.name(lang), "unit": "" if i.is_yesno else i.unit(lang),
             "real": cell_text(real.get(i.code), lang),
             "scenario": cell_text(changes.get(i.code, real.get(i.code)), lang)} for i in fw.indicators]


def changes_from_rows(fw: Framework, real: Mapping[str, Value], rows: Sequence[Mapping[str, object]],
                      current: Mapping[str, Value] | None = None) -> dict[str, Value]:
    """The scenario's changes from the edited table: each row whose scenario cell reads as a
    valid value other than the real one (a cell that does not read is left unchanged). A
    cell still showing a ``current`` change as the table rounds it keeps that change's exact
    value (a plan's 0.125 shown as 0.12 stays 0.125)."""
    out: dict[str, Value] = {}
    for r in rows:
        code, text = str(r.get("code", "")), str(r.get("scenario") or "").strip()
        if not fw.has_indicator(code):
            continue
        if current and code in current and text == cell_text(current[code], "en"):
            out[code] = current[code]
            continue
        got = parse(fw, f"{code}:{text if text else '-'}")
        # the table shows a value rounded (cell_text): reading that back is no change
        shown = parse(fw, f"{code}:{cell_text(real.get(code), 'en') or '-'}")
        if code in got and got[code] != shown.get(code, real.get(code)) and got[code] != real.get(code):
            out[code] = got[code]
    return out
