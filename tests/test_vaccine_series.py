"""The vaccine read-outs of a series after a kill of memory B cells (issue 17 item 7; branches vaccine36, mend36a): the
relative response compares the rise of IgG over the series with a healthy adult's given the same doses and the
patient's own kills of that antigen's memory B cells (read from the run), so a full kill reads as a new primary
series, none as a booster and a partial one in between; the fold-rise reads IgG over its level at the series' first
dose, with none where there was no IgG to rise over."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hemasim.assembly import run_scenario
from hemasim.endpoints import evaluate_endpoints
from hemasim.interventions.vaccine import (
    FOLD_RISE_FLOOR_SHARE,
    NO_FOLD_RISE,
    SERIES_RESTART_SHARE,
    SEROCONVERSION_FOLD_RISE,
    memory_kills,
    reference_igg_day28,
    series_doses,
    vaccine_endpoint_values,
)
from hemasim.scenario import parse_scenario

PRIOR = {"kind": "vaccine", "day": 0, "antigen": "tetanus"}
CONDITIONING = [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 60},
                {"kind": "transplant", "day": 66, "source": "peripheral_blood", "cd34_per_kg": 5.0e6}]
REVACCINATION = {"kind": "vaccine", "day": 66 + 183, "antigen": "tetanus"}  # month 6 after the graft
PATIENT = {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178}


def test_the_series_is_the_doses_after_the_last_kill_before_the_last_dose():
    doses = ((0.0, 1.0), (30.0, 1.0), (200.0, 1.0), (230.0, 1.0))
    assert series_doses(doses, []) == doses
    assert series_doses(doses, [66.0]) == ((200.0, 1.0), (230.0, 1.0))
    assert series_doses(doses, [40.0, 66.0, 215.0]) == ((230.0, 1.0),)  # the last kill before the last dose
    assert series_doses(doses, [300.0]) == doses  # a kill after the last dose: every dose
    assert series_doses(doses, [200.0]) == ((200.0, 1.0), (230.0, 1.0))  # a dose on the kill's day comes after it


def test_a_kill_is_a_fall_of_the_memory_b_cells_read_from_the_run():
    times = np.arange(0.0, 10.0)
    memory = np.array([[0.0, 0.0, 1.0, 2.0, 2.0, 1.0, 1.0, 0.1, 0.1, 0.1],   # grown, then halved, then cut to a tenth
                       [0.0, 0.0, 1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0],   # no kill
                       [0.0] * 10])                                          # no memory: nothing to kill
    kills = memory_kills(times, memory, 8.0)  # (day, memory B left, plasmablasts left: the same without windows)
    assert kills[0] == ((5.0, 0.5, 0.5), (7.0, 0.1, 0.1)) and kills[1] == () and kills[2] == ()
    assert memory_kills(times, memory, 6.0)[0] == ((5.0, 0.5, 0.5),)  # a kill after the read-out day is not read


def _tetanus(interventions: list[dict], duration: float | None = None) -> dict[str, float | None]:
    last = max(iv["day"] for iv in interventions if iv["kind"] == "vaccine")
    s = parse_scenario({"name": "x", "duration_days": duration or last + 29, "aging": False, "patient": PATIENT,
                        "interventions": interventions})
    return {e.name: e.value for e in evaluate_endpoints(run_scenario(s)) if e.name.startswith("tetanus_")}


BOOSTER = [PRIOR, {"kind": "vaccine", "day": 400, "antigen": "tetanus"}]


@pytest.mark.slow  # five runs of 429 days
def test_a_partial_kill_is_neither_a_new_series_nor_a_booster_and_a_depletion_counts():
    """review36a's table: tetanus on days 0 and 400, a hit on day 200. The reset was by kind: 0.5 Gy (66% of the
    memory B cells left) was read as a new series (relative response 5.01), a B-cell depletion to 1% as none (0.157,
    a non-responder against a healthy booster), an autologous graft without conditioning (every memory B cell left)
    as a new series (6.84). Each is now compared with a healthy adult given the same hit."""
    booster = _tetanus(BOOSTER)
    half = _tetanus([*BOOSTER, {"kind": "radiation", "total_dose_Gy": 0.5, "start_day": 200}])
    two = _tetanus([*BOOSTER, {"kind": "radiation", "total_dose_Gy": 2.0, "start_day": 200}])
    depleted = _tetanus([*BOOSTER, {"kind": "cell_depletion", "day": 200, "groups": ["b_cell"],
                                    "surviving_fraction": 0.01}])
    graft = _tetanus([*BOOSTER, {"kind": "transplant", "day": 200, "source": "peripheral_blood",
                                 "cd34_per_kg": 5.0e6, "donor": "autologous"}])
    primary, boosted = reference_igg_day28("tetanus", ((400.0, 1.0),)), reference_igg_day28("tetanus", ((0.0, 1.0),
                                                                                                        (400.0, 1.0)))
    # a graft kills no memory B cell: a booster, read as one (its extra B cells help a little)
    assert graft["tetanus_relative_response"] == pytest.approx(booster["tetanus_relative_response"], rel=0.01)
    assert graft["tetanus_fold_rise"] is None  # no kill read: the series is both doses
    assert 0.7 < booster["tetanus_relative_response"] < 1.3
    for hit, left in ((half, 0.66), (two, 0.19), (depleted, 0.01)):
        restarted = left < SERIES_RESTART_SHARE
        rel = hit["tetanus_relative_response"]
        # the patient's IgG is lower than a booster's and higher than a primary's, and so is the reference's: the
        # relative response neither reads the booster's shortfall (< 0.25 for the depletion) nor a primary's excess
        assert primary < hit["tetanus_igg_day28_au"] < boosted, left
        assert 0.5 < rel < 1.3, left
        assert hit["tetanus_igg_day28_au"] / primary > rel and hit["tetanus_igg_day28_au"] / boosted < rel, left
        assert hit["tetanus_responder"] == 1.0
        # a hit that left under SERIES_RESTART_SHARE begins a new series: the fold-rise reads over the IgG the first
        # dose left; one that left more (0.5 Gy) does not: the series is both doses, with no IgG before the first
        assert (hit["tetanus_fold_rise"] is not None and hit["tetanus_fold_rise"] > 1.0) == restarted, left
    assert booster["tetanus_fold_rise"] is None  # no kill: the series starts on day 0, with no IgG then


@pytest.mark.slow  # three transplant runs
def test_a_revaccinated_patient_is_compared_by_the_rise_not_by_the_antibody_left_from_before():
    """review36a: two doses before the graft and one at month 6 read 36.1 AU of which 31.7 were left from before, a
    relative response 1.24 ("responder") for a rise of 0.15 of a healthy adult's. The rise is now compared with the
    reference adult's given the same doses and the same kill: as a never-vaccinated patient's, not more."""
    twice = _tetanus([PRIOR, {**PRIOR, "day": 30}, *CONDITIONING, REVACCINATION])
    never = _tetanus([*CONDITIONING, REVACCINATION])
    once = _tetanus([PRIOR, *CONDITIONING, REVACCINATION])
    one_dose = ((REVACCINATION["day"], 1.0),)
    # a first exposure: no IgG before, the reference a healthy adult's one dose, as before
    assert never["tetanus_relative_response"] == pytest.approx(
        never["tetanus_igg_day28_au"] / reference_igg_day28("tetanus", one_dose), rel=1e-9)
    for earlier in (once, twice):
        assert earlier["tetanus_relative_response"] == pytest.approx(never["tetanus_relative_response"], rel=0.15)
        assert earlier["tetanus_responder"] == never["tetanus_responder"]
        assert earlier["tetanus_igg_day28_au"] > never["tetanus_igg_day28_au"]  # the antibody left from before
    # the fold-rise is over the pre-transplant antibody left at the revaccination; a first exposure has none
    assert 1.0 < twice["tetanus_fold_rise"] < SEROCONVERSION_FOLD_RISE and twice["tetanus_fold_rise_responder"] == 0.0
    assert never["tetanus_fold_rise"] is None and never["tetanus_fold_rise_responder"] is None


def test_the_fold_rise_reads_over_the_series_first_dose_and_not_below_the_floor():
    times = np.arange(0.0, 61.0)
    ref1 = reference_igg_day28("tetanus", ((0.0, 1.0),))
    pre = np.array([0.0, 0.5 * FOLD_RISE_FLOOR_SHARE * ref1, 2.0 * FOLD_RISE_FLOOR_SHARE * ref1, 5.0])
    igg = np.repeat(pre[:, None], times.size, axis=1)
    igg[:, 40:] = pre[:, None] + 3.0 * FOLD_RISE_FLOOR_SHARE * ref1 + np.array([0.0, 0.0, 0.0, 20.0])[:, None]
    memory = np.zeros_like(igg)
    memory[:, 5:] = 1.0
    memory[:, 20:] = 1e-6  # a kill on day 20: the series is the dose on day 30
    obs = {"tetanus_igg_au": igg, "tetanus_plasmablasts_au": np.zeros_like(igg), "tetanus_memory_b_au": memory}
    schedule = ((2.0, 1.0), (30.0, 1.0))
    with np.errstate(all="raise"):  # no division by a pre-series IgG of 0, silent or not
        columns = vaccine_endpoint_values(times, obs, {"tetanus": schedule})
    cols = {c.name: c.values for c in columns}
    fold, d28 = cols["tetanus_fold_rise"], cols["tetanus_igg_day28_au"]
    assert np.isnan(fold[:2]).all()  # no IgG, and IgG under the floor: no fold-rise
    assert fold[2:] == pytest.approx(d28[2:] / pre[2:])
    flag = cols["tetanus_fold_rise_responder"]
    assert np.isnan(flag[:2]).all() and list(flag[2:]) == [float(f >= SEROCONVERSION_FOLD_RISE) for f in fold[2:]]
    assert list(flag[2:]) == [0.0, 1.0]  # 5x the floor over 2x it (2.5-fold), 5 AU to over 25 (more than 4-fold)
    # the reference: the same doses with the same kill, its rise from day 30 (a healthy adult's: 0 IgG there)
    from hemasim.interventions.vaccine import _reference_igg
    rt, rg = _reference_igg("tetanus", schedule, (), ((20.0, 1e-6, 1e-6),))
    ref_rise = rg[-1] - rg[np.searchsorted(rt, 30.0 + 1e-9) - 1]
    assert cols["tetanus_relative_response"] == pytest.approx((d28 - pre) / ref_rise)
    # why a fold-rise is missing travels with the column (endpoints.json, the report, the cohort summary)
    assert {c.name: c.missing for c in columns}["tetanus_fold_rise_responder"] == NO_FOLD_RISE


def test_a_cohort_gives_the_seroconversion_share_of_the_patients_a_fold_rise_is_defined_for_and_says_so():
    from hemasim.cohort.runner import _Column, _summary_row
    from hemasim.report.key_results import _cohort_value

    flag = _Column("tetanus_fold_rise_responder", "flag", "d", NO_FOLD_RISE)
    row = _summary_row(flag, pd.DataFrame({flag.name: [1.0, 0.0, np.nan, 1.0]}))
    assert row["fraction_reaching"] == pytest.approx(2 / 3) and row["n"] == 4 and row["n_with_value"] == 3
    assert row["missing"] is None and row["no_value_note"] == NO_FOLD_RISE
    text = _cohort_value(row)
    assert text.startswith("66.7% of the 3 patients with a value (of 4; the other 1: none: no IgG") , text
    none = _summary_row(flag, pd.DataFrame({flag.name: [np.nan, np.nan]}))
    assert none["fraction_reaching"] is None and _cohort_value(none) == NO_FOLD_RISE
    # the fold-rise itself: its share is of every patient (those with a value), said as before
    fold = _Column("tetanus_fold_rise", "1", "d", NO_FOLD_RISE)
    from hemasim.report.key_results import flag_denominator_text
    assert flag_denominator_text(_summary_row(fold, pd.DataFrame({fold.name: [5.0, np.nan]}))) == "of patients"
    whole = _summary_row(flag, pd.DataFrame({flag.name: [1.0, 0.0]}))
    assert _cohort_value(whole) == "50% of patients" and whole["n_with_value"] == 2


def test_the_key_results_name_a_fold_rise_responder_once_and_say_why_it_has_no_value():
    from hemasim.endpoints import EndpointValue
    from hemasim.report.html import endpoint_text
    from hemasim.report.key_results import key_results_html

    none = EndpointValue("tetanus_fold_rise_responder", None, "flag", "d", NO_FOLD_RISE)
    html = key_results_html({"a": [none, EndpointValue("tetanus_responder", 1.0, "flag", "d")]})
    assert "tetanus: seroconversion" in html and "tetanus fold rise" not in html
    assert "none: no IgG at the series&#x27; first dose" in html or "none: no IgG at the series' first dose" in html
    # the same words in the endpoint table and endpoints.json (they said "not reached")
    assert endpoint_text(none) == NO_FOLD_RISE and none.to_json()["note"] == NO_FOLD_RISE


def test_the_igg_before_the_series_is_read_before_a_dose_given_between_outputs():
    """A dose on day 30.5 with daily outputs: the IgG before it is day 30's, not a value halfway to day 31's, which
    the dose has already raised (a never-exposed patient read a fold-rise of thousands)."""
    times = np.arange(0.0, 61.0)
    igg = np.where(times >= 31.0, 50.0, 0.0)[None, :]
    obs = {"tetanus_igg_au": igg, "tetanus_plasmablasts_au": np.zeros_like(igg)}
    cols = {c.name: c.values for c in vaccine_endpoint_values(times, obs, {"tetanus": ((30.5, 1.0),)})}
    assert np.isnan(cols["tetanus_fold_rise"][0]) and np.isnan(cols["tetanus_fold_rise_responder"][0])


@pytest.mark.slow  # a 20-patient cohort of the example's own length, with its report
def test_the_influenza_vaccine_cohort_writes_its_summary_and_report(tmp_path):
    """review36a: every vaccine cohort with a first exposure failed at its report (the fold-rise responder's share
    was None, then float(None)); the cohort tests stopped at day 30 or wrote no report."""
    from hemasim._examples import examples_folder
    from hemasim.cohort.runner import run_cohort
    from hemasim.scenario import load_scenario

    scenario = load_scenario(examples_folder() / "cohort_influenza_vaccine.yaml")
    summary = run_cohort(scenario, 20, tmp_path, progress=False, report=True)
    assert summary is not None
    rows = {r["endpoint"]: r for r in summary["endpoints"]}
    assert rows["influenza_fold_rise_responder"]["missing"] == NO_FOLD_RISE  # a first exposure: none has one
    assert rows["influenza_responder"]["fraction_reaching"] is not None
    page = (tmp_path / "report.html").read_text()
    assert "none: no IgG at the series" in page and "seroconversion" in page
