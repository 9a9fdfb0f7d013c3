"""The official submission workbook, generated from the framework in force, empty or filled in,
byte-identical for the same input (see docs/design-notes.md)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from ecocity.core.framework import Framework, Indicator, Value
from ecocity.core.submission import SubmissionData
from ecocity.core.textsafe import looks_like_formula
from ecocity.i18n import fiscal_year_bounds, fiscal_year_of, fmt_date, t
from ecocity.io.workbook.cells import BE_MAX, BE_MIN, fmt_float, round_sig
from ecocity.io.workbook.layout import (
    GENERAL_FIELDS,
    INDICATOR_COLUMNS,
    SHEET_GENERAL,
    SHEET_INDICATORS,
    SHEET_INSTRUCTIONS,
    bilingual,
    column_label,
    field_label,
    sheet_title,
)

FONT_NAME = "Tahoma"  # on every Windows and macOS, with Thai glyphs
_FONT = Font(name=FONT_NAME, size=10)
_BOLD = Font(name=FONT_NAME, size=10, bold=True)
_TITLE = Font(name=FONT_NAME, size=13, bold=True, color="1F4E3D")
_HEADER_FILL = PatternFill("solid", fgColor="C6E0B4")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_NOTES_FILL = PatternFill("solid", fgColor="FFFBEA")
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_UNLOCKED = Protection(locked=False)
_FIXED_TIME = datetime(2000, 1, 1)
# Excel refuses (with a repair prompt) validation titles over 32 and texts over 255 chars.
_DV_TITLE_MAX, _DV_TEXT_MAX = 32, 255

VALUE_COLUMN = INDICATOR_COLUMNS.index("value") + 1  # E
GENERAL_VALUE_COLUMN = 2  # B


def _both(key: str, lang_first: str, sep: str = " / ", **kw: object) -> str:
    th, en = t(key, "th", **kw), t(key, "en", **kw)
    return f"{th}{sep}{en}" if lang_first == "th" else f"{en}{sep}{th}"


def _pair(th: str, en: str, lang_first: str) -> str:
    """``th (en)``, or just one when both are the same (units such as "%")."""
    if not en or th == en:
        return th or en
    if not th:
        return en
    return bilingual(th, en, lang_first)


def display_width(text: str) -> float:
    """Width of the longest line in character cells; Thai vowel and tone marks above or
    below a consonant take no width of their own."""
    best = 0.0
    for line in str(text).split("\n"):
        w = 0.0
        for ch in line:
            if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
                continue
            w += 1.15 if "\u0e00" <= ch <= "\u0e7f" else 1.0
        best = max(best, w)
    return best


def _fit_columns(ws: Worksheet, limits: dict[int, tuple[float, float]]) -> None:
    """Column widths from the content, within (min, max) per column."""
    widest: dict[int, float] = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None:
                widest[c.column] = max(widest.get(c.column, 0), display_width(str(c.value)))
    for col, (lo, hi) in limits.items():
        ws.column_dimensions[get_column_letter(col)].width = round(
            min(hi, max(lo, widest.get(col, 0) * 1.1 + 2)), 1)


def _style_all(ws: Worksheet) -> None:
    for row in ws.iter_rows():
        for c in row:
            if c.font is None or c.font.name != FONT_NAME:
                c.font = _FONT


def _protect(ws: Worksheet) -> None:
    """Protect without a password; officers may still resize rows and columns. Also
    print landscape, one page wide (officers print the form for signatures)."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _dv(kind: str, lang_first: str, **kw: object) -> DataValidation:
    prompt = _both(f"workbook.template.dv_{kind}", lang_first, sep="\n", **kw)
    title = _both("workbook.template.dv_title", lang_first)
    etitle = _both("workbook.template.dv_error_title", lang_first)
    assert len(prompt) <= _DV_TEXT_MAX and len(title) <= _DV_TITLE_MAX \
        and len(etitle) <= _DV_TITLE_MAX, (prompt, title, etitle)
    return DataValidation(showInputMessage=True, showErrorMessage=True, allow_blank=True,
                          errorStyle="warning", promptTitle=title, prompt=prompt,
                          errorTitle=etitle, error=prompt)


def yes_no_options(lang_first: str = "th") -> tuple[str, str]:
    """The two entries of the yes/no drop-down: "ใช่ (Yes)", "ไม่ใช่ (No)"."""
    return tuple(bilingual(t(f"workbook.template.{k}_option", "th"),  # type: ignore[return-value]
                           t(f"workbook.template.{k}_option", "en"), lang_first)
                 for k in ("yes", "no"))


def _num(x: float | None) -> str:
    return fmt_float(float(x)) if x is not None else ""


def accepted_input(ind: Indicator, lang: str) -> str:
    """What a value cell accepts, in words: "a number from 0 to 100"."""
    if ind.is_yesno:
        return t("workbook.template.accept_yesno", lang)
    if ind.kind == "percent":
        return t("workbook.template.accept_percent", lang)
    if ind.kind == "score":
        return t("workbook.template.accept_score", lang, min=_num(ind.min), max=_num(ind.max))
    if ind.min is not None and ind.max is not None:
        return t("workbook.template.accept_number_range", lang, min=_num(ind.min), max=_num(ind.max))
    if ind.min is not None:
        return t("workbook.template.accept_number_min", lang, min=_num(ind.min))
    return t("workbook.template.accept_number_any", lang)


def _validation_for(ind: Indicator, lang_first: str) -> tuple[tuple, DataValidation | None]:
    """A key shared by indicators with the same rule, and the rule."""
    if ind.is_yesno:
        yes, no = yes_no_options(lang_first)
        dv = _dv("yesno", lang_first)
        dv.type, dv.formula1 = "list", f'"{yes},{no}"'
        return ("yesno",), dv
    lo, hi = ind.min, ind.max
    if lo is None and hi is None:
        return ("none",), None
    if ind.kind == "percent":
        dv = _dv("percent", lang_first)
    elif ind.kind == "score":
        dv = _dv("score", lang_first, min=_num(lo), max=_num(hi))
    elif lo is not None and hi is not None:
        dv = _dv("number_range", lang_first, min=_num(lo), max=_num(hi))
    elif lo is not None:
        dv = _dv("number_min", lang_first, min=_num(lo))
    else:
        return ("none",), None
    dv.type = "decimal"
    if lo is not None and hi is not None:
        dv.operator, dv.formula1, dv.formula2 = "between", _num(lo), _num(hi)
    else:
        dv.operator, dv.formula1 = "greaterThanOrEqual", _num(lo)
    return (ind.kind, lo, hi), dv


# ----------------------------------------------------------------------------- sheets


def _instructions(ws: Worksheet, fw: Framework, lang_first: str, example_fy: int) -> None:
    langs = ("th", "en") if lang_first == "th" else ("en", "th")
    start, end = fiscal_year_bounds(example_fy)
    rows: list[tuple[str, str] | None] = [
        (t("workbook.template.instr_title", langs[0]), t("workbook.template.instr_title", langs[1])),
        None,
        tuple(t("workbook.template.instr_framework", lg, name=fw.name(lg), version=fw.version_id)
              for lg in langs),  # type: ignore[list-item]
    ]
    if fw.default_set:
        rows.append(tuple(t("workbook.template.instr_default_set", lg) for lg in langs))  # type: ignore[arg-type]
    rows.append(tuple(t("workbook.template.instr_fy", lg, fy=example_fy, start=fmt_date(start, lg),
                        end=fmt_date(end, lg)) for lg in langs))  # type: ignore[arg-type]
    rows.append(None)
    steps = [t("workbook.template.instr_steps", lg).split("|") for lg in langs]
    rows.extend(zip(steps[0], steps[1], strict=True))
    for r, pair in enumerate(rows, 1):
        if pair is None:
            continue
        for c, text in enumerate(pair, 1):
            cell = ws.cell(row=r, column=c)
            _put(cell, text)  # the framework's name comes from an uploaded file
            cell.alignment = _WRAP
            cell.font = _TITLE if r == 1 else _FONT
        lines = max(display_width(p) / 62 for p in pair)
        if r > 1:
            ws.row_dimensions[r].height = max(15, 15 * (int(lines) + 1))
    ws.column_dimensions["A"].width = 70
    ws.column_dimensions["B"].width = 70
    ws.row_dimensions[1].height = 22
    _protect(ws)


def _general(ws: Worksheet, lang_first: str) -> dict[str, int]:
    """Write the General form; returns field -> row number of its value cell."""
    for c, key in enumerate(("item", "value", "hint"), 1):
        ws.cell(row=1, column=c, value=_pair(t(f"workbook.template.{key}", "th"),
                                             t(f"workbook.template.{key}", "en"), lang_first))
        ws.cell(row=1, column=c).font = _BOLD
        ws.cell(row=1, column=c).fill = _HEADER_FILL
        ws.cell(row=1, column=c).border = _BORDER
    rows: dict[str, int] = {}
    for r, f in enumerate(GENERAL_FIELDS, 2):
        rows[f.key] = r
        need = "required" if f.required else "optional"
        label = (f"{field_label(f.key, 'th')} / {field_label(f.key, 'en')}" if lang_first == "th"
                 else f"{field_label(f.key, 'en')} / {field_label(f.key, 'th')}")
        ws.cell(row=r, column=1, value=label + (" *" if f.required else "")).font = _BOLD
        hint = " / ".join(f"{t(f'workbook.template.{need}', lg)}: {t(f'workbook.template.hint_{f.key}', lg)}"
                          for lg in (("th", "en") if lang_first == "th" else ("en", "th")))
        ws.cell(row=r, column=3, value=hint).alignment = _WRAP
        v = ws.cell(row=r, column=GENERAL_VALUE_COLUMN)
        v.fill, v.protection, v.border = _INPUT_FILL, _UNLOCKED, _BORDER
        for c in (1, 3):
            ws.cell(row=r, column=c).border = _BORDER
    year = _dv("year", lang_first)
    year.type, year.operator, year.formula1, year.formula2 = "whole", "between", str(BE_MIN), str(BE_MAX)
    year.add(f"B{rows['fiscal_year']}")
    factories = _dv("factories", lang_first)
    factories.type, factories.operator, factories.formula1 = "whole", "greaterThanOrEqual", "0"
    factories.add(f"B{rows['factories']}")
    for dv in (year, factories):
        ws.add_data_validation(dv)
    ws.cell(row=rows["fiscal_year"], column=2).number_format = "0"
    ws.cell(row=rows["factories"], column=2).number_format = "#,##0"
    ws.cell(row=rows["date"], column=2).number_format = "yyyy-mm-dd"
    for key in ("estate_code", "estate_name", "submitted_by", "email"):
        ws.cell(row=rows[key], column=2).number_format = "@"  # text: no auto-conversion
    ws.freeze_panes = "A2"
    _style_all(ws)
    _fit_columns(ws, {1: (24, 40), 2: (28, 40), 3: (40, 90)})
    for r in rows.values():
        ws.row_dimensions[r].height = 30
    _protect(ws)
    return rows


def _indicators(ws: Worksheet, fw: Framework, lang_first: str) -> dict[str, int]:
    """Write the Indicators table; returns code -> row number."""
    for c, key in enumerate(INDICATOR_COLUMNS, 1):
        cell = ws.cell(row=1, column=c, value=_pair(column_label(key, "th"), column_label(key, "en"),
                                                    lang_first))
        cell.font, cell.fill, cell.border = _BOLD, _HEADER_FILL, _BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    rows: dict[str, int] = {}
    rules: dict[tuple, tuple[DataValidation, list[str]]] = {}
    first, second = ("th", "en") if lang_first == "th" else ("en", "th")
    for r, ind in enumerate(fw.indicators, 2):
        rows[ind.code] = r
        dim = fw.dimension(ind.dimension)
        values = [
            ind.code,
            _pair(dim.name_th, dim.name_en, lang_first),
            f"{ind.name(first)}\n{ind.name(second)}",
            _pair(ind.unit_th, ind.unit_en, lang_first),
            None,
            None,
            f"{accepted_input(ind, first)}\n{accepted_input(ind, second)}",
        ]
        for c, v in enumerate(values, 1):
            cell = ws.cell(row=r, column=c)
            _put(cell, v)  # names and units come from an uploaded framework file
            cell.alignment, cell.border = _WRAP, _BORDER
        value_cell = ws.cell(row=r, column=VALUE_COLUMN)
        value_cell.fill, value_cell.protection = _INPUT_FILL, _UNLOCKED
        value_cell.alignment = Alignment(vertical="top")
        notes = ws.cell(row=r, column=VALUE_COLUMN + 1)
        notes.fill, notes.protection = _NOTES_FILL, _UNLOCKED
        rule_key, dv = _validation_for(ind, lang_first)
        if dv is not None:
            rules.setdefault(rule_key, (dv, []))[1].append(f"{get_column_letter(VALUE_COLUMN)}{r}")
        ws.row_dimensions[r].height = 32
    for dv, refs in rules.values():
        for ref in refs:
            dv.add(ref)
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    _style_all(ws)
    _fit_columns(ws, {1: (9, 12), 2: (12, 26), 3: (30, 56), 4: (8, 22), 5: (12, 16),
                      6: (24, 40), 7: (18, 34)})
    _protect(ws)
    return rows


def _workbook(fw: Framework, lang_first: str, example_fy: int) -> tuple[Workbook, Worksheet, Worksheet, dict[str, int], dict[str, int]]:
    if lang_first not in ("th", "en"):
        raise ValueError(f"lang_first must be 'th' or 'en', found {lang_first!r}")
    wb = Workbook()
    instr = wb.active
    instr.title = sheet_title(SHEET_INSTRUCTIONS, lang_first)
    general = wb.create_sheet(sheet_title(SHEET_GENERAL, lang_first))
    indicators = wb.create_sheet(sheet_title(SHEET_INDICATORS, lang_first))
    _instructions(instr, fw, lang_first, example_fy)
    g_rows = _general(general, lang_first)
    i_rows = _indicators(indicators, fw, lang_first)
    wb.active = 1  # open on the General sheet
    for ws in wb.worksheets:
        ws.sheet_view.tabSelected = ws is general
    wb.properties.creator = "EcoCity Tracker"
    wb.properties.title = f"EcoCity Tracker {fw.version_id}"
    wb.properties.keywords = f"ecocity-template {fw.version_id}"
    wb.properties.created = _FIXED_TIME
    return wb, general, indicators, g_rows, i_rows


_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _save(wb: Workbook) -> bytes:
    """The workbook as bytes, identical for identical content (fixed zip and core dates)."""
    raw = io.BytesIO()
    wb.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", data)
            zi = zipfile.ZipInfo(info.filename, date_time=(2000, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, data)
    return out.getvalue()


def build_template(fw: Framework, lang_first: str = "th") -> bytes:
    """The empty official workbook (.xlsx bytes) for ``fw``; ``lang_first`` puts Thai or
    English first in bilingual sheet names and labels."""
    wb, *_ = _workbook(fw, lang_first, fiscal_year_of(date.today()))
    return _save(wb)


def cell_value(ind: Indicator, value: Value, lang_first: str = "th") -> str | float | int | None:
    """How ``value`` is written into a value cell: yes/no as the drop-down entry, numbers
    kept to Excel's 15 significant digits, whole numbers as integers."""
    if value is None:
        return None
    if ind.is_yesno:
        if not isinstance(value, bool):
            raise ValueError(f"{ind.code}: expected True/False/None, found {value!r}")
        yes, no = yes_no_options(lang_first)
        return yes if value else no
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{ind.code}: expected a number or None, found {value!r}")
    x = round_sig(float(value))
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


def _put(cell: Cell, value: object) -> None:
    """Write a value; text always stays text (a name starting with "=" is not a formula:
    a text cell, with Excel's quote prefix when it looks like one, see ``textsafe``) and
    characters XML cannot hold are dropped."""
    if isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
        if looks_like_formula(cell.value):
            cell.quotePrefix = True
    else:
        cell.value = value


def write_submission(fw: Framework, data: SubmissionData, lang_first: str = "th") -> bytes:
    """The official workbook filled in with ``data`` (.xlsx bytes).

    Raises ValueError for a value code that is not in ``fw`` or a value of the wrong type,
    so sample data cannot silently drift from the framework.
    """
    unknown = sorted(set(data.values) - set(fw.codes)) + sorted(set(data.notes) - set(fw.codes))
    if unknown:
        raise ValueError(f"codes not in framework {fw.version_id}: {', '.join(unknown)}")
    wb, general, indicators, g_rows, i_rows = _workbook(fw, lang_first, data.fiscal_year)
    g = {"estate_code": data.estate_code, "estate_name": data.estate_name or None,
         "fiscal_year": data.fiscal_year, "factories": data.factories,
         "submitted_by": data.submitted_by, "email": data.email or None,
         "date": data.submitted_on}
    for key, v in g.items():
        _put(general.cell(row=g_rows[key], column=GENERAL_VALUE_COLUMN), v)
    for ind in fw.indicators:
        r = i_rows[ind.code]
        _put(indicators.cell(row=r, column=VALUE_COLUMN),
             cell_value(ind, data.values.get(ind.code), lang_first))
        if note := data.notes.get(ind.code):
            _put(indicators.cell(row=r, column=VALUE_COLUMN + 1), note)
    return _save(wb)


def template_filename(fw: Framework) -> str:
    """A download name that says which framework the template is for."""
    return f"ecocity-template-{fw.id}-v{fw.version}.xlsx"
