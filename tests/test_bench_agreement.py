"""Goal 2's agreement line (bench/bench_goals.py, bench/bench_cohort.py): the relative-difference measure and the
judgement against the converged libRoadRunner reference, with the timed loop's figure beside it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests._scripts import load_script

BENCH = Path(__file__).resolve().parents[1] / "bench"
bench_cohort = load_script(BENCH / "bench_cohort.py")
bench_goals = load_script(BENCH / "bench_goals.py")


def test_relative_difference_is_elementwise_over_the_reference():
    ours = np.array([[1.0, 2.2], [0.0, 5e-13]])
    reference = np.array([[1.0, 2.0], [-4.0, 0.0]])
    # a zero reference is floored at 1e-12
    np.testing.assert_allclose(bench_cohort.relative_difference(ours, reference), [[0.0, 0.1], [1.0, 0.5]])
    # the order matters: the denominator is the reference's
    np.testing.assert_allclose(bench_cohort.relative_difference(reference[:1], ours[:1]), [[0.0, 0.2 / 2.2]])


def _record(own: float, convergence: float) -> dict:
    return {"n": 10_000, "reference_rtol": 1e-10, "max_rel_error": own, "max_rel_error_patient": 7,
            "roadrunner_max_rel_error": 1.26e-4, "roadrunner_max_rel_error_patient": 7176,
            "reference_convergence": convergence, "reference_check_n": 110, "reference_cpu_s": 390.0,
            "worst_vs_timed": [[7176, 1.03e-4, 2.3e-5, 1.26e-4]]}


@pytest.mark.parametrize(("own", "convergence", "ok"), [
    (4.8e-5, 7e-9, True),  # hemasim within the line of a converged reference, the timed loop's 1.03e-4 beside it
    (1.1e-4, 7e-9, False),  # hemasim's own error above the line
    (4.8e-5, 1e-6, False),  # a reference that moves by 1e-6 at a tenth of its rtol judges nothing
])
def test_agreement_is_judged_against_the_converged_reference(own: float, convergence: float, ok: bool):
    goal = bench_goals.agreement_goal(_record(own, convergence), timed_diff=1.03e-4)
    assert goal.ok is ok
    assert f"{own:.2e}" in goal.figure and ("NOT converged" in goal.figure) is (convergence > 1e-7)
    # nothing hidden: the timed loop's own error and hemasim's difference from it are printed
    assert "1.26e-04 off it (patient 7176)" in goal.baseline and "hemasim vs timed 1.03e-04" in goal.baseline
