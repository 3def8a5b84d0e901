"""Where a run starts: steady-state strategies for one patient or a cohort.

* :class:`NewtonSteadyState` - the fixed point near the model's built state (numba chord Newton on all
  cores, with pseudo-transient continuation for the patients plain Newton does not converge);
* :class:`GivenState` - states the caller supplies (a state saved from an earlier run, a perturbed one).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from hemasim.solvers import patient_states

if TYPE_CHECKING:
    from hemasim.model import CompiledModel


def balance_residual(model: CompiledModel, x: np.ndarray, t: float = 0.0) -> np.ndarray:
    """|dx/dt| of each state of one patient relative to the total flux through it (0 = exactly balanced)."""
    flux = model.fluxes(np.array([t]), x)[0]
    n = model.n_states
    gross = np.zeros(n)
    s, d = model.src >= 0, model.dst >= 0
    gross += np.bincount(model.src[s], weights=(model.consume * flux)[s], minlength=n)
    gross += np.bincount(model.dst[d], weights=(model.yield_ * flux)[d], minlength=n)
    return np.abs(model.rhs(t, x)) / np.maximum(gross, 1e-300)


class InitialState(ABC):
    """How a simulation finds the states it starts from."""

    @abstractmethod
    def states(self, model: CompiledModel, t: float = 0.0) -> np.ndarray:
        """The start: (n_states,) for one patient, (N, n_states) for a cohort model."""


@dataclass(frozen=True)
class NewtonSteadyState(InitialState):
    """The fixed point near ``model.x0`` with time (age) frozen at ``t``, for every patient.

    The healthy model is built at its reference point; for other ages the thymus and T-cell pools
    move, and a Newton solve finds where. ``tol`` bounds the largest |dx/dt| relative to the gross flux.
    """

    tol: float = 1e-10
    newton_iterations: int = 60
    #: iterations of the pseudo-transient fallback (slow modes of decades mislead plain Newton)
    continuation_iterations: int = 600
    continuation_first_step_days: float = 1.0

    def states(self, model: CompiledModel, t: float = 0.0) -> np.ndarray:
        if model.n_patients is not None:
            return self.cohort(model, t)
        if np.max(balance_residual(model, model.x0, t)) < self.tol:
            return model.x0.copy()
        one = replace(model, x0=model.x0[None], rate=model.rate[None], yield_=model.yield_[None],
                      fb_params=model.fb_params[None], n_patients=1)
        return self.cohort(one, t)[0]

    def cohort(self, model: CompiledModel, t: float = 0.0) -> np.ndarray:
        """Fixed points (N, n) of every patient of a cohort model (numba Newton, all cores)."""
        from hemasim.solvers._kernel import steady_state_batch  # lazily: numba is slow to import

        newton: Callable[..., tuple[np.ndarray, np.ndarray]] = steady_state_batch  # (numba's stubs lack the args)

        x, status = newton(model.x0, float(t), np.maximum(model.x0, 1.0), *model.kernel_arrays(), self.tol,
                           self.newton_iterations, 0.0)
        bad = np.nonzero(status)[0]
        if len(bad):  # plain Newton lost its way (slow modes): follow the dynamics there (pseudo-transient)
            sub = _some_patients(model, bad)
            x[bad], status[bad] = newton(sub.x0, float(t), np.maximum(sub.x0, 1.0), *sub.kernel_arrays(), self.tol,
                                         self.continuation_iterations, self.continuation_first_step_days)
            bad = np.nonzero(status)[0]
        if len(bad):
            raise RuntimeError(f"steady state not found for {len(bad)} patient(s) (first: index {bad[0]})")
        return x


def _some_patients(model: CompiledModel, which: np.ndarray) -> CompiledModel:
    """The patients ``which`` of a cohort model, as a smaller cohort model."""
    return replace(model, x0=model.x0[which], rate=model.rate[which], yield_=model.yield_[which],
                   fb_params=model.fb_params[which], obs_state_w=model.obs_state_w[which],
                   obs_flux_w=model.obs_flux_w[which], n_patients=len(which))


@dataclass(frozen=True, eq=False)
class GivenState(InitialState):
    """States supplied by the caller: (n,) for one patient, (N, n) for a cohort."""

    x0: np.ndarray

    def states(self, model: CompiledModel, t: float = 0.0) -> np.ndarray:
        x = patient_states(model, self.x0).copy()
        return x[0] if model.n_patients is None else x
