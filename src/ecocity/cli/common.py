"""What every ``ecocity`` subcommand shares: the usage error (exit status 2, one line, no
traceback), running a function on a database engine, and reading values given as JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ecocity.core.aggregation import EstateValues
from ecocity.core.framework import Framework
from ecocity.core.scoring import check_values


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit status 2."""


def with_engine(database_url: str | None, fn: Callable[[Any], Any], *, migrate: bool = False) -> Any:
    """``fn(engine)`` on the database at ``database_url`` (default: ECOCITY_DATABASE_URL),
    migrated first when ``migrate``; returns what ``fn`` returns. A bad URL and database,
    registry or storage problems become one clear line (UsageError, exit status 2); the
    engine is disposed either way."""
    from ecocity.core.registry import RegistryError
    from ecocity.store.db import make_engine, safe_url
    from ecocity.store.errors import DatabaseError, StoreError
    from ecocity.store.schema import upgrade

    try:
        engine = make_engine(database_url)
    except (DatabaseError, ValueError) as e:  # a malformed URL
        raise UsageError(f"cannot use database URL: {e}") from None
    try:
        if migrate:
            upgrade(engine)
        return fn(engine)
    except StoreError as e:  # e.g. AccessDenied, an account problem
        raise UsageError(e.message("en")) from None
    except RegistryError as e:
        raise UsageError(str(e)) from None
    except DatabaseError as e:
        cause = getattr(e, "orig", None) or e
        raise UsageError(f"database {safe_url(engine)}: {type(cause).__name__}: "
                         f"{str(cause).strip().splitlines()[0]}") from None
    finally:
        engine.dispose()


def load_json(path: str) -> Any:
    """The JSON in ``path`` ("-": standard input), or UsageError saying what is wrong."""
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


def input_values(fw: Framework, obj: Any, where: str) -> dict[str, Any]:
    """The values of an input object {"values": {...}}, checked against ``fw``."""
    if not isinstance(obj, dict) or not isinstance(obj.get("values"), dict):
        raise UsageError(f'{where}: expected an object {{"values": {{"CODE": value, ...}}}}')
    values = obj["values"]
    problems = check_values(fw, values)
    if problems:
        raise UsageError(f"{where}: " + "; ".join(problems))
    return values


def input_area(fw: Framework, obj: Any, where: str) -> list[EstateValues]:
    """The estates of an input object {"estates": [{"code", "factories", "values"}]}."""
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
        out.append(EstateValues(code=e["code"], factories=factories, values=input_values(fw, e, at)))
    return out


def add_values_input(p: Any) -> None:
    """The input options ``assess`` and ``plan`` share: a framework file, and values or an area."""
    p.add_argument("--framework", help="framework file (default: the framework in force)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--values", metavar="FILE",
                     help='JSON {"values": {...}} or an array of them ("-" reads stdin)')
    src.add_argument("--area", metavar="FILE",
                     help='JSON {"estates": [{"code", "factories", "values"}, ...]} or an array')
