"""The erythroid feedback strength: fitted to Falz 2014's haemoglobin-mass course, read on the human EPO-Hb relation
(sets/epo_hb_response.py), and the timing of the marrow's answer to a blood loss (docs/model.md, "Timing of the
erythroid answer to a donation")."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from hemasim.biology.builder import homeostatic_feedback
from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.sets.epo_hb_response import (
    EPO_LOG10_PER_G_DL,
    GAIN_FIT_INTERVAL,
    PRODUCTION_EPO_ELASTICITY,
    SYMEONIDIS_2016,
)

FIT_REPORT = Path(__file__).resolve().parents[1] / "docs" / "images" / "erythroid_gain_fit.json"


def _progenitor_output_fold(params, red_cell_fraction: float) -> float:
    """Output of the erythroid progenitor pool, relative to baseline, at a red-cell count of ``red_cell_fraction``
    of the set point (amplification 1/(1 - r g), g the Hill-ratio feedback)."""
    r = params.value("progenitor_baseline_self_renewal_ratio")
    fb = homeostatic_feedback("epo_like", "red_cells", 1.0, params.value("erythroid_production_max_fold"),
                              params.value("erythroid_feedback_log_slope"), r, ())
    ref, c, n = fb.params
    g = (1.0 + c) / (1.0 + c * (red_cell_fraction / ref) ** n)
    return (1.0 - r) / (1.0 - r * g)


def test_the_log_slope_is_the_fit_and_reads_as_an_elasticity_on_the_epo_hb_relation():
    p = healthy_adult_parameters()
    fit = json.loads(FIT_REPORT.read_text(encoding="utf-8"))["rule"]
    assert fit["adopt"] and fit["free"] == ["gain"]
    assert p.value("erythroid_feedback_log_slope") == pytest.approx(fit["estimate"]["erythroid_feedback_log_slope"],
                                                                    abs=0.005)
    assert p.value("erythroid_progenitor_exit_rate_per_day") == fit["estimate"]["erythroid_progenitor_exit_rate_per_day"]
    low, high = fit["profiles"]["gain"]["ci"]
    assert GAIN_FIT_INTERVAL == pytest.approx((low, high), abs=0.005)
    hb0 = (p.value("rbc_setpoint_male_1e12_per_L") + p.value("rbc_setpoint_female_1e12_per_L")) / 2.0 \
        * p.value("mean_cell_hemoglobin_pg") / 10.0
    on_the_line = EPO_LOG10_PER_G_DL * math.log(10) * hb0  # output proportional to EPO would give 4.43
    assert p.value("erythroid_feedback_log_slope") == pytest.approx(PRODUCTION_EPO_ELASTICITY * on_the_line, rel=1e-12)
    assert 0.5 < PRODUCTION_EPO_ELASTICITY < 1.0
    assert SYMEONIDIS_2016.doi == "10.4236/jbise.2016.910042"


def test_a_small_hb_deficit_raises_output_as_epo_to_the_fitted_elasticity():
    """A 1 % red-cell deficit (0.147 g/dL at the 14.7 g/dL set point) raises EPO by 10**(0.131 x 0.147) = 1.0453
    (Symeonidis 2016); the progenitor output rises by that fold to the power of the elasticity (to first order)."""
    p = healthy_adult_parameters()
    hb_deficit = 0.01 * 14.7
    epo_fold = 10.0 ** (EPO_LOG10_PER_G_DL * hb_deficit)
    assert _progenitor_output_fold(p, 0.99) == pytest.approx(epo_fold ** PRODUCTION_EPO_ELASTICITY, rel=0.01)
    assert _progenitor_output_fold(p, 0.99) < epo_fold
    assert _progenitor_output_fold(p, 1.0) == pytest.approx(1.0, rel=1e-12)  # healthy steady state unchanged


def test_the_marrow_answers_a_blood_loss_within_days():
    """After losing 9% of the red cells the release of red cells into the blood is 10% up within 5 days and peaks
    within two weeks (reticulocytes rise in 3-5 days; Perez-Ruixo 2008: release peaks 7-8 days after an EPO dose;
    main's 7-day pool until branch donation: +10% on day 9.5, peak on day 28)."""
    import hemasim as hs
    from hemasim.scenario import parse_scenario

    def release(parameters: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
        r = hs.run_scenario(parse_scenario({
            "name": "red-cell loss", "patient": {"age_years": 30, "sex": "male", "weight_kg": 75, "height_cm": 180},
            "duration_days": 45, "aging": False, "output": {"every_days": 0.5}, "parameters": parameters,
            "interventions": [{"kind": "cell_depletion", "day": 5, "groups": ["erythroid"],
                               "except_groups": ["marrow"], "surviving_fraction": 0.91}]}))
        flow = r.flux("erythroid_maturing_3_out")
        return r.times - 5.0, flow / flow[r.times < 5.0][-1]

    days, shipped = release({})
    assert shipped[np.searchsorted(days, 5.0)] > 1.10
    assert days[int(np.argmax(shipped))] < 14.0
    days, slow = release({"erythroid_progenitor_exit_rate_per_day": 1.0 / 7.0})  # the old assumed pool fails both
    assert slow[np.searchsorted(days, 5.0)] < 1.10
    assert days[int(np.argmax(slow))] > 14.0


def test_strong_anaemia_saturates_at_the_max_fold():
    p = healthy_adult_parameters()
    assert _progenitor_output_fold(p, 0.5) < p.value("erythroid_production_max_fold")
    assert _progenitor_output_fold(p, 1e-6) == pytest.approx(p.value("erythroid_production_max_fold"), rel=1e-6)
