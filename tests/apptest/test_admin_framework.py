"""The Framework administration page on the sample data: an administrator sees the
framework in force, uploads a broken file (its problems listed), a modified one (summary,
differences and the preview of level changes), activates it after confirming, and the
Method page then shows the new version; an officer and a viewer are refused. SQLite, and
PostgreSQL when ECOCITY_TEST_DATABASE_URL is set."""

from __future__ import annotations

import hashlib

import pytest
from helpers.apphelp import ROOT, TIMEOUT, on_database, problems, texts
from helpers.sampledb import _sample_template, sample_url  # noqa: F401 (fixtures)
from streamlit.testing.v1 import AppTest

from ecocity.core.access import Actor
from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH
from ecocity.core.textsafe import md_escape
from ecocity.i18n import t
from ecocity.store import audit, make_engine, session_scope
from ecocity.store.inforce import framework_in_force
from ecocity.ui.auth import ACTOR_KEY

PAGE = str(ROOT / "views" / "admin_framework.py")
METHOD = str(ROOT / "views" / "method.py")
ADMIN = Actor(username="admin1", role="admin", display_name="Admin One")
DEFAULT_TEXT = DEFAULT_FRAMEWORK_PATH.read_text("utf-8")
DEFAULT_FRAMEWORK_SHA = hashlib.sha256(DEFAULT_FRAMEWORK_PATH.read_bytes()).hexdigest()
V2 = (DEFAULT_TEXT.replace("version = 1", "version = 2", 1).replace("pass_share = 0.75", "pass_share = 0.5", 1)
      .replace("thresholds = [5, 10, 12, 15, 20]", "thresholds = [5, 10, 30, 40, 50]", 1))
BROKEN = (DEFAULT_TEXT.replace('direction = "higher"', 'direction = "upwards"', 1)
          .replace('dimension = "economic"', 'dimension = "economy"', 1))


@pytest.fixture
def open_page(sample_url, monkeypatch):
    monkeypatch.setenv("ECOCITY_DATABASE_URL", sample_url)
    monkeypatch.delenv("ECOCITY_LANG", raising=False)

    def open_(path: str, actor: Actor | None, lang: str = "th") -> AppTest:
        at = AppTest.from_file(path, default_timeout=TIMEOUT)
        at.session_state["lang"] = lang
        if actor is not None:
            at.session_state[ACTOR_KEY] = actor
        return at.run()

    return open_


def table(at: AppTest, column: str, without: str = ""):
    """The one table on screen with a column ``column`` and none ``without`` (dataframes
    carry no key in AppTest)."""
    found = [d.value for d in at.dataframe if column in d.value.columns and without not in d.value.columns]
    assert len(found) == 1, f"{len(found)} tables with column {column!r}"
    return found[0]


def upload(at: AppTest, name: str, text: str) -> AppTest:
    return at.file_uploader(key="fwadm_file").set_value((name, text.encode("utf-8"), "application/toml")).run()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_admin_uploads_previews_and_activates_and_method_follows(open_page, sample_url, lang):
    method = open_page(METHOD, None, lang)  # another user's page, warm on version 1
    assert problems(method) == [] and t("method.sha", lang, sha=DEFAULT_FRAMEWORK_SHA) in texts(method)

    at = open_page(PAGE, ADMIN, lang)
    assert problems(at) == []
    assert at.title[0].value == t("framework_admin.title", lang)
    shown = texts(at)
    assert "eit-default@1" in shown and t("framework_admin.in_force.heading", lang) in shown
    assert at.get("download_button")[0].proto.label == t("framework_admin.in_force.download", lang)

    # a broken file: every problem listed, nothing to activate
    at = upload(at, "broken.toml", BROKEN)
    assert [e.value for e in at.exception] == []
    assert [e.value for e in at.error] == [t("framework_admin.upload.rejected", lang, name=md_escape("broken.toml"), n=2)]
    listed = table(at, t("framework_admin.upload.col_entry", lang))
    assert list(listed[t("framework_admin.upload.col_entry", lang)]) == ["indicator 'PHY-01'", "indicator 'ECO-01'"]
    said = list(listed[t("framework_admin.upload.col_problem", lang)])
    assert said[1] == t("framework_rule.unknown_dimension", lang, dimension="economy",
                        known="economic, environment, management, physical, social")
    assert not [b for b in at.button if b.key == "fwadm_new_activate"]

    # a modified framework: summary, differences, preview, then activation after confirming
    at = upload(at, "eit-v2.toml", V2)
    assert problems(at) == []
    shown = texts(at)
    assert "eit-default@2" in shown and t("framework_admin.preview.heading", lang) in shown
    thresholds = table(at, t("framework_admin.diff.col_old", lang), t("framework_admin.diff.col_setting", lang))
    assert list(thresholds[t("framework_admin.diff.col_code", lang)]) == ["PHY-01"]
    metrics = {mt.label: mt.value for mt in at.metric}
    moved = sum(int(metrics[t(f"framework_admin.preview.{k}", lang)])
                for k in ("areas_up", "areas_down", "estates_up", "estates_down"))
    assert moved > 0
    rows = table(at, t("framework_admin.preview.col_move", lang))
    assert len(rows) == moved  # only the rows that move, each with its name
    assert rows[t("framework_admin.preview.col_name", lang)].str.len().min() > 0
    button = at.button(key="fwadm_new_activate")
    assert button.disabled  # not before the confirmation
    at.checkbox(key="fwadm_new_sure").check().run()
    at.button(key="fwadm_new_activate").click().run()
    assert problems(at) == []
    assert t("framework_admin.done", lang, to="eit-default@2", frm="eit-default@1", n=moved) in texts(at)
    assert t("framework_admin.in_force.line", lang, name="Default indicator set" if lang == "en" else
             "ชุดตัวชี้วัดเริ่มต้น", version="eit-default@2", sha=fw2_sha(sample_url)[:12]) in texts(at)

    entry = last_activation(sample_url)
    assert (entry.actor, entry.outcome, entry.details["levels_changed"]) == ("admin1", "ok", moved)

    # the Method page, already open (its framework cached on version 1), shows version 2
    # on its next run, as any replica would: the activation changed the data token
    method.run()
    assert problems(method) == []
    name = "Default indicator set" if lang == "en" else "ชุดตัวชี้วัดเริ่มต้น"
    assert t("method.framework", lang, name=name, id="eit-default", version=2,
             file=t("framework_admin.method_stored", lang)) in texts(method)
    assert t("method.sha", lang, sha=fw2_sha(sample_url)) in texts(method)


def fw2_sha(url: str) -> str:
    return on_database(url, lambda engine: framework_in_force(engine).sha256)


def last_activation(url: str) -> audit.AuditInfo:
    def read(engine) -> audit.AuditInfo:
        with session_scope(engine) as s:
            return audit.list_entries(s, action="framework.activated")[0]
    return on_database(url, read)


def test_admin_rolls_back_to_the_recorded_version(open_page, sample_url):
    at = open_page(PAGE, ADMIN, "en")
    at = upload(at, "eit-v2.toml", V2)
    at.checkbox(key="fwadm_new_sure").check().run()
    at.button(key="fwadm_new_activate").click().run()
    forward = last_activation(sample_url)
    assert forward.details["to"] == "eit-default@2" and forward.details["levels_changed"] > 0
    at.button(key="fwadm_pick_eit-default@1").click().run()
    assert problems(at) == []
    assert t("framework_admin.versions.rollback_heading", "en", version="eit-default@1") in texts(at)
    assert len(table(at, t("framework_admin.preview.col_move", "en"))) == forward.details["levels_changed"]
    at.checkbox(key="fwadm_rb_sure").check().run()
    at.button(key="fwadm_rb_activate").click().run()
    assert problems(at) == []
    back = last_activation(sample_url)
    assert (back.details["from"], back.details["to"], back.details["rollback"]) == (
        "eit-default@2", "eit-default@1", True)
    assert back.details["levels_changed"] == forward.details["levels_changed"]
    assert t("framework_admin.done", "en", to="eit-default@1", frm="eit-default@2",
             n=back.details["levels_changed"]) in texts(at)
    assert fw2_sha(sample_url) == DEFAULT_FRAMEWORK_SHA


@pytest.mark.parametrize("role", ["officer", "viewer"])
def test_others_are_refused(open_page, role):
    actor = Actor(username=f"{role}1", role=role, estates=frozenset({"MAP-TA-PHUT"}) if role == "officer"
                  else frozenset())
    at = open_page(PAGE, actor, "en")
    assert [e.value for e in at.exception] == []
    assert not at.file_uploader and not [b for b in at.button if (b.key or "").startswith("fwadm")]
    assert not at.get("download_button")
    assert "eit-default@1" not in texts(at)


def test_the_download_name_of_the_framework_in_force_is_a_safe_base_name(open_page, sample_url, monkeypatch):
    """The framework's id comes from a file an administrator uploaded: the name offered for
    its download is a base name without path or reserved characters (security review)."""
    import streamlit as st

    from ecocity.store.frameworks import activate

    engine = make_engine(sample_url)
    try:
        activate(engine, DEFAULT_TEXT.replace('id = "eit-default"', 'id = "../../evil|x"', 1), ADMIN,
                 filename="evil.toml")
    finally:
        engine.dispose()
    names: dict[str, str] = {}
    real = st.download_button

    def spy(label, data, *args, **kwargs):
        names[kwargs.get("key") or label] = kwargs.get("file_name")
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    at = open_page(PAGE, ADMIN, "en")
    assert problems(at) == []
    assert names["fwadm_download"] == "evilx-v1.toml"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_limit_stated_is_the_limit_the_uploader_enforces(open_page, sample_url, lang):
    """The caption says "at most 1 MB" and the uploader refuses a file over 1 MB (Streamlit
    would otherwise allow the server's 10 MB); its own texts come from the catalogue."""
    from ecocity.store.frameworks import MAX_FRAMEWORK_BYTES
    from ecocity.ui.widgets import uploader_css, uploader_texts

    at = open_page(PAGE, ADMIN, lang)
    assert problems(at) == []
    mb = MAX_FRAMEWORK_BYTES // 2**20
    assert mb == 1
    up = at.file_uploader(key="fwadm_file")
    assert up.proto.max_upload_size_mb == mb
    assert t("framework_admin.upload.intro", lang, mb=mb) in [c.value for c in at.caption]
    assert uploader_css("fwadm_file", uploader_texts(lang, mb, ["toml"])) in [h.proto.body for h in at.get("html")]
