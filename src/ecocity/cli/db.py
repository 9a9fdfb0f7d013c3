"""``ecocity db ...``: migrate the database, show its data version, say whether it answers."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database commands")
    p.add_argument("--database-url", metavar="URL",
                   help="SQLAlchemy URL (default: ECOCITY_DATABASE_URL, else var/ecocity.sqlite3)")
    dsub = p.add_subparsers(dest="db_command", required=True)
    up = dsub.add_parser("upgrade", help="apply migrations and sync the registry from data/ (idempotent)")
    up.set_defaults(func=cmd_upgrade)
    ver = dsub.add_parser("version", help="print the schema revision and the data version")
    ver.set_defaults(func=cmd_version)
    ready = dsub.add_parser("ready", help="exit 0 if the database answers within the timeout, else 1 "
                                          "(a readiness check for a proxy or a monitor)")
    ready.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                       help="give up after this long (default 3)")
    ready.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    ready.set_defaults(func=cmd_ready)


def _with_engine(args: argparse.Namespace, fn: Callable[[Any], str]) -> int:
    """Run ``fn(engine)`` and print its line (problems: one clear line, exit status 2)."""
    from ecocity.cli.common import with_engine
    from ecocity.store.db import safe_url

    print(with_engine(args.database_url, lambda engine: f"database {safe_url(engine)}: {fn(engine)}"))
    return 0


def cmd_upgrade(args: argparse.Namespace) -> int:
    from ecocity.store.schema import schema_revision, upgrade

    def run(engine: Any) -> str:
        version = upgrade(engine)
        return f"schema {schema_revision(engine)}, data version {version}"

    return _with_engine(args, run)


def cmd_version(args: argparse.Namespace) -> int:
    from ecocity.cli.common import UsageError
    from ecocity.store.db import data_version, normalise_url, safe_url
    from ecocity.store.schema import schema_revision

    if args.database_url is None:
        from ecocity.config import settings

        args.database_url = settings().database_url
    u = normalise_url(args.database_url)
    if u.get_backend_name() == "sqlite" and u.database and not Path(u.database).exists():
        raise UsageError(f"database {safe_url(u)} does not exist; run `ecocity db upgrade`")

    def run(engine: Any) -> str:
        revision = schema_revision(engine)
        if revision is None:
            raise UsageError(f"database {safe_url(engine)} has no schema yet; run `ecocity db upgrade`")
        return f"schema {revision}, data version {data_version(engine)}"

    return _with_engine(args, run)


def cmd_ready(args: argparse.Namespace) -> int:
    """Readiness: exit 0 when the database answers within the timeout, 1 when it does not
    (the reason on the line, or in the JSON), 2 for a bad option. Creates nothing."""
    from ecocity.cli.common import UsageError
    from ecocity.store.health import READY_TIMEOUT, database_ready

    timeout = READY_TIMEOUT if args.timeout is None else args.timeout
    if not 0 < timeout <= 300:
        raise UsageError(f"--timeout must be between 0 and 300 seconds, not {args.timeout:g}")
    r = database_ready(args.database_url, timeout=timeout)
    if args.json:
        print(json.dumps(r.as_dict(), ensure_ascii=False))
    elif r.ready:
        print(f"database {r.database}: ready (data version {r.data_version}, {r.seconds:.3f} s)")
    else:
        print(f"database {r.database}: not ready: {r.error}")
    return 0 if r.ready else 1
