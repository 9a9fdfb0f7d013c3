"""Upload / ส่งข้อมูล: download the template, upload one or several workbooks, see each
file's check before anything is saved, confirm to store, and the upload log.

Draws only. The model is ``ecocity.flows.upload_preview`` (previews, batch, log rows) and the
check-then-store step is ``ecocity.flows.intake``; both are tested without Streamlit.

Who: the signed-in actor (``ecocity.ui.auth.run_actor``) is the uploader; someone who
may not upload (a viewer, the anonymous visitor) sees the template and a sign-in prompt
only. The store checks the actor again for every file.

Session state (all keys start with "upload"):
- ``upload.round``: part of the uploader's key; "clear" starts a new, empty uploader
- ``upload.batch``: file id -> ``Checked`` for the files in the uploader, so a file is
  checked (and a rejected one logged) once, not on every rerun, and the pending
  confirmation survives reruns.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from ecocity.config import settings
from ecocity.core.access import Actor
from ecocity.core.framework import Framework
from ecocity.core.textsafe import md_escape, safe_filename, t_md
from ecocity.flows import intake
from ecocity.flows import upload_preview as flow
from ecocity.i18n import fmt_number, fy_label, t
from ecocity.io.workbook.template import template_filename
from ecocity.ui import detail_readers, evidence, readers, widgets
from ecocity.ui.auth import run_actor, sign_in_link
from ecocity.ui.db import data_token, database_url, engine_for
from ecocity.ui.detail_readers import actor_at_click, file_reader
from ecocity.ui.lang import current_lang

ROUND_KEY = "upload.round"
BATCH_KEY = "upload.batch"
# Per flow.card_status: the heading's icon, the badge's icon and colour.
STATUS_LOOK = {"accepted": (":material/check_circle:", ":material/check:", "green"),
               "rejected": (":material/cancel:", ":material/close:", "red"),
               "denied": (":material/lock:", ":material/lock:", "orange"),
               "check_failed": (":material/report:", ":material/report:", "gray")}


@st.cache_data(show_spinner=False, max_entries=8)
def _template(fw_sha: str, lang: str, day: date, _fw: Framework) -> bytes:
    """The empty template of ``_fw`` (the framework in force), labels in ``lang`` first;
    keyed by the framework's hash (which names its content exactly; not by the data token,
    which every upload changes) and by the day: its example fiscal year is today's."""
    from ecocity.io.workbook.template import build_template

    return build_template(_fw, lang_first=lang)


@st.cache_data(show_spinner=False, max_entries=32)
def _estates(url: str, token: str) -> dict[str, tuple[str, str]]:
    return intake.estates_of(engine_for(url))


@st.cache_data(show_spinner=False, max_entries=256)
def _existing(url: str, token: str, estate: str, year: int, sha256: str) -> flow.Existing:
    from ecocity.store import session_scope

    with session_scope(engine_for(url)) as s:
        return flow.existing_state(s, estate, year, sha256)


def _upload_log(url: str, outcome: str | None, include_sample: bool, actor: Actor) -> list:
    # Not cached: logging a rejected file does not change the data version.
    from ecocity.store import list_uploads, session_scope

    with session_scope(engine_for(url)) as s:
        return list_uploads(s, outcome=outcome, include_sample=include_sample, limit=100, visible_to=actor)


def _rows_height(n: int) -> int:
    """A dataframe height that shows every row without an inner scroll bar."""
    return 38 + 35 * n


def _messages(groups: list[flow.MessageGroup], lang: str) -> None:
    """Per sheet, one line per message: the cell in bold, then what was found and what
    to type instead (a table squeezed these long sentences into narrow columns)."""
    for g in groups:
        head = md_escape(g.sheet or t("upload.check.whole_file", lang))
        lines = [f"- **{md_escape(cell)}** · {md_escape(text)}" if cell else f"- {md_escape(text)}"
                 for cell, text in g.items]
        st.markdown(f"**{head}** ({len(g.items)})\n\n" + "\n".join(lines))


def _store_outcome(o: intake.Outcome, fw: Framework, estates: dict, lang: str, area_names: dict[str, str]) -> None:
    text = md_escape(o.message(lang))
    if o.kind == "stored" and o.store is not None:
        r = o.store
        lines = [text]
        fy = fy_label(r.fiscal_year, lang)
        if r.pending:  # the published levels do not move until an assessor accepts it
            st.success(text, icon=":material/pending_actions:")
            return
        if r.level is not None:
            lines.append(t_md("upload.confirm.estate_level", lang, estate=flow.estate_label(r.estate_code, estates, lang),
                           level=flow.level_text(fw, r.level, lang), fy=fy))
        if r.area_code and r.area_level is not None:
            lines.append(t_md("upload.confirm.area_level", lang, area=area_names.get(r.area_code, r.area_code),
                           level=flow.level_text(fw, r.area_level, lang), fy=fy))
        st.success("  \n".join(lines), icon=":material/task_alt:")
    elif o.kind == "duplicate":
        st.info(text, icon=":material/content_copy:")
    elif o.kind == "rejected":
        st.caption(t("upload.check.rejected_logged", lang, id=o.upload_id))
    else:  # failed, unlogged
        st.error(text, icon=":material/error:")


def _file_card(c: flow.Checked, fw: Framework, estates: dict, lang: str, url: str, token: str,
               expand_values: bool, area_names: dict[str, str]) -> None:
    p, r = c.preview, c.preview.result
    status = flow.card_status(c)
    icon, badge_icon, colour = STATUS_LOOK[status]
    with st.container(border=True, key=f"upload_file_{c.file_id}"):
        st.markdown(f"##### {icon} {md_escape(p.filename)}")
        fmt = flow.format_text(r, lang)
        size = flow.size_text(p.size, lang)
        facts = [flow.estate_label(r.estate, estates, lang) if r.estate else None,
                 fy_label(r.fiscal_year, lang) if r.fiscal_year else None,
                 t("upload.check.format", lang, format=fmt, size=size) if fmt else size]
        with st.container(horizontal=True, vertical_alignment="center"):
            st.badge(t(f"upload.status.{status}", lang), color=colour, icon=badge_icon)
            st.caption(md_escape(" · ".join(f for f in facts if f)))

        if status == "check_failed":
            st.error(t("upload.check.failed", lang), icon=":material/bug_report:")
        elif status == "denied":  # a good file, for an estate this account is not responsible for
            st.warning(md_escape(r.errors[0].message(lang)), icon=":material/lock:")
        elif status == "rejected":
            st.error(t(flow.rejected_note_key(r.errors), lang), icon=":material/block:")
            st.markdown(f"**{t('upload.check.errors', lang, count=len(r.errors))}**")
            _messages(flow.message_groups(r.errors, lang), lang)
        if r.warnings:
            with st.expander(t("upload.check.warnings", lang, count=len(r.warnings)), icon=":material/warning:",
                             expanded=not p.accepted or expand_values):
                _messages(flow.message_groups(r.warnings, lang), lang)

        if p.accepted and p.assessment is not None:
            a = p.assessment
            left, right = st.columns(2, gap="medium")
            with left:
                st.metric(t("upload.level.heading", lang),
                          t("upload.level.value", lang, level=flow.level_text(fw, a.level, lang)))
                filled = sum(v is not None for v in a.values.values())
                st.caption(t("upload.level.score", lang, score=fmt_number(a.overall_score, lang, digits=2),
                             top=fw.top_level, filled=filled, total=len(a.values)))
                if a.gap:
                    st.markdown(t("upload.level.gap_heading", lang,
                                  level=flow.level_text(fw, a.level + 1, lang)))
                    st.markdown("\n".join(f"- {md_escape(x)}" for x in flow.gap_lines(fw, a, lang)))
                else:
                    st.markdown(t("upload.level.top", lang))
                st.caption(t("upload.level.note", lang))
            with right:
                _would(c, fw, estates, lang, url, token, area_names)
        elif c.outcome is not None:
            _store_outcome(c.outcome, fw, estates, lang, area_names)

        rows = flow.value_rows(fw, p, lang)
        if rows:
            key = "upload.check.values" if p.accepted or c.denied else "upload.check.values_rejected"
            with st.expander(t(key, lang, count=len(rows)), icon=":material/table_rows:", expanded=expand_values):
                widgets.table(rows, hide_index=True, width="stretch", height=_rows_height(len(rows)),
                             column_config={t("upload.col.code", lang): st.column_config.TextColumn(width="small"),
                                            t("upload.col.indicator", lang): st.column_config.TextColumn(
                                                width="large")})


def _would(c: flow.Checked, fw: Framework, estates: dict, lang: str, url: str, token: str,
           area_names: dict[str, str]) -> None:
    """What confirming would do (before), or what it did (after)."""
    if c.outcome is not None:
        _store_outcome(c.outcome, fw, estates, lang, area_names)
        return
    p = c.preview
    estate, year = p.target or ("", 0)
    existing = _existing(url, token, estate, year, p.sha256)
    kw = {"estate": flow.estate_label(estate, estates, lang), "fy": fy_label(year, lang)}
    would = flow.would_do(p, existing)
    if would == "new":
        st.info(t_md("upload.would.new", lang, **kw), icon=":material/fiber_new:")
    elif would == "duplicate":
        st.info(t_md("upload.would.duplicate", lang, version=existing.duplicate_of, **kw), icon=":material/content_copy:")
    else:
        current = existing.current_version
        st.warning(t_md("upload.would.new_version", lang, current=current, next=(current or 0) + 1, **kw),
                   icon=":material/history:")
        changes = flow.value_changes(fw, p.result.submission.values, existing) if p.result.submission else []
        if changes:
            st.markdown(f"**{t('upload.would.changes', lang, current=current, count=len(changes))}**")
            widgets.table(flow.change_rows(fw, changes, lang), hide_index=True, width="stretch")
        else:
            st.caption(t("upload.would.no_changes", lang, current=current))


# ----------------------------------------------------------------------------- the page

lang = current_lang()
actor = run_actor()
url, token = database_url(), data_token()  # one token read for the whole run
fw = readers.framework(url, token)
engine = engine_for(url)
estates = _estates(url, token)
area_names = {a.code: a.name(lang) for a in readers.registry_overview(url, token).areas}

st.title(t("upload.title", lang))
st.caption(t("upload.intro", lang))


def _returned(actor: Actor) -> None:
    """What an assessor returned to this officer's estates: the comments, and a link to the
    estate, whose next upload is the corrected version."""
    from ecocity.pagemodels.review import note_lines
    from ecocity.ui.filters import link
    from ecocity.ui.routes import Target

    for code, year, note in detail_readers.returned_for(url, token, tuple(sorted(actor.estates))):
        with st.container(border=True, key=f"upload_returned_{code}_{year}"):
            st.markdown(t_md("upload.returned.heading", lang, estate=flow.estate_label(code, estates, lang),
                             fy=fy_label(year, lang), version=note.version))
            if note.comment:
                st.markdown(md_escape(note.comment))
            lines = note_lines(fw, note.indicators, lang)
            if lines:
                st.markdown("\n".join(f"- **{md_escape(ind)}** · {md_escape(text)}" for ind, text in lines))
            link(Target("estate", code, {"year": str(year)}), t("upload.returned.open", lang),
                 icon=":material/open_in_new:")


if actor.role == "officer" and actor.estates:
    _returned(actor)

# 1. The template ------------------------------------------------------------------
st.subheader(t("upload.template.heading", lang))
st.markdown(t("upload.template.body", lang, framework=f"{md_escape(fw.name(lang))} v{fw.version}",
            count=len(fw.indicators)))
st.download_button(t("upload.template.button", lang), _template(fw.sha256, lang, date.today(), fw),
                   file_name=safe_filename(template_filename(fw), default="ecocity-template.xlsx"), mime=widgets.XLSX_MIME, icon=":material/download:",
                   help=t("upload.template.help", lang), key="upload_template", on_click="ignore")

# 2. Who and files -----------------------------------------------------------------
st.subheader(t("upload.send.heading", lang))
if not actor.may("upload"):  # viewers and anonymous visitors: the store refuses them anyway
    if actor.signed_in:
        st.info(t("upload.send.viewer", lang, who=md_escape(actor.label)), icon=":material/lock:")
    else:
        st.info(t("upload.send.sign_in_needed", lang), icon=":material/login:")
        sign_in_link(lang)
    st.stop()
yours = (t("upload.send.all_estates", lang) if actor.is_admin
         else ", ".join(md_escape(flow.estate_label(e, estates, lang)) for e in sorted(actor.estates))
         or t("upload.send.no_estates", lang))
st.markdown(t("upload.send.signed_in", lang, who=md_escape(actor.label), estates=yours))
if not actor.is_admin and not actor.estates:
    st.warning(t("upload.send.no_estates_note", lang), icon=":material/assignment_ind:")
limit = settings().max_upload_bytes
files = widgets.file_uploader(
    t("upload.send.files_label", lang), multiple=True, lang=lang, limit_bytes=limit,
    key=f"upload_files_{st.session_state.setdefault(ROUND_KEY, 0)}",
    # No type filter: a renamed PDF or a CSV reaches the checker, which says in Thai or
    # English what the file really is, and the file is logged. The uploader enforces and
    # states the size limit; the checker enforces it again.
    help=t("upload.send.files_help", lang, limit=widgets.upload_limit_mb(limit)))

batch: dict[str, flow.Checked] = st.session_state.setdefault(BATCH_KEY, {})
uploaded = list(files or [])
new = [f for f in uploaded if f.file_id not in batch]
if new:
    bar = st.progress(0.0, text=t("upload.checking", lang, done=0, total=len(new), file=new[0].name))
    fresh_estates = intake.estates_of(engine)  # the registry as it is now, not as cached
    for done, f in enumerate(new, 1):
        batch[f.file_id] = flow.check_one(engine, fw, fresh_estates, file_id=f.file_id, filename=f.name,
                                          content=f.getvalue(), by=actor, max_bytes=limit)
        bar.progress(done / len(new), text=t("upload.checking", lang, done=done, total=len(new), file=f.name))
    bar.empty()
# The batch follows the uploader: a file removed there leaves the batch (it stays logged).
batch = {f.file_id: batch[f.file_id] for f in uploaded if f.file_id in batch}
st.session_state[BATCH_KEY] = batch
items = list(batch.values())

if not items:
    st.info(t("upload.send.empty", lang), icon=":material/upload_file:")
else:
    previews = [c.preview for c in items]
    summary = flow.summarize(previews, [
        _existing(url, token, *c.preview.target, c.preview.sha256) if c.pending and c.preview.target else None
        for c in items], denied=sum(c.denied for c in items))
    if summary.total > 1:
        st.markdown(t("upload.batch.summary_denied" if summary.denied else "upload.batch.summary", lang,
                      total=summary.total, accepted=summary.accepted, rejected=summary.rejected,
                      denied=summary.denied))
    if summary.duplicates:
        st.caption(t("upload.batch.duplicates", lang, count=summary.duplicates))
    for estate, year, names in summary.same_target:
        st.warning(t("upload.batch.same_target", lang, files=", ".join(md_escape(n) for n in names),
                     estate=flow.estate_label(estate, estates, lang), fy=fy_label(year, lang)),
                   icon=":material/layers:")
    few = len(items) <= 2
    for c in items:
        _file_card(c, fw, estates, lang, url, token, expand_values=few, area_names=area_names)

    # 3. Confirm -------------------------------------------------------------------
    st.subheader(t("upload.confirm.heading", lang))
    pending = [c for c in items if c.pending]
    attempted = [c for c in items if c.preview.accepted and c.outcome is not None]
    if attempted:
        done_ = flow.confirm_summary(items)
        st.success(t("upload.confirm.done", lang, stored=done_.stored, duplicates=done_.duplicates,
                     failed=done_.failed), icon=":material/inventory:")
    if pending:
        clicked = st.button(t("upload.confirm.button", lang, count=len(pending)), type="primary",
                            icon=":material/save:", key="upload_confirm",
                            help=t("upload.confirm.help", lang))
        if clicked:
            bar = st.progress(0.0, text=t("upload.storing", lang, done=0, total=len(pending),
                                          file=pending[0].preview.filename))
            flow.confirm(engine, fw, pending, actor, progress=lambda d, n, f: bar.progress(
                d / n, text=t("upload.storing", lang, done=d, total=n, file=f)))
            st.rerun()  # redraw everything (levels, versions, the log) from the new data
    elif not attempted:
        st.info(t("upload.confirm.nothing", lang), icon=":material/info:")

    # 4. Evidence for what was just stored: the assessor sees it beside each value ----
    stored = sorted({(c.outcome.store.estate_code, c.outcome.store.fiscal_year) for c in attempted
                     if c.outcome is not None and c.outcome.store is not None and c.outcome.store.changed})
    if stored:
        st.subheader(t("upload.evidence.heading", lang))
        st.caption(t("upload.evidence.intro", lang))
        for code, year in stored:
            with st.expander(t_md("upload.evidence.for", lang, estate=flow.estate_label(code, estates, lang),
                                  fy=fy_label(year, lang)), icon=":material/attach_file:", expanded=len(stored) == 1):
                evidence.attach_panel(url, actor, code, year, fw, lang, f"upload_{code}_{year}")
                evidence.evidence_list(url, actor, code, year, lang, f"upload_{code}_{year}", framework=fw)

    def _new_batch() -> None:
        st.session_state[ROUND_KEY] = st.session_state.get(ROUND_KEY, 0) + 1
        st.session_state[BATCH_KEY] = {}

    st.button(t("upload.batch.new_batch", lang), icon=":material/restart_alt:", key="upload_clear",
              on_click=_new_batch)

# The upload log -------------------------------------------------------------------
st.divider()
st.subheader(t("upload.log.heading", lang))
st.caption(t("upload.log.intro", lang))
options = ["all", *flow.LOG_OUTCOMES]
with st.container(horizontal=True, vertical_alignment="bottom"):
    choice = st.segmented_control(
        t("upload.log.filter", lang), options, default="all", key="upload_log_filter",
        format_func=lambda o: t("upload.log.all", lang) if o == "all" else flow.outcome_label(o, lang))
    include_sample = st.toggle(t("upload.log.include_sample", lang), value=True, key="upload_log_sample")
outcome = None if choice in (None, "all") else choice
uploads = _upload_log(url, outcome, include_sample, actor)
if not uploads:
    st.info(t("upload.log.empty", lang), icon=":material/history:")
else:
    widgets.table(flow.log_rows(uploads, lang), hide_index=True, width="stretch", key="upload_log",
                 column_config={t("upload.log.col_no", lang): st.column_config.NumberColumn(width="small", format="%d"),
                                t("upload.log.col_file", lang): st.column_config.TextColumn(width="medium")})
    st.caption(t("upload.log.showing", lang, count=len(uploads)))
    by_id = {u.id: u for u in uploads}
    # Keyed by the newest upload: after a new upload the picker starts on it (the
    # browser would otherwise keep showing the upload picked before).
    picked = st.selectbox(t("upload.log.pick", lang), list(by_id), key=f"upload_log_pick_{uploads[0].id}",
                          format_func=lambda i: flow.upload_choice(by_id[i], lang))
    if picked is not None and picked in by_id:
        u = by_id[picked]
        # The actor is read again when the file is asked for (an account disabled meanwhile is refused).
        st.download_button(t("upload.log.download", lang), file_reader(engine, u.id, actor_at_click(actor)),
                           file_name=safe_filename(u.filename, default="upload.xlsx"),
                           icon=":material/download:", key="upload_log_download", on_click="ignore",
                           disabled=u.size == 0)
        lines = flow.logged_messages(u.messages, lang)
        if lines:
            st.markdown(f"**{t('upload.log.messages', lang)}**\n\n" + "\n".join(
                f"- {':red-badge' if sev == 'error' else ':orange-badge'}[{t(f'upload.log.{sev}', lang)}] "
                + (f"**{md_escape(cell)}** · " if cell else "") + md_escape(text)
                for sev, cell, text in lines))
        else:
            st.caption(t("upload.log.no_messages", lang))
