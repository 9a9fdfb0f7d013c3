"""Where the map's markers go (pure): an area at the mean position of its estates that have
coordinates, else at its province's centroid; each estate at its own coordinates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecocity.core.geo import Province
from ecocity.core.registry import AreaInfo, EstateInfo
from ecocity.pagemodels.charts import Marker


def area_position(area: AreaInfo, centroids: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    """(lon, lat) of an area's marker; None when neither its estates nor its province place it."""
    pts = [(e.lon, e.lat) for e in area.estates if e.lat is not None and e.lon is not None]
    if pts:
        return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    return centroids.get(area.province_pcode)


def markers(areas: Sequence[AreaInfo], provinces: Sequence[Province], area_levels: Mapping[str, int],
            estate_levels: Mapping[str, int], lang: str, *,
            extra_estates: Sequence[EstateInfo] = ()) -> list[Marker]:
    """Area markers (coloured by ``area_levels``, None = no data) and markers for the areas'
    estates plus ``extra_estates`` (e.g. estates outside any area that have data)."""
    centroids = {p.pcode: p.centroid for p in provinces}
    out: list[Marker] = []
    seen: set[str] = set()
    for a in areas:
        for e in a.estates:
            if e.lat is not None and e.lon is not None and e.code not in seen:
                seen.add(e.code)
                out.append(Marker("estate", e.code, e.name(lang), e.lon, e.lat, estate_levels.get(e.code)))
    for e in extra_estates:
        if e.lat is not None and e.lon is not None and e.code not in seen:
            seen.add(e.code)
            out.append(Marker("estate", e.code, e.name(lang), e.lon, e.lat, estate_levels.get(e.code)))
    for a in areas:
        pos = area_position(a, centroids)
        if pos is not None:
            out.append(Marker("area", a.code, a.name(lang), pos[0], pos[1], area_levels.get(a.code)))
    return out
