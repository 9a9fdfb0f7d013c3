"""The Estate page's queries (ecocity.store.queries) and its restore path, on
SQLite and, when ECOCITY_TEST_DATABASE_URL is set, PostgreSQL."""

from __future__ import annotations

import pytest

from ecocity.core.access import ALL_AREAS, Actor, system
from ecocity.store import queries as iq
from ecocity.store.db import data_token, session_scope
from ecocity.store.review import review_submission
from ecocity.store.versions import compare_versions, list_versions, restore_version, store_submission

pytestmark = pytest.mark.storage


def _store(engine, data, name: str):
    """Stored by the operator, accepted at once: each new version is the current one."""
    return store_submission(engine, data, filename=name, content=(name + repr(data.values)).encode(),
                            by=system("test"), accept=True)


def test_no_submission_no_versions(engine):
    with session_scope(engine) as s:
        assert iq.version_values(s, "MAP-TA-PHUT", 2566) == {}
        assert iq.submission_years(s, "MAP-TA-PHUT") == {}


def test_values_of_every_version(engine, make_data):
    _store(engine, make_data(**{"ENV-01": 14.0, "SOC-01": None}), "v1.xlsx")
    _store(engine, make_data(**{"ENV-01": 12.0, "SOC-01": None}), "v2.xlsx")
    _store(engine, make_data(year=2565), "old.xlsx")
    with session_scope(engine) as s:
        got = iq.version_values(s, "MAP-TA-PHUT", 2566)
        years = iq.submission_years(s, "MAP-TA-PHUT")
    assert list(got) == [1, 2]
    assert got[1]["ENV-01"] == 14.0 and got[2]["ENV-01"] == 12.0
    assert got[1].get("SOC-01") is None
    assert isinstance(got[1]["MGT-01"], bool)
    assert years == {2565: 1, 2566: 2}


def test_restore_creates_a_new_version_with_the_old_values(engine, make_data):
    _store(engine, make_data(**{"ENV-01": 14.0}), "v1.xlsx")
    _store(engine, make_data(**{"ENV-01": 12.0}), "v2.xlsx")
    before = data_token(engine)
    result = restore_version(engine, "MAP-TA-PHUT", 2566, 1,
                             by=Actor("officer", "officer", frozenset({"MAP-TA-PHUT"})))
    assert (result.outcome, result.version, result.restored_from_version, result.status) == (
        "restored", 3, 1, "pending")
    assert data_token(engine) != before  # every cached page reads fresh data
    with session_scope(engine) as s:  # pending review: version 2 stays current
        assert [(v.version, v.is_current, v.status) for v in list_versions(s, "MAP-TA-PHUT", 2566)] == [
            (3, False, "pending"), (2, True, "accepted"), (1, False, "accepted")]
    before = data_token(engine)
    review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=Actor("rita", "reviewer", areas=frozenset({ALL_AREAS})))
    assert data_token(engine) != before
    with session_scope(engine) as s:
        vals = iq.version_values(s, "MAP-TA-PHUT", 2566)
        assert vals[3] == vals[1]
        assert [(v.version, v.is_current) for v in list_versions(s, "MAP-TA-PHUT", 2566)] == [
            (3, True), (2, False), (1, False)]
        assert compare_versions(s, "MAP-TA-PHUT", 2566, 1, 3) == []
