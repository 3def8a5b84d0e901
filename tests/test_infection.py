"""Bacterial infection: neutrophil killing, inflammation-driven neutrophilia, outcomes and properties."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.biology import Covariates, healthy_human_model
from hemasim.biology.infection import BacterialInfection, pathogen_state
from hemasim.endpoints import evaluate_endpoints
from hemasim.events import CellInfusion
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import ScenarioError, parse_scenario
from hemasim.simulation import Simulation

from .conftest import assert_roadrunner_matches

ADULT = Covariates(35.0, "male", 70.0, 175.0)


def infected(anc_setpoint=4.75, inoculum=1e9, days=40.0):
    params = healthy_adult_parameters().with_values(anc_setpoint_1e9_per_L=anc_setpoint)
    model = healthy_human_model(ADULT, params, aging=False, extensions=[BacterialInfection()])
    return Simulation(model, events=[CellInfusion(1.0, pathogen_state("bacteria"), inoculum)]).run(days, 0.1)


def clearance_day(r) -> float:
    gone = np.nonzero((r.times > 1.0) & (r.observable("bacteria_cfu") < 1.0))[0]
    return float(r.times[gone[0]]) if len(gone) else np.inf


def test_no_infection_keeps_the_healthy_state():
    model = healthy_human_model(ADULT, aging=False, extensions=[BacterialInfection()])
    r = Simulation(model).run(60.0, 20.0)
    assert np.max(np.abs(r.states - r.states[0]) / np.maximum(r.states[0], 1.0)) < 1e-6


def test_a_moderate_infection_raises_the_white_count_and_is_cleared():
    r = infected()
    assert r.observable("wbc_1e9_per_L").max() > 12.0
    assert clearance_day(r) < 30.0
    assert r.observable("bacteria_inflammation_au").max() > 0.5 and r.observable("bacteria_inflammation_au")[-1] < 0.05


def test_inflammation_mobilises_stem_and_progenitor_cells_and_they_return():
    r = infected(days=60.0)
    cd34 = r.observable("cd34_blood_per_uL")
    rest = healthy_adult_parameters().value("cd34_blood_baseline_per_uL")
    assert cd34[0] == pytest.approx(rest, rel=1e-9)
    assert cd34.max() > 2.0 * rest  # mobilised during the infection
    assert cd34[-1] == pytest.approx(rest, rel=0.05)  # and back after it
    smaller = infected(inoculum=1e7, days=60.0).observable("cd34_blood_per_uL").max()
    assert rest <= smaller < cd34.max()


@pytest.mark.parametrize("inoculum", [1e7, 1e8, 1e9])
def test_fewer_neutrophils_never_clear_an_infection_faster(inoculum):
    days = [clearance_day(infected(anc, inoculum)) for anc in (6.0, 4.75, 3.0, 1.5, 0.5)]
    assert days == sorted(days), days
    assert np.isinf(days[-1])  # a neutropenic host does not clear it


def test_infection_scenarios_report_outcomes_and_refuse_bad_input():
    s = parse_scenario({"name": "x", "duration_days": 40, "aging": False,
                        "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
                        "interventions": [{"kind": "infection", "day": 1}]})
    ep = {e.name: e.value for e in evaluate_endpoints(run_scenario(s))}
    assert ep["bacteria_cleared"] == 1.0 and 0 < ep["bacteria_clearance_day"] < 30
    assert ep["bacteria_peak_wbc"] > 12 and ep["bacteria_peak_cfu"] >= 1e9
    for below_one_cfu in (0, 0.5):  # below one bacterium the extinction gate would silently end it: refused
        with pytest.raises(ScenarioError, match="interventions.0.inoculum_cfu"):
            parse_scenario({"name": "x", "duration_days": 40, "patient": {"age_years": 35, "sex": "male",
                                                                          "weight_kg": 70},
                            "interventions": [{"kind": "infection", "day": 1, "inoculum_cfu": below_one_cfu}]})


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.integration
def test_exported_infection_model_matches_libroadrunner():
    model = healthy_human_model(ADULT, aging=False, extensions=[BacterialInfection()]).compile()
    # the bacteria fall by 17 decades after clearance: libRoadRunner needs a tight absolute tolerance there
    assert_roadrunner_matches(model, [CellInfusion(1.0, pathogen_state("bacteria"), 1e9)], 20.0, 81, rr_atol=1e-14)


def test_a_vaccine_against_the_bacteria_opsonises_and_speeds_clearance():
    def course(vaccinated: bool):
        ivs = [{"kind": "infection", "day": 60, "inoculum_cfu": 1e9}]
        if vaccinated:
            ivs.insert(0, {"kind": "vaccine", "day": 1, "antigen": "bacteria"})
        spec = parse_scenario({"name": "b", "duration_days": 100, "aging": False, "output": {"every_days": 0.1},
                               "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
                               "interventions": ivs})
        return {e.name: e.value for e in evaluate_endpoints(run_scenario(spec))}

    naive, primed = course(False), course(True)
    assert primed["bacteria_cleared"] == naive["bacteria_cleared"] == 1.0
    assert primed["bacteria_clearance_day"] < naive["bacteria_clearance_day"]
    assert primed["bacteria_peak_cfu"] <= naive["bacteria_peak_cfu"]
