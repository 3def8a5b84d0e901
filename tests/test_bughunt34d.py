"""Faults found reading the biology and the interventions (bughunt34d): each test failed before its fix."""

from __future__ import annotations

import numpy as np

_PATIENT = {"age_years": 55, "sex": "male", "weight_kg": 75, "height_cm": 178}


def _run(interventions: list[dict], duration_days: float = 30.0):
    from hemasim.assembly import run_scenario
    from hemasim.scenario import parse_scenario

    scenario = parse_scenario({"name": "t", "patient": _PATIENT, "duration_days": duration_days, "aging": False,
                               "output": {"every_days": 1}, "interventions": interventions}, "s.yaml")
    return run_scenario(scenario)


def test_a_graft_on_the_day_of_the_conditionings_tbi_is_given_after_it_whatever_the_listing_order():
    """flu_tbi_2gy gives its 2 Gy on day 4 of the regimen, the graft's day (docs: "TBI 2 Gy on day 0"): the graft
    follows the irradiation. Events of one day fired in the order the scenario listed them, so a transplant written
    before the conditioning was irradiated with the host: donor CD4 30 days on 9.4/uL where the same scenario listed
    the other way had 47 (and donor ANC on day 20 a third lower)."""
    conditioning = {"kind": "conditioning", "regimen": "flu_tbi_2gy", "start_day": 0}
    graft = {"kind": "transplant", "day": 4, "source": "peripheral_blood", "donor": "allogeneic", "cd34_per_kg": 5e6}
    first, second = _run([conditioning, graft]), _run([graft, conditioning])
    for name in ("cd4_per_uL__donor", "anc_1e9_per_L__donor", "platelets_1e9_per_L__donor"):
        np.testing.assert_allclose(second.observable(name), first.observable(name), rtol=1e-9, err_msg=name)
