"""The evidence widgets (ecocity.ui.evidence) under AppTest, on a small script of their own
(the pages wire them in): the officer attaches a file and sees it listed; a hostile file shows
its reason and nothing is kept; a viewer sees neither the form nor the files; a reviewer of
the area sees the files and their download; file names stay text."""

from __future__ import annotations

import pytest
from helpers.apphelp import TIMEOUT, crashes, on_database, texts
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from ecocity.core.access import Actor
from ecocity.store import models as m
from ecocity.store.db import session_scope

ESTATE = "MAP-TA-PHUT"
SOMCHAI = Actor("somchai", "officer", frozenset({ESTATE}))
RATREE = Actor("ratree", "reviewer", areas=frozenset({"RAYONG-MAP-TA-PHUT"}))
VIEWER = Actor("viewer", "viewer")
PDF = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def _script() -> None:
    import streamlit as st

    from ecocity.store.inforce import framework_in_force
    from ecocity.ui import evidence
    from ecocity.ui.db import database_url, engine_for

    url, actor = database_url(), st.session_state["actor"]
    fw = framework_in_force(engine_for(url))
    evidence.attach_panel(url, actor, "MAP-TA-PHUT", 2566, fw, "en", "t")
    evidence.evidence_list(url, actor, "MAP-TA-PHUT", 2566, "en", "t", framework=fw)
    counts = evidence.evidence_by_indicator(url, "MAP-TA-PHUT", 2566, actor=actor)
    st.caption("counts: " + ", ".join(f"{c or 'all'}={len(v)}" for c, v in sorted(counts.items())))


@pytest.fixture
def page(app_env):
    def open_(actor: Actor) -> AppTest:
        at = AppTest.from_function(_script, default_timeout=TIMEOUT)
        at.session_state["actor"] = actor
        return at.run()

    return open_


def _stored(url: str) -> int:
    def count(engine):
        with session_scope(engine) as s:
            return s.scalar(select(func.count()).select_from(m.Evidence))

    return on_database(url, count)


def _attach(at: AppTest, name: str, content: bytes, indicator: str = "") -> AppTest:
    at.file_uploader(key="t_evidence_file").set_value((name, content, "application/octet-stream"))
    at.selectbox(key="t_evidence_for").set_value(indicator)
    return at.button[0].click().run()


@pytest.mark.storage
def test_the_officer_attaches_a_file_and_sees_it_listed(page, app_env):
    at = page(SOMCHAI)
    assert "No evidence attached yet." in texts(at)
    # ECOCITY_MAX_EVIDENCE_MB (20) capped by server.maxUploadSize, which refuses larger requests
    assert at.file_uploader(key="t_evidence_file").proto.max_upload_size_mb == 10
    at = _attach(at, "meter *readings*.pdf", PDF, "ENV-01")
    assert crashes(at) == []
    shown = texts(at, unescape=True)
    assert "meter *readings*.pdf was attached to ENV-01" in shown
    assert "meter \\*readings\\*.pdf" in texts(at)  # the name stays text
    assert "counts: ENV-01=1" in shown
    assert [b.label for b in at.get("download_button")] == ["Download"]
    assert _stored(app_env) == 1


@pytest.mark.storage
def test_a_hostile_file_shows_its_reason_and_nothing_is_kept(page, app_env):
    at = _attach(page(SOMCHAI), "report.pdf", b"#!/bin/sh\nrm -rf /\n")
    assert crashes(at) == []
    [error] = [e.value for e in at.error]
    assert "report.pdf was not attached" in error.replace("\\", "") and "a PDF document" in error
    assert _stored(app_env) == 0


@pytest.mark.storage
def test_a_viewer_sees_no_form_and_no_files_and_a_reviewer_downloads(page, app_env):
    _attach(page(SOMCHAI), "report.pdf", PDF)
    viewer = page(VIEWER)
    assert viewer.get("file_uploader") == [] and viewer.get("download_button") == []
    assert "counts:" in texts(viewer) and "all=1" not in texts(viewer)
    assert "The evidence files are shown to" in texts(viewer)
    reviewer = page(RATREE)
    assert reviewer.get("file_uploader") == []  # reviewers read, they do not attach
    assert [b.label for b in reviewer.get("download_button")] == ["Download"]
    assert "Remove" not in [b.label for b in reviewer.button]  # only the sender or an administrator
    assert "counts: all=1" in texts(reviewer)


@pytest.mark.storage
def test_the_sender_removes_a_file_and_a_download_checks_who_clicks(page, app_env):
    from ecocity.store.evidence import EvidenceDenied, attach_evidence
    from ecocity.ui.evidence import evidence_reader

    info = on_database(app_env, lambda e: attach_evidence(e, SOMCHAI, ESTATE, 2566, filename="a.pdf", content=PDF))

    def read_as(actor: Actor) -> bytes:
        return on_database(app_env, lambda e: evidence_reader(e, info.id, lambda: actor)())

    assert read_as(RATREE) == PDF
    with pytest.raises(EvidenceDenied):
        read_as(VIEWER)  # e.g. a sign-in that lapsed between drawing and clicking
    at = page(SOMCHAI)
    at = at.button(key=f"t_evidence_rm_{info.id}").click().run()
    assert crashes(at) == [] and "a.pdf was removed." in texts(at, unescape=True)
    assert "No evidence attached yet." in texts(at) and _stored(app_env) == 0
