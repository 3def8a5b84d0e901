"""The joint fit of the neutrophil lineage's structure and the docetaxel kill (hemasim.inference.docetaxel)."""

import json
from pathlib import Path

import numpy as np
import pytest

from hemasim.inference.docetaxel import (
    EMERGENCE_HOURS,
    LR_STEP_95,
    adopted_structure,
    emergence_term,
    kloft_typical_course,
)
from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import Calibrated, Fitted
from hemasim.pharmacology import load_drug_set

FIT = Path(__file__).resolve().parents[1] / "docs" / "images" / "chemo_fit.json"
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
    adopted = fit["adopted"]
    table = healthy_adult_parameters()
    assert table.value("neutrophil_maturation_stages") == adopted["stages"]
    assert table.value("neutrophil_precursor_divisions") == adopted["divisions"]
    assert table.value("neutrophil_mitotic_transit_days") == pytest.approx(adopted["estimates"]["mitotic_days"],
                                                                           rel=1e-3)
    for name in STRUCTURE:
        prov = table[name].provenance
        assert isinstance(prov, Calibrated) and prov.targets == ("C9",), name
    ds = load_drug_set("docetaxel_kloft2006")
    path = "effects.0.full_model.slope_L_per_umol"
    slope = ds.parameter(path, ds.get(path), "L/umol", "slope")
    assert slope.value == pytest.approx(adopted["estimates"]["slope"], rel=1e-3)
    assert isinstance(slope.provenance, Fitted) and "hemasim.inference.docetaxel" in slope.provenance.problem
    lo, hi = adopted["ci95"]["mitotic_days"]
    assert lo < adopted["estimates"]["mitotic_days"] < hi
