"""Viral infection: healthy state without infection, clearance by T cells and antibody, by exhaustion of the
epithelium without T cells, protection by a prior vaccine (monotone in dose), bad input, report, and libRoadRunner."""

import math
from pathlib import Path

import numpy as np
import pytest

from hemasim.assembly import build_events, build_model, run_scenario, scenario_endpoint_columns
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import ScenarioError, load_scenario, parse_scenario
from hemasim.simulation import Simulation
from tests.conftest import assert_roadrunner_matches

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _scenario(interventions, genotype="healthy", days=150, age=35, aging=True, parameters=None, every_days=0.25):
    return parse_scenario({"name": "viral", "duration_days": days, "output": {"every_days": every_days}, "aging": aging,
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
    # convention, so no fixed AU count; with the human expansion rate, Le 2015, and the programmed expansion, virus32,
    # the peak is about 29-fold priming, two weeks after the inoculum; without expansion it stays below priming)
    primed_au = healthy_adult_parameters().value("cd8_recruitment_au_per_day") * healthy["influenza_clearance_day"]
    assert healthy["influenza_peak_cd8_effectors"] > 2.0 * primed_au and healthy["influenza_igg_day28"] > 1.0
    scid = run_scenario(_scenario([INFECTION], genotype="il2rg_scid"))
    e = _endpoints(scid)
    assert e["influenza_peak_cd8_effectors"] == 0.0 and e["influenza_igg_day28"] == 0.0
    assert np.all(scid.observable("influenza_cd8_programmed_au") == 0.0)  # no naive CD8 cells: nothing is programmed
    assert e["influenza_peak_viral_load"] > healthy["influenza_peak_viral_load"]
    assert e["influenza_cleared"] == 1.0 and e["influenza_clearance_day"] > healthy["influenza_clearance_day"]
    assert scid.observable("influenza_viral_load")[-1] < 1e-20  # extinct, decaying (c 3/day) toward zero


@pytest.mark.xfail(strict=True, reason="known limitation (docs/immunity.md, viral infection): during the infection "
                   "(infected cells far above K_I = 10) the CD8 response grows at Le 2015's net rate whether it is "
                   "antigen-driven or programmed (virus32), reaching about 0.2 AU by clearance, so its killing (about "
                   "2/day against the infected cells' own 4/day) ends the healthy man's infection 0.05 day sooner "
                   "(5.85 against 5.90 on a 0.05-day grid); cd8_kill_per_au_day is assumed and not "
                   "retuned against this test")
def test_cd8_killing_shortens_the_healthy_mans_infection():
    # a meaningful shortening (half a day) on a fine grid, so a grid point crossed by the 0.05-day effect cannot
    # flip this strict xfail (on the 0.25-day grid, `<` alone was one crossing from passing)
    def cleared_on(parameters=None):
        e = _endpoints(run_scenario(_scenario([INFECTION], days=60, parameters=parameters, every_days=0.05)))
        assert e["influenza_cleared"] == 1.0
        return e["influenza_clearance_day"]
    assert cleared_on() <= cleared_on({"cd8_kill_per_au_day": 0.0}) - 0.5


@pytest.mark.xfail(strict=True, reason="known limitation (docs/immunity.md, viral infection): the vaccine's antibody "
                   "lowers the peak 5-fold, so the epithelium is not exhausted and the smaller infection is left to "
                   "the antibody and a CD8 response no faster than in the unvaccinated man (the vaccine primes no T "
                   "cells): day 9 against day 6. The programmed expansion (virus32) does not change it (8.90 against "
                   "8.60 on a 0.05-day grid before it)")
def test_a_man_vaccinated_90_days_before_clears_no_later_than_an_unvaccinated_one():
    vaccinated = _endpoints(run_scenario(load_scenario(EXAMPLES / "influenza_after_vaccination.yaml")))
    healthy = _endpoints(run_scenario(_scenario([{**INFECTION, "day": 90}], days=210)))
    assert vaccinated["influenza_cleared"] == healthy["influenza_cleared"] == 1.0
    assert vaccinated["influenza_clearance_day"] <= healthy["influenza_clearance_day"]


def test_the_programmed_expansion_outlasts_the_infection():
    """Primed CD8 T cells go on dividing without antigen (Kaech & Ahmed 2001; van Stipdonk 2001), so the response peaks
    after the infected cells are gone, as the human YFV-specific response peaks about two weeks after the vaccine
    (Miller 2008, Akondy 2017, Le 2015); with a one-division programme it peaks with the infection, as it did before."""
    def course(parameters=None):
        r = run_scenario(_scenario([INFECTION], parameters=parameters))
        effectors = r.observable("influenza_cd8_effectors_au")
        return _endpoints(r), float(r.times[np.argmax(effectors)] - INFECTION["day"]), r
    e, peak_day, r = course()
    cleared_on = e["influenza_clearance_day"]
    assert peak_day > cleared_on + 5.0  # measured: day 16.25 against 6
    after = np.searchsorted(r.times, INFECTION["day"] + cleared_on + 1.0)
    assert r.observable("influenza_infected_cells")[after] < 1.0 < r.observable("influenza_cd8_effectors_au")[
        after:].max() / r.observable("influenza_cd8_effectors_au")[after]  # no antigen left, and still expanding
    short, short_peak_day, _ = course({"cd8_programme_days": 1.0})  # n = round(1 d x (rho + d_E) 1.147/day) = 1
    assert short_peak_day < short["influenza_clearance_day"] + 2.0 and short["influenza_peak_cd8_effectors"] < e[
        "influenza_peak_cd8_effectors"]


def _cd8_derived(parameters=None):
    model = build_model(_scenario([INFECTION], days=40, parameters=parameters))
    return model.parameters["cd8_division_rate_per_day"].value, model.parameters["cd8_programme_divisions"].value


@pytest.mark.parametrize(("d_e", "divisions"), [(None, 16.0), (0.2, 10.0), (0.8, 27.0)])
def test_the_division_rate_and_count_follow_the_contraction_and_hold_the_cited_net_rate_and_two_weeks(d_e, divisions):
    """rho = g + d_E and n = round(D (rho + d_E)) with g (Le 2015) and D = 14 d (Akondy 2017) the records (branch
    cd8cite32): a screen or what-if of the assumed d_E holds what the sources measured instead of moving it."""
    table = healthy_adult_parameters()
    g, days = table.value("cd8_net_expansion_per_day"), table.value("cd8_programme_days")
    rho, n = _cd8_derived(None if d_e is None else {"cd8_contraction_per_day": d_e})
    d_e = table.value("cd8_contraction_per_day") if d_e is None else d_e
    assert rho - d_e == pytest.approx(g) and g == pytest.approx(math.log(2.0) / 2.0)
    assert n == divisions and abs(n / (rho + d_e) - days) <= 0.5 / (rho + d_e)  # the whole count nearest two weeks


@pytest.mark.parametrize(("old", "new"), [("cd8_expansion_per_day", "cd8_net_expansion_per_day"),
                                          ("cd8_programme_divisions", "cd8_programme_days")])
def test_a_former_cd8_parameter_name_is_refused_naming_its_replacement(old, new):
    with pytest.raises(ScenarioError, match=f"{old}: unknown parameter; renamed: it is now {new} "):
        _scenario([INFECTION], days=40, parameters={old: 1.0})


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


def test_a_cohort_s_per_patient_values_under_a_former_name_name_the_replacement():
    """healthy_human_model's per_patient (the library's cohort route) names the renamed record too, as a scenario does
    (review32c: the fitting problem and population loaders say it as well)."""
    import numpy as np

    from hemasim.biology import healthy_human_model

    with pytest.raises(ValueError, match=r"cd8_expansion_per_day \(renamed: it is now cd8_net_expansion_per_day"):
        healthy_human_model(per_patient={"cd8_expansion_per_day": np.array([0.7, 0.8])})
