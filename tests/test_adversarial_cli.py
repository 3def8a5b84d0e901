"""The wrong things a user types, command by command (harden13's sweep; tests/test_hostile_inputs.py holds the
hostile scenario files): each is refused with exit 2 in one ``hemasim: error:`` line that names the field or option
and what is allowed, and nothing is written. Only the cheap cases run here (each is refused before any model runs).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from .conftest import EXAMPLES
from .conftest import invoke_hemasim as hemasim

pytestmark = pytest.mark.cli


def refused(tmp_path: Path, *args: str) -> str:
    """``hemasim ARGS`` (``OUT`` becomes a folder under ``tmp_path``): exit 2, one error line, no traceback, nothing
    written under ``tmp_path`` but the inputs made there; returns the line."""
    before = sorted(tmp_path.rglob("*"))
    res = hemasim(*(a.replace("OUT", str(tmp_path / "out")) for a in args))
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 2, res.stderr
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("hemasim: error: "), lines[0]
    assert sorted(tmp_path.rglob("*")) == before  # nothing written, not even a temporary
    return lines[0]


# ------------------------------------------------------------------ options: one line, not a framed usage box
@pytest.mark.parametrize(("args", "expected"), [
    (("cohort", "SCENARIO", "--n", "0", "--out", "OUT"),
     "--n: Input should be greater than or equal to 1 (allowed: >= 1) (got 0)"),
    (("cohort", "SCENARIO", "--n", "2.5", "--out", "OUT"), "--n: Input should be a valid integer"),
    (("cohort", "SCENARIO", "--n", "2", "--seed", "-1", "--out", "OUT"),
     "--seed: Input should be greater than or equal to 0 (allowed: >= 0) (got -1)"),
    (("clonal-hematopoiesis", "--max-age", "nan", "--out", "OUT"),
     "--max-age: Input should be a finite number (allowed: >= 1 and <= 120) (got nan)"),
    (("clonal-hematopoiesis", "--max-age=200", "--out", "OUT"),
     "--max-age: Input should be less than or equal to 120 (allowed: >= 1 and <= 120) (got 200)"),
    (("sensitivity", "SCENARIO", "--seed", "0.5", "--out", "OUT"), "--seed: Input should be a valid integer"),
    (("fit", str(EXAMPLES / "fit" / "problem.yaml"), "--starts", "0", "--out", "OUT"),
     "--starts: Input should be greater than or equal to 1 (allowed: >= 1 and <= 1000) (got 0)"),
    (("explore", "--port", "70000"), "--port: Input should be less than or equal to 65535"),
    (("cohort", "SCENARIO", "--n", "2"), "--out: required, and not given"),
    (("run",), "SCENARIO: required, and not given"),
    (("run", "SCENARIO", "--bogus", "--out", "OUT"), "No such option: --bogus"),
    (("cohort", "SCENARIO", "--n", "2", "--seeds", "3", "--out", "OUT"),
     "No such option: --seeds (Possible options: --seed, --seed-list, --set)"),
])
def test_a_refused_option_is_one_line_naming_it_the_allowed_values_and_the_value_given(tmp_path: Path, args, expected):
    args = tuple(str(EXAMPLES / "healthy_adult.yaml") if a == "SCENARIO" else a for a in args)
    line = refused(tmp_path, *args)
    assert expected in line, line
    assert "--help` lists the options" in line


@pytest.mark.parametrize(("args", "expected"), [
    (("--bogus",), "hemasim: error: No such option: --bogus"),
    (("clonal", "--n", "3"), "hemasim: error: No such command 'clonal'; did you mean clonal-hematopoiesis?"),
    (("cohorts",), "hemasim: error: No such command 'cohorts'. Did you mean 'cohort'?"),
])
def test_a_refused_command_or_option_of_hemasim_itself_is_one_line(tmp_path: Path, args, expected: str):
    line = refused(tmp_path, *args)
    assert line.startswith(expected) and "--help` lists the commands" in line, line


# ------------------------------------------------------------------ a misspelt key in each kind of block
def _edit(example: str, edit: Any, tmp_path: Path) -> Path:
    data = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "in.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _rename(block: dict[str, Any], old: str, new: str) -> None:
    block[new] = block.pop(old)


def _each(kind: str, edit: Any) -> Any:
    return lambda s: [edit(iv) for iv in s["interventions"] if iv["kind"] == kind]


@pytest.mark.parametrize(("example", "edit", "expected"), [
    ("docetaxel_q3w.yaml", lambda s: _rename(s, "interventions", "interventons"),
     "interventons: unknown field (check the spelling; see docs/scenarios.md for the allowed fields); did you mean "
     "'interventions'?"),
    ("docetaxel_q3w.yaml", _each("chemotherapy", lambda iv: _rename(iv, "infusion_hours", "infusion_hour")),
     "interventions.0.infusion_hour: unknown field"),
    ("docetaxel_q3w.yaml", _each("chemotherapy", lambda iv: _rename(iv["schedule"], "every_days", "every_day")),
     "interventions.0.schedule.every_day: unknown field"),
    ("conditioning_cy_tbi.yaml", _each("conditioning", lambda iv: _rename(iv, "start_day", "start_dya")),
     "interventions.0.start_dya: unknown field"),
    ("influenza_after_vaccination.yaml", _each("vaccine", lambda iv: _rename(iv, "antigen", "antigne")),
     "interventions.0.antigne: unknown field"),
    ("cohort_marrow_depletion.yaml", lambda s: s["population"].__setitem__("variabilty", True),
     "population.variabilty: unknown field"),
    ("friberg_docetaxel.yaml", lambda s: _rename(s["model"], "drug_set", "drugset"), "model.drugset: unknown field"),
])
def test_a_misspelt_key_in_any_block_names_the_key_meant(tmp_path: Path, example: str, edit, expected: str):
    path = _edit(example, edit, tmp_path)
    line = refused(tmp_path, "run", str(path), "--out", "OUT")
    assert expected in line and "did you mean '" in line, line


@pytest.mark.parametrize(("example", "edit", "expected"), [
    ("docetaxel_q3w.yaml", _each("chemotherapy", lambda iv: iv.__setitem__("dose_mg_per_m2", 0)),
     "interventions.0.dose_mg_per_m2: Input should be greater than 0 (allowed: > 0 and <= 20000) (got 0)"),
    ("docetaxel_q3w.yaml", _each("chemotherapy", lambda iv: iv.__setitem__("dose_mg_per_m2", "seventy")),
     "interventions.0.dose_mg_per_m2: Input should be a valid number"),
    ("docetaxel_q3w.yaml", lambda s: s.__setitem__("duration_days", 0),
     "duration_days: Input should be greater than 0 (allowed: > 0 and <= 43830) (got 0)"),
    ("docetaxel_q3w.yaml", lambda s: s.__setitem__("seed", 1.5), "seed: Input should be a valid integer"),
    ("autologous_mobilised.yaml", _each("apheresis", lambda iv: iv.__setitem__("collection_efficiency", -0.5)),
     "collection_efficiency: Input should be greater than 0 (allowed: > 0 and <= 1) (got -0.5)"),
    ("cohort_marrow_depletion.yaml", lambda s: s["population"].__setitem__("age_years", 50),
     "population.age_years: Input should be a mapping of fields (min, max) (got 50)"),  # was "... of AgeRange"
    ("cohort_marrow_depletion.yaml", lambda s: s["population"].__setitem__("white_cell_baseline", "cancer"),
     "population.white_cell_baseline: Input should be 'healthy' or 'metastatic_cancer' (got 'cancer')"),
])
def test_a_value_outside_its_field_is_refused_with_the_allowed_values(tmp_path: Path, example: str, edit,
                                                                      expected: str):
    path = _edit(example, edit, tmp_path)
    res = hemasim("run", str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and expected in res.stderr, res.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------ sweep and sensitivity files
def _sweep(tmp_path: Path, edit: Any) -> Path:
    data = yaml.safe_load((EXAMPLES / "sweeps" / "docetaxel_dose_x_feedback.yaml").read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "sweep.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.parametrize(("edit", "expected"), [
    (lambda d: _rename(d, "sweep", "swep"),
     "the file must hold one block, `sweep:` or `sensitivity:` (it holds `swep:`; did you mean `sweep:`?)"),
    (lambda d: _rename(d["sweep"], "n_points", "n_point"), "sweep.n_point: unknown field; did you mean 'n_points'?"),
    (lambda d: _rename(d["sweep"]["factors"][0], "range", "rnage"),
     "sweep.factors.0.rnage: unknown field; did you mean 'range'?"),
    (lambda d: d["sweep"].__setitem__("seed", 0.5), "sweep.seed: Input should be a valid integer"),
    (lambda d: d.clear(), "the file must hold one block, `sweep:` or `sensitivity:` (the file holds nothing)"),
])
def test_a_misspelt_or_wrong_sweep_file_names_what_was_meant(tmp_path: Path, edit, expected: str):
    path = _sweep(tmp_path, edit)
    line = refused(tmp_path, "sweep", str(EXAMPLES / "docetaxel_q3w.yaml"), str(path), "--out", "OUT")
    assert expected in line, line


def test_a_scenario_given_as_the_sweep_file_says_which_argument_it_belongs_to(tmp_path: Path):
    line = refused(tmp_path, "sweep", str(EXAMPLES / "docetaxel_q3w.yaml"), str(EXAMPLES / "healthy_adult.yaml"),
                   "--out", "OUT")
    assert "it is a scenario: the scenario comes first" in line, line


# ------------------------------------------------------------------ fitting problems
def test_a_scenario_given_to_fit_is_named_as_a_scenario(tmp_path: Path):
    line = refused(tmp_path, "fit", str(EXAMPLES / "healthy_adult.yaml"), "--out", "OUT")
    assert f"{EXAMPLES / 'healthy_adult.yaml'}: this is a scenario, not a fitting problem" in line, line


def test_a_misspelt_top_level_key_of_a_problem_is_named_at_the_file_and_gets_the_key_meant(tmp_path: Path):
    text = (EXAMPLES / "fit" / "problem.yaml").read_text(encoding="utf-8").replace("\nmeasurements:", "\nmeasurement:")
    path = tmp_path / "problem.yaml"
    path.write_text(text, encoding="utf-8")
    line = refused(tmp_path, "fit", str(path), "--out", "OUT")
    # it read "problem.yaml.measurement: unknown field; allowed: name, ..."
    assert f"{path}: measurement: unknown field; did you mean 'measurements'?" in line, line


# ------------------------------------------------------------------ where the output goes
def test_export_sbml_does_not_replace_a_file_that_is_not_sbml(tmp_path: Path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text((EXAMPLES / "blood_donation.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    before = scenario.read_bytes()
    res = hemasim("export-sbml", str(scenario), "--out", str(scenario))  # the scenario's name twice, by a slip
    assert res.exit_code == 2 and "is a file but not an SBML file" in res.stderr, res.stderr
    assert scenario.read_bytes() == before


@pytest.mark.parametrize("where", ["a_file/sub", "/proc/hemasim-cannot-write-here"])
def test_examples_refuse_an_out_they_cannot_write_in_before_copying(tmp_path: Path, where: str):
    (tmp_path / "a_file").write_text("x", encoding="utf-8")
    out = where if where.startswith("/") else str(tmp_path / where)
    line = refused(tmp_path, "examples", "healthy_adult", "--out", out)
    assert line.startswith(f"hemasim: error: --out {out}: "), line


# ------------------------------------------------------------------ a file of one kind given where another belongs
def _scenario_naming(tmp_path: Path, example: str, old: str, new: str) -> Path:
    text = (EXAMPLES / example).read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "named.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


@pytest.mark.parametrize(("example", "old", "field", "expected"), [
    ("docetaxel_q3w.yaml", "drug_set: docetaxel_kloft2006", "interventions.0.drug_set", "not a drug set"),
    ("regimen_fac_ahmed2020.yaml", "regimen: fac_ahmed2020", "interventions.0.regimen", "not a regimen"),
    ("conditioning_cy_tbi.yaml", "regimen: cy_tbi_12gy", "interventions.0.regimen", "not a conditioning regimen"),
    ("healthy_adult.yaml", "duration_days:", "parameter_set", "not a fitted parameter set"),
])
def test_a_scenario_named_where_a_drug_set_regimen_or_parameter_set_belongs_is_named_as_a_scenario(
        tmp_path: Path, example: str, old: str, field: str, expected: str):
    other = str(EXAMPLES / "healthy_adult.yaml")
    key = old.split(":")[0]
    new = f"{key}: {other}" if key != "duration_days" else f"parameter_set: {other}\nduration_days:"
    path = _scenario_naming(tmp_path, example, old, new)
    line = refused(tmp_path, "run", str(path), "--out", "OUT")
    # one line, the field once (it read "parameter_set.parameter_set: ..."), not ten schema errors of a drug set
    assert f"{path}: {field}: " in line and f"{field}.{field}" not in line, line
    assert f"this is a scenario, {expected}: run it with `hemasim run {other} --out DIR`" in line, line


def test_a_fitting_problem_given_as_a_sweep_file_and_a_sweep_file_given_to_fit_are_named(tmp_path: Path):
    problem, sweep = EXAMPLES / "fit" / "problem.yaml", EXAMPLES / "sweeps" / "healthy_lhs.yaml"
    line = refused(tmp_path, "sweep", str(EXAMPLES / "healthy_adult.yaml"), str(problem), "--out", "OUT")
    assert f"this is a fitting problem (measurements and conditions), not a sweep file: run it with `hemasim fit " \
           f"{problem} --out DIR`" in line, line
    line = refused(tmp_path, "fit", str(sweep), "--out", "OUT")
    assert f"{sweep}: this is a sweep file (a `sweep:` block), not a fitting problem" in line, line


# ------------------------------------------------------------------ sizes
@pytest.mark.parametrize(("args", "expected"), [
    (("--n", "100000000000000"), "--n: 100,000,000,000,000 patients; allowed: 1 to 100,000,000"),
    (("--n", "1000000", "--partition-size", "5"),
     "--partition-size: 5 gives 200,000 partitions for --n 1,000,000; at most 100,000 (--partition-size >= 10)"),
])
def test_a_cohort_too_large_to_list_is_refused_at_once(tmp_path: Path, args, expected: str):
    """--n 1e14 was accepted and then listed its 1e11 partitions for ever before writing anything."""
    line = refused(tmp_path, "cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), *args, "--out", "OUT")
    assert expected in line, line


def test_fit_population_refuses_an_empty_patient_list(tmp_path: Path):
    line = refused(tmp_path, "fit-population", str(Path(__file__).resolve().parents[1] / "data" / "allmt"),
                   "--patients", " , ", "--out", "OUT")
    assert "--patients: no record names given" in line, line


def test_fit_population_refuses_a_patients_option_given_empty(tmp_path: Path):
    """`--patients ""` read as the option's default (every record): the empty list is refused as " , " is, before
    the folder is read (an empty one here: had the option been taken as left out, it would say there are no records)."""
    records = tmp_path / "records"
    records.mkdir()
    line = refused(tmp_path, "fit-population", str(records), "--patients", "", "--out", "OUT")
    assert "--patients: no record names given" in line, line


# ------------------------------------------------------------------ an empty path: not the current folder
@pytest.mark.parametrize(("args", "option"), [
    (("run", "SCENARIO", "--out", ""), "--out"),
    (("run", "SCENARIO", "-o", ""), "--out"),
    (("cohort", "SCENARIO", "--n", "2", "--out", ""), "--out"),
    (("sweep", "SCENARIO", str(EXAMPLES / "sweeps" / "healthy_lhs.yaml"), "--out", ""), "--out"),
    (("sensitivity", "SCENARIO", "--parameters", "anc_setpoint_1e9_per_L", "--out", ""), "--out"),
    (("fit", str(EXAMPLES / "fit" / "problem.yaml"), "--out", ""), "--out"),
    (("fit-population", str(Path(__file__).resolve().parents[1] / "data" / "allmt"), "--out", ""), "--out"),
    (("clonal-hematopoiesis", "--n", "10", "--out="), "--out"),
    (("export-sbml", "SCENARIO", "--out", ""), "--out"),
    (("examples", "healthy_adult", "--out", ""), "--out"),
    (("validate", "--json", ""), "--json"),
    (("sensitivity", "SCENARIO", "--file", "", "--out", "OUT"), "--file"),
    (("run", "", "--out", "OUT"), "SCENARIO"),
])
def test_an_empty_path_is_refused_in_one_line_naming_the_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                args, option):
    """Path("") is Path("."): `--out ""` wrote the outputs into the current folder (harden14). Every command's
    path options and arguments refuse an empty one."""
    monkeypatch.chdir(tmp_path)
    args = tuple(str(EXAMPLES / "healthy_adult.yaml") if a == "SCENARIO" else a for a in args)
    line = refused(tmp_path, *args)
    assert line.startswith(f"hemasim: error: {option}: an empty name: give a file or folder name"), line


@pytest.mark.parametrize(("options", "named"), [
    (("--parameters", "anc_setpoint_1e9_per_L"), "--parameters"),
    (("--all-assumed", "--seed", "3"), "--all-assumed, --seed"),
    (("--method", "morris"), "--method"),  # typed, though it is the default: the file's method would win
])
def test_sensitivity_refuses_design_options_beside_a_file(tmp_path: Path, options, named):
    """--file's `sensitivity:` block silently replaced --parameters and the other design options (harden14)."""
    design = tmp_path / "design.yaml"
    design.write_text(yaml.safe_dump({"sensitivity": {"method": "local", "factors": [
        {"parameter": "platelet_setpoint_1e9_per_L", "relative": [0.5, 2]}]}}), encoding="utf-8")
    line = refused(tmp_path, "sensitivity", str(EXAMPLES / "healthy_adult.yaml"), "--file", str(design), *options,
                   "--out", "OUT")
    assert line.startswith(f"hemasim: error: {named}: not used with --file, whose `sensitivity:` block sets the "
                           "whole design"), line
    other = refused(tmp_path, "sensitivity", str(EXAMPLES / "healthy_adult.yaml"), "--file",
                    str(tmp_path / "missing.yaml"), "--set", "anc_setpoint_1e9_per_L=4", "--out", "OUT")
    assert "not used with --file" not in other  # --set and --out go with a file


def test_the_file_help_names_the_options_it_refuses():
    """--file's help said "the options above are refused with it", --out among them, which goes with a file: it names
    the span of design options, and the options typed between --out and --file are exactly those it refuses."""
    import inspect

    from hemasim.cli.sensitivity import DESIGN_OPTIONS, sensitivity

    names = list(inspect.signature(sensitivity).parameters)
    assert tuple(names[names.index("out") + 1:names.index("file")]) == DESIGN_OPTIONS
    help_text = inspect.signature(sensitivity).parameters["file"].default.help
    assert "--method to --time-average, are refused" in help_text and "--out go with it" in help_text
