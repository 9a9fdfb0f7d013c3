"""intake.record: the one check-then-store step every way in (page, import, sample) uses."""

from __future__ import annotations

import pytest

from ecocity.intake import record
from ecocity.store import list_uploads, queries, session_scope
from ecocity.workbook.result import CheckResult

pytestmark = pytest.mark.storage


def accepted(data) -> CheckResult:
    return CheckResult(status="accepted", submission=data, estate=data.estate_code, fiscal_year=data.fiscal_year,
                       values=dict(data.values))


def test_a_sample_file_over_real_data_is_logged_as_rejected(engine, fw, make_data):
    real = make_data(n=1)
    assert record(engine, accepted(real), filename="real.xlsx", content=b"real", uploaded_by="officer",
                  fw=fw).kind == "stored"
    out = record(engine, accepted(make_data(n=2)), filename="sample.xlsx", content=b"sample",
                 uploaded_by="ecocity sample", fw=fw, is_sample=True)
    assert out.kind == "failed" and out.error.code == "sample_over_real" and not out.changed_data
    assert "MAP-TA-PHUT" in out.message("en")
    with session_scope(engine) as s:
        newest = list_uploads(s)[0]
        assert (newest.filename, newest.outcome, newest.is_sample) == ("sample.xlsx", "rejected", True)
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(real.values)
