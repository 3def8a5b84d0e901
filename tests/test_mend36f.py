"""review36f's findings in mend36d's vaccine read-outs: the forced output days moved every other endpoint of a
vaccinee (they are held aside from the grid now), the series' restart share near the kills the model has, a dose
inside a kill window, the warning of a kill that leaves most memory B cells, a kill that straddles the read-out."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.endpoints import evaluate_endpoints
from hemasim.scenario import parse_scenario

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
