"""Readiness: whether the database answers, within a time limit. One check for the proxy,
a monitor and the command line (``ecocity db ready``; ``/_ecocity/ready`` in ``serve.py``)."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from ecocity.store.db import data_version, make_engine, normalise_url, safe_url
from ecocity.store.errors import DatabaseError

READY_TIMEOUT = 3.0  # seconds: the default of `ecocity db ready` and of the HTTP route


@dataclass(frozen=True)
class Readiness:
    """The answer of :func:`database_ready`."""

    ready: bool
    database: str  # the URL, password hidden
    backend: str  # "sqlite" or "postgresql"
    seconds: float  # how long the check took
    data_version: int | None  # when ready
    error: str | None  # one line when not ready

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "seconds": round(self.seconds, 3)}


def _reason(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {lines[0]}" if lines else type(cause).__name__


def _engine(u: URL, timeout: float) -> Any:
    if u.get_backend_name() == "postgresql":
        # The driver's own limits, so that a thread left behind by a late answer ends too:
        # connecting (whole seconds, at least 2 for libpq) and the query itself.
        ms = max(1, int(timeout * 1000))
        return make_engine(u, poolclass=NullPool, pool_pre_ping=False,
                           connect_args={"connect_timeout": max(2, math.ceil(timeout)),
                                         "options": f"-c statement_timeout={ms}"})
    return make_engine(u, poolclass=NullPool)


def database_ready(url: str | URL | None = None, *, timeout: float = READY_TIMEOUT) -> Readiness:
    """Whether the database at ``url`` (default: the configured one) answers within
    ``timeout`` seconds with the app's data version.

    Streamlit's ``/_stcore/health`` says only that a replica's process is up; a replica
    whose database does not answer still says "ok" there. This reads the data version, the
    row every page run reads first, on a connection of its own (no pool), and gives up
    after ``timeout`` seconds whatever the driver does: an answer that comes later is "not
    ready" too. It creates and migrates nothing: a SQLite file that does not exist, or a
    database without the app's tables, is not ready. Never raises for a database problem:
    a bad URL, a closed port, a missing file or table is a :class:`Readiness` that is not
    ready, with the reason in ``error``."""
    start = time.monotonic()
    if url is None:
        from ecocity.config import settings

        url = settings().database_url
    try:
        u = normalise_url(url)
    except (DatabaseError, ValueError) as e:
        return Readiness(False, "(unreadable URL)", "", time.monotonic() - start, None, f"bad database URL: {e}")
    shown, backend = safe_url(u), u.get_backend_name()

    def answer(ok: bool, version: int | None, error: str | None) -> Readiness:
        return Readiness(ok, shown, backend, time.monotonic() - start, version, error)

    if backend == "sqlite" and u.database and u.database != ":memory:" and not u.database.startswith("file:") \
            and not Path(u.database).expanduser().is_file():
        return answer(False, None, "the database file does not exist")
    try:
        engine = _engine(u, timeout)
    except (DatabaseError, ValueError, ImportError) as e:
        return answer(False, None, f"cannot use the database URL: {_reason(e)}")

    result: dict[str, Any] = {}

    def check() -> None:
        try:
            result["version"] = data_version(engine)
        except Exception as e:  # noqa: BLE001 - any failure means: not ready, and why
            result["error"] = _reason(e)
        finally:
            engine.dispose()

    worker = threading.Thread(target=check, name="ecocity-ready", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        return answer(False, None, f"no answer within {timeout:g} s")
    if "error" in result:
        return answer(False, None, result["error"])
    return answer(True, int(result["version"]), None)
