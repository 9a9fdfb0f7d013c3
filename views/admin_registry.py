"""Administration / ผู้ดูแลระบบ: the estate and area registry, and the sample data.

Administrators only. Per tab (Estates, Areas): the current rows; a form to add or correct
one row (and, for areas, to move an estate to another area); upload a corrected CSV/XLSX:
its problems with their cells, or the preview of what would change, then confirm;
download the current registry as CSV or XLSX. Below: how much sample data there is, and
removing it after a confirmation step.

Draws only: reading, checking, previewing and storing are ``ecocity.io.registry_file``
(tested without Streamlit); every write passes the signed-in actor, which the domain
functions check again.

Session state (keys start with "ra."): ``ra.round.<kind>`` is part of the form and
uploader keys (a success starts them afresh); ``ra.pending.<kind>`` the checked upload
(file id, Prepared); ``ra.flash.<kind>`` the outcome shown after the rerun;
``ra.sample_confirm`` the sample-removal confirmation step.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import streamlit as st

from ecocity.core.access import AccessDenied
from ecocity.core.textsafe import md_escape
from ecocity.i18n import fmt_datetime, t
from ecocity.io import registry_file
from ecocity.pagemodels import registry_admin as registry_view
from ecocity.store import registry as ra
from ecocity.ui import widgets
from ecocity.ui.auth import require_page
from ecocity.ui.db import data_token, database_url, engine_for
from ecocity.ui.lang import current_lang

SAMPLE_CONFIRM = "ra.sample_confirm"
SAMPLE_FLASH = "ra.sample_flash"

lang = current_lang()
actor = require_page("edit_registry")  # draws "sign in" / "not for your role" and stops
st.title(t("registry_admin.title", lang))
url = database_url()
engine = engine_for(url)


@st.cache_data(show_spinner=False, max_entries=8)
def _registry(url: str, token: str) -> dict[str, Any]:
    """Everything the page reads from the registry, once per database and data version
    (every registry write, sample load or removal changes the data token): the rows of each
    kind, the form's choices, when the registry was last edited, the sample counts."""
    e = engine_for(url)
    return {"rows": {kind: ra.rows(e, kind) for kind in (registry_file.ESTATES, registry_file.AREAS)}, "choices": ra.choices(e),
            "edited": ra.registry_edited(e), "samples": ra.sample_counts(e)}


reg = _registry(url, data_token())


def _current_row(kind: str, code: str) -> dict[str, str]:
    """One row as the form shows it (field -> text), from the rows read above."""
    for row in reg["rows"][kind]:
        if row["code"] == code:
            return {k: "" if v is None else str(v) for k, v in row.items()}
    return {}


def _round(kind: str) -> int:
    return st.session_state.setdefault(f"ra.round.{kind}", 0)


def _next_round(kind: str) -> None:
    st.session_state[f"ra.round.{kind}"] = _round(kind) + 1


def _value(v: Any, field: str = "") -> str:
    return registry_view.value_text(field, v, lang)


def _field(name: str) -> str:
    return t(f"registry_admin.field.{name}", lang)


def _problems(problems: tuple[registry_file.Problem, ...]) -> None:
    st.error(t("registry_admin.problems", lang, count=len(problems)), icon=":material/block:")
    lines = []
    for p in problems:
        where = p.where(lang)
        head = f"**{md_escape(p.cell or where)}** · " if (p.cell or where) else ""
        extra = f"{md_escape(where)}: " if p.cell else ""
        lines.append(f"- {head}{extra}{md_escape(p.text(lang))} `{p.code}`")
    st.markdown("\n".join(lines))


def _change_lines(change: registry_file.Change) -> list[str]:
    out = []
    for r in change.added:
        out.append(f"- :green-badge[{t('registry_admin.diff.added', lang)}] **{md_escape(r.code)}**")
    for r in change.changed:
        parts = "; ".join(f"{md_escape(_field(c.field))}: {md_escape(_value(c.old, c.field))} → "
                          f"{md_escape(_value(c.new, c.field))}" for c in r.changes)
        out.append(f"- :orange-badge[{t('registry_admin.diff.changed', lang)}] **{md_escape(r.code)}** · {parts}")
    for mv in change.moves:
        out.append(f"- :blue-badge[{t('registry_admin.diff.moved', lang)}] " + md_escape(t(
            "registry_admin.diff.move", lang, estate=mv.estate, old=_value(mv.old), new=_value(mv.new))))
    return out


def _preview(change: registry_file.Change) -> None:
    st.markdown(t("registry_admin.diff.summary", lang, added=len(change.added), changed=len(change.changed),
                  unchanged=len(change.unchanged), moved=len(change.moves), missing=len(change.missing)))
    lines = _change_lines(change)
    if lines:
        st.markdown("\n".join(lines))
    if change.missing:
        with st.expander(t("registry_admin.diff.missing", lang, count=len(change.missing)),
                         icon=":material/inventory_2:"):
            st.caption(t("registry_admin.diff.missing_note", lang))
            st.markdown(md_escape(", ".join(change.missing)))


def _applied_text(done: registry_file.Applied) -> str:
    if done.audit_id is None:
        return t("registry_admin.applied.nothing", lang)
    text = t("registry_admin.applied.done", lang, added=len(done.added), changed=len(done.changed),
             moved=len(done.moves))
    if done.recomputed_areas:
        text += " " + t("registry_admin.applied.recomputed", lang, areas=", ".join(done.recomputed_areas))
    return text


def _flash(kind: str) -> None:
    msg = st.session_state.pop(f"ra.flash.{kind}", None)
    if msg:
        st.success(md_escape(msg), icon=":material/task_alt:")


def _store(kind: str, fn: Any) -> None:
    """Run one write; on success remember the outcome and redraw from the new data."""
    try:
        done = fn()
    except ra.InvalidRegistry as e:
        _problems(e.problems)
        return
    except (ra.RegistryChanged, AccessDenied) as e:
        st.error(e.message(lang), icon=":material/error:")
        return
    st.session_state[f"ra.flash.{kind}"] = _applied_text(done)
    _next_round(kind)
    st.rerun()


# ----------------------------------------------------------------------------- one tab


def _table(kind: str, data: list[dict[str, Any]]) -> None:
    # Text cells in the page's language (a region in words, yes/no, a dash for nothing); the
    # downloads below keep the file's own values.
    shown = registry_view.table_rows(registry_file.table_columns(kind), data, lang)
    widgets.table(shown, hide_index=True, width="stretch", key=f"ra_table_{kind}", height=min(38 + 35 * len(shown), 420))
    st.caption(t(f"registry_admin.{kind}.count", lang, count=len(data)))


def _downloads(kind: str) -> None:
    widgets.table_downloads(
        "ra_download_{ext}_" + kind,
        (t("registry_admin.download.csv", lang), registry_file.export_filename(kind, "csv"), lambda: ra.export_csv(engine, kind)),
        (t("registry_admin.download.xlsx", lang), registry_file.export_filename(kind, "xlsx"), lambda: ra.export_xlsx(engine, kind)))
    st.caption(t("registry_admin.download.help", lang))


def _form(kind: str, opts: dict[str, Any]) -> None:
    st.subheader(t("registry_admin.form.heading", lang))
    known = opts["estates"] if kind == registry_file.ESTATES else opts["areas"]
    mode = st.segmented_control(t("registry_admin.form.mode", lang), ["add", "correct"], default="correct",
                                key=f"ra_mode_{kind}", format_func=lambda x: t(f"registry_admin.form.{x}", lang))
    mode = mode or "correct"
    code = ""
    current: dict[str, str] = {}
    if mode == "correct":
        code = st.selectbox(t(f"registry_admin.form.pick_{kind}", lang), list(known), key=f"ra_pick_{kind}",
                            format_func=lambda c: f"{c} · {known[c][0 if lang == 'th' else 1]}") or ""
        current = _current_row(kind, code) if code else {}
    provinces: dict[str, tuple[str, str]] = opts["provinces"]
    regions: list[str] = list(opts["regions"])
    sfx = f"{mode}_{code}_{_round(kind)}"  # new widgets (and defaults) per row and after a save
    with st.form(f"ra_form_{kind}_{sfx}", border=True):
        new_code = st.text_input(_field("code"), value=code, disabled=mode == "correct", max_chars=registry_file.CODE_MAX,
                                 key=f"ra_f_{kind}_code_{sfx}", help=t("registry_admin.form.code_help", lang))
        c1, c2 = st.columns(2)
        name_th = c1.text_input(_field("name_th"), value=current.get("name_th", ""), key=f"ra_f_{kind}_name_th_{sfx}")
        name_en = c2.text_input(_field("name_en"), value=current.get("name_en", ""), key=f"ra_f_{kind}_name_en_{sfx}")
        p_opts = ([""] if kind == registry_file.ESTATES else []) + list(provinces)
        p_now = current.get("province_pcode", "")
        c3, c4 = st.columns(2)
        pcode = c3.selectbox(_field("province_pcode"), p_opts, key=f"ra_f_{kind}_province_{sfx}",
                             index=p_opts.index(p_now) if p_now in p_opts else (0 if kind == registry_file.ESTATES else None),
                             format_func=lambda p: (f"{p} · {provinces[p][0 if lang == 'th' else 1]}" if p
                                                    else t("registry_admin.value.empty", lang)))
        r_now = current.get("region", "")
        region = c4.selectbox(_field("region"), regions, index=regions.index(r_now) if r_now in regions else None,
                              key=f"ra_f_{kind}_region_{sfx}", format_func=lambda r: registry_view.region_text(r, lang))
        fields: dict[str, Any] = {"code": code if mode == "correct" else new_code, "name_th": name_th,
                                  "name_en": name_en, "province_pcode": pcode or "", "region": region or ""}
        if kind == registry_file.ESTATES:
            c5, c6 = st.columns(2)
            fields["lat"] = c5.text_input(_field("lat"), value=current.get("lat", ""), key=f"ra_f_{kind}_lat_{sfx}",
                                          help=t("registry_admin.form.coord_help", lang))
            fields["lon"] = c6.text_input(_field("lon"), value=current.get("lon", ""), key=f"ra_f_{kind}_lon_{sfx}",
                                          help=t("registry_admin.form.coord_help", lang))
            fields["source_checked"] = st.checkbox(_field("source_checked"),
                                                   value=current.get("source_checked") == "yes",
                                                   key=f"ra_f_{kind}_checked_{sfx}")
        else:
            estates = opts["estates"]
            now = [e for e in current.get("estates", "").split(";") if e]
            fields["estates"] = st.multiselect(
                _field("estates"), list(estates), default=[e for e in now if e in estates], key=f"ra_f_{kind}_estates_{sfx}",
                format_func=lambda e: f"{e} · {estates[e][0 if lang == 'th' else 1]}",
                help=t("registry_admin.form.estates_help", lang))
        submitted = st.form_submit_button(t(f"registry_admin.form.save_{mode}", lang), type="primary",
                                          icon=":material/save:", key=f"ra_save_{kind}")
    if submitted:
        _store(kind, lambda: ra.save_row(engine, actor, kind, mode, fields))


def _move(opts: dict[str, Any]) -> None:
    st.subheader(t("registry_admin.move.heading", lang))
    estates, areas = opts["estates"], opts["areas"]
    if not estates:
        return
    with st.form(f"ra_move_{_round(registry_file.AREAS)}", border=True):
        c1, c2 = st.columns(2)
        estate = c1.selectbox(_field("estate"), list(estates), key="ra_move_estate",
                              format_func=lambda e: f"{e} · {estates[e][0 if lang == 'th' else 1]} "
                                                    f"({_value(estates[e][2])})")
        target = c2.selectbox(_field("area"), ["", *areas], key="ra_move_area",
                              format_func=lambda a: (f"{a} · {areas[a][0 if lang == 'th' else 1]}" if a
                                                     else t("registry_admin.move.no_area", lang)))
        moved = st.form_submit_button(t("registry_admin.move.button", lang), icon=":material/move_up:",
                                      key="ra_move_save")
    if moved and estate:
        _store(registry_file.AREAS, lambda: ra.move_estate(engine, actor, estate, target or None))


def _upload(kind: str) -> None:
    st.subheader(t("registry_admin.upload.heading", lang))
    st.caption(t(f"registry_admin.upload.help_{kind}", lang, columns=", ".join(registry_file.COLUMNS[kind])))
    f = widgets.file_uploader(t("registry_admin.upload.label", lang), key=f"ra_upload_{kind}_{_round(kind)}",
                              lang=lang, limit_bytes=registry_file.MAX_FILE_BYTES)
    pending_key = f"ra.pending.{kind}"
    if f is None:
        st.session_state.pop(pending_key, None)
        return
    pending = st.session_state.get(pending_key)
    if pending is None or pending[0] != f.file_id:
        pending = (f.file_id, ra.prepare_file(engine, kind, f.getvalue(), f.name))
        st.session_state[pending_key] = pending
    prepared: registry_file.Prepared = pending[1]
    if not prepared.ok or prepared.change is None:
        _problems(prepared.problems)
        return
    change = prepared.change
    st.success(t("registry_admin.upload.checked", lang, rows=len(change.rows)), icon=":material/check_circle:")
    _preview(change)
    if not change.has_changes:
        st.info(t("registry_admin.upload.no_changes", lang), icon=":material/info:")
        return
    if st.button(t("registry_admin.upload.confirm", lang), type="primary", icon=":material/save:",
                 key=f"ra_confirm_{kind}"):
        st.session_state.pop(pending_key, None)
        _store(kind, lambda: ra.apply(engine, change, actor))


def _tab(kind: str, opts: dict[str, Any]) -> None:
    _flash(kind)
    _table(kind, reg["rows"][kind])
    _downloads(kind)
    _form(kind, opts)
    if kind == registry_file.AREAS:
        _move(opts)
    _upload(kind)


# ----------------------------------------------------------------------------- sample data


def _sample() -> None:
    from ecocity.store import versions

    st.subheader(t("registry_admin.sample.heading", lang))
    flash = st.session_state.pop(SAMPLE_FLASH, None)
    if flash:
        st.success(flash, icon=":material/task_alt:")
    subs, ups = reg["samples"]
    if not subs and not ups:
        st.info(t("registry_admin.sample.none", lang), icon=":material/info:")
        st.session_state.pop(SAMPLE_CONFIRM, None)
        return
    st.markdown(t("registry_admin.sample.count", lang, submissions=subs, uploads=ups))
    if not st.session_state.get(SAMPLE_CONFIRM):
        if st.button(t("registry_admin.sample.remove", lang), icon=":material/delete:", key="ra_sample_remove"):
            st.session_state[SAMPLE_CONFIRM] = True
            st.rerun()
        return
    st.warning(t("registry_admin.sample.confirm_text", lang, submissions=subs, uploads=ups), icon=":material/warning:")
    with st.container(horizontal=True):
        yes = st.button(t("registry_admin.sample.confirm", lang), type="primary", icon=":material/delete_forever:",
                        key="ra_sample_confirm")
        no = st.button(t("registry_admin.sample.cancel", lang), key="ra_sample_cancel")
    if no:
        st.session_state.pop(SAMPLE_CONFIRM, None)
        st.rerun()
    if yes:
        st.session_state.pop(SAMPLE_CONFIRM, None)
        try:
            done = versions.remove_sample(engine, by=actor)
        except AccessDenied as e:
            st.error(e.message(lang), icon=":material/error:")
            return
        st.session_state[SAMPLE_FLASH] = t("registry_admin.sample.removed", lang, submissions=done.submissions,
                                           uploads=done.uploads)
        st.rerun()


# ----------------------------------------------------------------------------- the page

st.caption(t("registry_admin.intro", lang))
edited = reg["edited"]
st.caption(t("registry_admin.edited", lang, at=fmt_datetime(datetime.fromisoformat(edited), lang)) if edited
           else t("registry_admin.from_files", lang))
opts = reg["choices"]
tab_estates, tab_areas = st.tabs([t("registry_admin.estates.tab", lang), t("registry_admin.areas.tab", lang)])
with tab_estates:
    _tab(registry_file.ESTATES, opts)
with tab_areas:
    _tab(registry_file.AREAS, opts)
st.divider()
_sample()
