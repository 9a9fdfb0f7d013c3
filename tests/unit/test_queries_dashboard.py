"""queries.entity_rows: stored assessments joined with the registry, as dashboard rows."""

from __future__ import annotations

import pytest

from ecocity.core.access import system
from ecocity.pagemodels import rows as dashboard
from ecocity.store import queries
from ecocity.store.db import session_scope
from ecocity.store.versions import store_submission

pytestmark = pytest.mark.storage


def _store(engine, data) -> None:
    """Stored by the operator, accepted at once: a version pending review has no assessment."""
    store_submission(engine, data, filename=f"{data.estate_code}-{data.fiscal_year}.xlsx",
                     content=repr(data).encode(), by=system("test"), accept=True)


def test_no_assessment_gives_no_rows(engine):
    with session_scope(engine) as s:
        assert queries.entity_rows(s, "area") == []
        assert queries.entity_rows(s, "estate") == []


def test_estate_rows_carry_registry_facts_and_the_assessment(engine, make_data):
    _store(engine, make_data("MAP-TA-PHUT", 2566, **{"ENV-01": 26.0}))
    with session_scope(engine) as s:
        [row] = queries.entity_rows(s, "estate")
        stored = queries.assessments_for_year(s, 2566, "estate")[0]
    assert isinstance(row, dashboard.EntityRow)
    assert (row.kind, row.code, row.fiscal_year) == ("estate", "MAP-TA-PHUT", 2566)
    assert row.name_en == "Map Ta Phut IE" and row.name_th
    assert (row.region, row.province_pcode, row.area_code) == ("East", "TH21", "RAYONG-MAP-TA-PHUT")
    assert (row.level, row.overall_score, row.completeness) == (stored.level, stored.overall_score,
                                                                stored.completeness)
    assert dict(row.dimension_scores) == stored.dimension_scores
    assert list(row.gap) == stored.gap
    assert row.values["ENV-01"] == 26.0


def test_area_rows_name_the_area_and_its_province(engine, make_data):
    _store(engine, make_data("MAP-TA-PHUT", 2566))
    with session_scope(engine) as s:
        [row] = queries.entity_rows(s, "area")
    assert (row.kind, row.code, row.name_en) == ("area", "RAYONG-MAP-TA-PHUT", "Rayong - Map Ta Phut")
    assert (row.region, row.province_pcode, row.area_code) == ("East", "TH21", None)


def test_rows_cover_every_year_ordered_by_year_then_code(engine, make_data):
    for estate, year in [("PADAENG", 2566), ("MAP-TA-PHUT", 2566), ("MAP-TA-PHUT", 2565)]:
        _store(engine, make_data(estate, year))
    with session_scope(engine) as s:
        rows = queries.entity_rows(s, "estate")
    assert [(r.fiscal_year, r.code) for r in rows] == [(2565, "MAP-TA-PHUT"), (2566, "MAP-TA-PHUT"),
                                                       (2566, "PADAENG")]
