"""Damaged files never break the checker: mutated workbooks (bytes flipped inside the XML
parts, parts cut short, hostile snippets inserted, .xls bytes flipped) always give a
result, accepted or rejected, whose messages render. A Python exception here would show
the officer a traceback; an abort inside a native reader would take the server down
(this found one: .xls values are now read with xlrd, not calamine)."""

from __future__ import annotations

import importlib.util
import io
import random
import zipfile
from pathlib import Path

import pytest

from ecocity.core.framework import get_framework
from ecocity.io.workbook.reader import check_workbook

WORKBOOKS = Path(__file__).resolve().parents[1] / "data" / "workbooks"
_spec = importlib.util.spec_from_file_location("workbook_cases", WORKBOOKS / "cases.py")
cases = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(cases)

FW = get_framework()
ZIPPED = ("filled_basic.xlsx", "libreoffice_saved.xlsx", "formula_cached.xlsx", "libreoffice.ods",
          "percent_formatted.ods")
OLE = ("libreoffice.xls", "percent_formatted.xls")
SNIPPETS = (b'<c r="ZZZZ99999999"><v>1</v></c>', b'<c r="A0"><v>x</v></c>',
            b'<c r="E5" s="999999"><f>1</f></c>', b"<!DOCTYPE x>", b"&bogus;", b"<v>", b'r="-1"',
            b'table:number-columns-repeated="-5"', b'table:number-rows-repeated="99999999999999999999"',
            b'<?xml version="1.0" encoding="STF-8"?>', b"\x00\xff\xfe", b'<sst uniqueCount="4000000000">')


def _mutate(rnd: random.Random) -> tuple[str, bytes]:
    name = rnd.choice(ZIPPED + OLE)
    data = (WORKBOOKS / name).read_bytes()
    if name in OLE:
        b = bytearray(data)
        for _ in range(rnd.randint(1, 20)):
            b[rnd.randrange(len(b))] = rnd.randrange(256)
        return name, bytes(b)
    src = zipfile.ZipFile(io.BytesIO(data))
    part = rnd.choice([i.filename for i in src.infolist()])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            d = src.read(info.filename)
            if info.filename == part and d:
                op = rnd.random()
                if op < 0.4:
                    m = bytearray(d)
                    for _ in range(rnd.randint(1, 10)):
                        m[rnd.randrange(len(m))] = rnd.choice(b'<>/"=&#0123456789ABCXYZrcsvtf \x00\xff')
                    d = bytes(m)
                elif op < 0.7:
                    d = d[: rnd.randrange(len(d))]
                else:
                    pos = rnd.randrange(len(d))
                    d = d[:pos] + rnd.choice(SNIPPETS) + d[pos:]
            dst.writestr(info, d)
    return f"{name}:{part}", out.getvalue()


@pytest.mark.parametrize("seed", range(8))
def test_mutated_workbooks_always_give_a_result(seed):
    rnd = random.Random(seed)
    for n in range(60):
        what, data = _mutate(rnd)
        res = check_workbook(data, what.split(":")[0], FW, cases.ESTATES)
        assert res.status in ("accepted", "rejected"), (seed, n, what)
        assert res.accepted == (res.errors == ()) and (res.submission is not None) == res.accepted
        for m in res.messages():
            assert m.message("th") and m.message("en")
