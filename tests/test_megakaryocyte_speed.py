"""The megakaryocyte lineage's speed (issue 17, branch megak; docs/platelets.md): the cited platelet chain
(platelet_age_stages, Wang 2010: a near-fixed lifespan) empties within about 1.5 mean lifespans once production
stops, and the TPO-like feedback (megakaryocyte_feedback_log_slope, Han 2015) raises production more the deeper
the thrombocytopenia, from a steady state it holds."""

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import parse_scenario
from hemasim.validation.scenario_runs import scenario_run

PATIENT = {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175}
COLLECTION_DAY = 5.0


def _collection(surviving_fraction: float, parameters: dict[str, float] | None = None):
    """A healthy man whose circulating platelets lose 1 - surviving_fraction at once on day 5 (a collection)."""
    return run_scenario(parse_scenario({
        "name": "one platelet collection", "patient": PATIENT, "duration_days": 30, "aging": False,
        "output": {"every_days": 0.25}, "parameters": parameters or {},
        "interventions": [{"kind": "cell_depletion", "day": COLLECTION_DAY, "groups": ["megakaryocytic"],
                           "except_groups": ["marrow"], "surviving_fraction": surviving_fraction,
                           "applies_to": "circulating"}]}, "test"))


def test_the_cited_values_are_the_ones_in_use():
    table = healthy_adult_parameters()
    assert table.value("platelet_age_stages") == 10  # Wang 2010, NPLT
    assert table.value("megakaryocyte_feedback_log_slope") == pytest.approx(0.304)  # Han 2015, GAMMA_P


@pytest.mark.parametrize("stages", [3, 10])
def test_the_steady_state_holds_before_any_event(stages):
    result = _collection(0.5, {"platelet_age_stages": stages})
    before = result.times < COLLECTION_DAY
    np.testing.assert_allclose(result.observable("platelets_1e9_per_L")[before], 275.0, rtol=1e-9)
    production = result.observable("platelet_production_per_day")[before]
    np.testing.assert_allclose(production, production[0], rtol=1e-9)


def test_deeper_thrombocytopenia_raises_production_more():
    """Production 10 and 20 days after a collection rises monotonically with the share collected."""
    late = {}
    for surviving in (0.9, 0.7, 0.5, 0.3):
        r = _collection(surviving)
        production = r.observable("platelet_production_per_day")
        base = production[0]
        late[surviving] = [float(np.interp(COLLECTION_DAY + d, r.times, production)) / base for d in (10.0, 20.0)]
    for day in (0, 1):
        ratios = [late[s][day] for s in (0.9, 0.7, 0.5, 0.3)]
        assert all(a < b for a, b in zip(ratios, ratios[1:], strict=False)), ratios
        assert ratios[0] > 1.0


def test_a_stronger_feedback_raises_production_faster():
    """The same collection with the cited log-slope against the neutrophil one it replaced (0.161)."""
    def rise(slope: float) -> float:
        r = _collection(0.5, {"megakaryocyte_feedback_log_slope": slope})
        production = r.observable("platelet_production_per_day")
        return float(np.interp(COLLECTION_DAY + 15.0, r.times, production) / production[0])

    assert rise(0.304) > rise(0.161) > 1.0


def test_platelets_made_before_myeloablation_are_nearly_gone_within_fourteen_days():
    """Cy/TBI 12 Gy from day 0 and no graft: the platelets already made (and those maturing, which the conditioning
    spares in part) leave within about 1.4 mean lifespans (Fliedner 2002: within about 10 days of a myeloablative
    irradiation; Hanson & Slichter 1985: maximum life span 10.5 days): under 5% on day 14 (2.7%; 14% on day 10). With
    3 age stages (assumed until the ninth session) 10.7% would still circulate on day 14."""
    def left_on_day_14(stages: int) -> float:
        r = scenario_run("cy_tbi_pbsc", {"duration_days": 20, "interventions": {1: {"day": 19}},
                                          "parameters": {"platelet_age_stages": stages}})
        plt = r.observable("platelets_1e9_per_L")
        return float(np.interp(14.0, r.times, plt) / plt[0])

    assert left_on_day_14(10) < 0.05 < left_on_day_14(3)
