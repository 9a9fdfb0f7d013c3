"""The README is checked against the code: every command it documents exists, and its
configuration table lists exactly the environment variables the settings read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ecocity.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")


def _section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


COMMANDS = sorted({m.group(1) for m in re.finditer(r"^\| `ecocity (\w+)", _section("The `ecocity` command"), re.M)})


def test_the_readme_documents_the_commands():
    assert {"assess", "check", "db", "export", "import", "sample", "template", "users"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_documented_command_exists(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert command in capsys.readouterr().out


def test_the_configuration_table_lists_every_variable_the_settings_read():
    documented = set(re.findall(r"^\| `(ECOCITY_\w+)`", _section("Configuration"), re.M))
    read = set(re.findall(r"\"(ECOCITY_\w+)\"", (ROOT / "src" / "ecocity" / "config.py").read_text("utf-8")))
    assert documented == read
