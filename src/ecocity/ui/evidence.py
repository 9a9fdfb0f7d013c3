"""Evidence on the pages: the attach form for an estate's officers, the list of files with their
downloads for who may read them, and the files per indicator for counts beside each value (the
store checks and audits every permission; names shown escaped, downloads safely named)."""

from __future__ import annotations

import math
from collections.abc import Callable

import streamlit as st

from ecocity.core.access import Actor
from ecocity.core.framework import Framework
from ecocity.core.textsafe import md_escape, safe_filename
from ecocity.i18n import fmt_datetime, t
from ecocity.io.evidence import ACCEPTED_EXTENSIONS
from ecocity.store.db import Engine, session_scope
from ecocity.store.errors import StoreError
from ecocity.store.evidence import (
    EvidenceInfo,
    attach_evidence,
    list_evidence,
    may_remove,
    read_evidence,
    readable,
    remove_evidence,
)
from ecocity.ui.db import engine_for

MB = 1024 * 1024


def limit_mb() -> int:
    """The evidence size limit in whole MB as the uploader applies it: ECOCITY_MAX_EVIDENCE_MB,
    but never above Streamlit's ``server.maxUploadSize``, which refuses any larger request
    before the app sees it (raise both, and the proxy's body limit, for larger files)."""
    from ecocity.config import settings

    server = int(st.get_option("server.maxUploadSize") or 0)
    own = max(1, math.ceil(settings().max_evidence_bytes / MB))
    return min(own, server) if server > 0 else own


def evidence_by_indicator(url: str, estate_code: str, year: int, *,
                          actor: Actor | None = None) -> dict[str, list[EvidenceInfo]]:
    """indicator code ('' for the whole submission) -> its evidence files (without their
    bytes), oldest first; the codes without files are absent. With ``actor``: empty unless
    that actor may read the estate's evidence (its officers, its area's reviewers,
    administrators). Not cached: one small indexed query without the files' bytes."""
    with session_scope(engine_for(url)) as s:
        if actor is not None and not readable(s, actor, estate_code):
            return {}
        items = list_evidence(s, estate_code, year)
    out: dict[str, list[EvidenceInfo]] = {}
    for e in items:
        out.setdefault(e.indicator_code, []).append(e)
    return out


def count_text(n: int, lang: str) -> str:
    """"2 files" / "2 ไฟล์", for a count beside a value."""
    return t("evidence.ui.count", lang, n=n)


def _size(n: int) -> str:
    return f"{n / MB:.1f} MB" if n >= MB else f"{max(1, round(n / 1024))} KB"


def _subject(fw: Framework | None, code: str, lang: str) -> str:
    if not code:
        return t("evidence.ui.whole", lang)
    if fw is not None and fw.has_indicator(code):
        return f"{code} {fw.indicator(code).name(lang)}"
    return code


def _version(e: EvidenceInfo, lang: str) -> str:
    return t("evidence.ui.version", lang, version=e.version) if e.version else t("evidence.ui.no_version", lang)


# ----------------------------------------------------------------------------- attach


def attach_panel(engine_url: str, actor: Actor, estate_code: str, fiscal_year: int, framework: Framework,
                 lang: str, key_prefix: str) -> EvidenceInfo | None:
    """The attach form for the estate's officers and administrators (nothing is drawn for
    anyone else): a file, what it supports (the whole submission or one indicator of
    ``framework``) and a button. A refused file shows every reason; nothing is kept.
    Returns what was attached in this run, else None. Draw it before :func:`evidence_list`
    so that the list shows a new file in the same run."""
    if not actor.may("submit", estate_code):
        return None
    codes = ["", *framework.codes]
    with st.form(key=f"{key_prefix}_evidence_form", clear_on_submit=True, border=False):
        upload = st.file_uploader(t("evidence.ui.file", lang), type=list(ACCEPTED_EXTENSIONS),
                                  key=f"{key_prefix}_evidence_file", max_upload_size=limit_mb(),
                                  help=t("evidence.ui.help", lang, limit=limit_mb(),
                                         types=", ".join("." + e for e in ACCEPTED_EXTENSIONS)))
        code = st.selectbox(t("evidence.ui.attach_to", lang), codes, key=f"{key_prefix}_evidence_for",
                            format_func=lambda c: _subject(framework, c, lang))
        sent = st.form_submit_button(t("evidence.ui.attach", lang), icon=":material/attach_file:")
    if not sent or upload is None:
        return None
    try:
        info = attach_evidence(engine_for(engine_url), actor, estate_code, fiscal_year, filename=upload.name,
                               content=upload.getvalue(), indicator_code=code or "")
    except StoreError as e:  # a refused file, no permission, an unknown indicator: one sentence each
        st.error(md_escape(e.message(lang)), icon=":material/block:")
        return None
    where = _subject(framework, info.indicator_code, lang) + " · " + (
        t("evidence.ui.where_version", lang, version=info.version) if info.version
        else t("evidence.ui.where_none", lang))
    st.success(t("evidence.ui.attached", lang, file=md_escape(info.filename), where=md_escape(where)),
               icon=":material/check_circle:")
    return info


# ----------------------------------------------------------------------------- list


def evidence_reader(engine: Engine, evidence_id: int, by: Callable[[], Actor]) -> Callable[[], bytes]:
    """A no-argument callable returning an evidence file's bytes, for st.download_button (it
    runs when the user clicks, on another thread: no Streamlit calls inside). ``by`` gives the
    actor at that moment (``detail_readers.actor_at_click``); the store refuses (audited
    'download.denied') an actor who may not read it then."""
    return lambda: read_evidence(engine, evidence_id, by())[2]


def evidence_list(url: str, actor: Actor, estate_code: str, fiscal_year: int, lang: str, key_prefix: str, *,
                  framework: Framework | None = None) -> None:
    """The estate's evidence files for the year, grouped by what they support (the whole
    submission first, then each indicator), each with its size, sender, time, version and a
    download button; a remove button for its sender or an administrator while the version
    is not accepted. Only for who may read them (its officers, its area's reviewers,
    administrators): anyone else gets one line saying who may. ``framework`` gives the
    indicators' names (default: the framework in force)."""
    from ecocity.ui.detail_readers import actor_at_click

    engine = engine_for(url)
    flash = st.session_state.pop(f"{key_prefix}_evidence_flash", None)
    if flash:
        st.success(flash, icon=":material/check_circle:")
    with session_scope(engine) as s:
        if not readable(s, actor, estate_code):
            st.caption(t("evidence.ui.hidden", lang))
            return
        items = list_evidence(s, estate_code, fiscal_year)
    if not items:
        st.caption(t("evidence.ui.none", lang))
        return
    if framework is None:
        from ecocity.store.inforce import framework_in_force

        framework = framework_in_force(engine)
    at_click = actor_at_click(actor)
    groups: dict[str, list[EvidenceInfo]] = {}
    for e in items:
        groups.setdefault(e.indicator_code, []).append(e)
    for code in sorted(groups, key=lambda c: (c != "", c)):
        st.markdown(f"**{md_escape(_subject(framework, code, lang))}**")
        for e in groups[code]:
            text, download, remove = st.columns([6, 1, 1], vertical_alignment="center")
            text.markdown(t("evidence.ui.line", lang, file=md_escape(e.filename), size=_size(e.size),
                            by=md_escape(e.uploaded_by or "–"), when=fmt_datetime(e.uploaded_at, lang),
                            version=_version(e, lang)))
            download.download_button(t("evidence.ui.download", lang), data=evidence_reader(engine, e.id, at_click),
                                     file_name=safe_filename(e.filename, default="evidence"), mime=e.media_type,
                                     key=f"{key_prefix}_evidence_dl_{e.id}", on_click="ignore",
                                     icon=":material/download:")
            if may_remove(actor, e.estate_code, e.uploaded_by, e.status) and remove.button(
                    t("evidence.ui.remove", lang), key=f"{key_prefix}_evidence_rm_{e.id}",
                    icon=":material/delete:"):
                try:
                    gone = remove_evidence(engine, e.id, actor)
                except StoreError as err:
                    st.error(md_escape(err.message(lang)), icon=":material/block:")
                    continue
                st.session_state[f"{key_prefix}_evidence_flash"] = t(
                    "evidence.ui.removed", lang, file=md_escape(gone.filename))
                st.rerun()
