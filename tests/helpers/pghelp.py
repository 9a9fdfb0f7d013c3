"""PostgreSQL for the replica and load tests (a plain module, like e2ehelp)."""

from __future__ import annotations

import os
from typing import Any

import pytest

PG_ENV = "ECOCITY_TEST_DATABASE_URL"


def postgres_or_skip(request: pytest.FixtureRequest) -> Any:
    """The conftest's PostgreSQL server (``_pg``: creates and drops databases). Without
    ECOCITY_TEST_DATABASE_URL: skipped with the reason, or a failure on CI
    (ECOCITY_REQUIRE_BROWSER=1, where the database is set up too). A server that is set
    but cannot be reached fails (tests/conftest.py)."""
    if not os.environ.get(PG_ENV):
        reason = f"needs PostgreSQL: set {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        if os.environ.get("ECOCITY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason} (ECOCITY_REQUIRE_BROWSER=1: CI must run this)", pytrace=False)
        pytest.skip(reason)
    return request.getfixturevalue("_pg")
