"""Faults found by a second reading of core paths (bughunt34b: the first hunt's leads, then older code): each test
failed before its fix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from .conftest import EXAMPLES


class _VShapedProfile:
    """A VAF fit whose profile log-likelihood falls linearly in log10 of the value, ``slope`` per decade either side
    of the estimate: linear between any grid points, so the interval's interpolated ends are exact."""

    @staticmethod
    def fit(slope: float):
        from hemasim.clonal.vaf_fit import VAFFit

        class Fit(VAFFit):
            def profile(self, which, values):  # noqa: ANN001, ANN202
                return self.log_likelihood - slope * np.abs(np.log10(np.asarray(values) / self.rate_years))

        return Fit(shape=2.0, rate_years=40.0, log_likelihood=-100.0, n_variants=0, studies=[], s_grid=np.array([]))


@pytest.mark.parametrize("half_width_decades", [0.3125, 0.41])
def test_a_vaf_profile_interval_ends_where_the_profile_crosses_the_drop(half_width_decades):
    """The 95% profile interval of the selection law (docs/clonal_data.md) says it interpolates the profile between
    its grid points. It returned the outermost grid points inside instead: up to one grid step (0.025 decade, 6%)
    short at each end - 10^0.3 for a crossing at 10^0.3125 (3% narrow); docs/clonal_data.md's gamma shape read
    1.19-2.99 for 1.18-3.15."""
    from hemasim.clonal.vaf_fit import PROFILE_DROP

    fit = _VShapedProfile.fit(PROFILE_DROP / half_width_decades)
    exact = (40.0 * 10 ** -half_width_decades, 40.0 * 10 ** half_width_decades)
    for n_points, span in ((121, 1.5), (61, 0.6)):
        low, high = fit.profile_interval("rate", n_points=n_points, span_log10=span)
        assert (low, high) == pytest.approx(exact, rel=1e-9)
    wide = _VShapedProfile.fit(PROFILE_DROP / 2.0)  # crossing beyond the grid: its end, "at least"
    assert wide.profile_interval("rate", n_points=61, span_log10=0.6) == pytest.approx((40 * 10 ** -0.6,
                                                                                        40 * 10 ** 0.6), rel=1e-12)


def test_a_sweep_of_a_scenario_with_a_fitted_set_reads_its_endpoints_against_the_fitted_values(tmp_path: Path):
    """An autologous transplant with a fitted parameter_set that sets the CD4 reference count 1.5-fold: the run's
    cd4_50pct_normal_day reads half of the fitted reference (its model's), so a sweep point at the scenario's own
    values must give the same. The sweep read the endpoint context from the healthy table: half of the table's
    813.5 cells/uL, so day 155 in the sweep where the single run says not reached in 200 days."""
    import pandas as pd

    from hemasim.assembly import run_scenario, scenario_endpoint_columns
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import parse_scenario
    from hemasim.sensitivity.batch import evaluate_points

    table = healthy_adult_parameters()
    fitted = tmp_path / "fitted.yaml"
    fitted.write_text(yaml.safe_dump({"name": "t", "provenance": {"data": ["d.csv"], "problem": "p.yaml",
                                                                  "objective": 1.0},
                                      "parameters": [{"name": "cd4_reference_per_uL",
                                                      "value": 1.5 * table.value("cd4_reference_per_uL")}]}))
    data = yaml.safe_load((EXAMPLES / "auto_hsct_melphalan.yaml").read_text(encoding="utf-8"))
    data.update(parameter_set=str(fitted), duration_days=200)
    scenario = parse_scenario(data, "s.yaml")
    single = {c.name: float(c.values[0]) for c in scenario_endpoint_columns(scenario, run_scenario(scenario))}
    # one point at the table's NK reference: a factor that leaves the run as it is
    swept = evaluate_points(scenario, pd.DataFrame({"nk_reference_per_uL": [table.value("nk_reference_per_uL")]}))
    assert np.isnan(single["cd4_50pct_normal_day"])
    for name in ("cd4_50pct_normal_day", "cd8_50pct_normal_day", "neutrophil_engraftment_day"):
        assert swept.loc[0, name] == pytest.approx(single[name], rel=1e-6, nan_ok=True), name


def _example_fit(tmp_path: Path) -> Path:
    for name in ("problem.yaml", "scenario.yaml", "measurements.csv"):
        shutil.copy(EXAMPLES / "fit" / name, tmp_path / name)
    return tmp_path / "problem.yaml"


def test_a_bad_iiv_cv_of_a_fitted_set_is_refused_naming_the_field_as_the_others():
    """Every refusal of a fitted set's file begins "parameter_set: FILE: parameters.i...." (the scenario's error
    then reads "the file FILE: ..."); a negative iiv_cv's began with the file alone."""
    import tempfile

    from hemasim.inference.fitted import load_fitted_values

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fitted.yaml"
        path.write_text(yaml.safe_dump({"name": "t", "provenance": {"data": ["d.csv"], "problem": "p.yaml",
                                                                    "objective": 1.0},
                                        "parameters": [{"name": "x", "value": 1.0, "iiv_cv": -0.2}]}))
        with pytest.raises(ValueError, match=rf"^parameter_set: {path}: parameters\.0\.iiv_cv: must be a number >= 0"):
            load_fitted_values(path)


def test_each_cycle_has_its_own_nadir_entry_when_a_cycle_has_no_output():
    """Five 6-day cycles of docetaxel with an output every 10 days: the third cycle (days 12-18) holds no output.
    Its entry was dropped and the rows zipped without checking, so the fourth cycle's nadir read as the third's and
    the fifth's as the fourth's; and each cycle's starting count was the first output after its start (for cycle 2
    the nadir itself, so "did not fall" where ANC fell from 4.75 to 1.53). Now each cycle has its entry, the empty one
    says so, and a cycle starts from the count on its first day (between the outputs around it)."""
    from hemasim.assembly import run_scenario
    from hemasim.report.key_results import _cycle_nadirs_text, cycle_nadirs
    from hemasim.scenario import parse_scenario

    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text(encoding="utf-8"))
    data.update(output={"every_days": 10}, duration_days=60)
    chemo = data["interventions"][0]
    chemo.pop("rules")
    chemo.update(dose_mg_per_m2=30, schedule={"start_day": 0, "every_days": 6, "cycles": 5})
    result = run_scenario(parse_scenario(data, "s.yaml"))
    anc = dict(zip(result.times.tolist(), result.observable("anc_1e9_per_L").tolist(), strict=True))
    nadirs = cycle_nadirs(result)
    assert len(nadirs) == 5 and np.isnan(nadirs[2][0])
    assert nadirs[1] == (anc[10.0], 4.0) and nadirs[3] == (anc[20.0], 2.0)  # days from the cycle's own first dose
    text = _cycle_nadirs_text(result).split(" · ")
    assert [t.split(":")[0] for t in text] == ["1", "2", "3", "4", "5"]
    assert text[1].startswith("2: 1.5") and text[2] == "3: no output in it" and text[3] == "4: 1.08"
    # one output in each 6-day cycle, the count still falling at it: no nadir, and said so once, after the cycles
    # (review36e, review37b)
    assert " · ".join(text).count("no nadir within the cycle, still falling at its end") == 1
    assert re.search(r"\(cycles? [\d, and]*4[\d, and]*: no nadir within the cycle", text[-1])


def test_a_zero_under_the_assay_limit_of_a_lognormal_observable_is_censored_not_refused(tmp_path: Path):
    """The example fit's ANC has log-normal noise and lloq 0.1: a value under 0.1 is censored at 0.1, so a lab's 0
    ("not detected") takes no log. It was refused as "not > 0" before the censoring could apply; without an lloq
    it still is."""
    from hemasim.inference import ProblemError, load_problem
    from hemasim.inference.objective import Objective

    path = _example_fit(tmp_path)
    csv = tmp_path / "measurements.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    assert lines[3] == "patient_01,7,anc,0.6833,0"
    lines[3] = "patient_01,7,anc,0,0"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    objective = Objective(load_problem(path))
    assert objective.censored[2] and objective.data[2] == pytest.approx(0.1)
    path.write_text(path.read_text(encoding="utf-8").replace("    lloq: 0.1\n", ""), encoding="utf-8")
    with pytest.raises(ProblemError, match=r"row 4, column value: 0 is not > 0"):
        load_problem(path)


def test_the_explorers_two_arm_file_runs_each_arm_as_the_explorer_ran_it():
    """Arm A with a parameter override and the patient's height, arm B with neither (a flat dose): the downloaded
    file's arm B ran with A's override and height, since an arm's parameters and patient are merged over the base
    (arm A) and B's arm listed only what B had. Each arm of the file is now the arm the page ran."""
    from hemasim._yaml_limits import load_yaml_text
    from hemasim.explore.service import Explorer
    from hemasim.scenario import parse_scenario
    from hemasim.scenario.arms import arm_scenarios

    chemo = {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg": 130, "route": "iv_infusion",
             "infusion_hours": 1, "schedule": {"days": [0]}}
    a = {"name": "t", "patient": {"age_years": 50, "sex": "female", "weight_kg": 65, "height_cm": 165},
         "duration_days": 30, "aging": False, "interventions": [chemo], "parameters": {"igg_half_life_days": 25,
                                                                                      "nk_reference_per_uL": 200}}
    b = {**a, "patient": {"age_years": 50, "sex": "female", "weight_kg": 65}, "parameters": {"nk_reference_per_uL": 200}}
    explorer = Explorer(examples_folder=None)
    text = explorer.scenario_yaml({"arms": [{"name": "A", "scenario": a}, {"name": "B", "scenario": b}]})
    arms = dict(arm_scenarios(parse_scenario(load_yaml_text(text, "download", "scenario"))))
    assert arms["A"].parameters == {"igg_half_life_days": 25.0, "nk_reference_per_uL": 200.0}
    assert arms["A"].patient.height_cm == 165
    assert arms["B"].parameters == {"nk_reference_per_uL": 200.0}
    assert arms["B"].patient.height_cm is None


@pytest.mark.parametrize(("block", "points"), [
    ("{method: sobol, samples: 65536, factors: [{parameter: a, range: [1, 2]}, {parameter: b, range: [1, 2]}]}",
     "262,145"),
    ("{method: morris, trajectories: 1000, factors: [" + ", ".join(f"{{parameter: p{i}, range: [1, 2]}}"
                                                               for i in range(120)) + "]}", "121,001"),
])
def test_a_sensitivity_design_beyond_the_point_limit_is_refused_before_it_runs(tmp_path: Path, block, points):
    """A sweep's grid of more than MAX_POINTS (100,000) points is refused when its file loads ("a sweep or design
    larger than this is refused before anything runs"); a Morris or Sobol' design was not: 2^16 Sobol' samples of
    2 factors (262,145 runs) or 1,000 trajectories of 120 factors loaded and started."""
    from hemasim.sensitivity.spec import SpecError, load_spec

    path = tmp_path / "design.yaml"
    path.write_text(f"sensitivity: {block}\n", encoding="utf-8")
    with pytest.raises(SpecError, match=rf"design\.yaml: sensitivity: the (sobol|morris) design has {points} points, "
                                        r"more than 100,000: fewer (samples|trajectories) or factors$"):
        load_spec(path, "sensitivity")
    path.write_text(f"sensitivity: {block.replace('65536', '1024').replace('1000', '100')}\n", encoding="utf-8")
    assert load_spec(path, "sensitivity").design_size() < 100_000


def test_a_problem_of_a_whole_design_block_names_the_block_not_a_top_level_field(tmp_path: Path):
    """A sweep grid of too many points read "sweep.top level: the grid has ..." (a field "top level" the block does
    not have); now the block itself: "sweep: the grid has ..."."""
    from hemasim.sensitivity.spec import SpecError, load_spec

    path = tmp_path / "design.yaml"
    path.write_text("sweep: {n_points: 1000, factors: [{parameter: a, range: [1, 2]}, {parameter: b, range: [1, 2]}]}\n",
                    encoding="utf-8")
    with pytest.raises(SpecError, match=r"design\.yaml: sweep: the grid has more than 100000 points$"):
        load_spec(path)
    path.write_text("sensitivity: {levels: 5, factors: [{parameter: a, range: [1, 2]}]}\n", encoding="utf-8")
    with pytest.raises(SpecError, match=r"design\.yaml: sensitivity\.levels: must be even \(got 5\)$"):
        load_spec(path, "sensitivity")  # a field's problem: its path, as before


def test_a_factors_relative_range_and_base_point_are_around_the_fitted_value_a_scenario_runs_with(tmp_path: Path):
    """A scenario whose fitted parameter_set sets the CD4 reference count 1.5-fold: a factor `relative: [0.5, 2]` of
    it spans half to twice the value the scenario runs with, and the design's base point (a sensitivity's "scenario's
    own values", the local method's centre) is that value. Both were the healthy table's (813.5 cells/uL), so the
    base point ran the table's value in place of the fitted one."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import parse_scenario
    from hemasim.sensitivity.spec import FactorSpec, resolve_factors

    table_value = healthy_adult_parameters().value("cd4_reference_per_uL")
    fitted = tmp_path / "fitted.yaml"
    fitted.write_text(yaml.safe_dump({"name": "t", "provenance": {"data": ["d.csv"], "problem": "p.yaml",
                                                                  "objective": 1.0},
                                      "parameters": [{"name": "cd4_reference_per_uL", "value": 1.5 * table_value},
                                                     {"name": "nk_reference_per_uL", "value": 250.0}]}))
    data = yaml.safe_load((EXAMPLES / "auto_hsct_melphalan.yaml").read_text(encoding="utf-8"))
    data.update(parameter_set=str(fitted), parameters={"nk_reference_per_uL": 300.0})
    scenario = parse_scenario(data, "s.yaml")
    cd4, nk = resolve_factors([FactorSpec(parameter="cd4_reference_per_uL", relative=(0.5, 2.0)),
                               FactorSpec(parameter="nk_reference_per_uL", relative=(0.5, 2.0))], scenario)
    assert cd4.base == pytest.approx(1.5 * table_value)
    assert (cd4.low, cd4.high) == pytest.approx((0.75 * table_value, 3.0 * table_value))
    assert nk.base == 300.0  # the scenario's own value wins over the fitted set's, as in its run


def test_a_swept_field_in_a_group_the_scenario_leaves_at_its_default_is_set_there():
    """healthy_adult.yaml has no solver block: a sweep of solver.max_step_days (a step-size check) resolved its
    factor from the scenario's values, then ended in a traceback, KeyError: 'solver', when the field was set
    (each end is checked by building the scenario with it). The group is now filled from the scenario's own values."""
    from hemasim.scenario import load_scenario
    from hemasim.sensitivity.batch import scenario_with_fields
    from hemasim.sensitivity.spec import FactorSpec, resolve_factors

    scenario = load_scenario(EXAMPLES / "healthy_adult.yaml")
    assert "solver" not in scenario.model_dump(mode="json", exclude_unset=True)
    (factor,) = resolve_factors([FactorSpec(field="solver.max_step_days", range=(1.0, 10.0))], scenario)
    assert factor.base == scenario.solver.max_step_days
    changed = scenario_with_fields(scenario, {"solver.max_step_days": 5.0})
    assert changed.solver == scenario.solver.model_copy(update={"max_step_days": 5.0})
