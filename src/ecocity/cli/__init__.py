"""The ``ecocity`` command: one module per command group registers its subcommands here.
Exit status 0 success, 1 a checked file was rejected, 2 usage or input errors (one line on
stderr, never a traceback; see docs/cli.md)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from ecocity.cli.common import UsageError
from ecocity.core.framework import FrameworkError


# Each product area registers its own subcommands; imported lazily so that a command such
# as `ecocity assess` does not pay for loading the database and Excel code.
def _registrars() -> list[Callable[[argparse._SubParsersAction], None]]:
    from ecocity.cli.assess import register as register_assess  # assess
    from ecocity.cli.db import register as register_store  # db upgrade, db version, db ready
    from ecocity.cli.export import register as register_export  # export pptx|pdf|png
    from ecocity.cli.plan import register as register_plan  # plan
    from ecocity.cli.review import register as register_review  # submissions, review, levels, due
    from ecocity.cli.sample import register as register_sample  # sample --write/--load/--remove
    from ecocity.cli.users import register as register_users  # users add/list/set-password/...
    from ecocity.cli.workbook import register as register_workbook  # template, check, import

    return [register_assess, register_plan, register_store, register_workbook, register_sample, register_export,
            register_users, register_review]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors: exit 2, as argparse does
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
    try:
        args = build_parser().parse_args(argv)
        return int(args.func(args) or 0)
    except UsageError as e:
        print(f"ecocity: {e}", file=sys.stderr)
        return 2
    except FrameworkError as e:
        print(f"ecocity: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of the output went away (`ecocity levels ... | head`): stop quietly, as
        # other Unix tools do. stdout now points at /dev/null so that Python's own flush at
        # exit does not fail on the closed pipe again (the recipe of Python's signal docs).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1

