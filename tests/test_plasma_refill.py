"""The plasma-refill read-out built into the model (hemasim.plasma_refill; docs/model.md, "Plasma refill in the
model's read-out"): the what-if's numbers on its synthetic courses, no change without a whole-blood loss, the states
and the other blood counts untouched, monotone in the loss volume, and the same numbers for a cohort's observed
rows as for a single run's states."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from hemasim.events import BloodLoss, CellDepletion
from hemasim.plasma_refill import (
    REFILL_COMPLETENESS,
    REFILL_TIME_CONSTANT_DAYS,
    WholeBloodLoss,
    blood_volume_ratio,
    is_diluted,
)
from hemasim.simulation import Simulation
from tests._scripts import load_script

WHATIF = Path(__file__).resolve().parents[1] / "docs" / "plasma_refill_whatif.py"
HB, RBC = "hemoglobin_g_per_dL", "rbc_1e12_per_L"


@pytest.fixture(scope="module")
def whatif() -> ModuleType:
    return load_script(WHATIF)


def _read(times: np.ndarray, hb: np.ndarray, losses: tuple[tuple[float, float], ...], c: float) -> np.ndarray:
    """The model's read-out of main's course ``hb``, each loss's level read at the last output before it."""
    events = [WholeBloodLoss(day, share, float(hb[times < day][-1])) for day, share in losses]
    return hb / blood_volume_ratio(times, hb, events, completeness=c)


def test_the_committed_constants_are_the_rule_and_the_whatif(whatif: ModuleType) -> None:
    assert REFILL_COMPLETENESS == 0.77
    assert REFILL_TIME_CONSTANT_DAYS == whatif.TAU_DAYS


@pytest.mark.parametrize("c", [0.6, 0.73, 0.77, 0.88, 1.0])
def test_the_read_out_equals_the_whatif_on_its_synthetic_courses(whatif: ModuleType, c: float) -> None:
    t1 = np.arange(0.0, 20.0, 0.05)
    one = whatif.Course(t1, np.where(t1 >= 10.0, 14.0 * 0.9, 14.0), ((10.0, 0.1),))
    t2 = np.arange(0.0, 40.0, 0.05)
    # two losses and a marrow answer between and after them (x rises back above 1: the overshoot is read as committed)
    regain = 1.0 + 0.012 * np.clip(t2 - 10.0, 0.0, None)
    two = whatif.Course(t2, 14.0 * np.where(t2 >= 10.0, 0.9, 1.0) * np.where(t2 >= 17.0, 0.88, 1.0) * regain,
                        ((10.0, 0.1), (17.0, 0.12)))
    for course in (one, two):
        ours = _read(course.times, course.hb, course.losses, c)
        assert np.allclose(ours, whatif.read_hb(course, c), rtol=1e-12, atol=0.0)
    assert two.hb[-1] / 14.0 > 1.0  # the course does reach the overshoot


def test_no_loss_gives_a_ratio_of_one_and_complete_refill_main_a_day_after() -> None:
    t = np.arange(0.0, 20.0, 0.05)
    hb = np.where(t >= 10.0, 12.6, 14.0)
    assert np.all(blood_volume_ratio(t, hb, []) == 1.0)
    ratio = blood_volume_ratio(t, hb, [WholeBloodLoss(10.0, 0.1, 14.0)], completeness=1.0)
    assert np.all(ratio[t < 10.0] == 1.0) and ratio[np.searchsorted(t, 10.0)] == pytest.approx(0.9)
    assert np.allclose(ratio[t >= 11.0], 1.0, atol=1e-4)


def test_only_the_red_cell_concentrations_and_their_donor_parts_are_diluted() -> None:
    assert is_diluted(HB) and is_diluted(RBC) and is_diluted(f"{HB}__donor")
    assert not any(map(is_diluted, ("platelets_1e9_per_L", "anc_1e9_per_L", "rbc_production_per_day",
                                    "lymphocytes_1e9_per_L")))


def _main_hb(result) -> np.ndarray:
    """Main's (undiluted) Hb of a single run that kept its states."""
    i = result.model.observable_names.index(HB)
    return np.maximum(result.states, 0.0) @ result.model.obs_state_w[i]


def test_a_run_without_a_whole_blood_loss_is_main(static_reference_model) -> None:
    r = Simulation(static_reference_model, events=[CellDepletion(2.0, ("marrow",), 0.5, ("hsc",))]).run(20.0)
    assert r.volume_ratio is None
    assert np.array_equal(r.observable(HB), _main_hb(r))
    main_table = r.model.observables(r.times, r.states)  # main's table (its own summation order)
    assert np.array_equal(r.observables.drop(columns="time_days").to_numpy(), main_table)


def test_a_loss_changes_no_state_and_no_other_count(static_reference_model) -> None:
    """The layer is a read-out: the states are those of the same run read without it, the platelets and neutrophils
    main's; the Hb read is main's Hb over the volume ratio, and the red-cell count moves by the same ratio."""
    r = Simulation(static_reference_model, events=[BloodLoss(5.0, 500.0)]).run(40.0, 0.25)
    ratio = r.volume_ratio[0]
    t = r.times
    hb = r.observable(HB)
    assert np.array_equal(hb, _main_hb(r) / ratio)
    assert np.allclose(r.observable(RBC) / hb, r.observable(RBC)[0] / hb[0], rtol=1e-12)
    i = static_reference_model.observable_names.index("platelets_1e9_per_L")
    assert np.array_equal(r.observable("platelets_1e9_per_L"), np.maximum(r.states, 0.0) @
                          static_reference_model.obs_state_w[i])
    # no dilution at the moment of the loss; a diluted Hb a day later, above main's (which reads a complete refill)
    assert np.all(ratio[t < 5.0] == 1.0)
    assert ratio[t == 5.0][0] == pytest.approx(1.0 - 500.0 / (static_reference_model.info.blood_volume_L * 1000.0))
    assert hb[t == 5.0][0] == pytest.approx(hb[0], rel=1e-9)
    day3 = np.searchsorted(t, 8.0)
    assert _main_hb(r)[day3] < hb[day3] < hb[0]
    main_table = r.model.observables(r.times, r.states)
    k = r.model.observable_names.index(HB)
    assert np.array_equal(r.observables[HB].to_numpy(), main_table[:, k] / ratio)


def test_a_larger_loss_never_reads_a_higher_hemoglobin(static_reference_model) -> None:
    runs = [Simulation(static_reference_model, events=[BloodLoss(2.0, v)]).run(60.0, 0.5) for v in (250.0, 500.0,
                                                                                                     900.0)]
    hb = np.array([r.observable(HB) for r in runs])
    t = runs[0].times
    # past the refill's transient and before the marrow's answer overtakes (main's larger loss later overshoots more)
    weeks = (t > 2.0 + 5.0 * REFILL_TIME_CONSTANT_DAYS) & (t <= 16.0)
    assert np.all(np.diff(hb[:, weeks], axis=0) < 0.0)
    assert np.all(np.diff(hb.min(axis=1)) < 0.0)  # the nadirs too
    assert np.all(hb[:, t < 2.0] == hb[0, 0])
    # the dilution itself grows with the loss: the read Hb over main's
    dilution = np.array([r.observable(HB) / _main_hb(r) for r in runs])
    assert np.all(np.diff(dilution[:, weeks], axis=0) > 0.0)


def test_a_cohort_reads_the_same_dilution_in_its_observed_rows(static_reference_model) -> None:
    from hemasim.biology import Covariates, healthy_human_model

    cov = Covariates(np.array([35.0, 30.0]), np.array(["male", "female"]), np.array([80.0, 62.0]),
                     np.array([180.0, 165.0]))
    cohort = healthy_human_model(cov, aging=False).compile()
    events = [BloodLoss(3.0, 450.0), BloodLoss(10.0, 450.0)]
    observed = Simulation(cohort, events=events).run(20.0, 0.5, observe=[HB, "platelets_1e9_per_L"])
    states = Simulation(cohort, events=events).run(20.0, 0.5)
    for i, patient in enumerate([Covariates(35.0, "male", 80.0, 180.0), Covariates(30.0, "female", 62.0, 165.0)]):
        one = healthy_human_model(patient, aging=False).compile()
        single = Simulation(one, events=events).run(20.0, 0.5)
        assert np.allclose(observed.observable(HB)[i], single.observable(HB), rtol=1e-5)
        assert np.allclose(states.patient(i).observable(HB), single.observable(HB), rtol=1e-5)
        assert np.allclose(observed.observable("platelets_1e9_per_L")[i], single.observable("platelets_1e9_per_L"),
                           rtol=1e-5)
    assert observed.volume_ratio is not None and observed.volume_ratio.shape == (2, len(observed.times))
