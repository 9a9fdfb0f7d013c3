"""The file uploader helper (ecocity.ui.widgets.file_uploader) without a browser: the texts
that replace Streamlit's own English, the limit it states and enforces, and the CSS that
carries the texts (scoped to one uploader; a text cannot end its rule or the <style>).
The browser test tests/e2e/test_offline_uploader_e2e.py shows the texts on screen."""

from __future__ import annotations

import re

import pytest

from ecocity.i18n import t
from ecocity.ui import widgets


@pytest.mark.parametrize("lang", ["th", "en"])
def test_texts_come_from_the_catalogue_with_the_limit(lang):
    texts = widgets.uploader_texts(lang, 1, ["toml"])
    rule = t("widgets.uploader.limit_types", lang, types=".toml", mb=1)
    assert texts == {"button": t("widgets.uploader.button_one", lang),
                     "instructions": t("widgets.uploader.instructions", lang, rule=rule),
                     "drop": t("widgets.uploader.drop_one", lang),
                     "refused": t("widgets.uploader.refused", lang, rule=rule)}
    many = widgets.uploader_texts(lang, 10, multiple=True)
    assert "10 MB" in many["instructions"] and many["button"] == t("widgets.uploader.button_many", lang)


def test_thai_texts_are_thai():
    texts = widgets.uploader_texts("th", 5)
    assert texts["button"] == "เลือกไฟล์"
    assert texts["instructions"] == "หรือลากไฟล์มาวางที่นี่ · ไม่เกิน 5 MB ต่อไฟล์"


def test_the_css_is_scoped_to_one_uploader_and_escapes_its_texts():
    css = widgets.uploader_css("ra_upload.estates 0", {"button": 'a"b', "instructions": "</style><b>x",
                                                       "drop": "back\\slash", "refused": "new\nline"})
    assert css.startswith("<style>") and css.count("</style>") == 1 and "<b>" not in css
    selectors = re.findall(r"^([^{}\n]+)\{", css, flags=re.M)
    assert selectors and all(s.startswith(".st-key-ra_upload-estates-0 ") for s in selectors)
    contents = re.findall(r'content: ("(?:[^"\\]|\\.)*")', css)
    assert len(contents) == 5  # button, instructions, drop, refused (screen readers), refused (on the chip)
    assert '"a\\000022b"' in contents and "\n" not in "".join(contents)


def test_the_limit_is_whole_megabytes_never_above_the_servers(monkeypatch):
    monkeypatch.setattr(widgets.st, "get_option", lambda name: {"server.maxUploadSize": 10}[name])
    assert widgets.upload_limit_mb(10 * 2**20) == 10
    assert widgets.upload_limit_mb(2**20) == 1
    assert widgets.upload_limit_mb(int(1.5 * 2**20)) == 1  # rounded down: the widget refuses first
    assert widgets.upload_limit_mb(50 * 2**20) == 10  # the server refuses a larger body anyway
    assert widgets.upload_limit_mb(1000) == 1
