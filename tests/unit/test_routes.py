"""The one route table: every page of views/ is in it once, and nothing else names a
page by its file."""

from __future__ import annotations

import re
from pathlib import Path

from ecocity.ui.routes import PAGE_KEYS, PAGE_OF, ROUTES, script

ROOT = Path(__file__).resolve().parents[2]


def test_every_view_is_one_route_and_every_route_a_view():
    files = {p.stem for p in (ROOT / "views").glob("*.py")}
    assert [r.key for r in ROUTES].count("overview") == 1 and len(PAGE_KEYS) == len(ROUTES)
    assert PAGE_KEYS == files
    assert all((ROOT / r.script).is_file() for r in ROUTES)
    assert [r.key for r in ROUTES if r.default] == ["overview"]


def test_chart_marks_open_pages_of_the_table():
    assert set(PAGE_OF.values()) <= PAGE_KEYS
    assert script("area") == "views/area.py"


def test_no_page_file_is_named_outside_the_route_table():
    named = []
    for p in [ROOT / "app.py", *(ROOT / "views").glob("*.py"), *(ROOT / "src" / "ecocity").rglob("*.py")]:
        if p.name == "routes.py":
            continue
        named += [f"{p.relative_to(ROOT)}: {m}" for m in re.findall(r"[\"']views/\w+\.py[\"']", p.read_text("utf-8"))]
    assert named == []
