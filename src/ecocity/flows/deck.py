"""The deck of one fiscal year and scope, read from the database (for the CLI and benchmarks;
pages build it from their cached readers instead)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from ecocity.config import settings
from ecocity.core.framework import Framework
from ecocity.core.geo import load_provinces
from ecocity.core.registry import GEOJSON_FILE
from ecocity.i18n import fiscal_year_of
from ecocity.pagemodels.slides import Deck, Scope, build_deck
from ecocity.store import queries
from ecocity.store.db import session_scope
from ecocity.store.inforce import framework_in_force
from ecocity.store.targets import targets

if TYPE_CHECKING:
    from ecocity.store.db import Engine


def load_deck(engine: Engine, year: int, scope: Scope | str, lang: str, *, fw: Framework | None = None,
              pending: bool = False) -> Deck:
    """The slide sequence of ``year`` within ``scope`` (a Scope or its ``param`` text),
    under ``fw`` (default: the framework in force in that database). ``pending``: with each
    estate's newest version waiting for review (marked, and said in every footer)."""
    provinces = load_provinces(str(settings().data_dir / GEOJSON_FILE))
    with session_scope(engine) as s:
        fw = fw or framework_in_force(s)
        registry = queries.registry_overview(s)
        if isinstance(scope, str):
            scope = Scope.parse(scope, registry.regions, [a.code for a in registry.areas])
        areas = queries.entity_rows(s, "area", pending=pending)
        estates = queries.entity_rows(s, "estate", pending=pending)
        when = queries.data_date(s, year, pending=pending)
        tg = targets(s)
    return build_deck(fw, areas, estates, registry, provinces, year, scope, lang, data_date=when, targets=tg,
                      this_year=fiscal_year_of(date.today()), pending=pending)
