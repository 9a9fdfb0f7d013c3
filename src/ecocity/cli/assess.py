"""``ecocity assess``: the level, scores and gap of values given as JSON (no database)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from ecocity.cli.common import add_values_input, input_area, input_values, load_json
from ecocity.core.aggregation import assess_area
from ecocity.core.framework import Framework, get_framework
from ecocity.core.scoring import assess


def cmd_assess(args: argparse.Namespace) -> int:
    fw = get_framework(args.framework)
    data = load_json(args.area or args.values)
    many = isinstance(data, list)
    results: list[dict[str, Any]] = []
    for n, obj in enumerate(data if many else [data]):
        where = f"item {n}" if many else "input"
        if args.area:
            area = assess_area(fw, input_area(fw, obj, where))
            if area is None:
                results.append({"level": None, "level_key": None, "values": {}, "no_data": True})
                continue
            results.append(area.assessment.as_dict() | {"values": dict(area.values)})
        else:
            results.append(assess(fw, input_values(fw, obj, where)).as_dict())
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
    add_values_input(p)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_assess)


