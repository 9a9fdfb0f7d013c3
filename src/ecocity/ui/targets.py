"""An area's target as the pages show it: its status in the level's words and colours, and,
for who may set targets, the form to set or clear it (the store checks and audits)."""

from __future__ import annotations

from datetime import date
from typing import Literal

import streamlit as st

from ecocity.core.access import Actor
from ecocity.core.framework import Framework
from ecocity.core.targets import TargetCheck, describe, status_label
from ecocity.i18n import fiscal_year_of, t

Colour = Literal["green", "orange", "red"]
STATUS_COLOUR: dict[str, Colour] = {"on_track": "green", "at_risk": "orange", "off_track": "red"}
STATUS_ICON = {"on_track": ":material/check_circle:", "at_risk": ":material/warning:",
               "off_track": ":material/error:"}


def this_fiscal_year() -> int:
    return fiscal_year_of(date.today())


def badge(check: TargetCheck, lang: str) -> None:
    st.badge(status_label(check, lang), color=STATUS_COLOUR[check.status], icon=STATUS_ICON[check.status])


def line(fw: Framework, check: TargetCheck, lang: str) -> str:
    """ "Happiness by FY 2570: at the present pace ... " (Markdown, framework names only)."""
    target = t("targets.target", lang, level=fw.level(check.target.level).name(lang), year=check.target.fiscal_year)
    return f"**{target}**: {describe(fw, check, lang)}"


def form(fw: Framework, actor: Actor, url: str, area_code: str, current: TargetCheck | None, lang: str) -> None:
    """Set or clear the area's target (only drawn for who may)."""
    from ecocity.store.errors import StoreError
    from ecocity.store.targets import clear_target, set_target
    from ecocity.ui.db import engine_for

    with st.popover(t("targets.edit", lang), icon=":material/flag:"):
        levels = [lv.number for lv in fw.levels if lv.number >= 1]
        now = this_fiscal_year()
        with st.form(key=f"target_form_{area_code}", border=False):
            level = st.selectbox(t("targets.level", lang), levels, format_func=lambda n: f"{n} · {fw.level(n).name(lang)}",
                                 index=levels.index(current.target.level) if current else len(levels) - 1)
            year = st.number_input(t("targets.year", lang), min_value=2550, max_value=2650, step=1,
                                   value=current.target.fiscal_year if current else now + 3)
            saved = st.form_submit_button(t("targets.save", lang), type="primary")
        cleared = current is not None and st.button(t("targets.clear", lang), key=f"target_clear_{area_code}")
    if saved or cleared:
        try:
            if saved:
                set_target(engine_for(url), actor, fw, area_code, int(level), int(year))
            else:
                clear_target(engine_for(url), actor, area_code)
        except StoreError as e:
            st.error(e.message(lang), icon=":material/error:")
            return
        st.rerun()
