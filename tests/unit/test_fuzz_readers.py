"""A bounded share of the fuzzing of ``bench/bench_fuzz.py``: 1,400 mutants of real files
(every 17th case of the bench's), run through the workbook reader, the framework loader
and the registry file reader. Each must be read or rejected with the reader's own located
message, never raise, and take under 2 s of CPU (the machine's other work does not
count; a wall time over 20 s would mean a hang). The mutations and the oracle are
``tests/helpers/fuzz.py``; a failure names the case, reproduced with
``fuzz.make_case(reader, index)``.
"""

from __future__ import annotations

import collections

import pytest
from helpers import fuzz

STRIDE = 17  # every 17th case of the bench's: the same mutations, a sample of each kind
CASES = {"workbook": 600, "registry": 400, "framework": 400}
CHUNKS = 2  # per reader, so that a failure points at a smaller range
GOAL_MS = 2_000.0  # CPU time of the reader for one case
HANG_MS = 20_000.0  # wall time


def _chunks() -> list[tuple[str, int]]:
    return [(target, chunk) for target in CASES for chunk in range(CHUNKS)]


@pytest.mark.parametrize(("target", "chunk"), _chunks(), ids=[f"{t}-{c}" for t, c in _chunks()])
def test_mutated_files_are_read_or_rejected_never_raised(target, chunk):
    n = CASES[target] // CHUNKS
    failures, slow, statuses = [], [], collections.Counter()
    for k in range(chunk * n, (chunk + 1) * n):
        case = fuzz.make_case(target, k * STRIDE)
        out = fuzz.run_case(case)
        statuses[out.status] += 1
        if out.status == "uncaught":
            failures.append(f"{case.label}: {out.error}")
        elif out.cpu_ms >= GOAL_MS or out.ms >= HANG_MS:
            slow.append(f"{case.label}: {out.cpu_ms:.0f} ms CPU, {out.ms:.0f} ms wall")
    assert not failures, f"{len(failures)} uncaught of {n}:\n" + "\n".join(failures[:10])
    assert not slow, f"{len(slow)} cases over {GOAL_MS:.0f} ms:\n" + "\n".join(slow[:10])
    assert statuses["rejected"] > n // 2  # the mutations do damage: most files are refused


def test_every_seed_is_read_as_it_is():
    """The unmutated seeds: the submissions and registry files accepted, the template
    rejected only for being empty, both framework files valid."""
    for target in fuzz.TARGETS:
        for s in fuzz.seeds(target):
            out = fuzz.run_case(fuzz.Case(target, -1, s.name, s.name, (), s.data))
            assert out.status != "uncaught", (s.name, out.error)
            if target != "workbook":
                assert out.status == "accepted", (s.name, out.codes)
    template = fuzz.run_case(fuzz.Case("workbook", -1, "t", "t.xlsx", (), fuzz.seeds("workbook")[0].data))
    assert "missing_estate_code" in template.codes


def test_cases_are_deterministic_and_every_kind_is_drawn():
    a, b = fuzz.make_case("workbook", 123), fuzz.make_case("workbook", 123)
    assert a == b
    drawn = {k for t in fuzz.TARGETS for i in range(3000) for k in fuzz.plan_case(t, i)[2]}
    assert drawn == set(fuzz.MUTATIONS)
