"""The ``ecocity`` command. Each area of the product registers its own subcommands.

Exit status: 0 success, 1 a checked file was rejected, 2 usage or input errors. Input
problems are printed as one clear line on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ecocity.aggregation import EstateValues, assess_area
from ecocity.framework import Framework, FrameworkError, get_framework
from ecocity.scoring import assess, check_values


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit status 2."""


def with_engine(database_url: str | None, fn: Callable[[Any], Any], *, migrate: bool = False) -> Any:
    """``fn(engine)`` on the database at ``database_url`` (default: ECOCITY_DATABASE_URL),
    migrated first when ``migrate``; returns what ``fn`` returns. A bad URL and database,
    registry or storage problems become one clear line (UsageError, exit status 2); the
    engine is disposed either way."""
    from sqlalchemy.exc import SQLAlchemyError

    from ecocity.registry import RegistryError
    from ecocity.store.db import make_engine, safe_url, upgrade
    from ecocity.store.errors import StoreError

    try:
        engine = make_engine(database_url)
    except (SQLAlchemyError, ValueError) as e:  # a malformed URL
        raise UsageError(f"cannot use database URL: {e}") from None
    try:
        if migrate:
            upgrade(engine)
        return fn(engine)
    except StoreError as e:  # e.g. AccessDenied, an account problem
        raise UsageError(e.message("en")) from None
    except RegistryError as e:
        raise UsageError(str(e)) from None
    except SQLAlchemyError as e:
        cause = getattr(e, "orig", None) or e
        raise UsageError(f"database {safe_url(engine)}: {type(cause).__name__}: "
                         f"{str(cause).strip().splitlines()[0]}") from None
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- assess


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
    results = []
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
    from ecocity.explain import describe_gap_item
    from ecocity.scoring import GapItem

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


def _register_assess(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assess", help="level, scores and gap for indicator values given as JSON")
    p.add_argument("--framework", help="framework file (default: the framework in force)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--values", metavar="FILE",
                     help='JSON {"values": {...}} or an array of them ("-" reads stdin)')
    src.add_argument("--area", metavar="FILE",
                     help='JSON {"estates": [{"code", "factories", "values"}, ...]} or an array')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_assess)


# ----------------------------------------------------------------------------- wiring

# Each product area registers its own subcommands; imported lazily so that a command such
# as `ecocity assess` does not pay for loading the database and Excel code.
def _registrars() -> list[Callable[[argparse._SubParsersAction], None]]:
    from ecocity.export.cli import register as register_export  # export pptx|pdf|png
    from ecocity.sample_cli import register as register_sample  # sample --write/--load/--remove
    from ecocity.store.cli import register as register_store  # db upgrade, db version
    from ecocity.users_cli import register as register_users  # users add/list/set-password/...
    from ecocity.workbook.cli import register as register_workbook  # template, check, import

    return [_register_assess, register_store, register_workbook, register_sample, register_export,
            register_users]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors: exit 2, as argparse does
        self.print_usage(sys.stderr)
        print(f"ecocity: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="ecocity", description="EcoCity Tracker command line")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for register in _registrars():
        register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        print(f"ecocity: {e}", file=sys.stderr)
        return 2
    except FrameworkError as e:
        print(f"ecocity: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    # Under `python -m ecocity.cli` this file runs as __main__ while subcommands import
    # ecocity.cli again: call that module's main so its UsageError is the one caught.
    from ecocity.cli import main as _main

    raise SystemExit(_main())
