"""The lock-step kernels' parallelism: independent chunks of patients on numba's number of
threads (``numba.get_num_threads()``: the fits lower it), in a thread pool of compiled functions that release the
GIL, instead of numba's ``prange``.

Why not ``prange``: numba compiles a parallel loop's body into a function of its own and the loop's function
around it, and each links in everything the body calls and has LLVM optimise the whole again; for the lock-step
chunk kernels (the right-hand side, the stages, the recording) that was about half of their compilation
(docs/performance.md, 2026-12-04, branch solvers). The results are the same: each piece writes only its own part.
The steady-state kernels keep their ``prange`` over patients: run as two threads' ranges, the 10,000-patient steady
state took ~0.58 s wall instead of ~0.43 (measured, not explained), for ~3.5 s less compilation.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numba


def in_threads(n_tasks: int, run: Callable[[int], object]) -> None:
    """``run(i)`` for i in range(n_tasks), at most numba.get_num_threads() at a time (in order, in this thread, when
    that is one); raises what a task raised."""
    threads = min(int(numba.get_num_threads()), n_tasks)
    if threads <= 1:
        for i in range(n_tasks):
            run(i)
        return
    with ThreadPoolExecutor(threads) as pool:
        for _ in pool.map(run, range(n_tasks)):
            pass

