"""Viral infection: healthy state without infection, clearance by T cells and antibody, by exhaustion of the
epithelium without T cells, protection by a prior vaccine (monotone in dose), bad input, report, and libRoadRunner."""

import numpy as np
import pytest

from hemasim.assembly import build_events, build_model, run_scenario, scenario_endpoint_columns
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import ScenarioError, parse_scenario
from hemasim.simulation import Simulation
from tests.conftest import assert_roadrunner_matches


def _scenario(interventions, genotype="healthy", days=150, age=35, aging=True, parameters=None):
    return parse_scenario({"name": "viral", "duration_days": days, "output": {"every_days": 0.25}, "aging": aging,
                           "patient": {"age_years": age, "sex": "male", "weight_kg": 75, "height_cm": 178,
                                       "genotype": genotype},
                           "interventions": interventions, "parameters": parameters or {}})


INFECTION = {"kind": "viral_infection", "day": 30, "virus": "influenza", "inoculum_tcid50": 0.1}


def _endpoints(result):
    return {c.name: float(c.values[0]) for c in scenario_endpoint_columns(result.record.scenario, result)}


def test_without_an_inoculum_the_healthy_state_holds():
    spec = _scenario([INFECTION], aging=False)
    model = build_model(spec).compile()
    r = Simulation(model).run(200, output_every_days=20)  # no events: the virus is never seeded
    assert np.allclose(r.states[-1], r.states[0], rtol=1e-6, atol=1e-9)
    assert np.all(r.observable("influenza_viral_load") == 0.0)


def test_a_healthy_adult_mounts_cd8_and_igg_and_clears_before_a_host_without_t_cells_who_exhausts_the_epithelium():
    """Without T cells nothing but the exhausted epithelium ends the infection: a higher peak, cleared later, no CD8 or
    IgG response. (It kept shedding, from a trough of 0.06 infected cells, before the extinction gate: docs/immunity.md,
    "Extinction of a cleared infection".) What ends the healthy man's infection sooner is the antibody, not the CD8
    killing (the xfail below)."""
    healthy = _endpoints(run_scenario(_scenario([INFECTION])))
    assert healthy["influenza_cleared"] == 1.0
    assert 3 <= healthy["influenza_clearance_day"] <= 15
    # the effectors expanded: their peak is several times what priming alone adds until clearance (an AU is a unit
    # convention, so no fixed AU count; with the human expansion rate, Le 2015, and the extinction gate, which ends
    # the sub-one-cell tail that kept priming them, the peak is about 3-fold priming; without expansion it stays
    # below priming, as the effectors contract)
    primed_au = healthy_adult_parameters().value("cd8_recruitment_au_per_day") * healthy["influenza_clearance_day"]
    assert healthy["influenza_peak_cd8_effectors"] > 2.0 * primed_au and healthy["influenza_igg_day28"] > 1.0
    scid = run_scenario(_scenario([INFECTION], genotype="il2rg_scid"))
    e = _endpoints(scid)
    assert e["influenza_peak_cd8_effectors"] == 0.0 and e["influenza_igg_day28"] == 0.0
    assert e["influenza_peak_viral_load"] > healthy["influenza_peak_viral_load"]
    assert e["influenza_cleared"] == 1.0 and e["influenza_clearance_day"] > healthy["influenza_clearance_day"]
    assert scid.observable("influenza_viral_load")[-1] < 1e-20  # extinct, decaying (c 3/day) toward zero


@pytest.mark.xfail(strict=True, reason="known limitation (docs/immunity.md, viral infection): the model's CD8 "
                   "expansion needs infected cells (s(I) = I/(I + 10 cells)) and stops once they fall below ~10, so "
                   "the effectors peak at 0.19 AU as the infection ends; Le 2015's expansion runs ~2 weeks. With "
                   "cd8_kill_per_au_day = 0 the healthy man's infection still ends on day 6")
def test_cd8_killing_shortens_the_healthy_mans_infection():
    with_killing = _endpoints(run_scenario(_scenario([INFECTION])))
    without = _endpoints(run_scenario(_scenario([INFECTION], parameters={"cd8_kill_per_au_day": 0.0})))
    assert with_killing["influenza_cleared"] == without["influenza_cleared"] == 1.0
    assert with_killing["influenza_clearance_day"] < without["influenza_clearance_day"]


def test_a_prior_vaccine_lowers_the_peak_more_the_larger_the_dose():
    peaks = []
    for dose in (0.0, 0.1, 0.3, 1.0):
        ivs = [INFECTION] if dose == 0 else [{"kind": "vaccine", "day": 1, "antigen": "influenza", "dose": dose},
                                            INFECTION]
        peaks.append(_endpoints(run_scenario(_scenario(ivs, days=90)))["influenza_peak_viral_load"])
    assert np.all(np.diff(peaks) < 0), peaks


@pytest.mark.parametrize(("patch", "field"), [({"virus": "Flu A"}, "virus"), ({"inoculum_tcid50": 0}, "inoculum"),
                                              ({"day": -1}, "day")])
def test_bad_viral_infection_names_the_field(patch, field):
    with pytest.raises(ScenarioError, match=field):
        _scenario([{**INFECTION, **patch}])


def test_report_shows_virus_effectors_and_antibody(tmp_path):
    from hemasim.io import write_run_outputs

    write_run_outputs(run_scenario(_scenario([INFECTION], days=60)), tmp_path / "out")
    text = (tmp_path / "out" / "report.html").read_text().replace("<wbr>", "")  # names break after "_"
    assert "Viral infection" in text and "influenza_cleared" in text


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.integration
def test_libroadrunner_follows_a_viral_infection():
    spec = _scenario([{"kind": "vaccine", "day": 1, "antigen": "influenza", "dose": 0.2}, INFECTION], days=60)
    model = build_model(spec).compile()
    assert_roadrunner_matches(model, build_events(spec), 60.0, 31, tol=1e-3)
