"""The allMT maintenance records, the K-PD Friberg maintenance model and the forecast pipeline."""

from __future__ import annotations

import json

import numpy as np
import pytest

from hemasim.inference.allmt import MaintenancePredictor, forecast_allmt, split_record
from hemasim.inference.population import SaemSettings
from hemasim.pharmacology.maintenance import (
    ALLMT_DIR,
    DosePeriods,
    load_allmt,
    load_allmt_patient,
    maintenance_model,
    steady_state_under_first_dose,
)
from tests.conftest import ROOT

HEADER = '"Cycle","Dates","Weeks","ANC","PLT","Hb","MP","MTX","MP_adj","MTX_adj"\n'


def test_the_data_ship_in_the_checkout_with_licence_and_source() -> None:
    assert ALLMT_DIR == ROOT / "data" / "allmt"
    assert (ALLMT_DIR / "LICENSE-GPL-3").read_text().startswith("                    GNU GENERAL PUBLIC LICENSE")
    assert "tmungle/allMT" in (ALLMT_DIR / "SOURCE.txt").read_text()


def test_records_load_with_days_counts_and_dose_periods() -> None:
    records = load_allmt()
    assert [r.patient for r in records] == ["UPN_914", "UPN_915", "UPN_916", "UPN_917", "UPN_918"]
    r = records[0]
    assert r.days[0] == 0 and np.all(np.diff(r.days) > 0) and len(r.days) == 28
    assert r.anc_1e9_per_L[:2] == pytest.approx([1.9, 1.305])
    assert r.doses.mp[0] == pytest.approx(0.721077807321527)  # MP_adj 72.1% of the protocol dose
    # UPN_1 is allMT's external-format example built from UPN_918: the same counts and doses
    example = load_allmt_patient(ALLMT_DIR / "UPN_1.csv")
    assert np.array_equal(example.anc_1e9_per_L, records[4].anc_1e9_per_L)
    assert np.array_equal(example.days, records[4].days)


@pytest.mark.parametrize(("row", "message"), [
    ("1,10/11/2020,1,abc,156,11,200,12.5,72,94\n1,24/11/2020,3,1.3,213,10.9,200,12.5,72,94\n", "ANC 'abc' is not"),
    ("1,10/13/2020,1,1.9,156,11,200,12.5,72,94\n1,24/11/2020,3,1.3,213,10.9,200,12.5,72,94\n", "is not a date"),
    ("1,24/11/2020,1,1.9,156,11,200,12.5,72,94\n1,10/11/2020,3,1.3,213,10.9,200,12.5,72,94\n", "must increase"),
    ("1,10/11/2020,1,1.9,156,11,200,12.5,-72,94\n1,24/11/2020,3,1.3,213,10.9,200,12.5,72,94\n", "MP_adj '-72'"),
])
def test_bad_records_name_the_file_row_and_column(tmp_path, row: str, message: str) -> None:
    path = tmp_path / "UPN_x.csv"
    path.write_text(HEADER + row)
    with pytest.raises(ValueError, match=message):
        load_allmt_patient(path)
    path.write_text(HEADER.replace('"MP_adj",', "") + row)
    with pytest.raises(ValueError, match="missing columns MP_adj"):
        load_allmt_patient(path)


def test_constant_doses_keep_the_steady_state_and_a_dose_change_moves_the_anc() -> None:
    from hemasim.simulation import Simulation
    from hemasim.solvers.steady import GivenState

    const = DosePeriods(np.array([0.0]), np.array([1.0]), np.array([1.0]))
    model = maintenance_model(const).compile()
    anc = Simulation(model, initial_state=GivenState(model.x0)).run(100.0, 10.0).observable("anc_1e9_per_L")
    expected, effect = steady_state_under_first_dose({"circ0": 3.0, "slope_mp": 0.15, "slope_mtx": 0.02,
                                                      "gamma": 0.161}, 1.0, 1.0)
    assert effect == pytest.approx(0.17)
    assert anc == pytest.approx(np.full(11, expected), rel=1e-7)
    stop = DosePeriods(np.array([0.0, 20.0]), np.array([1.0, 0.0]), np.array([1.0, 0.0]))
    model = maintenance_model(stop).compile()
    anc = Simulation(model, initial_state=GivenState(model.x0)).run(100.0, 10.0).observable("anc_1e9_per_L")
    assert anc[2] == pytest.approx(expected, rel=1e-6) and anc[-1] > 2.5  # back towards Circ0 = 3 off drugs


def test_the_model_exports_sbml_that_libroadrunner_runs_alike() -> None:
    from tests.conftest import assert_roadrunner_matches

    sched = DosePeriods(np.array([0.0, 15.0, 30.0]), np.array([1.0, 0.0, 1.3]), np.array([1.0, 0.0, 1.0]))
    model = maintenance_model(sched, {"kde": 0.3, "mtt": 4.0}).compile()
    assert_roadrunner_matches(model, [], 60.0, 31, x0=model.x0)


def test_batch_predictions_equal_one_patient_at_a_time() -> None:
    """A batch of different patients (own schedules, own parameters) on the lock-step kernel equals each
    patient alone on the single-patient kernel."""
    records = load_allmt()[:3]
    predictor = MaintenancePredictor([r.doses for r in records], [r.days for r in records], ("circ0", "kde"))
    values = np.array([[3.0, 0.1], [2.0, 0.2], [4.0, 0.05]])
    batch = predictor(np.arange(3), values)
    for i in range(3):
        one = predictor(np.array([i]), values[i:i + 1])
        assert np.allclose(batch[i], one[0], rtol=1e-4, equal_nan=True)
    assert np.isnan(batch[0, 28:]).all() and np.isfinite(batch[0, :28]).all()


def test_forecast_pipeline_for_one_patient() -> None:
    """The pipeline's invariants (not the table's numbers): the split, the baseline, finite errors."""
    record = load_allmt()[0]
    fit_idx, test_idx = split_record(record)
    assert len(fit_idx) == 14 and len(test_idx) == 14 and fit_idx[-1] + 1 == test_idx[0]
    out = forecast_allmt([record], SaemSettings(exploration=4, smoothing=3, information_samples=3))
    row, overall = out.rows
    assert (row.n_fit, row.n_forecast) == (14, 14) and overall.n_forecast == 14
    days, observed, forecast = out.predictions["UPN_914"]
    assert np.array_equal(days, record.days[test_idx]) and np.all(forecast > 0)
    locf = record.anc_1e9_per_L[fit_idx[-1]]
    assert row.mae_locf == pytest.approx(np.mean(np.abs(observed - locf)))
    level = np.exp(np.mean(np.log(record.anc_1e9_per_L[fit_idx])))
    assert row.mae_log_mean == pytest.approx(np.mean(np.abs(np.log(observed / level))))
    assert row.rmse == pytest.approx(np.sqrt(np.mean((forecast - observed) ** 2)))
    assert overall.rmse == pytest.approx(row.rmse)
    assert out.individual[0].subject == "UPN_914" and out.individual[0].values.shape == (3,)


@pytest.mark.slow
@pytest.mark.cli
def test_fit_population_cli_writes_a_parameter_set_with_variability(tmp_path) -> None:
    import yaml

    from tests.conftest import invoke_hemasim

    out = tmp_path / "pop"
    res = invoke_hemasim("fit-population", str(ALLMT_DIR), "--out", str(out), "--patients", "UPN_914,UPN_916",
                         "--iterations", "10")
    assert res.exit_code == 0, res.stderr
    # where it wrote what, and how a scenario uses it
    *progress, wrote = res.stderr.strip().splitlines()  # off a terminal: plain progress lines, then the files
    assert progress[-1].startswith("fit-population: SAEM 10/10 done, ")
    assert wrote == (f"wrote 6 files to {out}: population.yaml, population.json, individual.csv, "
                     "trace.csv, vpc.csv, vpc.png")
    doc = yaml.safe_load((out / "population.yaml").read_text())
    rows = {r["name"]: r for r in doc["parameters"]}
    assert set(rows) == {"maintenance_circ0_1e9_per_L", "maintenance_slope_mp", "maintenance_kde_per_day"}
    assert all(r["iiv_cv"] > 0 and r["value"] > 0 for r in rows.values())
    assert doc["provenance"]["data"] == ["UPN_914.csv", "UPN_916.csv"]
    individual = (out / "individual.csv").read_text().splitlines()
    # each column named by its run-record name, which carries the unit (it was the short id, circ0: no unit)
    assert len(individual) == 3 and individual[1].startswith("UPN_914,")
    assert individual[0].split(",")[:4] == ["subject", "maintenance_circ0_1e9_per_L",
                                            "maintenance_circ0_1e9_per_L_ci95_low", "maintenance_circ0_1e9_per_L_ci95_high"]
    assert (out / "trace.csv").read_text().startswith("iteration,typical_maintenance_circ0_1e9_per_L,")
    assert len((out / "trace.csv").read_text().splitlines()) == 11
    assert (out / "vpc.png").read_bytes().startswith(b"\x89PNG")
    assert (out / "vpc.csv").read_text().startswith("bin_start_day,bin_end_day,day,observed_p5,")
    # population.json: strict JSON (an interval two subjects cannot give is null, not NaN), each parameter named
    # as in population.yaml with its unit
    def no_nan(token: str) -> None:
        raise AssertionError(f"population.json holds {token}")

    record = json.loads((out / "population.json").read_text(), parse_constant=no_nan)
    assert {k: (v["name"], v["unit"]) for k, v in record["parameters"].items()} == {
        "circ0": ("maintenance_circ0_1e9_per_L", "1e9/L"), "slope_mp": ("maintenance_slope_mp", "1 per protocol dose"),
        "kde": ("maintenance_kde_per_day", "1/day")}


@pytest.mark.cli
@pytest.mark.parametrize("args", [("--patients", "UPN_999"), ()])
def test_fit_population_cli_bad_input_exits_2_and_writes_nothing(tmp_path, args: tuple[str, ...]) -> None:
    from tests.conftest import invoke_hemasim

    data = ALLMT_DIR if args else tmp_path / "empty"
    data.mkdir(exist_ok=True)
    out = tmp_path / "pop"
    res = invoke_hemasim("fit-population", str(data), "--out", str(out), *args)
    assert res.exit_code == 2
    assert len(res.stderr.strip().splitlines()) == 1 and ("UPN_999.csv: no such file" in res.stderr
                                                          or "no allMT-format CSV files" in res.stderr)
    assert not out.exists()


@pytest.mark.cli
def test_fit_population_cli_negative_seed_names_the_option(tmp_path) -> None:
    """--seed -1 used to reach numpy and print "expected non-negative integer" without naming the option."""
    from tests.conftest import invoke_hemasim

    out = tmp_path / "pop"
    res = invoke_hemasim("fit-population", str(ALLMT_DIR), "--out", str(out), "--patients", "UPN_914", "--seed", "-1")
    assert res.exit_code == 2 and "--seed" in res.output and not out.exists()


@pytest.mark.slow
def test_map_fit_agrees_with_the_core_fitting_engine() -> None:
    """The same MAP problem (one patient's first half, population prior) through map_estimates and through the
    core engine (Problem + Objective + multi-start fit on the lock-step kernel) gives the same estimate."""
    from hemasim.inference import Objective, fit
    from hemasim.inference.allmt import individual_problem
    from hemasim.inference.population import PopulationData, map_estimates

    record = load_allmt()[1]
    rows, _ = split_record(record)
    typical, omega, sigma = {"circ0": 2.5, "slope_mp": 0.1, "kde": 0.05}, {"circ0": 0.3, "slope_mp": 0.3,
                                                                          "kde": 0.5}, 0.7
    problem = individual_problem(record, typical, omega, sigma, rows)
    core = fit(Objective(problem), n_starts=3, seed=0)
    predictor = MaintenancePredictor([record.doses], [record.days[rows]], tuple(typical))
    data = PopulationData((record.patient,), np.maximum(record.anc_1e9_per_L[rows], 0.01)[None])
    ours = map_estimates(data, predictor, tuple(typical), np.array(list(typical.values())),
                         np.array(list(omega.values())), sigma)[0]
    assert [core.natural[n] for n in typical] == pytest.approx(ours.values, rel=2e-3)
