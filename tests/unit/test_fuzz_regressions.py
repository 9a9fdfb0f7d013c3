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


# ----------------------------------------------------------------------------- workbook
# Each file names a sheet's part two ways: the part the checks measured was not the part
# python-calamine read, and calamine aborted the whole process allocating 512 GB for the
# value in XFD1048576 (96 GB for 4 billion declared strings). No exception handler can
# catch an abort: these must be refused before calamine is called.

ALIASED = {
    "workbook_sheet_named_twice.xlsx": "not_a_workbook",  # two <sheet> of one name: calamine takes the first
    "workbook_r_namespace_rebound.xlsx": "too_many_cells",  # xmlns:r rebound: calamine reads "r:id" as written
    "workbook_target_written_twice.xlsx": "not_a_workbook",  # "../xl/worksheets/..": two parts, one per reading
    "workbook_strings_by_fixed_name.xlsx": "not_a_workbook",  # calamine reads xl/sharedStrings.xml by name
    "workbook_main_part_moved.xlsx": "not_a_workbook",  # _rels/.rels names xl/workbook2.xml; calamine reads xl/workbook.xml
    "workbook_xlsx_and_ods.xlsx": "not_a_workbook",  # an OpenDocument too: calamine reads it as .xlsx first
}


@pytest.fixture
def no_calamine(monkeypatch):
    """Fails the test if the file reached calamine: recorded, as the readers turn whatever
    calamine raises into a refusal (a raise here would pass unseen)."""
    from ecocity.io.workbook import reader

    reached: list[str] = []

    def refuse(*_a, **_k):
        reached.append("calamine")
        raise RuntimeError("calamine was reached")

    monkeypatch.setattr(reader, "CalamineWorkbook", type("C", (), {"from_filelike": staticmethod(refuse)}))
    monkeypatch.setattr("python_calamine.CalamineWorkbook.from_filelike", refuse)
    yield
    assert reached == [], "calamine was reached"


@pytest.mark.parametrize(("name", "code"), sorted(ALIASED.items()))
def test_a_sheet_named_two_ways_is_refused_before_calamine(no_calamine, name, code):
    from ecocity.core.framework import get_framework
    from ecocity.io.workbook.reader import check_workbook

    res = check_workbook((FUZZ / name).read_bytes(), name, get_framework(), {}, max_bytes=2**24)
    assert [m.code for m in res.errors] == [code]
    for lang in ("th", "en"):
        assert res.errors[0].message(lang)


@pytest.mark.parametrize("name", sorted(ALIASED))
def test_the_registry_reader_refuses_them_too(no_calamine, name):
    from ecocity.io.registry_file import FileProblem, read_table

    with pytest.raises(FileProblem) as exc:
        read_table((FUZZ / name).read_bytes(), name)
    assert exc.value.problem.code in ("damaged", "too_many_cells")


def test_a_zip_with_two_members_of_one_name_is_damaged():
    import io
    import warnings
    import zipfile

    from ecocity.io.workbook.container import Refused, open_zip

    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as z:
        warnings.simplefilter("ignore")  # "Duplicate name": the point of the test
        z.writestr("xl/worksheets/sheet1.xml", "<a/>")
        z.writestr("xl/worksheets/sheet1.xml", "<b/>")
    with pytest.raises(Refused) as exc:
        open_zip(out.getvalue())
    assert exc.value.params == {"detected": "damaged"}


def test_suggestions_stop_after_the_first_unknown_codes(monkeypatch):
    """A pasted table of 20,000 unknown codes took seconds in difflib: a suggestion is
    computed for the first SUGGEST_LIMIT only; every code is still reported."""
    import difflib

    from ecocity.core.framework import get_framework
    from ecocity.io.workbook import reader

    fw = get_framework()
    header = ["รหัส (Code)", "ตัวชี้วัด (Indicator)", "ค่า (Value)"]
    grid = [header] + [[f"PHY-{900 + i % 99}{chr(65 + i // 99 % 26)}", "", 1] for i in range(reader.SUGGEST_LIMIT * 3)]
    calls = []
    real = difflib.get_close_matches
    monkeypatch.setattr(reader.difflib, "get_close_matches", lambda *a, **k: calls.append(a) or real(*a, **k))
    run = reader._Run(fw, {})
    reader._check_indicators(run, "ตัวชี้วัด (Indicators)", grid, reader.SheetFacts())
    unknown = [m for m in run.warnings if m.code == "unknown_indicator"]
    assert len(unknown) == reader.SUGGEST_LIMIT * 3 and len(calls) == reader.SUGGEST_LIMIT
    assert all(m.params["codes"] == [] for m in unknown[reader.SUGGEST_LIMIT:])
