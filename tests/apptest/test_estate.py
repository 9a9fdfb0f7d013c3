"""The Estate page with the sample data (Thai and English) and with an empty database: a link
opens that estate and year; every indicator is listed with value, level, next threshold and
trend; missing values shown as missing; the area linked; the versions of MAP-TA-PHUT 2566
listed and compared; restoring version 1 through the page creates version 3 with its values."""

from __future__ import annotations

import pytest
from helpers.apphelp import problems
from helpers.sampledb import _sample_template, page_at, sample_url  # noqa: F401 (fixtures)

from ecocity.core.access import Actor
from ecocity.core.framework import load_framework
from ecocity.i18n import t

PAGE = "views/estate.py"
SOMCHAI = Actor("somchai", "officer", frozenset({"MAP-TA-PHUT"}), display_name="Somchai")
ADMIN = Actor("admin", "admin", display_name="Admin")


def _open(page_at, url, lang="th", actor=None, **params):
    at = page_at(url, PAGE, lang, actor, **params)
    assert problems(at) == []
    return at


def _table(at, column_key: str, lang: str):
    col = t(column_key, lang)
    return next(df.value for df in at.dataframe if col in df.value.columns)


def _text(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
    parts += [s.value for s in at.success] + [h.value for h in at.header] + [h.value for h in at.subheader]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_estate_page_shows_every_indicator_and_the_versions(page_at, sample_url, lang):
    fw = load_framework()
    at = _open(page_at, sample_url, lang, estate="MAP-TA-PHUT", year="2566")
    assert at.title[0].value == ("นิคมอุตสาหกรรมมาบตาพุด" if lang == "th" else "Map Ta Phut IE")
    assert at.query_params["estate"] == "MAP-TA-PHUT" and at.query_params["year"] == "2566"

    table = _table(at, "estate.indicators.col_next", lang)
    assert len(table) == 23 and list(table[t("estate.indicators.col_code", lang)]) == list(fw.codes)
    env01 = table[table[t("estate.indicators.col_code", lang)] == "ENV-01"].iloc[0]
    assert env01[t("estate.indicators.col_value", lang)] == ("12 เรื่อง/ปี" if lang == "th" else "12 cases/yr")
    trends = table[t("estate.indicators.col_trend", lang)]
    assert all(len(v) >= 2 for v in trends)  # 2559-2566: several fiscal years each

    text = _text(at)
    area = "ระยอง - มาบตาพุด" if lang == "th" else "Rayong - Map Ta Phut"
    assert any(area in link.label for link in at.get("page_link"))
    # what it needs for the next level, read aloud: "<indicator> 96.8 → at least 98 %"
    assert t("estate.gap.heading", lang, level="4 · Eco-World Class") in text
    assert any(m.value.startswith("- **") and "→" in m.value for m in at.markdown)

    versions = _table(at, "detail.versions.col_outcome", lang)
    assert list(versions[t("detail.versions.col_version", lang)]) == [2, 1]
    changes = _table(at, "estate.compare.col_old", lang)
    assert list(changes[t("estate.compare.col_code", lang)]) == ["ENV-01"]


def test_missing_values_are_shown_as_missing(page_at, sample_url):
    at = _open(page_at, sample_url, "en", estate="BANG-PHLI", year="2568")
    table = _table(at, "estate.indicators.col_next", "en")
    missing = table[table["Value"] == t("common.missing", "en")]
    assert len(missing) >= 1
    assert set(missing["Level met"]) == {t("estate.indicators.missing_level", "en")}
    assert set(missing["Next threshold"]) == {t("detail.needs_value", "en")}


def test_a_year_without_data_says_so_and_lists_the_years_with_data(page_at, sample_url):
    at = _open(page_at, sample_url, "en", estate="TFD-1", year="2560")
    text = _text(at)
    assert t("estate.no_data_year", "en", year="FY 2560 (B.E.)") in text
    assert "2563" in text


def test_without_an_estate_the_page_lists_the_years_estates(page_at, sample_url):
    at = _open(page_at, sample_url, "th", year="2559")
    table = _table(at, "estate.list.completeness", "th")
    assert len(table) == 6  # six estates reported in fiscal year 2559


def test_restoring_version_1_through_the_page_creates_version_3(page_at, sample_url):
    from ecocity.store import queries as iq
    from ecocity.store.db import make_engine, session_scope

    at = _open(page_at, sample_url, "en", SOMCHAI, estate="MAP-TA-PHUT", year="2566")
    at.selectbox(key="estate_restore_pick_MAP-TA-PHUT_2566_2").select(1).run()
    at.button(key="estate_restore").click().run()
    assert problems(at) == []
    assert t("estate.restore.recorded_as", "en", who="Somchai (somchai)") in _text(at)  # the signed-in officer
    at.button(key="estate_restore_confirm").click().run()
    assert problems(at) == []

    assert any("restored as the new version 3" in s.value for s in at.success)
    versions = _table(at, "detail.versions.col_outcome", "en")
    assert list(versions["Version"]) == [3, 2, 1]
    top = versions.iloc[0]
    # Sample data has no reviewer: the restored sample version is published (and accepted) at once.
    assert top["Published"] == "✓" and top["Review"] == t("review.status.accepted", "en")
    assert top["How"].startswith("restored from version 1") and top["Stored by"] == "somchai"
    engine = make_engine(sample_url)
    try:
        with session_scope(engine) as s:
            vals = iq.version_values(s, "MAP-TA-PHUT", 2566)
    finally:
        engine.dispose()
    assert vals[3] == vals[1] and vals[3]["ENV-01"] != vals[2]["ENV-01"]
    # the page reads fresh data: the indicator table now shows version 1's complaints
    table = _table(at, "estate.indicators.col_next", "en")
    env01 = table[table["Code"] == "ENV-01"].iloc[0]
    assert env01["Value"] == f"{vals[1]['ENV-01']:g} cases/yr"


def test_cancelling_a_restore_changes_nothing(page_at, sample_url):
    at = _open(page_at, sample_url, "th", ADMIN, estate="MAP-TA-PHUT", year="2566")
    at.button(key="estate_restore").click().run()
    at.button(key="estate_restore_cancel").click().run()
    assert problems(at) == []
    assert not [b for b in at.button if b.key == "estate_restore_confirm"]
    assert list(_table(at, "detail.versions.col_outcome", "th")[t("detail.versions.col_version", "th")]) == [2, 1]


@pytest.mark.parametrize("who", ["anonymous", "viewer", "other estate's officer"])
def test_restore_and_original_files_only_for_the_estates_officers_and_admins(page_at, sample_url, who):
    actor = {"anonymous": None, "viewer": Actor("vina", "viewer"),
             "other estate's officer": Actor("pim", "officer", frozenset({"PADAENG"}))}[who]
    at = _open(page_at, sample_url, "en", actor, estate="MAP-TA-PHUT", year="2566")
    assert not [b for b in at.button if b.key == "estate_restore"]
    text = _text(at)
    assert t("estate.restore.not_allowed", "en", current=2) in text
    assert t("estate.uploads.not_allowed", "en") in text
    assert not [d for d in at.get("download_button") if "estate_log_dl_" in (d.proto.id or "") or "estate_dl_" in (d.proto.id or "")]
    assert len(_table(at, "detail.versions.col_outcome", "en")) == 2  # the versions are still listed


def test_the_estates_officer_sees_restore_and_the_original_files(page_at, sample_url):
    at = _open(page_at, sample_url, "en", SOMCHAI, estate="MAP-TA-PHUT", year="2566")
    assert [b for b in at.button if b.key == "estate_restore"]
    assert t("estate.restore.not_allowed", "en", current=2) not in _text(at)
    assert [d for d in at.get("download_button") if "estate_log_dl_" in (d.proto.id or "")]


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("params", [{}, {"estate": "MAP-TA-PHUT"}, {"estate": "NO-SUCH-ESTATE"}])
def test_empty_database(page_at, db_url, lang, params):
    at = _open(page_at, db_url, lang, **params)
    assert at.title
    assert t("widgets.empty.title", lang) in _text(at)


# ----------------------------------------------------------------------------- security review

EVIL = "**[x](https://evil.example)**.xlsx"  # a file name that is Markdown with a link


def _log_evil_upload(url: str) -> int:
    from ecocity.store.db import make_engine
    from ecocity.store.uploads import log_rejected

    engine = make_engine(url)
    try:
        return log_rejected(engine, EVIL, b"not a workbook", [], by=SOMCHAI, estate_code="MAP-TA-PHUT",
                            fiscal_year=2566)
    finally:
        engine.dispose()


def _markdown_bodies(at) -> list[str]:
    return [m.value for m in at.markdown] + [c.value for c in at.caption]


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_the_upload_log_is_not_shown_to_viewers_or_anonymous_visitors(page_at, sample_url, who):
    _log_evil_upload(sample_url)
    actor = None if who == "anonymous" else Actor("vina", "viewer")
    at = _open(page_at, sample_url, "en", actor, estate="MAP-TA-PHUT", year="2566")
    assert not [e for e in at.expander if t("estate.uploads.heading", "en", n=1).split("(")[0] in e.label]
    assert t("estate.uploads.hidden", "en") in _text(at)
    assert not [b for b in _markdown_bodies(at) if "evil.example" in b or ".xlsx" in b]
    # who stored each version is an account name: not for them
    assert t("detail.versions.col_by", "en") not in _table(at, "detail.versions.col_outcome", "en").columns


def test_the_estates_officer_sees_the_upload_log_with_names_as_text(page_at, sample_url):
    from ecocity.core.textsafe import md_escape

    _log_evil_upload(sample_url)
    at = _open(page_at, sample_url, "en", SOMCHAI, estate="MAP-TA-PHUT", year="2566")
    bodies = _markdown_bodies(at)
    assert any(md_escape(EVIL) in b for b in bodies)  # listed, escaped
    assert not [b for b in bodies if "[x](https://evil.example)" in b]  # never a link
    assert t("estate.uploads.hidden", "en") not in _text(at)
    assert t("detail.versions.col_by", "en") in _table(at, "detail.versions.col_outcome", "en").columns


def test_another_estates_officer_sees_only_their_own_uploads_in_the_log(page_at, sample_url):
    _log_evil_upload(sample_url)  # by somchai, of MAP-TA-PHUT
    pim = Actor("pim", "officer", frozenset({"PADAENG"}))
    at = _open(page_at, sample_url, "en", pim, estate="MAP-TA-PHUT", year="2566")
    assert not [b for b in _markdown_bodies(at) if "evil" in b or ".xlsx" in b]
    assert t("estate.uploads.hidden", "en") in _text(at)


def test_the_version_tables_file_names_are_neutralised_for_the_csv_export(page_at, sample_url, make_data):
    from ecocity.store.db import make_engine
    from ecocity.store.versions import store_submission

    formula = '=HYPERLINK("https://evil.example").xlsx'
    engine = make_engine(sample_url)
    try:
        store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=7), filename=formula, content=b"x", by=SOMCHAI)
    finally:
        engine.dispose()
    at = _open(page_at, sample_url, "en", SOMCHAI, estate="MAP-TA-PHUT", year="2566")
    versions = _table(at, "detail.versions.col_outcome", "en")
    assert list(versions["Version"]) == [3, 2, 1] and versions["File"].iloc[0] == "'" + formula


class _Downloads:
    """Records the data of every download button the page draws (DeltaGenerator's method:
    the Estate page draws them in columns)."""

    def __init__(self, monkeypatch):
        from streamlit.delta_generator import DeltaGenerator

        self.data: dict[str, object] = {}
        real = DeltaGenerator.download_button

        def spy(dg, label, data, *args, **kwargs):
            self.data[kwargs.get("key") or label] = data
            return real(dg, label, data, *args, **kwargs)

        monkeypatch.setattr(DeltaGenerator, "download_button", spy)


def test_a_download_reads_the_actor_when_clicked_not_when_drawn(page_at, sample_url, monkeypatch):
    """An officer signed in draws the page; an administrator disables the account; a click
    on a download drawn before is then refused by the store."""
    from helpers.apphelp import sign_in

    from ecocity.core.access import AccessDenied, system
    from ecocity.store.db import make_engine
    from ecocity.store.users import create_user, disable_user

    password = "a long pass phrase 42"
    engine = make_engine(sample_url)
    try:
        create_user(engine, system("test"), "somsak", role="officer", estates=["MAP-TA-PHUT"], password=password)
        downloads = _Downloads(monkeypatch)
        at = _open(page_at, sample_url, "en", None, estate="MAP-TA-PHUT", year="2566")
        sign_in(at, "somsak", password, "en")
        at.switch_page(PAGE).run()
        assert problems(at) == [] and at.session_state["auth.session"]["username"] == "somsak"
        readers = {k: v for k, v in downloads.data.items() if str(k).startswith(("estate_dl_", "estate_log_dl_"))}
        assert readers and all(callable(r) for r in readers.values())
        assert all(r() for r in readers.values())  # allowed while the account is active
        disable_user(engine, system("test"), "somsak")
        for read in readers.values():
            with pytest.raises(AccessDenied):
                read()
    finally:
        engine.dispose()
