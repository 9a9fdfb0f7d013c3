"""The Method page, generated from the framework file: every indicator, the pass share,
the default-set notice, the worked example computed live and the data sources; in Thai
and English, with the sample data and with an empty database."""

from __future__ import annotations

import pytest
from helpers.apphelp import problems
from helpers.sampledb import _sample_template, page_at, sample_url  # noqa: F401 (fixtures)

from ecocity.core.framework import load_framework
from ecocity.i18n import t

PAGE = "views/method.py"


def _text(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [i.value for i in at.info]
                     + [h.value for h in at.header] + [h.value for h in at.subheader])


@pytest.mark.parametrize("lang", ["th", "en"])
def test_method_lists_every_indicator_and_the_rule(page_at, db_url, lang):
    fw = load_framework()
    at = page_at(db_url, PAGE, lang)
    assert problems(at) == []
    assert at.title[0].value == t("method.title", lang)
    tables = [df.value for df in at.dataframe]
    indicators = next(v for v in tables if t("method.indicators.col_aggregation", lang) in v.columns)
    codes = list(indicators[t("method.indicators.col_code", lang)])
    assert codes == list(fw.codes) and len(codes) == 23
    levels = next(v for v in tables if t("method.levels.col_colour", lang) in v.columns)
    assert list(levels[t("method.levels.col_name", lang)]) == [lv.name(lang) for lv in fw.levels]
    # The file's "-" (none) shows as a dash, without the CSV export guard's apostrophe.
    ieat = list(levels[t("method.levels.col_ieat", lang)])
    assert ieat[0] == "–" and ieat[-1] == "– (town level)"
    assert not any(str(v).startswith("'") for df in tables for v in df.to_numpy().ravel())
    text = _text(at)
    assert "75%" in text
    assert t("common.default_set", lang) in text
    assert fw.sha256 in text and fw.id in text
    # the worked example, live: level 3, gap names A "26 -> at most 25"
    assert t("method.example.not_held", lang) in text
    assert "26 → " in text and "25" in text
    # data sources, headings translated, the licence quoted
    assert t("method.sources.h_map", lang) in text and "CC BY-IGO" in text


def test_method_opens_with_the_sample_data(page_at, sample_url):
    at = page_at(sample_url, PAGE, "th")
    assert problems(at) == []
    assert at.title[0].value == t("method.title", "th")


# ----------------------------------------------------------------------------- security review

EVIL = "**[x](https://evil.example)**"  # Markdown with a link, typed into a framework file


def evil_framework_text() -> str:
    """The default framework as version 2, with Markdown in its name, a level's, a
    dimension's and a required indicator's names and a unit: what an administrator could
    upload through the browser."""
    from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH

    text = DEFAULT_FRAMEWORK_PATH.read_text("utf-8").replace("version = 1", "version = 2", 1)
    for old in ('name_en = "Default indicator set"', 'name_th = "ชุดตัวชี้วัดเริ่มต้น"',
                'name_en = "Eco-Champion"', 'name_th = "Eco-Champion"', 'name_en = "Happiness"',
                'name_th = "ความสุข (Happiness)"', 'name_en = "Physical"', 'name_th = "กายภาพ"',
                'name_en = "Environmental complaints received"'):
        assert old in text
        text = text.replace(old, old.split(" = ")[0] + f' = "{EVIL} {old.split(" = ")[1][1:-1]}"', 1)
    assert 'unit_en = "buildings"' in text
    return text.replace('unit_en = "buildings"', f'unit_en = "{EVIL}"', 1)


def test_a_framework_with_markup_in_its_names_cannot_be_activated(db_url):
    """Names and units are shown on every page (Markdown, HTML badges, exports): a file
    whose names carry a link or formatting is refused, each such entry named, before it
    can be activated (the pages escape names too; this keeps such text out altogether)."""
    from ecocity.core.access import Actor
    from ecocity.core.framework import FrameworkError
    from ecocity.store import make_engine
    from ecocity.store.frameworks import activate, check_framework_file
    from ecocity.store.inforce import framework_in_force

    checked = check_framework_file(evil_framework_text().encode(), "evil.toml")
    assert not checked.ok and checked.framework is None
    text = "\n".join(f"{p.entry}: {p.problem}" for p in checked.problems)
    assert "ต้องเป็นข้อความธรรมดา" in "\n".join(p.text("th") for p in checked.problems)
    for key in ("name_en", "name_th", "unit_en"):
        assert f"'{key}' must be plain text" in text
    assert "framework: 'name_en'" in text and "levels #3" in text and "dimension 'physical'" in text and "indicator 'ENV-01'" in text
    engine = make_engine(db_url)
    try:
        with pytest.raises(FrameworkError):
            activate(engine, evil_framework_text(), Actor("admin1", "admin"), filename="evil.toml")
        assert framework_in_force(engine).version == 1  # nothing was activated
    finally:
        engine.dispose()
