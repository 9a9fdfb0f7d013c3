"""The deck of one fiscal year and scope, read from the database (for the CLI and benchmarks;
pages build it from their cached readers instead)."""

from __future__ import annotations

from datetime import UTC, date, timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from ecocity.config import settings
from ecocity.framework import Framework
from ecocity.geo import load_provinces
from ecocity.registry import GEOJSON_FILE
from ecocity.slides import Deck, Scope, build_deck
from ecocity.store import models as m
from ecocity.store import queries
from ecocity.store.db import session_scope
from ecocity.store.seed import framework_in_force

THAI_TIME = timedelta(hours=7)  # Indochina Time, no daylight saving


def data_date(session: Session, year: int) -> date | None:
    """The data date of fiscal year ``year``: the day (Thai time) the newest current
    submission of that year or an earlier one was stored; None when there is none."""
    newest = session.scalar(select(func.max(m.Submission.created_at))
                            .where(m.Submission.is_current, m.Submission.fiscal_year <= year))
    if newest is None:
        return None
    if newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return (newest.astimezone(UTC) + THAI_TIME).date()


def load_deck(engine: Engine, year: int, scope: Scope | str, lang: str, *, fw: Framework | None = None) -> Deck:
    """The slide sequence of ``year`` within ``scope`` (a Scope or its ``param`` text),
    under ``fw`` (default: the framework in force in that database)."""
    provinces = load_provinces(str(settings().data_dir / GEOJSON_FILE))
    with session_scope(engine) as s:
        fw = fw or framework_in_force(s)
        registry = queries.registry_overview(s)
        if isinstance(scope, str):
            scope = Scope.parse(scope, registry.regions, [a.code for a in registry.areas])
        areas, estates = queries.entity_rows(s, "area"), queries.entity_rows(s, "estate")
        when = data_date(s, year)
    return build_deck(fw, areas, estates, registry, provinces, year, scope, lang, data_date=when)
