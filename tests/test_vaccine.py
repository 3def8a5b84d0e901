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
@pytest.mark.parametrize("law", [
    {},  # the shipped law
    # the opt-in dose law (branch humdose37; review37c): recruitment saturating in antigen, s_rec = 1/K_rec > 0 ...
    {"vaccine_recruitment_saturation_per_au": 2.0},
    # ... with the expansion's antigen gate open (K = 0: its factor not built; the law b of the fit) ...
    {"vaccine_recruitment_saturation_per_au": 2.0, "vaccine_antigen_half_saturation_au": 0.0},
    # ... and the gate open alone
    {"vaccine_antigen_half_saturation_au": 0.0},
], ids=["shipped", "s_rec_2", "s_rec_2_gate_open", "gate_open"])
def test_exported_vaccine_model_matches_libroadrunner(law):
    from hemasim.parameters import healthy_adult_parameters

    params = healthy_adult_parameters().with_values(**law)
    model = healthy_human_model(ADULT, params, aging=False, extensions=[VaccineResponse("flu")]).compile()
    # the law as set is the law built (not the shipped model again): its factor built, the gate's left out at K = 0
    assert ("flu_recruitment_saturation" in model.feedback_names) == ("vaccine_recruitment_saturation_per_au" in law)
    assert ("flu_antigen_saturation" in model.feedback_names) == ("vaccine_antigen_half_saturation_au" not in law)
    events = [CellInfusion(2.0, antigen_state("flu"), 1.0), CellInfusion(30.0, antigen_state("flu"), 1.0)]
    assert_roadrunner_matches(model, events, 60.0, 61)


def _two_doses(interval: float, tau: float | None, after: float = 28.0, boost: bool = True) -> float:
    """IgG ``after`` days after a second dose ``interval`` days after the first (or, boost=False, the same day
    without the second dose), with memory maturation time ``tau`` (None: the table's default)."""
    from hemasim.parameters import healthy_adult_parameters

    params = healthy_adult_parameters()
    if tau is not None:
        params = params.with_values(memory_b_maturation_days=tau)
    model = healthy_human_model(ADULT, params, aging=False, extensions=[VaccineResponse("flu")])
    events = [CellInfusion(1.0, antigen_state("flu"), 1.0)]
    if boost:
        events.append(CellInfusion(1.0 + interval, antigen_state("flu"), 1.0))
    r = Simulation(model, events=events).run(1.0 + interval + after, 0.5)
    return float(np.interp(1.0 + interval + after, r.times, r.observable("flu_igg_au")))


@pytest.mark.slow
def test_with_memory_maturation_a_later_boost_never_recalls_less():
    """Under the maturation law (docs/immunity.md) the antibody a boost adds (boosted minus unboosted run, 28 days
    after the boost) does not fall as the boost comes later, and a late boost gains more over an early one than
    with memory recallable at once (tau_mat = 0)."""
    intervals = (14.0, 28.0, 56.0, 112.0, 224.0)
    added = [_two_doses(i, 60.0) - _two_doses(i, 60.0, boost=False) for i in intervals]
    assert all(b >= a * (1 - 1e-6) for a, b in zip(added, added[1:], strict=False)), added
    assert added[-1] > 1.2 * added[0]
    ratio = lambda tau: _two_doses(84.0, tau) / _two_doses(21.0, tau)  # noqa: E731
    assert ratio(60.0) > ratio(0.0) + 0.2


def test_a_short_maturation_time_approaches_the_direct_memory_flow():
    """tau_mat -> 0 joins the law with the old model (memory recallable at once, tau_mat = 0 builds no maturing pool)."""
    direct, fast, slow = (_two_doses(21.0, tau, boost=False) for tau in (0.0, 1e-3, 60.0))
    assert fast == pytest.approx(direct, rel=1e-3)
    assert slow < direct  # without the prime's own memory recalled at once, the first response is smaller
    from hemasim.parameters import healthy_adult_parameters

    for tau, pool in ((0.0, False), (60.0, True)):
        params = healthy_adult_parameters().with_values(memory_b_maturation_days=tau)
        model = healthy_human_model(ADULT, params, aging=False, extensions=[VaccineResponse("flu")])
        assert ("flu_maturing_memory_b" in model.compile().state_names) is pool


@pytest.mark.slow  # > 2 s
@pytest.mark.integration
def test_exported_vaccine_model_with_memory_maturation_matches_libroadrunner():
    from hemasim.parameters import healthy_adult_parameters

    params = healthy_adult_parameters().with_values(memory_b_maturation_days=60.0)
    model = healthy_human_model(ADULT, params, aging=False, extensions=[VaccineResponse("flu")]).compile()
    events = [CellInfusion(2.0, antigen_state("flu"), 1.0), CellInfusion(30.0, antigen_state("flu"), 1.0)]
    assert_roadrunner_matches(model, events, 60.0, 61)


def _course(days: float, boost_day: float | None = None, **values: float):
    """IgG (and the model) after a dose on day 1 (and a boost on ``boost_day``) with parameter ``values``."""
    from hemasim.parameters import healthy_adult_parameters

    model = healthy_human_model(ADULT, healthy_adult_parameters().with_values(**values), aging=False,
                                extensions=[VaccineResponse("flu")])
    events = [CellInfusion(1.0, antigen_state("flu"), 1.0)]
    if boost_day is not None:
        events.append(CellInfusion(boost_day, antigen_state("flu"), 1.0))
    return Simulation(model, events=events).run(days, 0.5), model.compile()


def test_recall_shares_equal_to_the_primary_ones_are_the_one_pool_model():
    """Equal shares build no recall pools and no short-lived plasma cells; shares a hair apart split the pools and
    give the same antibody (the equations are linear in the two pools)."""
    one, one_model = _course(200.0, boost_day=100.0)
    assert not {"flu_recall_activated_b", "flu_recall_plasmablasts", "flu_short_lived_pc"} & set(one_model.state_names)
    split, split_model = _course(200.0, boost_day=100.0, recall_long_lived_plasma_cell_fraction=0.01 * (1 + 1e-9))
    assert {"flu_recall_activated_b", "flu_recall_plasmablasts"} <= set(split_model.state_names)
    assert "flu_short_lived_pc" not in split_model.state_names
    for name in ("flu_igg_au", "flu_plasmablasts_au"):  # to the solver's tolerance
        ref = one.observable(name)
        np.testing.assert_allclose(split.observable(name), ref, rtol=1e-5, atol=1e-6 * ref.max())


def test_short_lived_plasma_cells_wane_with_their_half_life_and_hold_antibody_for_months():
    base, _ = _course(400.0)
    slow, model = _course(400.0, short_lived_plasma_cell_fraction=0.1, short_lived_plasma_cell_half_life_days=50.0)
    slpc = slow.states[:, model.index("flu_short_lived_pc")]
    at = lambda r, x, d: float(np.interp(d, r.times, x))  # noqa: E731
    assert at(slow, slpc, 300.0) / at(slow, slpc, 200.0) == pytest.approx(0.5 ** 2, rel=1e-3)
    igg = lambda r: r.observable("flu_igg_au")  # noqa: E731
    assert at(slow, igg(slow), 120.0) / at(slow, igg(slow), 30.0) > 1.5 * at(base, igg(base), 120.0) / at(
        base, igg(base), 30.0)


def test_with_memory_maturation_recall_shares_act_on_a_boost_not_on_the_first_dose():
    values = {"memory_b_maturation_days": 60.0}
    same, _ = _course(300.0, boost_day=120.0, **values)
    durable, _ = _course(300.0, boost_day=120.0, recall_long_lived_plasma_cell_fraction=0.1, **values)
    igg = lambda r, d: float(np.interp(d, r.times, r.observable("flu_igg_au")))  # noqa: E731
    # the first dose keeps (nearly) the primary shares: its memory matures while its antigen wanes, so only a little of
    # it is recalled by the same dose; months after the boost the recall's long-lived cells hold the antibody
    assert 1.0 < igg(durable, 60.0) / igg(same, 60.0) < 1.1
    assert igg(durable, 300.0) / igg(same, 300.0) > 2.0


@pytest.mark.slow  # > 2 s
@pytest.mark.integration
def test_exported_vaccine_model_with_recall_pools_and_short_lived_cells_matches_libroadrunner():
    from hemasim.parameters import healthy_adult_parameters

    params = healthy_adult_parameters().with_values(short_lived_plasma_cell_fraction=0.05,
                                                    recall_short_lived_plasma_cell_fraction=0.1,
                                                    recall_long_lived_plasma_cell_fraction=0.05)
    model = healthy_human_model(ADULT, params, aging=False, extensions=[VaccineResponse("flu")]).compile()
    events = [CellInfusion(2.0, antigen_state("flu"), 1.0), CellInfusion(30.0, antigen_state("flu"), 1.0)]
    assert_roadrunner_matches(model, events, 60.0, 61)


def test_the_waning_bound_holds_for_the_models_own_courses():
    """bench/antibody_waning_bound.py: with the days 35-63 half-life at most x, month 6 over month 1 after one dose
    (and the month 1-12 half-life) is at most its linear-programming ceiling, whatever the plasma-cell shares (the docs' argument against fitting
    them to Y1 or P5 while I2 holds)."""
    from pathlib import Path

    from ._scripts import load_script

    bound = load_script(Path(__file__).resolve().parents[1] / "bench" / "antibody_waning_bound.py")
    for values in ({}, {"short_lived_plasma_cell_fraction": 0.1}, {"long_lived_plasma_cell_fraction": 0.05},
                   {"short_lived_plasma_cell_fraction": 0.3, "short_lived_plasma_cell_half_life_days": 150.0}):
        r, _ = _course(400.0, **values)  # the dose on day 1
        igg = lambda d, r=r: float(np.interp(1.0 + d, r.times, r.observable("flu_igg_au")))  # noqa: E731
        i2 = 28.0 * np.log(2) / np.log(igg(35.0) / igg(63.0))
        y1_ceiling, p5_ceiling = bound.ceilings(i2)
        assert igg(6 * 30.44) / igg(30.44) <= y1_ceiling * (1 + 1e-3), values
        p5 = 11.0 * np.log(2) / np.log(igg(30.44) / igg(12 * 30.44))  # months
        assert p5 <= p5_ceiling * (1 + 1e-3), values
    assert bound.ceilings(1e4)[0] > 0.9  # without I2's constraint nothing stops a plateau


@pytest.mark.parametrize("origin", ["", "recall_"])
def test_plasma_cell_shares_adding_up_to_more_than_one_plasmablast_are_refused(origin):
    """Each share has bounds 0-1, but the long- and short-lived shares of one plasmablast's end share it: a sum above 1
    would make plasma cells from nothing. The error names both parameters."""
    from hemasim.parameters import healthy_adult_parameters

    params = healthy_adult_parameters().with_values(**{f"{origin}long_lived_plasma_cell_fraction": 0.6,
                                                       f"{origin}short_lived_plasma_cell_fraction": 0.5})
    with pytest.raises(ValueError, match=f"{origin}long_lived_plasma_cell_fraction \\+ "
                                         f"{origin}short_lived_plasma_cell_fraction: .* at most 1 \\(got 1.1"):
        healthy_human_model(ADULT, params, aging=False, extensions=[VaccineResponse("flu")])
    healthy_human_model(ADULT, healthy_adult_parameters().with_values(
        **{f"{origin}long_lived_plasma_cell_fraction": 0.5, f"{origin}short_lived_plasma_cell_fraction": 0.5}),
        aging=False, extensions=[VaccineResponse("flu")])  # a sum of exactly 1 is allowed
