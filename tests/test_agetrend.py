"""The age trend of the red-cell and platelet set points (branch agetrend; docs/model.md, "Age trend of the red-cell
and platelet set points"): the factor, the model's steady state at a frozen age, and the fit behind the rates."""

from pathlib import Path

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.biology.body import REFERENCE_ADULT, Covariates, set_point_age_factor
from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import Fitted
from hemasim.simulation import Simulation
from tests._scripts import load_script

ROOT = Path(__file__).resolve().parents[1]
RATES = {"platelets": "platelet_setpoint_age_decline_per_year",
         "hemoglobin_male": "rbc_setpoint_age_decline_male_per_year",
         "hemoglobin_female": "rbc_setpoint_age_decline_female_per_year"}


@pytest.fixture(scope="module")
def fit_script():
    return load_script(ROOT / "docs" / "agetrend_fit.py")


def test_the_factor_is_one_up_to_the_reference_age_and_falls_monotonically_past_it():
    params = healthy_adult_parameters()
    ages = np.linspace(0.0, 100.0, 201)
    for name in RATES.values():
        f = set_point_age_factor(params.value(name), ages)
        assert np.all(f[ages <= REFERENCE_ADULT.age_years] == 1.0)
        assert np.all(np.diff(f) <= 0.0)
    rate = params.value("platelet_setpoint_age_decline_per_year")
    assert rate > 0.0
    f = set_point_age_factor(rate, ages)
    assert np.all(np.diff(f[ages >= REFERENCE_ADULT.age_years]) < 0.0)  # strictly past 35 for a positive rate
    assert set_point_age_factor(rate, 80.0) == pytest.approx(np.exp(-rate * 45.0), rel=1e-15)
    assert set_point_age_factor(rate, REFERENCE_ADULT.age_years) == 1.0


def _counts(age: float, sex: str) -> tuple[np.ndarray, np.ndarray]:
    """Hb and platelets over 200 days of a patient whose age stays at ``age`` (aging off)."""
    model = healthy_human_model(Covariates(age, sex, 70.0, 175.0), aging=False)
    r = Simulation(model).run(200.0, output_every_days=50.0)
    return r.observable("hemoglobin_g_per_dL"), r.observable("platelets_1e9_per_L")


@pytest.mark.parametrize("age, sex", [(35.0, "male"), (80.0, "male"), (80.0, "female")])
def test_the_steady_state_is_held_at_the_set_point_of_its_age(age, sex):
    params = healthy_adult_parameters()
    hb, plt = _counts(age, sex)
    rbc = params.value(f"rbc_setpoint_{sex}_1e12_per_L")
    hb_rate = params.value(f"rbc_setpoint_age_decline_{sex}_per_year")
    expected_hb = rbc * params.value("mean_cell_hemoglobin_pg") / 10.0 * set_point_age_factor(hb_rate, age)
    expected_plt = params.value("platelet_setpoint_1e9_per_L") * set_point_age_factor(
        params.value("platelet_setpoint_age_decline_per_year"), age)
    np.testing.assert_allclose(hb, expected_hb, rtol=1e-6)
    np.testing.assert_allclose(plt, expected_plt, rtol=1e-6)
    if age == REFERENCE_ADULT.age_years:  # the reference man is untouched
        assert expected_hb == pytest.approx(15.6) and expected_plt == pytest.approx(275.0)
    else:
        assert plt[-1] < 275.0 * 0.95


def test_the_fit_script_recovers_the_parameter_values_and_intervals(fit_script):
    params = healthy_adult_parameters()
    fits = fit_script.fit()
    for key, name in RATES.items():
        record = params[name]
        assert isinstance(record.provenance, Fitted) and record.provenance.data == ("docs/agetrend_data.csv",)
        assert record.value == pytest.approx(fits[key].rate_per_year, abs=5e-5)
        lo, hi = fits[key].interval
        assert f"[{lo:.5f}, {hi:.5f}]" in record.provenance.interval
        if record.plausible_range is not None:
            assert (record.plausible_range.low, record.plausible_range.high) == pytest.approx((lo, hi), abs=5e-6)
        assert lo <= fits[key].rate_per_year <= hi


def test_the_fit_reads_a_known_contrast_exactly(fit_script):
    """A class contrast built from a known rate is recovered: platelet percentiles of the old class scaled by
    exp(-k (E_old - E_young)) give k back."""
    rows = fit_script.read_rows()
    k = 0.004
    d = fit_script.exposure_years(65.0, 90.0) - fit_script.exposure_years(15.0, 64.0)
    scaled = [r if not (r.quantity == "platelets" and r.age_low == 65.0)
              else fit_script.Row(r.quantity, r.sex, r.age_low, r.age_high, r.open_class, r.statistic,
                                  next(y.value for y in rows if y.quantity == r.quantity and y.sex == r.sex
                                       and y.age_low == 15.0 and y.statistic == r.statistic) * np.exp(-k * d))
              for r in rows]
    assert fit_script.fit(scaled)["platelets"].rate_per_year == pytest.approx(k, rel=1e-9)
    assert fit_script.exposure_years(20.0, 30.0) == 0.0
    assert fit_script.exposure_years(35.0, 45.0) == pytest.approx(5.0)
    assert fit_script.exposure_years(25.0, 45.0) == pytest.approx(2.5)


def test_a_cohort_gives_each_patient_the_set_point_of_its_age_and_sex():
    params = healthy_adult_parameters()
    cov = Covariates(np.array([35.0, 80.0, 80.0]), np.array(["male", "male", "female"]),
                     np.array([70.0, 70.0, 70.0]), np.array([175.0, 175.0, 175.0]))
    r = Simulation(healthy_human_model(cov, aging=False).compile()).run(2.0, 1.0)
    f_plt = set_point_age_factor(params.value("platelet_setpoint_age_decline_per_year"), 80.0)
    f_hb = set_point_age_factor(params.value("rbc_setpoint_age_decline_male_per_year"), 80.0)
    np.testing.assert_allclose(r.observable("platelets_1e9_per_L")[:, 0], [275.0, 275.0 * f_plt, 275.0 * f_plt],
                               rtol=1e-9)
    np.testing.assert_allclose(r.observable("hemoglobin_g_per_dL")[:, 0], [15.6, 15.6 * f_hb, 13.8], rtol=1e-9)
