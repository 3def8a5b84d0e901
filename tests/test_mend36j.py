"""review36h's findings in mend36i (mend36j): a tandem auto-then-allo's chimerism, the ANC-again window."""

from __future__ import annotations

import numpy as np

PATIENT = {"age_years": 50, "sex": "male", "weight_kg": 75, "height_cm": 178}
AUTO = [{"kind": "conditioning", "regimen": "high_dose_melphalan", "start_day": 0},
        {"kind": "transplant", "day": 2, "source": "peripheral_blood", "cd34_per_kg": 5e6, "donor": "autologous"}]
ALLO = [{"kind": "conditioning", "regimen": "flu_tbi_2gy", "start_day": 90},
        {"kind": "transplant", "day": 98, "source": "peripheral_blood", "cd34_per_kg": 5e6, "donor": "allogeneic"},
        {"kind": "immunosuppression", "agent": "ciclosporin_mycophenolate", "start_day": 97, "end_day": 150,
         "taper_days": 30}]


def _scenario(interventions: list, days: float = 230.0):  # noqa: ANN202 (a Scenario)
    from hemasim.scenario import Scenario

    return Scenario.model_validate({"name": "tandem", "duration_days": days, "patient": PATIENT,
                                    "interventions": interventions})


def _obs(share: np.ndarray) -> dict:
    n, t = share.shape
    return {"cd3_per_uL": np.full((n, t), 800.0), "cd3_per_uL__donor": 800.0 * share,
            "anc_1e9_per_L": np.full((n, t), 3.0), "anc_1e9_per_L__donor": 3.0 * share,
            "monocytes_1e9_per_L": np.zeros((n, t)), "monocytes_1e9_per_L__donor": np.zeros((n, t))}


def _columns(family, times: np.ndarray, share: np.ndarray) -> dict:  # noqa: ANN001
    from hemasim.interventions.base import EndpointContext
    from hemasim.parameters import healthy_adult_parameters

    ctx = EndpointContext(healthy_adult_parameters(), 40.0, n_patients=share.shape[0])
    return {c.name: c for c in family.values(times, _obs(share), ctx)}


def test_an_autograft_before_an_allograft_is_warned() -> None:
    from hemasim.scenario.plausibility import plausibility_warnings

    found = dict(plausibility_warnings(_scenario([*AUTO, *ALLO])))
    assert "interventions.3.donor" in found and "autograft cells as donor" in found["interventions.3.donor"]
    # an allograft alone, or an autograft alone: no such warning
    for alone in (ALLO[1:], AUTO):
        assert not any("autograft cells" in m for _, m in plausibility_warnings(_scenario(alone)))


def test_a_tandems_chimerism_names_its_graft_and_the_autografts_cells() -> None:
    from hemasim.interventions.chimerism import LineageChimerism

    family = LineageChimerism.of(_scenario([*AUTO, *ALLO]).interventions)
    assert family is not None and family.graft_day == 98.0
    times = np.arange(0.0, 230.0)
    cols = _columns(family, times, np.where(times < 110, 0.5, 0.99)[None, :])
    for name in ("donor_t_chimerism_day28", "full_donor_myeloid_chimerism_day", "full_donor_t_chimerism_lost"):
        text = cols[name].definition
        assert "graft-derived cells (the autograft's included)" in text, name
    assert "on day 28 after the allogeneic graft on day 98" in cols["donor_t_chimerism_day28"].definition
    # an allogeneic graft alone: "after the graft", its "cells"
    alone = LineageChimerism.of(_scenario(ALLO[1:]).interventions)
    assert alone is not None
    text = _columns(alone, times, np.where(times < 110, 0.5, 0.99)[None, :])["donor_t_chimerism_day28"].definition
    assert "cells on day 28 after the graft (" in text and "autograft" not in text


def test_a_cell_depletion_of_the_marrow_ends_the_anc_again_window() -> None:
    from hemasim.interventions.transplant import next_insult_day

    depletion = {"kind": "cell_depletion", "day": 40, "groups": ["marrow"], "except_groups": ["hsc"],
                 "surviving_fraction": 0.1}
    assert next_insult_day(_scenario([*AUTO, depletion], 100).interventions, 2.0) == 40.0
    # a collection from the blood takes no marrow cells: the window stays open
    collection = {"kind": "cell_depletion", "day": 40, "groups": ["blood"], "surviving_fraction": 0.5,
                  "applies_to": "circulating"}
    assert next_insult_day(_scenario([*AUTO, collection], 100).interventions, 2.0) == np.inf


def test_anc_again_has_no_answer_when_the_next_insult_comes_before_engraftment() -> None:
    from hemasim.endpoints import recovery_days
    from hemasim.interventions.transplant import ANC_BELOW_AGAIN, anc_below_again

    days = np.arange(0.0, 100.0)
    anc = np.where(days < 13, 0.2, 2.0)[None, :]  # engrafts on day 13 after the graft
    anc_day, did_not_fall = recovery_days(days, anc, 0.5, 3)
    col = {c.name: c for c in anc_below_again(days, anc, anc_day, did_not_fall, 10.0)}[ANC_BELOW_AGAIN]
    assert np.isnan(col.values[0]) and col.missing is not None and col.missing.startswith("no window")
    # a window that holds the 40 days: decided "no", as before
    col = {c.name: c for c in anc_below_again(days, anc, anc_day, did_not_fall, 80.0)}[ANC_BELOW_AGAIN]
    assert col.values[0] == 0.0 and col.missing is None


def test_a_stretch_below_full_donor_cut_by_the_runs_end_is_undecided() -> None:
    from hemasim.interventions.chimerism import LineageChimerism

    times = np.arange(0.0, 120.0)
    base = np.where(times < 10, 0.5, 0.99)
    cut = np.where(times >= 116, 0.80, base)  # below 95% on the last 4 days
    long = np.where(times >= 100, 0.80, base)  # 20 days: lost
    cols = _columns(LineageChimerism(graft_day=0.0), times, np.vstack([base, cut, long]))
    lost = cols["full_donor_t_chimerism_lost"]
    assert lost.values[0] == 0.0 and np.isnan(lost.values[1]) and lost.values[2] == 1.0
    assert lost.missing is not None and "from day 116" in lost.missing and "not yet decidable" in lost.missing
    # without that patient, no note
    kept = _columns(LineageChimerism(graft_day=0.0), times, np.vstack([base, long]))["full_donor_t_chimerism_lost"]
    assert kept.missing is None


def test_the_key_results_row_head_names_a_later_allogeneic_graft() -> None:
    from hemasim.interventions.transplant import chimerism_after

    assert chimerism_after(_scenario([*AUTO, *ALLO]).interventions) == "after the allogeneic graft on day 98"
    assert chimerism_after(_scenario(ALLO[1:]).interventions) == "after the graft"
