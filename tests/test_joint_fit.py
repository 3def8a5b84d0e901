"""The joint fit of the stem/progenitor kinetics (hemasim.inference.joint, docs/joint_fit.md): what it fits to,
that the shipped values are its estimates, that its scans and profiles read the right intervals, and that it leaves
the healthy steady state alone."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from hemasim.inference.joint import JOINT_PARAMETERS, LR_STEP_95, profile_crossings, slice_scan
from hemasim.inference.problem import EstimatedParameter
from hemasim.parameters import Assumed, healthy_adult_parameters

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "docs" / "images" / "joint_fit.json"


def test_profile_interval_is_the_hull_of_the_points_below_the_threshold():
    grid = np.array([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0])
    values = np.array([5.92, 1.0, 9.0, 0.0, 0.5, 1.0])  # -1: a stuck re-optimisation, not an end
    lo, hi = profile_crossings(grid, values, 0.0, 1.92)
    assert lo == pytest.approx(-2.0 - 0.92 / 4.92)
    assert hi is None  # the outermost point is still below: open


class _TwoParameterObjective:
    """A stand-in for the joint objective: steep (quadratic) in the first parameter, a rise below the 95% step
    in the second."""

    parameters = (EstimatedParameter("steep", "steep", 0.0, 1.0, 0.5, scale="lin"),
                  EstimatedParameter("shallow", "shallow", 0.0, 1.0, 0.5, scale="lin"))
    lower = np.zeros(2)
    upper = np.ones(2)

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        batch = np.atleast_2d(batch)
        return 10.0 * (batch[:, 0] - 0.5) ** 2 + 0.9 * LR_STEP_95 * np.abs(batch[:, 1] - 0.5) / 0.5


def test_a_slice_is_flat_only_when_it_stays_within_the_95_percent_step_over_the_whole_range():
    out = slice_scan(_TwoParameterObjective(), np.array([0.5, 0.5]), points=5)  # type: ignore[arg-type]
    assert [s["flat"] for s in out] == [False, True]
    assert out[0]["rise"] == pytest.approx([2.5, 0.625, 0.0, 0.625, 2.5])
    assert out[1]["grid"] == pytest.approx([0.0, 0.25, 0.5, 0.75, 1.0])


def test_every_joint_parameter_is_a_record_whose_value_lies_in_the_search_range():
    table = healthy_adult_parameters()
    for spec in JOINT_PARAMETERS:
        lo, hi = table[spec.name].bounds
        assert lo <= spec.lower < spec.upper <= hi, spec.name
        assert spec.lower <= table.value(spec.name) <= spec.upper, spec.name


#: the screened parameters the joint fit could not identify (docs/joint_fit.md): kept assumed, outcome recorded
NOT_IDENTIFIED = ("progenitor_baseline_self_renewal_ratio", "mpp_residence_days", "hsc_niche_hill",
                  "st_hspc_baseline_self_renewal_ratio", "st_hspc_max_proliferation_fold",
                  "hsc_max_self_renewal_probability")


def test_the_parameters_the_joint_fit_did_not_identify_stay_assumed_and_say_so():
    table = healthy_adult_parameters()
    recorded = json.loads(RESULT.read_text(encoding="utf-8"))
    scanned = {s["name"] for s in recorded["A"]["slices"]}
    for name in NOT_IDENTIFIED:
        prov = table[name].provenance
        assert isinstance(prov, Assumed), name
        assert "joint" in prov.how and name in scanned, name


@pytest.mark.slow
def test_the_joint_fit_uses_only_calibration_data():
    from hemasim.inference.engraftment import CALIBRATION_DATA
    from hemasim.inference.joint import KLOFT_SOURCE
    from hemasim.validation import load_targets

    classes = {t["id"]: t["class"] for g in load_targets().values() for t in g}
    assert all(classes[t] == "calibration" for t in ("T2", "T10", "T11", "C9"))
    assert "C9" in KLOFT_SOURCE
    assert all("Ketterer" not in d.source and "Przepiorka" not in d.source and "Barker" not in d.source
               for d in CALIBRATION_DATA)


@pytest.mark.parametrize("name", ["progenitor_baseline_self_renewal_ratio", "st_hspc_baseline_self_renewal_ratio",
                                  "st_hspc_max_proliferation_fold", "hsc_max_division_fold"])
def test_fitted_marrow_kinetics_leave_the_healthy_steady_state_where_the_set_points_put_it(name):
    from hemasim.biology import healthy_human_model
    from hemasim.simulation import steady_state

    table = healthy_adult_parameters()
    lo, hi = next((s.lower, s.upper) for s in JOINT_PARAMETERS if s.name == name)
    blood = []
    for value in (lo + 0.2 * (hi - lo), lo + 0.8 * (hi - lo)):
        model = healthy_human_model(parameters=table.with_values(**{name: value}), aging=False).compile()
        x = steady_state(model)
        blood.append(np.array([x[i] for i, s in enumerate(model.state_names) if "_blood" in s]))
    assert np.allclose(blood[0], blood[1], rtol=1e-6)


@pytest.mark.slow
def test_the_joint_objective_is_the_sum_of_its_blocks_over_their_own_columns():
    from hemasim.inference.joint import DEFAULT_FREE, joint_objective

    objective = joint_objective(tuple(s for s in JOINT_PARAMETERS if s.name in DEFAULT_FREE))
    theta = objective.nominal
    total = float(objective(theta[None])[0])
    assert total == pytest.approx(sum(objective.block_values(theta)), rel=1e-9)
    assert objective.residuals(theta[None]).shape == (1, 6 + 21)  # six engraftment medians, 21 daily ANC values
    from hemasim.inference.joint import _report_fit

    report = _report_fit(objective, theta, "shipped")
    assert report["objective"] == pytest.approx(total, rel=1e-12)
    assert report["engraftment_never_below"] == []  # with the shipped values every count falls (the 15e6/kg just)
