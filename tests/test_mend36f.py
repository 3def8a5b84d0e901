"""review36f's findings in mend36d's vaccine read-outs: the forced output days moved every other endpoint of a
vaccinee (they are held aside from the grid now), the series' restart share near the kills the model has, a dose
inside a kill window, the warning of a kill that leaves most memory B cells, a kill that straddles the read-out."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.endpoints import evaluate_endpoints
from hemasim.interventions.vaccine import (
    AFTER_DOSE_DAYS,
    SERIES_RESTART_SHARE,
    memory_kills,
    restart_days,
    scenario_kill_windows,
)
from hemasim.scenario import parse_scenario
from hemasim.scenario.plausibility import plausibility_warnings

PATIENT = {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178}
CY_TBI = {"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 10}
GRAFT = {"kind": "transplant", "day": 16, "source": "peripheral_blood", "cd34_per_kg": 5.0e6}


def V(day: float) -> dict:
    return {"kind": "vaccine", "day": day, "antigen": "tetanus"}


def _run(interventions: list[dict], every: float, duration: float = 120):
    s = parse_scenario({"name": "x", "duration_days": duration, "aging": False, "patient": PATIENT,
                        "output": {"every_days": every}, "interventions": interventions})
    return run_scenario(s)


@pytest.mark.parametrize("every", [5, 7])
def test_a_pre_graft_dose_leaves_every_other_endpoint_and_the_time_series_as_they_were(every):
    """review36f: 5-day outputs, Cy/TBI from day 10, a graft on day 16, tetanus on day 0 in one arm: the vaccinated
    arm's neutrophil engraftment read 14 (12 without the dose), days with ANC < 0.5 10 (8), the platelet nadir 4.93
    (6.19), the Hb maximum's day 12 (104): the forced output rows were in the grid every read-out reads."""
    plain = _run([CY_TBI, GRAFT], every)
    vaccinated = _run([V(0), CY_TBI, GRAFT], every)
    assert vaccinated.extra is not None and len(vaccinated.extra.times)  # the kill's days were output, aside
    np.testing.assert_array_equal(vaccinated.times, plain.times)
    a, b = plain.observables, vaccinated.observables
    shared = [c for c in a.columns if c in b.columns]
    np.testing.assert_allclose(b[shared].to_numpy(), a[shared].to_numpy(), rtol=1e-6, atol=1e-9)
    ends = {e.name: e.value for e in evaluate_endpoints(vaccinated)}
    for e in evaluate_endpoints(plain):
        got = ends[e.name]
        if e.value is None or got is None:
            assert got == e.value, e.name
        else:
            assert got == pytest.approx(e.value, rel=1e-6, abs=1e-9), e.name
    assert ends["tetanus_igg_day28_au"] is not None  # the vaccine read-outs still read


def test_a_dose_day_on_the_grid_of_a_single_run_is_no_extra_output():
    """A daily grid holds every forced day already: no extra outputs."""
    r = _run([V(0), CY_TBI, GRAFT], 1, duration=40)
    assert r.extra is None


def _tetanus(interventions: list[dict], duration: float):
    s = parse_scenario({"name": "x", "duration_days": duration, "aging": False,
                        "patient": {"age_years": 35, "sex": "male", "weight_kg": 75, "height_cm": 178},
                        "interventions": interventions})
    return s, {e.name: e for e in evaluate_endpoints(run_scenario(s)) if e.name.startswith("tetanus_")}


def _depletion(day: float, fraction: float) -> dict:
    return {"kind": "cell_depletion", "day": day, "groups": ["b_cell"], "surviving_fraction": fraction}


@pytest.mark.parametrize(("fraction", "restarts"), [(0.49, True), (0.51, False)])
def test_a_kill_near_the_restart_share_decides_where_the_fold_rise_is_read_from(fraction, restarts):
    """review36f: a B-cell depletion to 0.49 between doses on days 0 and 60 read a fold-rise of 9.26 (over the
    second dose), one to 0.50 none (over the first, with no IgG before it): the assumed share decides it, and the
    side of it a depletion is on is its own surviving fraction."""
    assert SERIES_RESTART_SHARE == 0.5
    s, ends = _tetanus([V(0), _depletion(30, fraction), V(60)], 100)
    windows = scenario_kill_windows(s.interventions)
    assert [w.share_left for w in windows] == [fraction]
    assert (ends["tetanus_fold_rise"].value is not None) == restarts
    if restarts:
        assert ends["tetanus_fold_rise"].value > 4.0
    assert ends["tetanus_responder"].value == 1.0  # the relative response is near 1 either way


def test_a_depletion_during_a_response_is_given_its_own_share_not_the_fall_net_of_growth():
    """review36f: a B-cell depletion to 0.4 on day 5, while the first dose's response grows the memory B cells, was
    read as 0.574 (the fall across the window, net of the growth)."""
    s, _ = _tetanus([V(0), _depletion(5, 0.4), V(60)], 100)
    r = run_scenario(s)
    kills = memory_kills(r.times, r.observable("tetanus_memory_b_au")[None], 88.0,
                         scenario_kill_windows(s.interventions))[0]
    assert kills == ((5.0, 0.4, 1.0),)
    # the run's own fall across the window is not that share (net of the growth)
    m = r.observable("tetanus_memory_b_au")
    assert m[5] / m[4] > 0.45


def test_a_dose_inside_a_kill_window_splits_it_and_is_warned_as_during_the_kill():
    """review36f: doses on days 0 and 12, Cy/TBI on days 10-15.25: one kill dated day 10, before the day-12 dose, and
    the fall after the dose read into it; the warning said the dose came "before the kill ... on day 12"."""
    cy = {"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 10}
    s = parse_scenario({"name": "x", "duration_days": 80, "aging": False, "patient": PATIENT,
                        "interventions": [V(0), cy, V(12)]})
    windows = scenario_kill_windows(s.interventions)
    assert [(w.first_day, w.last_day, w.during_dose) for w in windows] == [
        (10.0, 12.0, False), (pytest.approx(12.0 + AFTER_DOSE_DAYS), 15.25, True)]
    r = run_scenario(s)
    kills = memory_kills(r.times, r.observable("tetanus_memory_b_au")[None], 40.0, windows)[0]
    assert len(kills) == 2 and kills[0][0] == 10.0 and kills[1][0] > 12.0  # one each side of the dose
    assert restart_days(((0.0, 1.0), (12.0, 1.0)), kills) == [10.0]
    warned = [m for _, m in plausibility_warnings(s) if "memory B" in m]
    assert len(warned) == 1 and "comes during a kill of memory B cells (to day 15.25)" in warned[0]
    assert "before the kill" not in warned[0]


def test_a_blood_donation_after_a_dose_is_not_warned_of():
    """review36f: a 500 mL donation after a dose (0.998 of the memory B cells left) was warned to kill "the memory B
    cells it made"; a blood loss takes at most the lymphocytes' blood share (0.02). A depletion to 0.4 still is."""
    donation = {"kind": "blood_donation", "day": 10, "volume_mL": 500}
    s = parse_scenario({"name": "x", "duration_days": 80, "aging": False, "patient": PATIENT,
                        "interventions": [V(0), donation]})
    assert not [m for _, m in plausibility_warnings(s) if "memory B" in m]
    assert scenario_kill_windows(s.interventions)[0].least_left >= SERIES_RESTART_SHARE
    s = parse_scenario({"name": "x", "duration_days": 80, "aging": False, "patient": PATIENT,
                        "interventions": [V(0), _depletion(10, 0.4)]})
    assert [m for _, m in plausibility_warnings(s) if "memory B" in m]


def test_a_kill_that_straddles_the_read_out_is_read_and_warned_of_as_part_of_the_kill():
    """review36f: Cy/TBI from day 27, the read-out on day 28: the warning said the read-outs read "what the kill
    left"; they read what part of it left by day 28, and the reference adult is given that part."""
    cy = {"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 27}
    s = parse_scenario({"name": "x", "duration_days": 80, "aging": False, "patient": PATIENT,
                        "interventions": [V(0), cy]})
    warned = [m for _, m in plausibility_warnings(s) if "memory B" in m]
    assert len(warned) == 1 and "part of the kill (days 27-32.25)" in warned[0]
    r = run_scenario(s)
    m = r.observable("tetanus_memory_b_au")
    kills = memory_kills(r.times, m[None], 28.0, scenario_kill_windows(s.interventions))[0]
    assert kills == ((27.0, pytest.approx(m[28] / m[26], rel=1e-3), pytest.approx(m[28] / m[26], rel=1e-3)),)
    assert m[33] / m[26] < kills[0][1] / 10  # the whole kill took far more than its part by the read-out
