"""What a new user tripped on in the hardening review (branch harden): a sweep file, a sensitivity design or a
fitting problem given to `run` or `check` is named as such with the command that takes it (instead of a line for
each scenario field it lacks and a "did you mean 'seed'?" for `sweep`); the report writes numbers as a scenario
does (5e6, not 5e+06; 120 days, not 120.0)."""

from __future__ import annotations

import pytest

from hemasim.report.html import plain
from tests.conftest import EXAMPLES, invoke_hemasim


@pytest.mark.parametrize(("path", "what", "command"), [
    ("sweeps/healthy_lhs.yaml", "a sweep file", "hemasim sweep SCENARIO.yaml {path} --out DIR"),
    ("fit/problem.yaml", "a fitting problem", "hemasim fit {path} --out DIR"),
])
def test_a_file_of_another_command_is_named_with_the_command_that_takes_it(path, what, command, tmp_path):
    full = str(EXAMPLES / path)
    for args in (["check", full], ["run", full, "--out", str(tmp_path / "out")]):
        result = invoke_hemasim(*args)
        assert result.exit_code == 2
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"hemasim: error: {full}: this is {what}")
        assert f"run it with `{command.format(path=full)}`" in line
    assert not (tmp_path / "out").exists()


def test_the_report_writes_numbers_as_a_scenario_does():
    assert plain({"cd34_per_kg": 5e6, "duration": 120.0, "dose": 0.45}) == "cd34 per kg: 5e6, duration: 120, dose: 0.45"
