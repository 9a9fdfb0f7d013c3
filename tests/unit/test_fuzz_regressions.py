"""The inputs that made a reader raise, hang or abort when fuzzed (``bench/bench_fuzz.py``),
kept in ``tests/data/fuzz/``: each is now a located, clear rejection.

Every file there is the mutant exactly as the fuzzer made it (the CSV gzipped: 140 kB of
one unclosed quote), named after what it does; ``tests/data/fuzz/README.md`` lists the
case each came from and what it raised before.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from ecocity.core.framework import MAX_LEVEL, TOO_DEEP, TOO_MANY_DIGITS, FrameworkError, framework_from_bytes
from ecocity.i18n import t

FUZZ = Path(__file__).resolve().parents[1] / "data" / "fuzz"


def framework_error(name: str) -> FrameworkError:
    with pytest.raises(FrameworkError) as exc:
        framework_from_bytes((FUZZ / name).read_bytes(), name)
    e = exc.value
    assert e.problems and all(entry and text for entry, text in e.problems)
    for _, key, kw in e.coded:
        for lang in ("th", "en"):
            assert not t(f"framework_rule.{key}", lang, **kw).startswith("framework_rule.")
    return e


# ----------------------------------------------------------------------------- framework


def test_lists_nested_thousands_deep_are_refused_not_a_recursion_error():
    """tomllib reads nested lists recursively: RecursionError escaped the loader."""
    assert framework_error("framework_nested_too_deep.toml").problems == [("file", TOO_DEEP)]


def test_a_number_of_5000_digits_is_refused_not_a_value_error():
    """int() refuses more than 4,300 digits; the ValueError escaped the loader."""
    assert framework_error("framework_too_many_digits.toml").problems == [("file", TOO_MANY_DIGITS)]


def test_an_integer_beyond_any_float_is_not_a_number():
    """math.isfinite(10**420) raised OverflowError; the value is quoted cut short."""
    e = framework_error("framework_number_beyond_float.toml")
    [(entry, key, kw)] = e.coded
    assert (entry, key) == ("indicator 'A'", "thresholds_list")
    assert len(kw["found"]) < 200 and "characters" in kw["found"]


def test_indicators_given_as_a_number_is_refused_not_a_type_error():
    """``indicators = 5``: iterating over it raised TypeError."""
    e = framework_error("framework_indicators_not_tables.toml")
    assert ("indicators", "not_table_list") in [(entry, key) for entry, key, _ in e.coded]


def test_a_level_numbered_in_the_billions_is_refused_at_once():
    """``number = 4294967296`` made the loader list every missing level below it: gigabytes
    and minutes (a MemoryError, or a million problems)."""
    e = framework_error("framework_level_number_huge.toml")
    assert len(e.problems) < 10
    assert ("levels #6 (happiness)", "level_number") in [(entry, key) for entry, key, _ in e.coded]
    assert f"from 0 to {MAX_LEVEL}" in dict(e.problems)["levels #6 (happiness)"]


@pytest.mark.parametrize(("name", "key"), [("framework_nested_too_deep.toml", "framework_admin.problem.too_deep"),
                                           ("framework_too_many_digits.toml",
                                            "framework_admin.problem.too_many_digits")])
def test_the_admin_check_shows_the_file_problems_in_both_languages(name, key):
    from ecocity.store.frameworks import check_framework_file

    [problem] = check_framework_file((FUZZ / name).read_bytes(), name).problems
    assert problem.key == key
    assert problem.text("en") != problem.text("th")
    for lang in ("th", "en"):
        assert problem.text(lang) and not problem.text(lang).startswith("framework_admin.")


# ----------------------------------------------------------------------------- registry file


def test_a_quote_never_closed_is_located_not_a_csv_error():
    """A cell of row 4 runs on for 140 kB (a quote inside it): csv.Error (field larger
    than field limit) escaped ``read_table``."""
    from ecocity.io.registry_file import FileProblem, read_table

    content = gzip.decompress((FUZZ / "registry_quote_never_closed.csv.gz").read_bytes())
    with pytest.raises(FileProblem) as exc:
        read_table(content, "areas.csv")
    p = exc.value.problem
    assert (p.code, p.row) == ("cell_too_long", 4)
    assert p.message("en").startswith("Row 4: a cell starting in this row is longer than 131,072 characters")
    assert p.message("th").startswith("แถว 4: ")


def test_a_stray_value_far_right_is_refused_before_every_cell_becomes_text(monkeypatch):
    """One value in XFD120 spans 2 million cells: within the workbook reader's limit, but
    the registry reader turned each into text, for seconds (found by fuzzing)."""
    import io

    from openpyxl import Workbook

    from ecocity.io import registry_file

    wb = Workbook()
    ws = wb.active
    ws.append(["code", "name_th", "name_en"])
    ws["XFD120"] = 1
    out = io.BytesIO()
    wb.save(out)
    monkeypatch.setattr("python_calamine.CalamineWorkbook.from_filelike",
                        lambda *_: pytest.fail("calamine was reached"))
    with pytest.raises(registry_file.FileProblem) as exc:
        registry_file.read_table(out.getvalue(), "estates.xlsx")
    assert exc.value.problem.code == "too_many_cells"
    assert exc.value.problem.params["cells"] == 120 * 16384 > registry_file.MAX_AREA
