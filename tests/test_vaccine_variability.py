"""Between-patient variability of vaccine responses (docs/immunity.md, "Between-patient variability of vaccine
responses"): a log-normal factor on B-cell recruitment, drawn last for each cohort patient with the fitted SD
``vaccine_response_sd_log``; single runs keep the typical response."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hemasim.cohort import draw_patients, simulate_partition
from hemasim.cohort.sampling import VACCINE_RESPONSE
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import Patient, Population

from .conftest import EXAMPLES

PARAMS = healthy_adult_parameters()
BASE = Patient(age_years=50, sex="female", weight_kg=70, height_cm=165)
ROOT = Path(__file__).resolve().parents[1]


def _cohort(age_min: float, age_max: float) -> dict:
    data = yaml.safe_load((EXAMPLES / "cohort_influenza_vaccine.yaml").read_text())
    data["population"]["age_years"] = {"min": age_min, "max": age_max}
    data["duration_days"] = 36  # day 28 after the dose on day 7, and a day more
    return data


def test_the_factor_is_drawn_log_normal_with_the_declared_sd_and_median_one():
    vp = draw_patients(Population(age_years={"min": 20, "max": 90}), BASE, PARAMS, 0, 4000, 5)
    log_factor = np.log(vp.parameters[VACCINE_RESPONSE] / PARAMS.value(VACCINE_RESPONSE))
    sd = PARAMS.value("vaccine_response_sd_log")
    assert sd > 0.5  # the adopted fit (1.35); 0 would be no variability at all
    assert abs(float(np.mean(log_factor))) < 3 * sd / math.sqrt(4000)  # median: the typical value
    assert float(np.std(log_factor)) == pytest.approx(sd, rel=0.05)  # SE of an SD with n = 4000: about 1.1%


def test_without_variability_no_factor_is_drawn():
    vp = draw_patients(Population(age_years={"min": 20, "max": 90}, variability=False), BASE, PARAMS, 0, 10, 5)
    assert VACCINE_RESPONSE not in vp.parameters


def test_the_sd_is_the_committed_fit_of_the_young_adult_data():
    """The shipped value is what bench/vaccine_response_spread_fit.py computes (its result file) and passes the
    rule's bar: the young group's seroconversion fraction reproduced inside its 95% interval."""
    fit = json.loads((ROOT / "bench" / "results" / "vaccine_response_spread_fit.json").read_text())
    assert PARAMS.value("vaccine_response_sd_log") == pytest.approx(fit["vaccine_response_sd_log"], abs=1e-4)
    low, high = fit["observed_95pct_wilson"]
    assert low <= fit["predicted_young_seroconversion"] <= high

    from hemasim.validation.predictions_misc import INFLUENZA_YOUNG_FOLD_RISE
    assert INFLUENZA_YOUNG_FOLD_RISE == pytest.approx(fit["f_young"], abs=1e-4)


@pytest.mark.slow
def test_responses_follow_the_factor_and_responders_fall_with_age():
    """The same seed draws the same factors at 20-25 and at 85-90 years: each patient's relative response follows
    its factor (up to the antibody feedback at the largest responses), no age has 100% responders any more, and
    fewer respond at old age."""
    young = simulate_partition(_cohort(20, 25), 0, 0, 300, 9, None, False).endpoints
    old = simulate_partition(_cohort(85, 90), 0, 0, 300, 9, None, False).endpoints
    assert np.array_equal(young[f"param_{VACCINE_RESPONSE}"], old[f"param_{VACCINE_RESPONSE}"])
    factor = young[f"param_{VACCINE_RESPONSE}"].to_numpy() / PARAMS.value(VACCINE_RESPONSE)
    rel = young["influenza_relative_response"].to_numpy()
    small = factor < 2.0  # below the antibody feedback's reach (IgG well under its half-max, 300 AU)
    slope, _ = np.polyfit(np.log(factor[small]), np.log(rel[small]), 1)
    assert slope == pytest.approx(1.0, abs=0.05)  # the factor is the factor on the response
    large = factor > 5.0  # IgG of 150 AU and more: the antibody feedback (half-max 300 AU) caps the response
    assert np.median(rel[large] / factor[large]) < 0.85 * np.median(rel[small] / factor[small])
    share_young, share_old = young["influenza_responder"].mean(), old["influenza_responder"].mean()
    assert 0.5 < share_old < share_young < 1.0
    assert np.all(old["influenza_relative_response"].to_numpy() <= rel * 1.001)  # same factor, older: never more


@pytest.mark.slow
def test_a_seed_gives_the_same_patients_and_another_seed_other_ones():
    data = _cohort(20, 90)
    a = simulate_partition(data, 0, 0, 6, 21, None, False).endpoints
    b = simulate_partition(data, 0, 0, 6, 21, None, False).endpoints
    c = simulate_partition(data, 0, 0, 6, 22, None, False).endpoints
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert not np.array_equal(a[f"param_{VACCINE_RESPONSE}"], c[f"param_{VACCINE_RESPONSE}"])


def test_the_cohort_report_says_what_decides_a_vaccine_responder():
    from html import unescape

    from hemasim.report.html import render_cohort_report

    data = yaml.safe_load((EXAMPLES / "cohort_influenza_vaccine.yaml").read_text())
    report = unescape(render_cohort_report({"n_patients": 10, "endpoints": []}, b"", {"scenario": data}))
    assert "vaccine-response factor" in report and "P18" in report
    data["population"]["variability"] = False
    report = unescape(render_cohort_report({"n_patients": 10, "endpoints": []}, b"", {"scenario": data}))
    assert "responders are decided by those covariates alone" in report
    data["interventions"] = []
    report = unescape(render_cohort_report({"n_patients": 10, "endpoints": []}, b"", {"scenario": data}))
    assert "responder" not in report
