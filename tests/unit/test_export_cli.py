"""``ecocity export`` on the shipped sample data (fiscal year 2566), with the real Chromium:
the PDF report and the PPTX deck of the whole country, read back."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader
from test_export import CONTROL, png_size, require_browser, squash

from ecocity.cli import main

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture
def sample_db(db_url: str) -> str:
    from ecocity.cli.sample import UPLOADED_BY, load_sample
    from ecocity.core.access import system
    from ecocity.core.framework import load_framework
    from ecocity.store.db import make_engine

    engine = make_engine(db_url)
    try:
        report = load_sample(engine, SAMPLE_DIR, load_framework(), by=system(UPLOADED_BY))
        assert report.rejected == []
    finally:
        engine.dispose()
    return db_url


@pytest.mark.storage
def test_export_pdf_pptx_and_png_of_2566_from_the_sample(sample_db, tmp_path, capsys):
    require_browser()
    pdf, pptx, pngs = tmp_path / "report.pdf", tmp_path / "deck.pptx", tmp_path / "charts"
    assert main(["export", "pdf", "--year", "2566", "--out", str(pdf), "--database", sample_db]) == 0
    assert main(["export", "pptx", "--year", "2566", "--out", str(pptx), "--database", sample_db]) == 0
    assert main(["export", "png", "--year", "2566", "--area", "RAYONG-MAP-TA-PHUT", "--lang", "en",
                 "--out", f"{pngs}/", "--database", sample_db]) == 0
    assert "บันทึกแล้ว" in capsys.readouterr().out

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert not CONTROL.search(text)
    flat = squash(text)
    for s in ("ระยอง - มาบตาพุด", "ชลบุรี - แหลมฉบัง ศรีราชา", "พระนครศรีอยุธยา", "ฉะเชิงเทรา", "ลำพูน",
              "สมุทรปราการ", "สงขลา", "Eco-World Class", "ยังไม่ผ่านเกณฑ์", "การมีส่วนร่วม", "ความสุข (Happiness)",
              "สัดส่วนผลตรวจน้ำทิ้งและอากาศที่ผ่านมาตรฐาน", "ชุดตัวชี้วัดเริ่มต้น", "ปีงบประมาณ 2566"):
        assert squash(s) in flat, s
    assert re.search(r"ข้อมูลณ\d{1,2}", flat)  # the data date
    assert squash(f"หน้า {len(reader.pages)} จาก {len(reader.pages)}") in flat

    prs = Presentation(io.BytesIO(pptx.read_bytes()))
    titles = [s.shapes.title.text for s in prs.slides]
    # title, ladder, map, movers, 8 areas, summary
    assert len(titles) == 13 and titles[0] == "ความก้าวหน้าเมืองอุตสาหกรรมเชิงนิเวศ" and titles[-1] == "สรุป"
    assert "ระยอง - มาบตาพุด: Eco-Excellence" in titles
    assert [sh.has_chart for sh in prs.slides[1].shapes].count(True) == 1  # the ladder: a native chart
    pics = [sh for sh in prs.slides[2].shapes if sh.shape_type == 13]  # the map: a picture
    assert len(pics) == 1 and png_size(pics[0].image.blob)[0] >= 1500  # projector resolution

    names = sorted(p.name for p in pngs.iterdir())
    assert names == ["02-ladder.png", "03-map.png", "04-movers.png", "05-area-rayong-map-ta-phut.png",
                     "06-summary.png"]


def test_export_refuses_an_unknown_year_or_area(engine, tmp_path, capsys):
    url = engine.url.render_as_string(hide_password=False)
    assert main(["export", "pdf", "--year", "2566", "--out", str(tmp_path / "x.pdf"), "--database", url]) == 2
    assert "2566" in capsys.readouterr().err
    assert main(["export", "pdf", "--year", "2566", "--area", "NOWHERE", "--out", str(tmp_path / "x.pdf"),
                 "--database", url, "--lang", "en"]) == 2
    assert not (tmp_path / "x.pdf").exists()
