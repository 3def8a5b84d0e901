"""The splenic platelet pool (branch spleen, issue 17): the blood states hold every released platelet, of which the
share 1 - platelet_splenic_pool_share circulates, in equilibrium at once; a collection takes a share of the
circulating platelets and the pool shares the loss (docs/platelets.md)."""

import math

import numpy as np
import pytest

from hemasim.assembly import run_scenario
from hemasim.biology import Covariates, healthy_human_model
from hemasim.biology.body import blood_volume_L
from hemasim.events import BloodLoss, CellDepletion
from hemasim.interventions.cell_depletion import CirculatingCellCollection
from hemasim.model.sbml_events import event_assignments
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import parse_scenario

MAN = Covariates(35.0, "male", 70.0, 175.0)
SHARE = healthy_adult_parameters().value("platelet_splenic_pool_share")
RNG = np.random.default_rng(0)


def _model(share: float = SHARE):
    params = healthy_adult_parameters().with_values(platelet_splenic_pool_share=share)
    return healthy_human_model(MAN, params, aging=False).compile()


def _platelet_states(model) -> list[int]:
    return [i for i, n in enumerate(model.state_names) if n.startswith("megakaryocyte_blood_")]


def _observed(model, x, name: str) -> float:
    return float(model.observables(np.zeros(1), x[None, :])[0, model.observable_names.index(name)])


def _count(model, x) -> float:
    return _observed(model, x, "platelets_1e9_per_L")


def test_the_count_is_the_set_point_and_the_whole_pool_is_larger_by_one_over_the_circulating_share():
    model = _model()
    bv = float(blood_volume_L(MAN, healthy_adult_parameters()))
    pool = model.x0[_platelet_states(model)].sum()
    assert _count(model, model.x0) == pytest.approx(275.0, rel=1e-12)
    assert pool == pytest.approx(275e9 * bv / (1.0 - SHARE), rel=1e-12)
    assert model.info.blood_share["megakaryocyte_blood_1"] == pytest.approx(1.0 - SHARE)


def test_steady_production_rises_by_one_over_the_circulating_share_and_nothing_else_moves():
    with_pool, without = _model(), _model(0.0)
    names = with_pool.state_names
    assert names == without.state_names
    mk = np.array(["megakaryocyte" in n for n in names])
    np.testing.assert_array_equal(with_pool.x0[~mk], without.x0[~mk])  # every other lineage bit-identical
    np.testing.assert_allclose(with_pool.x0[mk], without.x0[mk] / (1.0 - SHARE), rtol=1e-12)
    production = "platelet_production_per_day"
    assert (_observed(with_pool, with_pool.x0, production) / _observed(without, without.x0, production)
            == pytest.approx(1.0 / (1.0 - SHARE), rel=1e-12))


def test_yield_over_the_yield_expected_from_the_counts_fall_is_the_sources_1_31():
    """Consistency class: the ratio is 1 / (1 - share) by construction; the share is Transfusion 1985's 1 - 48/64
    (the same quantity, 64/48 = 1.33). The 1.31 +- 0.49 (mean +- SD of 50 plateletphereses of normal donors;
    scilit 75272673e2bd, 'Evidence for rapid mobilization of platelets from the spleen during intensive
    plateletpheresis') is another cohort's measurement of it: the model's ratio lies in the 95% interval of that
    mean. Asplenic donors gave 0.76 +- 0.32 there; the model gives 1 without a pool (losses in the circuit, which
    the model has not got, would be needed below 1)."""
    low, high = (1.31 + z * 1.959964 * 0.49 / math.sqrt(50) for z in (-1, 1))
    for share, expected in ((SHARE, 1.0 / (1.0 - SHARE)), (0.0, 1.0)):
        model = _model(share)
        plt = _platelet_states(model)
        collection = CirculatingCellCollection(0.0, ("megakaryocytic",), 0.705, ("marrow",))
        after = collection.apply(model, model.x0, RNG)
        collected = model.x0[plt].sum() - after[plt].sum()
        bv_L = float(model.info.blood_volume_L)
        expected_from_fall = (_count(model, model.x0) - _count(model, after)) * 1e9 * bv_L
        assert collected == pytest.approx(0.295 * _count(model, model.x0) * 1e9 * bv_L, rel=1e-12)
        assert collected / expected_from_fall == pytest.approx(expected, rel=1e-12)
    assert low < 1.0 / (1.0 - SHARE) < high


def test_the_feedback_reads_the_circulating_count_so_relative_courses_do_not_depend_on_the_share():
    """A hit on every platelet (applies_to: all) gives the same count over its baseline with or without the pool:
    the TPO-like feedback sees the pool over its set point, i.e. the circulating count over its own."""
    scenario = {"name": "t", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
                "duration_days": 12, "aging": False, "output": {"every_days": 1.0},
                "interventions": [{"kind": "cell_depletion", "day": 1, "groups": ["megakaryocytic"],
                                   "except_groups": ["marrow"], "surviving_fraction": 0.5}]}
    courses = []
    for share in (SHARE, 0.0):
        result = run_scenario(parse_scenario({**scenario, "parameters": {"platelet_splenic_pool_share": share}}))
        count = result.observable("platelets_1e9_per_L")
        courses.append(count / count[0])
    np.testing.assert_allclose(courses[0], courses[1], rtol=1e-5)
    assert courses[0].min() < 0.6 and courses[0][-1] > courses[0].min()


def test_a_whole_blood_donation_takes_the_circulating_platelets_and_the_pool_refills_them():
    model = _model()
    bv_mL = float(model.info.blood_volume_L) * 1000.0
    after = BloodLoss(0.0, 450.0).apply(model, model.x0, RNG)
    assert _count(model, after) / _count(model, model.x0) == pytest.approx(1.0 - 450.0 / bv_mL * (1.0 - SHARE))


def test_a_collection_takes_only_circulating_cells_and_refuses_a_group_that_never_circulates():
    model = _model()
    lymph = CirculatingCellCollection(0.0, ("b_cell",), 0.5)
    after = lymph.apply(model, model.x0, RNG)
    for i in lymph.targets(model):
        share = model.info.blood_share.get(model.state_names[i], 0.0)
        assert after[i] == pytest.approx(model.x0[i] * (1.0 - 0.5 * share))
    with pytest.raises(ValueError, match="no compartment with circulating cells"):
        CirculatingCellCollection(0.0, ("megakaryocytic",), 0.5, ("blood",)).check(model)
    # the default is the plain depletion, unchanged
    plain = CellDepletion(0.0, ("megakaryocytic",), 0.5, ("marrow",)).apply(model, model.x0, RNG)
    np.testing.assert_allclose(plain[_platelet_states(model)], 0.5 * model.x0[_platelet_states(model)])


def test_the_sbml_form_of_a_collection_scales_the_pool_by_the_circulating_loss():
    model = _model()
    collection = CirculatingCellCollection(3.0, ("megakaryocytic",), 0.705, ("marrow",))
    assignments = dict(event_assignments(model, collection))
    factor = 1.0 - (1.0 - 0.705) * (1.0 - SHARE)  # 0.295 of the circulating platelets
    assert set(assignments) == {model.state_names[i] for i in _platelet_states(model)}
    assert all(formula == f"{name} * {float(factor)!r} dimensionless" for name, formula in assignments.items())


def test_the_plateletpheresis_scenarios_take_their_yields_from_the_circulating_platelets():
    """W1's fraction collected and W2/W3's yield are shares of the circulating platelets (what an apheresis yield
    is measured against), not of the whole pool."""
    from pathlib import Path

    from hemasim.scenario import load_scenario

    scenarios = Path(__file__).resolve().parents[1] / "src" / "hemasim" / "validation" / "scenarios"
    for name in ("plateletpheresis_one_collection", "plateletpheresis_every_other_day"):
        collections = load_scenario(scenarios / f"{name}.yaml").interventions
        assert collections and all(c.kind == "cell_depletion" and c.applies_to == "circulating" for c in collections)


def test_a_cohort_may_give_each_patient_its_own_splenic_share():
    from hemasim.simulation import Simulation

    cov = Covariates(np.array([35.0, 35.0]), np.array(["male", "male"]), np.array([70.0, 70.0]),
                     np.array([175.0, 175.0]))
    model = healthy_human_model(cov, aging=False,
                                per_patient={"platelet_splenic_pool_share": np.array([0.0, SHARE])}).compile()
    collection = CirculatingCellCollection(1.0, ("megakaryocytic",), 0.7, ("marrow",))
    count = Simulation(model, events=[collection]).run(2.0, 1.0).observable("platelets_1e9_per_L")
    np.testing.assert_allclose(count[:, 0], 275.0, rtol=1e-9)
    np.testing.assert_allclose(count[:, 1] / count[:, 0], [0.7, 1.0 - 0.3 * (1.0 - SHARE)], rtol=1e-9)
