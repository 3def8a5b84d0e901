"""The fitting engine: batch forward runs, finite-difference gradients, recovery of generating parameters,
fitted parameter sets loaded by scenarios, the sampler's reproducibility."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from hemasim.inference import (
    BuilderSource,
    Condition,
    EstimatedParameter,
    FitResult,
    KernelEngine,
    Measurements,
    NoiseModel,
    Objective,
    ObservableSpec,
    Problem,
    Profile,
    fit,
    identifiability,
    load_problem,
    local_fit,
    profile_likelihood,
    sample_posterior,
)

from .conftest import EXAMPLES
from .conftest import invoke_hemasim as hemasim

FIT = EXAMPLES / "fit"
TRUE = {"mtt_h": 88.7, "gamma": 0.161, "slope": 8.58, "sigma_anc": 0.15}


@pytest.fixture(scope="module")
def example() -> Problem:
    return load_problem(FIT / "problem.yaml")


def _least_squares_problem(example: Problem) -> Problem:
    """The example with gamma and sigma fixed (lognormal, sigma 0.15): a least-squares problem in MTT and slope."""
    params = tuple(replace(p, estimate=False, nominal=TRUE[p.id]) if p.id in ("gamma", "sigma_anc") else p
                   for p in example.parameters)
    return replace(example, parameters=params)


@pytest.fixture(scope="module")
def least_squares_fit(example: Problem) -> tuple[Objective, FitResult]:
    """The least-squares problem fitted once (1 start, seed 0) on the default engine; the tests that profile,
    sample or check the engine's model cache from its optimum share it (and the engine's cache)."""
    objective = Objective(_least_squares_problem(example))
    return objective, fit(objective, n_starts=1, seed=0)


@pytest.fixture(scope="module")
def least_squares_profiles(least_squares_fit: tuple[Objective, FitResult]) -> list[Profile]:
    """The profiles of every free parameter (mtt_h, slope) from that optimum, computed once: the interval test reads
    mtt_h's and the profile summary's test is served them (it computed them again: ~0.5 s CPU of mtt_h's, 1.3 s of
    both, December 2026)."""
    objective, result = least_squares_fit
    return profile_likelihood(objective, result.x)


def test_the_batch_is_each_vector_alone(example: Problem):
    objective = Objective(example)
    batch = np.array([objective.nominal, objective.scaled(TRUE), objective.lower + 0.3 * (objective.upper -
                                                                                              objective.lower)])
    together = objective.predict(batch)
    alone = np.concatenate([objective.predict(row[None]) for row in batch])
    np.testing.assert_allclose(together, alone, rtol=1e-6)
    assert not np.allclose(together[0], together[1])


def test_the_kernel_follows_a_single_patient_run(example: Problem):
    from hemasim.simulation import Simulation
    from hemasim.solvers import DormandPrince

    objective = Objective(example)
    theta = objective.scaled(TRUE)
    source = example.conditions[0].source
    values = {p.target: TRUE[p.id] for p in example.parameters if p.target}
    sim = Simulation(source.build(values), DormandPrince(rtol=1e-10), source.events())
    result = sim.run(42.0, 1.0)
    days = example.measurements.time_days.astype(int)
    np.testing.assert_allclose(objective.predict(theta[None])[0], result.observable("anc_1e9_per_L")[days],
                               rtol=1e-6)


def test_fd_gradient_matches_a_tight_reference(example: Problem):
    """Default step and tolerance against central differences at rtol 1e-12 with a 10x smaller step."""
    objective = Objective(example)
    reference = Objective(example, KernelEngine(rtol=1e-12))
    theta = objective.nominal + 0.05
    _, g = objective.value_and_gradient(theta)
    _, g_ref = reference.value_and_gradient(theta, step=1e-6)
    assert np.linalg.norm(g - g_ref) / np.linalg.norm(g_ref) < 1e-5


def test_objective_is_the_sum_of_analytic_terms(example: Problem):
    from scipy import stats

    objective = Objective(example)
    theta = objective.scaled(TRUE)
    y = objective.predict(theta[None])[0]
    z = example.measurements.value
    want = -stats.lognorm.logpdf(z, s=TRUE["sigma_anc"], scale=y).sum()
    assert objective(theta[None])[0] == pytest.approx(want, rel=1e-10)


def test_least_squares_fit_recovers_mtt_and_slope(example: Problem):
    objective = Objective(_least_squares_problem(example))
    assert objective.least_squares_form
    result = fit(objective, n_starts=2, seed=3)
    assert result.method == "least_squares"
    assert result.natural["mtt_h"] == pytest.approx(TRUE["mtt_h"], rel=0.1)
    assert result.natural["slope"] == pytest.approx(TRUE["slope"], rel=0.15)
    assert result.n_converged == 2


@pytest.mark.slow
def test_profile_interval_and_sampler(least_squares_fit: tuple[Objective, FitResult],
                                     least_squares_profiles: list[Profile]):
    objective, result = least_squares_fit
    best = result.x
    (prof,) = (p for p in least_squares_profiles if p.name == "mtt_h")
    assert prof.status == "identifiable"
    assert prof.ci_lower < prof.estimate < prof.ci_upper
    assert prof.ci_lower < TRUE["mtt_h"] < prof.ci_upper
    a = sample_posterior(objective, best, n_steps=120, n_chains=4, seed=7)
    b = sample_posterior(objective, best, n_steps=120, n_chains=4, seed=7)
    np.testing.assert_array_equal(a.draws, b.draws)  # seeded: bit for bit
    assert 0 < a.acceptance < 1


def test_a_model_built_in_python_fits_like_its_scenario(example: Problem):
    from hemasim.inference.sources import drug_set_with_values
    from hemasim.pharmacology.drug_sets import load_drug_set
    from hemasim.pharmacology.friberg import friberg_model

    base = load_drug_set("docetaxel_friberg2002")
    scenario_source = example.conditions[0].source

    def build(values):  # noqa: ANN001, ANN202
        return friberg_model(drug_set_with_values(base, {"friberg.mean_transit_time_h": values["mtt"],
                                                         "effects.0.slope_L_per_umol": values["slope"]}))

    source = BuilderSource(build, ["mtt", "slope"], scenario_source.events())
    problem = Problem("python model", (Condition("p1", source),),
                      (ObservableSpec("anc", "anc_1e9_per_L", NoiseModel("lognormal", 0.15)),),
                      (EstimatedParameter("mtt", "mtt", 30, 300, 120), EstimatedParameter("slope", "slope", 1, 50, 5)),
                      Measurements.from_rows(["p1"] * 16, example.measurements.time_days, ["anc"] * 16,
                                             example.measurements.value)).checked()
    mine = Objective(problem)
    theirs = Objective(_least_squares_problem(example))
    theta = np.array([np.log10(95.0), np.log10(7.0)])
    assert mine(theta[None])[0] == pytest.approx(theirs(theta[None])[0], rel=1e-9)


@pytest.mark.slow
def test_friberg_recovery_generating_values_within_their_intervals(example_fit: tuple[Objective, FitResult]):
    """The example's data were drawn from the Friberg 2002 docetaxel estimates (generate_data.py, fixed seed):
    every generating value lies in its 95% profile interval (the fit: 2 starts, seed 1, the session's fixture)."""
    objective, result = example_fit
    for prof in profile_likelihood(objective, result.x, names=["mtt_h", "gamma", "slope"]):
        assert prof.status == "identifiable", prof.name
        assert prof.ci_lower <= TRUE[prof.name] <= prof.ci_upper, prof.name


@pytest.mark.cli
@pytest.mark.slow
def test_cli_fit_writes_a_set_that_scenarios_load(tmp_path: Path):
    out = tmp_path / "fit"
    # --no-report: the figures and report.html, which nothing here reads, are drawn ~1 s CPU a fit (December 2026);
    # tests/test_reproducible_outputs.py's fit writes them, test_a_fit_without_report_... holds that they are all
    # the flag leaves out
    r = hemasim("fit", str(FIT / "problem.yaml"), "--out", str(out), "--starts", "1", "--no-profiles", "--no-report")
    assert r.exit_code == 0, r.stderr
    for name in ("estimates.csv", "fit.json", "fitted_parameters.yaml", "predictions.csv", "trace.csv"):
        assert (out / name).is_file(), name
    # the unit of value and predicted: the hemasim observable measured (predictions.csv named only "anc")
    header, first = (out / "predictions.csv").read_text().splitlines()[:2]
    assert header.endswith(",hemasim_observable") and first.endswith(",anc_1e9_per_L")
    scenario = (FIT / "scenario.yaml").read_text().replace(
        "model:", f"parameter_set: {out / 'fitted_parameters.yaml'}\nmodel:", 1)
    (tmp_path / "s.yaml").write_text(scenario)
    # run.json's sources are read (--no-report: the run's report and its drug figure are no part of the check)
    r = hemasim("run", str(tmp_path / "s.yaml"), "--out", str(tmp_path / "run"), "--no-report")
    assert r.exit_code == 0, r.stderr
    record = json.loads((tmp_path / "run" / "run.json").read_text())
    sources = {p["name"]: p["source"] for p in record["parameters"]}
    assert sources["docetaxel_friberg2002__friberg_mean_transit_time_h"].startswith("fitted to measurements.csv")
    assert "Friberg2002" in sources["docetaxel_friberg2002__friberg_baseline_1e9_per_L"]


@pytest.mark.slow
def test_the_fits_profile_summary_is_the_profiles_json(least_squares_fit: tuple[Objective, FitResult],
                                                       least_squares_profiles: list[Profile],
                                                       monkeypatch: pytest.MonkeyPatch):
    """hemasim.inference.full_model_slope.profile_summary (the slope and structure fits' JSON): one interval, status
    and curve per free parameter, the same as profile_likelihood's from the same optimum (its call answered with
    the module's profile_likelihood(objective, best), once the call is checked to be that one: ~1.3 s a second
    computation took)."""
    import hemasim.inference
    from hemasim.inference.full_model_slope import profile_summary

    objective, result = least_squares_fit
    best = result.x
    calls: list[tuple[tuple, dict, list]] = []

    def profiles_kept(*args, **kwargs):
        # the fixture's call: profile_likelihood(objective, best), every free parameter, default points
        assert args[0] is objective and np.array_equal(args[1], best) and args[2:] == () and kwargs == {}
        calls.append((args, kwargs, least_squares_profiles))
        return least_squares_profiles

    monkeypatch.setattr(hemasim.inference, "profile_likelihood", profiles_kept)
    summary = profile_summary(objective, best)
    ((args, kwargs, profiles),) = calls  # one call: profile_likelihood(objective, best), every free parameter
    assert args[0] is objective and np.array_equal(args[1], best) and args[2:] == () and kwargs == {}
    assert set(summary["ci95"]) == {p.name for p in profiles} == {"mtt_h", "slope"}
    for p in profiles:
        assert summary["ci95"][p.name] == [p.ci_lower, p.ci_upper]
        assert summary["profiles"][p.name]["values"] == np.asarray(p.natural).tolist()
    assert summary["identifiability"] == identifiability(profiles)
    assert summary["ci95"]["mtt_h"][0] < TRUE["mtt_h"] < summary["ci95"]["mtt_h"][1]


def test_the_model_cache_leaves_a_fit_bit_for_bit_the_same(example: Problem):
    """KernelEngine keeps the compiled model of each recent vector (the optimiser evaluates vectors again): a fit
    (four least-squares iterations) with the cache evaluates the objective values of the fit without it to the last
    bit, and the cache is used."""
    problem = _least_squares_problem(example)
    # vector by vector: a batch built as one cohort model (BatchBuilds, the Friberg chain too) takes no model
    # from the cache
    cached = KernelEngine(rtol=problem.rtol, batch_builds=False)
    uncached = KernelEngine(rtol=problem.rtol, cache_size=0, batch_builds=False)
    objective = Objective(problem, cached)
    start = objective.nominal
    with_cache = local_fit(objective, start, "least_squares", max_iterations=4)
    without = local_fit(Objective(problem, uncached), start, "least_squares", max_iterations=4)
    assert cached.models.hits > 0 and uncached.models.hits == 0
    assert with_cache.trace == without.trace and len(with_cache.trace) >= 3
    assert with_cache.fun == without.fun
    np.testing.assert_array_equal(with_cache.x, without.x)


def test_the_model_cache_keeps_each_condition_apart(example: Problem):
    """Another structural setting (the patient's size, which sets the docetaxel clearance per m2) is another
    source: its vectors are built for it, not served from the first source's models; a refused value gives NaN
    from the cache as when built."""
    from hemasim.inference.sources import ScenarioSource

    source = example.conditions[0].source
    scenario = source.scenario
    small = ScenarioSource(scenario.model_copy(update={"patient": scenario.patient.model_copy(
        update={"weight_kg": 50.0, "height_cm": 150.0})}))
    engine = KernelEngine(rtol=example.rtol, result_cache_size=0)  # (a batch again: its model from the cache)
    values, times, observe = [example.nominal_targets()], np.array([0.0, 7.0, 14.0]), ["anc_1e9_per_L"]
    first = engine.simulate(source, values, times, observe)
    other = engine.simulate(small, values, times, observe)
    assert (engine.models.builds, engine.models.hits) == (2, 0)
    np.testing.assert_array_equal(other, KernelEngine(rtol=example.rtol, cache_size=0).simulate(small, values, times,
                                                                                                observe))
    assert not np.array_equal(first, other)
    np.testing.assert_array_equal(engine.simulate(source, values, times, observe), first)
    assert engine.models.hits == 1
    refused = [{**values[0], "docetaxel_friberg2002__friberg_mean_transit_time_h": 0.5}]  # below its range
    for _ in range(2):
        assert np.isnan(engine.simulate(source, refused, times, observe)).all()
    assert engine.models.hits == 2


@pytest.mark.slow
def test_the_goodness_of_fit_figures_draw_without_a_positive_value():
    """Every measurement censored (a lone count under the assay limit) or every prediction 0 (a concentration
    before the dose): no log axis has anything to show. The figures used to fail there ("Data cannot be
    log-scaled"), after the fit, with a traceback; now they draw on linear axes."""
    from hemasim.inference.plots import _observed_vs_predicted, _residuals

    censored = [{"condition": "c", "observable": "anc", "time_days": 1.0, "value": 0.1, "censored": 1,
                 "predicted": 0.5, "standardized_residual": 0.0}]
    zeros = [{"condition": "c", "observable": "conc", "time_days": t, "value": 0.0, "censored": 0,
              "predicted": 0.0, "standardized_residual": 0.0} for t in (0.0, 1.0)]
    for rows in (censored, zeros):
        for draw in (_observed_vs_predicted, _residuals):
            assert draw(rows).startswith(b"\x89PNG")


def test_the_fit_figures_name_what_was_measured_and_label_log_axes_plainly():
    """The observed-vs-predicted axes read "value (observable unit)", and their log ticks 6x10^0, with 2x10^0
    3x10^0 4x10^0 running into each other."""
    from hemasim.inference.plots import _plain_log_label, measured_label

    assert measured_label(load_problem(EXAMPLES / "fit" / "problem.yaml")) == "anc (anc_1e9_per_L)"
    assert [_plain_log_label(v, None) for v in (0.2, 0.3, 0.5, 1.0, 4.0, 5.0, 20.0, 0.0)] == [
        "0.2", "", "0.5", "1", "", "5", "20", ""]


def test_a_fit_without_report_writes_no_figure_and_the_same_other_files(
        least_squares_fit: tuple[Objective, FitResult], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``hemasim fit --no-report`` (``run_fit(..., report=False)``): no figure and no report.html, which an earlier
    output's folder loses, and every other file byte for byte the report run's (the fit itself and the drawing
    stubbed: the files' choice is under test, not the optimiser or matplotlib)."""
    from hemasim.inference import outputs, plots

    objective, result = least_squares_fit
    done = outputs.FitOutputs(objective.problem, objective, result, [], objective.predict(result.x[None])[0], 0)
    monkeypatch.setattr(outputs, "compute_fit", lambda *args, **kwargs: done)
    monkeypatch.setattr(plots, "fit_figures", lambda out, rows: {"trace.png": b"png", "residuals.png": b"png"})
    monkeypatch.setattr(plots, "fit_report_html", lambda out, record, figures: "<html></html>")
    outputs.run_fit(FIT / "problem.yaml", tmp_path / "full")
    full = {p.name: p.read_bytes() for p in (tmp_path / "full").iterdir()}
    assert {"trace.png", "residuals.png", "report.html", "fit.json"} <= set(full)
    (tmp_path / "full").rename(tmp_path / "bare")  # an earlier output with its report, replaced whole
    outputs.run_fit(FIT / "problem.yaml", tmp_path / "bare", report=False)
    bare = {p.name: p.read_bytes() for p in (tmp_path / "bare").iterdir()}
    assert bare == {name: data for name, data in full.items() if not name.endswith((".png", ".html"))}


def test_a_fit_profiles_every_parameter_the_ones_named_or_none(
        least_squares_fit: tuple[Objective, FitResult], monkeypatch: pytest.MonkeyPatch):
    """``compute_fit``'s ``profiles``: True profiles every estimated parameter, a list of ids those (the fit tutorial
    profiles two), False none; an id that is not estimated is refused before the fit (the fit and the profiles
    stubbed: which profiles are asked for is under test)."""
    from hemasim.inference import outputs

    objective, result = least_squares_fit
    asked: list[object] = []
    monkeypatch.setattr(outputs, "fit", lambda *args, **kwargs: asked.append("fit") or result)
    monkeypatch.setattr(outputs, "profile_likelihood",
                        lambda obj, x, names=None, progress=None: asked.append(names) or [])
    problem = objective.problem
    for profiles, names in ((True, None), (["slope"], ["slope"]), ("mtt_h", ["mtt_h"]), (False, "none")):
        asked.clear()
        outputs.compute_fit(problem, n_starts=1, profiles=profiles)
        assert asked == (["fit"] if names == "none" else ["fit", names]), profiles
    asked.clear()
    with pytest.raises(ValueError, match=r"profiles: gamma not estimated here \(estimated: mtt_h, slope\)"):
        outputs.compute_fit(problem, n_starts=1, profiles=["slope", "gamma"])
    assert asked == []  # refused before the fit


def test_hemasim_fit_no_report_asks_for_no_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    asked: dict[str, object] = {}
    monkeypatch.setattr("hemasim.inference.outputs.run_fit", lambda *args, **kwargs: asked.update(kwargs) or [])
    for flags, report in (((), True), (("--no-report",), False)):
        r = hemasim("fit", str(FIT / "problem.yaml"), "--out", str(tmp_path / "fit"), *flags)
        assert r.exit_code == 0, r.stderr
        assert asked["report"] is report
        assert ("report.html" in r.stderr) is report  # the files it names


def test_a_batch_simulated_again_is_served_its_result_to_the_bit(example: Problem):
    """A gradient whose base moves only the noise level (what a profile of sigma re-optimises) simulates the same
    model vectors again: the engine serves the kept result, the same to the last bit as a fresh engine's run."""
    engine = KernelEngine(rtol=example.rtol)
    objective = Objective(example, engine)
    theta = objective.nominal.copy()
    objective.value_and_gradient(theta)
    theta[objective.names.index("sigma_anc")] += 0.05
    f, gradient = objective.value_and_gradient(theta)
    assert engine.results.hits == 1
    f_fresh, gradient_fresh = Objective(example, KernelEngine(rtol=example.rtol, result_cache_size=0)
                                        ).value_and_gradient(theta)
    assert f == f_fresh
    np.testing.assert_array_equal(gradient, gradient_fresh)


def test_repeated_vectors_of_a_batch_run_once_with_the_same_bits(example: Problem):
    """A gradient's steps along the noise level repeat the base vector's model values: the engine runs each distinct
    vector once, and every row is what the kernel gives on the whole batch, repeats included."""
    from hemasim.inference.forward import _run, source_events, stack_compiled
    from hemasim.solvers import DormandPrince

    objective = Objective(example)
    batch, _ = objective.perturbations(objective.nominal)
    values = [objective._targets(v) for v in objective.all_values(batch)]
    assert len({tuple(sorted(v.items())) for v in values}) == len(values) - 2  # sigma's two steps
    source, times, observe = example.conditions[0].source, np.array([0.0, 7.0, 14.0, 21.0]), ["anc_1e9_per_L"]
    engine = KernelEngine(rtol=example.rtol)
    whole = _run(stack_compiled([engine.models.compiled(source, v) for v in values]), DormandPrince(rtol=example.rtol),
                 source_events(source, values), times, observe)
    np.testing.assert_array_equal(engine.simulate(source, values, times, observe), whole)


def test_a_least_squares_trace_is_the_objective(least_squares_fit: tuple[Objective, FitResult]):
    # bughunt35: a least-squares start traced half its sum of squares, below the objective by a constant (0.84 on
    # this problem): trace.csv's last value lay under the best objective and trace.png drew the start at its floor
    objective, result = least_squares_fit
    assert result.method == "least_squares"
    run = result.best
    assert run.trace[0] == pytest.approx(float(objective(run.start[None])[0]), rel=1e-9)  # a batch of 5 vs 1
    assert run.trace[-1] == pytest.approx(result.fun, abs=1e-6)
    assert min(run.trace) >= result.fun - 1e-6
    theta = np.array([objective.nominal, objective.nominal + 0.05])
    r = objective.residuals(theta)
    np.testing.assert_allclose(0.5 * (r**2).sum(axis=1) + objective.least_squares_offset(), objective(theta),
                               rtol=1e-12)


def test_starts_of_a_uniform_prior_lie_in_its_support(example: Problem):
    # bughunt35: a uniform prior's parameter started from the bounds' Latin hypercube; outside the prior's support
    # its density is 0, the objective the failure value 1e10, and the start ended where it began (2 of 5 here)
    from hemasim.inference import ProblemError
    from hemasim.inference.optimize import starting_points
    from hemasim.inference.problem import Prior

    def with_prior(nominal: float) -> Problem:
        return replace(example, parameters=tuple(replace(p, prior=Prior("uniform", 60.0, 150.0), nominal=nominal)
                                                 if p.id == "mtt_h" else p for p in example.parameters))

    objective = Objective(with_prior(120.0).checked())
    mtt = objective.natural(starting_points(objective, 12, seed=0))[:, 0]
    assert np.all((mtt >= 60.0) & (mtt <= 150.0)), mtt
    with pytest.raises(ProblemError, match=r"parameters\.0\.nominal: 200 is outside the uniform prior's support "
                                           r"\[60, 150\]"):
        with_prior(200.0).checked()


def test_the_fitted_set_holds_the_values_held_fixed(example: Problem, tmp_path: Path):
    # bughunt35: fitted_parameters.yaml held the estimates only; a parameter held fixed (estimate: false) at a value
    # other than the model's was left out, and a scenario loading the set ran the default under estimates made at the
    # fixed value (gamma fixed at 0.3 ran at the drug set's 0.161)
    from hemasim.inference import load_fitted_values, write_fitted_set
    from hemasim.inference.fitted import fitted_parameter_set
    from hemasim.inference.optimize import LocalResult

    problem = replace(example, parameters=tuple(replace(p, estimate=False, nominal=0.3) if p.id == "gamma" else p
                                                for p in example.parameters))
    objective = Objective(problem)
    x = objective.nominal
    result = FitResult(objective.names, "L-BFGS-B", (LocalResult(x, x, 1.0, True, 0, ""),), 16, 0, 0.0,
                       dict(zip(objective.names, map(float, objective.natural(x[None])[0]), strict=True)))
    path = tmp_path / "fitted_parameters.yaml"
    write_fitted_set(fitted_parameter_set(objective, result), path)
    values = load_fitted_values(path).values
    assert values["docetaxel_friberg2002__friberg_feedback_gamma"] == 0.3
    assert values["docetaxel_friberg2002__friberg_mean_transit_time_h"] == pytest.approx(120.0)
    # review35f: the loader read the held value as Fitted, the run record saying the data chose it
    import warnings

    from hemasim.inference.fitted import fitted_model
    from hemasim.scenario import load_scenario

    with warnings.catch_warnings():  # the example scenario's output grid (not this test's concern)
        warnings.simplefilter("ignore")
        scenario = load_scenario(FIT / "scenario.yaml")
    records = fitted_model(scenario, str(path)).parameters
    gamma = records["docetaxel_friberg2002__friberg_feedback_gamma"]
    assert (gamma.value, gamma.provenance.describe()) == (
        0.3, "held fixed at its nominal value in the fit of measurements.csv (problem problem.yaml), not estimated")
    assert records["docetaxel_friberg2002__friberg_mean_transit_time_h"].provenance.describe().startswith(
        "fitted to measurements.csv")


@pytest.mark.slow  # a fit and a profile (~4 s)
def test_an_estimate_on_its_bound_is_said_so(example: Problem):
    # bughunt35: with MTT bounded at 80 h (the data want ~89) the fit stops on the bound and the profile falls toward
    # it; the verdict read "practically non-identifiable: the data bound it on one side only", when the bound, not
    # the data, ends the interval there
    problem = _least_squares_problem(example)
    problem = replace(problem, parameters=tuple(replace(p, upper=80.0, nominal=80.0) if p.id == "mtt_h" else p
                                                for p in problem.parameters))
    objective = Objective(problem)
    result = fit(objective, n_starts=1, seed=0)
    (profile,) = profile_likelihood(objective, result.x, names=["mtt_h"])
    assert profile.ci_upper is None and profile.ci_lower is not None and profile.at_bound == "upper"
    (row,) = identifiability([profile])
    assert row["at_bound"] == "upper"
    assert row["says"].startswith("its estimate is at its upper bound (80): the bound ends the interval")
    # review35f: the at-lower-bound case (mtt_h bounded below at 100 h; the data want ~89)
    problem = replace(problem, parameters=tuple(replace(p, lower=100.0, upper=300.0, nominal=100.0)
                                                if p.id == "mtt_h" else p for p in problem.parameters))
    objective = Objective(problem)
    result = fit(objective, n_starts=1, seed=0)
    (profile,) = profile_likelihood(objective, result.x, names=["mtt_h"])
    (row,) = identifiability([profile])
    assert (profile.at_bound, profile.ci_lower, row["status"]) == ("lower", None, "practically non-identifiable")
    assert row["says"].startswith("its estimate is at its lower bound (100): the bound ends the interval")


@pytest.mark.parametrize(("side", "estimate", "says"), [
    ("upper", 80.0, "its estimate is at its upper bound (80): the bound ends"),
    ("lower", 30.0, "its estimate is at its lower bound (30): the bound ends"),
    # review35f: a fit that stopped short of the bound (the profile found the lower point on it) printed the estimate
    # as the bound: 'its estimate is at its upper bound (75)'
    ("upper", 75.0, "its profile is lowest at its upper bound (80; the fit stopped at 75): the bound ends"),
    ("lower", 31.5, "its profile is lowest at its lower bound (30; the fit stopped at 31.5): the bound ends"),
])
def test_the_at_bound_sentence_gives_the_bound(side: str, estimate: float, says: str):
    natural = np.linspace(30.0, 80.0, 11)
    objective = (natural - 30.0) / 10 if side == "lower" else (80.0 - natural) / 10
    profile = Profile("mtt_h", np.log10(natural), natural, objective, 0.0, None if side == "lower" else 50.0,
                      None if side == "upper" else 50.0, estimate, side)
    (row,) = identifiability([profile])
    assert row["says"].startswith(says), row["says"]
