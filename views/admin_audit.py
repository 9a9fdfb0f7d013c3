"""Administration: the audit log, filtered, with CSV and Excel exports."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from ecocity.flows import audit_export
from ecocity.i18n import THAI_TIME, t, thai_local
from ecocity.store import audit
from ecocity.store.db import session_scope
from ecocity.ui import widgets
from ecocity.ui.auth import require_page
from ecocity.ui.db import database_url, engine_for
from ecocity.ui.lang import current_lang

LIMIT = 2000

by = require_page("view_audit")
lang = current_lang()
engine = engine_for(database_url())
st.title(t("admin.audit.title", lang))
st.caption(t("admin.audit.intro", lang))

with session_scope(engine) as s:  # read afresh: new entries do not move the data token
    actors, actions = audit.filter_choices(s)
    first = audit.first_at(s)

ANY = ""
today = datetime.now(THAI_TIME).date()
# Periods read in B.E.: fiscal years and months from the oldest entry; days picked on the
# (Gregorian) calendar only by choice, and then repeated below in the app's own dates.
periods = {p.key: p for p in audit_export.periods(today, thai_local(first).date() if first else None)}
# "Anyone" is None: the anonymous actor is recorded as "" and must stay selectable.
c1, c2, c3, c4 = st.columns(4)
who = c1.selectbox(t("admin.audit.who", lang), [None, *actors], key="audit_who",
                   format_func=lambda a: t("admin.audit.any", lang) if a is None
                   else (a or t("access.anonymous", lang)))
action = c2.selectbox(t("admin.audit.action", lang), [ANY, *actions], key="audit_action",
                      format_func=lambda a: t("admin.audit.any", lang) if a == ANY
                      else audit_export.action_text(a, lang))
outcome = c3.selectbox(t("admin.audit.outcome", lang), [ANY, "ok", "denied", "failed"], key="audit_outcome",
                       format_func=lambda o: t("admin.audit.any", lang) if o == ANY
                       else t(f"admin.audit.outcomes.{o}", lang))
picked = c4.selectbox(t("admin.audit.period_label", lang), list(periods), key="audit_period",
                      format_func=lambda k: audit_export.period_label(periods[k], lang),
                      help=t("admin.audit.period_help", lang))
period = periods.get(picked or "any", periods["any"])
since, until = period.since, period.until
if period.key == "custom":
    d1, d2 = st.columns(2)
    since = d1.date_input(t("admin.audit.since", lang), value=None, max_value=today, key="audit_since",
                          format="DD/MM/YYYY", help=t("admin.audit.date_help", lang))
    until = d2.date_input(t("admin.audit.until", lang), value=None, max_value=today, key="audit_until",
                          format="DD/MM/YYYY", help=t("admin.audit.date_help", lang))
shown_range = audit_export.range_text(since, until, lang)
if shown_range:
    st.caption(t("admin.audit.range", lang, range=shown_range))
if audit_export.bad_range(since, until):
    st.warning(t("admin.audit.bad_range", lang))
    st.stop()

with session_scope(engine) as s:
    entries = audit.list_entries(s, **audit_export.query(who, action, outcome, since, until), limit=LIMIT)
if not entries:
    st.info(t("admin.audit.empty", lang))
    st.stop()

df = audit_export.frame(entries, lang)
st.caption(t("admin.audit.showing", lang, count=len(entries), limit=LIMIT))
# The details are the longest text: the other columns get widths (px) that fit their usual
# content, so the details start on screen at 1366 px (the table scrolls for the rest).
widths = {"at": 150, "actor": 85, "role": 105, "action": 150, "target": 110, "outcome": 75, "details": "large"}
widgets.table(df, hide_index=True, key="audit_table",
              column_config={t(f"admin.audit.col_{c}", lang): st.column_config.TextColumn(width=w)
                             for c, w in widths.items()})
now = datetime.now(THAI_TIME)
widgets.table_downloads(
    "audit_{ext}", (t("admin.audit.csv", lang), audit_export.filename("csv", now), lambda: audit_export.to_csv(df)),
    (t("admin.audit.xlsx", lang), audit_export.filename("xlsx", now), lambda: audit_export.to_xlsx(df)))
