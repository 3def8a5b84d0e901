"""The B-cell recovery diagnosis of docs/b_cell_recovery.md (issue #17: P7, P8, Y4).

After a depletion of the peripheral lymphocyte pools (the alemtuzumab scenario's `lymphocyte` group) the marrow
B-cell precursors are spared, and with b_lymphopenia_max_fold = 1 (no BAFF-like boost) the blood B deficit closes
as a single exponential at the net loss rate d - p = marrow share x d, refilled by the unchanged marrow output
alone. If a change of the B-cell structure breaks these, docs/b_cell_recovery.md must be revised with it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.scenario import parse_scenario

DEPLETION_DAY = 5.0
SURVIVING_FRACTION = 0.05


@pytest.fixture(scope="module")
def depleted():
    scenario = parse_scenario({
        "name": "b-cell recovery diagnosis",
        "patient": {"age_years": 40, "sex": "female", "weight_kg": 65, "height_cm": 168},
        "duration_days": 125,
        "interventions": [{"kind": "cell_depletion", "day": DEPLETION_DAY, "groups": ["lymphocyte"],
                           "surviving_fraction": SURVIVING_FRACTION}],
    })
    return run_scenario(scenario)


def _at(result, values: np.ndarray, day: float) -> float:
    return float(np.interp(day, result.times, values))


@pytest.mark.slow  # one 125-day simulation of the full model (a few seconds)
def test_lymphocyte_depletion_spares_marrow_b_precursors(depleted):
    b = depleted.state("b_cells")
    assert _at(depleted, b, DEPLETION_DAY + 1) / _at(depleted, b, DEPLETION_DAY - 1) < 2 * SURVIVING_FRACTION
    for precursor in ("b_precursor_1", "b_precursor_2"):
        x = depleted.state(precursor)
        assert _at(depleted, x, DEPLETION_DAY + 30) == pytest.approx(_at(depleted, x, DEPLETION_DAY - 1), rel=1e-3)


@pytest.mark.slow
def test_b_deficit_closes_at_the_net_loss_rate(depleted):
    params = depleted.model.parameters
    assert params.value("b_lymphopenia_max_fold") == 1.0, "premise of docs/b_cell_recovery.md"
    proliferation = params.value("b_proliferation_per_day")
    death = proliferation / (1.0 - params.value("b_marrow_share_of_production"))
    b = depleted.state("b_cells")
    steady = _at(depleted, b, DEPLETION_DAY - 1)
    early, late = DEPLETION_DAY + 20, DEPLETION_DAY + 110
    deficit_ratio = (steady - _at(depleted, b, late)) / (steady - _at(depleted, b, early))
    assert -math.log(deficit_ratio) / (late - early) == pytest.approx(death - proliferation, rel=0.02)
