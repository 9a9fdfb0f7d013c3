"""Readiness: ``ecocity db ready`` and the HTTP route ``/_ecocity/ready`` say whether the
database answers within the time limit, on SQLite and PostgreSQL; a closed port, a server
that never answers, a missing file and a database without the app's tables are "not
ready" (exit 1, 503), quickly, and the check creates nothing."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator

import pytest

from ecocity.cli import main
from ecocity.store.health import database_ready

pytestmark = pytest.mark.storage


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never says a word (a hung database server)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(8)
    yield s.getsockname()[1]
    s.close()


def _call(route):
    """The route's answer, on an event loop of its own in another thread (the browser
    tests' Playwright may run a loop in this one)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, route(None)).result()


def _run(argv: list[str], capsys) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().out


def test_a_migrated_database_is_ready(db_url, capsys):
    r = database_ready(db_url)
    assert (r.ready, r.error) == (True, None)
    assert r.data_version is not None and r.seconds < 3
    assert r.backend == ("sqlite" if db_url.startswith("sqlite") else "postgresql")

    code, out = _run(["db", "--database-url", db_url, "ready"], capsys)
    assert code == 0 and ": ready (data version " in out
    code, out = _run(["db", "--database-url", db_url, "ready", "--json", "--timeout", "5"], capsys)
    answer = json.loads(out)
    assert code == 0 and answer["ready"] is True and answer["error"] is None
    assert set(answer) == {"ready", "database", "backend", "seconds", "data_version", "error"}


def test_a_closed_port_is_not_ready_at_once(capsys):
    url = f"postgresql+psycopg://ecocity:secret@127.0.0.1:{_closed_port()}/ecocity"
    start = time.monotonic()
    r = database_ready(url)
    assert time.monotonic() - start < 2
    assert not r.ready and r.error.startswith("OperationalError") and r.data_version is None
    assert "secret" not in r.database

    code, out = _run(["db", "--database-url", url, "ready", "--json"], capsys)
    answer = json.loads(out)
    assert code == 1 and answer["ready"] is False and "Connection refused" in answer["error"]
    assert "secret" not in out


def test_a_server_that_never_answers_is_not_ready_after_the_timeout(silent_server, capsys):
    url = f"postgresql+psycopg://ecocity@127.0.0.1:{silent_server}/ecocity"
    start = time.monotonic()
    r = database_ready(url, timeout=0.5)
    assert 0.4 < time.monotonic() - start < 1.5
    assert (r.ready, r.error) == (False, "no answer within 0.5 s")
    code, out = _run(["db", "--database-url", url, "ready", "--timeout", "0.5"], capsys)
    assert code == 1 and out.strip().endswith("not ready: no answer within 0.5 s")


def test_a_missing_sqlite_file_is_not_ready_and_not_created(tmp_path, capsys):
    path = tmp_path / "nothing-here.sqlite3"
    code, out = _run(["db", "--database-url", f"sqlite:///{path}", "ready"], capsys)
    assert code == 1 and "does not exist" in out
    assert not path.exists()


def test_a_database_without_the_schema_is_not_ready(empty_engine):
    with empty_engine.connect():  # the database exists (the SQLite file too), no table
        pass
    r = database_ready(empty_engine.url.render_as_string(hide_password=False))
    assert not r.ready and "meta" in r.error


def test_bad_options_are_usage_errors(capsys):
    assert main(["db", "ready", "--timeout", "0"]) == 2
    assert "--timeout" in capsys.readouterr().err
    r = database_ready("not a url")
    assert not r.ready and "URL" in r.error


def test_the_http_route_answers_200_or_503_without_naming_the_server(db_url, monkeypatch):
    from ecocity.ui.http import READY_PATH, ready, routes

    assert [r.path for r in routes()] == [READY_PATH] == ["/_ecocity/ready"]
    monkeypatch.setenv("ECOCITY_DATABASE_URL", db_url)
    answer = _call(ready)
    body = json.loads(answer.body)
    assert answer.status_code == 200 and body["ready"] is True and isinstance(body["data_version"], int)
    assert b'"ready":true' in answer.body  # what the README's monitor looks for
    assert answer.headers["cache-control"] == "no-store"

    monkeypatch.setenv("ECOCITY_DATABASE_URL", f"postgresql+psycopg://ecocity:secret@127.0.0.1:{_closed_port()}/x")
    answer = _call(ready)
    assert answer.status_code == 503
    assert json.loads(answer.body) == {"ready": False, "seconds": json.loads(answer.body)["seconds"],
                                       "error": "OperationalError"}
