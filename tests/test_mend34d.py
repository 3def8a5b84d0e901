"""mend34d: review leftovers. An expanded Administration listed its InfusionEnd and, run in hemasim, scheduled the end
again (back-to-back infusions lost a dose); the explorer kept infusion_hours off iv_infusion and offered it for other
routes; "start again" after an upload loaded the previous example."""

from __future__ import annotations

import numpy as np

_PATIENT = {"age_years": 55, "sex": "male", "weight_kg": 75, "height_cm": 178}


def test_back_to_back_infusions_run_the_same_expanded_or_not():
    """Three back-to-back 24-h docetaxel infusions (days 0, 1, 2). Expanded (SBML export, PEtab, tests that simulate
    the fixed schedule), each Administration listed its InfusionEnd and fire() scheduled it again: the end came off
    twice, clamped at 0, and the day-1 and day-2 infusions ran at rate 0 (rate 0 from day 1 against 38514 ug/day to
    day 3). Now the expanded list runs exactly like the unexpanded one, and the expanded form still lists every end."""
    from hemasim.assembly import build_events, build_model
    from hemasim.pharmacology.dosing import InfusionEnd
    from hemasim.scenario import parse_scenario
    from hemasim.simulation import Simulation, steady_state

    chemo = {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 20, "route": "iv_infusion",
             "infusion_hours": 24, "schedule": {"days": [0, 1, 2]}}
    s = parse_scenario({"name": "t", "patient": _PATIENT, "duration_days": 5, "aging": False,
                        "interventions": [chemo]})
    model = build_model(s).compile()
    x0 = steady_state(model)
    events = build_events(s)
    expanded = [e for ev in events for e in ev.expand()]
    assert sum(isinstance(e, InfusionEnd) for e in expanded) == 3  # the SBML export still sees each end
    a = Simulation(model, events=events).run(4, 0.5, x0=x0).states
    b = Simulation(model, events=expanded).run(4, 0.5, x0=x0).states
    rate = model.state_names.index("docetaxel_infusion_rate")
    assert a[1, rate] > 0 and a[3, rate] > 0 and a[5, rate] > 0 and a[7, rate] == 0  # each day's infusion runs
    np.testing.assert_array_equal(b[:, rate], a[:, rate])
    np.testing.assert_array_equal(b, a)
