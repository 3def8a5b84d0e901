"""Solvers: strategy objects that integrate a compiled model between events.

* :class:`DormandPrince` - adaptive Dormand-Prince 5(4) compiled with numba (the fast path);
* :class:`ScipyReference` - ``scipy.integrate.solve_ivp`` on the plain-numpy right-hand side
  (the reference path, independent of the kernel).

Both take relative tolerance ``rtol``; absolute tolerances are ``rtol`` times each state's
healthy steady-state size (cells of very different magnitude - 1e5 HSCs, 1e13 red cells -
get the same relative precision).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hemasim.model import CompiledModel


class SolverError(RuntimeError):
    """Raised when an integration fails (step size underflow, non-finite values)."""


@dataclass(frozen=True)
class Solver(ABC):
    rtol: float = 1e-8

    def atol(self, model: CompiledModel) -> np.ndarray:
        return self.rtol * np.maximum(np.abs(model.x0), 1.0)

    @abstractmethod
    def integrate(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray) -> np.ndarray:
        """States at the increasing times ``t_out`` (all >= t0), shape (len(t_out), n_states)."""

    def describe(self) -> dict[str, object]:
        return {"solver": type(self).__name__, **self.__dict__}


@dataclass(frozen=True)
class DormandPrince(Solver):
    """Adaptive explicit Runge-Kutta 5(4), compiled with numba; ``fixed_step_days`` disables control."""

    max_step_days: float = 30.0
    initial_step_days: float = 0.05
    fixed_step_days: float | None = None

    def integrate(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray) -> np.ndarray:
        from hemasim.solvers._kernel import dopri5

        t_out = np.ascontiguousarray(t_out, dtype=np.float64)
        fixed = self.fixed_step_days is not None
        h0 = self.fixed_step_days if fixed else self.initial_step_days
        res, _, _, status = dopri5(
            np.ascontiguousarray(x0, dtype=np.float64), float(t0), t_out, float(self.rtol), self.atol(model),
            float(h0), float(self.fixed_step_days if fixed else self.max_step_days), fixed,
            *model.kernel_arrays())
        if status != 0 or not np.all(np.isfinite(res)):
            raise SolverError(f"DormandPrince failed between day {t0} and day {t_out[-1]} "
                              "(step size underflow or non-finite state); try a smaller rtol or max_step_days")
        return res


    def integrate_batch(self, model: CompiledModel, X0: np.ndarray, t0: float, t_out: np.ndarray,
                        observables: np.ndarray, chunk: int = 32) -> tuple[np.ndarray, np.ndarray]:
        """Every patient of a cohort model, in lock-step chunks of ``chunk`` patients on all cores.

        Returns the selected observables (N, len(t_out), len(observables)) and the final states (N, n).
        """
        from hemasim.solvers._lockstep import integrate_lockstep

        if model.n_patients is None:
            raise ValueError("integrate_batch needs a cohort model (compiled with per-patient arrays)")
        t_out = np.ascontiguousarray(t_out, dtype=np.float64)
        atol = self.rtol * np.maximum(np.abs(model.x0), 1.0)
        (src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_params, fb_offset,
         fb_scale) = model.kernel_arrays()
        obs, x_final, status = integrate_lockstep(
            np.ascontiguousarray(X0), float(t0), t_out, float(self.rtol), atol, float(self.initial_step_days),
            float(self.max_step_days), src, dst, rate, consume, yld, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
            fb_signal, fb_params, fb_offset, fb_scale, np.asarray(observables, dtype=np.int64), model.obs_state_w,
            model.obs_flux_w, int(chunk))
        if np.any(status):
            raise SolverError(f"DormandPrince failed for a chunk of patients between day {t0} and day {t_out[-1]} "
                              "(step size underflow); try a smaller rtol or max_step_days")
        return obs, x_final


@dataclass(frozen=True)
class ScipyReference(Solver):
    """``scipy.integrate.solve_ivp`` with the numpy reference right-hand side."""

    method: str = "DOP853"  # any solve_ivp method name

    def integrate(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray) -> np.ndarray:
        from scipy.integrate import solve_ivp

        t_out = np.asarray(t_out, dtype=np.float64)
        sol = solve_ivp(model.rhs, (t0, float(t_out[-1])), np.asarray(x0, dtype=np.float64), method=self.method,
                        t_eval=t_out, rtol=self.rtol, atol=self.atol(model))
        if not sol.success:
            raise SolverError(f"scipy {self.method} failed: {sol.message}")
        return np.maximum(sol.y.T, 0.0)


__all__ = ["DormandPrince", "ScipyReference", "Solver", "SolverError"]
