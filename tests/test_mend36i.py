"""review36g's findings in mend36g and mend36h (mend36i)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hemasim.scenario import Scenario


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
    from hemasim.interventions.transplant import TransplantEndpoints, TransplantSpec
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
    assert isinstance(family, TransplantEndpoints) and family.graft_day == 2.0 and family.next_insult_day == 90.0


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


def _chimerism_cols(times: np.ndarray, share: np.ndarray) -> dict:
    from hemasim.interventions.base import EndpointContext
    from hemasim.interventions.chimerism import LineageChimerism
    from hemasim.parameters import healthy_adult_parameters

    n, t = share.shape
    obs = {"cd3_per_uL": np.full((n, t), 800.0), "cd3_per_uL__donor": 800.0 * share,
           "anc_1e9_per_L": np.full((n, t), 3.0), "anc_1e9_per_L__donor": 3.0 * share,
           "monocytes_1e9_per_L": np.zeros((n, t)), "monocytes_1e9_per_L__donor": np.zeros((n, t))}
    return {c.name: c.values for c in LineageChimerism(graft_day=0.0).values(
        times, obs, EndpointContext(healthy_adult_parameters(), 40.0, n_patients=n))}


def test_full_donor_chimerism_is_lost_only_after_a_week_below_95_percent() -> None:
    times = np.arange(0.0, 120.0)
    # full from day 10; patient 0 dips to 90% on days 30-33 only (4 days); patient 1 is at 90% on days 40-49 and
    # back to 99% from day 50; patient 2 falls to 80% from day 100 to the run's end (20 days)
    base = np.where(times < 10, 0.5, 0.99)
    short = np.where((times >= 30) & (times < 34), 0.90, base)
    week = np.where((times >= 40) & (times < 50), 0.90, base)
    late = np.where(times >= 100, 0.80, base)
    cols = _chimerism_cols(times, np.vstack([short, week, late]))
    assert list(cols["full_donor_t_chimerism_lost"]) == [0.0, 1.0, 1.0]
    assert np.isnan(cols["full_donor_t_chimerism_lost_day"][0])
    assert list(cols["full_donor_t_chimerism_lost_day"][1:]) == [40.0, 100.0]
    assert cols["full_donor_t_chimerism_regained_day"][1] == 50.0
    assert np.isnan(cols["full_donor_t_chimerism_regained_day"][[0, 2]]).all()


def test_one_coarse_reading_below_95_percent_is_not_lost() -> None:
    times = np.arange(0.0, 400.0, 30.0)  # read-outs every 30 days
    one = np.where(times < 10, 0.5, np.where(times == 180, 0.58, 0.99))
    two = np.where(times < 10, 0.5, np.where((times == 180) | (times == 210), 0.58, 0.99))
    cols = _chimerism_cols(times, np.vstack([one, two]))
    assert list(cols["full_donor_t_chimerism_lost"]) == [0.0, 1.0]
    assert cols["full_donor_t_chimerism_lost_day"][1] == 180.0
    assert cols["full_donor_t_chimerism_regained_day"][1] == 240.0


def test_key_result_says_where_the_lost_share_ended() -> None:
    from hemasim.endpoints import EndpointValue
    from hemasim.report.key_results import full_donor_lost_text

    values = {e.name: e for e in (EndpointValue("full_donor_t_chimerism_day", 7.0, "day after graft", "d"),
                                  EndpointValue("full_donor_t_chimerism_lost", 1.0, "flag", "d"),
                                  EndpointValue("full_donor_t_chimerism_lost_day", 60.0, "day after graft", "d"))}
    text = full_donor_lost_text(values, {"t": (365.0, 0.99), "myeloid": (365.0, 1.0)})
    assert "below 95% for 7 days or more from day 60" in text and "99.0% at the run's end (day 365" in text
    values["full_donor_t_chimerism_regained_day"] = EndpointValue("full_donor_t_chimerism_regained_day", 300.0,
                                                                  "day after graft", "d")
    assert "≥ 95% again from day 300" in full_donor_lost_text(values, {"t": (365.0, 0.99)})


def _arms_scenario(base_interventions: list, arms: list, weight_kg: float = 75.0) -> Scenario:
    from hemasim.scenario import Scenario

    return Scenario.model_validate({"name": "arms", "duration_days": 100,
                                    "patient": {"age_years": 50, "sex": "male", "weight_kg": weight_kg,
                                                "height_cm": 178},
                                    "interventions": base_interventions, "arms": arms})


_GRAFT = [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
          {"kind": "transplant", "day": 6, "source": "peripheral_blood", "cd34_per_kg": 5e6}]


def _csa(agent: str = "ciclosporin") -> dict:
    return {"kind": "immunosuppression", "agent": agent, "start_day": 5, "end_day": 56, "taper_days": 30}


def test_the_bases_warnings_are_left_out_where_every_arm_replaces_its_interventions() -> None:
    from hemasim.scenario.plausibility import scenario_warnings

    # a bare base (no prophylaxis) whose every arm brings ciclosporin or tacrolimus: no warning
    spec = _arms_scenario(_GRAFT, [{"name": "csa", "interventions": [*_GRAFT, _csa()]},
                                   {"name": "tac", "interventions": [*_GRAFT, _csa("tacrolimus")]}])
    assert scenario_warnings(spec, "s") == []
    # an arm that keeps the base's interventions: the base is run, and warned about once
    spec = _arms_scenario(_GRAFT, [{"name": "base"}, {"name": "csa", "interventions": [*_GRAFT, _csa()]}])
    lines = [line for line, _ in scenario_warnings(spec, "s")]
    assert len(lines) == 1 and lines[0].startswith("s: interventions.1.donor: a T-replete allogeneic graft")
    # an arm without prophylaxis of its own is warned about as that arm
    spec = _arms_scenario([*_GRAFT, _csa()], [{"name": "csa"}, {"name": "none", "interventions": _GRAFT}])
    lines = [line for line, _ in scenario_warnings(spec, "s")]
    assert len(lines) == 1 and lines[0].startswith("s: arms.1: interventions.1.donor:")
    # a patient's warning, common to every arm, is given once, unprefixed
    spec = _arms_scenario(_GRAFT, [{"name": "csa", "interventions": [*_GRAFT, _csa()]},
                                   {"name": "tac", "interventions": [*_GRAFT, _csa("tacrolimus")]}], 250.0)
    lines = [line for line, _ in scenario_warnings(spec, "s")]
    assert lines and all(line.startswith("s: patient.") for line in lines)


def test_the_bases_notes_are_left_out_where_every_arm_replaces_its_interventions() -> None:
    from hemasim.scenario.plausibility import note_lines

    vaccine = {"kind": "vaccine", "antigen": "tetanus", "day": 40}
    spec = _arms_scenario([*_GRAFT, _csa(), vaccine], [{"name": "a", "interventions": [*_GRAFT, _csa()]},
                                                       {"name": "b", "interventions": [*_GRAFT, _csa()]}])
    assert note_lines(spec, "s") == []
    spec = _arms_scenario([*_GRAFT, _csa(), vaccine],
                          [{"name": "a"}, {"name": "b", "interventions": [*_GRAFT, _csa()]}])
    assert len(note_lines(spec, "s")) == 1


def test_lineage_chimerism_is_counted_from_the_first_allogeneic_graft() -> None:
    from hemasim.assembly import endpoint_families
    from hemasim.interventions.chimerism import LineageChimerism
    from hemasim.interventions.transplant import chimerism_graft_day, graft_day
    from hemasim.scenario import Scenario

    auto = [{"kind": "conditioning", "regimen": "high_dose_melphalan", "start_day": 0},
            {"kind": "transplant", "day": 2, "source": "peripheral_blood", "cd34_per_kg": 5e6, "donor": "autologous"}]
    allo = [{"kind": "conditioning", "regimen": "flu_tbi_2gy", "start_day": 90},
            {"kind": "transplant", "day": 98, "source": "peripheral_blood", "cd34_per_kg": 5e6}]
    patient = {"age_years": 50, "sex": "male", "weight_kg": 75, "height_cm": 178}
    for extra in ([], [{"kind": "immunosuppression", "agent": "ciclosporin", "start_day": 97, "end_day": 150,
                        "taper_days": 30}]):
        spec = Scenario.model_validate({"name": "auto then allo", "duration_days": 300, "patient": patient,
                                        "interventions": [*auto, *allo, *extra]})
        assert graft_day(spec.interventions) == 2.0 and chimerism_graft_day(spec.interventions) == 98.0
        family, = [f for f in endpoint_families(spec) if isinstance(f, LineageChimerism)]
        assert family.graft_day == 98.0
    assert chimerism_graft_day(Scenario.model_validate(
        {"name": "auto", "duration_days": 30, "patient": patient, "interventions": auto}).interventions) == 2.0
