"""The registry administration page in AppTest (through the router, SQLite and PostgreSQL):
refused to a viewer, an anonymous visitor and an officer; as an administrator it shows
the tables, stores a corrected estate name through the form, lists the cells of a bad
upload, previews and stores a good one, and removes the sample data after a confirmation."""

from __future__ import annotations

import csv
import io

import pytest
from helpers.apphelp import APP, TIMEOUT, crashes, texts
from streamlit.testing.v1 import AppTest

from ecocity.core.access import ANONYMOUS, Actor, system
from ecocity.i18n import t
from ecocity.io import registry_file
from ecocity.store import audit, make_engine, session_scope
from ecocity.store import models as m
from ecocity.store import registry as ra
from ecocity.store.db import data_version
from ecocity.store.versions import store_submission

PAGE = "views/admin_registry.py"
ADMIN = Actor("admin", "admin")
OFFICER = Actor("somchai", "officer", estates=frozenset({"MAP-TA-PHUT"}))


@pytest.fixture
def engine(app_env):
    eng = make_engine(app_env)
    yield eng
    eng.dispose()


def open_page(actor, lang: str = "th") -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.session_state["auth.actor"] = actor
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(PAGE).run()
    return at


def widget(items, prefix: str):
    [w] = [x for x in items if (x.key or "").startswith(prefix)]
    return w


def estate_name(engine, code: str) -> str:
    with session_scope(engine) as s:
        return s.get(m.Estate, code).name_en


@pytest.mark.parametrize("who", [ANONYMOUS, Actor("vera", "viewer"), OFFICER], ids=["anonymous", "viewer", "officer"])
def test_the_page_refuses_everyone_but_administrators(app_env, engine, who):
    at = open_page(who, "en")
    assert crashes(at) == []
    assert t("registry_admin.title", "en") not in [x.value for x in at.title]
    assert len(at.dataframe) == 0 and len(at.file_uploader) == 0 and len(at.get("download_button")) == 0
    assert not [b for b in at.button if (b.key or "").startswith("ra_")]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_an_administrator_sees_the_tables_and_downloads(app_env, engine, lang):
    at = open_page(ADMIN, lang)
    assert crashes(at) == [] and not at.exception
    assert at.title[0].value == t("registry_admin.title", lang)
    estates, areas = (d.value for d in at.dataframe)  # the Estates tab, then the Areas tab
    assert len(estates) == len(ra.rows(engine, registry_file.ESTATES)) and len(areas) == len(ra.rows(engine, registry_file.AREAS))
    assert "Lat Krabang IE" in set(estates[t("registry_admin.field.name_en", lang)])
    assert {d.key for d in at.get("download_button")} >= {"ra_download_csv_estates", "ra_download_xlsx_estates",
                                                          "ra_download_csv_areas", "ra_download_xlsx_areas"}
    assert t("registry_admin.from_files", lang) in texts(at, unescape=True)
    assert t("registry_admin.sample.none", lang) in texts(at, unescape=True)


def test_the_form_stores_a_corrected_estate_name(app_env, engine):
    at = open_page(ADMIN, "en")
    at.selectbox(key="ra_pick_estates").set_value("LAT-KRABANG").run()
    name = widget(at.text_input, "ra_f_estates_name_en_correct_LAT-KRABANG")
    assert name.value == "Lat Krabang IE"
    v = data_version(engine)
    name.set_value("Lat Krabang <Industrial> Estate *")  # a form: sent with its submit button
    at.button(key="ra_save_estates").click().run()
    assert crashes(at) == [] and not at.exception
    assert estate_name(engine, "LAT-KRABANG") == "Lat Krabang <Industrial> Estate *"
    assert data_version(engine) == v + 1
    assert t("registry_admin.applied.done", "en", added=0, changed=1, moved=0) in texts(at, unescape=True)
    assert t("registry_admin.from_files", "en") not in texts(at, unescape=True)  # the registry is now the database's
    with session_scope(engine) as s:
        [entry] = audit.list_entries(s, action="registry")
    assert entry.actor == "admin" and entry.details["changed"] == ["LAT-KRABANG"]
    table = at.dataframe[0].value
    assert "Lat Krabang <Industrial> Estate *" in set(table[t("registry_admin.field.name_en", "en")])


def test_the_form_shows_problems_and_stores_nothing(app_env, engine):
    at = open_page(ADMIN, "en")
    at.selectbox(key="ra_pick_estates").set_value("LAT-KRABANG").run()
    widget(at.text_input, "ra_f_estates_lat_correct_LAT-KRABANG").set_value("north")
    v = data_version(engine)
    at.button(key="ra_save_estates").click().run()
    assert crashes(at) == []
    assert data_version(engine) == v
    shown = texts(at, unescape=True)
    assert "not_a_number" in shown and "north" in shown


def _csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=list(registry_file.COLUMNS[registry_file.ESTATES]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def _estate(**kw: str) -> dict[str, str]:
    return {"code": "NEW-ESTATE", "name_th": "นิคมใหม่", "name_en": "New IE", "province_pcode": "TH21",
            "province_en": "", "region": "East", "lat": "12.7", "lon": "101.1", "source_checked": "no", **kw}


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_bad_upload_lists_its_cells_and_stores_nothing(app_env, engine, lang):
    at = open_page(ADMIN, lang)
    v = data_version(engine)
    bad = _csv([_estate(), _estate(code="OTHER", region="Mars", lat="95")])
    widget(at.file_uploader, "ra_upload_estates").set_value(("estates.csv", bad, "text/csv")).run()
    assert crashes(at) == []
    shown = texts(at, unescape=True)
    assert t("registry_admin.problems", lang, count=2) in shown
    assert "F3" in shown and "G3" in shown and "Mars" in shown
    assert "unknown_region" in shown and "outside_thailand" in shown
    assert not [b for b in at.button if b.key == "ra_confirm_estates"]
    assert data_version(engine) == v


def test_a_good_upload_is_previewed_then_stored_on_confirm(app_env, engine):
    at = open_page(ADMIN, "en")
    rows = list(csv.DictReader(io.StringIO(ra.export_csv(engine, registry_file.ESTATES).decode("utf-8-sig"))))
    for r in rows:
        if r["code"] == "BANG-CHAN":
            r["name_en"] = "Bang Chan Industrial Estate"
    content = _csv([*rows, _estate()])
    widget(at.file_uploader, "ra_upload_estates").set_value(("estates.csv", content, "text/csv")).run()
    assert crashes(at) == []
    shown = texts(at, unescape=True)
    assert "Bang Chan IE → Bang Chan Industrial Estate" in shown and "NEW-ESTATE" in shown
    v = data_version(engine)
    at.button(key="ra_confirm_estates").click().run()
    assert crashes(at) == []
    assert estate_name(engine, "BANG-CHAN") == "Bang Chan Industrial Estate"
    assert estate_name(engine, "NEW-ESTATE") == "New IE"
    assert data_version(engine) == v + 1
    assert t("registry_admin.applied.done", "en", added=1, changed=1, moved=0) in texts(at, unescape=True)


def test_sample_data_is_removed_after_a_confirmation(app_env, engine, make_data):
    store_submission(engine, make_data("MAP-TA-PHUT", 2566), filename="s.xlsx", content=b"s", by=system("t"),
                     is_sample=True)
    at = open_page(ADMIN, "en")
    assert t("registry_admin.sample.count", "en", submissions=1, uploads=1) in texts(at, unescape=True)
    at.button(key="ra_sample_remove").click().run()
    assert ra.sample_counts(engine) == (1, 1)  # asked first
    assert t("registry_admin.sample.confirm_text", "en", submissions=1, uploads=1) in texts(at, unescape=True)
    at.button(key="ra_sample_cancel").click().run()
    assert ra.sample_counts(engine) == (1, 1)
    at.button(key="ra_sample_remove").click().run()
    at.button(key="ra_sample_confirm").click().run()
    assert crashes(at) == []
    assert ra.sample_counts(engine) == (0, 0)
    assert t("registry_admin.sample.removed", "en", submissions=1, uploads=1) in texts(at, unescape=True)


def test_the_registry_tables_neutralise_formulas_for_their_csv_export(engine):
    """The on-screen table's toolbar exports CSV (without neutralising): a name that a
    spreadsheet would run as a formula is shown with the apostrophe the CSV download gives
    it (security review)."""
    formula = '=HYPERLINK("https://evil.example","Map Ta Phut")'
    ra.correct_estate(engine, ADMIN, "MAP-TA-PHUT", name_en=formula)
    at = open_page(ADMIN, "en")
    assert crashes(at) == []
    name = t("registry_admin.field.name_en", "en")
    [table] = [d.value for d in at.dataframe if name in d.value.columns and
               "MAP-TA-PHUT" in list(d.value[t("registry_admin.field.code", "en")])]
    row = table[table[t("registry_admin.field.code", "en")] == "MAP-TA-PHUT"].iloc[0]
    assert row[name] == "'" + formula


def test_the_last_change_is_shown_in_thai_time_and_the_buddhist_era(app_env, engine):
    from datetime import datetime

    from ecocity.i18n import fmt_datetime

    at = open_page(ADMIN, "th")
    at.selectbox(key="ra_pick_estates").set_value("LAT-KRABANG").run()
    widget(at.text_input, "ra_f_estates_name_en_correct_LAT-KRABANG").set_value("Lat Krabang Estate")
    at.button(key="ra_save_estates").click().run()
    assert crashes(at) == [] and not at.exception
    edited = datetime.fromisoformat(ra.registry_edited(engine))
    shown = t("registry_admin.edited", "th", at=fmt_datetime(edited, "th"))
    assert shown in texts(at, unescape=True)
    assert str(edited.year + 543) in shown and "UTC" not in shown


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_tables_show_a_dash_for_nothing_and_words_in_the_page_language(app_env, engine, lang):
    """An estate without coordinates shows a dash, not "None"; regions and yes/no are in
    the page's language (the downloads keep the file's own values)."""
    at = open_page(ADMIN, lang)
    assert crashes(at) == []
    estates = at.dataframe[0].value
    col = {c: t(f"registry_admin.field.{c}", lang) for c in ("code", "region", "lat", "source_checked")}
    raw = {r["code"]: r for r in ra.rows(engine, registry_file.ESTATES)}
    no_coords = [c for c, r in raw.items() if r["lat"] is None]
    assert no_coords, "the registry has an estate without coordinates"
    shown = estates.set_index(col["code"])
    assert set(shown.loc[no_coords, col["lat"]]) == {"—"}
    cells = {str(v) for v in estates.to_numpy().ravel()}
    assert "None" not in cells and "nan" not in cells
    regions = set(shown[col["region"]])
    checked = set(shown[col["source_checked"]])
    assert checked <= {t("registry_admin.value.yes", lang), t("registry_admin.value.no", lang)}
    if lang == "th":
        assert "ภาคตะวันออก" in regions and not regions & {"East", "Central", "Central (BMR)"}
        assert not checked & {"yes", "no"}
    else:
        assert "East" in regions
    # The form names the regions in words too; the value stored stays the registry's.
    region = widget(at.selectbox, "ra_f_estates_region_")
    assert region.value in {r["region"] for r in raw.values()}
    assert t("app.region.east", lang) in region.options
