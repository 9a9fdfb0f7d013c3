"""The shared filters' parsing and precedence (URL, then session, then default)."""

from __future__ import annotations

from ecocity.ui.filters import Filters, parse_levels, parse_region, parse_year, resolve_filters

YEARS = [2564, 2565, 2566]
REGIONS = {"East", "North", "Central (BMR)"}
LEVELS = range(6)


def test_year_must_have_data():
    assert parse_year("2566", YEARS) == 2566
    assert parse_year("2500", YEARS) is None
    assert parse_year("soon", YEARS) is None and parse_year(None, YEARS) is None


def test_region_matches_the_registry_spelling():
    assert parse_region("east", REGIONS) == "East"
    assert parse_region("Central (BMR)", REGIONS) == "Central (BMR)"
    assert parse_region("Mars", REGIONS) is None and parse_region("", REGIONS) is None


def test_levels_keep_known_numbers_sorted_once():
    assert parse_levels("3,2,2", LEVELS) == (2, 3)
    assert parse_levels("2, x, 9", LEVELS) == (2,)
    assert parse_levels("x", LEVELS) is None


def test_default_is_the_latest_year_every_region_every_level():
    assert resolve_filters({}, None, YEARS, REGIONS, LEVELS) == Filters(2566, None, ())


def test_no_years_gives_no_year():
    assert resolve_filters({"year": "2566"}, None, [], REGIONS, LEVELS).year is None


def test_the_url_wins_over_the_session():
    saved = Filters(2564, "North", (1,))
    got = resolve_filters({"year": "2565", "region": "East", "level": "2,3"}, saved, YEARS, REGIONS, LEVELS)
    assert got == Filters(2565, "East", (2, 3))


def test_the_session_fills_what_the_url_lacks():
    # A page change through the sidebar drops the query parameters.
    saved = Filters(2564, "North", (1,))
    assert resolve_filters({}, saved, YEARS, REGIONS, LEVELS) == saved


def test_an_invalid_url_year_falls_back_to_the_session():
    saved = Filters(2564)
    assert resolve_filters({"year": "2400"}, saved, YEARS, REGIONS, LEVELS).year == 2564


def test_query_leaves_out_defaults_but_the_year():
    assert Filters(2566).query() == {"year": "2566"}
    assert Filters(2566, "East", (2, 3)).query() == {"year": "2566", "region": "East", "level": "2,3"}
