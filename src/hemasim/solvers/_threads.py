"""The lock-step kernels' parallelism: independent chunks of patients on numba's number of
threads (``numba.get_num_threads()``: the fits lower it), in a thread pool of compiled functions that release the
GIL, instead of numba's ``prange``.

Why not ``prange``: numba compiles a parallel loop's body into a function of its own and the loop's function
around it, and each links in everything the body calls and has LLVM optimise the whole again; for the lock-step
chunk kernels (the right-hand side, the stages, the recording) that was about half of their compilation
(docs/performance.md, 2026-12-04, branch solvers). The results are the same: each piece writes only its own part.
The steady-state kernels too (:func:`patient_ranges`, branch testspeed6): their ``prange`` wrappers linked in the
per-patient Newton and had LLVM optimise it twice more, ~5 s CPU each of a cold compile (docs/performance.md, the
suite's eighth round).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np


def in_threads(n_tasks: int, run: Callable[[int], object], done: Callable[[int], None] | None = None) -> None:
    """``run(i)`` for i in range(n_tasks), at most numba.get_num_threads() at a time (in order, in this thread, when
    that is one); raises what a task raised. ``done(i)``, in this thread, once task i and those before it have run
    (a cohort's progress: hemasim._progress.integrated)."""
    threads = min(int(numba.get_num_threads()), n_tasks)
    if threads <= 1:
        for i in range(n_tasks):
            run(i)
            if done is not None:
                done(i)
        return
    with ThreadPoolExecutor(threads) as pool:
        for i, _ in enumerate(pool.map(run, range(n_tasks))):
            if done is not None:
                done(i)


def equal_ranges(n_patients: int, ranges: int | None = None) -> list[int]:
    """The bounds of ``ranges`` (default: numba's number of threads, at most one per patient, at least one) equal
    ranges of ``n_patients`` patients (the split numba's ``prange`` made, one range per thread): range i is
    bounds[i] .. bounds[i + 1] - 1."""
    ranges = max(1, min(n_patients, int(numba.get_num_threads()) if ranges is None else ranges))
    return [n_patients * i // ranges for i in range(ranges + 1)]


def patient_ranges(kernel: Callable[..., object], X0: np.ndarray, t: float, SCALE: np.ndarray,
                   args: Sequence[object], ranges: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A steady-state kernel over every patient: ``kernel(lo, hi, X0, X, status, t, SCALE, *args)`` solves patients
    lo..hi-1 into their rows of X and status, for ``ranges`` (default: numba's number of threads) equal ranges of
    the patients (the split numba's ``prange`` made, one range per thread), in threads (the kernels release the
    GIL). Returns (X, status)."""
    N, n = X0.shape
    X = np.empty((N, n))
    status = np.empty(N, dtype=np.int64)
    bounds = equal_ranges(N, ranges)
    in_threads(len(bounds) - 1, lambda i: kernel(bounds[i], bounds[i + 1], X0, X, status, t, SCALE, *args))
    return X, status
