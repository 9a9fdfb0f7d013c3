"""Every page opens in Thai and English without an exception or an error box, and the
shell behaves: language from the URL and the switch, registry on the overview."""

from __future__ import annotations

import pytest
from helpers.apphelp import APP, PAGES, ROOT, TIMEOUT, act_as, problems
from streamlit.testing.v1 import AppTest

from ecocity.i18n import t


def test_the_router_has_pages():
    assert "views/overview.py" in PAGES


def test_no_legacy_pages_folder():
    # A folder named pages/ beside app.py switches Streamlit to its old multipage mode,
    # in which AppTest reruns a page without app.py (no language, no navigation).
    assert not (ROOT / "pages").exists(), "put page scripts in views/, not pages/"


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_error(open_app, page, lang):
    at = open_app(lang=lang, page=page)
    assert problems(at) == []
    assert at.title, f"{page} shows no title"


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_for_an_administrator(open_app, page, lang):
    from ecocity.core.access import Actor

    at = act_as(open_app(lang=lang), Actor("admin1", "admin", display_name="Admin"))
    at.switch_page(page).run()
    assert problems(at) == []
    assert at.title, f"{page} shows no title"
    guard = {t("auth.guard.title_sign_in", lang), t("auth.guard.title_denied", lang)}
    assert not guard & {x.value for x in at.title}, f"{page} refused an administrator"


def test_new_pages_are_registered():
    for page in ("views/sign_in.py", "views/admin_users.py", "views/admin_audit.py",
                 "views/admin_registry.py", "views/admin_framework.py"):
        assert page in PAGES


def test_overview_lists_the_areas_in_thai_by_default(open_app):
    at = open_app()
    assert at.title[0].value == t("app.overview.title", "th")
    labels = [e.label for e in at.expander]
    assert t("app.overview.estates_of", "th", area="ระยอง - มาบตาพุด") in labels
    table = at.dataframe[0].value
    assert "ระยอง - มาบตาพุด" in set(table[t("app.overview.col_area", "th")])
    assert "ภาคตะวันออก" in set(table[t("app.overview.col_region", "th")])


def test_overview_lists_the_areas_in_english(open_app):
    at = open_app(lang="en")
    assert at.title[0].value == t("app.overview.title", "en")
    table = at.dataframe[0].value
    assert "Rayong - Map Ta Phut" in set(table["Area"])
    assert set(table.columns) == {"Area", "Province", "Region", "Estates"}  # no data: no level columns
    row = table[table["Area"] == "Rayong - Map Ta Phut"].iloc[0]
    assert (row["Province"], row["Region"], row["Estates"]) == ("Rayong", "East", 6)
    expander = next(e for e in at.expander if e.label == "Industrial estates in Rayong - Map Ta Phut")
    assert "Map Ta Phut" in expander.markdown[0].value


def test_about_data_names_the_sources(open_app):
    at = open_app(lang="en")
    about = next(e for e in at.expander if e.label == t("app.about.title", "en"))
    text = about.markdown[0].value
    assert "CC BY-IGO" in text and "data/README.md" in text


def test_language_switch_changes_text_and_url(open_app):
    at = open_app()
    assert at.query_params["lang"] == "th"
    at.radio(key="lang").set_value("en").run()
    assert at.title[0].value == t("app.overview.title", "en")
    assert at.query_params["lang"] == "en"
    at.radio(key="lang").set_value("th").run()
    assert at.title[0].value == t("app.overview.title", "th")
    assert at.query_params["lang"] == "th"


def test_unknown_language_in_url_falls_back_to_thai(open_app):
    at = open_app(lang="xx")
    assert problems(at) == []
    assert at.title[0].value == t("app.overview.title", "th")


def test_ecocity_lang_sets_the_default(open_app, monkeypatch):
    monkeypatch.setenv("ECOCITY_LANG", "en")
    at = open_app()
    assert at.title[0].value == t("app.overview.title", "en")


def test_unreachable_database_shows_a_message_not_a_traceback(monkeypatch):
    # Port 1 on loopback refuses at once: the PostgreSQL server is down.
    monkeypatch.setenv("ECOCITY_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/ecocity")
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [t("app.error.database", "en")]


def _store(engine_url: str, make_data, *, is_sample: bool) -> None:
    from ecocity.core.access import system
    from ecocity.store.db import make_engine
    from ecocity.store.versions import store_submission

    engine = make_engine(engine_url)
    try:
        # accepted at once, as `ecocity import --accept` and the sample loader store: published
        store_submission(engine, make_data("MAP-TA-PHUT", 2566), filename="map-ta-phut-2566.xlsx",
                         content=b"test workbook", by=system("apptest"), is_sample=is_sample, accept=True)
    finally:
        engine.dispose()


def test_overview_shows_latest_level_once_an_area_is_assessed(open_app, app_env, make_data):
    _store(app_env, make_data, is_sample=False)
    at = open_app(lang="en")
    assert problems(at) == []
    assert at.query_params["year"] == "2566"
    table = at.dataframe(key="ranking").value
    assert list(table["Area"]) == ["Rayong - Map Ta Phut"]  # the only area assessed
    assert t("app.overview.sample_notice", "en") not in [i.value for i in at.info]


def test_sample_data_is_labelled(open_app, app_env, make_data):
    _store(app_env, make_data, is_sample=True)
    at = open_app(lang="th")
    assert t("app.overview.sample_notice", "th") in [i.value for i in at.info]
