"""Method: how levels, gaps, area values and the forecast are computed, generated from the
framework file in force (ecocity.pagemodels.method builds every table and sentence; this page draws)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from ecocity.config import settings
from ecocity.core.textsafe import md_escape, t_md
from ecocity.i18n import t
from ecocity.pagemodels import method
from ecocity.ui import readers, widgets
from ecocity.ui.lang import current_lang

lang = current_lang()
cfg = settings()
fw = readers.framework()  # the framework in force: activated in the database, else the file


mfw = method.markdown_framework(fw)  # for Markdown


def table(rows: list[dict], key: str, styler=None) -> None:
    df = pd.DataFrame(rows)
    # Text columns as wide as their longest text: Streamlit sizes a column by its first rows.
    fit = {k: st.column_config.Column(width=widgets.column_width(k, df[k]))
           for k in df if pd.api.types.is_string_dtype(df[k])}
    widgets.table(styler(df) if styler else df, hide_index=True, key=key, height=min(35 * (len(df) + 1) + 3, 1200),
                  column_config=fit)


def colour_cells(colour_col: str):
    def apply(df: pd.DataFrame):
        return df.style.apply(lambda col: [f"background-color: {c}; color: {method.readable_on(c)}" for c in col],
                              subset=[colour_col])
    return apply


st.title(t("method.title", lang))
st.caption(t("method.intro", lang))
st.markdown(t("method.framework", lang, name=md_escape(mfw.name(lang)), id=mfw.id, version=fw.version,
              file=md_escape(Path(fw.source).name) if fw.source and not fw.source.startswith("database:") else
              t("framework_admin.method_stored", lang)))
st.caption(t("method.sha", lang, sha=fw.sha256 or "–"))
if fw.default_set:
    st.info(t("common.default_set", lang), icon=":material/info:")
else:
    st.caption(t("method.official_set", lang))
st.caption(t("method.contents", lang))

# --------------------------------------------------------------------------- levels
st.header(t("method.levels.heading", lang), divider="green")
champion = mfw.level(min(2, fw.top_level))
st.markdown(t_md("method.levels.intro", lang, champion=champion.name(lang), top=mfw.level(fw.top_level).name(lang)))
table(method.level_rows(fw, lang), "method_levels", colour_cells(t("method.levels.col_colour", lang)))

# --------------------------------------------------------------------------- dimensions
st.header(t("method.dimensions.heading", lang), divider="green")
st.markdown(t("method.dimensions.intro", lang, n=len(fw.dimensions)))
table(method.dimension_rows(fw, lang), "method_dimensions")

# --------------------------------------------------------------------------- indicators
st.header(t("method.indicators.heading", lang), divider="green")
st.markdown(t("method.indicators.intro", lang, n=len(fw.indicators)))
table(method.indicator_rows(fw, lang), "method_indicators")
st.subheader(t("method.indicators.thresholds_heading", lang))
st.caption(t("method.indicators.thresholds_intro", lang))
table(method.threshold_rows(fw, lang), "method_thresholds")

# --------------------------------------------------------------------------- level rule
st.header(t("method.rule.heading", lang), divider="green")
st.markdown("\n".join(f"{n}. {s}" for n, s in enumerate(method.level_rule(mfw, lang), 1)))
st.subheader(t("method.rule.required_heading", lang))
required = method.required_sentences(mfw, lang)
st.markdown("\n".join(f"- {s}" for s in required) if required else t("method.rule.no_required", lang))

st.header(t("method.gap.heading", lang), divider="green")
st.markdown(t("method.gap.body", lang))

st.header(t("method.scores.heading", lang), divider="green")
st.markdown(t("method.scores.body", lang, top=fw.top_level))

# --------------------------------------------------------------------------- aggregation
st.header(t("method.aggregation.heading", lang), divider="green")
st.markdown(t("method.aggregation.intro", lang))
st.markdown("\n".join(
    f"- **{t(f'method.aggregation.{rule}.name', lang)}**: {t(f'method.aggregation.{rule}.text', lang)} "
    f"({t('method.aggregation.used_by', lang, codes=', '.join(codes))})"
    for rule, codes in method.aggregation_groups(mfw)))

# --------------------------------------------------------------------------- forecast
st.header(t("method.forecast.heading", lang), divider="green")
st.markdown(t("method.forecast.intro", lang))
st.markdown("\n".join(f"{n}. {s}" for n, s in enumerate(method.forecast_steps(mfw, lang), 1)))
st.caption(t("method.forecast.caveat", lang))

# --------------------------------------------------------------------------- worked example
st.header(t("method.example.heading", lang), divider="green")
ex = method.worked_example(fw, lang)
mex = method.worked_example(mfw, lang)  # the same, its level names escaped: for Markdown
if ex is None or mex is None:
    st.info(t("method.example.unavailable", lang, n=fw.top_level))
else:
    a = mex.assessment
    dim = mex.fw.dimensions[0]
    st.markdown(t_md("method.example.intro", lang, dimension=dim.name(lang), share=method.pct(mex.fw.pass_share, lang)))
    table(method.example_rows(ex, lang), "method_example")
    st.markdown(t("method.example.checks", lang))
    st.markdown("\n".join(f"- {method.check_sentence(mex.fw, c, lang)}" for c in mex.checks))
    st.markdown(t_md("method.example.result", lang, level=a.level, name=mex.fw.level(a.level).name(lang),
                  score=method.score_text(a.dimension_scores[dim.key]),
                  overall=method.score_text(a.overall_score)))
    if mex.gap:
        st.markdown(t("method.example.gap", lang, level=method.level_column(mex.fw, a.level + 1, lang)))
        st.markdown("\n".join(f"- {g} ({r})" for g, r in zip(mex.gap, mex.reasons, strict=True)))
    variant = method.worked_example(mfw, lang, a_required_from=4)
    if variant is not None:
        st.markdown(t("method.example.variant", lang, level=4,
                      result=method.level_column(variant.fw, variant.assessment.level, lang)))
        st.markdown("\n".join(f"- {g} ({r})" for g, r in zip(variant.gap, variant.reasons, strict=True)))

# --------------------------------------------------------------------------- sources
st.header(t("method.sources.heading", lang), divider="green")
st.markdown(t("method.sources.intro", lang))
st.markdown(t("app.about.body", lang))
readme = method.read_data_readme(cfg.data_dir)
if readme is None:
    st.info(t("method.sources.missing", lang, path=cfg.data_dir))
else:
    with st.expander(t("method.sources.original", lang), icon=":material/description:", key="method_readme"):
        st.caption(t("method.sources.original_note", lang))
        for section in method.readme_sections(readme, lang):
            st.markdown(f"#### {section.title}")
            st.markdown(section.body)
