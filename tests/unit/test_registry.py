"""Reading and validating the registry files (no database)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ecocity.config import ROOT
from ecocity.core.registry import (
    AREAS_FILE,
    ESTATES_FILE,
    GEOJSON_FILE,
    RegistryError,
    areas_from_csv,
    estates_from_csv,
    load_registry,
    provinces_from_geojson,
    regions,
)

DATA = ROOT / "data"
EST_HEADER = "code,name_th,name_en,province_pcode,province_en,region,lat,lon,source_checked\n"
AREA_HEADER = "code,name_th,name_en,province_pcode,region,estates\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_files_load_and_cross_check():
    reg = load_registry(DATA)
    assert (len(reg.provinces), len(reg.estates), len(reg.areas)) == (77, 71, 8)
    by_code = {e.code: e for e in reg.estates}
    mtp = by_code["MAP-TA-PHUT"]
    assert (mtp.province_pcode, mtp.region, mtp.source_checked) == ("TH21", "East", True)
    assert by_code["PINTHONG-PROJECT-6"].province_pcode is None
    assert by_code["PINTHONG-PROJECT-6"].lat is None
    assert reg.area_of()["PADAENG"] == "RAYONG-MAP-TA-PHUT"
    assert len(reg.area_of()) == sum(len(a.estates) for a in reg.areas) == 21
    assert {"East", "Central", "North", "South"} <= set(reg.regions)
    assert reg.regions == tuple(sorted(reg.regions))
    assert regions(reg.estates) == tuple(sorted({e.region for e in reg.estates}))
    rayong = next(p for p in reg.provinces if p.pcode == "TH21")
    assert (rayong.name("th"), rayong.name("en")) == ("ระยอง", "Rayong")


def test_unknown_province_code_names_file_and_row(tmp_path):
    f = write(tmp_path / ESTATES_FILE, EST_HEADER
              + "A,เอ,A IE,TH21,Rayong,East,12.7,101.1,yes\n"
              + "B,บี,B IE,TH99,,East,,,no\n")
    with pytest.raises(RegistryError) as e:
        estates_from_csv(f, provinces_from_geojson(DATA / GEOJSON_FILE))
    assert e.value.problems == [("row 3", "estate B: unknown province code TH99")]
    assert str(f) in str(e.value) and "row 3" in str(e.value)


def test_estate_file_problems_are_all_reported(tmp_path):
    f = write(tmp_path / ESTATES_FILE, EST_HEADER
              + "A,เอ,A IE,TH21,Chon Buri,East,12.7,101.1,yes\n"   # wrong province name for TH21
              + "A,เอ,A IE,TH21,Rayong,East,12.7,101.1,yes\n"      # duplicate code
              + "C,ซี,C IE,,,East,north,101.1,maybe\n"              # bad lat, bad flag
              + "D,ดี,D IE,,,East,12.7,,no\n")                      # lat without lon
    with pytest.raises(RegistryError) as e:
        estates_from_csv(f, provinces_from_geojson(DATA / GEOJSON_FILE))
    wheres = [w for w, _ in e.value.problems]
    assert wheres == ["row 2", "row 3", "row 4", "row 4", "row 5"]
    text = str(e.value)
    for part in ("does not match TH21 (Rayong)", "already used in row 2", "lat must be a number",
                 "source_checked must be yes or no", "give both lat and lon"):
        assert part in text


def test_missing_columns_and_excel_bom(tmp_path):
    f = write(tmp_path / ESTATES_FILE, "code,name_th\nA,เอ\n")
    with pytest.raises(RegistryError, match="missing column.*name_en"):
        estates_from_csv(f)
    g = tmp_path / "bom.csv"
    g.write_bytes("\ufeff".encode() + (EST_HEADER + "A,เอ,A IE,,,East,,,no\n\n").encode())
    [a] = estates_from_csv(g)
    assert (a.code, a.province_pcode, a.source_checked) == ("A", None, False)


def test_area_naming_an_unknown_estate(tmp_path):
    f = write(tmp_path / AREAS_FILE, AREA_HEADER + "X,เอ็กซ์,X,TH21,East,MAP-TA-PHUT;NOPE\n")
    estates = estates_from_csv(DATA / ESTATES_FILE)
    with pytest.raises(RegistryError) as e:
        areas_from_csv(f, estates)
    assert e.value.problems == [("row 2", "area X: unknown estate NOPE")]


def test_estate_listed_in_two_areas(tmp_path):
    f = write(tmp_path / AREAS_FILE, AREA_HEADER
              + "X,เอ็กซ์,X,TH21,East,MAP-TA-PHUT;RIL\n"
              + "Y,วาย,Y,TH21,East,RIL\n"
              + "Z,แซด,Z,TH77,East,\n")
    with pytest.raises(RegistryError) as e:
        areas_from_csv(f, ["MAP-TA-PHUT", "RIL"], ["TH21"])
    assert e.value.problems == [
        ("row 3", "area Y: estate RIL already belongs to area X (row 2)"),
        ("row 4", "area Z: unknown province code TH77"),
        ("row 4", "area Z: no estates listed"),
    ]


def test_geojson_problems(tmp_path):
    f = write(tmp_path / GEOJSON_FILE, '{"type": "FeatureCollection", "features": ['
              '{"properties": {"ADM1_PCODE": "TH10", "ADM1_TH": "กรุงเทพมหานคร", "ADM1_EN": "Bangkok"}},'
              '{"properties": {"ADM1_PCODE": "TH10", "ADM1_TH": "x", "ADM1_EN": "x"}},'
              '{"properties": {"ADM1_PCODE": "TH11"}}]}')
    with pytest.raises(RegistryError) as e:
        provinces_from_geojson(f)
    assert e.value.problems == [("feature #2", "province code TH10 appears more than once"),
                                ("feature #3", "missing ADM1_TH, ADM1_EN")]
    with pytest.raises(RegistryError, match="cannot be read"):
        provinces_from_geojson(tmp_path / "missing.geojson")


def test_load_registry_from_another_folder(tmp_path):
    shutil.copytree(DATA, tmp_path / "data")
    areas = tmp_path / "data" / AREAS_FILE
    areas.write_text(areas.read_text("utf-8").replace("LAMPHUN,ลำพูน,Lamphun,TH51", "LAMPHUN,ลำพูน,Lamphun,TH00"),
                     encoding="utf-8")
    with pytest.raises(RegistryError, match=r"areas.csv: row 8: area LAMPHUN: unknown province code TH00"):
        load_registry(tmp_path / "data")
