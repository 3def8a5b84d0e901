"""An oncology pharmacometrician's first hour (harden9): what a dose in mg/m2 became, and other things looked
for in a chemotherapy report and in the files beside it."""

from __future__ import annotations

import re

import pytest
import yaml

from hemasim.scenario import parse_scenario
from tests.conftest import EXAMPLES

pytestmark = pytest.mark.cli


def _chain_run(**patient: float):
    from hemasim.assembly import run_scenario

    data = yaml.safe_load((EXAMPLES / "friberg_docetaxel.yaml").read_text())
    data["patient"] = {**data["patient"], **patient}
    data["duration_days"] = 21
    data["interventions"][0]["schedule"] = {"start_day": 0, "every_days": 21, "cycles": 1}
    return run_scenario(parse_scenario(data, "s.yaml"))


def test_the_drug_section_states_the_body_surface_area_a_dose_per_m2_used():
    from hemasim.interventions.dosed import _drug_section

    result = _chain_run(weight_kg=81, height_cm=172)
    html = _drug_section(result)
    assert html is not None
    bsa = (172 * 81 / 3600) ** 0.5  # Mosteller
    match = re.search(r"docetaxel 100 mg/m² × ([\d.]+) m² = ([\d.]+) mg", html)
    assert match is not None, html
    assert float(match.group(1)) == pytest.approx(bsa, rel=1e-3)
    planned_mg = result.record.administrations[0]["planned_ug"] / 1000
    assert float(match.group(2)) == pytest.approx(planned_mg, rel=1e-3) == pytest.approx(100 * bsa, rel=1e-3)
    assert "Mosteller" in html and "height 172 cm" in html and "weight 81 kg" in html


def test_the_report_writes_a_dose_rule_with_its_own_action_only():
    # the record holds every rule field with its default: a delay rule listed "reduce by fraction: 0.25", which
    # reads as a 25% dose reduction the scenario never asked for
    from hemasim.report.html import _intervention_text

    rules = [{"observable": "anc", "below": 1.5, "action": "delay", "delay_days": 7, "max_delays": 2,
              "reduce_by_fraction": 0.25},
             {"observable": "platelets", "below": 75, "action": "reduce", "delay_days": 7, "max_delays": 2,
              "reduce_by_fraction": 0.2}]
    text = _intervention_text({"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "rules": rules})
    assert text.endswith("rules: if ANC < 1.5 ×10⁹/L on a cycle's planned day: delay 7 days (at most 2 times, then "
                         "given); if platelets < 75 ×10⁹/L on a cycle's planned day: reduce this and later doses by "
                         "20%"), text


def test_a_cohort_share_reads_the_same_in_the_key_results_and_the_endpoint_table():
    # 0.915 read "92% of patients" in the key results and "91.5%" in the table below
    from hemasim.report.html import render_cohort_report

    rows = [{"endpoint": "days_anc_below_1", "median": 10.5, "p05": 0.0, "p95": 18.0, "fraction_reaching": 0.915,
             "unit": "day", "definition": "d", "n": 200},
            {"endpoint": "days_anc_below_0p5", "median": 1.0, "p05": 0.0, "p95": 10.5, "fraction_reaching": 0.52,
             "unit": "day", "definition": "d", "n": 200}]
    report = render_cohort_report({"n_patients": 200, "endpoints": rows}, b"", {"scenario": {"name": "c"}})
    key, table = report.split('id="endpoints"')
    # the table's share says what it counts: of days below a threshold, the patients with any (report36: "patients
    # reaching" 52% of a number of days read oddly)
    assert "91.5% of patients; median 10.5 days" in key and "<td>91.5% with any day</td>" in table
    assert "52% of patients; median 1 day" in key and "<td>52% with any day</td>" in table


def test_the_key_results_give_each_cycle_of_a_regimen_its_nadir_and_grade_4_days():
    # a combination regimen's cycles had no per-cycle row (only `chemotherapy` interventions were read); the days of
    # grade 4 were given for the run only, where the label states a median duration per cycle
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import DaysBelow, evaluate_endpoints
    from hemasim.report.key_results import chemotherapy_cycle_days, cycle_days_below, cycle_nadirs, key_results_html

    data = {"name": "t", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
            "duration_days": 84, "aging": False, "output": {"every_days": 0.25},
            "interventions": [{"kind": "chemotherapy_regimen", "regimen": "docetaxel_pegfilgrastim", "start_day": 0}]}
    result = run_scenario(parse_scenario(data, "s.yaml"))
    assert chemotherapy_cycle_days(result) == [0.0, 21.0, 42.0, 63.0]  # pegfilgrastim's days are not cycles
    assert len(cycle_nadirs(result)) == 4
    anc = result.observable("anc_1e9_per_L")
    threshold = float(anc.min()) * 1.5  # a mark every cycle falls below, whatever the G-CSF does
    per_cycle = cycle_days_below(result, threshold)
    total = DaysBelow("anc_1e9_per_L", threshold, "x").values(result.times, anc[None, :])[0]
    assert len(per_cycle) == 4 and all(d > 0 for d in per_cycle) and sum(per_cycle) == pytest.approx(total)
    html = key_results_html({"": evaluate_endpoints(result)}, {"": result})
    assert "ANC nadir of each cycle" in html and "days after the cycle&#x27;s first dose, which is day 0" in html
    assert "Days of grade 4 neutropenia over the run" in html
    assert "in each cycle" not in html  # pegfilgrastim: no cycle has grade 4, the run's row says 0 days
    # two cycles of docetaxel on the Friberg chain (Kloft 2006): grade 4 in each
    data = yaml.safe_load((EXAMPLES / "friberg_docetaxel.yaml").read_text())
    data["duration_days"] = 42
    data["interventions"][0]["schedule"]["cycles"] = 2
    chain = run_scenario(parse_scenario(data, "s.yaml"))
    per_cycle = cycle_days_below(chain, 0.5)
    assert len(per_cycle) == 2 and all(d > 0 for d in per_cycle)
    html = key_results_html({"": evaluate_endpoints(chain)}, {"": chain})
    assert f"Days of grade 4 neutropenia in each cycle (cycle: days)</th><td>1: {per_cycle[0]:g} · 2: {per_cycle[1]:g}</td>" in html


def test_a_regimen_too_long_for_the_run_is_named_as_written_with_the_days_it_needs():
    # it read "interventions.0.schedule: the last dose (day 63.0417) ...": a regimen has no schedule field, and
    # 63.0417 was the end of an infusion, not a dose day; the regimen's last dose is pegfilgrastim's on day 64
    from hemasim.scenario import ScenarioError

    data = {"name": "t", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
            "duration_days": 42,
            "interventions": [{"kind": "chemotherapy_regimen", "regimen": "docetaxel_pegfilgrastim", "start_day": 0}]}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    assert str(err.value) == (
        "s.yaml: interventions.0.regimen: docetaxel_pegfilgrastim from start_day 0: the last dose (pegfilgrastim on "
        "day 64) is after the end of the scenario (duration_days = 42); it needs duration_days >= 64")
    chemo = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text())
    chemo["duration_days"] = 63
    with pytest.raises(ScenarioError) as err:
        parse_scenario(chemo, "s.yaml")
    assert str(err.value) == ("s.yaml: interventions.0.schedule: the last dose (day 63, its infusion ending on day "
                              "63.04) is after the end of the scenario (duration_days = 63); it needs duration_days >= 64, "
                              "or cycles: 3")


def test_a_fitted_parameter_without_a_unit_takes_its_targets_unit(tmp_path):
    # estimates.csv's unit column was empty unless the problem wrote `unit:` for each parameter (docs/fitting.md's
    # problem does not), though the target's unit is known: drug-set MTT in h, slope in L/umol
    import shutil

    from hemasim.inference import load_problem

    for name in ("scenario.yaml", "measurements.csv"):
        shutil.copy(EXAMPLES / "fit" / name, tmp_path / name)
    data = yaml.safe_load((EXAMPLES / "fit" / "problem.yaml").read_text())
    for p in data["parameters"]:
        p.pop("unit", None)
    data["parameters"][1]["unit"] = "none"  # a unit the user gives is kept
    (tmp_path / "problem.yaml").write_text(yaml.safe_dump(data))
    problem = load_problem(tmp_path / "problem.yaml")
    assert [(p.id, p.unit) for p in problem.parameters] == [("mtt_h", "h"), ("gamma", "none"), ("slope", "L/umol"),
                                                            ("sigma_anc", "1")]  # log-normal: relative


class _Quadratic:
    """An objective 0.5 zᵀ A z around 0 on two parameters (linear scale, bounds [-1, 1]) with the interface the
    profile walk uses: a profile sharp enough that the walk's first step (2% of the span) rises past the 95%
    threshold, as an informative data set's does."""

    def __init__(self, a: list[list[float]]):
        import numpy as np

        from hemasim.inference.problem import EstimatedParameter

        self.a = np.array(a)
        self.parameters = [EstimatedParameter(n, n, -1.0, 1.0, 0.0, scale="lin") for n in ("u", "v")]
        self.names = ("u", "v")
        self.n_parameters = 2
        self.lower, self.upper = np.full(2, -1.0), np.full(2, 1.0)

    def __call__(self, theta):
        return 0.5 * ((theta @ self.a) * theta).sum(axis=1)

    def value_and_gradient(self, x):
        return float(0.5 * x @ self.a @ x), self.a @ x


def test_a_profile_interval_is_not_cut_short_when_one_step_crosses_the_threshold():
    # the end was interpolated linearly in the objective between the optimum and a first step that rose to 5.6:
    # the 95% interval of a 4-patient docetaxel fit came out 40% too narrow (MTT [86.0, 88.8] h where the profile
    # crosses best + 1.92 at 85.1 and 89.7)
    import numpy as np

    from hemasim.inference.uncertainty import CHI2_95_1DOF, profile_likelihood

    objective = _Quadratic([[80000.0, 30000.0], [30000.0, 20000.0]])
    (profile,) = profile_likelihood(objective, np.zeros(2), names=["u"])  # type: ignore[arg-type]
    half_width = np.sqrt(CHI2_95_1DOF * np.linalg.inv(objective.a)[0, 0])  # profile of u: u² / (2 (A⁻¹)₁₁)
    assert 0.5 * 0.02**2 / np.linalg.inv(objective.a)[0, 0] > 1.92  # the first step does overshoot
    assert profile.ci_lower == pytest.approx(-half_width, rel=1e-3)
    assert profile.ci_upper == pytest.approx(half_width, rel=1e-3)
    assert list(profile.grid) == sorted(profile.grid)


def test_a_drug_set_value_given_as_a_parameter_says_where_it_can_be_changed():
    # run.json and a fit name drug-set values docetaxel_kloft2006__friberg_mean_transit_time_h; as a scenario
    # parameter it read "unknown parameter; see docs/parameters.md", where no drug-set value is listed
    from hemasim.scenario import ScenarioError

    data = yaml.safe_load((EXAMPLES / "friberg_docetaxel.yaml").read_text())
    data["parameters"] = {"docetaxel_kloft2006__friberg_mean_transit_time_h": 60}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    line = str(err.value)
    assert line.startswith("s.yaml: parameters.docetaxel_kloft2006__friberg_mean_transit_time_h: a value of drug set "
                           "docetaxel_kloft2006 (friberg.mean_transit_time_h), not a parameter of the healthy model")
    assert "copy of the set's file" in line and "parameter_set:" in line and "\n" not in line
    data["parameters"] = {"neutrophil_feedback_log_slop": 0.2}  # any other unknown name: as before
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    assert "unknown parameter; did you mean neutrophil_feedback_log_slope" in str(err.value)


def test_a_vpc_of_a_nominal_design_has_a_bin_per_sampling_day():
    # 11 sampling days (4 patients each) were cut into 6 equal-count bins: day 21 (before the second dose, high)
    # shared a bin with day 25 (falling to the nadir), and their percentiles described neither
    import numpy as np

    from hemasim.inference.population import _vpc_bins

    design = np.array([0, 3, 7, 10, 14, 21, 25, 28, 31, 35, 42], dtype=float)
    edges, which = _vpc_bins(np.tile(design, 4), None)
    assert len(edges) == len(design) + 1 and list(np.unique(which)) == list(range(len(design)))
    assert all(edges[k] <= d <= edges[k + 1] for k, d in enumerate(design))
    scattered = np.random.default_rng(0).uniform(0, 200, 300)  # days of visits that differ by patient: 6 bins
    edges, which = _vpc_bins(scattered, None)
    assert len(edges) == 7 and np.bincount(which).min() >= 45
    assert len(_vpc_bins(np.tile(design, 4), 3)[0]) == 4  # a number of bins asked for is kept


def test_the_vpc_axis_names_what_was_measured_with_its_unit():
    from hemasim.inference import load_problem
    from hemasim.inference.population_outputs import vpc_label

    assert vpc_label(load_problem(EXAMPLES / "fit" / "problem.yaml")) == "anc (anc_1e9_per_L)"


def _example_problem(tmp_path, measurements: str, noise: str = "lognormal"):
    import shutil

    shutil.copy(EXAMPLES / "fit" / "scenario.yaml", tmp_path / "scenario.yaml")
    (tmp_path / "measurements.csv").write_text(measurements)
    data = yaml.safe_load((EXAMPLES / "fit" / "problem.yaml").read_text())
    data["observables"][0]["noise"]["model"] = noise
    data["observables"][0].pop("lloq", None)
    (tmp_path / "problem.yaml").write_text(yaml.safe_dump(data))
    return tmp_path / "problem.yaml"


HEADER = "condition,time_days,observable,value\n"


@pytest.mark.parametrize(("rows", "expected"), [
    # a decimal comma made a fifth cell that was dropped: the fit ran on the value 1
    ("patient_01,0,anc,4.8\npatient_01,7,anc,1,2\n",
     "measurements.csv: row 3: 5 cells where the header has 4 (a decimal comma, 1,2 for 1.2? numbers take a point; "
     "a text with a comma goes in double quotes)"),
    ("patient_01,0,anc,4.8\npatient_01,7,1.2\n",
     "measurements.csv: row 3: 3 cells where the header has 4 (each row has a cell for each of condition, time_days, "
     "observable, value)"),
    # log of a negative count: the objective was NaN and the fit wrote its files all the same
    ("patient_01,0,anc,4.8\npatient_01,7,anc,-1.2\n",
     "measurements.csv: row 3, column value: -1.2 is not > 0, and observable 'anc' has log-normal noise (a count "
     "below the assay limit: the limit as value, with censored 1)"),
])
def test_a_broken_measurement_row_is_one_line_naming_the_row(tmp_path, rows, expected):
    from hemasim.inference import load_problem
    from hemasim.inference.problem import ProblemError

    with pytest.raises(ProblemError) as err:
        load_problem(_example_problem(tmp_path, HEADER + rows))
    assert str(err.value).removeprefix(f"{tmp_path}/").removeprefix("problem.yaml: ") == expected


def test_a_value_column_named_with_its_unit_says_where_the_unit_is(tmp_path):
    from hemasim.inference import load_problem
    from hemasim.inference.problem import ProblemError

    with pytest.raises(ProblemError) as err:
        load_problem(_example_problem(tmp_path, HEADER.replace("value", "value_1e9_per_L") + "patient_01,0,anc,4.8\n"))
    assert str(err.value).endswith("'value_1e9_per_L' is not read: values go in a column value, in the unit of the "
                                   "hemasim observable the problem's observable measures (anc_1e9_per_L: 1e9/L; "
                                   "rename it)")


def test_the_population_fit_refuses_a_value_its_log_normal_error_cannot_take_naming_the_row(tmp_path):
    # additive noise lets a fit take a 0; the population fit's residual error is log-normal whatever the problem's
    # noise, and it said "log-normal residual error: observations must be > 0", no file, row or value
    from hemasim.inference import load_problem
    from hemasim.inference.population import ProblemPredictor

    problem = load_problem(_example_problem(tmp_path, HEADER + "patient_01,0,anc,4.8\npatient_01,7,anc,0\n",
                                            noise="additive"))
    with pytest.raises(ValueError) as err:
        ProblemPredictor(problem)
    assert str(err.value).endswith("measurements.csv: row 3, column value: 0 is not > 0; the population fit's "
                                   "residual error is log-normal, so every value must be > 0")


def test_a_subject_column_named_as_nonmem_names_it_says_it_is_the_condition(tmp_path):
    from hemasim.inference import load_problem
    from hemasim.inference.problem import ProblemError

    with pytest.raises(ProblemError) as err:
        load_problem(_example_problem(tmp_path, "ID,time_days,observable,value\npatient_01,0,anc,4.8\n"))
    assert str(err.value).endswith("missing column 'condition' (required: condition, time_days, observable, value; "
                                   "optional: censored); 'ID' is not read: each row's subject goes in a column "
                                   "condition, holding the id of one of the problem's conditions (rename it)")


def test_a_drug_set_value_in_a_sweep_says_what_sweeps_vary(tmp_path):
    # it read "unknown parameter ...; see docs/parameters.md", which lists no drug-set value
    from tests.conftest import invoke_hemasim

    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("sweep:\n  method: grid\n  n_points: 3\n  factors:\n"
                     "    - {parameter: docetaxel_kloft2006__friberg_mean_transit_time_h, relative: [0.5, 2]}\n")
    res = invoke_hemasim("sweep", str(EXAMPLES / "docetaxel_q3w.yaml"), str(sweep), "--out", str(tmp_path / "o"))
    assert res.exit_code == 2 and not (tmp_path / "o").exists()
    assert res.stderr.strip() == (
        f"hemasim: error: {sweep}: sweep.factors.0.parameter: docetaxel_kloft2006__friberg_mean_transit_time_h is a "
        "value of drug set docetaxel_kloft2006 (friberg.mean_transit_time_h), which sweeps and sensitivities of the "
        "full model do not vary (they vary the healthy model's parameters, docs/parameters.md, and the scenario's "
        "fields, a dose among them; on the Friberg chain, model: friberg_chain, they vary its set's values); compare "
        "copies of the set's file as scenarios, or fit the value (docs/fitting.md)")


def test_a_local_sensitivity_whose_step_check_failed_is_not_drawn_as_one(monkeypatch):
    # a recovery day that jumps by one output interval under a 1% step read as an elasticity of 10, red like the
    # real ones beside it; indices.csv flagged it (step_ok false), the ranking plot did not
    import pandas as pd

    import hemasim.sensitivity.plots as plots
    from hemasim.sensitivity.run import SensitivityResult

    indices = pd.DataFrame({"endpoint": ["anc_nadir", "anc_nadir", "neutrophil_recovery_day",
                                         "neutrophil_recovery_day"],
                            "factor": ["a", "b", "a", "b"], "sensitivity": [-1.05, 0.24, 10.0, 0.0],
                            "step_ok": [True, True, False, True]})
    result = SensitivityResult("local", [], indices, pd.DataFrame(), 0.0, None, units={})  # type: ignore[arg-type]
    monkeypatch.setattr(plots, "_save", lambda fig: fig)
    fig = plots.ranking_figure(result)
    nadir, recovery = fig.axes[:2]
    assert all(not bar.get_hatch() for bar in nadir.patches)
    (jump,) = [bar for bar in recovery.patches if bar.get_width() == 10.0]
    assert jump.get_hatch() == "//" and [t.get_text() for t in recovery.texts if t.get_text()] == ["step check failed"]


@pytest.fixture(scope="module")
def example_fit_outputs():
    """examples/fit fitted from its nominal start, without profiles (a few seconds)."""
    from hemasim.inference import load_problem
    from hemasim.inference.outputs import compute_fit

    return compute_fit(load_problem(EXAMPLES / "fit" / "problem.yaml"), n_starts=1, profiles=False)


def test_the_fit_is_drawn_between_the_measurements_as_the_model_runs(example_fit_outputs):
    # the fit's plot joined the predictions at the measurement days with straight lines: a nadir between two
    # counts was cut off and the course looked piecewise linear
    import numpy as np

    out = example_fit_outputs
    assert out.curves is not None
    ((key, (days, course)),) = out.curves.items()
    assert key == ("patient_01", "anc") and len(days) >= 200 and days[0] == 0.0
    m = out.problem.measurements
    assert days[-1] == m.time_days.max() and np.all(np.diff(days) > 0)
    at = np.searchsorted(days, m.time_days)
    assert np.allclose(course[at], out.predictions, rtol=1e-6)  # the same course the likelihood saw
    assert course.min() < out.predictions.min()  # the nadir falls between two counts


def test_a_cycle_whose_count_did_not_fall_has_no_nadir_in_the_key_results():
    # the AC cycles of ac_docetaxel (then PK-only drugs) read "1: 4.75 (day 0)": the baseline on the dose day
    # (epirubicin is still PK only)
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.report.key_results import key_results_html

    chemo = {"kind": "chemotherapy", "drug_set": "epirubicin_sandstrom2006", "dose_mg_per_m2": 60,
             "route": "iv_bolus", "schedule": {"start_day": 0, "every_days": 21, "cycles": 2}}
    data = {"name": "t", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
            "duration_days": 42, "aging": False, "output": {"every_days": 0.25}, "interventions": [chemo]}
    result = run_scenario(parse_scenario(data, "s.yaml"))
    html = key_results_html({"": evaluate_endpoints(result)}, {"": result})
    assert "day 0)</th><td>1: did not fall · 2: did not fall</td>" in html


def test_the_drug_section_says_how_its_concentrations_are_drawn():
    # a 1-h docetaxel infusion of 100 mg/m2 peaks at 2.8 ug/mL in the model; drawn every 0.25 day its curve started near
    # 39 ng/mL, which read as the model's peak. It is drawn densely round each dose now (report36), and says so
    from hemasim.interventions.dosed import _drug_section

    html = _drug_section(_chain_run())
    assert html is not None and "docetaxel: the PK evaluated at fine steps over each dose" in html
    assert "so a curve&#x27;s peak is its Cmax" in html


def test_an_own_drug_set_named_without_its_extension_points_to_the_file(tmp_path):
    # drug_set: etoposide_mine (the file etoposide_mine.yaml beside the scenario) guessed "did you mean etoposide?
    # its sets: etoposide_toffoli2001", a shipped set of the same drug, not the user's
    from hemasim.scenario import ScenarioError, load_scenario
    from tests.conftest import ROOT

    own = (ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_friberg2002.yaml").read_text()
    (tmp_path / "docetaxel_mine.yaml").write_text(own.replace("name: docetaxel_friberg2002", "name: docetaxel_mine"))
    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text())
    data["interventions"][0]["drug_set"] = "docetaxel_mine"
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(ScenarioError) as err:
        load_scenario(tmp_path / "s.yaml")
    (line,) = str(err.value).splitlines()
    assert line.endswith("(or give the path of your own .yaml file); docetaxel_mine.yaml is in the scenario's folder: "
                         "a file is given with its extension, drug_set: docetaxel_mine.yaml"), line
    data["interventions"][0]["drug_set"] = "docetaxel_mine.yaml"  # as the line says: it loads
    (tmp_path / "s.yaml").write_text(yaml.safe_dump(data))
    assert load_scenario(tmp_path / "s.yaml").interventions[0].drug_set.endswith("docetaxel_mine.yaml")


def test_the_fit_report_puts_each_estimate_next_to_its_id(example_fit_outputs):
    # on a phone the estimates table scrolls sideways; with the long target second it showed the id and half the
    # run-record name, and no number
    from hemasim.inference.outputs import fit_record
    from hemasim.inference.plots import fit_report_html

    html = fit_report_html(example_fit_outputs, fit_record(example_fit_outputs), {})
    assert ("<tr><th>id</th><th>estimate</th><th>unit</th><th>ci95_lower</th><th>ci95_upper</th>"
            "<th>identifiability</th><th>target</th></tr><tr><td>mtt_h</td><td>") in html
