"""Sweeps and sensitivities on the batch kernel: a batch equals single runs, files, CLI errors (issue 19.3)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemasim.assembly import run_scenario, scenario_endpoint_columns
from hemasim.endpoints import evaluate_endpoints
from hemasim.interventions.dosed import CELL_CLEARED_NOTE
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import parse_scenario
from hemasim.sensitivity.batch import evaluate_points
from hemasim.sensitivity.run import run_sensitivity, run_sweep
from hemasim.sensitivity.spec import SensitivitySpec, SpecError, SweepSpec, resolve_factors
from tests.conftest import invoke_hemasim

DONATION = {"name": "donation", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
            "duration_days": 30, "aging": False, "output": {"every_days": 1},
            "interventions": [{"kind": "blood_donation", "day": 2, "volume_mL": 900}]}
SLOPE = "erythroid_feedback_log_slope"


def donation(**more: object):
    return parse_scenario({**DONATION, **more})


def _single(scenario, values: dict[str, float]) -> dict[str, float]:
    result = run_scenario(scenario.model_copy(update={"parameters": {**scenario.parameters, **values}}))
    out = {e.name: e.value for e in evaluate_endpoints(result)}
    out.update({c.name: float(c.values[0]) for c in scenario_endpoint_columns(scenario, result)})
    hb = result.observable("hemoglobin_g_per_dL")
    out["hemoglobin_g_per_dL_time_average"] = float(np.trapezoid(hb, result.times) / np.ptp(result.times))
    return out


def test_a_batch_gives_the_endpoints_of_single_runs():
    scenario = donation(parameters={"hsc_niche_hill": 2.5})  # the scenario's own overrides stay in force
    points = pd.DataFrame({SLOPE: [0.08, 0.161, 0.3], "erythroid_production_max_fold": [4.0, 6.0, 8.0]})
    table = evaluate_points(scenario, points, rtol=1e-8, averaged=["hemoglobin_g_per_dL"])
    assert table["hemoglobin_g_per_dL_time_average"].is_unique  # the points differ
    for i, row in points.iterrows():
        single = _single(scenario, {k: float(v) for k, v in row.items()})
        for name in ("hemoglobin_nadir", "days_hemoglobin_below_8", "anc_nadir", "hemoglobin_g_per_dL_time_average"):
            assert table.loc[i, name] == pytest.approx(single[name], rel=1e-5, nan_ok=True), name


def test_a_scenario_field_sweeps_as_one_batch_per_value():
    scenario = donation()
    points = pd.DataFrame({"interventions.0.volume_mL": [500.0, 900.0, 500.0], SLOPE: [0.161, 0.161, 0.3]})
    table = evaluate_points(scenario, points, fields=["interventions.0.volume_mL"], rtol=1e-8)
    small = _single(donation(interventions=[{"kind": "blood_donation", "day": 2, "volume_mL": 500}]), {})
    assert table.loc[0, "hemoglobin_nadir"] == pytest.approx(small["hemoglobin_nadir"], rel=1e-5)
    assert table.loc[1, "hemoglobin_nadir"] < table.loc[0, "hemoglobin_nadir"]  # a larger bleed falls further


def test_sweep_table_is_seeded_and_has_a_row_per_point():
    spec = SweepSpec.model_validate({"method": "latin_hypercube", "n_points": 6, "seed": 4,
                                     "time_averages": ["hemoglobin_g_per_dL"],
                                     "factors": [{"parameter": SLOPE, "relative": [0.5, 2], "log": True}]})
    a, b = run_sweep(donation(), spec), run_sweep(donation(), spec)
    pd.testing.assert_frame_equal(a.table, b.table)
    d = healthy_adult_parameters().value(SLOPE)
    assert len(a.table) == 6 and a.table[SLOPE].between(0.5 * d * (1 - 1e-9), 2 * d * (1 + 1e-9)).all()
    assert "hemoglobin_g_per_dL_time_average" in a.table


def test_local_sensitivity_matches_a_finite_difference_of_single_runs_and_checks_its_step():
    spec = SensitivitySpec.model_validate({"method": "local", "step": 0.02, "rtol": 1e-9,
                                           "factors": [{"parameter": SLOPE, "relative": [0.5, 2]}]})
    result = run_sensitivity(donation(), spec)
    row = result.indices.set_index(["endpoint", "factor"]).loc[("hemoglobin_nadir", SLOPE)]
    d = healthy_adult_parameters().value(SLOPE)
    up, down = (_single(donation(), {SLOPE: d * (1 + s)})["hemoglobin_nadir"] for s in (0.01, -0.01))
    base = _single(donation(), {})["hemoglobin_nadir"]
    assert row["sensitivity"] == pytest.approx((up - down) / (0.02 * base), rel=1e-3, abs=1e-7)
    assert row["step_ok"]
    assert len(result.samples) == 5  # base + 2 steps x 2 signs


def test_bad_factors_name_the_field():
    with pytest.raises(SpecError, match=r"factors.0.parameter: unknown parameter erythroid_feedback_log_slop"):
        resolve_factors(SweepSpec.model_validate({"factors": [{"parameter": SLOPE[:-1], "range": [0.1, 0.2]}]})
                        .factors, donation())
    with pytest.raises(SpecError, match=r"unknown parameter cd8_expansion_per_day; renamed: it is now "
                                        r"cd8_net_expansion_per_day "):  # a former name (branch cd8cite32)
        resolve_factors(SweepSpec.model_validate({"factors": [{"parameter": "cd8_expansion_per_day",
                                                               "range": [0.5, 1.0]}]}).factors, donation())
    with pytest.raises(SpecError, match=r"factors.0.field: the scenario has no field interventions.3.day"):
        resolve_factors([SweepSpec.model_validate({"factors": [{"field": "interventions.3.day", "range": [1, 2]}]})
                         .factors[0]], donation())
    with pytest.raises(SpecError, match="leaves the parameter's bounds"):
        resolve_factors(SweepSpec.model_validate({"factors": [{"parameter": "hsc_max_self_renewal_probability",
                                                               "range": [0.5, 1.5]}]}).factors, donation())
    clipped = resolve_factors(SweepSpec.model_validate({"factors": [{"parameter": "hsc_max_self_renewal_probability",
                                                                     "relative": [0.5, 2]}]}).factors, donation())
    assert clipped[0].high <= 1.0


def test_a_misspelt_field_of_a_sweep_file_is_one_line_with_the_field_meant(tmp_path: Path):
    # ratio 0.74 to "factors": under the cutoff the schema used (0.75), over the scenario's hint's (0.6), so a sweep
    # file printed "factors: required field is missing" beside the unknown field, with no hint (harden5: one rule)
    from hemasim.sensitivity.spec import load_spec

    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"sweep:\n  vary_factors:\n    - {{parameter: {SLOPE}, relative: [0.8, 1.2]}}\n")
    with pytest.raises(SpecError) as err:
        load_spec(spec)
    assert str(err.value).splitlines() == [f"{spec}: sweep.vary_factors: unknown field; did you mean 'factors'?"]


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.cli
def test_sweep_cli_writes_its_folder_and_refuses_bad_files(tmp_path: Path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(json.dumps(DONATION))
    good = tmp_path / "sweep.yaml"
    good.write_text(f"sweep:\n  n_points: 3\n  factors:\n    - {{parameter: {SLOPE}, relative: [0.5, 2]}}\n"
                    "    - {field: interventions.0.volume_mL, range: [400, 800]}\n")
    res = invoke_hemasim("sweep", str(scenario), str(good), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.stderr
    assert res.stdout == ""  # no progress display off a terminal (it left an empty line on stdout: firsthour4)
    # off a terminal plain progress lines (tests/test_progress_off_terminal.py), then what was written
    *progress, wrote = res.stderr.strip().splitlines()
    assert progress[-1].startswith("sweep: sweeping ") and " 9/9 done, " in progress[-1]
    assert wrote.startswith("wrote 4 files (9 points")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["sweep.csv", "sweep.json", "sweep.parquet",
                                                                   "sweep.png"]
    assert len(pd.read_parquet(tmp_path / "out" / "sweep.parquet")) == 9
    from matplotlib.image import imread

    assert min(imread(tmp_path / "out" / "sweep.png").shape[:2]) > 100  # a decodable figure, drawn
    units = json.loads((tmp_path / "out" / "sweep.json").read_text())["units"]
    assert set(units) == set(pd.read_parquet(tmp_path / "out" / "sweep.parquet").columns)  # every column's unit
    from hemasim.sensitivity.run import labelled

    assert pd.read_csv(tmp_path / "out" / "sweep.csv").columns.tolist() == [labelled(c, units) for c in units]
    assert units["interventions.0.volume_mL"] == "unit in the field's name" and units["anc_nadir"] == "1e9/L"
    bad = tmp_path / "bad.yaml"
    bad.write_text("sweep:\n  method: sobol\n  factors: [{parameter: x, range: [2, 1]}]\n")
    res = invoke_hemasim("sweep", str(scenario), str(bad), "--out", str(tmp_path / "never"))
    assert res.exit_code == 2 and "bad.yaml: sweep.method" in res.stderr and "sweep.factors.0" in res.stderr
    assert not (tmp_path / "never").exists()


@pytest.mark.cli
def test_sensitivity_cli_morris_writes_indices(tmp_path: Path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(json.dumps(DONATION))
    res = invoke_hemasim("sensitivity", str(scenario), "--method", "morris", "--trajectories", "3",
                         "--parameters", f"{SLOPE},hsc_niche_hill", "--time-average", "hemoglobin_g_per_dL",
                         "--out", str(tmp_path / "m"))
    assert res.exit_code == 0, res.stderr
    indices = pd.read_csv(tmp_path / "m" / "indices.csv")
    from matplotlib.image import imread

    assert min(imread(tmp_path / "m" / "ranking.png").shape[:2]) > 100  # a decodable ranking figure, drawn
    hb = indices[indices["endpoint"] == "hemoglobin_g_per_dL_time_average"].set_index("factor")
    assert hb.loc[SLOPE, "mu_star"] > 0 and np.isfinite(hb.loc[SLOPE, "sigma"])
    assert hb.loc[SLOPE, "mu_star"] > 10 * hb.loc["hsc_niche_hill", "mu_star"]  # recovery follows the feedback
    def no_nan(token: str) -> None:
        raise AssertionError(f"sensitivity.json holds {token}")

    meta = json.loads((tmp_path / "m" / "sensitivity.json").read_text(), parse_constant=no_nan)
    assert meta["runs"] == 3 * 3 and meta["baseline"]["hemoglobin_nadir"] > 0
    assert "(9 design points and the baseline," in " ".join(res.stderr.split())  # the progress bar counted 10
    assert meta["baseline"]["neutrophil_recovery_day"] is None  # no fall, no recovery: null (it was NaN)
    # every factor and endpoint with its unit (indices.csv and samples.parquet carried none)
    assert set(meta["units"]) == {SLOPE, "hsc_niche_hill", *meta["baseline"]}
    assert meta["units"][SLOPE] == healthy_adult_parameters()[SLOPE].unit
    assert meta["units"]["hemoglobin_g_per_dL_time_average"] == meta["units"]["hemoglobin_nadir"] == "g/dL"
    assert meta["units"]["days_hemoglobin_below_8"] == "day"
    res = invoke_hemasim("sensitivity", str(scenario), "--parameters", "no_such", "--out", str(tmp_path / "n"))
    assert res.exit_code == 2 and "unknown parameter no_such" in res.stderr
    assert not (tmp_path / "n").exists()


def test_a_point_that_cannot_be_built_gives_nan_and_spares_the_others():
    points = pd.DataFrame({"hsc_count": [1e5, -1e5, 2e5]})  # a negative pool: the balance cannot close
    table = evaluate_points(donation(), points)
    assert np.isnan(table.loc[1, "anc_nadir"])
    assert np.isfinite(table.loc[[0, 2], "anc_nadir"]).all()


@pytest.mark.parametrize(("scenario", "sweep"), [("docetaxel_q3w.yaml", "docetaxel_dose_x_feedback.yaml"),
                                                 ("healthy_adult.yaml", "healthy_lhs.yaml")])
def test_the_example_sweep_files_fit_their_scenarios(scenario: str, sweep: str):
    from hemasim.scenario import load_scenario
    from hemasim.sensitivity.run import design_size
    from hemasim.sensitivity.spec import load_spec

    root = Path(__file__).resolve().parents[1] / "examples"
    spec = load_spec(root / "sweeps" / sweep)
    assert isinstance(spec, SweepSpec)
    factors = resolve_factors(spec.factors, load_scenario(root / scenario))
    assert all(f.low < f.base < f.high for f in factors)
    assert design_size(spec) in (25, 64)


@pytest.mark.parametrize(("factor", "message"), [
    ({"relative": [0, 2]}, "factors.0.relative: multiples of the scenario's value, both above 0, low first "
                           "(e.g. [0.5, 2]) (got [0, 2])"),
    ({"relative": [-1, 2]}, "factors.0.relative: multiples of the scenario's value"),
    ({"relative": [2, 0.5]}, "factors.0.relative: [low, high] with low < high (got [2, 0.5])"),
    ({"range": [0.3, 0.1]}, "factors.0.range: [low, high] with low < high (got [0.3, 0.1])"),
    ({"range": [0, 0.1], "log": True}, "factors.0.log: a log scale needs a range above 0 (got [0, 0.1])"),
])
def test_a_bad_range_names_its_key_and_value(tmp_path: Path, factor: dict[str, object], message: str):
    """A factor of 0 or below, a reversed range: one line naming relative or range (the key the user wrote; a
    reversed `relative` was called "the range") and the values given (relative [0, 2] said only "> 0")."""
    from hemasim.sensitivity.spec import load_spec

    spec = tmp_path / "sweep.yaml"
    spec.write_text(json.dumps({"sweep": {"factors": [{"parameter": SLOPE, **factor}]}}))
    with pytest.raises(SpecError) as err:
        load_spec(spec)
    assert len(str(err.value).splitlines()) == 1 and message in str(err.value)


def test_a_time_average_the_model_lacks_is_refused_before_any_point_runs(monkeypatch: pytest.MonkeyPatch):
    """It was found in the first batch and named with the scenario's path, as `time_averages` (not the sweep file's
    `sweep.time_averages`), listing every observable; now the design is refused up front, with the names meant."""
    import hemasim.sensitivity.run as run

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a point ran")

    monkeypatch.setattr(run, "_evaluate", no_run)
    spec = SweepSpec.model_validate({"time_averages": ["hemoglobin"], "factors": [{"parameter": SLOPE,
                                                                                     "relative": [0.5, 2]}]})
    with pytest.raises(SpecError, match=r"^sweep\.time_averages\.0: 'hemoglobin' is not an observable of the "
                                        r"scenario's model; did you mean hemoglobin_g_per_dL"):
        run_sweep(donation(), spec)


@pytest.mark.cli
def test_sensitivity_options_name_the_option_not_the_block(tmp_path: Path):
    """A parameter or time average given as an option is named by its option (it said
    `sensitivity.factors.0.parameter`, a block the user never wrote)."""
    scenario = tmp_path / "s.yaml"
    scenario.write_text(json.dumps(DONATION))
    res = invoke_hemasim("sensitivity", str(scenario), "--method", "local", "--parameters", "no_such_parameter",
                         "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and res.stderr.startswith("hemasim: error: --parameters/--low/--high: unknown parameter")
    res = invoke_hemasim("sensitivity", str(scenario), "--method", "local", "--parameters", SLOPE,
                         "--time-average", "anc", "--out", str(tmp_path / "out"))
    assert res.exit_code == 2 and res.stderr.startswith("hemasim: error: --time-average: 'anc' is not an observable")
    assert not (tmp_path / "out").exists()


def test_a_field_value_out_of_the_scenarios_bounds_prints_as_a_number():
    """A swept dose below 0 printed `(got np.float64(-60.0))`."""
    from hemasim.scenario import ScenarioError
    from hemasim.sensitivity.batch import scenario_with_fields

    with pytest.raises(ScenarioError) as err:
        scenario_with_fields(donation(), {"interventions.0.volume_mL": np.float64(-60.0)})
    assert "(got -60.0)" in str(err.value) and "np.float64" not in str(err.value)


def test_all_assumed_resolves_on_the_documented_scenario():
    """`hemasim sensitivity examples/docetaxel_q3w.yaml --method morris --all-assumed` (docs/sensitivity.md) stopped
    with "factors.71.relative: the scenario's value 0 gives an empty range": memory_b_maturation_days is 0, and
    x0.5-x2 of 0 is empty. Such a parameter now varies over its sourced plausible range (as the screen does)."""
    from hemasim.cli.sensitivity import _factors
    from hemasim.parameters import Assumed
    from hemasim.scenario import load_scenario
    from hemasim.scenario.overrides import apply_overrides
    from tests.conftest import EXAMPLES

    scenario = load_scenario(EXAMPLES / "docetaxel_q3w.yaml")
    table = apply_overrides(scenario.parameters, healthy_adult_parameters())
    factors = _factors(None, True, 0.5, 2.0, table)
    # an opt-in law off at 0 with no sourced range (vaccine_recruitment_saturation_per_au, branch humdose37) has no
    # range to vary: left out, with a warning naming it; every other assumed parameter is a factor
    empty = {n for n in table if isinstance(table[n].provenance, Assumed) and table.value(n) == 0.0
             and table[n].plausible_range is None}
    assert empty == {"vaccine_recruitment_saturation_per_au"}
    assert len(factors) == sum(isinstance(table[n].provenance, Assumed) for n in table) - len(empty)
    assert not empty & {f["parameter"] for f in factors}
    zero = next(f for f in factors if f["parameter"] == "memory_b_maturation_days")
    sourced = table["memory_b_maturation_days"].plausible_range
    assert zero == {"parameter": "memory_b_maturation_days", "range": [sourced.low, sourced.high], "log": False}
    resolved = resolve_factors(SensitivitySpec.model_validate({"method": "morris", "factors": factors}).factors,
                               scenario)
    assert all(f.low < f.high for f in resolved)


def test_a_sweep_plots_what_moves_beyond_the_solvers_error_with_units():
    """A sweep's heat maps included CD4 counts that differed in the seventh digit (777.3692 to 777.3694: the
    integrator's error), drawn with a colour bar offset '+7.77369e2'; panels had no units."""
    from hemasim.sensitivity.plots import varying_endpoints
    from hemasim.sensitivity.run import labelled

    table = pd.DataFrame({"cd4_final": [777.36920, 777.36942, 777.36931], "b_cells_final": [332.1, 331.9, 331.75],
                          "flat": [1.0, 1.0, 1.0], "never": [np.nan, np.nan, np.nan]})
    assert varying_endpoints(table, list(table.columns)) == ["b_cells_final"]
    units = {"anc_nadir": "1e9/L", "docetaxel_fraction_of_planned_dose": "1", "interventions.0.day": "unit in the "
             "field's name", "primary_graft_failure": "flag"}
    assert labelled("anc_nadir", units) == "anc_nadir (1e9/L)"
    assert labelled("docetaxel_fraction_of_planned_dose", units) == "docetaxel_fraction_of_planned_dose"
    assert labelled("interventions.0.day", units) == "interventions.0.day"
    assert labelled("primary_graft_failure", units) == "primary_graft_failure (flag)"


def test_a_name_that_ends_in_its_unit_is_not_given_the_unit_again():
    """The Friberg chain's factors are named ``<set>__<value>`` with the unit at the end; sweep.csv read
    ``docetaxel_kloft2006__friberg_mean_transit_time_h (h)``."""
    from hemasim.sensitivity.run import labelled

    units = {"docetaxel_kloft2006__friberg_mean_transit_time_h": "h", "anc_setpoint_1e9_per_L": "1e9/L",
             "docetaxel_kloft2006__pk_clearance_L_per_h_per_m2": "L/h/m2", "rbc_lifespan_days": "day",
             "bacteria_growth_per_day": "1/day", "hsc_count": "cells", "cd4_nadir": "cells/uL",
             "mean_transit_time": "h", "anc_nadir_day": "day"}
    assert [labelled(n, units) for n in units] == [
        "docetaxel_kloft2006__friberg_mean_transit_time_h", "anc_setpoint_1e9_per_L",
        "docetaxel_kloft2006__pk_clearance_L_per_h_per_m2", "rbc_lifespan_days", "bacteria_growth_per_day",
        "hsc_count (cells)", "cd4_nadir (cells/uL)", "mean_transit_time (h)",
        "anc_nadir_day (day)"]  # the day of the nadir: a quantity named, its unit not


def _sweep_result(table: pd.DataFrame, units: dict[str, str], method: str = "grid", factors: int = 1):
    from hemasim.sensitivity.design import Factor
    from hemasim.sensitivity.run import SweepResult

    names = list(table.columns[:factors])
    spec = SweepSpec.model_validate({"method": method, "factors": [{"parameter": n, "range": [1, 2]} for n in names]})
    return SweepResult([Factor(n, float(table[n].min()), float(table[n].max())) for n in names], table, 0.1, spec,
                       units)


def test_sweep_csv_and_indices_csv_say_the_unit_of_every_column(tmp_path: Path):
    """sweep.csv's header read anc_nadir, days_anc_below_0p5 with no unit (they were in sweep.json only), and
    indices.csv gave Morris' mu* (in the endpoint's unit) with no unit at all (harden11); the Parquet files keep the
    bare names that sweep.json's units are keyed by."""
    from hemasim.sensitivity.run import SensitivityResult, write_sensitivity_outputs, write_sweep_outputs

    table = pd.DataFrame({SLOPE: [0.1, 0.2, 0.3], "anc_nadir": [1.0, 2.0, 3.0], "days_anc_below_0p5": [0.0, 1.0, 2.0],
                          "primary_graft_failure": [0.0, 0.0, 1.0], "docetaxel_fraction_of_planned_dose": [1, 1, 0.8]})
    units = {SLOPE: "1/(log unit)", "anc_nadir": "1e9/L", "days_anc_below_0p5": "day", "primary_graft_failure": "flag",
             "docetaxel_fraction_of_planned_dose": "1"}
    write_sweep_outputs(_sweep_result(table, units), donation(), tmp_path / "sweep", plot=False)  # the headers
    header = pd.read_csv(tmp_path / "sweep" / "sweep.csv").columns.tolist()
    assert header == [f"{SLOPE} (1/(log unit))", "anc_nadir (1e9/L)", "days_anc_below_0p5 (day)",
                      "primary_graft_failure (flag)", "docetaxel_fraction_of_planned_dose"]  # a ratio: no unit
    assert pd.read_parquet(tmp_path / "sweep" / "sweep.parquet").columns.tolist() == table.columns.tolist()

    indices = pd.DataFrame({"endpoint": ["anc_nadir", "days_anc_below_0p5"], "factor": [SLOPE, SLOPE],
                            "mu_star": [0.5, 2.0], "sigma": [0.1, 0.2]})
    spec = SensitivitySpec.model_validate({"method": "morris", "factors": [{"parameter": SLOPE, "range": [0.1, 0.3]}]})
    result = SensitivityResult("morris", _sweep_result(table, units).factors, indices, table, 0.1, spec, {}, units)
    write_sensitivity_outputs(result, donation(), tmp_path / "sens", plot=False)
    written = pd.read_csv(tmp_path / "sens" / "indices.csv")
    assert written.columns.tolist() == ["endpoint", "endpoint_unit", "factor", "factor_unit", "mu_star",
                                         "sigma"]
    assert written["endpoint_unit"].tolist() == ["1e9/L", "day"] and set(written["factor_unit"]) == {"1/(log unit)"}


def _drawn(result, monkeypatch: pytest.MonkeyPatch):
    """The axes of sweep.png by title, as drawn (the figure, not its PNG)."""
    import hemasim.sensitivity.plots as plots

    monkeypatch.setattr(plots, "_save", lambda fig: fig)
    figure = plots.sweep_figure(result)
    axes = {ax.get_title(): ax for ax in figure.axes if ax.get_title()}
    axes["below the panels"] = figure.get_supxlabel()
    return axes


def _legend(ax) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


@pytest.mark.parametrize("method", ["grid", "latin_hypercube"])
def test_the_sweep_plot_shows_the_points_without_a_value_and_why(monkeypatch: pytest.MonkeyPatch, method: str):
    """A point whose endpoint has no value (a nadir's day where the count did not fall, a recovery not reached in the
    run, a point that could not run) was left out of the line or scatter without a word (harden11): it is marked on
    the axis' edge and counted in the legend with the reason a run's endpoints.json gives."""
    nan = np.nan
    table = pd.DataFrame({SLOPE: [0.1, 0.2, 0.3, 0.4, 0.5], "anc_nadir": [1.0, 1.5, 2.0, 2.5, nan],
                          "anc_nadir_day": [8.0, nan, nan, 9.0, nan],
                          "neutrophil_recovery_day": [20.0, 21.0, nan, 25.0, nan]})
    table["platelets_nadir"] = [10.0, 12.0, 14.0, 16.0, nan]  # below 20: a platelet recovery day was due
    table.loc[2, "anc_nadir"] = 0.2  # ANC fell below 0.5 at 0.3: its recovery day was due, not reached
    table["platelet_recovery_day"] = nan  # at every point: no panel, a line below them
    units = {SLOPE: "1", "anc_nadir": "1e9/L", "anc_nadir_day": "day", "neutrophil_recovery_day": "day",
             "platelets_nadir": "1e9/L"}
    axes = _drawn(_sweep_result(table, units, method), monkeypatch)
    # a nadir's day with no value is a count that did not fall; the last point ran not at all
    assert _legend(axes["anc_nadir_day (day)"]) == ["2 points: did not fall", "1 point: failed to run"]
    assert _legend(axes["neutrophil_recovery_day (day)"]) == ["1 point: not reached", "1 point: failed to run"]
    assert _legend(axes["anc_nadir (1e9/L)"]) == ["1 point: failed to run"]
    marks = [line for line in axes["anc_nadir_day (day)"].get_lines() if line.get_label().endswith("did not fall")]
    assert marks[0].get_xdata().tolist() == [0.2, 0.3]  # at the swept values of those points
    assert "platelet_recovery_day (day)" not in axes
    assert axes["below the panels"].replace("\n", " ") == ("No value at any point, not drawn: platelet_recovery_day "
                                                           "(4 points: not reached, 1 point: failed to run)")


def test_a_sweep_heat_map_marks_its_blank_cells(monkeypatch: pytest.MonkeyPatch):
    table = pd.DataFrame({SLOPE: [0.1, 0.2, 0.1, 0.2], "hsc_niche_hill": [1.0, 1.0, 2.0, 2.0],
                          "neutrophil_recovery_day": [20.0, np.nan, 22.0, 23.0], "anc_nadir": [0.2, 0.3, 0.4, 0.5]})
    axes = _drawn(_sweep_result(table, {"neutrophil_recovery_day": "day"}, factors=2), monkeypatch)
    ax = axes["neutrophil_recovery_day (day)"]
    assert _legend(ax) == ["1 point: not reached"]  # its ANC fell (to 0.3): it did not come back in the run
    mark = next(line for line in ax.get_lines() if line.get_label() == "1 point: not reached")
    assert (mark.get_xdata().tolist(), mark.get_ydata().tolist()) == ([0.2], [1.0])  # in the blank cell


def test_a_field_range_leaving_the_scenarios_bounds_is_refused_before_any_point_runs():
    """A dose range reaching past the field's bounds failed in its batch, after the other values had run, named by
    the scenario's path; now the range's end is refused up front, named as the sweep file's range."""
    spec = SweepSpec.model_validate({"factors": [{"field": "interventions.0.volume_mL", "range": [-100, 800]}]})
    with pytest.raises(SpecError, match=r"^sweep\.factors\.0\.range: interventions\.0\.volume_mL = -100 makes no "
                                        r"valid scenario: interventions\.0\.volume_mL: "):
        resolve_factors(spec.factors, donation(), "sweep.factors")


@pytest.mark.slow
def test_the_healthy_example_sweep_moves_what_it_sweeps():
    """examples/sweeps/healthy_lhs.yaml swept the feedback slopes of a healthy adult at rest: a steady state they
    do not move, so all 64 points gave the same endpoints and sweep.png showed nothing. Its set points move it."""
    from hemasim.scenario import load_scenario
    from hemasim.sensitivity.plots import varying_endpoints
    from hemasim.sensitivity.spec import load_spec

    root = Path(__file__).resolve().parents[1] / "examples"
    spec = load_spec(root / "sweeps" / "healthy_lhs.yaml")
    assert isinstance(spec, SweepSpec)
    result = run_sweep(load_scenario(root / "healthy_adult.yaml"), spec)
    moving = varying_endpoints(result.table, result.endpoints)
    assert {"anc_1e9_per_L_time_average", "platelets_1e9_per_L_time_average"} <= set(moving)


def test_a_latin_hypercube_plots_each_endpoint_against_the_factor_that_moves_it(monkeypatch: pytest.MonkeyPatch):
    """examples/sweeps/healthy_lhs.yaml drew every endpoint against the first factor (the ANC set point): the
    platelet nadir, set by the second factor, was a cloud of noise there (visual). Each panel now takes the factor
    its endpoint rank-correlates with most; an endpoint that moves with neither keeps the first."""
    rng = np.random.default_rng(3)
    anc, plt = rng.uniform(2.0, 9.0, 40), rng.uniform(150.0, 500.0, 40)
    table = pd.DataFrame({"anc_setpoint_1e9_per_L": anc, "platelet_setpoint_1e9_per_L": plt, "anc_nadir": 0.9 * anc,
                          "platelets_nadir": 0.95 * plt, "cd4_final": 800.0 + rng.normal(0.0, 50.0, 40)})
    units = {"anc_setpoint_1e9_per_L": "1e9/L", "platelet_setpoint_1e9_per_L": "1e9/L", "anc_nadir": "1e9/L",
             "platelets_nadir": "1e9/L", "cd4_final": "cells/uL"}
    axes = _drawn(_sweep_result(table, units, "latin_hypercube", factors=2), monkeypatch)
    assert axes["anc_nadir (1e9/L)"].get_xlabel() == "anc_setpoint_1e9_per_L"  # its unit is in its name
    assert axes["platelets_nadir (1e9/L)"].get_xlabel() == "platelet_setpoint_1e9_per_L"
    # drawn against that factor: the points' x are its values
    (points,) = axes["platelets_nadir (1e9/L)"].collections
    assert np.allclose(points.get_offsets()[:, 0], plt)


def test_a_log_factors_heat_map_cells_are_equal_on_its_log_axis(monkeypatch: pytest.MonkeyPatch):
    """examples/sweeps/friberg_mtt_x_dose.yaml: the MTT (log, 42.1, 84.2, 168.4 h) was drawn with linear midpoints
    as cell edges, 21-63-126-210 h: on its log axis the cells were 3x, 2x and 1.7x wide and the map reached down to
    21 h, a value never run (polish). The edges are now geometric midpoints; a linear factor keeps linear ones."""
    from hemasim.sensitivity.design import Factor
    from hemasim.sensitivity.run import SweepResult

    mtt = [42.1, 84.2, 168.4]
    table = pd.DataFrame({SLOPE: np.repeat(mtt, 3), "dose": np.tile([60.0, 90.0, 120.0], 3),
                          "anc_nadir": np.arange(9.0)})
    spec = SweepSpec.model_validate({"method": "grid", "factors": [{"parameter": SLOPE, "range": [1, 2]},
                                                                   {"parameter": "dose", "range": [1, 2]}]})
    factors = [Factor(SLOPE, 42.1, 168.4, log=True), Factor("dose", 60.0, 120.0)]
    axes = _drawn(SweepResult(factors, table, 0.1, spec, {"anc_nadir": "1e9/L"}), monkeypatch)
    ax = axes["anc_nadir (1e9/L)"]
    corners = ax.collections[0].get_coordinates()
    x, y = corners[0, :, 0], corners[:, 0, 1]
    np.testing.assert_allclose(np.diff(np.log10(x)), np.log10(2))  # each cell a factor 2 wide, as the grid steps
    np.testing.assert_allclose(x[[0, -1]], [42.1 / 2**0.5, 168.4 * 2**0.5])
    np.testing.assert_allclose(y, [45.0, 75.0, 105.0, 135.0])  # the linear dose: linear midpoints
    assert ax.get_xscale() == "log" and ax.get_xlim()[0] >= x[0] * 0.99
    # ticks at the values run, in the cells' middles (they read 50, 100, 200 between the cells)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["42.1", "84.2", "168"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["60", "90", "120"]


def test_a_coupled_parameter_is_refitted_at_each_point_and_recorded_beside_the_factors():
    """A coupling (fitted <- fit of an assumed factor) sets the fitted parameter at every design point from that
    point's factor value; the samples carry it with its unit, it is no endpoint, and the read-outs follow it."""
    from hemasim.sensitivity.coupling import Coupling

    source = "erythroid_production_max_fold"
    table = healthy_adult_parameters()
    slope_at = {4.0: 2.0, 8.0: 5.0}  # a fit of the slope for each value of the source
    coupling = Coupling((source,), (SLOPE,), lambda held: {SLOPE: slope_at[held[source]]})
    spec = SensitivitySpec.model_validate({"method": "morris", "trajectories": 2, "levels": 2, "seed": 0,
                                           "factors": [{"parameter": source, "range": [4.0, 8.0]}]})
    plain, coupled = run_sensitivity(donation(), spec), run_sensitivity(donation(), spec, couplings=[coupling])
    assert coupled.coupled == (SLOPE,) and plain.coupled == ()
    assert coupled.samples[SLOPE].tolist() == [slope_at[v] for v in coupled.samples[source]]
    assert coupled.units[SLOPE] == table[SLOPE].unit and SLOPE not in set(coupled.indices["endpoint"])
    assert coupled.baseline == pytest.approx(plain.baseline, rel=1e-9, nan_ok=True)  # the shipped point keeps the shipped fit
    points = coupled.samples[[source, SLOPE]]
    single = evaluate_points(donation(), points)
    np.testing.assert_allclose(coupled.samples["hemoglobin_nadir"], single["hemoglobin_nadir"], rtol=1e-12)
    assert not np.allclose(coupled.samples["hemoglobin_nadir"], plain.samples["hemoglobin_nadir"], rtol=1e-7, atol=0)


def test_a_sweeps_endpoint_that_is_not_computed_is_marked_so_as_a_single_runs_endpoints_say(
        monkeypatch: pytest.MonkeyPatch):
    """A G-CSF's Cmax is not computed (its clearance runs through the neutrophils): a single run's endpoints.json
    says "not computed", and sweep.png's line under the panels said "not reached" at every point (review 22b). The
    sweep names them (SweepResult.not_computed, from the scenario's endpoint families, not from what a batch's table
    carried) and draws their note."""
    import yaml

    from tests.conftest import EXAMPLES

    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w_pegfilgrastim.yaml").read_text(encoding="utf-8"))
    data.update(duration_days=14, output={"every_days": 1})
    for intervention in data["interventions"]:
        intervention["schedule"]["cycles"] = 1
    scenario = parse_scenario(data)
    single = {c.name: c.missing for c in scenario_endpoint_columns(scenario, run_scenario(scenario)) if c.missing}
    assert single and set(single.values()) == {CELL_CLEARED_NOTE}
    spec = SweepSpec.model_validate({"method": "grid", "n_points": 2, "factors": [
        {"field": "interventions.0.dose_mg_per_m2", "range": [75, 100]}]})
    result = run_sweep(scenario, spec)
    assert set(result.not_computed) == set(single)
    caption = _drawn(result, monkeypatch)["below the panels"].replace("\n", " ")
    assert all(f"{name} (2 points: not computed)" in caption for name in single), caption
    from hemasim.endpoints import missing_notes

    table = pd.DataFrame({"x": [1.0, 2.0], "y": [np.nan, np.nan]})

    assert missing_notes(table, "y").tolist() == ["not reached"] * 2  # without its note: the default
    assert missing_notes(table, "y", "not computed").tolist() == ["not computed"] * 2


def _no_point_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    import hemasim.sensitivity.run as run

    def no_run(*args: object, **kwargs: object) -> None:
        raise AssertionError("a point ran")

    monkeypatch.setattr(run, "_evaluate", no_run)


@pytest.mark.parametrize(("design", "offending", "fix"), [
    ({"method": "grid", "n_points": 4, "factors": [{"parameter": "rbc_age_stages", "range": [2, 6]}]},
     "3.33333, 4.66667", "`n_points: 5`"),
    ({"method": "latin_hypercube", "n_points": 3, "factors": [{"parameter": SLOPE, "relative": [0.5, 2]},
                                                              {"parameter": "rbc_age_stages", "range": [2, 6]}]},
     "", "sweep the count with `method: grid`"),
])
def test_a_sweep_that_puts_a_stage_count_off_a_whole_number_is_refused_before_any_point_runs(
        monkeypatch: pytest.MonkeyPatch, design: dict[str, object], offending: str, fix: str):
    """ux33: the build refused 3.33 red-cell age stages in the sweep's first batch, 18 s in, naming the scenario's
    path; the design is now refused up front, naming the factor, its values and a design that gives whole ones."""
    _no_point_runs(monkeypatch)
    count = len(design["factors"]) - 1  # type: ignore[arg-type]
    with pytest.raises(SpecError, match=rf"^sweep\.factors\.{count}: rbc_age_stages counts stages or divisions and "
                                        r"runs at whole numbers only, but the design puts it at " + offending) as err:
        run_sweep(donation(), SweepSpec.model_validate(design))
    assert fix in str(err.value)


@pytest.mark.parametrize(("method", "fix"), [("morris", "a multiple of levels - 1 = 3"),
                                             ("sobol", "Sobol' sampling varies each factor continuously"),
                                             ("local", "a local sensitivity steps each factor by +-0.01")])
def test_a_sensitivity_that_puts_a_stage_count_off_a_whole_number_is_refused_before_any_point_runs(
        monkeypatch: pytest.MonkeyPatch, method: str, fix: str):
    _no_point_runs(monkeypatch)
    spec = SensitivitySpec.model_validate({"method": method, "samples": 8, "factors": [
        {"parameter": SLOPE, "relative": [0.5, 2]}, {"parameter": "megakaryocyte_maturation_stages",
                                                     "relative": [0.5, 2], "log": True}]})
    with pytest.raises(SpecError, match=r"^sensitivity\.factors\.1: megakaryocyte_maturation_stages counts stages") \
            as err:
        run_sensitivity(donation(), spec)
    assert fix in str(err.value)


def test_a_design_that_puts_a_count_on_whole_numbers_runs_them_exactly_whole():
    """A grid over 1-20 stages at 20 points and a Morris design over a width divisible by levels - 1 are whole up to
    rounding (1 + 19 * 7/19 is 7.999999999999999 in floating point), which the build refused: they run."""
    from hemasim.sensitivity.design import Factor
    from hemasim.sensitivity.run import whole_design

    factors = [Factor("rbc_age_stages", 1.0, 20.0), Factor(SLOPE, 1.0, 3.0)]
    spec = SweepSpec.model_validate({"n_points": 20, "factors": [{"parameter": "rbc_age_stages", "range": [1, 20]},
                                                                 {"parameter": SLOPE, "range": [1, 3]}]})
    values = np.column_stack([1 + 19 * np.arange(20) / 19, np.linspace(1.0, 3.0, 20)])
    values[7, 0] = 7.999999999999999
    whole = whole_design(factors, values, spec, "sweep.factors")
    assert list(whole[:, 0]) == list(range(1, 21)) and np.array_equal(whole[:, 1], values[:, 1])
    spec = SensitivitySpec.model_validate({"trajectories": 2, "factors": [
        {"parameter": "rbc_age_stages", "range": [2, 8]}]})
    result = run_sensitivity(donation(duration_days=10), spec)
    assert set(result.samples["rbc_age_stages"]) <= {2.0, 4.0, 6.0, 8.0}
    assert result.samples["anc_nadir"].notna().all()  # every point built


def test_all_assumed_varies_the_stage_counts_as_the_screen_does():
    """`--all-assumed` takes in the assumed stage counts at x0.5-x2 of their values (log scale): its Morris and
    Sobol' designs run them at the design value rounded down, the screen's rule (said on stderr); the local method,
    whose +-1% of 3 stages is no whole number, leaves them out with a warning."""
    from hemasim.biology.builder import COUNT_PARAMETERS
    from hemasim.cli.sensitivity import _factors, all_assumed_floors_counts

    table = healthy_adult_parameters()
    morris = _factors(None, True, 0.5, 2.0, table)
    counts = {f["parameter"] for f in morris} & COUNT_PARAMETERS
    assert "rbc_age_stages" in counts and "erythroblast_maturation_stages" in counts
    assert all_assumed_floors_counts(SensitivitySpec.model_validate({"method": "morris", "factors": morris}))
    local = _factors(None, True, 0.5, 2.0, table, method="local")
    assert not {f["parameter"] for f in local} & COUNT_PARAMETERS
    assert len(local) == len(morris) - len(counts)
    assert not all_assumed_floors_counts(SensitivitySpec.model_validate({"method": "local", "factors": local}))
