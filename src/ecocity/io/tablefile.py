"""A table written out as a file to download, CSV or XLSX (no Streamlit): the one writer for every
export of rows, with formulas kept as text (see docs/design-notes.md)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from ecocity.core.textsafe import neutralise_formula


def _cell(value: Any) -> Any:
    return "" if value is None else neutralise_formula(value)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(header)
    w.writerows([_cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheet: str, header: Sequence[str], rows: Iterable[Sequence[Any]],
               widths: Sequence[float] = ()) -> bytes:
    """One sheet named ``sheet``: a bold, frozen header row, then ``rows``; column i is
    ``widths[i]`` characters wide where given."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([str(h) for h in header])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if value is None:
                continue  # an empty cell
            v = _cell(value)
            cell = ws.cell(r, c)
            if isinstance(v, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", v)
                cell.data_type = "s"  # text, never a formula, whatever it starts with
            else:
                cell.value = v
    ws.freeze_panes = "A2"
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
