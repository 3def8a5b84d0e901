"""Vaccine responses: kinetics, help from B and CD4 T cells, boosts, SCID, and the exported model."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.biology import Covariates, healthy_human_model
from hemasim.biology.vaccine import VaccineResponse, antigen_state
from hemasim.events import CellDepletion, CellInfusion
from hemasim.scenario import ScenarioError, parse_scenario
from hemasim.simulation import Simulation

from .conftest import assert_roadrunner_matches

ADULT = Covariates(35.0, "male", 70.0, 175.0)


def response(events=(), cov=ADULT, days=60.0, antigen="flu"):
    model = healthy_human_model(cov, aging=False, extensions=[VaccineResponse(antigen)])
    r = Simulation(model, events=[*events, CellInfusion(1.0, antigen_state(antigen), 1.0)]).run(days, 0.5)
    return r


def test_without_a_dose_the_healthy_state_holds():
    model = healthy_human_model(ADULT, aging=False, extensions=[VaccineResponse("flu")])
    r = Simulation(model).run(100.0, 25.0)
    assert np.all(r.states[:, [model.compile().index(n) for n in ("flu_igg", "flu_plasmablasts")]] == 0.0)
    assert np.max(np.abs(r.states - r.states[0]) / np.maximum(r.states[0], 1.0)) < 1e-6  # solver tolerance


def test_fewer_b_or_cd4_cells_never_give_a_stronger_response():
    for groups in (("b_cell",), ("cd4",)):
        peaks = [response([CellDepletion(0.5, groups, f)]).observable("flu_igg_au").max() for f in (1.0, 0.9, 0.5, 0.1)]
        assert all(a > b for a, b in zip(peaks, peaks[1:], strict=False)), (groups, peaks)


def test_a_boost_is_faster_and_larger_than_the_prime():
    model = healthy_human_model(ADULT, aging=False, extensions=[VaccineResponse("flu")])
    ev = [CellInfusion(0.0, antigen_state("flu"), 1.0), CellInfusion(120.0, antigen_state("flu"), 1.0)]
    r = Simulation(model, events=ev).run(200.0, 0.5)
    igg = r.observable("flu_igg_au")
    prime, boost = igg[r.times < 120].max(), igg[r.times >= 120].max()
    assert boost > 3 * prime
    rise = lambda a, b: r.times[(r.times >= a) & (r.times < b)][np.argmax(igg[(r.times >= a) & (r.times < b)]  # noqa: E731
                                                                     > 0.5 * (prime if a == 0 else boost))] - a
    assert rise(120, 200) <= rise(0, 120)


def test_scid_without_t_cells_makes_no_antibody_and_older_adults_make_less():
    s = parse_scenario({"name": "x", "duration_days": 60, "aging": False,
                        "patient": {"age_years": 1, "sex": "male", "weight_kg": 10, "height_cm": 75,
                                    "genotype": "il2rg_scid"},
                        "interventions": [{"kind": "vaccine", "day": 7, "antigen": "tetanus"}]})
    assert run_scenario(s).observable("tetanus_igg_au").max() == 0.0
    young = response(cov=Covariates(25.0, "female", 65.0, 165.0)).observable("flu_igg_au").max()
    old = response(cov=Covariates(85.0, "female", 65.0, 165.0)).observable("flu_igg_au").max()
    assert old < young


def test_vaccine_endpoints_and_bad_input():
    from hemasim.endpoints import evaluate_endpoints

    s = parse_scenario({"name": "x", "duration_days": 60, "aging": False,
                        "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
                        "interventions": [{"kind": "vaccine", "day": 7, "antigen": "tetanus"}]})
    ep = {e.name: e.value for e in evaluate_endpoints(run_scenario(s))}
    assert 5 <= ep["tetanus_plasmablast_peak_day"] <= 9
    assert ep["tetanus_relative_response"] == pytest.approx(1.0, rel=1e-6) and ep["tetanus_responder"] == 1.0
    for iv, field in (({"kind": "vaccine", "day": 7, "antigen": "Flu B"}, "interventions.0.antigen"),
                      ({"kind": "vaccine", "day": 7, "antigen": "flu", "dose": -1}, "interventions.0.dose")):
        with pytest.raises(ScenarioError, match=field):
            parse_scenario({"name": "x", "duration_days": 30, "patient": {"age_years": 35, "sex": "male",
                                                                          "weight_kg": 70}, "interventions": [iv]})


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.integration
def test_exported_vaccine_model_matches_libroadrunner():
    model = healthy_human_model(ADULT, aging=False, extensions=[VaccineResponse("flu")]).compile()
    events = [CellInfusion(2.0, antigen_state("flu"), 1.0), CellInfusion(30.0, antigen_state("flu"), 1.0)]
    assert_roadrunner_matches(model, events, 60.0, 61)
