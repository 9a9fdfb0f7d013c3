"""Province shapes for the map, made small once (rounded coordinates, outer rings only) and drawn as
filled polygons on plain axes: Plotly's geo traces fetch base maps from a CDN, which fails offline."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# 0.01 degree is about 1 km: plenty for a country map on a projector, and it keeps the
# figure sent to the browser small.
PRECISION = 2


@dataclass(frozen=True)
class Province:
    pcode: str
    name_en: str
    name_th: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # outer rings as (lon, lat) points
    centroid: tuple[float, float]


def _dedupe(ring: list[list[float]], digits: int) -> tuple[tuple[float, float], ...]:
    out: list[tuple[float, float]] = []
    for lon, lat, *_ in ring:
        p = (round(lon, digits), round(lat, digits))
        if not out or out[-1] != p:
            out.append(p)
    return tuple(out)


def _centroid(rings: tuple[tuple[tuple[float, float], ...], ...]) -> tuple[float, float]:
    """Area-weighted centroid of the largest ring (shoelace formula)."""
    ring = max(rings, key=len)
    a = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        a += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(a) < 1e-12:
        xs, ys = zip(*ring, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    return cx / (3 * a), cy / (3 * a)


@lru_cache(maxsize=4)
def load_provinces(path: str | Path, digits: int = PRECISION) -> tuple[Province, ...]:
    """Provinces from an ADM1 GeoJSON (properties ADM1_PCODE, ADM1_EN, ADM1_TH)."""
    data = json.loads(Path(path).read_text("utf-8"))
    out = []
    for f in data["features"]:
        props, geom = f["properties"], f["geometry"]
        polys = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
        rings = tuple(r for r in (_dedupe(p[0], digits) for p in polys) if len(r) >= 4)
        out.append(Province(props["ADM1_PCODE"], props["ADM1_EN"], props["ADM1_TH"], rings, _centroid(rings)))
    return tuple(sorted(out, key=lambda p: p.pcode))
