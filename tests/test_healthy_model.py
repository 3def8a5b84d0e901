"""Invariants of the healthy human model: fixed point, stability, non-negativity, dose-response."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hemasim.biology import Covariates, healthy_human_model
from hemasim.events import BloodLoss, CellDepletion
from hemasim.simulation import Simulation, balance_residual, steady_state

TEN_YEARS = 3652.5


def test_reference_state_is_balanced(static_reference_model):
    assert np.max(balance_residual(static_reference_model, static_reference_model.x0)) < 1e-12


def test_healthy_state_holds_for_ten_years_without_intervention(static_reference_model):
    result = Simulation(static_reference_model).run(TEN_YEARS, output_every_days=30)
    drift = np.abs(result.states / result.states[0] - 1.0)
    assert drift.max() < 0.01
    obs = result.observables.drop(columns="time_days").to_numpy()
    assert np.abs(obs / obs[0] - 1.0).max() < 0.01


def test_with_ageing_only_thymus_dependent_pools_move_over_ten_years(reference_model):
    result = Simulation(reference_model).run(TEN_YEARS, output_every_days=30)
    obs = result.observables
    for col in ("anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL", "monocytes_1e9_per_L",
                "b_cells_per_uL", "nk_cells_per_uL", "hsc_count_cells"):
        assert abs(obs[col].iloc[-1] / obs[col].iloc[0] - 1) < 0.01, col
    # thymic output declines with age; naive CD4 follows, a little
    assert obs["thymic_output_per_day"].iloc[-1] < 0.7 * obs["thymic_output_per_day"].iloc[0]
    assert 0.9 < obs["naive_cd4_per_uL"].iloc[-1] / obs["naive_cd4_per_uL"].iloc[0] < 1.0


@settings(max_examples=15, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(age=st.floats(0.5, 100), sex=st.sampled_from(["male", "female"]), weight=st.floats(8, 150))
def test_any_patient_has_a_balanced_nonnegative_steady_state(age, sex, weight):
    model = healthy_human_model(Covariates(age, sex, weight), aging=False).compile()
    x = steady_state(model)
    assert np.all(x > 0)
    assert np.max(balance_residual(model, x)) < 1e-8


def test_counts_stay_nonnegative_after_near_total_ablation(static_reference_model):
    ablate = CellDepletion(5.0, ("marrow", "blood", "lymphocyte", "thymus"), 1e-6)
    result = Simulation(static_reference_model, events=[ablate]).run(400, output_every_days=1)
    assert np.all(result.states >= 0)
    assert np.all(result.observables.drop(columns="time_days").to_numpy() >= 0)


def test_returns_to_steady_state_after_a_perturbation(static_reference_model):
    hit = CellDepletion(1.0, ("marrow",), 0.3, ("hsc",))
    result = Simulation(static_reference_model, events=[hit]).run(730, output_every_days=5)
    obs = result.observables
    for col in ("anc_1e9_per_L", "platelets_1e9_per_L", "monocytes_1e9_per_L"):
        assert abs(obs[col].iloc[-1] / obs[col].iloc[0] - 1) < 0.01, col
    assert abs(obs["hemoglobin_g_per_dL"].iloc[-1] / obs["hemoglobin_g_per_dL"].iloc[0] - 1) < 0.02


@pytest.mark.parametrize("volumes", [(250.0, 500.0, 1000.0)])
def test_larger_blood_loss_never_gives_a_higher_hemoglobin_nadir(static_reference_model, volumes):
    nadirs = []
    for v in volumes:
        r = Simulation(static_reference_model, events=[BloodLoss(2.0, v)]).run(120)
        nadirs.append(r.observable("hemoglobin_g_per_dL").min())
    assert nadirs[0] > nadirs[1] > nadirs[2]


def test_deeper_marrow_kill_gives_a_deeper_and_longer_neutropenia(static_reference_model):
    depth, below = [], []
    for surviving in (0.5, 0.2, 0.05):
        r = Simulation(static_reference_model, events=[CellDepletion(2.0, ("marrow",), surviving, ("hsc",))]).run(60)
        anc = r.observable("anc_1e9_per_L")
        depth.append(anc.min())
        below.append(np.sum(anc < 1.0))
    assert depth[0] > depth[1] > depth[2]
    assert below[0] <= below[1] <= below[2]


def test_feedbacks_restore_neutrophils_faster_than_without_them():
    from hemasim.parameters import healthy_adult_parameters

    weak = healthy_adult_parameters().with_values(neutrophil_production_max_fold=1.5,
                                                  neutrophil_feedback_log_slope=0.01)
    hit = [CellDepletion(2.0, ("marrow",), 0.2, ("hsc",))]
    strong_r = Simulation(healthy_human_model(aging=False), events=hit).run(40)
    weak_r = Simulation(healthy_human_model(parameters=weak, aging=False), events=hit).run(40)
    assert strong_r.observable("anc_1e9_per_L")[-1] > weak_r.observable("anc_1e9_per_L")[-1]


def test_hsc_pool_regrows_after_partial_loss(static_reference_model):
    hit = CellDepletion(1.0, ("hsc",), 0.5)
    r = Simulation(static_reference_model, events=[hit]).run(3 * 365.25, output_every_days=30)
    hsc = r.observable("hsc_count_cells")
    assert hsc[1] < 0.6e5 and hsc[-1] > 0.95e5
    assert np.all(np.diff(hsc[1:]) >= -1e-6)
    # niche activation (faster HSC division while the pool is low) speeds the regrowth
    from hemasim.parameters import healthy_adult_parameters

    quiet = healthy_human_model(parameters=healthy_adult_parameters().with_values(hsc_max_division_fold=1.0),
                                aging=False)
    slow = Simulation(quiet, events=[hit]).run(3 * 365.25, output_every_days=30).observable("hsc_count_cells")
    assert np.all(slow[1:] <= hsc[1:] + 1e-6) and slow[4] < hsc[4] - 1000


def test_older_patients_have_less_thymic_output():
    outputs = [Simulation(healthy_human_model(Covariates(a, "male", 70), aging=False)).run(10)
               .observable("thymic_output_per_day")[-1] for a in (5, 20, 40, 60, 80)]
    assert all(a > b for a, b in zip(outputs, outputs[1:], strict=False))


def test_children_of_every_age_have_a_steady_state():
    """Plain Newton can lose its way on the slow (decade-long) T-cell modes of a child's model; the
    pseudo-transient fallback then finds the fixed point the dynamics go to."""
    from hemasim.assembly import build_model
    from hemasim.scenario import parse_scenario
    from hemasim.simulation import balance_residual, steady_state

    for age, weight, height in ((0.1, 4.5, 55), (0.3, 6.0, 61), (1, 9.6, 76), (4, 16, 103), (8, 25, 128),
                                (12, 40, 149), (16, 60, 172)):
        model = build_model(parse_scenario({"name": "t", "duration_days": 1, "aging": False, "patient": {
            "age_years": age, "sex": "male", "weight_kg": weight, "height_cm": height}})).compile()
        x = steady_state(model)
        assert np.all(x >= 0) and balance_residual(model, x).max() < 1e-9, age


def test_a_cohort_mixing_children_and_adults_gets_each_patients_own_steady_state():
    """The pseudo-transient fallback runs on the unconverged patients only; every patient's fixed point is the
    one it has alone."""
    ages, weights, heights = np.array([35.0, 8.0, 60.0]), np.array([70.0, 25.0, 80.0]), np.array([175.0, 128.0, 180.0])
    cohort = healthy_human_model(Covariates(ages, np.array(["male"] * 3), weights, heights), aging=False).compile()
    together = steady_state(cohort)
    for i in range(3):
        alone = steady_state(healthy_human_model(Covariates(ages[i], "male", weights[i], heights[i]),
                                                 aging=False).compile())
        np.testing.assert_allclose(together[i], alone, rtol=1e-7, atol=1e-6)


def test_childrens_extra_t_cells_are_naive_and_memory_accrues_with_age():
    """Children carry more T cells than adults, and the excess is naive: the naive share of CD4 and CD8 falls
    with age and memory counts per uL rise toward the adult split, which holds at the reference age."""
    from hemasim.parameters import healthy_adult_parameters

    params = healthy_adult_parameters()
    shares, memory_cd4 = [], []
    for age, weight, height in ((0.3, 6.0, 61.0), (8.0, 25.0, 128.0), (35.0, 70.0, 175.0)):
        model = healthy_human_model(Covariates(age, "male", weight, height), aging=False)
        cells = {c.name: float(c.initial) for c in model.compartments}
        shares.append((cells["naive_cd4"] / (cells["naive_cd4"] + cells["cm_cd4"] + cells["em_cd4"]),
                       cells["naive_cd8"] / (cells["naive_cd8"] + cells["memory_cd8"])))
        r = Simulation(model).run(1)
        memory_cd4.append(r.observable("cd4_per_uL")[0] - r.observable("naive_cd4_per_uL")[0])
    for lineage in (0, 1):
        assert shares[0][lineage] > 0.95 > shares[1][lineage] > shares[2][lineage]
    assert memory_cd4[0] < 0.05 * memory_cd4[2] and memory_cd4[0] < memory_cd4[1] < memory_cd4[2]
    assert shares[2][0] == pytest.approx(params["cd4_naive_fraction"].value, rel=1e-9)
    assert shares[2][1] == pytest.approx(params["cd8_naive_fraction"].value, rel=1e-9)
