"""ux36's transplant physician's walk: read-outs the report and endpoints left out or mislabelled (mend36h)."""

from __future__ import annotations

import numpy as np

from hemasim.interventions.vaccine import vaccine_endpoint_values


def test_vaccine_read_outs_after_the_run_are_none_with_a_note() -> None:
    # doses on days 188 and 371 of a 372-day run: the day-28 read-outs (day 399) were left out without a word
    times = np.arange(0.0, 373.0)
    rise = np.where(times >= 190, 1.0, 0.0)[None, :]
    obs = {"tetanus_plasmablasts_au": rise.copy(), "tetanus_igg_au": rise.copy()}
    cols = {c.name: c for c in vaccine_endpoint_values(times, obs, {"tetanus": ((188.0, 1.0), (371.0, 1.0))})}
    for end in ("igg_day28_au", "relative_response", "responder", "fold_rise", "fold_rise_responder"):
        c = cols[f"tetanus_{end}"]
        assert np.isnan(c.values).all() and c.values.shape == (1,)
        assert c.missing is not None and "day 372" in c.missing and "day 399" in c.missing
        assert "duration_days >= 399" in c.missing
    assert not np.isnan(cols["tetanus_igg_peak_au"].values).any()


def test_anc_below_0p5_again_after_engraftment_is_flagged_with_its_day() -> None:
    from hemasim.endpoints import recovery_days
    from hemasim.interventions.transplant import ANC_BELOW_AGAIN, anc_below_again

    days = np.arange(0.0, 61.0)
    # aplasia to day 12, engrafted from day 13, below 0.5 again on days 30-41; a second patient engrafts and stays up;
    # a third never engrafts
    dip = np.where((days < 13) | ((days >= 30) & (days < 42)), 0.2, 2.0)
    stays = np.where(days < 13, 0.2, 2.0)
    never = np.full(days.shape, 0.1)
    anc = np.vstack([dip, stays, never])
    anc_day, did_not_fall = recovery_days(days, anc, 0.5, 3)
    assert list(anc_day[:2]) == [13.0, 13.0]
    cols = {c.name: c.values for c in anc_below_again(days, anc, anc_day, did_not_fall)}
    assert list(cols[ANC_BELOW_AGAIN][:2]) == [1.0, 0.0] and np.isnan(cols[ANC_BELOW_AGAIN][2])
    assert cols[f"{ANC_BELOW_AGAIN}_day"][0] == 30.0 and np.isnan(cols[f"{ANC_BELOW_AGAIN}_day"][1])
    assert cols["days_anc_below_0p5_after_engraftment"][0] == 12.0


def test_key_results_say_anc_fell_below_0p5_again() -> None:
    from hemasim.endpoints import EndpointValue
    from hemasim.interventions.transplant import ANC_BELOW_AGAIN
    from hemasim.report.key_results import key_results_html

    eps = [EndpointValue("neutrophil_engraftment_day", 13.0, "day after graft", "d"),
           EndpointValue(ANC_BELOW_AGAIN, 1.0, "flag", "d"),
           EndpointValue(f"{ANC_BELOW_AGAIN}_day", 30.0, "day after graft", "d"),
           EndpointValue("days_anc_below_0p5_after_engraftment", 12.0, "day", "d")]
    text = key_results_html({"run": eps})
    assert "again after neutrophil engraftment" in text and "from day 30 after graft" in text
    assert "12 days below 0.5" in text and "The ANC dip around day 40" in text


def test_full_donor_chimerism_lost_after_it_was_reached() -> None:
    from hemasim.interventions.base import EndpointContext
    from hemasim.interventions.chimerism import LineageChimerism
    from hemasim.parameters import healthy_adult_parameters

    times = np.arange(0.0, 60.0)
    # patient 0: full donor T cells from day 5 after the graft, 58% on days 30-39, full again after; patient 1 stays
    fell = np.where(times < 10, 0.5, np.where((times >= 35) & (times < 45), 0.58, 0.99))
    kept = np.where(times < 10, 0.5, 0.99)
    share = np.vstack([fell, kept])
    obs = {"cd3_per_uL": np.full((2, 60), 800.0), "cd3_per_uL__donor": 800.0 * share,
           "anc_1e9_per_L": np.full((2, 60), 3.0), "anc_1e9_per_L__donor": 3.0 * share,
           "monocytes_1e9_per_L": np.zeros((2, 60)), "monocytes_1e9_per_L__donor": np.zeros((2, 60))}
    cols = {c.name: c.values for c in LineageChimerism(graft_day=5.0).values(
        times, obs, EndpointContext(healthy_adult_parameters(), 40.0, n_patients=2))}
    assert list(cols["full_donor_t_chimerism_day"]) == [5.0, 5.0]  # the first day reached, as before
    assert list(cols["full_donor_t_chimerism_lost"]) == [1.0, 0.0]
    assert cols["full_donor_t_chimerism_lost_day"][0] == 30.0 and np.isnan(cols["full_donor_t_chimerism_lost_day"][1])


def test_key_results_say_where_full_donor_chimerism_fell_back() -> None:
    from hemasim.endpoints import EndpointValue
    from hemasim.report.key_results import full_donor_lost_text

    values = {e.name: e for e in (EndpointValue("full_donor_t_chimerism_day", 7.0, "day after graft", "d"),
                                  EndpointValue("full_donor_t_chimerism_lost", 1.0, "flag", "d"),
                                  EndpointValue("full_donor_t_chimerism_lost_day", 60.0, "day after graft", "d"))}
    assert "from day 7 after graft, below 95% for 7 days or more from day 60" in full_donor_lost_text(values)


def test_key_result_labels_are_the_endpoints_own_words() -> None:
    from hemasim.interventions.vaccine import RELATIVE_RESPONSE_WORDS, RESPONDER_WORDS
    from hemasim.report.key_results import _key_rows

    rows = {name: label for name, label, _ in _key_rows(["tetanus_relative_response", "tetanus_responder"])}
    assert "day-28 IgG relative to" not in rows["tetanus_relative_response"]
    assert RELATIVE_RESPONSE_WORDS in rows["tetanus_relative_response"] and "same doses and kills" in RELATIVE_RESPONSE_WORDS
    assert RESPONDER_WORDS in rows["tetanus_responder"] and "relative response ≥ 0.25" in RESPONDER_WORDS


def test_immunosuppression_says_it_leaves_vaccine_responses_and_t_cells_alone() -> None:
    from hemasim.interventions.immunosuppression import IMMUNOSUPPRESSION_SCOPE
    from hemasim.report.html import interventions_html, section_note

    assert "vaccine response" in IMMUNOSUPPRESSION_SCOPE and "T-cell recovery" in IMMUNOSUPPRESSION_SCOPE
    listed = interventions_html({"interventions": [{"kind": "immunosuppression", "agent": "ciclosporin",
                                                    "start_day": 5, "end_day": 56, "taper_days": 130}]})
    assert IMMUNOSUPPRESSION_SCOPE in listed.replace("&#x27;", "'")
    assert IMMUNOSUPPRESSION_SCOPE in section_note("Vaccine responses")


def test_a_gcsf_cmax_says_why_it_is_not_computed() -> None:
    from hemasim.interventions.dosed import CELL_CLEARED_NOTE

    assert CELL_CLEARED_NOTE.startswith("not computed") and "neutrophils" in CELL_CLEARED_NOTE


def test_platelet_engraftment_day_carries_the_models_known_lateness() -> None:
    from hemasim.endpoints import EndpointValue
    from hemasim.report.key_results import key_results_html

    text = key_results_html({"run": [EndpointValue("platelet_engraftment_day", 37.0, "day after graft", "d")]})
    assert "T8" in text and "T9" in text and "The allogeneic platelet engraftment day" in text
    # none where there is no day to qualify
    none = key_results_html({"run": [EndpointValue("platelet_engraftment_day", None, "day after graft", "d",
                                                   "did not fall")]})
    assert "T9" not in none


def test_a_ric_graft_and_its_dli_carry_the_models_known_limits() -> None:
    from types import SimpleNamespace

    from hemasim.report.key_results import RIC_CHIMERISM_LIMIT, RIC_DLI_LIMIT, model_limits
    from hemasim.scenario import load_scenario

    from .conftest import EXAMPLES

    base = load_scenario(EXAMPLES / "ric_allo_hsct.yaml")
    from hemasim.scenario.arms import arm_scenarios

    arms = dict(arm_scenarios(base, "ric_allo_hsct.yaml"))
    runs = {name: SimpleNamespace(record=SimpleNamespace(scenario=s)) for name, s in arms.items()}
    assert model_limits({"": runs["no_dli"]}) == [RIC_CHIMERISM_LIMIT]
    assert model_limits(runs) == [RIC_CHIMERISM_LIMIT, f"Arm dli_day120: {RIC_DLI_LIMIT}"]
    myeloablative = SimpleNamespace(record=SimpleNamespace(scenario=load_scenario(EXAMPLES / "allo_hsct_pbsc.yaml")))
    assert model_limits({"": myeloablative}) == []
    assert model_limits({"mac": myeloablative, "ric": runs["no_dli"]}) == [f"Arm ric: {RIC_CHIMERISM_LIMIT}"]


def test_a_dli_is_marked_on_the_plots() -> None:
    from types import SimpleNamespace

    import numpy as np

    from hemasim.report.interactive import dli_vlines
    from hemasim.scenario import load_scenario
    from hemasim.scenario.arms import arm_scenarios

    from .conftest import EXAMPLES

    base = load_scenario(EXAMPLES / "ric_allo_hsct.yaml")
    arms = [(name, SimpleNamespace(record=SimpleNamespace(scenario=s), times=np.arange(0.0, 370.0)))
            for name, s in arm_scenarios(base, "ric_allo_hsct.yaml")]
    lines = dli_vlines(arms)  # type: ignore[arg-type]
    assert [line["x"] for line in lines] == [124.0] and lines[0]["label"] == "DLI"
