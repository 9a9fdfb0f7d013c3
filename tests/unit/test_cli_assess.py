"""`ecocity assess`: the worked example from the command line, arrays, areas and clean errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ecocity.cli import main

WORKED = str(Path(__file__).parents[1] / "data" / "worked-example.toml")


def write(tmp_path: Path, obj, name: str = "in.json") -> str:
    p = tmp_path / name
    p.write_text(obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False), "utf-8")
    return str(p)


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_worked_example_from_the_command_line(tmp_path):
    f = write(tmp_path, {"values": {"A": 26, "B": 100, "C": True, "D": 14}})
    # A real process, as a user runs it: the installed entry point.
    proc = subprocess.run([str(Path(sys.executable).with_name("ecocity")), "assess", "--framework", WORKED,
                           "--values", f, "--json"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["level"] == 3 and out["level_key"] == "eco_excellence"
    assert out["overall_score"] == 4.0 and out["dimension_scores"] == {"ENV": 4.0}
    assert out["indicator_levels"] == {"A": 3, "B": 5, "C": 5, "D": 3}
    assert out["completeness"] == 1.0
    assert out["gap"] == [{"code": "A", "dimension": "ENV", "current": 26, "target": 25.0,
                           "direction": "lower", "reason": "dimension"}]


def test_an_array_in_gives_an_array_out(tmp_path, capsys):
    f = write(tmp_path, [{"values": {"A": 26, "B": 100, "C": True, "D": 14}}, {"values": {"A": 0, "B": 100, "C": True, "D": 30}}])
    code, out, _ = run(capsys, "assess", "--framework", WORKED, "--values", f, "--json")
    assert code == 0
    assert [r["level"] for r in json.loads(out)] == [3, 5]


def test_default_framework_is_used_without_framework(tmp_path, capsys):
    f = write(tmp_path, {"values": {"ENV-01": 26, "MGT-01": True}})
    code, out, _ = run(capsys, "assess", "--values", f, "--json")
    r = json.loads(out)
    assert code == 0 and set(r["indicator_levels"]) >= {"ENV-01", "MGT-01", "SOC-04"}
    assert r["indicator_levels"]["ENV-01"] == 3


def test_area_prints_the_aggregated_values(tmp_path, capsys):
    f = write(tmp_path, {"estates": [
        {"code": "X", "factories": 30, "values": {"A": 20, "B": 100, "C": True, "D": 10}},
        {"code": "Y", "factories": 10, "values": {"A": 6, "B": 20, "C": True, "D": 30}}]})
    code, out, _ = run(capsys, "assess", "--framework", WORKED, "--area", f, "--json")
    r = json.loads(out)
    assert code == 0
    assert r["values"] == {"A": 26, "B": 80.0, "C": True, "D": 15.0}
    assert r["level"] == 3 and r["indicator_levels"]["B"] == 4


def test_human_output_reads_the_gap(tmp_path, capsys):
    f = write(tmp_path, {"values": {"A": 26, "B": 100, "C": True, "D": 14}})
    code, out, _ = run(capsys, "assess", "--framework", WORKED, "--values", f)
    assert code == 0 and "level 3 Eco-Excellence" in out and "Complaints 26 → at most 25 cases" in out


@pytest.mark.parametrize("payload, needle", [
    ({"values": {"Z": 1}}, "unknown indicator code 'Z'"),
    ({"values": {"A": "many"}}, "A: expected a number"),
    ({"values": {"C": "yes"}}, "C: expected true or false"),
    ({"values": {"B": 140}}, "B: 140 is above the maximum 100"),
    ({"vals": {}}, 'expected an object {"values"'),
    ("{not json", "is not valid JSON"),
])
def test_bad_input_exits_2_with_a_clear_message(tmp_path, capsys, payload, needle):
    f = write(tmp_path, payload)
    code, out, err = run(capsys, "assess", "--framework", WORKED, "--values", f, "--json")
    assert code == 2 and out == ""
    assert needle in err and "Traceback" not in err


def test_bad_area_input_exits_2(tmp_path, capsys):
    f = write(tmp_path, {"estates": [{"code": "X", "factories": -3, "values": {}}]})
    code, _, err = run(capsys, "assess", "--framework", WORKED, "--area", f, "--json")
    assert code == 2 and "factories" in err


def test_missing_input_file_and_bad_framework_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "assess", "--values", str(tmp_path / "none.json"))
    assert code == 2 and "cannot read" in err
    f = write(tmp_path, {"values": {}})
    code, _, err = run(capsys, "assess", "--framework", str(tmp_path / "none.toml"), "--values", f)
    assert code == 2 and "none.toml" in err


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["assess"])
    assert exc.value.code == 2


@pytest.mark.parametrize("module", ["ecocity", "ecocity.cli"])
def test_python_dash_m_gives_the_same_clean_errors(tmp_path, module):
    f = write(tmp_path, {"values": {"Z": 1}})
    proc = subprocess.run([sys.executable, "-m", module, "assess", "--values", f], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 2
    assert "unknown indicator code 'Z'" in proc.stderr and "Traceback" not in proc.stderr


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path):
    """`ecocity assess ... | head`: the pipe closes before the output is written; the
    command stops quietly (exit 1) instead of printing a BrokenPipeError traceback."""
    f = write(tmp_path, [{"values": {"A": 26, "B": 100, "C": True, "D": 14}}] * 200)
    proc = subprocess.Popen([str(Path(sys.executable).with_name("ecocity")), "assess", "--framework", WORKED,
                             "--values", f, "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 1
    assert "Traceback" not in err and "BrokenPipe" not in err
