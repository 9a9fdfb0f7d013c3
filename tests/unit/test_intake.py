"""intake.record: the one check-then-store step every way in (page, import, sample) uses."""

from __future__ import annotations

import pytest

from ecocity.core.access import ALL_AREAS, Actor, system
from ecocity.flows.intake import record
from ecocity.io.workbook.result import CheckResult
from ecocity.store import list_uploads, queries, session_scope
from ecocity.store.review import review_submission
from ecocity.store.versions import list_versions

pytestmark = pytest.mark.storage

OFFICER = Actor("officer", "officer", frozenset({"MAP-TA-PHUT"}))


def accepted(data) -> CheckResult:
    return CheckResult(status="accepted", submission=data, estate=data.estate_code, fiscal_year=data.fiscal_year,
                       values=dict(data.values))


def test_a_sample_file_over_real_data_is_logged_as_rejected(engine, fw, make_data):
    real = make_data(n=1)
    assert record(engine, accepted(real), filename="real.xlsx", content=b"real", by=OFFICER,
                  fw=fw).kind == "stored"
    out = record(engine, accepted(make_data(n=2)), filename="sample.xlsx", content=b"sample",
                 by=system("ecocity sample"), fw=fw, is_sample=True)
    assert out.kind == "failed" and out.error.code == "sample_over_real" and not out.changed_data
    assert "MAP-TA-PHUT" in out.message("en")
    with session_scope(engine) as s:
        newest = list_uploads(s)[0]
        assert (newest.filename, newest.outcome, newest.is_sample) == ("sample.xlsx", "rejected", True)
        # refused over the real version although it still waits for review: the newest counts
        assert [(v.version, v.status, v.is_sample) for v in list_versions(s, "MAP-TA-PHUT", 2566)] == [
            (1, "pending", False)]
    review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=Actor("rita", "reviewer", areas=frozenset({ALL_AREAS})))
    with session_scope(engine) as s:
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(real.values)


def _too_large(fw, size: int):
    from ecocity.io.workbook.reader import too_large

    return too_large(size, 1024, fw, {})


def test_a_file_over_the_limit_is_logged_with_its_real_size_and_sha_but_no_content(engine, fw):
    """The upload page has the bytes: the log keeps their size and SHA-256, not the bytes."""
    import hashlib

    from ecocity.store import upload_content

    content = b"x" * 5000
    out = record(engine, _too_large(fw, len(content)), filename="huge.xlsx", content=content,
                 by=OFFICER, fw=fw)
    assert out.kind == "rejected"
    with session_scope(engine) as s:
        [up] = list_uploads(s)
        assert (up.id, up.outcome, up.size, up.sha256) == (
            out.upload_id, "rejected", 5000, hashlib.sha256(content).hexdigest())
        assert [e["code"] for e in up.messages["errors"]] == ["too_large"]
        assert upload_content(s, up.id, OFFICER) == ("huge.xlsx", b"")


def test_a_file_over_the_limit_that_was_never_read_is_logged_with_its_size_and_no_sha(engine, fw):
    """A command does not read such a file: it passes the size; the SHA-256 is not known ('')."""
    out = record(engine, _too_large(fw, 7_000_000), filename="huge.xlsx", content=b"", size=7_000_000,
                 by=OFFICER, fw=fw)
    with session_scope(engine) as s:
        [up] = list_uploads(s)
        assert (up.id, up.size, up.sha256) == (out.upload_id, 7_000_000, "")
