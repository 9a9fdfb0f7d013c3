"""The benchmark's data generator (bench/bigdata.py) at a small size, through the real
store: if the registry files, the store or the sample generator change so that it no
longer builds a valid data set, this fails instead of the benchmark silently measuring
something else."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bigdata():
    spec = importlib.util.spec_from_file_location("bench_bigdata", ROOT / "bench" / "bigdata.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


def test_area_sizes_add_up_at_the_benchmark_size(bigdata):
    sizes = bigdata._sizes(179, 52, "areas")  # 200 estates in 60 areas, less the sample's 21 in 8
    assert sum(sizes) == 179 and len(sizes) == 52 and min(sizes) >= 1 and max(sizes) <= 7


def test_registry_files_are_deterministic_and_valid(bigdata, tmp_path):
    from ecocity.core.geo import load_provinces
    from ecocity.core.registry import AREAS_FILE, ESTATES_FILE, load_registry

    a = bigdata._write_registry(ROOT / "data", tmp_path / "a", estates=30, areas=12, years=(2567, 2568),
                                include_sample=True, top=5)
    b = bigdata._write_registry(ROOT / "data", tmp_path / "b", estates=30, areas=12, years=(2567, 2568),
                                include_sample=True, top=5)
    assert a == b
    for name in (ESTATES_FILE, AREAS_FILE):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    reg = load_registry(tmp_path / "a")  # validates provinces, codes and area members
    area_of = reg.area_of()
    assert sum(1 for e in reg.estates if e.code in area_of) == 30 and len(reg.areas) == 12
    provinces = {p.pcode: p for p in load_provinces(str(tmp_path / "a" / "th_adm1.geojson"))}
    synthetic = [e for e in reg.estates if e.code.startswith("SYN-")]
    assert len(synthetic) == 9 and all(e.name_en.startswith("Synthetic Estate ") for e in synthetic)
    for e in synthetic:  # on the map inside their own province
        ring = max(provinces[e.province_pcode].rings, key=len)
        assert bigdata._inside((e.lon, e.lat), ring), e


@pytest.mark.storage
def test_generates_a_loadable_data_set_through_the_store(bigdata, db_url, tmp_path, fw):
    from ecocity.core.aggregation import EstateValues, assess_area
    from ecocity.store import queries, session_scope
    from ecocity.store.db import data_version, make_engine
    from ecocity.store.seed import seed

    years = (2567, 2568)
    ds = bigdata.generate(tmp_path / "data", db_url, estates=6, areas=2, years=years, include_sample=False)
    assert (ds.estates, ds.areas) == (6, 2)
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            reg = queries.registry_overview(s)
            syn = [a for a in reg.areas if a.code.startswith("SYN-")]
            assert sum(len(a.estates) for a in syn) == 6
            assert ds.area in {a.code for a in syn} and ds.estate in {e.code for a in syn for e in a.estates}
            for y in years:
                estates = {r.code: r for r in queries.assessments_for_year(s, y, "estate")}
                areas = {r.code: r for r in queries.assessments_for_year(s, y, "area")}
                assert {e.code for a in syn for e in a.estates} <= set(estates)
                for a in syn:  # stored area levels are the pure aggregation of current values
                    inputs = []
                    for e in a.estates:
                        sid = s.scalar(_current(e.code, y))
                        inputs.append(EstateValues(e.code, _factories(s, sid), queries.current_values(s, e.code, y)))
                    pure = assess_area(fw, inputs)
                    assert areas[a.code].level == pure.assessment.level
                    assert areas[a.code].overall_score == pytest.approx(pure.assessment.overall_score)
            assert ds.submissions >= 12
        # The app seeds from ECOCITY_DATA_DIR on startup: with the data set's folder, nothing changes.
        before = data_version(engine)
        assert seed(engine, data_dir=ds.data_dir) is False
        assert data_version(engine) == before
    finally:
        engine.dispose()


def _current(code: str, year: int):
    from sqlalchemy import select

    from ecocity.store import models as m

    return select(m.Submission.id).where(m.Submission.estate_code == code, m.Submission.fiscal_year == year,
                                         m.Submission.is_current)


def _factories(s, sid: int) -> int:
    from ecocity.store import models as m

    return s.get(m.Submission, sid).factories


def test_cache_key_follows_the_parameters(bigdata):
    assert bigdata.cache_key({"estates": 200}) == bigdata.cache_key({"estates": 200})
    assert bigdata.cache_key({"estates": 200}) != bigdata.cache_key({"estates": 201})
