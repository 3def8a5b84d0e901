"""The optional GPU solver: :class:`GpuDormandPrince`, the cohort lock-step algorithm on a CUDA GPU.

It needs an NVIDIA GPU and numba's CUDA target, ``numba-cuda`` (``pip install 'hemasim[gpu]'``). Nothing of it is
imported until a GPU solve is asked for: the kernel module (:mod:`hemasim.solvers._cuda`) loads numba.cuda, and
compiles its kernel for the model's shape on the first launch of a process (about 20-60 s, not cached on disk).

``NUMBA_ENABLE_CUDASIM=1`` (set before numba is imported) runs the same kernel in numba's CUDA simulator on the CPU,
in Python: thousands of times slower, for tests on machines without a GPU.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hemasim.solvers import (
    Solver,
    SolverError,
    _budget_spent,
    check_step_budget,
    observable_indices,
    patient_states,
)
from hemasim.solvers.solution import Solution, SolverStats

if TYPE_CHECKING:
    from hemasim.model import CompiledModel

#: how to install what the GPU path needs
GPU_EXTRA = "pip install 'hemasim[gpu]'"


class GpuUnavailableError(RuntimeError):
    """Raised when a GPU solve is asked for where it cannot run (numba-cuda missing, or no CUDA GPU)."""


def simulated() -> bool:
    """Whether numba runs CUDA kernels in its simulator (``NUMBA_ENABLE_CUDASIM=1`` when numba was imported)."""
    from numba import config

    return bool(getattr(config, "ENABLE_CUDASIM", False))  # numba reads NUMBA_ENABLE_CUDASIM at import


def gpu_unavailable_reason() -> str | None:
    """Why :class:`GpuDormandPrince` cannot run here, or None when it can (a CUDA GPU, or the CUDA simulator)."""
    if simulated():
        return None
    # numba's own, older CUDA target (numba.cuda without numba-cuda) does not compile the kernel
    if importlib.util.find_spec("numba_cuda") is None:
        return f"the GPU path needs numba's CUDA target, numba-cuda, which is not installed: {GPU_EXTRA}"
    try:
        from numba import cuda

        available = bool(cuda.is_available())
    except Exception as exc:  # noqa: BLE001 - any failure of the CUDA driver's set-up means: no GPU here
        return f"numba-cuda is installed but CUDA cannot start ({type(exc).__name__}: {exc})"
    if not available:
        return ("no CUDA GPU found (numba.cuda.is_available() is False: no NVIDIA GPU or driver here); "
                "DormandPrince runs the same algorithm on the CPU")
    return None


def require_gpu() -> None:
    """Raise :class:`GpuUnavailableError` with the reason when the GPU path cannot run here."""
    reason = gpu_unavailable_reason()
    if reason is not None:
        raise GpuUnavailableError(f"GpuDormandPrince cannot run: {reason}")


@dataclass(frozen=True)
class GpuDormandPrince(Solver):
    """Adaptive Dormand-Prince 5(4) on a CUDA GPU, one thread per patient.

    The algorithm of :class:`hemasim.solvers.DormandPrince`'s lock-step cohort kernel: blocks of 32 patients share
    the step their worst patient allows, as the CPU chunks do, so results agree with the CPU's to rounding
    (tests/test_gpu.py, bench/bench_gpu.py). Worth it for large cohorts (10^5 patients and up; see
    docs/performance_gpu.md); one patient runs as a cohort of one.
    """

    max_step_days: float = 30.0
    initial_step_days: float = 0.05
    #: patients per kernel launch (a multiple of 32): bounds the GPU memory one launch takes, about
    #: 8 bytes x (outputs x observables + 3 n_flows + 5 n_feedbacks + 2 n_states + ...) per patient
    batch_patients: int = 262_144
    #: registers per GPU thread the compiler may use (None: its choice, 255 on an H200); fewer let more threads run
    #: at once but spill more to memory. 128 ran the kernel 13% faster than 255 for 10^6 patients on an H200
    #: (docs/performance_gpu.md)
    max_registers: int | None = 128

    def solve(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray,
              observe: Sequence[str] | None = None) -> Solution:
        require_gpu()
        from hemasim.solvers._cuda import integrate_gpu  # lazily: loads numba.cuda

        t_out = np.ascontiguousarray(t_out, dtype=np.float64)
        x = patient_states(model, x0)
        observed = None if observe is None else tuple(observe)
        selected = None if observed is None else observable_indices(model, observed)
        one = model.n_patients is None  # a single patient: the per-patient arrays get a patient axis of one

        def per_patient(a: np.ndarray) -> np.ndarray:
            return a[None] if one else a

        check_step_budget("GpuDormandPrince", self.max_steps, self.max_step_days, t0, float(t_out[-1]))
        m = model
        values, final, status = integrate_gpu(
            x, float(t0), t_out, float(self.rtol), self.atol(model).reshape(x.shape), float(self.initial_step_days),
            float(self.max_step_days), int(self.max_steps), m.src, m.dst, per_patient(m.rate), m.consume,
            per_patient(m.yield_), m.flow_fb, m.sig_ptr, m.sig_idx, m.sig_w, m.fb_kind, m.fb_signal,
            per_patient(m.fb_params), m.fb_offset, m.fb_scale, selected, per_patient(m.obs_state_w),
            per_patient(m.obs_flux_w), int(self.batch_patients), max_registers=self.max_registers)
        if np.any(status == 2):
            raise _budget_spent("GpuDormandPrince (a block of patients)", self.max_steps, t0, float(t_out[-1]))
        if np.any(status) or not np.all(np.isfinite(final)):
            raise SolverError(f"GpuDormandPrince failed for a block of patients between day {t0} and day "
                              f"{t_out[-1]} (step size underflow); try a smaller rtol or max_step_days")
        return Solution(t_out, values, final, SolverStats(integrations=1), observed)


__all__ = ["GPU_EXTRA", "GpuDormandPrince", "GpuUnavailableError", "gpu_unavailable_reason", "require_gpu",
           "simulated"]
