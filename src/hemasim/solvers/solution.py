"""What a solver returns: the trajectory of one or more patients and how much work it took."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SolverStats:
    """Work done by a solver, summed over patients (and over chunks of patients for the lock-step kernel).

    A count is ``None`` where the kernel does not report it: the numba kernels count no right-hand side
    evaluations, and the lock-step kernel counts no steps at all (its step is shared by a chunk).
    """

    integrations: int = 0  # solver calls (one per interval between events)
    steps_accepted: int | None = None
    steps_rejected: int | None = None
    rhs_evaluations: int | None = None

    def __add__(self, other: SolverStats) -> SolverStats:
        return SolverStats(self.integrations + other.integrations,
                           _sum(self.steps_accepted, other.steps_accepted),
                           _sum(self.steps_rejected, other.steps_rejected),
                           _sum(self.rhs_evaluations, other.rhs_evaluations))

    def as_dict(self) -> dict[str, int | None]:
        return {"integrations": self.integrations, "steps_accepted": self.steps_accepted,
                "steps_rejected": self.steps_rejected, "rhs_evaluations": self.rhs_evaluations}


def _sum(a: int | None, b: int | None) -> int | None:
    """A count summed over two runs: unknown stays unknown, and nothing plus a count is that count."""
    if a is None:
        return b
    if b is None:
        return a
    return a + b


@dataclass(frozen=True)
class Solution:
    """The trajectories of ``N`` patients (one patient: ``N`` = 1) at the output times.

    ``values`` is (N, len(times), k): the states (k = n_states) when ``observed`` is None, else the
    observables named in ``observed`` (a cohort keeps only what it reads, not every state).
    ``final_states`` (N, n_states) is the state at ``times[-1]``, from which integration continues.
    """

    times: np.ndarray
    values: np.ndarray
    final_states: np.ndarray
    stats: SolverStats
    observed: tuple[str, ...] | None = None

    @property
    def n_patients(self) -> int:
        return int(self.values.shape[0])

    @property
    def states(self) -> np.ndarray:
        """The state trajectories (N, len(times), n_states); only when no observables were selected."""
        if self.observed is not None:
            raise ValueError("this solution holds observables only (it was solved with observe=...)")
        return self.values
