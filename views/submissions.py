"""Submissions / การส่งข้อมูล: for reviewers and administrators, every registry estate and where
its report for a fiscal year stands (not sent, waiting for review, returned, accepted, late),
counted per area, with the list to remind as XLSX or CSV; administrators set the due date.
Thin: ``store.review.submission_statuses`` and ``pagemodels.review`` do the work."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ecocity.core.textsafe import t_md
from ecocity.i18n import fiscal_year_of, fmt_date, fy_label, region_label, t
from ecocity.io.tablefile import csv_bytes, xlsx_bytes
from ecocity.pagemodels import review as review_model
from ecocity.store.errors import StoreError
from ecocity.ui import detail_readers, readers, widgets
from ecocity.ui.auth import require_page
from ecocity.ui.lang import current_lang

lang = current_lang()
actor = require_page("review")
url, token, fw, registry, area_rows, estate_rows, years = readers.page_data()

st.title(t("submissions.title", lang))
st.caption(t("submissions.intro", lang))

this_year = fiscal_year_of(pd.Timestamp.today().date())
choices = sorted({*years, this_year, this_year + 1}, reverse=True)
area_names = {a.code: a.name(lang) for a in registry.areas}
left, mid, right = st.columns(3)
year = left.selectbox(t("submissions.year", lang), choices, index=choices.index(this_year),
                      format_func=lambda y: fy_label(y, lang), key="submissions_year")
area = mid.selectbox(t("submissions.area", lang), [None, *sorted(area_names, key=area_names.get)],
                     format_func=lambda c: t("submissions.all_areas", lang) if c is None else area_names[c],
                     key="submissions_area")
region = right.selectbox(t("submissions.region", lang), [None, *registry.regions],
                         format_func=lambda r: t("submissions.all_regions", lang) if r is None else region_label(r, lang),
                         key="submissions_region")

due = detail_readers.due_dates(url, token).get(year)
st.info(t("submissions.due", lang, due=fmt_date(due, lang)) if due else t("submissions.no_due", lang),
        icon=":material/event:")
if actor.may("set_due_dates"):
    with st.form(key="submissions_due_form", border=False):
        a, b, c = st.columns([2, 1, 1], vertical_alignment="bottom")
        picked = a.date_input(t("submissions.set_due", lang), value=due, key="submissions_due")
        save = b.form_submit_button(t("submissions.save_due", lang), icon=":material/save:")
        clear = c.form_submit_button(t("submissions.clear_due", lang))
    if save or clear:
        try:
            detail_readers.set_due(url, actor, year, None if clear else picked)
        except StoreError as e:
            st.error(e.message(lang))
        else:
            st.toast(t("submissions.due_saved", lang), icon=":material/event_available:")
            st.rerun()

rows = detail_readers.submission_statuses(url, token, year, area, region)
counts = {s: sum(r.status == s for r in rows) for s in ("none", "pending", "returned", "accepted")}
st.markdown(t_md("submissions.summary", lang, late=sum(r.late for r in rows), **counts))

st.subheader(t("submissions.counts", lang))
widgets.table(pd.DataFrame(review_model.counts_by_area(rows, area_names, lang)), hide_index=True,
              width="stretch", key="submissions_counts")

st.subheader(t("submissions.list", lang))
listed = review_model.submission_rows(rows, area_names, lang)
# Each column as wide as its widest text (Streamlit sizes by the first rows and cuts the
# rest, the status's "late" included); the estate pinned while the table scrolls sideways.
widths = {col: widgets.column_width(col, [r[col] for r in listed]) for col in (listed[0] if listed else ())}
widgets.table(pd.DataFrame(listed), hide_index=True, width="stretch", key="submissions_table",
              column_config={col: st.column_config.TextColumn(width=w, pinned=i == 0)
                             for i, (col, w) in enumerate(widths.items())})

chase = review_model.to_chase(rows)
st.subheader(t("submissions.to_chase", lang, n=len(chase)))
if chase:
    table = review_model.submission_rows(chase, area_names, lang, with_contacts=True)
    header = list(table[0])
    body = [list(r.values()) for r in table]
    name = f"submissions-{year}"
    x, c = st.columns(2)
    x.download_button(t("submissions.download_xlsx", lang), data=xlsx_bytes(str(year), header, body),
                      file_name=f"{name}.xlsx", icon=":material/download:", key="submissions_xlsx",
                      mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
    c.download_button(t("submissions.download_csv", lang), data=csv_bytes(header, body), file_name=f"{name}.csv",
                      icon=":material/download:", key="submissions_csv", mime="text/csv", on_click="ignore")
