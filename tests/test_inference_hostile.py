"""Hostile inference inputs (docs/reliability.md, "Input"): problem files and fitted sets are read within the
same YAML limits as scenarios; each is refused with exit 2, one line naming the file, and nothing written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from .conftest import EXAMPLES, invoke_hemasim

pytestmark = pytest.mark.cli

ALIAS_BOMB = """bomb:
  a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  a1: &a1 [*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0,*a0]
  a2: &a2 [*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1,*a1]
  a3: &a3 [*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2,*a2]
  a4: &a4 [*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3,*a3]
  a5: &a5 [*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4,*a4]
  a6: &a6 [*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5,*a5]
  a7: &a7 [*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6,*a6]
description: *a7
"""

FITTED_SET = """name: toy (fitted)
provenance: {data: [data.csv], problem: toy, objective: 1.0, method: SAEM}
parameters:
  - {name: neutrophil_feedback_log_slope, value: 0.2, iiv_cv: 0.3}
"""


def _refused(res, source: Path, text: str, out: Path) -> None:
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 2, res.stderr
    assert len(lines) == 1, res.stderr
    assert str(source) in lines[0] and text in lines[0], lines[0]
    assert not out.exists()


def _problem_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "fit"
    shutil.copytree(EXAMPLES / "fit", folder)
    return folder / "problem.yaml"


def test_an_alias_bomb_in_a_problem_file_is_refused(tmp_path) -> None:
    problem = _problem_copy(tmp_path)
    text = problem.read_text().replace("description: Recover", "summary: Recover")
    problem.write_text(text + ALIAS_BOMB)
    out = tmp_path / "out"
    res = invoke_hemasim("fit", str(problem), "--out", str(out))
    _refused(res, problem, "more than 100,000 values once aliases are expanded", out)


def test_a_duplicate_key_in_a_problem_file_is_refused(tmp_path) -> None:
    problem = _problem_copy(tmp_path)
    problem.write_text(problem.read_text() + "name: again\n")
    out = tmp_path / "out"
    res = invoke_hemasim("fit", str(problem), "--out", str(out))
    _refused(res, problem, "duplicate key 'name'", out)


def test_a_duplicate_key_in_a_fitted_set_is_refused(tmp_path) -> None:
    fitted = tmp_path / "population.yaml"
    fitted.write_text(FITTED_SET + "name: again\n")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("name: x\npatient: {age_years: 40, sex: female, weight_kg: 60, height_cm: 165}\n"
                        "duration_days: 10\nparameter_set: population.yaml\n")
    out = tmp_path / "out"
    for command in (("run", str(scenario), "--out", str(out)),
                    ("cohort", str(scenario), "--n", "4", "--out", str(out))):
        res = invoke_hemasim(*command)
        _refused(res, fitted, "duplicate key 'name'", out)
