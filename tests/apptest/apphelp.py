"""Shared constants and checks for the AppTest tests (imported as a plain module: the
test folders have no __init__.py)."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app.py"
# Every page file the router is expected to register.
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "views").glob("*.py"))
TIMEOUT = 60  # seconds per run: the first run of a session migrates the database


def problems(at: AppTest) -> list[str]:
    """Everything on screen that signals a failure: an uncaught exception, or the error
    box app.py shows when a page raised."""
    return [f"exception: {e.value}" for e in at.exception] + [f"error: {e.value}" for e in at.error]
