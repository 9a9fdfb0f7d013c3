"""Replicas starting at the same moment on one empty database ("Many users at once").

Every dashboard process runs ``upgrade`` (migrations, then the registry seed) when it
first opens the database (``ui.db.engine_for``; ``ecocity db upgrade`` does the same).
Started together, they must not fail on each other: migrations run one at a time (an
advisory lock on PostgreSQL, the write lock on SQLite), the seed behind the data-version
row lock, and the database ends as one ``upgrade`` leaves it. Separate processes, each
connected first and then released at one moment by a barrier; SQLite and PostgreSQL.
"""

from __future__ import annotations

import multiprocessing as mp
from typing import Any

import pytest
from sqlalchemy import func, select

from ecocity.store import models as m
from ecocity.store.db import data_version, make_engine, session_scope
from ecocity.store.schema import schema_revision, upgrade

pytestmark = pytest.mark.storage

REPLICAS = 4
TIMEOUT = 120


def _state(engine: Any) -> tuple:
    """What a finished upgrade leaves: schema revision, data version, registry rows."""
    with session_scope(engine) as s:
        counts = tuple(s.scalar(select(func.count()).select_from(model)) for model in (m.Area, m.Estate))
    return schema_revision(engine), data_version(engine), counts


def _replica(url: str, barrier: Any, results: Any) -> None:
    """One replica's start: connect, wait for the others, upgrade; report the outcome."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        barrier.wait()
        results.put(("ok", upgrade(engine)))
    except BaseException as e:  # noqa: BLE001 - reported to the test
        results.put(("error", repr(e)))
    finally:
        engine.dispose()


def test_replicas_starting_together_on_an_empty_database_migrate_and_seed_it_once(empty_engine, engine):
    url = empty_engine.url.render_as_string(hide_password=False)
    ctx = mp.get_context("spawn")  # a fresh interpreter, as a replica is
    barrier, results = ctx.Barrier(REPLICAS, timeout=TIMEOUT), ctx.Queue()
    procs = [ctx.Process(target=_replica, args=(url, barrier, results)) for _ in range(REPLICAS)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=TIMEOUT) for _ in procs]
    for p in procs:
        p.join(TIMEOUT)
    assert [kind for kind, _ in outcomes] == ["ok"] * REPLICAS, outcomes
    expected = _state(engine)  # a database upgraded once (the fixtures' migrated and seeded one)
    assert expected[2][1] > 0
    assert _state(empty_engine) == expected
    assert {version for _, version in outcomes} == {expected[1]}  # no replica saw a half-built database
