"""A child's red-cell set point (branch infanthb; docs/model.md, "Red-cell set point of infants and children"): the
adult set point times Dallman 1977's mean Hb at the age over the adult mean, 1 from the adult age on."""

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.biology.body import Covariates, child_mch_factor, child_red_cell_factor
from hemasim.parameters import healthy_adult_parameters
from hemasim.simulation import Simulation

PARAMS = healthy_adult_parameters()
ADULT_HB = {sex: PARAMS.value(f"rbc_setpoint_{sex}_1e12_per_L") * PARAMS.value("mean_cell_hemoglobin_pg") / 10.0
            for sex in ("male", "female")}
# Dallman 1977 as read (munstermom.tripod.com/HematologicValues.htm): mean Hb, g/dL, of the classes whose node the
# model places at (age in years, sex); the adult class 18-49 y: men 15.5, women 14.0
DALLMAN = {(0.0, "male"): 16.5, (1 / 12, "female"): 14.0, (2 / 12, "male"): 11.5, (1.25, "male"): 12.0,
           (4.0, "female"): 12.5, (9.0, "male"): 13.5, (15.0, "male"): 14.5, (15.0, "female"): 14.0}
DALLMAN_ADULT = {"male": 15.5, "female": 14.0}


def test_the_factor_is_exactly_one_from_the_adult_age_and_everywhere_when_switched_off():
    ages = np.linspace(18.0, 100.0, 165)
    for sex in ("male", "female"):
        assert np.all(child_red_cell_factor(PARAMS.value, Covariates(ages, np.full(ages.shape, sex), 70.0)) == 1.0)
    assert child_red_cell_factor(PARAMS.value, Covariates(17.9, "male", 60.0)) < 1.0  # a boy's rise ends at 18
    off = {"rbc_setpoint_adult_age_years": 0.0}
    young = np.array([0.0, 0.2, 3.0, 12.0, 17.0])
    assert np.all(child_red_cell_factor(lambda n: off.get(n, PARAMS.value(n)),
                                        Covariates(young, np.full(young.shape, "male"), 10.0)) == 1.0)


@pytest.mark.parametrize("age, sex", sorted(DALLMAN))
def test_the_sourced_means_are_reproduced_at_their_nodes(age, sex):
    hb = ADULT_HB[sex] * child_red_cell_factor(PARAMS.value, Covariates(age, sex, 10.0))
    assert hb == pytest.approx(ADULT_HB[sex] * DALLMAN[(age, sex)] / DALLMAN_ADULT[sex], rel=1e-12)


def test_the_curve_has_the_nadir_and_the_childhood_rise_of_the_source():
    ages = np.array([0.0, 2 / 365.25, 2 / 12, 0.3, 1.0, 5.0, 10.0, 16.0])
    hb = ADULT_HB["male"] * child_red_cell_factor(PARAMS.value, Covariates(ages, np.full(ages.shape, "male"), 10.0))
    assert hb[1] == max(hb) and hb[1] > 17.0  # the first days of life
    assert 11.0 < hb[2] == min(hb) < 12.0  # the physiological nadir at 2 months
    assert np.all(np.diff(hb[3:]) > 0.0) and 11.5 < hb[4] < 12.5  # rising from infancy to the adult value
    # below 12 years the table has one row for both sexes: girls differ only by the adult ratio of the model
    girls = ADULT_HB["female"] * child_red_cell_factor(PARAMS.value, Covariates(5.0, "female", 18.0))
    assert girls / hb[5] == pytest.approx(ADULT_HB["female"] / ADULT_HB["male"] * 15.5 / 14.0, rel=1e-12)


def test_a_cohort_gives_each_child_its_own_factor():
    cov = Covariates(np.array([0.3, 8.0, 30.0]), np.array(["male", "female", "male"]), np.array([6.0, 25.0, 70.0]))
    each = [child_red_cell_factor(PARAMS.value, Covariates(a, s, w))
            for a, s, w in zip(cov.age_years, cov.sex, cov.weight_kg, strict=True)]
    np.testing.assert_array_equal(child_red_cell_factor(PARAMS.value, cov), each)
    r = Simulation(healthy_human_model(cov, aging=False).compile()).run(2.0, 1.0)
    np.testing.assert_allclose(r.observable("hemoglobin_g_per_dL")[:, 0],
                               [ADULT_HB["male"] * each[0], ADULT_HB["female"] * each[1], ADULT_HB["male"]], rtol=1e-9)


@pytest.mark.parametrize("aging", [False, True])
def test_an_infants_steady_state_holds_at_the_set_point_of_its_starting_age(aging):
    """The X-SCID example's infant (0.6 y, 7.5 kg, 67 cm) sits at its age's Hb for a year, with ageing on too (the
    set point is taken at the starting age)."""
    model = healthy_human_model(Covariates(0.6, "male", 7.5, 67.0), aging=aging)
    r = Simulation(model).run(365.0, output_every_days=73.0)
    hb = r.observable("hemoglobin_g_per_dL")
    expected = ADULT_HB["male"] * child_red_cell_factor(PARAMS.value, Covariates(0.6, "male", 7.5))
    assert 11.0 < expected < 12.0  # inside the report's 6-24-month band (11.0-13.5 g/dL, UpToDate)
    np.testing.assert_allclose(hb, expected, rtol=1e-5)
    mch = PARAMS.value("mean_cell_hemoglobin_pg") * child_mch_factor(PARAMS.value, Covariates(0.6, "male", 7.5))
    np.testing.assert_allclose(r.observable("rbc_1e12_per_L"), expected * 10.0 / mch, rtol=1e-5)
