"""The erythroid feedback strength follows the human EPO-Hb relation (sets/epo_hb_response.py)."""

import math

import pytest

from hemasim.biology.builder import homeostatic_feedback
from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.sets.epo_hb_response import EPO_LOG10_PER_G_DL, PRODUCTION_EPO_ELASTICITY, SYMEONIDIS_2016


def _progenitor_output_fold(params, red_cell_fraction: float) -> float:
    """Output of the erythroid progenitor pool, relative to baseline, at a red-cell count of ``red_cell_fraction``
    of the set point (amplification 1/(1 - r g), g the Hill-ratio feedback)."""
    r = params.value("progenitor_baseline_self_renewal_ratio")
    fb = homeostatic_feedback("epo_like", "red_cells", 1.0, params.value("erythroid_production_max_fold"),
                              params.value("erythroid_feedback_log_slope"), r, ())
    ref, c, n = fb.params
    g = (1.0 + c) / (1.0 + c * (red_cell_fraction / ref) ** n)
    return (1.0 - r) / (1.0 - r * g)


def test_the_log_slope_is_derived_from_the_epo_hb_relation_and_the_set_point_hb():
    p = healthy_adult_parameters()
    hb0 = (p.value("rbc_setpoint_male_1e12_per_L") + p.value("rbc_setpoint_female_1e12_per_L")) / 2.0 \
        * p.value("mean_cell_hemoglobin_pg") / 10.0
    expected = PRODUCTION_EPO_ELASTICITY * EPO_LOG10_PER_G_DL * math.log(10) * hb0
    assert p.value("erythroid_feedback_log_slope") == pytest.approx(expected, rel=1e-12)
    assert expected == pytest.approx(4.43, abs=0.01)
    assert SYMEONIDIS_2016.doi == "10.4236/jbise.2016.910042"


def test_a_small_hb_deficit_raises_output_as_much_as_epo_rises():
    """A 1 % red-cell deficit (0.147 g/dL at the 14.7 g/dL set point) raises EPO by 10**(0.131 x 0.147) = 1.0453
    (Symeonidis 2016); with output proportional to EPO the progenitor output rises as much (to first order)."""
    p = healthy_adult_parameters()
    hb_deficit = 0.01 * 14.7
    epo_fold = 10.0 ** (EPO_LOG10_PER_G_DL * hb_deficit)
    assert _progenitor_output_fold(p, 0.99) == pytest.approx(epo_fold, rel=0.01)
    assert _progenitor_output_fold(p, 1.0) == pytest.approx(1.0, rel=1e-12)  # healthy steady state unchanged


def test_strong_anaemia_saturates_at_the_max_fold():
    p = healthy_adult_parameters()
    assert _progenitor_output_fold(p, 0.5) < p.value("erythroid_production_max_fold")
    assert _progenitor_output_fold(p, 1e-6) == pytest.approx(p.value("erythroid_production_max_fold"), rel=1e-6)
