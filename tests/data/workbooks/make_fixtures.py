"""Regenerate the fixture workbooks in this folder (committed; tests never run this).

    .venv/bin/python tests/data/workbooks/make_fixtures.py            # all
    .venv/bin/python tests/data/workbooks/make_fixtures.py --no-libreoffice

How each file is made:
* ``filled_basic.xlsx``: ``write_submission`` of BASE (cases.py): the official template,
  filled in by our own writer.
* Most other ``.xlsx``: filled_basic opened with openpyxl and edited the way an officer
  would (text with separators, Thai digits, "85%", percent-formatted cells, yes/no words,
  "-"/"N/A", wrong values, duplicate rows, a formula without a stored value, a sheet
  deleted, ...).
* Officer-made layouts (header lower down, reordered columns, English sheet names) are
  written from scratch with openpyxl, not from the template.
* ``libreoffice*``, ``*.xls``, ``*.ods`` and ``formula_cached.xlsx``: converted by
  LibreOffice (``soffice --headless --convert-to``), i.e. saved by another program; the
  formula file is recalculated by LibreOffice, which stores the values.
* ``encrypted.xlsx``: filled_basic encrypted with msoffcrypto-tool (password "secret").
* ``encrypted.xls``: filled_basic saved by LibreOffice as .xls with password "secret"
  (``lo_encrypt.py``, through UNO with the system Python: a FILEPASS record).
* ``zip_bomb.xlsx``: filled_basic with 8 MB of spaces inside the indicator sheet XML
  (compresses ~1000:1); ``huge_area.xlsx``: one value in XFD1048576; ``huge_area.xls``:
  one value in IV65536, saved by LibreOffice.
* ``damaged_biff_a.xls``, ``damaged_biff_b.xls``: libreoffice.xls with random bytes
  flipped, found by fuzzing (python-calamine aborted the process on them); kept as found,
  not regenerated here.
* ``damaged_deflate_distance.xlsx``, ``damaged_deflate_lengths.xlsx``,
  ``damaged_zip_version.xlsx``: filled_basic with 20 random bytes overwritten past offset
  200 (zlib "invalid distance too far back" / "invalid literal/lengths set", and zipfile's
  "zip file version 10.3" escaped the checker on them); kept as found, not regenerated.
* ``csv_renamed.xlsx``, ``pdf_renamed.xlsx``, ``docx_renamed.xlsx``, ``broken_zip.xlsx``:
  a CSV, a minimal PDF, a minimal Word document and a truncated workbook, named .xlsx.
"""

from __future__ import annotations

import argparse
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook, load_workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import (  # noqa: E402
    BASE_GENERAL,
    BASE_NOTES,
    BASE_VALUES,
    CODES,
    GEN_ROW,
    ROW,
)

from ecocity.core.framework import get_framework  # noqa: E402
from ecocity.core.submission import SubmissionData  # noqa: E402
from ecocity.io.workbook.template import write_submission  # noqa: E402

FW = get_framework()
GEN_SHEET = "ข้อมูลทั่วไป (General)"
IND_SHEET = "ตัวชี้วัด (Indicators)"


def base_submission(**changes: object) -> SubmissionData:
    g = BASE_GENERAL | changes
    return SubmissionData(estate_code=g["estate_code"], fiscal_year=g["fiscal_year"],
                          factories=g["factories"], submitted_by=g["submitted_by"],
                          values=dict(BASE_VALUES), estate_name=g["estate_name"],
                          email=g["email"], submitted_on=g["submitted_on"], notes=BASE_NOTES)


def filled() -> bytes:
    return write_submission(FW, base_submission())


def edit(general: dict[str, object] | None = None, values: dict[str, object] | None = None,
         formats: dict[str, str] | None = None,
         more: Callable[[Workbook], None] | None = None) -> bytes:
    """filled_basic with General fields and indicator values replaced (as an officer would)."""
    wb = load_workbook(io.BytesIO(filled()))
    g, ind = wb[GEN_SHEET], wb[IND_SHEET]
    for key, v in (general or {}).items():
        g.cell(row=GEN_ROW[key], column=2).value = v  # cell(value=None) would not clear
    for code, v in (values or {}).items():
        ind.cell(row=ROW[code], column=5).value = v
    for code, fmt in (formats or {}).items():
        ind.cell(row=ROW[code], column=5).number_format = fmt
    if more:
        more(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def officer_made(*, general_sheet: str = "ข้อมูลทั่วไป", indicator_sheet: str = "ตัวชี้วัด",
                 title_rows: int = 0, columns: tuple[str, ...] = ("รหัส", "ตัวชี้วัด", "ค่า"),
                 labels: str = "th", blank_every: int = 0) -> bytes:
    """A workbook an officer built without the template (values from BASE)."""
    wb = Workbook()
    g = wb.active
    g.title = general_sheet
    label = {"th": {"estate_code": "รหัสนิคม", "estate_name": "ชื่อนิคม", "fiscal_year": "ปีงบประมาณ",
                    "factories": "จำนวนโรงงาน", "submitted_by": "ผู้กรอกข้อมูล", "email": "อีเมล",
                    "date": "วันที่กรอก"},
             "en": {"estate_code": "Estate Code", "estate_name": "Estate name", "fiscal_year": "Fiscal Year",
                    "factories": "Number of factories", "submitted_by": "Submitted by",
                    "email": "E-mail", "date": "Date"}}[labels]
    bg = BASE_GENERAL | {"date": BASE_GENERAL["submitted_on"]}
    for key in GEN_ROW:
        g.append([label[key], bg[key]])
    ws = wb.create_sheet(indicator_sheet)
    for n in range(title_rows):
        ws.append(["รายงานตัวชี้วัดเมืองอุตสาหกรรมเชิงนิเวศ" if n == 0 else None])
    ws.append(list(columns))
    for n, code in enumerate(CODES):
        ind = FW.indicator(code)
        v = BASE_VALUES[code]
        cell: dict[str, object] = {
            "รหัส": code, "Code": code, "ตัวชี้วัด": ind.name_th, "Indicator": ind.name_en,
            "ค่า": v if not isinstance(v, bool) else ("ใช่" if v else "ไม่ใช่"),
            "Value": v if not isinstance(v, bool) else ("yes" if v else "no"),
            "หน่วย": ind.unit_th, "ผู้รับผิดชอบ": "ฝ่ายสิ่งแวดล้อม", "หมายเหตุ": BASE_NOTES.get(code),
        }
        ws.append([cell.get(c) for c in columns])
        if blank_every and n % blank_every == blank_every - 1:
            ws.append([])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rezip(data: bytes, change: Callable[[str, bytes], bytes]) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, change(info.filename, src.read(info.filename)))
    return out.getvalue()


# ----------------------------------------------------------------------------- builders


def f_template_empty() -> bytes:
    from ecocity.io.workbook.template import build_template

    return build_template(FW)


def f_text_separators() -> bytes:
    return edit(values={"ECO-02": " 1,234.5 ", "SOC-03": "1,200", "PHY-01": "12.5"},
                general={"factories": " 76 ", "date": "2023-11-15"})


def f_thai_digits() -> bytes:
    return edit(values={"PHY-02": "๑๒", "ECO-02": "๑,๒๓๔.๕", "ENV-01": "๒๖"},
                general={"fiscal_year": "๒๕๖๖", "factories": "๗๖", "date": "๑ พ.ย. ๒๕๖๖"})


def f_percent_strings() -> bytes:
    return edit(values={"PHY-01": "85%", "ENV-03": "12.5 %", "ENV-02": "100%"})


def f_percent_formatted() -> bytes:
    return edit(values={"PHY-01": 0.85, "ENV-03": 0.125, "ENV-04": 0.07},
                formats={"PHY-01": "0%", "ENV-03": "0.0%", "ENV-04": "0.00%"})


def f_yesno_words() -> bytes:
    return edit(values={"MGT-01": "มี", "MGT-04": "ไม่ใช่"})


def f_yesno_symbols() -> bytes:
    return edit(values={"MGT-01": "✓", "MGT-04": "✗"})


def f_yesno_cells() -> bytes:
    return edit(values={"MGT-01": True, "MGT-04": 0})


def f_missing_markers() -> bytes:
    return edit(values={"PHY-02": "-", "ECO-01": "N/A", "ECO-02": "n/a", "SOC-02": "ไม่มีข้อมูล",
                        "MGT-04": None})


def f_codes_case_spaces() -> bytes:
    def codes(wb: Workbook) -> None:
        ws = wb[IND_SHEET]
        for code, r in ROW.items():
            ws.cell(row=r, column=1, value=f" {code.lower()} " if r % 2 else code.lower() + " ")
    return edit(more=codes)


def f_header_lower() -> bytes:
    return officer_made(title_rows=4, columns=("รหัส", "ตัวชี้วัด", "หน่วย", "ค่า", "หมายเหตุ"),
                        blank_every=5)


def f_columns_reordered() -> bytes:
    return officer_made(columns=("ค่า", "ผู้รับผิดชอบ", "ตัวชี้วัด", "รหัส", "หน่วย"))


def f_english_sheets() -> bytes:
    return officer_made(general_sheet="general ", indicator_sheet="INDICATORS", labels="en",
                        columns=("Code", "Indicator", "Value"))


def f_ce_year() -> bytes:
    return edit(general={"fiscal_year": 2023})


def f_name_mismatch() -> bytes:
    return edit(general={"estate_name": "นิคมอุตสาหกรรมบางปู"})


def f_unknown_and_absent() -> bytes:
    def rename(wb: Workbook) -> None:
        wb[IND_SHEET].cell(row=ROW["PHY-02"], column=1, value="PHY-20")
    return edit(more=rename)


def _formulas(wb: Workbook) -> None:
    ws = wb[IND_SHEET]
    ws.cell(row=ROW["PHY-02"], column=5, value="=10+2")
    ws.cell(row=ROW["ECO-01"], column=5, value=f"=E{ROW['PHY-02']}*2")
    ws.cell(row=ROW["ENV-01"], column=5, value="=SUM(20,6)")
    wb[GEN_SHEET].cell(row=GEN_ROW["fiscal_year"], column=2, value="=2560+6")


def f_formula_source() -> bytes:
    return edit(more=_formulas)


def f_formula_no_value() -> bytes:
    """openpyxl writes formulas without values: as a program that does not calculate."""
    def formulas(wb: Workbook) -> None:
        ws = wb[IND_SHEET]
        ws.cell(row=ROW["PHY-02"], column=5, value="=10+2")
        ws.cell(row=ROW["ECO-01"], column=5, value=f"=E{ROW['PHY-02']}*2")
        wb[GEN_SHEET].cell(row=GEN_ROW["fiscal_year"], column=2, value="=2560+6")
    return edit(more=formulas)


def f_error_cell() -> bytes:
    return edit(values={"ENV-04": "#DIV/0!"})


def f_error_formula() -> bytes:
    """A real failing formula, for LibreOffice to calculate and save with its error."""
    return edit(values={"ENV-04": "=1/0"})


def f_not_a_number() -> bytes:
    return edit(values={"ECO-01": "ประมาณ 20"})


def f_percent_over_100() -> bytes:
    return edit(values={"ENV-02": 120})


def f_score_out_of_scale() -> bytes:
    return edit(values={"SOC-01": 7})


def f_negative_count() -> bytes:
    return edit(values={"ENV-01": -3})


def f_bad_yesno() -> bytes:
    return edit(values={"MGT-01": "อาจจะ"})


def f_duplicate_code() -> bytes:
    def dup(wb: Workbook) -> None:
        ws = wb[IND_SHEET]
        ws.cell(row=25, column=1, value="ENV-01")
        ws.cell(row=25, column=5, value=30)
    return edit(more=dup)


def f_unknown_estate() -> bytes:
    return edit(general={"estate_code": "MAP-TA-PUT"})


def f_missing_year() -> bytes:
    return edit(general={"fiscal_year": None})


def f_year_out_of_range() -> bytes:
    return edit(general={"fiscal_year": 2700})


def f_many_errors() -> bytes:
    return edit(general={"estate_code": "XX-UNKNOWN", "fiscal_year": 1999, "factories": "76.5",
                         "email": "somchai at example", "date": "พรุ่งนี้"},
                values={"PHY-01": 150, "ECO-01": "ประมาณ 20", "ENV-01": -1, "SOC-01": 0,
                        "MGT-04": "ไม่แน่ใจ"})


def f_missing_sheets() -> bytes:
    wb = Workbook()
    wb.active.title = "Sheet1"
    wb.active.append(["รหัส", "ค่า"])
    wb.create_sheet("Data").append(["ENV-01", 26])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def f_no_general_sheet() -> bytes:
    """The General sheet deleted and a wrong value typed: both reported at once."""
    def drop(wb: Workbook) -> None:
        del wb[GEN_SHEET]
    return edit(values={"ECO-01": "ประมาณ 20"}, more=drop)


def f_no_indicator_sheet() -> bytes:
    """The Indicators sheet deleted and a year out of range: both reported at once."""
    def drop(wb: Workbook) -> None:
        del wb[IND_SHEET]
    return edit(general={"fiscal_year": 2700}, more=drop)


def f_missing_header() -> bytes:
    def drop_header(wb: Workbook) -> None:
        ws = wb[IND_SHEET]
        for c in range(1, 8):
            ws.cell(row=1, column=c).value = None
    return edit(more=drop_header)


def f_encrypted() -> bytes:
    import msoffcrypto.format.ooxml

    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(filled())).encrypt("secret", out)
    return out.getvalue()


def f_zip_bomb() -> bytes:
    def pad(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet3.xml":
            i = data.index(b"<sheetData>")
            return data[:i] + b" " * (8 * 1024 * 1024) + data[i:]
        return data
    return rezip(filled(), pad)


def f_huge_area() -> bytes:
    def far(wb: Workbook) -> None:
        wb[IND_SHEET]["XFD1048576"] = "x"
    return edit(more=far)


def f_huge_area_xls_source() -> bytes:
    def far(wb: Workbook) -> None:
        wb[IND_SHEET]["IV65536"] = "x"  # the last cell an .xls can hold
    return edit(more=far)


def f_csv_renamed() -> bytes:
    lines = ["รหัส,ค่า"] + [f"{c},{'' if isinstance(v, bool) else v}" for c, v in BASE_VALUES.items()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def f_pdf_renamed() -> bytes:
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def f_docx_renamed() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
                   'officedocument.wordprocessingml.document.main+xml"/></Types>')
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>รายงาน</w:t></w:r></w:p>'
                   '</w:body></w:document>')
    return out.getvalue()


def f_broken_zip() -> bytes:
    data = filled()
    return data[: len(data) * 6 // 10]


BUILDERS: dict[str, Callable[[], bytes]] = {
    "filled_basic.xlsx": filled,
    "template_empty.xlsx": f_template_empty,
    "text_separators.xlsx": f_text_separators,
    "thai_digits.xlsx": f_thai_digits,
    "percent_strings.xlsx": f_percent_strings,
    "percent_formatted.xlsx": f_percent_formatted,
    "yesno_words.xlsx": f_yesno_words,
    "yesno_symbols.xlsx": f_yesno_symbols,
    "yesno_cells.xlsx": f_yesno_cells,
    "missing_markers.xlsx": f_missing_markers,
    "codes_case_spaces.xlsx": f_codes_case_spaces,
    "header_lower.xlsx": f_header_lower,
    "columns_reordered.xlsx": f_columns_reordered,
    "english_sheets.xlsx": f_english_sheets,
    "ce_year.xlsx": f_ce_year,
    "name_mismatch.xlsx": f_name_mismatch,
    "unknown_and_absent.xlsx": f_unknown_and_absent,
    "formula_no_value.xlsx": f_formula_no_value,
    "error_cell.xlsx": f_error_cell,
    "not_a_number.xlsx": f_not_a_number,
    "percent_over_100.xlsx": f_percent_over_100,
    "score_out_of_scale.xlsx": f_score_out_of_scale,
    "negative_count.xlsx": f_negative_count,
    "bad_yesno.xlsx": f_bad_yesno,
    "duplicate_code.xlsx": f_duplicate_code,
    "unknown_estate.xlsx": f_unknown_estate,
    "missing_year.xlsx": f_missing_year,
    "year_out_of_range.xlsx": f_year_out_of_range,
    "many_errors.xlsx": f_many_errors,
    "missing_sheets.xlsx": f_missing_sheets,
    "no_general_sheet.xlsx": f_no_general_sheet,
    "no_indicator_sheet.xlsx": f_no_indicator_sheet,
    "missing_header.xlsx": f_missing_header,
    "encrypted.xlsx": f_encrypted,
    "zip_bomb.xlsx": f_zip_bomb,
    "huge_area.xlsx": f_huge_area,
    "csv_renamed.xlsx": f_csv_renamed,
    "pdf_renamed.xlsx": f_pdf_renamed,
    "docx_renamed.xlsx": f_docx_renamed,
    "broken_zip.xlsx": f_broken_zip,
}

# (output name, source builder, LibreOffice filter)
LIBREOFFICE: tuple[tuple[str, Callable[[], bytes], str], ...] = (
    ("libreoffice_saved.xlsx", filled, "xlsx:Calc MS Excel 2007 XML"),
    ("libreoffice.xls", filled, "xls:MS Excel 97"),
    ("libreoffice.ods", filled, "ods:calc8"),
    ("libreoffice.xlsm", filled, "xlsm:Calc MS Excel 2007 VBA XML"),
    ("percent_formatted.xls", f_percent_formatted, "xls:MS Excel 97"),
    ("percent_formatted.ods", f_percent_formatted, "ods:calc8"),
    ("formula_cached.xlsx", f_formula_source, "xlsx:Calc MS Excel 2007 XML"),
    ("huge_area.xls", f_huge_area_xls_source, "xls:MS Excel 97"),
    ("error_cell.ods", f_error_formula, "ods:calc8"),
    ("error_cell.xls", f_error_formula, "xls:MS Excel 97"),
)


def libreoffice_convert(source: bytes, target_filter: str) -> bytes:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise SystemExit("LibreOffice (soffice) is needed for the LibreOffice fixtures")
    ext = target_filter.split(":", 1)[0]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in" / "source.xlsx"
        src.parent.mkdir()
        src.write_bytes(source)
        out_dir = Path(tmp) / "out"
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--convert-to", target_filter, "--outdir", str(out_dir), str(src)],
                       check=True, capture_output=True, timeout=180)
        return (out_dir / f"source.{ext}").read_bytes()


def libreoffice_encrypted_xls(source: bytes, password: str = "secret") -> bytes:
    python = shutil.which("python3", path="/usr/bin") or "python3"
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "source.xlsx", Path(tmp) / "out.xls"
        src.write_bytes(source)
        subprocess.run([python, str(HERE / "lo_encrypt.py"), str(src), str(out), password],
                       check=True, capture_output=True, timeout=180)
        return out.read_bytes()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-libreoffice", action="store_true", help="skip files LibreOffice saves")
    ap.add_argument("only", nargs="*", help="file names to rebuild (default: all)")
    args = ap.parse_args()
    for name, build in BUILDERS.items():
        if not args.only or name in args.only:
            (HERE / name).write_bytes(build())
            print(f"wrote {name}")
    if not args.no_libreoffice:
        for name, build, filt in LIBREOFFICE:
            if not args.only or name in args.only:
                (HERE / name).write_bytes(libreoffice_convert(build(), filt))
                print(f"wrote {name} (LibreOffice)")
        if not args.only or "encrypted.xls" in args.only:
            (HERE / "encrypted.xls").write_bytes(libreoffice_encrypted_xls(filled()))
            print("wrote encrypted.xls (LibreOffice, UNO)")


if __name__ == "__main__":
    main()
