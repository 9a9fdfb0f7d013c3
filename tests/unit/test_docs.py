"""The documentation in docs/ is checked against the code: every file a docstring cites
exists, the architecture names every package, and the command-line reference names every
command the parser has."""

from __future__ import annotations

import re
from pathlib import Path

from ecocity.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SOURCES = [*(ROOT / "src" / "ecocity").rglob("*.py"), *(ROOT / "views").glob("*.py"), ROOT / "app.py"]


def test_every_docs_file_cited_in_the_code_exists():
    cited = {m for p in SOURCES for m in re.findall(r"docs/([\w.-]+\.md)", p.read_text("utf-8"))}
    assert cited, "the code cites its documentation"
    assert {c for c in cited if not (DOCS / c).is_file()} == set()


def test_no_module_cites_the_specification_outside_the_repository():
    outside = [f"{p.relative_to(ROOT)}: {m}" for p in SOURCES
               for m in re.findall(r"(?<![/\w])(maturity-model|submission-format|default-framework)\.md",
                                   p.read_text("utf-8"))]
    assert outside == []


def test_module_docstrings_are_short():
    import ast

    long = []
    for p in (ROOT / "src" / "ecocity").rglob("*.py"):
        if "migrations" in p.parts:
            continue
        doc = ast.get_docstring(ast.parse(p.read_text("utf-8")), clean=False)
        if doc is None or len(doc.strip().splitlines()) > 3:
            long.append(p.relative_to(ROOT).as_posix())
    assert long == []


def test_the_architecture_names_every_package():
    text = (DOCS / "ARCHITECTURE.md").read_text("utf-8")
    packages = {p.parent.name for p in (ROOT / "src" / "ecocity").glob("*/__init__.py")} - {"locales"}
    assert {p for p in packages if f"{p}/" not in text} == set()


def test_the_command_line_reference_names_every_command():
    text = (DOCS / "cli.md").read_text("utf-8")
    sub = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction")
    assert {c for c in sub.choices if f"ecocity {c}" not in text} == set()
