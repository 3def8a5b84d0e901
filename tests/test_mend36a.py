"""review36a's other findings: primary graft failure undecided before day 28 after the graft, and the plausibility
warning about a vaccine before a kill following the read-outs' own rule."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.interventions.transplant import GRAFT_FAILURE_UNDECIDED, transplant_endpoint_values
from hemasim.interventions.vaccine import (
    kills_after_last_dose,
    read_out_day,
    scenario_kill_days,
    scenario_kill_windows,
    unseen_kill_days,
)
from hemasim.scenario import parse_scenario
from hemasim.scenario.plausibility import plausibility_warnings


def _graft_failure(days: np.ndarray, anc: np.ndarray) -> tuple[float, str | None]:
    from hemasim.interventions.transplant import RECOVERY_LINEAGES, TRANSPLANT_OBSERVABLES

    obs = {name: np.full((1, days.size), 500.0) for name in TRANSPLANT_OBSERVABLES}
    obs["anc_1e9_per_L"] = anc[None, :]
    references = {ref: 1000.0 for _, ref, _ in RECOVERY_LINEAGES}
    column = next(c for c in transplant_endpoint_values(days, obs, references) if c.name == "primary_graft_failure")
    return float(column.values[0]), column.missing


def test_primary_graft_failure_is_undecided_when_the_run_ends_before_day_28_still_aplastic():
    aplastic = np.where(np.arange(0.0, 60.0) >= 3, 0.1, 2.0)  # aplasia from day 3, never back
    short = np.arange(0.0, 15.0)
    value, note = _graft_failure(short, aplastic[:15])
    assert np.isnan(value) and note == GRAFT_FAILURE_UNDECIDED  # it read 1 on day 14
    assert _graft_failure(np.arange(0.0, 60.0), aplastic)[0] == 1.0  # decided on day 28: failed
    engrafted = np.where((short >= 3) & (short < 10), 0.1, 2.0)  # back above 0.5 on day 10: decided early
    assert _graft_failure(short, engrafted)[0] == 0.0


PATIENT = {"age_years": 45, "sex": "male", "weight_kg": 75, "height_cm": 178}


def _warned(interventions: list[dict]) -> list[str]:
    scenario = parse_scenario({"name": "x", "patient": PATIENT, "duration_days": 800,
                               "interventions": interventions}, "x.yaml")
    return [m for _, m in plausibility_warnings(scenario) if "before the kill of memory B cells" in m]


@pytest.mark.parametrize(("kill", "warned"), [
    ({"kind": "cell_depletion", "day": 200, "groups": ["b_cell"], "surviving_fraction": 0.01}, True),
    ({"kind": "cell_depletion", "day": 200, "groups": ["myeloid"], "surviving_fraction": 0.01}, False),
    # before the read-out day: read with it and given to the reference adult, warned all the same (review36d: a
    # "responder" with the memory B cells cut)
    ({"kind": "radiation", "total_dose_Gy": 2.0, "start_day": 20}, True),
    ({"kind": "radiation", "total_dose_Gy": 2.0, "start_day": 200}, True),
    ({"kind": "transplant", "day": 200, "source": "peripheral_blood", "cd34_per_kg": 5e6, "donor": "autologous"},
     False),  # a graft kills no memory B cell
])
def test_the_warning_about_a_dose_before_a_kill_uses_the_read_outs_rule(kill, warned):
    dose = {"kind": "vaccine", "day": 0, "antigen": "tetanus"}
    lines = _warned([dose, kill])
    assert bool(lines) == warned, lines
    scenario = parse_scenario({"name": "x", "patient": PATIENT, "duration_days": 800,
                               "interventions": [dose, kill]}, "x.yaml")
    assert bool(kills_after_last_dose(((0.0, 1.0),), scenario_kill_windows(scenario.interventions))) == warned
    assert bool(unseen_kill_days(((0.0, 1.0),), scenario_kill_days(scenario.interventions))) == (
        warned and kill.get("day", kill.get("start_day")) > 28)
    assert read_out_day(((0.0, 1.0), (30.0, 1.0))) == 58.0
