"""review36g's findings in mend36g and mend36h (mend36i)."""

from __future__ import annotations

import numpy as np


def _anc_cols(days: np.ndarray, anc: np.ndarray, until_day: float = np.inf) -> dict:
    from hemasim.endpoints import recovery_days
    from hemasim.interventions.transplant import anc_below_again

    anc_day, did_not_fall = recovery_days(days, anc, 0.5, 3)
    return {c.name: c for c in anc_below_again(days, anc, anc_day, did_not_fall, until_day)}


def test_a_fall_after_the_next_conditioning_is_not_the_grafts() -> None:
    from hemasim.interventions.transplant import ANC_BELOW_AGAIN

    # engrafted day 13 after the graft, stays up; a second melphalan on day 88 after it (a tandem) drops ANC from 95
    days = np.arange(0.0, 200.0)
    anc = np.where((days < 13) | ((days >= 95) & (days < 105)), 0.2, 2.0)[None, :]
    cols = _anc_cols(days, anc, until_day=88.0)
    assert cols[ANC_BELOW_AGAIN].values[0] == 0.0
    assert np.isnan(cols[f"{ANC_BELOW_AGAIN}_day"].values[0])
    assert cols["days_anc_below_0p5_after_engraftment"].values[0] == 0.0
    # without the next treatment it would be the graft's (as before)
    assert _anc_cols(days, anc)[ANC_BELOW_AGAIN].values[0] == 1.0


def test_the_tandem_scenarios_next_insult_day_ends_the_window() -> None:
    from hemasim.interventions.transplant import TransplantSpec
    from hemasim.scenario import Scenario

    spec = Scenario.model_validate({
        "name": "tandem", "duration_days": 200,
        "patient": {"age_years": 50, "sex": "male", "weight_kg": 75, "height_cm": 178},
        "interventions": [{"kind": "conditioning", "regimen": "high_dose_melphalan", "start_day": 0},
                          {"kind": "transplant", "day": 2, "source": "peripheral_blood", "cd34_per_kg": 5e6,
                           "donor": "autologous"},
                          {"kind": "conditioning", "regimen": "high_dose_melphalan", "start_day": 90},
                          {"kind": "transplant", "day": 92, "source": "peripheral_blood", "cd34_per_kg": 5e6,
                           "donor": "autologous"}]})
    family = TransplantSpec.endpoint_family(spec.interventions)
    assert family is not None and family.graft_day == 2.0 and family.next_insult_day == 90.0


def test_anc_again_is_undecided_on_a_run_that_ends_before_the_dip_could_show() -> None:
    from hemasim.interventions.transplant import ANC_AGAIN_DECIDED_DAYS, ANC_BELOW_AGAIN

    days = np.arange(0.0, 29.0)  # a 30-day run with the graft on day 2
    anc = np.where(days < 13, 0.2, 2.0)[None, :]
    col = _anc_cols(days, anc)[ANC_BELOW_AGAIN]
    assert np.isnan(col.values[0])
    assert col.missing is not None and col.missing.startswith("not yet decidable: the run ends day 28 after the graft")
    # long enough: decided "no"
    days = np.arange(0.0, 13.0 + ANC_AGAIN_DECIDED_DAYS + 1)
    anc = np.where(days < 13, 0.2, 2.0)[None, :]
    col = _anc_cols(days, anc)[ANC_BELOW_AGAIN]
    assert col.values[0] == 0.0 and col.missing is None
    # a fall seen is decided however short the run
    days = np.arange(0.0, 29.0)
    anc = np.where((days < 13) | (days >= 25), 0.2, 2.0)[None, :]
    assert _anc_cols(days, anc)[ANC_BELOW_AGAIN].values[0] == 1.0
