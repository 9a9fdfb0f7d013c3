"""``ecocity assess``: the level, scores and gap of values given as JSON (no database)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ecocity.cli.common import UsageError
from ecocity.core.aggregation import EstateValues, assess_area
from ecocity.core.framework import Framework, get_framework
from ecocity.core.scoring import assess, check_values


def _load_json(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text("utf-8")
    except OSError as e:
        raise UsageError(f"cannot read {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UsageError(f"{path} is not valid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None


def _values(fw: Framework, obj: Any, where: str) -> dict[str, Any]:
    if not isinstance(obj, dict) or not isinstance(obj.get("values"), dict):
        raise UsageError(f'{where}: expected an object {{"values": {{"CODE": value, ...}}}}')
    values = obj["values"]
    problems = check_values(fw, values)
    if problems:
        raise UsageError(f"{where}: " + "; ".join(problems))
    return values


def _area(fw: Framework, obj: Any, where: str) -> list[EstateValues]:
    if not isinstance(obj, dict) or not isinstance(obj.get("estates"), list):
        raise UsageError(f'{where}: expected an object {{"estates": [{{"code", "factories", "values"}}, ...]}}')
    out = []
    for n, e in enumerate(obj["estates"]):
        at = f"{where}: estates[{n}]"
        if not isinstance(e, dict) or not isinstance(e.get("code"), str):
            raise UsageError(f'{at}: each estate needs a "code" (text)')
        factories = e.get("factories", 0)
        if factories is None:
            factories = 0
        if isinstance(factories, bool) or not isinstance(factories, int) or factories < 0:
            raise UsageError(f'{at}: "factories" must be a whole number >= 0, found {factories!r}')
        out.append(EstateValues(code=e["code"], factories=factories, values=_values(fw, e, at)))
    return out


def cmd_assess(args: argparse.Namespace) -> int:
    fw = get_framework(args.framework)
    data = _load_json(args.area or args.values)
    many = isinstance(data, list)
    results: list[dict[str, Any]] = []
    for n, obj in enumerate(data if many else [data]):
        where = f"item {n}" if many else "input"
        if args.area:
            area = assess_area(fw, _area(fw, obj, where))
            if area is None:
                results.append({"level": None, "level_key": None, "values": {}, "no_data": True})
                continue
            results.append(area.assessment.as_dict() | {"values": dict(area.values)})
        else:
            results.append(assess(fw, _values(fw, obj, where)).as_dict())
    out = results if many else results[0]
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for r in results:
            _print_assessment(fw, r)
    return 0


def _print_assessment(fw: Framework, r: dict[str, Any]) -> None:
    from ecocity.core.scoring import GapItem
    from ecocity.core.text import describe_gap_item

    if r.get("level") is None:
        print("no data")
        return
    lv = fw.level(r["level"])
    print(f"level {lv.number} {lv.name_en}  overall score {r['overall_score']:.1f}  "
          f"completeness {r['completeness']:.0%}")
    for k, v in r["dimension_scores"].items():
        print(f"  {k:<14} {v:.1f}")
    if r["gap"]:
        print(f"to reach level {lv.number + 1} {fw.level(lv.number + 1).name_en}:")
        for g in r["gap"]:
            item = GapItem(g["code"], g["dimension"], g["current"], g["target"], g["direction"],
                           g["reason"], lv.number + 1)
            print(f"  - {describe_gap_item(fw, item, 'en')} ({g['reason']})")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assess", help="level, scores and gap for indicator values given as JSON")
    p.add_argument("--framework", help="framework file (default: the framework in force)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--values", metavar="FILE",
                     help='JSON {"values": {...}} or an array of them ("-" reads stdin)')
    src.add_argument("--area", metavar="FILE",
                     help='JSON {"estates": [{"code", "factories", "values"}, ...]} or an array')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_assess)


