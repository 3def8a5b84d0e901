"""A child's blood volume (Linderkamp 1977's mL/kg by age) and mean cell Hb (Dallman 1977's MCH by age), branch
childblood; docs/model.md, "Blood volume of infants and children" and "Mean cell haemoglobin of infants and
children"."""

from dataclasses import replace

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.biology.body import Covariates, blood_volume_L, child_mch_factor, child_red_cell_factor
from hemasim.parameters import healthy_adult_parameters
from hemasim.simulation import Simulation
from hemasim.solvers.steady import NewtonSteadyState

PARAMS = healthy_adult_parameters()
# Linderkamp 1977 Table 1 p. 228 as read (medicalalgorithms.com): mean mL/kg at the class centres the model uses
LINDERKAMP = {(1 / 365.25, "male"): 81.9, (16.5 / 365.25, "female"): 84.4, (5 / 12, "male"): 76.6,
              (19 / 12, "female"): 86.1, (3.0, "male"): 80.5, (3.0, "female"): 79.0, (9.0, "male"): 79.6,
              (9.0, "female"): 72.7, (13.0, "male"): 74.4, (13.0, "female"): 68.3}
# Dallman 1977 as read (munstermom.tripod.com/HematologicValues.htm): mean MCH, pg, at the model's nodes
DALLMAN_MCH = {0.0: 34.0, 1 / 12: 34.0, 2 / 12: 30.0, 1.25: 27.0, 4.0: 27.0, 9.0: 29.0, 15.0: 30.0}


def _nadler(sex, h_cm, w_kg):  # Nadler 1962, as docs/model.md writes it
    a, b, c = (0.3669, 0.03219, 0.6041) if sex == "male" else (0.3561, 0.03308, 0.1833)
    return a * (h_cm / 100.0) ** 3 + b * w_kg + c


def _with(**values):
    return PARAMS.with_values(**values)


def test_adults_keep_nadler_and_the_adult_per_kg_exactly():
    for age in (15.0, 18.0, 35.0, 80.0):
        for sex, h, w in (("male", 175.0, 70.0), ("female", 163.0, 60.0)):
            assert blood_volume_L(Covariates(age, sex, w, h), PARAMS) == _nadler(sex, h, w)
        assert blood_volume_L(Covariates(age, "male", 70.0), PARAMS) == 70.0 * 70.0 / 1000.0
        assert blood_volume_L(Covariates(age, "female", 60.0), PARAMS) == 65.0 * 60.0 / 1000.0


@pytest.mark.parametrize("age, sex", sorted(LINDERKAMP))
def test_the_sourced_per_kg_values_are_reproduced_at_their_class_centres(age, sex):
    for height in (None, 100.0):  # with or without a height
        bv = blood_volume_L(Covariates(age, sex, 12.0, height), PARAMS)
        assert bv * 1000.0 / 12.0 == pytest.approx(LINDERKAMP[(age, sex)], rel=1e-12)


def test_the_xscid_infant_gets_an_infants_volume_and_the_switch_restores_nadler():
    infant = Covariates(0.3, "male", 6.0, 61.0)
    per_kg = blood_volume_L(infant, PARAMS) * 1000.0 / 6.0
    assert 76.6 < per_kg < 79.4  # between the 1-2- and 3-6-month classes
    assert blood_volume_L(infant, _with(blood_volume_child_end_age_years=0.0)) == _nadler("male", 61.0, 6.0)
    assert blood_volume_L(Covariates(14.99, "female", 50.0), PARAMS) == pytest.approx(68.3 * 0.05, rel=1e-12)


def test_a_cohort_gives_each_patient_its_own_volume():
    cov = Covariates(np.array([0.3, 8.0, 35.0]), np.array(["male", "female", "male"]), np.array([6.0, 25.0, 70.0]),
                     np.array([61.0, 128.0, 175.0]))
    each = [blood_volume_L(Covariates(a, s, w, h), PARAMS)
            for a, s, w, h in zip(cov.age_years, cov.sex, cov.weight_kg, cov.height_cm, strict=True)]
    np.testing.assert_array_equal(blood_volume_L(cov, PARAMS), each)
    assert each[2] == _nadler("male", 175.0, 70.0)


@pytest.mark.parametrize("age", sorted(DALLMAN_MCH))
def test_the_sourced_mch_is_reproduced_and_is_one_for_adults(age):
    for sex in ("male", "female"):
        assert 30.0 * child_mch_factor(PARAMS.value, Covariates(age, sex, 10.0)) == pytest.approx(DALLMAN_MCH[age],
                                                                                                  rel=1e-12)
    ages = np.linspace(18.0, 90.0, 37)
    assert np.all(child_mch_factor(PARAMS.value, Covariates(ages, np.full(ages.shape, "female"), 60.0)) == 1.0)
    off = _with(mch_adult_age_years=0.0)
    assert child_mch_factor(off.value, Covariates(1.25, "male", 10.0)) == 1.0


def test_an_infants_steady_state_holds_with_its_volume_and_counts():
    """The 0.6-y, 7.5-kg, 67-cm X-SCID infant sits at its age's Hb and Dallman's red-cell count for a year; the whole-blood red cells fill its blood volume."""
    cov = Covariates(0.6, "male", 7.5, 67.0)
    model = healthy_human_model(cov, aging=False)
    assert model.info.blood_volume_L == blood_volume_L(cov, PARAMS)
    r = Simulation(model).run(365.0, output_every_days=73.0)
    hb_ratio, mch_ratio = child_red_cell_factor(PARAMS.value, cov), child_mch_factor(PARAMS.value, cov)
    np.testing.assert_allclose(r.observable("hemoglobin_g_per_dL"), 15.6 * hb_ratio, rtol=1e-5)
    rbc = r.observable("rbc_1e12_per_L")
    np.testing.assert_allclose(rbc, 5.2 * hb_ratio / mch_ratio, rtol=1e-5)
    assert 3.8 < rbc[0] < 4.5  # between Dallman's 3-6-month (3.8) and 0.5-2-year (4.5) means


@pytest.mark.parametrize("solve", [NewtonSteadyState(), NewtonSteadyState(linear_solve="reduced", hold_balanced=False),
                                   NewtonSteadyState(linear_solve="dense")], ids=["held", "reduced", "dense"])
def test_the_infants_steady_state_needs_no_fallback(solve):
    """The infant's plain chord Newton (one patient and a cohort, each linear solve) converges without the
    pseudo-transient fallback (none allowed here): its full steps from the built state diverged before a plain Newton
    step moved no state by more than NEWTON_STEP_CAP of its value (docs/performance.md, goal 4, 23rd session)."""
    one = Covariates(0.6, "male", 7.5, 67.0)
    cohort = Covariates(np.full(20, 0.6), np.full(20, "male"), np.linspace(6.8, 8.2, 20), np.full(20, 67.0))
    plain = replace(solve, continuation_iterations=0)
    for cov in (one, cohort):
        model = healthy_human_model(cov, aging=False).compile()
        x = plain.states(model)
        np.testing.assert_allclose(x, NewtonSteadyState().states(model), rtol=1e-8)
        assert np.max(np.abs(x - model.x0) / np.maximum(model.x0, 1.0)) > 0.05  # it moved: far from where built


def test_an_adults_model_does_not_change():
    ref = Covariates(35.0, "male", 70.0, 175.0)
    a = healthy_human_model(ref, aging=False).compile()
    b = healthy_human_model(ref, _with(blood_volume_child_end_age_years=0.0, mch_adult_age_years=0.0), aging=False).compile()
    np.testing.assert_array_equal(a.x0, b.x0)
    np.testing.assert_array_equal(a.rate, b.rate)
