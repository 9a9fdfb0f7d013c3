"""The Method page, generated from the framework file: every indicator, the pass share,
the default-set notice, the worked example computed live and the data sources; in Thai
and English, with the sample data and with an empty database."""

from __future__ import annotations

import pytest
from apphelp import problems
from sampledb import _sample_template, page_at, sample_url  # noqa: F401 (fixtures)

from ecocity.framework import load_framework
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
