"""Benchmark data sets: the shipped sample, and a generated one ten times larger.

- ``sample``: the registry of ``data/`` and the 193 shipped sample workbooks, loaded as
  ``ecocity sample --load`` does (upload check, then ``store_submission``).
- ``big`` (the default ``make bench`` size): the sample's 8 areas and 21 estates plus
  synthetic ones, 200 estates in 60 areas in all, each reporting every fiscal year
  2559-2568: about 2,000 submissions (10x the sample).

Synthetic rows are registry rows like any other: they are written into a copy of the
data folder (``ieat-estates.csv``, ``areas.csv``; map and framework copied as they are)
and reach the database through the store's own seed (``upgrade(engine, data_dir=...)``).
Synthetic estates ("Synthetic Estate 017", code ``SYN-E017``) lie inside real provinces
(a point inside the province polygon), grouped in areas of 1-7 estates in one province.
Their values come from the sample generator's value logic (``ecocity.io.sample``: every
indicator inside the threshold band of a planned level, with the same habits, weak and
strong indicators and blanks), following a planned level path per estate (mostly rising,
sometimes falling back, a few reaching Happiness). About 2 % of estate-years are sent a
second time with one corrected value, so version histories exist. Every submission is
stored through ``store_submission``, so estate and area assessments are computed exactly
as in production. The stored "file" of a synthetic submission is a stand-in of the size
of a real workbook (13 kB; writing 1,800 real workbooks would take 40 s more and change
nothing a page reads).

The app must run with ``ECOCITY_DATA_DIR`` set to the data set's folder: on startup it
seeds the registry from that folder, and with the stock ``data/`` it would take the
synthetic estates out of their areas. :func:`DataSet.env` gives the variables.

Built once and kept under ``$TMPDIR/ecocity-bench/<name>-<key>/`` (``key`` hashes the
generator version, its parameters and every file and module the result depends on), so a
second ``make bench`` reuses it; a changed input builds a new one and removes the old.
PostgreSQL: with ``ECOCITY_BENCH_DATABASE_URL`` (a server URL), :func:`postgres` builds
the same data set in a database ``ecocity_bench_<name>_<key>`` on that server, kept
there between runs in the same way (drop it with ``DROP DATABASE``).

    .venv/bin/python bench/bigdata.py [sample|big] [--rebuild]   # build (or find) and describe
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # run as a script from a checkout
    sys.path.insert(0, str(ROOT / "src"))

GENERATOR_VERSION = 1
YEARS = tuple(range(2559, 2569))  # fiscal years B.E.
BIG = {"estates": 200, "areas": 60}
PG_ENV = "ECOCITY_BENCH_DATABASE_URL"
CACHE_ENV = "ECOCITY_BENCH_CACHE"  # where data sets are kept (default $TMPDIR/ecocity-bench)
UPLOADED_BY = "bench (synthetic data)"
STAND_IN_BYTES = 13_000  # a filled-in template workbook is about 12-13 kB
RESUBMIT_SHARE = 0.02
# What the sample-size benchmark opens, kept at 10x so the two sizes compare the same views.
SAMPLE_AREA = "RAYONG-MAP-TA-PHUT"
SAMPLE_ESTATE = "MAP-TA-PHUT"

Progress = Callable[[int, int], None]


@dataclass
class DataSet:
    """A built data set: its data folder and database, and what it holds."""

    name: str
    key: str
    data_dir: str
    url: str
    estates: int          # registered estates that belong to an area
    areas: int
    submissions: int      # stored versions (current and earlier)
    years: list[int]
    area: str             # the area and estate the page benchmark opens
    estate: str
    load_seconds: float   # time to store the submissions when it was built
    reused: bool = False  # found in the cache rather than built now
    extra: dict = field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """Environment for the app (and anything reading ``settings()``) to use this data set."""
        return {"ECOCITY_DATABASE_URL": self.url, "ECOCITY_DATA_DIR": self.data_dir,
                "ECOCITY_FRAMEWORK": str(Path(self.data_dir) / "frameworks" / "eit-default.toml")}


# ----------------------------------------------------------------------------- determinism


def _u(*key: object) -> float:
    """A uniform number in [0, 1) fixed by ``key`` (as in ecocity.io.sample)."""
    h = hashlib.sha256("|".join(map(str, ("bench", *key))).encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


# ----------------------------------------------------------------------------- registry

# Region names as the shipped registry spells them, by province code.
def _region(pcode: str, known: dict[str, str]) -> str:
    if pcode in known:
        return known[pcode]
    n = int(pcode[2:])
    if n in (10, 11, 12, 13, 73, 74):
        return "Central (BMR)"
    if 14 <= n <= 19 or n in (26, 72):
        return "Central"
    if 20 <= n <= 27:
        return "East"
    if 30 <= n <= 49:
        return "Northeast"
    if 50 <= n <= 67:
        return "North"
    if 70 <= n <= 77:
        return "West"
    return "South"


def _inside(pt: tuple[float, float], ring: Sequence[tuple[float, float]]) -> bool:
    x, y = pt
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True):
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def _point_in(province, *key: object) -> tuple[float, float]:
    """A deterministic point inside the province's largest polygon (lon, lat)."""
    ring = max(province.rings, key=len)
    xs, ys = [p[0] for p in ring], [p[1] for p in ring]
    for k in range(200):
        pt = (min(xs) + (max(xs) - min(xs)) * _u("lon", *key, k),
              min(ys) + (max(ys) - min(ys)) * _u("lat", *key, k))
        if _inside(pt, ring):
            return round(pt[0], 4), round(pt[1], 4)
    return round(province.centroid[0], 4), round(province.centroid[1], 4)


def _sizes(total: int, n: int, salt: str) -> list[int]:
    """``n`` area sizes of 1-7 estates summing to ``total`` (needs n <= total <= 7n)."""
    if not n <= total <= 7 * n:
        raise ValueError(f"cannot put {total} estates in {n} areas of 1-7")
    sizes = [1 + int(6 * _u("size", salt, i) ** 1.5) for i in range(n)]
    i = 0
    while sum(sizes) != total:
        j = i % n
        if sum(sizes) < total and sizes[j] < 7:
            sizes[j] += 1
        elif sum(sizes) > total and sizes[j] > 1:
            sizes[j] -= 1
        i += 1
    return sizes


@dataclass(frozen=True)
class _SynEstate:
    code: str
    area: str
    factories: tuple[int, int]
    levels: dict[int, int]


def _level_path(code: str, years: Sequence[int], top: int) -> dict[int, int]:
    """A planned level per year: mostly rising, now and then falling back; few reach the top."""
    level = [0, 1, 1, 1, 2, 2, 3][int(7 * _u("start", code))]
    ceiling = top if _u("star", code) < 0.08 else top - 1
    out = {}
    for y in years:
        out[y] = level
        r = _u("step", code, y)
        if r < 0.30 and level < ceiling:
            level += 1
        elif r > 0.94 and level > 0:
            level -= 1
    return out


def _write_registry(src: Path, dst: Path, *, estates: int, areas: int,
                    years: Sequence[int], include_sample: bool, top: int) -> list[_SynEstate]:
    """Copy ``src`` (map, framework, registry files) to ``dst`` with synthetic estates and
    areas added; returns the synthetic estates with their plans."""
    from ecocity.core.geo import load_provinces
    from ecocity.core.registry import AREA_COLUMNS, AREAS_FILE, ESTATE_COLUMNS, ESTATES_FILE, GEOJSON_FILE

    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / GEOJSON_FILE, dst / GEOJSON_FILE)
    shutil.copytree(src / "frameworks", dst / "frameworks", dirs_exist_ok=True)
    with open(src / ESTATES_FILE, encoding="utf-8-sig", newline="") as f:
        estate_rows = list(csv.DictReader(f))
    with open(src / AREAS_FILE, encoding="utf-8-sig", newline="") as f:
        area_rows = list(csv.DictReader(f)) if include_sample else []
    n_real_estates = sum(len([e for e in r["estates"].split(";") if e]) for r in area_rows)
    n_est, n_area = estates - n_real_estates, areas - len(area_rows)
    if n_est < 0 or n_area < 0:
        raise ValueError(f"{estates} estates in {areas} areas is smaller than the sample itself")
    known_region = {}
    for r in estate_rows:
        known_region.setdefault(r["province_pcode"], r["region"])
    provinces = sorted(load_provinces(str(src / GEOJSON_FILE)), key=lambda p: _u("prov", p.pcode))
    synthetic: list[_SynEstate] = []
    n = 0
    for i, size in enumerate(_sizes(n_est, n_area, "areas") if n_area else []):
        prov = provinces[i % len(provinces)]
        region = _region(prov.pcode, known_region)
        acode = f"SYN-A{i + 1:02d}"
        members = []
        for _ in range(size):
            n += 1
            code = f"SYN-E{n:03d}"
            lon, lat = _point_in(prov, code)
            estate_rows.append({"code": code, "name_th": f"นิคมอุตสาหกรรมสังเคราะห์ {n:03d}",
                                "name_en": f"Synthetic Estate {n:03d}", "province_pcode": prov.pcode,
                                "province_en": prov.name_en, "region": region, "lat": f"{lat}",
                                "lon": f"{lon}", "source_checked": "no"})
            first = 10 + int(390 * _u("factories", code) ** 2)
            synthetic.append(_SynEstate(code, acode, (first, round(first * (1 + 0.3 * _u("growth", code)))),
                                        _level_path(code, years, top)))
            members.append(code)
        area_rows.append({"code": acode, "name_th": f"พื้นที่สังเคราะห์ {i + 1:02d} - {prov.name_th}",
                          "name_en": f"Synthetic Area {i + 1:02d} - {prov.name_en}",
                          "province_pcode": prov.pcode, "region": region, "estates": ";".join(members)})
    for path, cols, rows in ((dst / ESTATES_FILE, ESTATE_COLUMNS, estate_rows),
                             (dst / AREAS_FILE, AREA_COLUMNS, area_rows)):
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(cols), lineterminator="\n")
        w.writeheader()
        w.writerows({c: r.get(c, "") for c in cols} for r in rows)
        path.write_text(buf.getvalue(), encoding="utf-8")
    return synthetic


# ----------------------------------------------------------------------------- submissions


def synthetic_submissions(fw, estates: Sequence[_SynEstate], years: Sequence[int]) -> list[tuple[str, object]]:
    """(file name, SubmissionData) in load order (by year, then area and estate), with the
    occasional corrected second file right after its first."""
    from dataclasses import replace

    from ecocity.core.submission import SubmissionData
    from ecocity.io import sample as smp

    plans = {e.code: smp._Plan(e.factories, e.levels) for e in estates}
    out: list[tuple[str, SubmissionData]] = []
    # The sample's value logic reads each estate's plan from its own table.
    with mock.patch.dict(smp._PLANS, plans):
        for y in years:
            for e in estates:
                if y not in e.levels:
                    continue
                factories = smp._factories(plans[e.code], y)
                values = smp._estate_values(fw, e.code, e.area, y, e.levels[y], factories, None)
                data = SubmissionData(
                    estate_code=e.code, fiscal_year=y, factories=factories,
                    submitted_by="เจ้าหน้าที่สังเคราะห์ (benchmark)", values=values,
                    estate_name=f"นิคมอุตสาหกรรมสังเคราะห์ {e.code[-3:]}",
                    email=f"bench-{e.code.lower()}@example.org",
                    submitted_on=smp._submitted_on(e.code, y), notes=smp._notes(fw, e.code, y, values))
                out.append((f"{y}_{e.code}.xlsx", data))
                if _u("resubmit", e.code, y) < RESUBMIT_SHARE:
                    code = next((c for c, v in values.items() if isinstance(v, float)), None)
                    if code is not None:
                        fixed = dict(values) | {code: float(values[code]) + 1.0}
                        out.append((f"{y}_{e.code}_v2.xlsx", replace(data, values=fixed)))
    return out


def _stand_in(name: str, data) -> bytes:
    head = f"{name}\n{data!r}".encode()
    return head + b"\0" * max(0, STAND_IN_BYTES - len(head))


# ----------------------------------------------------------------------------- building


def generate(data_dir: Path, url: str, *, estates: int, areas: int, years: Sequence[int] = YEARS,
             include_sample: bool = True, progress: Progress | None = None) -> DataSet:
    """Write the registry copy to ``data_dir`` and fill the (empty) database at ``url``."""
    from ecocity.core.access import system
    from ecocity.core.framework import get_framework
    from ecocity.store.db import make_engine
    from ecocity.store.schema import upgrade
    from ecocity.store.versions import store_submission

    src = ROOT / "data"
    fw = get_framework(src / "frameworks" / "eit-default.toml")
    synthetic = _write_registry(src, data_dir, estates=estates, areas=areas, years=years,
                                include_sample=include_sample, top=fw.top_level)
    files = synthetic_submissions(fw, synthetic, years)
    engine = make_engine(url)
    try:
        upgrade(engine, framework=fw, data_dir=data_dir)  # migrations, then the registry rows
        t0 = time.perf_counter()
        total = len(files)
        if include_sample:
            from ecocity.cli.sample import UPLOADED_BY as SAMPLE_BY
            from ecocity.cli.sample import default_dir, load_sample

            report = load_sample(engine, default_dir(), fw, by=system(SAMPLE_BY))
            if report.rejected or report.stored != report.total:
                raise RuntimeError(f"sample load failed: {report}")
            total += report.total
        done = total - len(files)
        for name, data in files:
            r = store_submission(engine, data, filename=name, content=_stand_in(name, data),
                                 by=system(UPLOADED_BY), fw=fw, accept=True)
            if r.outcome != "stored":
                raise RuntimeError(f"{name}: {r.outcome}")
            done += 1
            if progress is not None and (done % 100 == 0 or done == total):
                progress(done, total)
        load_seconds = time.perf_counter() - t0
        counts = _counts(engine)
    finally:
        engine.dispose()
    area = SAMPLE_AREA if include_sample else synthetic[len(synthetic) // 2].area
    estate = SAMPLE_ESTATE if include_sample else synthetic[len(synthetic) // 2].code
    return DataSet(name="", key="", data_dir=str(data_dir), url=url, area=area, estate=estate,
                   years=list(years), load_seconds=round(load_seconds, 2), **counts)


def _counts(engine) -> dict[str, int]:
    from sqlalchemy import func, select

    from ecocity.store import models as m
    from ecocity.store.db import session_scope

    with session_scope(engine) as s:
        return {"estates": s.scalar(select(func.count()).select_from(m.Estate)
                                    .where(m.Estate.area_code.is_not(None))),
                "areas": s.scalar(select(func.count(func.distinct(m.Estate.area_code)))),
                "submissions": s.scalar(select(func.count()).select_from(m.Submission))}


# The result depends on these (besides the parameters): any change builds a new data set.
# (The write path of the store, not its read-only queries; not the workbook reader either,
# whose reading of the shipped sample files the sample tests pin down.)
_INPUTS = ("bench/bigdata.py", "data/ieat-estates.csv", "data/areas.csv", "data/th_adm1.geojson",
           "data/frameworks", "data/sample", "src/ecocity/store/migrations", "src/ecocity/store/db.py",
           "src/ecocity/store/models.py", "src/ecocity/store/seed.py", "src/ecocity/store/uploads.py",
           "src/ecocity/store/derived.py", "src/ecocity/sample.py", "src/ecocity/sample_cli.py", "src/ecocity/scoring.py",
           "src/ecocity/aggregation.py", "src/ecocity/framework.py", "src/ecocity/registry.py",
           "src/ecocity/submission.py", "src/ecocity/geo.py")


def _files(paths: Iterable[str]) -> Iterable[Path]:
    for p in paths:
        q = ROOT / p
        if q.is_dir():
            yield from sorted(x for x in q.rglob("*") if x.is_file() and "__pycache__" not in x.parts)
        elif q.exists():
            yield q


def cache_key(params: dict) -> str:
    h = hashlib.sha256(json.dumps({"v": GENERATOR_VERSION, **params}, sort_keys=True).encode())
    for f in _files(_INPUTS):
        h.update(f.relative_to(ROOT).as_posix().encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:12]


def cache_root() -> Path:
    return Path(os.environ.get(CACHE_ENV) or Path(tempfile.gettempdir()) / "ecocity-bench")


def _params(name: str) -> dict:
    if name == "sample":
        return {"estates": 21, "areas": 8, "years": list(YEARS), "include_sample": True}
    if name == "big":
        return {**BIG, "years": list(YEARS), "include_sample": True}
    raise ValueError(f"unknown data set {name!r} (sample or big)")


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _progress(done: int, total: int) -> None:
    print(f"\r  stored {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)


def sqlite(name: str = "big", *, rebuild: bool = False) -> DataSet:
    """The data set as a SQLite file, built now or found in the cache."""
    params = _params(name)
    key = cache_key(params)
    root = cache_root()
    home = root / f"{name}-{key}"
    manifest = home / "manifest.json"
    if manifest.exists() and not rebuild:
        ds = DataSet(**json.loads(manifest.read_text("utf-8")))
        ds.reused = True
        return ds
    root.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{name}-{key}.building-", dir=root))
    _say(f"building data set {name!r} ({params['estates']} estates, {params['areas']} areas, "
         f"{len(params['years'])} years) in {home}")
    ds = generate(work / "data", f"sqlite:///{work / 'db.sqlite3'}", estates=params["estates"],
                  areas=params["areas"], years=params["years"], include_sample=params["include_sample"],
                  progress=_progress)
    _checkpoint(work / "db.sqlite3")
    ds.name, ds.key = name, key
    ds.data_dir, ds.url = str(home / "data"), f"sqlite:///{home / 'db.sqlite3'}"
    (work / "manifest.json").write_text(json.dumps(asdict(ds), indent=1), "utf-8")
    shutil.rmtree(home, ignore_errors=True)
    work.rename(home)
    for old in root.glob(f"{name}-*"):  # earlier keys and abandoned builds
        if old != home and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return ds


def _checkpoint(path: Path) -> None:
    """Fold the WAL into the file, so a copy of the one file is the whole database."""
    import sqlite3

    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        con.execute("PRAGMA journal_mode = DELETE")
    finally:
        con.close()


def working_copy(ds: DataSet, directory: Path) -> DataSet:
    """A copy of a SQLite data set's database in ``directory`` (the app writes its engine's
    WAL files next to it and a benchmark must never change the cached file)."""
    from sqlalchemy.engine import make_url

    src = Path(make_url(ds.url).database)
    directory.mkdir(parents=True, exist_ok=True)
    dst = directory / f"{ds.name}.sqlite3"
    shutil.copy2(src, dst)
    return DataSet(**{**asdict(ds), "url": f"sqlite:///{dst}"})


def postgres(name: str = "big", server: str | None = None, *, rebuild: bool = False) -> DataSet | None:
    """The data set in a PostgreSQL database on ``server`` (default $ECOCITY_BENCH_DATABASE_URL);
    None when no server is given."""
    from sqlalchemy import create_engine

    from ecocity.store.db import make_engine, normalise_url

    server = server or os.environ.get(PG_ENV)
    if not server:
        return None
    local = sqlite(name)  # the data folder (registry files) and the manifest come from here
    base = normalise_url(server)
    db = f"ecocity_bench_{name}_{local.key}"
    url = base.set(database=db).render_as_string(hide_password=False)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            have = {r[0] for r in conn.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE datname LIKE %(p)s", {"p": f"ecocity_bench_{name}_%"})}
            complete = False
            if db in have and not rebuild:
                eng = make_engine(url)
                try:
                    complete = _counts(eng)["submissions"] == local.submissions
                except Exception:  # noqa: BLE001 - a half-built database: build again
                    complete = False
                finally:
                    eng.dispose()
            for old in have - ({db} if complete else set()):
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
            if not complete:
                conn.exec_driver_sql(f'CREATE DATABASE "{db}"')
    finally:
        admin.dispose()
    ds = DataSet(**{**asdict(local), "url": url, "reused": complete})
    if not complete:
        _say(f"building data set {name!r} on PostgreSQL ({db})")
        params = _params(name)
        built = generate(Path(tempfile.mkdtemp(prefix="bench-pg-data-")), url, estates=params["estates"],
                         areas=params["areas"], years=params["years"],
                         include_sample=params["include_sample"], progress=_progress)
        ds.load_seconds, ds.submissions = built.load_seconds, built.submissions
    return ds


def main(argv: list[str]) -> None:
    name = next((a for a in argv if not a.startswith("-")), "big")
    rebuild = "--rebuild" in argv
    t0 = time.perf_counter()
    for ds in (sqlite(name, rebuild=rebuild), postgres(name, rebuild=rebuild)):
        if ds is None:
            continue
        how = "reused" if ds.reused else f"built in {time.perf_counter() - t0:.1f} s"
        print(f"{ds.name}: {ds.estates} estates in {ds.areas} areas, {ds.submissions} submissions, "
              f"years {ds.years[0]}-{ds.years[-1]}; stored in {ds.load_seconds:.1f} s when built ({how})")
        print(f"  {ds.url.split('@')[-1]}  ECOCITY_DATA_DIR={ds.data_dir}")


if __name__ == "__main__":
    main(sys.argv[1:])
