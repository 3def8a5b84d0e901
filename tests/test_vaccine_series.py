"""The vaccine read-outs of a series after a transplant (issue 17 item 7; branch vaccine36): the relative response's
reference is a healthy adult given the series after the last conditioning or graft, not the doses before it, and the
fold-rise reads IgG over its level at the series' first dose, with none where there was no IgG to rise over."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hemasim.assembly import run_scenario
from hemasim.endpoints import evaluate_endpoints
from hemasim.interventions.vaccine import (
    FOLD_RISE_FLOOR_SHARE,
    SEROCONVERSION_FOLD_RISE,
    reference_igg_day28,
    series_doses,
    vaccine_endpoint_values,
)
from hemasim.scenario import parse_scenario

PRIOR = {"kind": "vaccine", "day": 0, "antigen": "tetanus"}
CONDITIONING = [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 60},
                {"kind": "transplant", "day": 66, "source": "peripheral_blood", "cd34_per_kg": 5.0e6}]
REVACCINATION = {"kind": "vaccine", "day": 66 + 183, "antigen": "tetanus"}  # month 6 after the graft


def test_the_series_is_the_doses_after_the_last_reset_before_the_last_dose():
    doses = ((0.0, 1.0), (30.0, 1.0), (200.0, 1.0), (230.0, 1.0))
    assert series_doses(doses, []) == doses
    assert series_doses(doses, [66.0]) == ((200.0, 1.0), (230.0, 1.0))
    assert series_doses(doses, [40.0, 66.0, 215.0]) == ((230.0, 1.0),)  # the last reset before the last dose
    assert series_doses(doses, [300.0]) == doses  # a conditioning after the last dose: every dose (plausibility warns)
    assert series_doses(doses, [200.0]) == ((200.0, 1.0), (230.0, 1.0))  # a dose on the reset's day belongs to it


def _tetanus(interventions: list[dict]) -> dict[str, float | None]:
    s = parse_scenario({"name": "x", "duration_days": REVACCINATION["day"] + 29, "aging": False,
                        "patient": {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178},
                        "interventions": interventions})
    return {e.name: e.value for e in evaluate_endpoints(run_scenario(s)) if e.name.startswith("tetanus_")}


@pytest.mark.slow  # two transplant runs
def test_a_revaccinated_patient_is_not_penalised_by_his_own_earlier_doses():
    revaccinated = _tetanus([PRIOR, *CONDITIONING, REVACCINATION])
    never = _tetanus([*CONDITIONING, REVACCINATION])
    one_dose = ((REVACCINATION["day"], 1.0),)
    # the never-vaccinated patient's reference is the one dose, as before; the revaccinated one's the same dose, not a
    # booster after two: his IgG is the never-vaccinated one's plus what is left of the first dose's
    assert never["tetanus_relative_response"] == pytest.approx(
        never["tetanus_igg_day28_au"] / reference_igg_day28("tetanus", one_dose), rel=1e-9)
    assert revaccinated["tetanus_relative_response"] == pytest.approx(
        revaccinated["tetanus_igg_day28_au"] / reference_igg_day28("tetanus", one_dose), rel=1e-9)
    assert revaccinated["tetanus_relative_response"] >= never["tetanus_relative_response"]
    booster = reference_igg_day28("tetanus", ((0.0, 1.0), *one_dose))
    assert revaccinated["tetanus_igg_day28_au"] / booster < 0.5 * revaccinated["tetanus_relative_response"]
    # the fold-rise is over the pre-transplant antibody left at the revaccination; a first exposure has none
    assert 1.0 < revaccinated["tetanus_fold_rise"] < revaccinated["tetanus_igg_day28_au"]
    assert revaccinated["tetanus_fold_rise_responder"] == float(revaccinated["tetanus_fold_rise"] >= 4.0)
    assert never["tetanus_fold_rise"] is None and never["tetanus_fold_rise_responder"] is None


def test_the_fold_rise_reads_over_the_series_first_dose_and_not_below_the_floor():
    times = np.arange(0.0, 61.0)
    ref1 = reference_igg_day28("tetanus", ((0.0, 1.0),))
    pre = np.array([0.0, 0.5 * FOLD_RISE_FLOOR_SHARE * ref1, 2.0 * FOLD_RISE_FLOOR_SHARE * ref1, 5.0])
    igg = np.repeat(pre[:, None], times.size, axis=1)
    igg[:, 40:] = pre[:, None] + 3.0 * FOLD_RISE_FLOOR_SHARE * ref1 + np.array([0.0, 0.0, 0.0, 20.0])[:, None]
    obs = {"tetanus_igg_au": igg, "tetanus_plasmablasts_au": np.zeros_like(igg)}
    schedule, series = ((2.0, 1.0), (30.0, 1.0)), ((30.0, 1.0),)
    with np.errstate(all="raise"):  # no division by a pre-series IgG of 0, silent or not
        cols = {c.name: c.values for c in vaccine_endpoint_values(times, obs, {"tetanus": schedule},
                                                                  series={"tetanus": series})}
    fold, d28 = cols["tetanus_fold_rise"], cols["tetanus_igg_day28_au"]
    assert np.isnan(fold[:2]).all()  # no IgG, and IgG under the floor: no fold-rise
    assert fold[2:] == pytest.approx(d28[2:] / pre[2:])
    flag = cols["tetanus_fold_rise_responder"]
    assert np.isnan(flag[:2]).all() and list(flag[2:]) == [float(f >= SEROCONVERSION_FOLD_RISE) for f in fold[2:]]
    assert list(flag[2:]) == [0.0, 1.0]  # 5x the floor over 2x it (2.5-fold), 5 AU to over 25 (more than 4-fold)
    # the reference is the series' (one dose on day 30), not the schedule's (a booster)
    assert cols["tetanus_relative_response"] == pytest.approx(d28 / reference_igg_day28("tetanus", series))


def test_a_cohort_gives_the_seroconversion_share_of_the_patients_a_fold_rise_is_defined_for():
    from hemasim.cohort.runner import _Column, _summary_row

    flag = _Column("tetanus_fold_rise_responder", "flag", "d")
    row = _summary_row(flag, pd.DataFrame({flag.name: [1.0, 0.0, np.nan, 1.0]}))
    assert row["fraction_reaching"] == pytest.approx(2 / 3) and row["n"] == 4
    assert _summary_row(flag, pd.DataFrame({flag.name: [np.nan, np.nan]}))["fraction_reaching"] is None


def test_the_key_results_name_a_fold_rise_responder_once_and_say_why_it_has_no_value():
    from hemasim.endpoints import EndpointValue
    from hemasim.report.key_results import key_results_html

    html = key_results_html({"a": [EndpointValue("tetanus_fold_rise_responder", None, "flag", "d"),
                                   EndpointValue("tetanus_responder", 1.0, "flag", "d")]})
    assert "tetanus: seroconversion" in html and "tetanus fold rise" not in html
    assert "none: no IgG at the series&#x27; first dose" in html or "none: no IgG at the series' first dose" in html


def test_the_igg_before_the_series_is_read_before_a_dose_given_between_outputs():
    """A dose on day 30.5 with daily outputs: the IgG before it is day 30's, not a value halfway to day 31's, which
    the dose has already raised (a never-exposed patient read a fold-rise of thousands)."""
    times = np.arange(0.0, 61.0)
    igg = np.where(times >= 31.0, 50.0, 0.0)[None, :]
    obs = {"tetanus_igg_au": igg, "tetanus_plasmablasts_au": np.zeros_like(igg)}
    cols = {c.name: c.values for c in vaccine_endpoint_values(times, obs, {"tetanus": ((30.5, 1.0),)})}
    assert np.isnan(cols["tetanus_fold_rise"][0]) and np.isnan(cols["tetanus_fold_rise_responder"][0])
