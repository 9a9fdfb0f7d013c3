"""Estate / นิคม: one industrial estate in the selected fiscal year: its level on the path to
Happiness, dimension scores against last year, history, every indicator with its level, next
threshold and trend, what it needs for the next level, its area, and its submissions with
versions (compare, restore, download). Thin: cached readers and ecocity.pagemodels.estate do the work."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecocity.core import access
from ecocity.core import review as review_rules
from ecocity.core.text import level_column
from ecocity.core.textsafe import md_escape, safe_filename, t_md
from ecocity.i18n import bilingual, fmt_number, fy_label, t
from ecocity.pagemodels import estate as estate_model
from ecocity.pagemodels import review as review_model
from ecocity.pagemodels.method import score_text
from ecocity.pagemodels.overview import share_text
from ecocity.pagemodels.rows import best_first, for_year
from ecocity.store.errors import StoreError
from ecocity.ui import detail_readers, evidence, figures, filters, pending, readers, targets, whatif, widgets
from ecocity.ui.auth import run_actor
from ecocity.ui.db import engine_for
from ecocity.ui.lang import current_lang
from ecocity.ui.routes import Target, target_from_row

PICK = "estate_pick"  # widget keys
ASK = "_estate_restore_ask"  # (code, year, version) awaiting confirmation
DONE = "_estate_restore_done"  # (code, year, message) of the last restore

lang = current_lang()
actor = run_actor()
url, token, fw, registry, area_rows, estate_rows, years = readers.page_data()
f = filters.sidebar(lang, years, registry.regions, fw, show=(filters.YEAR,))

area_of = {e.code: a for a in registry.areas for e in a.estates}
choices = sorted(registry.estates, key=lambda e: (area_of[e.code].name(lang) if e.code in area_of else "~",
                                                   e.name(lang)))
codes = [e.code for e in choices]
code = filters.page_param("estate", codes)


def _label(c: str) -> str:
    e = next(x for x in choices if x.code == c)
    return f"{e.name(lang)} · {area_of[c].name(lang)}" if c in area_of else e.name(lang)


def _picked() -> None:
    if st.session_state.get(PICK):
        filters.remember("estate", st.session_state[PICK])


st.session_state[PICK] = code
st.sidebar.selectbox(t("estate.pick", lang), codes, key=PICK, format_func=_label,
                     placeholder=t("estate.pick_placeholder", lang), on_change=_picked)


# ----------------------------------------------------------------------------- no estate chosen


def _chooser() -> None:
    st.title(t("estate.title", lang))
    if f.year is None:
        widgets.show_empty_state(lang)
        return
    st.caption(t("estate.choose", lang, year=fy_label(f.year, lang)))
    this = best_first(for_year(estate_rows, f.year))
    if not this:
        st.info(t("estate.none_this_year", lang, year=fy_label(f.year, lang)))
        return
    c = {k: t(f"estate.list.{k}", lang) for k in ("estate", "area", "level", "score", "completeness")}
    table = pd.DataFrame([{
        c["estate"]: r.name(lang),
        c["area"]: area_of[r.code].name(lang) if r.code in area_of else "–",
        c["level"]: level_column(fw, r.level, lang),
        c["score"]: score_text(r.overall_score),
        c["completeness"]: f"{fmt_number(r.completeness * 100, lang)}%",
    } for r in this])
    event = widgets.table(table, hide_index=True, key="estate_list", on_select="rerun", selection_mode="single-row")
    target = target_from_row("estate", [r.code for r in this], event)
    if target:
        filters.go(target)


# ----------------------------------------------------------------------------- one estate


def _level_style(df: pd.DataFrame, column: str, levels: list[int | None]):
    def paint(col: pd.Series) -> list[str]:
        out = []
        for lv in levels:
            if lv is None:
                out.append("color: #6B7B72; font-style: italic")
            else:
                colour = fw.level(lv).colour
                out.append(f"background-color: {colour}; color: {widgets.text_on(colour)}")
        return out
    return df.style.apply(paint, subset=[column])


def _indicator_table(m: estate_model.EstateModel) -> None:
    st.subheader(t("estate.indicators.heading", lang, n=len(m.lines)))
    st.caption(t("estate.indicators.hint", lang))
    c = {k: t(f"estate.indicators.col_{k}", lang) for k in ("code", "name", "value", "level", "next", "trend")}
    table = pd.DataFrame([{
        c["code"]: ln.code,
        c["name"]: fw.indicator(ln.code).name(lang),
        c["value"]: ln.value_text,
        c["level"]: t("estate.indicators.missing_level", lang) if ln.level is None else level_column(fw, ln.level, lang),
        c["next"]: ln.next_text,
        c["trend"]: list(ln.trend),
    } for ln in m.lines])
    years = m.lines[0].trend_years if m.lines else ()
    widgets.table(
        _level_style(table, c["level"], [ln.level for ln in m.lines]), where=st.container(key="estate_indicators"),
        hide_index=True,
        height=35 * (len(table) + 1) + 3,
        column_config={  # each as wide as its longest text: Streamlit cuts a cell at its column's edge
            c["code"]: st.column_config.TextColumn(width=widgets.column_width(c["code"], table[c["code"]]), pinned=True),
            **{c[k]: st.column_config.TextColumn(width=widgets.column_width(c[k], table[c[k]]))
               for k in ("name", "value", "level", "next")},
            c["trend"]: st.column_config.LineChartColumn(
                width=90, help=t("estate.indicators.trend_help", lang, first=min(years) if years else "–",
                                  last=max(years) if years else "–")),
        })


def _gap(m: estate_model.EstateModel) -> None:
    row = m.row
    if row.level >= fw.top_level:
        st.success(t("gap.empty_top", lang), icon=":material/celebration:")
        return
    st.subheader(t("estate.gap.heading", lang, level=level_column(fw, row.level + 1, lang)))
    if not m.gap:
        st.caption(t("estate.gap.none", lang))
        return
    st.markdown("\n".join(f"- **{md_escape(g.text)}** · {md_escape(g.reason)}" for g in m.gap))


def _review(m: estate_model.EstateModel, year: int, versions: tuple) -> bool:
    """Where the newest version stands in review; its comments for who may read them; and,
    for a reviewer who may review it, the review screen (docs/design-notes.md, "Review").
    True when the review screen (with the evidence) was drawn."""
    newest = versions[0]
    insider = review_rules.sees_pending(actor, m.info.code)
    notes = detail_readers.review_notes(url, token, m.info.code, year) if insider else {}
    if not insider:
        return False  # the public sees the published figures only
    if newest.status == "pending":
        key = "review.page.pending_shown" if pending.active() else "review.page.pending"
        st.warning(t(key, lang, version=newest.version, when=estate_model.when_text(newest.created_at, lang)),
                   icon=":material/pending_actions:")
    elif newest.status == "returned":
        st.warning(t("review.page.returned", lang, version=newest.version), icon=":material/undo:")
    for v in versions:  # the comments of every returned version, newest first
        note = notes.get(v.version)
        if note is None or not (note.comment or note.indicators):
            continue
        with st.expander(t("review.page.comments", lang, version=v.version,
                           status=t(f"review.status.{note.status}", lang)),
                         expanded=v is newest, icon=":material/rate_review:"):
            st.caption(t("review.page.by", lang, who=md_escape(note.reviewed_by or "–"),
                         when=estate_model.when_text(note.reviewed_at, lang) if note.reviewed_at else "–"))
            if note.comment:
                st.markdown(md_escape(note.comment))
            lines = review_model.note_lines(fw, note.indicators, lang)
            if lines:
                st.markdown("\n".join(f"- **{md_escape(ind)}** · {md_escape(text)}" for ind, text in lines))
    if newest.status != "pending" or not actor.signed_in:
        return False
    why = review_rules.refusal(actor, m.area.code if m.area else None, newest.created_by)
    if why == "not_reviewer":
        return False
    if why is not None:
        st.caption(t(f"review.denied.{why}", lang, who=md_escape(actor.label), estate=md_escape(m.info.name(lang))))
        return False
    _review_form(m, year, newest)
    return True


def _review_form(m: estate_model.EstateModel, year: int, newest) -> None:
    values = detail_readers.version_values(url, token, m.info.code, year)
    published = next((values.get(v.version) for v in detail_readers.versions(url, token, m.info.code, year)
                      if v.is_current), None)
    files = evidence.evidence_by_indicator(url, m.info.code, year, actor=actor)
    rows = review_model.review_rows(fw, values.get(newest.version, {}), published,
                                    {code: len(items) for code, items in files.items()}, lang)
    c = {k: t(f"review.form.col_{k}", lang) for k in ("code", "name", "value", "published", "evidence", "comment")}
    frame = pd.DataFrame([{c["code"]: r.code, c["name"]: r.name, c["value"]: ("● " if r.changed else "") + r.value,
                           c["published"]: r.published, c["evidence"]: r.evidence, c["comment"]: ""} for r in rows])
    with st.container(border=True, key="review_panel"):
        st.subheader(t("review.form.heading", lang, version=newest.version))
        st.caption(t("review.form.intro", lang))
        evidence.evidence_list(url, actor, m.info.code, year, lang, "review", framework=fw)
        with st.form(key=f"review_form_{m.info.code}_{year}_{newest.version}"):
            edited = st.data_editor(
                frame, hide_index=True, width="stretch", key="review_values",
                disabled=[c["code"], c["name"], c["value"], c["published"], c["evidence"]],
                # At 1280 px the comment column must show without scrolling sideways.
                column_config={c["name"]: st.column_config.TextColumn(width="medium"),
                               c["evidence"]: st.column_config.NumberColumn(width="small"),
                               c["comment"]: st.column_config.TextColumn(width="large", max_chars=4000)})
            whole = st.text_area(t("review.form.whole", lang), max_chars=4000, key="review_whole")
            accept_col, return_col = st.columns(2)
            accept = accept_col.form_submit_button(t("review.form.accept", lang), type="primary",
                                                   icon=":material/verified:", width="stretch")
            back = return_col.form_submit_button(t("review.form.return", lang), icon=":material/undo:",
                                                 width="stretch")
        if accept or back:
            per = {str(r[c["code"]]): str(r[c["comment"]]) for _, r in edited.iterrows()
                   if str(r[c["comment"]] or "").strip()}
            try:
                result = detail_readers.review(url, m.info.code, year, "accept" if accept else "return", actor,
                                               comment=whole, indicator_comments=per, version=newest.version)
            except StoreError as e:
                st.error(e.message(lang), icon=":material/block:")
                return
            st.session_state[DONE] = (m.info.code, year, t_md(
                f"review.page.done_{result.status}", lang, version=result.version,
                level=level_column(fw, result.level, lang) if result.level is not None else "–"))
            st.rerun()


def _versions(m: estate_model.EstateModel, year: int) -> None:
    st.header(t("estate.versions.heading", lang, year=fy_label(year, lang)), divider="green")
    done = st.session_state.get(DONE)
    if done and done[0] == m.info.code and done[1] == year:
        st.success(done[2], icon=":material/history:")
    versions = detail_readers.versions(url, token, m.info.code, year)
    reviewed_here = bool(versions) and _review(m, year, versions)
    if review_rules.sees_pending(actor, m.info.code) and not reviewed_here:
        with st.expander(t("evidence.ui.heading", lang), icon=":material/attach_file:", key="estate_evidence"):
            evidence.attach_panel(url, actor, m.info.code, year, fw, lang, "estate")
            evidence.evidence_list(url, actor, m.info.code, year, lang, "estate", framework=fw)
    if not review_rules.sees_pending(actor, m.info.code):
        # Data not yet reviewed is for reviewers, administrators and the estate's officers.
        versions = tuple(v for v in versions if v.status == "accepted")
    if not versions:
        st.info(t("estate.versions.none", lang, year=fy_label(year, lang)))
        _upload_log(m, year)
        return
    levels = detail_readers.version_levels(url, token, m.info.code, year)
    # Who stored each version is an account name: for officers and administrators only.
    rows = estate_model.version_rows(versions, lang, with_names=access.may_see_uploads(actor))
    level_col = t("estate.versions.col_level", lang)
    for row, v in zip(rows, versions, strict=True):
        lv = levels.get(v.version)
        row[level_col] = "–" if lv is None else level_column(fw, lv, lang)
    c = {k: t(f"detail.versions.col_{k}", lang) for k in ("version", "current", "when", "by", "file", "outcome")}
    frame = pd.DataFrame(rows)
    fit = {k: widgets.column_width(k, frame[k]) for k in (c["current"], c["file"], c["outcome"], level_col) if k in frame}
    widgets.table(
        frame, where=st.container(key="estate_versions"), hide_index=True,
        column_config={c["version"]: st.column_config.NumberColumn(width=65),
                       c["current"]: st.column_config.TextColumn(width=fit.get(c["current"], 75)),
                       c["when"]: st.column_config.TextColumn(width=140, help=t("detail.versions.when_help", lang)),
                       c["by"]: st.column_config.TextColumn(width=115),
                       c["file"]: st.column_config.TextColumn(width=fit.get(c["file"], 195)),
                       c["outcome"]: st.column_config.TextColumn(width=fit.get(c["outcome"], 145)),
                       level_col: st.column_config.TextColumn(width=fit.get(level_col, 150))})

    engine = engine_for(url)
    with st.container(key="estate_downloads"):
        # The original files: the estate's officers and administrators, and whoever sent the
        # file (the store checks it too). A version from a file was stored by its uploader.
        files = [v for v in versions if v.upload_id is not None
                 and access.may_download_upload(actor, m.info.code, v.created_by)]
        st.caption(t("estate.versions.downloads" if files else "estate.uploads.not_allowed", lang))
        shown = [v for v in versions if v.upload_id is None or v in files] if files else []
        cols = st.columns(min(len(shown), 4)) if shown else []
        for i, v in enumerate(shown):
            col = cols[i % len(cols)]
            if v.upload_id is None:
                col.caption(t("estate.versions.no_file", lang, version=v.version, source=v.restored_from_version))
                continue
            col.download_button(t("estate.versions.download", lang, version=v.version), icon=":material/download:",
                                data=detail_readers.file_reader(engine, v.upload_id, detail_readers.actor_at_click(actor)),
                                file_name=safe_filename(v.filename, default="upload.xlsx"),
                                key=f"estate_dl_{v.upload_id}", on_click="ignore")

    numbers = [v.version for v in versions]
    pair = estate_model.default_pair(numbers)
    if pair is not None:
        st.subheader(t("estate.compare.heading", lang))
        left, right = st.columns(2)
        old = left.selectbox(t("estate.compare.old", lang), numbers, index=numbers.index(pair[0]),
                             format_func=lambda n: t("estate.versions.version_n", lang, version=n),
                             key=f"estate_cmp_old_{m.info.code}_{year}_{len(numbers)}")
        new = right.selectbox(t("estate.compare.new", lang), numbers, index=numbers.index(pair[1]),
                              format_func=lambda n: t("estate.versions.version_n", lang, version=n),
                              key=f"estate_cmp_new_{m.info.code}_{year}_{len(numbers)}")
        if old == new:
            st.caption(t("estate.compare.same_version", lang))
        else:
            changes = estate_model.changes(fw, detail_readers.compare(url, token, m.info.code, year, old, new), lang)
            if not changes:
                st.caption(t("estate.compare.no_changes", lang, old=old, new=new))
            else:
                st.markdown(t("estate.compare.summary", lang, n=len(changes), old=old, new=new,
                              old_level=level_column(fw, levels[old], lang) if old in levels else "–",
                              new_level=level_column(fw, levels[new], lang) if new in levels else "–"))
                c = {k: t(f"estate.compare.col_{k}", lang) for k in ("code", "name", "old", "new", "levels")}
                widgets.table(pd.DataFrame([{
                    c["code"]: ch.code, c["name"]: ch.name,
                    c["old"]: ch.old, c["new"]: ch.new,
                    c["levels"]: f"{'–' if ch.old_level is None else ch.old_level} → "
                                 f"{'–' if ch.new_level is None else ch.new_level}",
                } for ch in changes]), hide_index=True, key="estate_changes")
        _restore(m, year, versions)
    _upload_log(m, year)


def _restore(m: estate_model.EstateModel, year: int, versions) -> None:
    older = [v.version for v in versions if not v.is_current]
    if not older:
        return
    current = next(v.version for v in versions if v.is_current)
    st.subheader(t("estate.restore.heading", lang))
    if not actor.may("restore", m.info.code):  # the store refuses it anyway
        st.caption(t("estate.restore.not_allowed", lang, current=current))
        return
    st.caption(t("estate.restore.hint", lang, current=current))
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    pick = left.selectbox(t("estate.restore.pick", lang), older,
                          format_func=lambda n: t("estate.versions.version_n", lang, version=n),
                          key=f"estate_restore_pick_{m.info.code}_{year}_{len(versions)}")
    if right.button(t("estate.restore.button", lang, version=pick), icon=":material/restore:",
                    key="estate_restore"):
        st.session_state[ASK] = (m.info.code, year, pick)
    ask = st.session_state.get(ASK)
    if ask and ask[0] == m.info.code and ask[1] == year:
        _confirm(m, year, ask[2], current, max(v.version for v in versions) + 1)


def _cancel_restore() -> None:
    st.session_state.pop(ASK, None)


def _confirm(m: estate_model.EstateModel, year: int, version: int, current: int, new_version: int) -> None:
    def body() -> None:
        st.markdown(t("estate.restore.confirm", lang, estate=md_escape(m.info.name(lang)), year=fy_label(year, lang),
                      version=version, current=current, new=new_version))
        st.caption(t("estate.restore.recorded_as", lang, who=md_escape(actor.label)))
        ok, cancel = st.columns(2)
        if ok.button(t("estate.restore.do", lang, version=version), type="primary", key="estate_restore_confirm",
                     icon=":material/restore:"):
            try:
                result = detail_readers.restore(url, m.info.code, year, version, actor)
            except StoreError as e:
                st.error(e.message(lang))
                return
            st.session_state.pop(ASK, None)
            if result.outcome == "restored":
                done = t_md("estate.restore.done", lang, source=version, estate=m.info.name(lang),
                         year=fy_label(year, lang), version=result.version,
                         level=level_column(fw, result.level, lang) if result.level is not None else "–")
            else:  # someone restored it first: it is already current
                done = result.message(lang)
            st.session_state[DONE] = (m.info.code, year, done)
            st.rerun()
        if cancel.button(t("estate.restore.cancel", lang), key="estate_restore_cancel"):
            st.session_state.pop(ASK, None)
            st.rerun()

    st.dialog(t("estate.restore.dialog_title", lang), on_dismiss=_cancel_restore)(body)()


def _upload_log(m: estate_model.EstateModel, year: int) -> None:
    # Only what list_uploads(visible_to=actor) allows: all for administrators, an officer's
    # estates' and own uploads; viewers and anonymous visitors get a caption instead.
    log = detail_readers.uploads(url, token, m.info.code, year, actor)
    # The whole log of the estate: its officers and administrators (who see it even empty).
    estate_files = access.may_download_upload(actor, m.info.code, None)
    if not log:
        if not estate_files:
            st.caption(t("estate.uploads.hidden", lang))
        return
    engine = engine_for(url)
    at_click = detail_readers.actor_at_click(actor)
    with st.expander(t("estate.uploads.heading", lang, n=len(log)), icon=":material/inventory_2:",
                     key="estate_uploads"):
        if not estate_files:
            st.caption(t("estate.uploads.not_allowed", lang))
        for u in log:
            left, right = st.columns([4, 1], vertical_alignment="center")
            outcome = t(f"estate.uploads.{u.outcome}", lang, version=u.version or "–")
            left.markdown(t("estate.uploads.line", lang, file=md_escape(u.filename),
                            when=estate_model.when_text(u.uploaded_at, lang),
                            by=md_escape(u.uploaded_by or "–"), outcome=outcome))
            # The original files: the estate's officers, administrators and the file's sender
            # (the store checks it too).
            if access.may_download_upload(actor, u.estate_code, u.uploaded_by):
                right.download_button(t("estate.uploads.download", lang),
                                      data=detail_readers.file_reader(engine, u.id, at_click),
                                      file_name=safe_filename(u.filename, default="upload.xlsx"),
                                      key=f"estate_log_dl_{u.id}", on_click="ignore", icon=":material/download:")


def _estate(code: str) -> None:
    m = detail_readers.estate(url, token, code, f.year, lang, targets.this_fiscal_year())
    if m is None:  # the registry changed under the page
        st.info(t("estate.unknown", lang, code=code))
        return
    st.title(md_escape(m.info.name(lang)))
    where = [t("estate.kind", lang)]
    if m.info.province_th:
        where.append(bilingual(lang, m.info.province_th, m.info.province_en or ""))
    if f.year is not None:
        where.append(fy_label(f.year, lang))
    st.caption(md_escape(" · ".join(w for w in where if w)))
    if m.area is not None:
        area_level = (f" ({level_column(fw, m.area_row.level, lang)})" if m.area_row is not None else "")
        filters.link(Target("area", m.area.code), t("estate.area_link", lang, area=md_escape(m.area.name(lang))) + area_level,
                     icon=":material/arrow_back:")
    else:
        st.caption(t("estate.no_area", lang))
    if readers.data_state(url, token).only_sample:
        st.info(t("app.overview.sample_notice", lang), icon=":material/science:")

    if f.year is None:
        widgets.show_empty_state(lang)
        return
    if m.row is None:
        others = ", ".join(str(y) for y in m.years)
        st.info(t("estate.no_data_year", lang, year=fy_label(f.year, lang))
                + (" " + t("estate.years_with_data", lang, years=others) if others else ""))
    else:
        row = m.row
        st.markdown(widgets.badge_html(fw, row.level, lang, big=True), unsafe_allow_html=True)
        widgets.show_path(fw, row.level, lang)
        top = fw.top_level
        level_delta = None if m.last is None or m.last.level == row.level else row.level - m.last.level
        delta = None if m.last is None else f"{row.overall_score - m.last.overall_score:+.2f}"
        last_level = None if m.last is None else level_column(fw, m.last.level, lang)
        widgets.show_cards([
            widgets.Card(t("estate.kpi.level", lang), f"{row.level} / {top}",
                         delta=None if level_delta is None else t("estate.kpi.level_delta", lang, n=f"{level_delta:+d}"),
                         help=t("estate.kpi.level_help", lang, level=level_column(fw, row.level, lang),
                                last=last_level or "–")),
            widgets.Card(t("estate.kpi.score", lang), score_text(row.overall_score), delta=delta,
                         help=t("estate.kpi.score_help", lang)),
            widgets.Card(t("estate.kpi.completeness", lang), share_text(row.completeness, lang),
                         help=t("estate.kpi.completeness_help", lang)),
            widgets.Card(t("estate.kpi.area", lang),
                         f"{m.area_row.level} / {top}" if m.area_row is not None else "–",
                         help=t("estate.kpi.area_help", lang,
                                level=level_column(fw, m.area_row.level, lang) if m.area_row is not None else "–")),
        ], key="estate_kpis")
        _gap(m)
        st.caption(widgets.forecast_text(m.forecast, fw, lang))

    figs = detail_readers.estate_figures(url, token, code, f.year, lang)
    if figs:
        left, right = st.columns(2, gap="large")
        if "dimensions" in figs:
            left.plotly_chart(figs["dimensions"], key="estate_dimensions", theme=None, config=figures.CONFIG)
        if "history" in figs:
            right.plotly_chart(figs["history"], key="estate_history", theme=None, config=figures.CONFIG)
    if m.row is not None:
        _indicator_table(m)
        whatif.show(fw, m.row.values, lang, key="estate_whatif")
    _versions(m, f.year)


if code is None:
    _chooser()
else:
    _estate(code)
