"""Registry administration (ecocity.io.registry_file), on SQLite and PostgreSQL:
every validation rule with its row, column, cell and code; the preview diff; applying
(data version, meta, audit, area levels recomputed when an estate moves, a later seed()
keeps the correction); permissions; hostile files (XML entity bomb, zip bomb, encrypted,
not UTF-8); formula text neutralised in the export; SQL and HTML stored verbatim."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from ecocity.core.access import ANONYMOUS, AccessDenied, Actor, system
from ecocity.i18n import t
from ecocity.io import registry_file
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store import registry as ra
from ecocity.store.db import data_version, session_scope
from ecocity.store.seed import seed
from ecocity.store.versions import store_submission

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor("admin", "admin")
VIEWER = Actor("viewer", "viewer")
OFFICER = Actor("officer", "officer", estates=frozenset({"MAP-TA-PHUT"}))
E_COLS = list(registry_file.COLUMNS[registry_file.ESTATES])
A_COLS = list(registry_file.COLUMNS[registry_file.AREAS])
NEW_ESTATE = {"code": "NEW-ESTATE", "name_th": "นิคมอุตสาหกรรมใหม่", "name_en": "New IE", "province_pcode": "TH21",
              "province_en": "Rayong", "region": "East", "lat": "12.7", "lon": "101.1", "source_checked": "no"}
NEW_AREA = {"code": "NEW-AREA", "name_th": "พื้นที่ใหม่", "name_en": "New area", "province_pcode": "TH21",
            "region": "East", "estates": "NONG-LALOK"}


# ----------------------------------------------------------------------------- helpers


def csv_bytes(header: list[str], rows: list[dict[str, str]], bom: bool = False) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(header)
    for r in rows:
        w.writerow([r.get(c, "") for c in header])
    return buf.getvalue().encode("utf-8-sig" if bom else "utf-8")


def xlsx_bytes(header: list[str], rows: list[dict[str, str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append([r.get(c, "") for c in header])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def make_file(fmt: str, header: list[str], rows: list[dict[str, str]]) -> bytes:
    return csv_bytes(header, rows) if fmt == "csv" else xlsx_bytes(header, rows)


def problems(engine, kind, fmt, rows, header=None) -> list[registry_file.Problem]:
    header = header or (E_COLS if kind == registry_file.ESTATES else A_COLS)
    p = ra.prepare_file(engine, kind, make_file(fmt, header, rows), f"file.{fmt}")
    assert not p.ok and p.change is None
    return list(p.problems)


def estate_row(engine, code: str) -> m.Estate:
    with session_scope(engine) as s:
        row = s.get(m.Estate, code)
        assert row is not None
        s.expunge(row)
        return row


def edited(engine) -> str | None:
    with session_scope(engine) as s:
        return s.scalar(select(m.Meta.value).where(m.Meta.key == m.REGISTRY_EDITED_KEY))


def entries(engine, action="registry"):
    with session_scope(engine) as s:
        return audit.list_entries(s, action=action)


def exported(engine, kind) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ra.export_csv(engine, kind).decode("utf-8-sig"))))


# ----------------------------------------------------------------------------- one rule, one file

# (rows of the estates file, expected code, column, params that must appear)
ESTATE_RULES = [
    ({**NEW_ESTATE, "code": "new estate"}, "bad_code", "code", {"suggestion": "NEW-ESTATE"}),
    ({**NEW_ESTATE, "code": ""}, "missing_value", "code", {}),
    ({**NEW_ESTATE, "name_th": ""}, "missing_value", "name_th", {}),
    ({**NEW_ESTATE, "name_en": "x" * 201}, "too_long", "name_en", {"length": 201, "limit": 200}),
    ({**NEW_ESTATE, "name_en": "two\nlines"}, "control_characters", "name_en", {}),
    ({**NEW_ESTATE, "province_pcode": "TH99", "province_en": ""}, "unknown_province", "province_pcode",
     {"found": "TH99"}),
    ({**NEW_ESTATE, "province_pcode": "Rayong", "province_en": ""}, "province_is_name", "province_pcode",
     {"suggestion": "TH21"}),
    ({**NEW_ESTATE, "province_en": "Chon Buri"}, "province_mismatch", "province_en", {"expected": "Rayong"}),
    ({**NEW_ESTATE, "region": "Eastern Seaboard"}, "unknown_region", "region", {"found": "Eastern Seaboard"}),
    ({**NEW_ESTATE, "region": ""}, "missing_value", "region", {}),
    ({**NEW_ESTATE, "lat": "12,7"}, "not_a_number", "lat", {"found": "12,7"}),
    ({**NEW_ESTATE, "lat": "25.0"}, "outside_thailand", "lat", {"found": "25.0"}),
    ({**NEW_ESTATE, "lon": "1.1"}, "outside_thailand", "lon", {"found": "1.1"}),
    ({**NEW_ESTATE, "lon": ""}, "lat_lon_pair", "lon", {}),
    ({**NEW_ESTATE, "source_checked": "maybe"}, "bad_yes_no", "source_checked", {"found": "maybe"}),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("row", "code", "column", "params"), ESTATE_RULES,
                         ids=[f"{r[1]}-{r[2]}" for r in ESTATE_RULES])
def test_each_estate_rule_names_row_column_cell_and_code(engine, fmt, row, code, column, params):
    # The bad row comes second, after a valid one: row 3 of the sheet.
    good = {**NEW_ESTATE, "code": "GOOD-ESTATE"}
    [p] = problems(engine, registry_file.ESTATES, fmt, [good, row])
    assert (p.code, p.row, p.column) == (code, 3, column)
    assert p.cell == f"{'ABCDEFGHI'[E_COLS.index(column)]}3"
    for k, v in params.items():
        assert p.params[k] == v
    for lang in ("th", "en"):
        msg = p.message(lang)
        assert p.cell in msg and "registry_admin." not in msg
        if "found" in params:
            assert str(params["found"]) in msg
    assert p.message("th") != p.message("en")


def test_duplicate_codes_name_the_first_row(engine):
    [p] = problems(engine, registry_file.ESTATES, "xlsx", [NEW_ESTATE, {**NEW_ESTATE, "name_en": "Other"}])
    assert (p.code, p.row, p.column, p.cell, p.params["first_row"]) == ("duplicate_code", 3, "code", "A3", 2)


def test_a_missing_column_is_reported_on_the_header_row(engine):
    header = [c for c in E_COLS if c not in ("region", "lat")]
    found = problems(engine, registry_file.ESTATES, "csv", [NEW_ESTATE], header)
    assert [(p.code, p.row, p.column) for p in found] == [("missing_column", 1, "region"),
                                                          ("missing_column", 1, "lat")]
    assert "name_en" in found[0].message("en")


def test_province_en_may_be_left_out(engine):
    header = [c for c in E_COLS if c != "province_en"]
    p = ra.prepare_file(engine, registry_file.ESTATES, csv_bytes(header, [NEW_ESTATE]), "e.csv")
    assert p.ok and [r.code for r in p.change.added] == ["NEW-ESTATE"]


def test_every_problem_of_a_file_is_reported_at_once(engine):
    rows = [{**NEW_ESTATE, "code": "A-1", "region": "Nowhere"},
            {**NEW_ESTATE, "code": "a 2", "lat": "x"},
            {**NEW_ESTATE, "code": "A-3", "name_en": "", "source_checked": "?"}]
    found = problems(engine, registry_file.ESTATES, "xlsx", rows)
    assert [(p.cell, p.code) for p in found] == [
        ("F2", "unknown_region"), ("A3", "bad_code"), ("G3", "not_a_number"), ("C4", "missing_value"),
        ("I4", "bad_yes_no")]


AREA_RULES = [
    ({**NEW_AREA, "estates": "NO-SUCH-ESTATE"}, "unknown_estate", "estates", {"found": "NO-SUCH-ESTATE"}),
    ({**NEW_AREA, "estates": "NONG-LALOCK"}, "unknown_estate_suggest", "estates", {"found": "NONG-LALOCK"}),
    ({**NEW_AREA, "estates": "NONG-LALOK;NONG-LALOK"}, "estate_listed_twice", "estates", {"found": "NONG-LALOK"}),
    ({**NEW_AREA, "province_pcode": ""}, "missing_value", "province_pcode", {}),
    ({**NEW_AREA, "region": "Mars"}, "unknown_region", "region", {"found": "Mars"}),
    ({**NEW_AREA, "code": "new_area"}, "bad_code", "code", {"suggestion": "NEW-AREA"}),
]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("row", "code", "column", "params"), AREA_RULES, ids=[r[1] for r in AREA_RULES])
def test_each_area_rule_names_row_column_cell_and_code(engine, fmt, row, code, column, params):
    [p] = problems(engine, registry_file.AREAS, fmt, [row])
    assert (p.code, p.row, p.column, p.cell) == (code, 2, column, f"{'ABCDEF'[A_COLS.index(column)]}2")
    for k, v in params.items():
        assert p.params[k] == v
    if code == "unknown_estate_suggest":
        assert p.params["choices"][0] == "NONG-LALOK" and "NONG-LALOK" in p.message("th")
    assert "registry_admin." not in p.message("th") + p.message("en")


def test_an_estate_in_two_areas_of_the_file(engine):
    rows = [NEW_AREA, {**NEW_AREA, "code": "OTHER-AREA", "estates": "NONG-LALOK;BANG-CHAN"}]
    [p] = problems(engine, registry_file.AREAS, "xlsx", rows)
    assert (p.code, p.cell, p.params["other"], p.params["other_row"]) == ("estate_in_two_areas", "F3", "NEW-AREA", 2)


# ----------------------------------------------------------------------------- files that are refused


def test_csv_with_bom_and_without_is_read(engine):
    for bom in (True, False):
        p = ra.prepare_file(engine, registry_file.ESTATES, csv_bytes(E_COLS, [NEW_ESTATE], bom=bom), "e.csv")
        assert p.ok and p.format == "csv"


def test_a_csv_not_in_utf8_is_refused_saying_how_to_save_it(engine):
    content = csv_bytes(E_COLS, [NEW_ESTATE]).decode("utf-8").encode("cp874")
    [p] = ra.prepare_file(engine, registry_file.ESTATES, content, "e.csv").problems
    assert p.code == "not_utf8" and "CSV UTF-8" in p.message("en") and "CSV UTF-8" in p.message("th")


@pytest.mark.parametrize(("content", "code"), [
    (b"%PDF-1.7 binary\x00\xff\xfe", "not_a_table"),
    (b"", "empty_file"),
    ((ROOT / "tests/data/workbooks/encrypted.xlsx").read_bytes(), "encrypted"),
    (b"PK\x03\x04 not really a zip", "damaged"),
])
def test_unreadable_files_are_refused(engine, content, code):
    [p] = ra.prepare_file(engine, registry_file.ESTATES, content, "x.xlsx").problems
    assert p.code == code and p.row is None


def _rewrite_part(xlsx: bytes, fn, part: str = "xl/worksheets/sheet1.xml") -> bytes:
    src = zipfile.ZipFile(io.BytesIO(xlsx))
    assert part in src.namelist()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                data = fn(data)
            dst.writestr(info, data)
    return out.getvalue()


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/workbook.xml"])
def test_an_xlsx_with_an_xml_entity_bomb_is_refused(engine, part):
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
           b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')

    def bomb(b: bytes) -> bytes:
        body = b.split(b"?>", 1)[1] if b.startswith(b"<?xml") else b
        out = lol + body.replace(b"New IE", b"&lol3;").replace(b'name="Sheet"', b'name="&lol3;"')
        assert b"&lol3;" in out
        return out

    content = _rewrite_part(xlsx_bytes(E_COLS, [NEW_ESTATE]), bomb, part)
    [p] = ra.prepare_file(engine, registry_file.ESTATES, content, "bomb.xlsx").problems
    assert p.code == "damaged"


def test_an_xlsx_zip_bomb_is_refused_before_it_is_unpacked(engine):
    padding = b"<!-- " + b"0" * (60 * 2**20) + b" -->"
    content = _rewrite_part(xlsx_bytes(E_COLS, [NEW_ESTATE]), lambda b: b + padding)
    assert len(content) < 2**20
    [p] = ra.prepare_file(engine, registry_file.ESTATES, content, "bomb.xlsx").problems
    assert p.code == "zip_bomb" and "MB" in p.message("en")


def test_a_file_over_the_limit_is_not_read(engine):
    [p] = ra.prepare_file(engine, registry_file.ESTATES, b"a" * (registry_file.MAX_FILE_BYTES + 1), "big.csv").problems
    assert p.code == "too_large"


# ----------------------------------------------------------------------------- the preview


def test_preview_lists_added_changed_unchanged_and_kept_rows(engine):
    rows = exported(engine, registry_file.ESTATES)
    total = len(rows)
    by = {r["code"]: r for r in rows}
    by["LAT-KRABANG"]["name_en"] = "Lat Krabang Industrial Estate"
    by["LAT-KRABANG"]["region"] = "Central"
    kept = [by["LAT-KRABANG"], by["BANG-CHAN"], NEW_ESTATE]
    p = ra.prepare_file(engine, registry_file.ESTATES, xlsx_bytes(E_COLS, kept), "e.xlsx")
    assert p.ok
    c = p.change
    assert [r.code for r in c.added] == ["NEW-ESTATE"]
    assert [r.code for r in c.unchanged] == ["BANG-CHAN"]
    [changed] = c.changed
    assert changed.code == "LAT-KRABANG"
    assert changed.changes == (registry_file.FieldChange("name_en", "Lat Krabang IE", "Lat Krabang Industrial Estate"),
                               registry_file.FieldChange("region", "Central (BMR)", "Central"))
    assert len(c.missing) == total - 2 and "NONG-KHAE" in c.missing  # kept, never deleted
    assert c.has_changes


@pytest.mark.parametrize("kind", registry_file.KINDS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_uploads_back_unchanged(engine, kind, fmt):
    content = ra.export_csv(engine, kind) if fmt == "csv" else ra.export_xlsx(engine, kind)
    p = ra.prepare_file(engine, kind, content, registry_file.export_filename(kind, fmt))
    assert p.ok, [x.message("en") for x in p.problems]
    assert not p.change.has_changes and p.change.missing == ()
    assert len(p.change.unchanged) == len(exported(engine, kind)) > 0


def test_area_preview_lists_the_estates_that_change_area(engine):
    rows = {r["code"]: r for r in exported(engine, registry_file.AREAS)}
    pluak = rows["RAYONG-PLUAK-DAENG"]
    pluak["estates"] += ";MAP-TA-PHUT"
    p = ra.prepare_file(engine, registry_file.AREAS, csv_bytes(A_COLS, [pluak]), "a.csv")
    assert p.ok
    assert p.change.moves == (registry_file.Move("MAP-TA-PHUT", "RAYONG-MAP-TA-PHUT", "RAYONG-PLUAK-DAENG"),)
    [changed] = p.change.changed
    assert changed.changes[0].field == "estates"
    assert "RAYONG-MAP-TA-PHUT" in p.change.missing  # the area it leaves is kept


# ----------------------------------------------------------------------------- applying


def test_apply_stores_sets_meta_audits_and_bumps_the_version(engine):
    before = data_version(engine)
    assert edited(engine) is None
    rows = {r["code"]: r for r in exported(engine, registry_file.ESTATES)}
    rows["LAT-KRABANG"]["name_en"] = "Lat Krabang Industrial Estate"
    p = ra.prepare_file(engine, registry_file.ESTATES, csv_bytes(E_COLS, [rows["LAT-KRABANG"], NEW_ESTATE]), "fix.csv")
    done = ra.apply(engine, p.change, ADMIN)
    assert done.added == ("NEW-ESTATE",) and done.changed == ("LAT-KRABANG",)
    assert done.data_version == data_version(engine) == before + 1
    assert edited(engine) is not None
    assert estate_row(engine, "LAT-KRABANG").name_en == "Lat Krabang Industrial Estate"
    new = estate_row(engine, "NEW-ESTATE")
    assert (new.lat, new.lon, new.province_pcode, new.area_code) == (12.7, 101.1, "TH21", None)
    [entry] = entries(engine)
    assert (entry.action, entry.actor, entry.target, entry.outcome) == ("registry.changed", "admin", "estates", "ok")
    assert entry.details["counts"]["added"] == 1 and entry.details["counts"]["changed"] == 1
    assert entry.details["added"] == ["NEW-ESTATE"] and entry.details["changed"] == ["LAT-KRABANG"]
    assert entry.details["source"] == "fix.csv"
    # Applying the same change again: the rows now differ from what the preview showed.
    with pytest.raises(ra.RegistryChanged):
        ra.apply(engine, p.change, ADMIN)
    assert data_version(engine) == before + 1


def test_a_later_seed_does_not_revert_the_correction(engine):
    ra.correct_estate(engine, ADMIN, "LAT-KRABANG", name_th="ลาดกระบัง (แก้ไข)")
    ra.move_estate(engine, ADMIN, "NONG-LALOK", "RAYONG-MAP-TA-PHUT")
    v = data_version(engine)
    seed(engine)
    assert estate_row(engine, "LAT-KRABANG").name_th == "ลาดกระบัง (แก้ไข)"
    assert estate_row(engine, "NONG-LALOK").area_code == "RAYONG-MAP-TA-PHUT"
    assert data_version(engine) == v


def test_nothing_to_change_changes_nothing(engine):
    v = data_version(engine)
    p = ra.prepare_file(engine, registry_file.ESTATES, ra.export_csv(engine, registry_file.ESTATES), "same.csv")
    done = ra.apply(engine, p.change, ADMIN)
    assert done.audit_id is None and data_version(engine) == v and edited(engine) is None and entries(engine) == []


def test_moving_an_estate_recomputes_both_areas(engine, make_data):
    for estate, n in (("MAP-TA-PHUT", 0), ("EASTERN-SEABOARD-RAYONG", 5)):  # published at once
        store_submission(engine, make_data(estate, 2566, n=n), filename="x.xlsx", content=estate.encode(),
                         by=system("test"), accept=True)

    def area_estates(code):
        with session_scope(engine) as s:
            row = s.get(m.Assessment, ("area", code, 2566))
            return None if row is None else row.estates

    assert area_estates("RAYONG-MAP-TA-PHUT") == ["MAP-TA-PHUT"]
    assert area_estates("RAYONG-PLUAK-DAENG") == ["EASTERN-SEABOARD-RAYONG"]
    done = ra.move_estate(engine, ADMIN, "MAP-TA-PHUT", "RAYONG-PLUAK-DAENG")
    assert done.moves == (registry_file.Move("MAP-TA-PHUT", "RAYONG-MAP-TA-PHUT", "RAYONG-PLUAK-DAENG"),)
    assert set(done.recomputed_areas) == {"RAYONG-MAP-TA-PHUT", "RAYONG-PLUAK-DAENG"}
    assert area_estates("RAYONG-PLUAK-DAENG") == ["EASTERN-SEABOARD-RAYONG", "MAP-TA-PHUT"]
    assert area_estates("RAYONG-MAP-TA-PHUT") is None  # no estate with data left there
    assert estate_row(engine, "MAP-TA-PHUT").area_code == "RAYONG-PLUAK-DAENG"
    [entry] = entries(engine)
    assert entry.details["moves"] == [{"estate": "MAP-TA-PHUT", "from": "RAYONG-MAP-TA-PHUT",
                                       "to": "RAYONG-PLUAK-DAENG"}]
    # And out of every area.
    ra.move_estate(engine, ADMIN, "MAP-TA-PHUT", None)
    assert estate_row(engine, "MAP-TA-PHUT").area_code is None
    assert area_estates("RAYONG-PLUAK-DAENG") == ["EASTERN-SEABOARD-RAYONG"]


def test_add_and_correct_through_the_form_functions(engine):
    ra.add_estate(engine, ADMIN, **{k: v for k, v in NEW_ESTATE.items() if k != "province_en"})
    ra.add_area(engine, ADMIN, **{**NEW_AREA, "estates": ["NEW-ESTATE", "NONG-LALOK"]})
    assert estate_row(engine, "NEW-ESTATE").area_code == "NEW-AREA"
    ra.correct_area(engine, ADMIN, "NEW-AREA", name_en="New area (corrected)", estates=["NEW-ESTATE"])
    assert estate_row(engine, "NONG-LALOK").area_code is None
    with session_scope(engine) as s:
        assert s.get(m.Area, "NEW-AREA").name_en == "New area (corrected)"
    with pytest.raises(ra.InvalidRegistry) as e:
        ra.add_estate(engine, ADMIN, **{**NEW_ESTATE, "lat": "abc"})
    codes = {(p.code, p.column, p.row, p.cell) for p in e.value.problems}
    assert codes == {("code_exists", "code", None, None), ("not_a_number", "lat", None, None)}
    assert t("registry_admin.field.lat", "th") in [p for p in e.value.problems if p.code == "not_a_number"][0].message("th")
    with pytest.raises(ra.InvalidRegistry) as e:
        ra.correct_estate(engine, ADMIN, "NO-SUCH", name_en="x")
    assert "no_such_code" in {p.code for p in e.value.problems}


# ----------------------------------------------------------------------------- permission


@pytest.mark.parametrize("who", [VIEWER, ANONYMOUS, OFFICER], ids=["viewer", "anonymous", "officer"])
def test_only_administrators_change_the_registry(engine, who):
    v = data_version(engine)
    before = estate_row(engine, "LAT-KRABANG").name_en
    p = ra.prepare_file(engine, registry_file.ESTATES, csv_bytes(E_COLS, [NEW_ESTATE]), "e.csv")
    attempts = [lambda: ra.apply(engine, p.change, who),
                lambda: ra.add_estate(engine, who, **NEW_ESTATE),
                lambda: ra.correct_estate(engine, who, "LAT-KRABANG", name_en="Hacked"),
                lambda: ra.add_area(engine, who, **NEW_AREA),
                lambda: ra.correct_area(engine, who, "SONGKHLA", name_en="Hacked"),
                lambda: ra.move_estate(engine, who, "MAP-TA-PHUT", None)]
    for attempt in attempts:
        with pytest.raises(AccessDenied):
            attempt()
    assert data_version(engine) == v and edited(engine) is None and entries(engine) == []
    assert estate_row(engine, "LAT-KRABANG").name_en == before
    assert estate_row(engine, "MAP-TA-PHUT").area_code == "RAYONG-MAP-TA-PHUT"
    with session_scope(engine) as s:
        assert s.get(m.Estate, "NEW-ESTATE") is None


# ----------------------------------------------------------------------------- hostile text


def test_formula_text_is_neutralised_in_the_export_and_reads_back(engine):
    formula = '=HYPERLINK("http://evil.example","click")'
    ra.correct_estate(engine, ADMIN, "LAT-KRABANG", name_en=formula, name_th="+66 นิคม")
    rows = {r["code"]: r for r in exported(engine, registry_file.ESTATES)}
    assert rows["LAT-KRABANG"]["name_en"] == "'" + formula
    assert rows["LAT-KRABANG"]["name_th"] == "'+66 นิคม"
    wb = load_workbook(io.BytesIO(ra.export_xlsx(engine, registry_file.ESTATES)))
    ws = wb.active
    cells = {ws.cell(r, 1).value: ws.cell(r, 3) for r in range(2, ws.max_row + 1)}
    assert cells["LAT-KRABANG"].value == "'" + formula and cells["LAT-KRABANG"].data_type == "s"
    for content in (ra.export_csv(engine, registry_file.ESTATES), ra.export_xlsx(engine, registry_file.ESTATES)):
        p = ra.prepare_file(engine, registry_file.ESTATES, content, "back")
        assert p.ok and not p.change.has_changes  # the apostrophe is taken off again


@pytest.mark.parametrize("name", ["Robert'); DROP TABLE estates;--", "<script>alert(1)</script> & <b>x</b>",
                                  "50% off_ \\ \" ' ; -- /* */", "ชื่อ $x$ [link](http://x) **bold**"])
def test_sql_and_html_in_names_are_stored_verbatim(engine, name):
    ra.add_estate(engine, ADMIN, **{**NEW_ESTATE, "name_en": name, "province_en": ""})
    assert estate_row(engine, "NEW-ESTATE").name_en == name
    [row] = [r for r in ra.rows(engine, registry_file.ESTATES) if r["code"] == "NEW-ESTATE"]
    assert row["name_en"] == name
    with session_scope(engine) as s:  # the table is still there, with every estate
        assert len(s.scalars(select(m.Estate)).all()) == len(exported(engine, registry_file.ESTATES))
    p = ra.prepare_file(engine, registry_file.ESTATES, ra.export_xlsx(engine, registry_file.ESTATES), "back.xlsx")
    assert p.ok and not p.change.has_changes


def test_sample_counts(engine, make_data):
    assert ra.sample_counts(engine) == (0, 0)
    store_submission(engine, make_data("MAP-TA-PHUT", 2566), filename="s.xlsx", content=b"s", by=system("t"),
                     is_sample=True)
    assert ra.sample_counts(engine) == (1, 1)


def test_the_pages_form_saves_through_save_row(engine):
    fields = {k: v for k, v in NEW_ESTATE.items() if k != "province_en"}
    ra.save_row(engine, ADMIN, registry_file.ESTATES, "add", fields)
    assert estate_row(engine, "NEW-ESTATE") is not None
    ra.save_row(engine, ADMIN, registry_file.AREAS, "add", {**NEW_AREA, "estates": ["NEW-ESTATE"]})
    assert estate_row(engine, "NEW-ESTATE").area_code == "NEW-AREA"
    ra.save_row(engine, ADMIN, registry_file.ESTATES, "correct", {**fields, "name_en": "Corrected"})
    ra.save_row(engine, ADMIN, registry_file.AREAS, "correct", {**NEW_AREA, "name_en": "Area corrected", "estates": []})
    assert (estate_row(engine, "NEW-ESTATE").name_en, estate_row(engine, "NEW-ESTATE").area_code) == (
        "Corrected", None)
    with session_scope(engine) as s:
        assert s.get(m.Area, "NEW-AREA").name_en == "Area corrected"
    with pytest.raises(ra.InvalidRegistry):  # "correct" a row that is not there
        ra.save_row(engine, ADMIN, registry_file.ESTATES, "correct", {**fields, "code": "NO-SUCH"})
    with pytest.raises(AccessDenied):
        ra.save_row(engine, VIEWER, registry_file.ESTATES, "correct", fields)


def test_table_columns():
    assert registry_file.table_columns(registry_file.ESTATES) == [c for c in registry_file.COLUMNS[registry_file.ESTATES] if c != "province_en"] + ["area"]
    assert "province_en" in registry_file.COLUMNS[registry_file.ESTATES]
    assert registry_file.table_columns(registry_file.AREAS) == list(registry_file.COLUMNS[registry_file.AREAS])
    with pytest.raises(ValueError):
        registry_file.table_columns("provinces")
