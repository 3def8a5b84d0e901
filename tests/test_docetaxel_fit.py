"""The joint fit of the neutrophil lineage's structure and the docetaxel kill (hemasim.inference.docetaxel)."""

import json
from pathlib import Path

import numpy as np
import pytest

from hemasim.inference.docetaxel import (
    EMERGENCE_HOURS,
    GCSF_FIT_STRUCTURE,
    HALF_LIFE_PRIOR_MEDIAN_DAYS,
    HALF_LIFE_PRIOR_SD_LOG,
    LR_STEP_95,
    QUARTINO_BETA,
    adopted_gcsf_fit,
    adopted_half_life_fit,
    adopted_structure,
    emergence_term,
    gcsf_problem,
    kloft_typical_course,
    quartino_typical_anc,
    quartino_typical_course,
)
from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import Calibrated, Fitted
from hemasim.pharmacology import load_drug_set

FIT = Path(__file__).resolve().parents[1] / "docs" / "images" / "chemo_fit.json"
GCSF_FIT = Path(__file__).resolve().parents[1] / "docs" / "images" / "chemo_gcsf_fit.json"
SLOPE_PATH = "effects.0.full_model.slope_L_per_umol"
STRUCTURE = ("neutrophil_maturation_stages", "neutrophil_precursor_divisions", "neutrophil_mitotic_transit_days")


def test_the_emergence_term_penalises_a_dispersed_post_mitotic_transit() -> None:
    hours = [emergence_term(k)[0] for k in (4, 12, 40, 320)]
    assert hours == sorted(hours)  # fewer stages: a wider Erlang, labelled cells appear earlier
    lo, hi = EMERGENCE_HOURS
    assert hours[0] < lo < hours[2] < hi  # 4 stages: labelled cells in blood after 2 days; 40: after 4.4 days
    assert emergence_term(4)[1] > 10 * emergence_term(40)[1]


def test_the_kloft_course_is_the_published_shape_on_the_full_model_baseline() -> None:
    course = kloft_typical_course()
    baseline = healthy_adult_parameters().value("anc_setpoint_1e9_per_L")
    assert course[0] < baseline and course[-1] > baseline  # falls from day 1, rebounds above it by day 21
    assert 7 <= int(np.argmin(course)) + 1 <= 9  # nadir on day 8-9 (Kloft: 8.5)
    assert course.min() == pytest.approx(0.19, abs=0.02)


def test_the_adoption_rule_takes_the_fewest_states_within_the_95_percent_step() -> None:
    grid = [{"stages": 320, "divisions": 8, "objective": 10.0}, {"stages": 40, "divisions": 6, "objective": 11.5},
            {"stages": 20, "divisions": 5, "objective": 10.0 + LR_STEP_95 + 0.01},
            {"stages": 40, "divisions": 5, "objective": 11.9}]
    assert adopted_structure(grid) == grid[3]


def test_the_adopted_structure_is_the_recorded_fit_and_names_its_calibration_target() -> None:
    fit = json.loads(FIT.read_text(encoding="utf-8"))
    gcsf = json.loads(GCSF_FIT.read_text(encoding="utf-8"))
    adopted = fit["adopted"]
    table = healthy_adult_parameters()
    assert table.value("neutrophil_maturation_stages") == adopted["stages"] == GCSF_FIT_STRUCTURE[0]
    assert table.value("neutrophil_precursor_divisions") == adopted["divisions"] == GCSF_FIT_STRUCTURE[1]
    # the mitotic transit and the slope were refitted with the G-CSF exponent at that structure
    g = gcsf["adopted"]
    assert table.value("neutrophil_mitotic_transit_days") == pytest.approx(g["mitotic_days"], rel=2e-3)
    for name in STRUCTURE:
        prov = table[name].provenance
        assert isinstance(prov, Calibrated) and prov.targets == ("C9",), name
    ds = load_drug_set("docetaxel_kloft2006")
    slope = ds.parameter(SLOPE_PATH, ds.get(SLOPE_PATH), "L/umol", "slope")
    assert slope.value == pytest.approx(g["slope"], rel=2e-3)
    assert isinstance(slope.provenance, Fitted) and "hemasim.inference.docetaxel" in slope.provenance.problem
    lo, hi = gcsf["joint"]["ci95"]["mitotic_days"]
    assert lo < g["mitotic_days"] < hi


def test_the_quartino_course_is_the_encoded_model_on_the_full_models_baseline() -> None:
    t = np.arange(0.0, 22.0, 0.5)
    assert np.allclose(quartino_typical_anc(t, dose_mg=0.0), 3.53, rtol=1e-6)  # at rest without a dose
    anc = quartino_typical_anc(t)
    assert 8.5 <= t[int(np.argmin(anc))] <= 9.5 and 0.3 < anc.min() < 0.4  # nadir 0.35e9/L on day 9 (docs)
    course = quartino_typical_course()  # days 1-21, a fraction of 3.53 times the full model's set point
    baseline = healthy_adult_parameters().value("anc_setpoint_1e9_per_L")
    assert course.min() / baseline == pytest.approx(anc.min() / 3.53, rel=0.05)
    assert int(np.argmin(course)) + 1 == 9


def _result(beta: float, ci: list[float | None]) -> dict[str, object]:
    return {"beta_bounds": [0.0, 1.0], "joint": {"estimates": {"slope": 13.0, "mitotic_days": 4.5, "beta": beta},
                                                 "ci95": {"beta": ci}, "objective": 90.0}}


def test_the_gcsf_adoption_rule() -> None:
    assert adopted_gcsf_fit(_result(0.2, [0.1, 0.3]))["beta"] == 0.2  # bounded: the estimate
    open_at_zero = adopted_gcsf_fit(_result(4e-4, [None, 0.05]))
    assert open_at_zero["beta"] == 0.0 and "lower bound" in open_at_zero["rule_case"]  # the bound
    assert adopted_gcsf_fit(_result(0.999_5, [0.6, None]))["beta"] == 1.0
    inside = adopted_gcsf_fit(_result(0.3, [None, 0.5]))  # open, optimum inside: still the estimate
    assert inside["beta"] == 0.3 and "non-identifiable" in inside["rule_case"]
    with pytest.raises(ValueError, match="courses"):
        gcsf_problem(("kloft", "friberg"))


@pytest.mark.slow
def test_the_gcsf_fit_objective_at_the_shipped_values() -> None:
    """The shipped slope, mitotic transit and exponent give the recorded optimum of the two-course fit, and
    Quartino's exponent with the same slope and transit is worse by more than the 95% step."""
    from hemasim.inference import Objective

    gcsf = json.loads(GCSF_FIT.read_text(encoding="utf-8"))
    table = healthy_adult_parameters()
    ds = load_drug_set("docetaxel_kloft2006")
    beta = table.value("neutrophil_transit_gcsf_exponent")
    assert beta == gcsf["adopted"]["beta"]
    obj = Objective(gcsf_problem())
    assert obj.names == ("slope", "mitotic_days", "beta")
    x = np.array([[np.log10(ds.get(SLOPE_PATH)),
                   np.log10(table.value("neutrophil_mitotic_transit_days")), b] for b in (beta, QUARTINO_BETA)])
    f = obj(x) + emergence_term(GCSF_FIT_STRUCTURE[0])[1]
    assert f[0] == pytest.approx(gcsf["joint"]["objective"], abs=0.05)
    assert f[1] > f[0] + LR_STEP_95
    assert gcsf["joint"]["ci95"]["beta"][1] < QUARTINO_BETA


def _half_life_result(joint: float, shipped: float, refit: float) -> dict[str, object]:
    est = {"slope": 9.0, "mitotic_days": 5.0, "half_life": 0.3}
    return {"joint": {"objective": joint, "estimates": est, "ci95": {"half_life": [None, 0.4]}},
            "current_shipped": {"objective": shipped}, "current_refit": {"objective": refit}}


def test_the_half_life_adoption_rule() -> None:
    """The committed rule (docs/chemotherapy_full_model.md, "The neutrophil blood half-life, fitted"): adopted only
    when the objective falls by more than the 95% step below the lower of the two references."""
    assert adopted_half_life_fit(_half_life_result(80.0, 90.0, 89.9))["adopt"]
    kept = adopted_half_life_fit(_half_life_result(88.0, 95.0, 89.9))  # 1.9 below the refit: not enough
    assert not kept["adopt"] and kept["objective_drop"] == pytest.approx(1.9) and "kept" in kept["rule_case"]
    # the rule's prior: the interval 0.33-1.94 d read as a log-normal 95% interval around 0.79 d
    lo, hi = (HALF_LIFE_PRIOR_MEDIAN_DAYS * np.exp(z * 1.959964 * HALF_LIFE_PRIOR_SD_LOG) for z in (-1, 1))
    assert lo == pytest.approx(0.33, abs=0.01) and hi == pytest.approx(1.94, abs=0.03)
