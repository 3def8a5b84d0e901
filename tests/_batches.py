"""Shared check of the fitting engine's batch builds (tests of full-model scenarios and Friberg chains)."""

from __future__ import annotations

import numpy as np

from hemasim.inference import KernelEngine, Objective, Problem


def assert_cohort_builds_match_one_by_one(problem: Problem) -> None:
    """Objective and gradient identical to the last bit with and without cohort builds over three batches (the
    first built both ways and compared by the guard, the others as one cohort), every estimated value moving the
    objective."""
    cohort, one_by_one = KernelEngine(rtol=problem.rtol), KernelEngine(rtol=problem.rtol, batch_builds=False)
    mine, reference = Objective(problem, cohort), Objective(problem, one_by_one)
    for k in range(3):
        theta = mine.nominal + 0.01 * k
        f, gradient = mine.value_and_gradient(theta)
        f_reference, gradient_reference = reference.value_and_gradient(theta)
        assert f == f_reference
        np.testing.assert_array_equal(gradient, gradient_reference)
        assert np.all(gradient != 0.0)
    assert cohort.batches.cohort_builds == 2 and one_by_one.batches.cohort_builds == 0
