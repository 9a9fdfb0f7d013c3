"""The package as a user installs it: the wheel carries its dependencies, catalogues and
migrations, and its `ecocity` command works from a clean virtual environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*argv: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    assert p.returncode == 0, f"{argv}: {p.returncode}\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
    return p


def test_every_pinned_runtime_requirement_is_a_declared_dependency():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["dependencies"]
    declared = {d.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower() for d in deps}
    pinned = {line.split("==")[0].split("[")[0].strip().lower()
              for line in (ROOT / "requirements.txt").read_text("utf-8").splitlines()
              if "==" in line and not line.startswith("#")}
    # the two bindings packages come with psycopg[binary] and argon2-cffi
    assert pinned - declared == {"psycopg-binary", "argon2-cffi-bindings"}
    assert declared <= pinned


@pytest.mark.slow
def test_the_wheel_installs_in_a_clean_venv_and_its_command_works(tmp_path):
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, ROOT)
    [wheel] = dist.glob("ecocity-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for part in ("ecocity/locales/th/workbook.toml", "ecocity/locales/en/workbook.toml",
                 "ecocity/store/migrations/env.py", "ecocity/store/migrations/script.py.mako",
                 "ecocity/store/migrations/versions/0001_initial.py", "ecocity/py.typed"):
        assert part in names, part
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    # The exact versions the project is tested with (from the pip cache when present);
    # a constraints file takes no extras.
    pins = tmp_path / "constraints.txt"
    pins.write_text("\n".join(line.split("#")[0].replace("[binary]", "").strip()
                              for line in (ROOT / "requirements.txt").read_text("utf-8").splitlines() if "==" in line))
    _run(venv / "bin" / "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", pins, wheel)
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOCITY_", "PYTHON"))}
    env |= {"ECOCITY_DATA_DIR": str(ROOT / "data"), "ECOCITY_DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}"}
    ecocity = venv / "bin" / "ecocity"
    _run(ecocity, "db", "upgrade", env=env, cwd=work)
    version = _run(ecocity, "db", "version", env=env, cwd=work)
    assert "0006" in version.stdout + version.stderr
    sample = ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx"
    checked = _run(ecocity, "check", "--json", sample, env=env, cwd=work)
    obj = json.loads(checked.stdout)
    assert obj["status"] == "accepted" and obj["estate"] == "MAP-TA-PHUT"
    # the installed package, not the checkout, answered
    where = _run(venv / "bin" / "python", "-c", "import ecocity; print(ecocity.__file__)", env=env, cwd=work)
    assert str(venv) in where.stdout
