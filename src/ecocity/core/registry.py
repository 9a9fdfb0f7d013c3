"""The registry (provinces, industrial estates, eco-industrial town areas): reads and validates
its source files under ``data/``, reporting every problem at once (see docs/design-notes.md)."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ecocity.i18n import Named

GEOJSON_FILE = "th_adm1.geojson"
ESTATES_FILE = "ieat-estates.csv"
AREAS_FILE = "areas.csv"

ESTATE_COLUMNS = ("code", "name_th", "name_en", "province_pcode", "province_en", "region",
                  "lat", "lon", "source_checked")
AREA_COLUMNS = ("code", "name_th", "name_en", "province_pcode", "region", "estates")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


class RegistryError(ValueError):
    """A registry file that cannot be used. ``problems`` holds (where, problem) pairs."""

    def __init__(self, path: str | Path, problems: list[tuple[str, str]]):
        self.path = str(path)
        self.problems = problems
        lines = [f"{self.path}: {where}: {problem}" for where, problem in problems]
        super().__init__("invalid registry file\n" + "\n".join(lines))


@dataclass(frozen=True)
class Province(Named):
    pcode: str  # ADM1_PCODE, e.g. "TH21"
    name_th: str
    name_en: str


@dataclass(frozen=True)
class Estate(Named):
    code: str
    name_th: str
    name_en: str
    province_pcode: str | None  # None where the source did not say
    region: str
    lat: float | None
    lon: float | None
    source_checked: bool


@dataclass(frozen=True)
class Area(Named):
    code: str
    name_th: str
    name_en: str
    province_pcode: str
    region: str
    estates: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    provinces: tuple[Province, ...]
    estates: tuple[Estate, ...]
    areas: tuple[Area, ...]

    @property
    def regions(self) -> tuple[str, ...]:
        return regions(self.estates, self.areas)

    def area_of(self) -> dict[str, str]:
        """estate code -> area code, for estates that belong to an area."""
        return {e: a.code for a in self.areas for e in a.estates}


def regions(estates: Iterable[Estate] = (), areas: Iterable[Area] = ()) -> tuple[str, ...]:
    """The distinct regions named by estates and areas, sorted."""
    return tuple(sorted({e.region for e in estates if e.region} | {a.region for a in areas if a.region}))


def _data_dir(data_dir: str | Path | None) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    from ecocity.config import settings

    return settings().data_dir


# ----------------------------------------------------------------------------- provinces


def provinces_from_geojson(path: str | Path | None = None) -> list[Province]:
    """Provinces (ADM1) from the map file: ``ADM1_PCODE``, ``ADM1_TH``, ``ADM1_EN``."""
    p = Path(path) if path is not None else _data_dir(None) / GEOJSON_FILE
    try:
        doc = json.loads(p.read_text("utf-8"))
    except OSError as e:
        raise RegistryError(p, [("file", f"cannot be read ({e.strerror or e})")]) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RegistryError(p, [("file", f"is not valid GeoJSON text: {e}")]) from None
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise RegistryError(p, [("file", "has no 'features' list (expected a FeatureCollection)")])
    problems: list[tuple[str, str]] = []
    out: list[Province] = []
    seen: set[str] = set()
    for n, f in enumerate(features, 1):
        props = f.get("properties") if isinstance(f, dict) else None
        where = f"feature #{n}"
        if not isinstance(props, dict):
            problems.append((where, "has no properties"))
            continue
        vals: dict[str, Any] = {k: props.get(k) for k in ("ADM1_PCODE", "ADM1_TH", "ADM1_EN")}
        missing = [k for k, v in vals.items() if not isinstance(v, str) or not v.strip()]
        if missing:
            problems.append((where, f"missing {', '.join(missing)}"))
            continue
        pcode = vals["ADM1_PCODE"].strip()
        if pcode in seen:
            problems.append((where, f"province code {pcode} appears more than once"))
            continue
        seen.add(pcode)
        out.append(Province(pcode, vals["ADM1_TH"].strip(), vals["ADM1_EN"].strip()))
    if problems:
        raise RegistryError(p, problems)
    return sorted(out, key=lambda pr: pr.pcode)


# ----------------------------------------------------------------------------- CSV files


def _rows(path: Path, columns: tuple[str, ...],
          problems: list[tuple[str, str]]) -> Iterator[tuple[str, dict[str, str]]]:
    """(where, row) for each non-blank data row; missing columns stop the file at once."""
    try:
        text = path.read_text("utf-8-sig")  # Excel saves CSV with a BOM
    except OSError as e:
        raise RegistryError(path, [("file", f"cannot be read ({e.strerror or e})")]) from None
    except UnicodeDecodeError:
        raise RegistryError(path, [("file", "is not UTF-8 text (save it as 'CSV UTF-8')")]) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in columns if c not in header]
    if missing:
        raise RegistryError(path, [("row 1", f"missing column(s) {', '.join(missing)}; "
                                              f"found {', '.join(header) or 'nothing'}")])
    reader.fieldnames = header
    for row in reader:
        where = f"row {reader.line_num}"
        clean = {k: (v or "").strip() for k, v in row.items() if k is not None}
        if not any(clean.values()):
            continue
        if None in row:
            problems.append((where, "has more cells than the header"))
        yield where, clean


def _coordinate(raw: str, lo: float, hi: float, name: str, where: str,
                problems: list[tuple[str, str]]) -> float | None:
    if not raw:
        return None
    try:
        v = float(raw)
    except ValueError:
        problems.append((where, f"{name} must be a number, found {raw!r}"))
        return None
    if not math.isfinite(v) or not lo <= v <= hi:
        problems.append((where, f"{name} {raw} is outside {lo:g}..{hi:g}"))
        return None
    return v


def _province_names(provinces: Iterable[Province] | Collection[str] | None) -> dict[str, Province | None] | None:
    """pcode -> Province (None when only codes were given); None when not checking."""
    if provinces is None:
        return None
    items = list(provinces)
    if all(isinstance(p, Province) for p in items):
        return {p.pcode: p for p in items if isinstance(p, Province)}  # all are; the filter narrows the type
    return {str(p): None for p in items}


def estates_from_csv(path: str | Path | None = None,
                     provinces: Iterable[Province] | Collection[str] | None = None) -> list[Estate]:
    """Estates from ``ieat-estates.csv``. With ``provinces``, province codes are checked
    (and ``province_en``, when given, must be that province's English name)."""
    p = Path(path) if path is not None else _data_dir(None) / ESTATES_FILE
    known = _province_names(provinces)
    problems: list[tuple[str, str]] = []
    out: list[Estate] = []
    first_row: dict[str, str] = {}
    for where, r in _rows(p, ESTATE_COLUMNS, problems):
        code = r["code"]
        if not code:
            problems.append((where, "missing code"))
            continue
        if code in first_row:
            problems.append((where, f"estate code {code} already used in {first_row[code]}"))
            continue
        first_row[code] = where
        for col in ("name_th", "name_en"):
            if not r[col]:
                problems.append((where, f"estate {code}: missing {col}"))
        pcode = r["province_pcode"] or None
        if pcode is not None and known is not None:
            if pcode not in known:
                problems.append((where, f"estate {code}: unknown province code {pcode}"))
            elif (prov := known[pcode]) is not None and r["province_en"] and r["province_en"] != prov.name_en:
                problems.append((where, f"estate {code}: province_en {r['province_en']!r} does not match "
                                        f"{pcode} ({prov.name_en})"))
        lat = _coordinate(r["lat"], -90, 90, "lat", where, problems)
        lon = _coordinate(r["lon"], -180, 180, "lon", where, problems)
        if bool(r["lat"]) != bool(r["lon"]):
            problems.append((where, f"estate {code}: give both lat and lon, or neither"))
            lat = lon = None
        checked = r["source_checked"].lower()
        if checked not in _YES | _NO:
            problems.append((where, f"estate {code}: source_checked must be yes or no, found {r['source_checked']!r}"))
        out.append(Estate(code=code, name_th=r["name_th"], name_en=r["name_en"], province_pcode=pcode,
                          region=r["region"], lat=lat, lon=lon, source_checked=checked in _YES))
    if problems:
        raise RegistryError(p, problems)
    return out


def areas_from_csv(path: str | Path | None = None,
                   estates: Iterable[Estate] | Collection[str] | None = None,
                   provinces: Iterable[Province] | Collection[str] | None = None) -> list[Area]:
    """Areas from ``areas.csv`` (``estates`` separated by ``;``). With ``estates`` and
    ``provinces``, the codes they name are checked. An estate may belong to one area only."""
    p = Path(path) if path is not None else _data_dir(None) / AREAS_FILE
    known_estates = None if estates is None else {e.code if isinstance(e, Estate) else str(e) for e in estates}
    known_prov = _province_names(provinces)
    problems: list[tuple[str, str]] = []
    out: list[Area] = []
    first_row: dict[str, str] = {}
    member_of: dict[str, tuple[str, str]] = {}  # estate -> (area, where)
    for where, r in _rows(p, AREA_COLUMNS, problems):
        code = r["code"]
        if not code:
            problems.append((where, "missing code"))
            continue
        if code in first_row:
            problems.append((where, f"area code {code} already used in {first_row[code]}"))
            continue
        first_row[code] = where
        for col in ("name_th", "name_en", "province_pcode"):
            if not r[col]:
                problems.append((where, f"area {code}: missing {col}"))
        if r["province_pcode"] and known_prov is not None and r["province_pcode"] not in known_prov:
            problems.append((where, f"area {code}: unknown province code {r['province_pcode']}"))
        members: list[str] = []
        for e in (x.strip() for x in r["estates"].split(";")):
            if not e:
                continue
            if e in members:
                problems.append((where, f"area {code}: estate {e} listed twice"))
                continue
            if known_estates is not None and e not in known_estates:
                problems.append((where, f"area {code}: unknown estate {e}"))
            if e in member_of:
                other, other_where = member_of[e]
                problems.append((where, f"area {code}: estate {e} already belongs to area {other} ({other_where})"))
            else:
                member_of[e] = (code, where)
            members.append(e)
        if not members:
            problems.append((where, f"area {code}: no estates listed"))
        out.append(Area(code=code, name_th=r["name_th"], name_en=r["name_en"],
                        province_pcode=r["province_pcode"], region=r["region"], estates=tuple(members)))
    if problems:
        raise RegistryError(p, problems)
    return out


def load_registry(data_dir: str | Path | None = None) -> Registry:
    """All three files, cross-checked (estate and area provinces, area members)."""
    d = _data_dir(data_dir)
    provinces = provinces_from_geojson(d / GEOJSON_FILE)
    estates = estates_from_csv(d / ESTATES_FILE, provinces)
    areas = areas_from_csv(d / AREAS_FILE, estates, provinces)
    return Registry(tuple(provinces), tuple(estates), tuple(areas))


@dataclass(frozen=True)
class EstateInfo(Named):
    code: str
    name_th: str
    name_en: str
    province_pcode: str | None
    province_th: str | None
    province_en: str | None
    region: str
    lat: float | None
    lon: float | None
    source_checked: bool
    area_code: str | None


@dataclass(frozen=True)
class AreaInfo(Named):
    code: str
    name_th: str
    name_en: str
    province_pcode: str
    province_th: str
    province_en: str
    region: str
    estates: tuple[EstateInfo, ...] = field(default=())


@dataclass(frozen=True)
class RegistryOverview:
    areas: tuple[AreaInfo, ...]
    unassigned: tuple[EstateInfo, ...]  # estates that belong to no area

    @property
    def estates(self) -> tuple[EstateInfo, ...]:
        return tuple(e for a in self.areas for e in a.estates) + self.unassigned

    @property
    def regions(self) -> tuple[str, ...]:
        return tuple(sorted({e.region for e in self.estates if e.region} | {a.region for a in self.areas}))
