"""Faults found by reading core paths again (bughunt34): each test failed before its fix."""

import numpy as np
import pytest

from hemasim.clonal import NeutralHSCPool
from hemasim.clonal.ch import DriverLandscape

#: drivers so frequent that every step draws many of them in a pool of a few cells
_FLOOD = DriverLandscape(rate_per_hsc_year=1e5, selection_shape=2.0, selection_rate_years=10.0, panel_fraction=0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n_cells", [1, 3])
def test_drivers_drawn_twice_from_a_clone_found_as_many_clones_as_it_has_cells(n_cells, seed):
    """More drivers drawn in one step from a clone than it has cells: the first as many as it has cells found
    clones, one cell each (its cells move to them; the pool keeps its size). Before the fix every pick of such a
    clone was undone, so a one-cell clone hit twice founded none: no driver clone at all here."""
    pool = NeutralHSCPool(n_cells, seed=seed, drivers=_FLOOD, kernel="numpy")
    pool._acquire_drivers()
    founded = pool.selection_per_year > 0
    assert founded.sum() == n_cells  # each one-cell wild clone founds exactly one driver clone
    assert pool.pool_size == n_cells
    assert np.all(pool.sizes[~founded] == 0) and np.all(pool.sizes[founded] == 1)
    assert sorted(pool.parent[founded]) == list(range(n_cells))


@pytest.mark.parametrize(("prior", "message"), [
    ("{kind: lognormal, mean: 0, sd: 0.5}", r"parameters\.2\.prior\.mean: the median of a lognormal prior must be > 0"),
    ("{kind: uniform, mean: 10, sd: 5}",
     r"parameters\.2\.prior\.sd: a uniform prior runs from mean .* sd must be > mean"),
    ("{kind: uniform, mean: 5, sd: 5}", r"parameters\.2\.prior\.sd: a uniform prior"),
])
def test_a_prior_whose_density_has_no_log_is_refused_naming_its_field(tmp_path, prior, message):
    """A log-normal prior's median of 0 (its density takes log(mean)) or a uniform prior whose upper end (sd) is not
    above its lower end (mean): refused when the problem loads, naming the field. Before, the problem loaded and the
    fit's first evaluation ended in a bare "ValueError: math domain error" (after simulating every condition)."""
    import shutil

    from hemasim.inference import ProblemError, load_problem

    from .conftest import EXAMPLES

    for name in ("problem.yaml", "scenario.yaml", "measurements.csv"):
        shutil.copy(EXAMPLES / "fit" / name, tmp_path / name)
    path = tmp_path / "problem.yaml"
    text = path.read_text(encoding="utf-8")
    assert "unit: L/umol}" in text
    path.write_text(text.replace("unit: L/umol}", f"unit: L/umol, prior: {prior}}}", 1), encoding="utf-8")
    with pytest.raises(ProblemError, match=message):
        load_problem(path)


def test_a_sound_uniform_and_lognormal_prior_still_load(tmp_path):
    import shutil

    from hemasim.inference import load_problem

    from .conftest import EXAMPLES

    for name in ("problem.yaml", "scenario.yaml", "measurements.csv"):
        shutil.copy(EXAMPLES / "fit" / name, tmp_path / name)
    path = tmp_path / "problem.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("unit: L/umol}", "unit: L/umol, prior: {kind: uniform, mean: 1, sd: 50}}", 1)
                    .replace("nominal: 0.3}", "nominal: 0.3, prior: {kind: lognormal, mean: 0.161, sd: 0.5}}", 1),
                    encoding="utf-8")
    problem = load_problem(path)
    assert problem.parameter("slope").prior.kind == "uniform" and problem.parameter("gamma").prior.mean == 0.161


@pytest.mark.parametrize(("value", "text"), [(999.4, "999"), (999.5, "1000"), (999.96, "1000"), (1234.4, "1234"),
                                             (0.429, "0.429"), (1.234e-5, "1.23×10⁻⁵")])
def test_a_count_in_a_report_never_reads_in_pythons_exponent_notation(value, text):
    """A count to three significant digits: 999.5-999.99 cells/uL (a CD4 count near its reference) round up to
    1000, which '.3g' writes "1e+03", and an aplastic count below 1e-4 read "1.23e-05". Before the fix the report's
    tables and key results showed both so (1000 and more read whole, "1234", a power of ten as ×10ⁿ elsewhere)."""
    from hemasim.report.key_results import _amount, count_text

    assert count_text(value) == text
    assert _amount("cd4_final", "cells/uL", value) == f"{text} cells/µL"


class _Quadratic:
    """A two-parameter objective on the estimation scale, 50 a^2 + 50 (b - a)^2 on [-1, 1]^2 (lin): its minimum 0 at
    (0, 0), and a's profile 50 a^2 (b follows a), whose 95% interval is +- sqrt(LR_STEP_95 / 50) = +-0.196."""

    def __init__(self) -> None:
        from hemasim.inference.problem import EstimatedParameter

        self.parameters = tuple(EstimatedParameter(n, None, -1.0, 1.0, 0.0, "lin") for n in ("a", "b"))
        self.names = ("a", "b")
        self.lower, self.upper = np.array([-1.0, -1.0]), np.array([1.0, 1.0])
        self.n_parameters = 2

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        return 50.0 * theta[:, 0] ** 2 + 50.0 * (theta[:, 1] - theta[:, 0]) ** 2

    def value_and_gradient(self, x: np.ndarray) -> tuple[float, np.ndarray]:
        a, b = x
        return float(self(x[None])[0]), np.array([100.0 * a - 100.0 * (b - a), 100.0 * (b - a)])


@pytest.mark.parametrize("b_start", [0.0, 0.1])
def test_a_profile_interval_is_measured_from_the_lowest_objective_it_found(b_start):
    """Profiled from a fit that stopped short of its optimum (b 0.1 instead of 0: objective 0.5 instead of 0), the
    walk's re-optimisations find lower objectives (0.08 at the first points). The profile's best objective and the
    threshold it draws are that lowest point's; the interval must be too. Before the fix it was measured from the
    objective at the start (0.5 + 1.92), +-0.220 against the profile's +-0.196; the converged start is unchanged."""
    from hemasim._confidence import LR_STEP_95
    from hemasim.inference.uncertainty import profile_likelihood

    objective = _Quadratic()
    (profile,) = profile_likelihood(objective, np.array([0.0, b_start]), names=["a"])
    exact = float(np.sqrt(LR_STEP_95 / 50.0))
    assert profile.best_objective == pytest.approx(float(profile.objective.min()))
    assert profile.ci_lower == pytest.approx(-exact, abs=0.005) and profile.ci_upper == pytest.approx(exact, abs=0.005)
    if b_start == 0.0:  # a converged start: the walk's own ends, to the last digit
        assert profile.ci_upper == pytest.approx(exact, rel=1e-12)


def test_prior_draws_of_a_linear_scale_parameter_start_where_they_were_drawn():
    """Starting points of a parameter estimated on the linear scale with a normal prior are its prior draws. They
    were floored at 1e-300 as for a logarithm first, so a prior on negative values (mean -3, bounds -5..5) started
    every local run at 0 instead of around -3."""
    from types import SimpleNamespace

    from hemasim.inference.optimize import starting_points
    from hemasim.inference.problem import EstimatedParameter, Prior

    shift = EstimatedParameter("shift", None, -5.0, 5.0, 0.0, "lin", prior=Prior("normal", -3.0, 0.5))
    rate = EstimatedParameter("rate", None, 0.1, 10.0, 1.0, "log10", prior=Prior("lognormal", 2.0, 0.3))
    objective = SimpleNamespace(parameters=(shift, rate), nominal=np.array([0.0, 0.0]),
                                lower=np.array([-5.0, -1.0]), upper=np.array([5.0, 1.0]))
    starts = starting_points(objective, 200, seed=1)
    assert starts[0].tolist() == [0.0, 0.0]  # the nominal first
    assert np.mean(starts[1:, 0]) == pytest.approx(-3.0, abs=0.15) and np.all(starts[1:, 0] < 0)
    assert np.median(starts[1:, 1]) == pytest.approx(np.log10(2.0), abs=0.05)  # a log scale: the log of the draws


def test_each_apheresis_session_row_of_the_report_reads_that_session_alone():
    """Sessions on days 4 and 5 with daily outputs: the report's row of each session gives what that session
    collected, so the rows add up to the total collected. The day-4 row read the collected product up to the
    output after day 4 - day 5's, which already holds day 5's session - so it gave both sessions (10.3 of a total
    10.3 x10^6/kg, the rows adding up to 15.2)."""
    import re

    from hemasim.assembly import run_scenario
    from hemasim.interventions.apheresis import _section
    from hemasim.scenario import load_scenario

    from .conftest import EXAMPLES

    base = load_scenario(EXAMPLES / "autologous_mobilised.yaml")
    kept = [iv for iv in base.interventions if iv.kind in ("gcsf", "apheresis")]
    assert [iv.day for iv in kept if iv.kind == "apheresis"] == [4, 5]
    rows = {}
    for every in (1.0, 0.5):
        scenario = base.model_copy(update={"output": base.output.model_copy(update={"every_days": every}),
                                           "duration_days": 10.0, "interventions": kept})
        html = _section(run_scenario(scenario))
        total = float(re.search(r"collected in all ([0-9.]+) ", html).group(1))
        rows[every] = [float(x) for x in re.findall(r"</td><td>([0-9.]+)</td></tr>", html)]
        assert len(rows[every]) == 2 and sum(rows[every]) == pytest.approx(total, abs=0.06)
    assert rows[1.0] == rows[0.5]  # each session's collection, whatever the output grid


def test_a_donor_share_on_a_day_after_the_graft_is_read_on_that_day_whatever_the_output_grid():
    """The reduced-intensity example (graft on day 4) on weekly outputs: the outputs fall 3, 10, 17, 24, 31 days
    after the graft, and the day-28 donor shares were read at the nearest (day 24: myeloid 0.330 against 0.444 on
    daily outputs). Read on the day itself, from the counts there (linear between the outputs), as the validation's
    chimerism read-outs (X1-X5, hemasim.validation.chimerism.donor_share) read them: daily outputs give the same
    numbers as before, bit for bit (the output on the day)."""
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.interventions.chimerism import chimerism_by_day
    from hemasim.scenario import load_scenario
    from hemasim.validation.chimerism import donor_share

    from .conftest import EXAMPLES

    base = load_scenario(EXAMPLES / "ric_allo_hsct.yaml")
    values, results = {}, {}
    for every in (1.0, 7.0):
        scenario = base.model_copy(update={"output": base.output.model_copy(update={"every_days": every}),
                                           "duration_days": 40.0})
        results[every] = result = run_scenario(scenario)
        values[every] = {e.name: e.value for e in evaluate_endpoints(result)}
    weekly, daily = values[7.0], values[1.0]
    for lineage in ("t", "myeloid"):
        expected = donor_share(lambda: results[7.0], lineage, 28.0, 4.0)  # noqa: B023 - called at once
        assert weekly[f"donor_{lineage}_chimerism_day28"] == pytest.approx(expected, rel=1e-12)
        assert weekly[f"donor_{lineage}_chimerism_day28"] == pytest.approx(daily[f"donor_{lineage}_chimerism_day28"],
                                                                           abs=0.03)
        on_daily = donor_share(lambda: results[1.0], lineage, 28.0, 4.0)  # noqa: B023 - called at once
        assert daily[f"donor_{lineage}_chimerism_day28"] == on_daily
    assert weekly["donor_chimerism_anc_1e9_day28"] == pytest.approx(daily["donor_chimerism_anc_1e9_day28"], abs=0.03)
    graft, rows = chimerism_by_day(results[7.0])
    assert graft == 4.0 and rows[1][0] == 28
    assert rows[1][2] == pytest.approx(weekly["donor_myeloid_chimerism_day28"], rel=1e-12)  # the report's table
