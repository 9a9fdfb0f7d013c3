"""Administration: the framework file. The framework in force, the recorded versions (any
can be put back in force), and a new framework file: checked, compared with the one in
force, the levels it would change previewed, then activated for every replica after a
confirmation. The work is done by ecocity.store.frameworks; this page draws."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from ecocity.core.framework import Framework
from ecocity.core.textsafe import md_escape, safe_filename
from ecocity.i18n import bilingual, fmt_datetime, t
from ecocity.store import frameworks as fa
from ecocity.store.db import session_scope
from ecocity.store.errors import StoreError
from ecocity.ui import auth, widgets
from ecocity.ui.db import data_token, database_url, engine_for
from ecocity.ui.lang import current_lang

lang = current_lang()
actor = auth.require_page("change_framework")  # draws "sign in" / "not for your role" and stops

url = database_url()
engine = engine_for(url)
FLASH = "fwadm.flash"  # the outcome of an activation, shown once after the rerun
PICK = "fwadm.pick"  # the recorded version chosen to put back in force


def short(sha: str) -> str:
    return sha[:12] if sha else "–"


def when(dt: datetime | None) -> str:
    """Thai time (UTC+7) and a B.E. year in Thai, as the people using the dashboard read it."""
    return fmt_datetime(dt, lang, none="–")


@st.cache_data(show_spinner=False, max_entries=8)
def preview_rows(url: str, token: str, sha: str, _fw: Framework) -> list[fa.LevelChange]:
    """The preview of ``_fw`` (keyed by its SHA-256) against the data of ``token``."""
    return fa.preview_of(engine_for(url), _fw)


def level_text(fw: Framework, level: int | None) -> str:
    if level is None:
        return "–"
    return f"{level} {fw.level(level).name(lang)}" if level <= fw.top_level else str(level)


def score_text(score: float | None) -> str:
    return "–" if score is None else f"{score:.2f}"


def show_preview(old: Framework, new: Framework, key: str) -> None:
    """Counts of areas and estates moving up or down, and the rows that move."""
    changes = preview_rows(url, data_token(), new.sha256, new)
    st.subheader(t("framework_admin.preview.heading", lang))
    if not changes:
        st.info(t("framework_admin.preview.no_data", lang))
        return
    moves = fa.count_moves(changes)
    cols = st.columns(4)
    cols[0].metric(t("framework_admin.preview.areas_up", lang), moves["area"]["up"])
    cols[1].metric(t("framework_admin.preview.areas_down", lang), moves["area"]["down"])
    cols[2].metric(t("framework_admin.preview.estates_up", lang), moves["estate"]["up"])
    cols[3].metric(t("framework_admin.preview.estates_down", lang), moves["estate"]["down"])
    st.caption(t("framework_admin.preview.caption", lang, n=len(changes),
                 same=moves["area"]["same"] + moves["estate"]["same"]))
    show_all = st.toggle(t("framework_admin.preview.show_all", lang), key=f"{key}_all")
    rows = fa.shown_changes(changes, show_all)
    if not rows:
        st.info(t("framework_admin.preview.none_move", lang))
        return
    col = lambda k: t(f"framework_admin.preview.col_{k}", lang)  # noqa: E731
    move = {1: t("framework_admin.preview.up", lang), -1: t("framework_admin.preview.down", lang),
            0: t("framework_admin.preview.same", lang)}
    df = pd.DataFrame([{
        col("kind"): t(f"framework_admin.kind.{c.kind}", lang), col("name"): c.name(lang), col("code"): c.code,
        col("year"): c.fiscal_year, col("move"): move[c.moved],
        col("old_level"): level_text(old, c.old_level), col("new_level"): level_text(new, c.new_level),
        col("old_score"): score_text(c.old_score), col("new_score"): score_text(c.new_score),
    } for c in rows])
    widgets.table(df, hide_index=True, key=f"{key}_table", height=min(35 * (len(df) + 1) + 3, 600))


def confirm_and_activate(new: Framework, key: str, *, filename: str = "", version_id: str = "") -> None:
    """The confirmation box and the button that activates ``new``."""
    st.warning(t("framework_admin.confirm.note", lang, version=new.version_id), icon=":material/warning:")
    sure = st.checkbox(t("framework_admin.confirm.check", lang, version=new.version_id), key=f"{key}_sure")
    if st.button(t("framework_admin.confirm.button", lang, version=new.version_id), key=f"{key}_activate",
                 type="primary", disabled=not sure, icon=":material/published_with_changes:"):
        try:
            with st.spinner(t("framework_admin.confirm.working", lang)):
                if version_id:
                    res = fa.activate_version(engine, version_id, actor)
                else:
                    res = fa.activate(engine, new, actor, filename=filename)
        except StoreError as e:
            st.error(e.message(lang))
            return
        st.session_state[FLASH] = (res.to_version, res.from_version, res.levels_changed, res.changed)
        st.session_state.pop(PICK, None)
        st.session_state.pop(f"{key}_sure", None)
        st.rerun()


def show_diff(old: Framework, new: Framework) -> None:
    d = fa.compare(old, new)
    st.subheader(t("framework_admin.diff.heading", lang, version=old.version_id))
    if d.empty:
        st.info(t("framework_admin.diff.none", lang))
        return
    lines = []
    if d.added:
        lines.append(t("framework_admin.diff.added", lang, codes=", ".join(d.added)))
    if d.removed:
        lines.append(t("framework_admin.diff.removed", lang, codes=", ".join(d.removed)))
    if lines:
        st.markdown("\n".join(f"- {md_escape(x)}" for x in lines))
    if d.thresholds:
        st.markdown(t("framework_admin.diff.thresholds", lang, n=len(d.thresholds)))
        widgets.table(pd.DataFrame([{
            t("framework_admin.diff.col_code", lang): c.code,
            t("framework_admin.diff.col_old", lang): " / ".join(f"{x:g}" for x in c.old),
            t("framework_admin.diff.col_new", lang): " / ".join(f"{x:g}" for x in c.new)} for c in d.thresholds]),
            hide_index=True, key="fwadm_diff_thresholds")
    if d.settings:
        st.markdown(t("framework_admin.diff.settings", lang, n=len(d.settings)))
        widgets.table(pd.DataFrame([{
            t("framework_admin.diff.col_code", lang): c.code or t("framework_admin.diff.whole", lang),
            t("framework_admin.diff.col_setting", lang): c.setting,
            t("framework_admin.diff.col_old", lang): str(c.old),
            t("framework_admin.diff.col_new", lang): str(c.new)} for c in d.settings]),
            hide_index=True, key="fwadm_diff_settings")


# ----------------------------------------------------------------------------- in force
st.title(t("framework_admin.title", lang))
st.caption(t("framework_admin.intro", lang))
flash = st.session_state.pop(FLASH, None)
if flash:
    to, frm, n, changed = flash
    if changed:
        st.success(t("framework_admin.done", lang, to=to, frm=frm, n=n), icon=":material/check_circle:")
    else:
        st.info(t("framework_admin.already", lang, version=to))

with session_scope(engine) as s:
    info = fa.in_force(s)
    versions = fa.recorded_versions(s)
fw = info.framework

st.header(t("framework_admin.in_force.heading", lang), divider="green")
st.markdown(t("framework_admin.in_force.line", lang, name=md_escape(fw.name(lang)), version=fw.version_id,
              sha=short(fw.sha256)))
if info.from_database:
    st.caption(t("framework_admin.in_force.activated", lang, when=when(info.activated_at),
                 who=md_escape(info.activated_by or "–")))
else:
    st.caption(t("framework_admin.in_force.from_file", lang, file=md_escape(fw.source)))
if fw.text:
    st.download_button(t("framework_admin.in_force.download", lang), fa.file_bytes(fw),
                       file_name=safe_filename(f"{fw.id}-v{fw.version}.toml", default="framework.toml"), mime="application/toml",
                       key="fwadm_download", icon=":material/download:")

# ----------------------------------------------------------------------------- recorded
st.header(t("framework_admin.versions.heading", lang), divider="green")
st.caption(t("framework_admin.versions.intro", lang))
for v in versions:
    c1, c2 = st.columns([5, 1], vertical_alignment="center")
    name = bilingual(lang, v.name_th, v.name_en)
    c1.markdown(t("framework_admin.versions.line", lang, version=v.version_id, name=md_escape(name or "–"),
                  sha=short(v.sha256), when=when(v.recorded_at)))
    if v.in_force:
        c2.markdown(t("framework_admin.versions.in_force", lang))
    elif not v.activatable:
        c2.caption(t("framework_admin.versions.not_kept", lang))
    elif c2.button(t("framework_admin.versions.activate", lang), key=f"fwadm_pick_{v.version_id}"):
        st.session_state[PICK] = v.version_id

pick = st.session_state.get(PICK)
if fa.can_put_back(versions, pick):
    with st.container(border=True, key="fwadm_rollback"):
        st.subheader(t("framework_admin.versions.rollback_heading", lang, version=pick))
        with session_scope(engine) as s:
            old_fw = fa.stored_framework(s, pick)
        show_diff(fw, old_fw)
        show_preview(fw, old_fw, "fwadm_rb")
        confirm_and_activate(old_fw, "fwadm_rb", version_id=pick)
        if st.button(t("framework_admin.versions.cancel", lang), key="fwadm_rb_cancel"):
            st.session_state.pop(PICK, None)
            st.rerun()

# ----------------------------------------------------------------------------- new file
st.header(t("framework_admin.upload.heading", lang), divider="green")
# The limit the caption states is the one the uploader enforces (and the checker again).
st.caption(t("framework_admin.upload.intro", lang, mb=widgets.upload_limit_mb(fa.MAX_FRAMEWORK_BYTES)))
up = widgets.file_uploader(t("framework_admin.upload.label", lang), types=["toml"], key="fwadm_file", lang=lang,
                           limit_bytes=fa.MAX_FRAMEWORK_BYTES)
if up is not None:
    check = fa.check_framework_file(up.getvalue(), up.name)
    new = check.framework
    with session_scope(engine) as s:
        problems = fa.upload_problems(s, check)
    if problems:
        st.error(t("framework_admin.upload.rejected", lang, name=md_escape(up.name), n=len(problems)),
                 icon=":material/error:")
        widgets.table(pd.DataFrame([{t("framework_admin.upload.col_entry", lang): p.entry_text(lang),
                                    t("framework_admin.upload.col_problem", lang): p.text(lang)}
                                   for p in problems]),
                     hide_index=True, key="fwadm_problems")
    elif new is not None:
        st.success(t("framework_admin.upload.valid", lang, name=md_escape(up.name)), icon=":material/check:")
        st.markdown(t("framework_admin.upload.summary", lang, name=md_escape(new.name(lang)),
                      version=new.version_id, levels=len(new.levels), top=new.top_level,
                      dimensions=len(new.dimensions), indicators=len(new.indicators),
                      sha=short(new.sha256)))
        if fa.same_file(new, fw):
            st.info(t("framework_admin.upload.same", lang, version=new.version_id))
        else:
            show_diff(fw, new)
            show_preview(fw, new, "fwadm_new")
            confirm_and_activate(new, "fwadm_new", filename=up.name)
