"""A new user's first hour, thirty-third walk (branch ux33): what stopped or misled them, held."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import invoke_hemasim


@pytest.mark.cli
def test_a_misspelt_scenario_file_names_the_files_it_was_probably_meant_to_be(tmp_path: Path):
    """`hemasim run examples/marrow.yaml` said "No such file or directory" alone; the folder's YAML files that the
    name resembles are named (a folder without any, or none close, adds nothing)."""
    (tmp_path / "marrow_depletion.yaml").write_text("name: x\n")
    (tmp_path / "notes.txt").write_text("")
    res = invoke_hemasim("check", str(tmp_path / "marrow.yaml"))
    assert res.exit_code == 2
    assert res.stderr.strip().endswith(f"(No such file or directory); did you mean {tmp_path / 'marrow_depletion.yaml'}?")
    res = invoke_hemasim("check", str(tmp_path / "zzz.yaml"))
    assert res.exit_code == 2 and "did you mean" not in res.stderr
    res = invoke_hemasim("check", str(tmp_path / "no_folder" / "marrow.yaml"))
    assert res.exit_code == 2 and "did you mean" not in res.stderr


@pytest.mark.cli
@pytest.mark.parametrize("command", ["sweep", "sensitivity"])
def test_points_that_failed_to_run_are_said_on_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str):
    """A design whose points could not be built wrote its files without a word: `--all-assumed`'s Morris design lost
    178 of 178 points to its stage counts, and its indices.csv held only NaN. The count is now one warning line."""
    import json

    import numpy as np

    import hemasim.sensitivity.run as run

    real = run.evaluate_points

    def second_point_fails(scenario, points, *args, **kwargs):  # type: ignore[no-untyped-def]
        table = real(scenario, points, *args, **kwargs)
        table.loc[1, :] = np.nan  # as batch._run_or_split leaves a point that cannot be built
        return table

    monkeypatch.setattr(run, "evaluate_points", second_point_fails)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(json.dumps({"name": "d", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70},
                                    "duration_days": 5, "aging": False}))
    factor = {"parameter": "erythroid_feedback_log_slope", "relative": [0.5, 2]}
    if command == "sweep":
        design = tmp_path / "sweep.yaml"
        design.write_text(json.dumps({"sweep": {"n_points": 3, "factors": [factor]}}))
        res = invoke_hemasim("sweep", str(scenario), str(design), "--no-plot", "--out", str(tmp_path / "o"))
        said = "hemasim: warning: 1 of 3 points failed to run"
    else:
        res = invoke_hemasim("sensitivity", str(scenario), "--parameters", factor["parameter"], "--trajectories", "2",
                             "--no-plot", "--out", str(tmp_path / "o"))
        said = "hemasim: warning: 1 of 4 points failed to run"
    assert res.exit_code == 0, res.stderr
    assert said in res.stderr, res.stderr


@pytest.mark.parametrize(("field", "hint"), [
    ("interventions.0.dose", "; the fields there: interventions.0.dose_mg_per_m2, "),
    ("interventions.3.dose_mg_per_m2", "; interventions holds 1 item(s), numbered from 0"),
    ("patient.weight", "; the fields there: patient.weight_kg, "),
    ("patient.weight_kg.x", "; patient.weight_kg is a value, not a group of fields"),
])
def test_a_factors_field_the_scenario_lacks_names_the_fields_there(field: str, hint: str):
    """`field: interventions.0.dose` was refused as "the scenario has no field interventions.0.dose" alone; the
    refusal now names the fields the path could go on to where it went wrong, the one meant first."""
    from hemasim.scenario import load_scenario
    from hemasim.sensitivity.spec import SpecError, SweepSpec, resolve_factors
    from tests.conftest import EXAMPLES

    spec = SweepSpec.model_validate({"factors": [{"field": field, "range": [60, 120]}]})
    with pytest.raises(SpecError) as err:
        resolve_factors(spec.factors, load_scenario(EXAMPLES / "docetaxel_q3w.yaml"), "sweep.factors")
    assert str(err.value).startswith(f"sweep.factors.0.field: the scenario has no field {field}{hint}"), str(err.value)


@pytest.mark.cli
def test_a_stage_count_that_is_not_whole_is_refused_by_check_not_only_by_run(tmp_path: Path):
    """`hemasim check --set rbc_age_stages=4.5` (or `parameters: {rbc_age_stages: 4.5}`) called the scenario valid,
    and `hemasim run` then refused it as it built the model; check refuses it now, with the whole numbers beside."""
    import json

    scenario = tmp_path / "s.yaml"
    scenario.write_text(json.dumps({"name": "s", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70},
                                    "duration_days": 5, "parameters": {"rbc_age_stages": 4.5}}))
    res = invoke_hemasim("check", str(scenario))
    assert res.exit_code == 2
    assert ("parameters.rbc_age_stages: 4.5 is not a whole number, and the parameter counts stages or divisions (the "
            "model's shape); write a whole number (4 or 5)") in " ".join(res.stderr.split()), res.stderr
    scenario.write_text(json.dumps({"name": "s", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70},
                                    "duration_days": 5}))
    res = invoke_hemasim("check", str(scenario), "--set", "neutrophil_precursor_divisions=7.5")
    assert res.exit_code == 2 and "--set neutrophil_precursor_divisions: 7.5 is not a whole number" in res.stderr
    assert invoke_hemasim("check", str(scenario), "--set", "rbc_age_stages=5").exit_code == 0


@pytest.mark.cli
def test_a_local_sensitivity_counts_its_runs_once(tmp_path: Path):
    """A local design of k factors runs 4k + 1 points, the baseline among them: its last line said "5 design points
    and the baseline" of one factor's 5 runs."""
    import json

    scenario = tmp_path / "s.yaml"
    scenario.write_text(json.dumps({"name": "d", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70},
                                    "duration_days": 5, "aging": False}))
    res = invoke_hemasim("sensitivity", str(scenario), "--method", "local", "--parameters",
                         "erythroid_feedback_log_slope", "--no-plot", "--out", str(tmp_path / "o"))
    assert res.exit_code == 0, res.stderr
    assert "(4 design points and the baseline," in " ".join(res.stderr.split()), res.stderr
    assert json.loads((tmp_path / "o" / "sensitivity.json").read_text())["runs"] == 5
