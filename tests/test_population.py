"""Population fitting (hemasim.inference.population): SAEM and MAP on a linear-Gaussian toy with a closed-form
answer, batch predictions, input checks; SAEM on a simulated maintenance population (slow)."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.inference.population import (
    PopulationData,
    PopulationParameter,
    SaemSettings,
    map_estimates,
    saem,
    simulate_population,
)


def _constant(subjects: np.ndarray, values: np.ndarray, width: int = 6) -> np.ndarray:
    """A toy predictor: each subject's observations scatter around its own parameter (log z = psi + e)."""
    return np.repeat(values[:, :1], width, axis=1)


def test_saem_matches_the_closed_form_of_a_normal_normal_model() -> None:
    """log z_ij = psi_i + e_ij: the ML estimates are mu = mean of subject means, omega^2 = their variance minus
    sigma^2/m (balanced design), and SE(mu) = sqrt((omega^2 + sigma^2/m) / N)."""
    rng = np.random.default_rng(3)
    n, m = 200, 6
    _, z = simulate_population(_constant, n, np.array([2.0]), np.array([0.4]), 0.3, rng)
    fit = saem(PopulationData(tuple(map(str, range(n))), z), _constant, [PopulationParameter("a", 5.0, 1.0)],
               SaemSettings(exploration=80, smoothing=150, information_samples=200, seed=1))
    means = np.log(z).mean(axis=1)
    sigma2 = np.sum((np.log(z) - means[:, None]) ** 2) / (n * (m - 1))
    omega2 = means.var() - sigma2 / m
    assert fit.typical[0] == pytest.approx(np.exp(means.mean()), rel=0.02)
    assert fit.omega[0] == pytest.approx(np.sqrt(omega2), rel=0.1)
    assert fit.sigma == pytest.approx(np.sqrt(sigma2), rel=0.05)
    assert fit.se_log_typical[0] == pytest.approx(np.sqrt((omega2 + sigma2 / m) / n), rel=0.2)
    assert fit.typical_ci[0, 0] < 2.0 < fit.typical_ci[0, 1]
    assert fit.trace.shape == (230, 3)


def test_saem_is_reproducible_with_its_seed() -> None:
    rng = np.random.default_rng(0)
    _, z = simulate_population(_constant, 20, np.array([1.0]), np.array([0.3]), 0.2, rng)
    data = PopulationData(tuple(map(str, range(20))), z)
    runs = [saem(data, _constant, [PopulationParameter("a", 2.0)], SaemSettings(exploration=10, smoothing=10,
                                                                                 information_samples=5, seed=4))
            for _ in range(2)]
    assert np.array_equal(runs[0].trace, runs[1].trace)


def test_map_shrinks_towards_the_typical_value_by_the_normal_normal_weights() -> None:
    """One subject, log z_j = psi + e_j: the MAP estimate of psi is the precision-weighted mean of the prior
    mean and the data mean."""
    z = np.exp(np.array([[0.5, 0.7, 0.6, 0.4, 0.8, 0.6]]))
    fit = map_estimates(PopulationData(("s",), z), _constant, ["a"], np.array([1.0]), np.array([0.2]), 0.3)[0]
    w_data, w_prior = 6 / 0.3**2, 1 / 0.2**2
    expected = (w_data * np.log(z).mean() + w_prior * 0.0) / (w_data + w_prior)
    assert np.log(fit.values[0]) == pytest.approx(expected, abs=1e-5)
    se = 1 / np.sqrt(w_data + w_prior)
    assert np.log(fit.ci[0]) == pytest.approx([expected - 1.96 * se, expected + 1.96 * se], abs=1e-3)


def test_population_data_rejects_bad_observations() -> None:
    with pytest.raises(ValueError, match="must be > 0"):
        PopulationData(("a",), np.array([[1.0, -2.0]]))
    with pytest.raises(ValueError, match="n_subjects=2"):
        PopulationData(("a", "b"), np.array([[1.0, 2.0]]))
    with pytest.raises(ValueError, match="at least one observation"):
        PopulationData(("a", "b"), np.array([[1.0, 2.0], [np.nan, np.nan]]))
    with pytest.raises(ValueError, match="typical value must be > 0"):
        PopulationParameter("a", 0.0)


def test_population_result_feeds_a_parameter_set_cv() -> None:
    rng = np.random.default_rng(0)
    _, z = simulate_population(_constant, 30, np.array([1.0]), np.array([0.3]), 0.2, rng)
    fit = saem(PopulationData(tuple(map(str, range(30))), z), _constant, [PopulationParameter("a", 1.0)],
               SaemSettings(exploration=20, smoothing=20, information_samples=10))
    out = fit.to_dict()
    assert out["parameters"]["a"]["iiv_cv"] == pytest.approx(np.sqrt(np.expm1(fit.omega[0] ** 2)))
    assert out["n_subjects"] == 30 and out["n_observations"] == 180


@pytest.mark.slow
def test_saem_recovers_a_simulated_maintenance_population() -> None:
    """40 simulated patients of the K-PD Friberg maintenance model (known typical values and omegas, 12 counts
    each, 20% error), SAEM started 50% off: typical values within 15%, omegas within 0.12 (fixed seed; the
    100-patient repeat study is bench/bench_population.py)."""
    from hemasim.inference.allmt import STUDY_FREE, STUDY_OMEGA, STUDY_SIGMA, STUDY_TYPICAL, simulated_study

    predictor, data, _ = simulated_study(40, seed=2)
    start = [PopulationParameter(n, 1.5 * v, 0.5) for n, v in zip(STUDY_FREE, STUDY_TYPICAL, strict=True)]
    # 2 conditional samples for the standard errors, which come after the estimates and are not checked here: the
    # estimates are those of 20 to the last bit (checked by hand, December 2026), ~0.5 s CPU less
    fit = saem(data, predictor, start, SaemSettings(exploration=60, smoothing=40, information_samples=2))
    assert np.all(np.abs(fit.typical / STUDY_TYPICAL - 1) < 0.15), fit.typical
    assert np.all(np.abs(fit.omega - STUDY_OMEGA) < 0.12), fit.omega
    assert abs(fit.sigma - STUDY_SIGMA) < 0.04


def test_a_population_set_feeds_the_cohort_sampler(tmp_path) -> None:
    """A population result written as a parameter set: the cohort sampler draws log-normal values around the
    fitted typical value with the fitted omega."""
    import yaml

    from hemasim.cohort.sampling import draw_patients
    from hemasim.inference.population import PopulationFit, apply_population_set, population_parameter_set
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import Patient, Population

    name = "neutrophil_feedback_log_slope"
    fit = PopulationFit((name,), np.array([0.2]), np.array([0.25]), 0.1, np.array([[0.18, 0.22]]),
                        np.array([[0.2, 0.3]]), np.array([0.05]), np.array([0.01]), np.zeros((3, 1)),
                        np.zeros((2, 3)), 3, 30)
    doc = population_parameter_set(fit, {name: name}, {name: "1"}, ["data.csv"], "toy")
    path = tmp_path / "population.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    params = apply_population_set(healthy_adult_parameters(), path)
    assert params[name].value == pytest.approx(0.2)
    assert params[name].iiv_cv == pytest.approx(np.sqrt(np.expm1(0.25**2)))
    assert "fitted to data.csv" in params[name].provenance.describe()
    patient = Patient(age_years=50, sex="female", weight_kg=70)
    vp = draw_patients(Population(), patient, params, 0, 4000, base_seed=1)
    draws = np.log(vp.parameters[name])
    assert np.exp(np.median(draws)) == pytest.approx(0.2, rel=0.03)
    assert draws.std() == pytest.approx(0.25, rel=0.05)
    doc["parameters"][0]["name"] = "no_such_parameter"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(ValueError, match="parameters.0.name: 'no_such_parameter' is not a parameter"):
        apply_population_set(healthy_adult_parameters(), path)


def test_visual_predictive_check_of_a_correct_model_covers_the_data() -> None:
    """Data sets simulated from the fitted model itself: the observed percentiles fall inside the simulated 90%
    intervals about 90% of the time (over 20 data sets); a model with the wrong typical value misses the median."""
    from hemasim.inference.population import PopulationFit, visual_predictive_check
    n = 60
    days = [np.arange(6.0) * 7 for _ in range(n)]

    def population(typical: float) -> PopulationFit:
        return PopulationFit(("a",), np.array([typical]), np.array([0.3]), 0.2, np.zeros((1, 2)), np.zeros((1, 2)),
                             np.zeros(1), np.zeros(1), np.zeros((n, 1)), np.zeros((1, 3)), n, 6 * n)

    inside = []
    for seed in range(20):
        _, z = simulate_population(_constant, n, np.array([2.0]), np.array([0.3]), 0.2, np.random.default_rng(seed))
        data = PopulationData(tuple(map(str, range(n))), z)
        vpc = visual_predictive_check(data, _constant, days, population(2.0), n_replicates=100, n_bins=3, seed=seed)
        inside.append(vpc.inside())
    assert vpc.observed.shape == (3, 3) and vpc.simulated.shape == (3, 3, 3)
    assert 0.75 <= np.mean(inside) <= 1.0
    assert len(vpc.rows()) == 3 and vpc.rows()[0]["observed_p50"] == pytest.approx(vpc.observed[0, 1])
    wrong = visual_predictive_check(data, _constant, days, population(4.0), n_replicates=100, n_bins=3)
    assert not wrong.inside()[:, 1].any()


@pytest.mark.slow
def test_a_core_engine_problem_is_a_population_predictor() -> None:
    """A fitting problem whose conditions are subjects (the core engine's format) predicts what the maintenance
    predictor predicts, and SAEM runs on it."""
    from hemasim.inference.allmt import STUDY_DAYS, STUDY_FREE, STUDY_SCHEDULE, simulated_study
    from hemasim.inference.noise import NoiseModel
    from hemasim.inference.population import ProblemPredictor
    from hemasim.inference.problem import (
        Condition,
        EstimatedParameter,
        Measurements,
        ObservableSpec,
        Prior,
        Problem,
    )
    from hemasim.inference.sources import BuilderSource
    from hemasim.pharmacology.maintenance import maintenance_model

    n = 4
    predictor, data, theta = simulated_study(n, seed=3)
    source = BuilderSource(lambda v: maintenance_model(STUDY_SCHEDULE, dict(v)), (*STUDY_FREE, "mtt"))
    k = len(STUDY_DAYS)
    measurements = Measurements.from_rows(np.repeat([f"s{i}" for i in range(n)], k).tolist(),
                                          np.tile(STUDY_DAYS, n).tolist(), ["anc"] * (n * k),
                                          data.observations.ravel().tolist())
    params = [EstimatedParameter(name, name, 1e-3, 50.0, nominal, scale="log",
                                 prior=Prior("lognormal", nominal, 0.4) if name == "circ0" else None)
              for name, nominal in zip(STUDY_FREE, (3.0, 0.3, 0.1), strict=True)]
    params.append(EstimatedParameter("mtt", "mtt", 1.0, 20.0, 125.0 / 24.0, estimate=False))
    problem = Problem("toy population", tuple(Condition(f"s{i}", source) for i in range(n)),
                      (ObservableSpec("anc", "anc_1e9_per_L", NoiseModel("lognormal", 0.2)),), tuple(params),
                      measurements, rtol=1e-8).checked()
    adapter = ProblemPredictor(problem)
    assert np.array_equal(adapter.data().observations, data.observations)
    assert [p.omega for p in adapter.start()] == [0.4, 0.5, 0.5]
    rows = np.array([2, 0, 2])
    assert adapter(rows, theta[rows]) == pytest.approx(predictor(rows, theta[rows]), rel=1e-4)
    fit = saem(adapter.data(), adapter, adapter.start(), SaemSettings(exploration=3, smoothing=2,
                                                                      information_samples=3))
    assert fit.names == STUDY_FREE and np.all(np.isfinite(fit.typical))


@pytest.mark.slow
@pytest.mark.cli
def test_fit_population_cli_on_a_fitting_problem(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`hemasim fit-population PROBLEM.yaml`: three subjects on the docetaxel Friberg chain (the core engine's
    example problem, its data scaled per subject); the set names the run-record parameters with iiv_cv. The VPC's
    drawing stubbed (its axis label kept): nothing here reads vpc.png (tests/test_allmt.py's run draws one, and
    test_the_vpc_names_... checks the figure), ~0.3 s CPU of matplotlib a run (December 2026)."""
    import shutil

    import yaml

    import hemasim.inference.population_plots as population_plots
    from tests.conftest import EXAMPLES, invoke_hemasim

    labels: list[str] = []
    monkeypatch.setattr(population_plots, "vpc_png", lambda vpc, label: labels.append(label) or b"\x89PNG")

    shutil.copy(EXAMPLES / "fit" / "scenario.yaml", tmp_path / "scenario.yaml")
    problem = yaml.safe_load((EXAMPLES / "fit" / "problem.yaml").read_text())
    problem["conditions"] = [{"id": f"p{i}", "scenario": "scenario.yaml"} for i in range(3)]
    (tmp_path / "problem.yaml").write_text(yaml.safe_dump(problem))
    rows = (EXAMPLES / "fit" / "measurements.csv").read_text().splitlines()
    out_rows = [rows[0]]
    for i, factor in enumerate((0.8, 1.0, 1.25)):
        for line in rows[1:]:
            c, t, o, v, cens = line.split(",")
            out_rows.append(f"p{i},{t},{o},{float(v) * factor:.4g},{cens}")
    (tmp_path / "measurements.csv").write_text("\n".join(out_rows) + "\n")
    out = tmp_path / "pop"
    res = invoke_hemasim("fit-population", str(tmp_path / "problem.yaml"), "--out", str(out), "--iterations", "10")
    assert res.exit_code == 0, res.stderr
    assert labels == ["anc (anc_1e9_per_L)"]  # the VPC's axis: the measured observable and its unit
    assert res.stderr.strip().endswith(f"a scenario loads the fitted population with parameter_set: "
                                       f"{out / 'population.yaml'}")
    doc = yaml.safe_load((out / "population.yaml").read_text())
    assert [r["name"] for r in doc["parameters"]] == ["docetaxel_friberg2002__friberg_mean_transit_time_h",
                                                      "docetaxel_friberg2002__friberg_feedback_gamma",
                                                      "docetaxel_friberg2002__effects_0_slope_L_per_umol"]
    assert all(r["iiv_cv"] > 0 for r in doc["parameters"]) and doc["provenance"]["data"] == ["measurements.csv"]
    individual = (out / "individual.csv").read_text().splitlines()
    assert len(individual) == 4
    # named as in population.yaml, the name carrying the unit (the header named the problem's id, mtt_h or gamma)
    assert individual[0].split(",")[1::3] == [r["name"] for r in doc["parameters"]]
    assert individual[0].split(",")[2] == "docetaxel_friberg2002__friberg_mean_transit_time_h_ci95_low"
    bad = invoke_hemasim("fit-population", str(tmp_path / "nothing.yaml"), "--out", str(tmp_path / "x"))
    assert bad.exit_code == 2 and len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "x").exists()


def test_the_vpc_names_both_outer_percentiles_and_labels_its_log_axis_plainly() -> None:
    """The VPC's legend named only p5 beside two blue bands (p5 and p95), sat over the lower band, and its log axis
    read 6x10^0, 2x10^-1."""
    from hemasim.inference.population import VisualPredictiveCheck
    from hemasim.inference.population_plots import vpc_figure

    obs = np.array([[0.3, 1.2, 4.0], [0.5, 1.5, 5.0]])
    sim = np.stack([obs * 0.7, obs, obs * 1.4], axis=-1)
    vpc = VisualPredictiveCheck(np.array([0.0, 50.0, 100.0]), np.array([25.0, 75.0]), obs, sim, 100)
    fig = vpc_figure(vpc, "ANC (1e9/L)")
    fig.canvas.draw()
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["simulated p5 and p95: 90% interval", "observed p5 and p95", "simulated p50: 90% interval",
                      "observed p50"]
    ticks = [t.get_text() for t in [*ax.yaxis.get_majorticklabels(), *ax.yaxis.get_minorticklabels()]
             if t.get_text() and ax.get_ylim()[0] <= t.get_position()[1] <= ax.get_ylim()[1]]
    assert {"0.5", "1", "2"} <= set(ticks) and not any("10^" in t or "e-" in t for t in ticks)
    legend_box = ax.get_legend().get_window_extent()
    assert legend_box.x0 >= ax.get_window_extent().x1  # beside the axes, off the bands


def test_a_population_fit_names_no_objective_it_does_not_have() -> None:
    """A scenario loading `hemasim fit-population`'s population.yaml said in run.json "fitted to measurements.csv
    (problem problem.yaml; objective nan)": SAEM gives no likelihood value. A fit that has one keeps it."""
    from hemasim.parameters.core import Fitted

    assert Fitted(("m.csv",), "problem.yaml", float("nan")).describe() == "fitted to m.csv (problem problem.yaml)"
    assert Fitted(("m.csv",), "p", 13.81061).describe() == "fitted to m.csv (problem p; objective 13.8106)"


@pytest.mark.slow
def test_population_set_holds_the_values_held_fixed(tmp_path) -> None:
    """bughunt35: population.yaml held the fitted typical values only; a parameter held fixed (estimate: false) at a
    value other than the model's was left out, and a scenario or cohort loading the set ran the default under typical
    values fitted at the fixed one (gamma fixed at 0.3 ran at the drug set's 0.161)."""
    import shutil

    import yaml

    from hemasim.inference import load_fitted_values
    from hemasim.inference.population import SaemSettings
    from hemasim.inference.population_outputs import fit_problem_population
    from tests.conftest import EXAMPLES

    shutil.copy(EXAMPLES / "fit" / "scenario.yaml", tmp_path / "scenario.yaml")
    problem = yaml.safe_load((EXAMPLES / "fit" / "problem.yaml").read_text())
    problem["conditions"] = [{"id": f"p{i}", "scenario": "scenario.yaml"} for i in range(2)]
    for p in problem["parameters"]:
        if p["id"] == "gamma":
            p.update(estimate=False, nominal=0.3)
    (tmp_path / "problem.yaml").write_text(yaml.safe_dump(problem))
    rows = (EXAMPLES / "fit" / "measurements.csv").read_text().splitlines()
    out_rows = [rows[0]] + [f"p{i},{line.split(',', 1)[1]}" for i in range(2) for line in rows[1:]]
    (tmp_path / "measurements.csv").write_text("\n".join(out_rows) + "\n")
    fit_problem_population(tmp_path / "problem.yaml", tmp_path / "pop",
                           SaemSettings(exploration=6, smoothing=4, information_samples=10, seed=0))
    loaded = load_fitted_values(tmp_path / "pop" / "population.yaml")
    values = loaded.values
    assert values["docetaxel_friberg2002__friberg_feedback_gamma"] == 0.3
    # review35f: loaded as Fitted (fitted to the data) though the fit held it
    assert loaded.fixed == {"docetaxel_friberg2002__friberg_feedback_gamma"}
    assert loaded.provenance_of("docetaxel_friberg2002__friberg_feedback_gamma").describe().startswith("held fixed")
    assert "docetaxel_friberg2002__friberg_mean_transit_time_h" in values
