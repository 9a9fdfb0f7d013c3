"""The "not yet reviewed" view in the store (SQLite and PostgreSQL): ``assessments`` keeps the
published figures while ``assessments_latest`` counts each estate's newest version waiting
for review (areas from that mix); accepting makes the two agree, returning puts the latest
back on the published; a full recompute keeps both; the readers' ``pending=True`` reads the
latest table and flags what comes from a version not yet reviewed; ``levels`` reads it."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select, text

from ecocity.core.access import Actor
from ecocity.core.aggregation import EstateValues, assess_area
from ecocity.core.scoring import assess
from ecocity.store import models as m
from ecocity.store import queries
from ecocity.store.db import make_engine, session_scope
from ecocity.store.derived import recompute_all
from ecocity.store.review import levels, review_submission
from ecocity.store.schema import migrate
from ecocity.store.versions import store_submission

pytestmark = pytest.mark.storage

AREA = "RAYONG-MAP-TA-PHUT"  # MAP-TA-PHUT and PADAENG are two of its estates
ADMIN = Actor("boss", "admin")
SOMCHAI = Actor("somchai", "officer", frozenset({"MAP-TA-PHUT"}))
RATREE = Actor("ratree", "reviewer", areas=frozenset({AREA}))


def _store(engine, data, by=SOMCHAI, name="f.xlsx", **kw):
    return store_submission(engine, data, filename=name, content=f"{name} {data.submitted_by}".encode(), by=by,
                            **kw)


def _rows(engine, model) -> dict[tuple[str, str, int], tuple]:
    """Every row of an assessments table but its computed_at."""
    with session_scope(engine) as s:
        return {(r.entity_kind, r.entity_code, r.fiscal_year): (
            r.framework_version, r.level, round(r.overall_score, 9), round(r.completeness, 9),
            {k: round(v, 9) for k, v in r.dimension_scores.items()}, r.values, r.estates)
            for r in s.scalars(select(model))}


def _published(engine):
    return _rows(engine, m.Assessment)


def _latest(engine):
    return _rows(engine, m.AssessmentLatest)


@pytest.fixture
def published_then_pending(engine, make_data):
    """MAP-TA-PHUT and PADAENG published (version 1 each), then MAP-TA-PHUT's version 2
    waiting for review."""
    _store(engine, make_data("MAP-TA-PHUT", n=1), by=ADMIN, accept=True)
    _store(engine, make_data("PADAENG", n=3), by=ADMIN, accept=True, name="p.xlsx")
    before = _published(engine)
    assert _latest(engine) == before  # nothing waits: the two tables agree
    r = _store(engine, make_data("MAP-TA-PHUT", n=2), name="v2.xlsx")
    assert (r.version, r.status) == (2, "pending")
    return before


def test_a_pending_version_counts_in_latest_only(engine, fw, make_data, published_then_pending):
    before = published_then_pending
    assert _published(engine) == before  # published figures unchanged
    latest = _latest(engine)
    assert latest.keys() == before.keys()
    pending_values = make_data("MAP-TA-PHUT", n=2).values
    est = assess(fw, {k: v for k, v in pending_values.items()})
    key = ("estate", "MAP-TA-PHUT", 2566)
    assert latest[key][1] == est.level and latest[key][2] == round(est.overall_score, 9)
    assert latest[key] != before[key]
    assert latest[("estate", "PADAENG", 2566)] == before[("estate", "PADAENG", 2566)]  # no pending version
    area = assess_area(fw, [EstateValues("MAP-TA-PHUT", 50, est.values),
                            EstateValues("PADAENG", 50, assess(fw, make_data("PADAENG", n=3).values).values)])
    assert area is not None
    assert latest[("area", AREA, 2566)][2] == round(area.assessment.overall_score, 9)
    assert latest[("area", AREA, 2566)][-1] == ["MAP-TA-PHUT", "PADAENG"]
    assert latest[("area", AREA, 2566)] != before[("area", AREA, 2566)]


def test_accepting_makes_both_tables_equal(engine, published_then_pending):
    latest = _latest(engine)
    review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=RATREE, version=2)
    assert _published(engine) == _latest(engine) == latest


def test_returning_puts_latest_back_on_the_published(engine, published_then_pending):
    review_submission(engine, "MAP-TA-PHUT", 2566, "return", by=RATREE, comment="ดูอีกครั้ง", version=2)
    assert _published(engine) == _latest(engine) == published_then_pending


def test_a_first_version_waiting_for_review_is_in_latest_only(engine, make_data):
    _store(engine, make_data("RIL", n=4), by=ADMIN)  # RIL's first version, not yet reviewed
    assert ("estate", "RIL", 2566) not in _published(engine)
    assert ("estate", "RIL", 2566) in _latest(engine) and ("area", AREA, 2566) in _latest(engine)
    assert ("area", AREA, 2566) not in _published(engine)


def test_a_full_recompute_keeps_both_tables(engine, published_then_pending):
    latest = _latest(engine)
    recompute_all(engine)  # what a framework change runs
    assert _published(engine) == published_then_pending and _latest(engine) == latest


def test_readers_read_latest_and_flag_pending_rows(engine, published_then_pending):
    with session_scope(engine) as s:
        plain = {(r.kind, r.code): r for k in ("estate", "area") for r in queries.entity_rows(s, k)}
        seen = {(r.kind, r.code): r for k in ("estate", "area") for r in queries.entity_rows(s, k, pending=True)}
        by_year = {r.code: r for r in queries.assessments_for_year(s, 2566, "estate", pending=True)}
        points = queries.series(s, "area", AREA, pending=True)
        years = queries.fiscal_years(s, pending=True)
        assert queries.pending_keys(s, "area") == {(AREA, 2566)}
    assert not any(r.pending for r in plain.values())
    assert {k for k, r in seen.items() if r.pending} == {("estate", "MAP-TA-PHUT"), ("area", AREA)}
    latest = _latest(engine)
    assert seen[("estate", "MAP-TA-PHUT")].level == latest[("estate", "MAP-TA-PHUT", 2566)][1]
    assert plain[("estate", "MAP-TA-PHUT")].level == published_then_pending[("estate", "MAP-TA-PHUT", 2566)][1]
    assert by_year["MAP-TA-PHUT"].pending and not by_year["PADAENG"].pending
    assert [(p.fiscal_year, p.pending) for p in points] == [(2566, True)] and years == [2566]
    # the mark follows the name wherever a row is shown
    assert seen[("estate", "MAP-TA-PHUT")].name("en").endswith(" *")
    assert not seen[("estate", "PADAENG")].name("en").endswith("*")


def test_levels_with_pending_read_the_latest_table(engine, published_then_pending):
    latest = _latest(engine)
    with session_scope(engine) as s:
        published, with_pending = levels(s, 2566), levels(s, 2566, include_pending=True)
    est = {e["code"]: e for e in with_pending["estates"]}
    assert est["MAP-TA-PHUT"]["overall_score"] == round(latest[("estate", "MAP-TA-PHUT", 2566)][2], 4)
    assert est["MAP-TA-PHUT"]["status"] == "pending" and est["PADAENG"]["status"] == "accepted"
    [area] = with_pending["areas"]
    assert (area["code"], area["estates_reporting"]) == (AREA, 2)
    assert area["overall_score"] == round(latest[("area", AREA, 2566)][2], 4)
    assert published["areas"][0]["overall_score"] != area["overall_score"]


def test_the_migration_copies_the_published_assessments(empty_engine):
    """From 0005 every version is accepted: ``assessments_latest`` starts as a copy."""
    migrate(empty_engine, "0005")
    url = empty_engine.url.render_as_string(hide_password=False)
    with empty_engine.begin() as c:
        c.execute(text("INSERT INTO framework_versions (version_id, framework_id, version, sha256, source, loaded_at) "
                       "VALUES ('f@1', 'f', 1, 'x', 'x', CURRENT_TIMESTAMP)"))
        c.execute(insert(m.Assessment.__table__).values(
            entity_kind="area", entity_code="A1", fiscal_year=2566, framework_version="f@1", level=2,
            overall_score=0.5, completeness=1.0, dimension_scores={"ENV": 0.5}, gap=[], values={"X": 1.0},
            estates=["E1"], computed_at=m.utcnow()))
    migrate(empty_engine)
    engine = make_engine(url)
    try:
        assert _latest(engine) == _published(engine) and len(_published(engine)) == 1
    finally:
        engine.dispose()
