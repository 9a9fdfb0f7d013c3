"""The what-if section of the Area and Estate pages: every indicator's value editable beside the
real one, the level and gap recomputed at once, the shortest path to a level on a click; the
scenario lives in the URL (``?whatif=``) and is always labelled a scenario, never stored."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import streamlit as st

from ecocity.core.framework import Framework, Value
from ecocity.core.text import describe_gap_item
from ecocity.i18n import fmt_number, t
from ecocity.pagemodels import whatif
from ecocity.ui import widgets


def _set_scenario(fw: Framework, changes: Mapping[str, Value]) -> None:
    text = whatif.dump(fw, changes)
    if text:
        st.query_params[whatif.PARAM] = text
    elif whatif.PARAM in st.query_params:
        del st.query_params[whatif.PARAM]


def show(fw: Framework, real: Mapping[str, Value], lang: str, *, key: str) -> None:
    """Draw the what-if of ``real`` (an entity's values this year) in an expander, open when
    the URL carries a scenario. Its content is built only while it is open (opening it
    reruns the page): closed, its table cost every rerun of the page, a year change too."""
    changes = whatif.parse(fw, st.query_params.get(whatif.PARAM))
    box = st.expander(t("whatif.title", lang), icon=":material/science:", expanded=bool(changes),
                      key=f"{key}_box", on_change="rerun")
    if not box.open:
        return
    with box:
        st.caption(t("whatif.intro", lang))
        now = whatif.what_if(fw, real, {}).real.level
        targets = [lv.number for lv in fw.levels if lv.number > now]
        if targets:
            c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
            target = c1.selectbox(t("whatif.plan_to", lang), targets, index=0, key=f"{key}_target",
                                  format_func=lambda n: f"{n} · {fw.level(n).name(lang)}")
            if c2.button(t("whatif.plan_button", lang), key=f"{key}_plan", icon=":material/route:"):
                _plan, planned = whatif.plan_scenario(fw, real, int(target))
                _set_scenario(fw, planned)
                st.session_state.pop(f"{key}_editor", None)  # the table starts from the plan
                st.rerun()
        rows = whatif.editor_rows(fw, real, changes, lang)
        cols = {k: t(f"whatif.col.{k}", lang) for k in ("code", "name", "unit", "real", "scenario")}
        edited = st.data_editor(
            pd.DataFrame(rows).rename(columns=cols), key=f"{key}_editor", hide_index=True, width="stretch",
            disabled=[cols[k] for k in ("code", "name", "unit", "real")],
            column_config={cols["scenario"]: st.column_config.TextColumn(help=t("whatif.col.scenario_help", lang))})
        read_back = [{"code": r[cols["code"]], "scenario": r[cols["scenario"]]} for r in edited.to_dict("records")]
        new = whatif.changes_from_rows(fw, real, read_back, changes)
        if new != changes:
            _set_scenario(fw, new)
            changes = new
        w = whatif.what_if(fw, real, changes)
        if not w.changed:
            st.info(t("whatif.none", lang), icon=":material/info:")
            return
        st.warning(t("whatif.label", lang, n=len(w.changed)), icon=":material/science:")
        left, right = st.columns(2)
        left.markdown(f"**{t('whatif.real', lang)}** &nbsp; {widgets.badge_html(fw, w.real.level, lang)}",
                      unsafe_allow_html=True)
        right.markdown(f"**{t('whatif.scenario', lang)}** &nbsp; {widgets.badge_html(fw, w.scenario.level, lang)}",
                       unsafe_allow_html=True)
        dims = [{t("whatif.col.dimension", lang): d.name(lang),
                 t("whatif.real", lang): fmt_number(w.real.dimension_scores[d.key], lang, digits=2),
                 t("whatif.scenario", lang): fmt_number(w.scenario.dimension_scores[d.key], lang, digits=2)}
                for d in fw.dimensions]
        dims.append({t("whatif.col.dimension", lang): t("whatif.overall", lang),
                     t("whatif.real", lang): fmt_number(w.real.overall_score, lang, digits=2),
                     t("whatif.scenario", lang): fmt_number(w.scenario.overall_score, lang, digits=2)})
        widgets.table(pd.DataFrame(dims), hide_index=True, key=f"{key}_scores")
        if w.scenario.gap:
            nxt = fw.level(w.scenario.level + 1).name(lang)
            st.markdown(f"**{t('whatif.gap', lang, level=nxt)}**")
            st.markdown("\n".join(f"- {describe_gap_item(fw, g, lang)}" for g in w.scenario.gap))
        if st.button(t("whatif.reset", lang), key=f"{key}_reset", icon=":material/undo:"):
            _set_scenario(fw, {})
            st.session_state.pop(f"{key}_editor", None)
            st.rerun()
