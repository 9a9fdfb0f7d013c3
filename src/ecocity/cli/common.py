"""What every ``ecocity`` subcommand shares: the usage error (exit status 2, one line, no
traceback) and running a function on a database engine."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


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


