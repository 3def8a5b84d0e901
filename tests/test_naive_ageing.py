"""Naive T-cell pools with age (branch ageing): constant per-cell kinetics after the reference age, so the pools
are what their history leaves (hemasim.biology.lymphoid.naive_history_factor; docs/model.md, "Naive pools with age")."""

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from hemasim.biology import Covariates, healthy_human_model
from hemasim.biology.lymphoid import (
    NAIVE_DECLINE_PARAMETER,
    child_lymphocyte_factor,
    naive_history_factor,
    naive_thymic_share_at_age,
)
from hemasim.parameters import healthy_adult_parameters
from hemasim.simulation import Simulation

HALF_LIVES = ("naive_cd4_half_life_years", "naive_cd8_half_life_years")


def _reader(**values: float):
    params = healthy_adult_parameters().with_values(**values) if values else healthy_adult_parameters()
    return lambda name: params[name].value


def _integrated_history(value, half_life: str, age: float) -> float:
    """dN/dt = s d theta(t) - (s d + delta) N, N = 1 at the reference age, theta the model's thymic capacity law."""
    ref, peak = value("lymphocyte_reference_age_years"), value("thymic_output_peak_age_years")
    decline = value("thymic_output_decline_per_year")
    thymic = value("thymic_share_of_naive_production") * math.log(2) / value(half_life)
    k = thymic + value(NAIVE_DECLINE_PARAMETER[half_life])

    def theta(t: float) -> float:
        return math.exp(-decline * (max(t, peak) - max(ref, peak)))

    sol = solve_ivp(lambda t, y: [thymic * theta(t) - k * y[0]], (ref, age), [1.0], rtol=1e-10, atol=1e-12)
    return float(sol.y[0, -1])


@pytest.mark.parametrize("half_life", HALF_LIVES)
@pytest.mark.parametrize("overrides", [{}, {"lymphocyte_reference_age_years": 18.0, "thymic_output_peak_age_years": 20.0},
                                       {"thymic_share_of_naive_production": 0.6, "naive_cd4_half_life_years": 1.5,
                                        "naive_cd8_half_life_years": 1.5},
                                       {p: 0.0 for p in NAIVE_DECLINE_PARAMETER.values()},
                                       {p: 0.08 for p in NAIVE_DECLINE_PARAMETER.values()}])
def test_history_factor_is_the_solution_of_the_pool_equation(half_life, overrides):
    value = _reader(**overrides)
    for age in (40.0, 60.0, 85.0, 100.0):
        assert naive_history_factor(value, half_life, age) == pytest.approx(
            _integrated_history(value, half_life, age), rel=1e-7)


def test_history_factor_is_one_up_to_the_reference_age_and_takes_arrays():
    value = _reader()
    ages = np.array([0.5, 20.0, 35.0, 60.0, 100.0])
    h = naive_history_factor(value, "naive_cd4_half_life_years", ages)
    assert np.all(h[:3] == 1.0) and 1.0 > h[3] > h[4] > 0.0
    assert h[4] == pytest.approx(naive_history_factor(value, "naive_cd4_half_life_years", 100.0), rel=1e-15)


def test_history_factor_where_thymic_decline_equals_the_net_loss():
    """The closed form's 0/0 case (decline rate = net loss rate) takes its limit."""
    value = _reader(thymic_output_decline_per_year=0.1 * math.log(2) / 4.2)
    assert naive_history_factor(value, "naive_cd4_half_life_years", 90.0) == pytest.approx(
        _integrated_history(value, "naive_cd4_half_life_years", 90.0), rel=1e-7)


def test_thymic_share_falls_from_the_cited_share_after_the_reference_age():
    value = _reader()
    share = value("thymic_share_of_naive_production")
    ref, decline = value("lymphocyte_reference_age_years"), value("thymic_output_decline_per_year")
    shares = [naive_thymic_share_at_age(value, "naive_cd4_half_life_years", age,
                                        math.exp(-decline * (age - ref))) for age in (20.0, 35.0, 35.001, 70.0, 100.0)]
    assert shares[0] == shares[1] == share
    assert shares[2] == pytest.approx(share, rel=1e-3)
    assert share > shares[3] > shares[4] > 0.0


def test_an_old_patients_naive_pools_settle_at_their_history():
    """The settled naive pools of an 80-year-old are the built set points (the per-cell division closes the balance
    at that age), which are the history factor times the reference-age pools; memory keeps its own set point."""
    value = _reader()
    young = healthy_human_model(Covariates(35.0, "male", 70.0, 175.0), aging=False)
    old = healthy_human_model(Covariates(80.0, "male", 70.0, 175.0), aging=False)
    cells = {m: {c.name: float(c.initial) for c in model.compartments} for m, model in (("young", young), ("old", old))}
    memory_accrual = ((1 - math.exp(-80.0 / value("memory_t_cell_accrual_years")))
                      / (1 - math.exp(-35.0 / value("memory_t_cell_accrual_years"))))
    for pool, half_life, lineage in (("naive_cd4", HALF_LIVES[0], "cd4"), ("naive_cd8", HALF_LIVES[1], "cd8")):
        f = value(f"{lineage}_naive_fraction")
        # the adult count (its tiny childhood excess gone) less memory, which accrues a little after 35
        without_history = (child_lymphocyte_factor(value, lineage, 80.0) - (1.0 - f) * memory_accrual) / f
        assert cells["old"][pool] / cells["young"][pool] == pytest.approx(
            naive_history_factor(value, half_life, 80.0) * without_history, rel=1e-9)
    settled = Simulation(old).run(365.25)
    assert settled.state("naive_cd4")[-1] / cells["old"]["naive_cd4"] == pytest.approx(1.0, abs=0.01)
    assert settled.state("naive_cd8")[-1] / cells["old"]["naive_cd8"] == pytest.approx(1.0, abs=0.01)
    assert cells["old"]["memory_cd8"] / cells["young"]["memory_cd8"] == pytest.approx(memory_accrual, rel=1e-9)


@pytest.mark.parametrize("half_life", HALF_LIVES)
@pytest.mark.parametrize("decline", [0.0, 0.043, 0.2])
@pytest.mark.parametrize("pool_decline", [0.0, None])  # None: the shipped (fitted) decline at the reference age
def test_history_factor_falls_monotonically_and_stays_above_the_no_thymus_floor(half_life, decline, pool_decline):
    """Past the reference age the pool only falls (thymic output never exceeds its reference-age value) and stays
    above exp(-k (age - ref)), what it would keep if the thymus stopped at the reference age: the floor
    docs/model.md quotes (branch naiveage) for how far this law can take the naive pools, whatever the decline."""
    overrides = {"thymic_output_decline_per_year": decline}
    if pool_decline is not None:
        overrides[NAIVE_DECLINE_PARAMETER[half_life]] = pool_decline
    value = _reader(**overrides)
    ref = value("lymphocyte_reference_age_years")
    ages = np.linspace(ref, 110.0, 301)
    h = naive_history_factor(value, half_life, ages)
    assert np.all(np.diff(h) <= 1e-15) and h[0] == 1.0
    delta = value(NAIVE_DECLINE_PARAMETER[half_life])
    k = value("thymic_share_of_naive_production") * math.log(2) / value(half_life) + delta
    floor = np.exp(-k * (ages - ref))
    assert np.all(h >= floor * (1.0 - 1e-12))
    if decline == 0.0 and delta == 0.0:  # a thymus that never declines holds a pool at balance at its reference size
        np.testing.assert_allclose(h, 1.0, rtol=1e-12)
    else:  # a declining thymus or pool leaves the pool strictly between the floor and its reference size
        assert np.all(h[1:] > floor[1:]) and np.all(h[1:] < 1.0)


@pytest.mark.parametrize("half_life", HALF_LIVES)
def test_the_pool_falls_at_its_fitted_decline_just_past_the_reference_age(half_life):
    """delta is the pool's relative fall per year at the reference age (the thymus then still exports its
    reference-age output): dH/da = -delta there; the shipped delta is positive (fitted on naive counts at age)."""
    value = _reader()
    ref, delta = value("lymphocyte_reference_age_years"), value(NAIVE_DECLINE_PARAMETER[half_life])
    assert delta > 0.0
    step = 1e-4
    slope = (naive_history_factor(value, half_life, ref + step) - 1.0) / step
    assert slope == pytest.approx(-delta, rel=1e-3)
