"""The audit log's CSV and Excel exports (ecocity.flows.audit_export) from real entries: text a
spreadsheet would run as a formula ("=HYPERLINK(...)" typed as a user name or stored as
a target) stays text; times in Thai time with B.E. years; headers in th/en."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from ecocity.core.access import ANONYMOUS, Actor
from ecocity.flows import audit_export
from ecocity.i18n import t
from ecocity.store import audit, session_scope

EVIL = '=HYPERLINK("http://evil.example","click")'


def _entries(engine):
    audit.record_alone(engine, ANONYMOUS, "auth.sign_in", EVIL, outcome="failed", details={"reason": "unknown"})
    audit.record_alone(engine, Actor("+somchai", "officer"), "upload.stored", "@MAP-TA-PHUT/2566",
                       details={"file": "-2+3.xlsx"})
    with session_scope(engine) as s:
        return audit.list_entries(s)


def test_csv_keeps_formulas_as_text(engine):
    df = audit_export.frame(_entries(engine), "en")
    rows = list(csv.reader(io.StringIO(audit_export.to_csv(df).decode("utf-8-sig"))))
    assert rows[0] == [t(f"admin.audit.col_{c}", "en") for c in audit_export.COLUMNS]
    cells = [c for r in rows[1:] for c in r]
    assert "'" + EVIL in cells and "'+somchai" in cells and "'@MAP-TA-PHUT/2566" in cells
    assert not any(c.lstrip().startswith(("=", "+", "-", "@")) for c in cells)


def test_xlsx_has_no_formula_cells(engine):
    df = audit_export.frame(_entries(engine), "th")
    ws = load_workbook(io.BytesIO(audit_export.to_xlsx(df))).active
    assert [c.value for c in ws[1]] == [t(f"admin.audit.col_{c}", "th") for c in audit_export.COLUMNS]
    cells = [c for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    values = [c.value for c in cells]
    assert "'" + EVIL in values and "'+somchai" in values
    assert t("access.anonymous", "th") in values and t("admin.audit.outcomes.failed", "th") in values


def test_control_characters_typed_as_a_user_name_do_not_break_the_xlsx(engine):
    """A failed sign-in keeps the name as typed (but NUL, which PostgreSQL cannot store);
    XML cannot hold most control characters, so the XLSX leaves them out instead of failing."""
    audit.record_alone(engine, ANONYMOUS, "auth.sign_in", "som\x0bchai\x00", outcome="failed")
    with session_scope(engine) as s:
        df = audit_export.frame(audit.list_entries(s), "en")
    ws = load_workbook(io.BytesIO(audit_export.to_xlsx(df))).active
    assert "somchai" in [c.value for row in ws.iter_rows(min_row=2) for c in row]
    assert "som\x0bchai," in audit_export.to_csv(df).decode("utf-8-sig")  # as recorded (NUL is never stored)


def test_times_are_thai_time_in_the_buddhist_era():
    assert audit_export.be_timestamp(datetime(2026, 11, 21, 17, 30, 5, tzinfo=UTC)) == "2569-11-22 00:30:05"
    start, end = audit_export.day_bounds(date(2026, 11, 21), date(2026, 11, 21))
    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2026, 11, 20, 17, 0, tzinfo=UTC), datetime(2026, 11, 21, 17, 0, tzinfo=UTC))
    assert audit_export.day_bounds(None, None) == (None, None)


# ----------------------------------------------------------------------------- the log page's filters


def test_filter_choices_offer_the_anonymous_actor(engine):
    _entries(engine)
    with session_scope(engine) as s:
        actors, actions = audit.filter_choices(s)
    assert actors == ["", "+somchai"] and actions == ["auth.sign_in", "upload.stored"]


def test_query_tells_anyone_from_the_anonymous_actor(engine):
    _entries(engine)
    with session_scope(engine) as s:
        def listed(**filters):
            return [e.action for e in audit.list_entries(s, **audit_export.query(**filters))]

        anyone = {"who": None, "action": "", "outcome": "", "since": None, "until": None}
        assert audit_export.query(**anyone) == {"actor": None, "action": None, "outcome": None,
                                                "since": None, "until": None}
        assert sorted(listed(**anyone)) == ["auth.sign_in", "upload.stored"]
        assert listed(**dict(anyone, who="")) == ["auth.sign_in"]
        assert listed(**dict(anyone, action="upload")) == ["upload.stored"]
        assert listed(**dict(anyone, outcome="failed")) == ["auth.sign_in"]
        today = datetime.now(audit_export.THAI_TIME).date()
        assert len(listed(**dict(anyone, since=today, until=today))) == 2
        assert listed(**dict(anyone, until=date(2000, 1, 1))) == []
    q = audit_export.query(None, "", "", date(2026, 11, 21), date(2026, 11, 21))
    assert (q["since"], q["until"]) == audit_export.day_bounds(date(2026, 11, 21), date(2026, 11, 21))


def test_date_range_text_and_order():
    d1, d2 = date(2026, 11, 21), date(2026, 12, 1)
    assert audit_export.range_text(None, None, "th") == ""
    assert audit_export.range_text(d1, None, "th") == "21 พ.ย. 2569 – …"
    assert audit_export.range_text(None, d2, "en") == "… – 1 Dec 2026"
    assert not audit_export.bad_range(d1, d2) and not audit_export.bad_range(d1, d1)
    assert audit_export.bad_range(d2, d1)
    assert not audit_export.bad_range(d2, None) and not audit_export.bad_range(None, d1)


def test_export_file_names_in_thai_time():
    at = datetime(2026, 11, 21, 17, 30, tzinfo=UTC)
    assert audit_export.filename("csv", at) == "audit-20261122-0030.csv"
    assert audit_export.filename("xlsx", at) == "audit-20261122-0030.xlsx"


# ----------------------------------------------------------------------------- words, not codes


def test_actions_are_words_in_both_languages():
    assert audit_export.action_text("auth.sign_in", "th") == "ลงชื่อเข้าใช้"
    assert audit_export.action_text("upload.denied", "en") == "Upload refused"
    assert audit_export.action_text("something.new", "th") == "something.new"  # not in the catalogue yet


def test_every_action_the_code_records_has_words():
    """Each action the code writes to the log (the action argument of audit.record,
    record_alone, refusal and _audit_upload, ``action=`` of audit.require, the ACTION
    constants, the enabled/disabled toggle) has words in both languages."""
    import re
    from pathlib import Path

    action = r'"([a-z]+\.[a-z_]+)"'
    patterns = [r"(?:record|record_alone|refusal|_audit_upload)\((?:[^()\"]|\([^()]*\))*?" + action, r"action=" + action,
                r"ACTION = " + action, r"toggled = " + action + r" if active else " + action]
    root = Path(__file__).resolve().parents[2] / "src" / "ecocity"
    found: set[str] = set()
    for p in root.rglob("*.py"):
        text = p.read_text("utf-8")
        for pat in patterns:
            for m in re.finditer(pat, text):
                found |= {g for g in m.groups() if g}
    assert {"auth.sign_in", "auth.throttle_cleared", "upload.stored", "upload.duplicate", "user.enabled", "user.disabled",
            "framework.activated", "page.denied", "download.denied", "version.restored"} <= found
    for lang in ("th", "en"):
        assert {a for a in found if audit_export.action_text(a, lang) == a} == set(), lang


def test_details_read_as_name_and_value():
    sha = "cb15dd679aa171a0491b47622d27a1161a7f25efc7825d5119554cb922847037"
    text = audit_export.details_text({"upload_id": 193, "refused": "submit", "filename": "a.xlsx", "sha256": sha,
                                      "is_sample": True}, "th")
    assert text == "ไฟล์: a.xlsx · สิทธิ์ที่ขอ: บันทึกข้อมูล · ลำดับการอัปโหลด: 193 · SHA-256: cb15dd679aa1 · ข้อมูลตัวอย่าง: ใช่"
    assert audit_export.details_text({"via": "password"}, "en") == "signed in with: password"
    assert audit_export.details_text({"reason": "password", "failures": 2}, "en") == "reason: wrong password · wrong attempts: 2"
    changed = audit_export.details_text({"role": ["officer", "admin"], "estates": [["A"], ["A", "B"]]}, "en",
                                        "user.updated")
    assert changed == "role: officer → administrator · estates: A → A, B"
    assert audit_export.details_text({"counts": {"added": 1, "changed": 0}, "brand_new": "x"}, "en") == (
        "counts: (added: 1 · changed: 0) · brand_new: x")
    assert audit_export.details_text({}, "th") == "" and audit_export.details_text(None, "en") == ""
    assert audit_export.details_text({"until": "2026-11-21T07:30:00+00:00"}, "th") == "ล็อกถึง: 21 พ.ย. 2569 14:30"


def test_the_table_shows_words_and_readable_details(engine):
    df = audit_export.frame(_entries(engine), "th")
    assert set(df[t("admin.audit.col_action", "th")]) == {"ลงชื่อเข้าใช้", "บันทึกไฟล์ที่ส่ง"}
    details = list(df[t("admin.audit.col_details", "th")])
    assert "สาเหตุ: ไม่มีบัญชีนี้" in details and not any("{" in d for d in details)


# ----------------------------------------------------------------------------- periods in B.E.


def test_periods_run_from_the_oldest_entry_to_today():
    today, first = date(2026, 12, 7), date(2026, 9, 15)
    ps = audit_export.periods(today, first)
    keys = [p.key for p in ps]
    assert keys == ["any", "today", "7d", "30d", "fy2570", "fy2569", "m2026-12", "m2026-11", "m2026-10", "m2026-09",
                    "custom"]
    by = {p.key: p for p in ps}
    assert (by["any"].since, by["any"].until) == (None, None)
    assert (by["today"].since, by["today"].until) == (today, today)
    assert (by["7d"].since, by["30d"].since) == (date(2026, 12, 1), date(2026, 11, 8))
    assert (by["fy2570"].since, by["fy2570"].until) == (date(2026, 10, 1), date(2027, 9, 30))
    assert (by["m2026-11"].since, by["m2026-11"].until) == (date(2026, 11, 1), date(2026, 11, 30))
    assert (by["m2026-12"].since, by["m2026-12"].until) == (date(2026, 12, 1), date(2026, 12, 31))
    assert [p.key for p in audit_export.periods(today, None)][4:] == ["fy2570", "m2026-12", "custom"]


def test_period_labels_are_buddhist_era_in_thai():
    by = {p.key: p for p in audit_export.periods(date(2026, 12, 7), date(2026, 9, 1))}
    assert audit_export.period_label(by["fy2569"], "th") == "ปีงบประมาณ 2569"
    assert audit_export.period_label(by["m2026-12"], "th") == "เดือน ธ.ค. 2569"
    assert audit_export.period_label(by["m2026-12"], "en") == "Dec 2026"
    assert audit_export.period_label(by["7d"], "th") == "7 วันล่าสุด"
    assert audit_export.period_label(by["custom"], "en") == t("admin.audit.period.custom", "en")
