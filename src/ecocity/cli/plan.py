"""``ecocity plan``: the shortest path of values given as JSON (as for ``assess``) to a level."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ecocity.cli.common import UsageError, add_values_input, input_area, input_values, load_json
from ecocity.core.aggregation import assess_area
from ecocity.core.framework import Framework, get_framework
from ecocity.core.plan import shortest_path


def _target(fw: Framework, raw: str) -> int:
    try:
        n = int(raw)
    except ValueError:
        raise UsageError(f"--target must be a level number 1-{fw.top_level}, found {raw!r}") from None
    if not 1 <= n <= fw.top_level:
        raise UsageError(f"--target must be a level number 1-{fw.top_level}, found {n}")
    return n


def cmd_plan(args: argparse.Namespace) -> int:
    fw = get_framework(args.framework)
    target = _target(fw, args.target)
    data = load_json(args.area or args.values)
    many = isinstance(data, list)
    results: list[dict[str, Any]] = []
    for n, obj in enumerate(data if many else [data]):
        where = f"item {n}" if many else "input"
        if args.area:
            area = assess_area(fw, input_area(fw, obj, where))
            if area is None:  # no estate reported anything: no level to plan from
                results.append({"level_now": None, "target": target, "reachable": False, "changes": [],
                                "level_after": None, "no_data": True})
                continue
            plan = shortest_path(fw, area.values, target)
            # each change with the area's estates from the lowest level of that indicator up
            changes = [c.as_dict() | {"estates": list(area.weakest.get(c.code, ()))} for c in plan.changes]
            results.append(plan.as_dict() | {"changes": changes})
        else:
            results.append(shortest_path(fw, input_values(fw, obj, where), target).as_dict())
    if args.json:
        print(json.dumps(results if many else results[0], ensure_ascii=False, indent=2))
    else:
        for r in results:
            _print_plan(fw, r)
    return 0


def _print_plan(fw: Framework, r: dict[str, Any]) -> None:
    if r.get("no_data"):
        print("no data")
        return
    target = fw.level(r["target"])
    if not r["changes"]:
        print(f"level {r['level_now']} already holds level {target.number} {target.name_en}")
        return
    n = len(r["changes"])
    print(f"level {r['level_now']} -> {target.number} {target.name_en}: "
          f"{n} indicator{'s' if n != 1 else ''} to change (level after: {r['level_after']})")
    for c in r["changes"]:
        print(f"  - {c['code']}: {_shown(c['current'])} -> {_shown(c['to'])}")


def _shown(v: Any) -> str:
    if v is None:
        return "missing"
    if isinstance(v, bool):
        return "yes" if v else "no"
    return f"{v:g}"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="the fewest indicator changes that reach a target level")
    add_values_input(p)
    p.add_argument("--target", required=True, metavar="N", help="the level to reach (1 to the top level)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_plan)



