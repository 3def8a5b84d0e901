"""The kernels as the solvers import them: ``dopri5``, ``ark_imex`` and ``steady_state_batch`` of one patient come from the
ahead-of-time compiled module (:mod:`hemasim.solvers._aot`: no numba import, no cached kernel to load) when a current
one is installed and the arguments have its types, else from numba; every other name is
:mod:`hemasim.solvers._kernel_numba`'s, loaded (with numba) on first use."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np

from hemasim.solvers import _aot


def _numba_kernels() -> Any:
    return importlib.import_module("hemasim.solvers._kernel_numba")


def dopri5(*args: Any) -> Any:
    """:func:`hemasim.solvers._kernel_numba.dopri5` (same arguments, same results)."""
    compiled = _aot.load("dopri5")
    if compiled is not None and _aot.accepts("dopri5", args):
        return compiled(*args)
    return _numba_kernels().dopri5(*args)


def ark_imex(*args: Any) -> Any:
    """:func:`hemasim.solvers._kernel_numba.ark_imex` (same arguments, same results)."""
    compiled = _aot.load("ark_imex")
    if compiled is not None and _aot.accepts("ark_imex", args):
        return compiled(*args)
    return _numba_kernels().ark_imex(*args)


def steady_state_batch(X0: np.ndarray, t: float, SCALE: np.ndarray, *args: Any) -> tuple[np.ndarray, np.ndarray]:
    """:func:`hemasim.solvers._kernel_numba.steady_state_batch` (same arguments, same results). One patient is
    solved by the compiled :func:`~hemasim.solvers._kernel_numba._steady_state_patient`, as the parallel kernel
    solves each of its patients; cohorts go to the parallel kernel."""
    compiled = _aot.load("_steady_state_patient") if X0.shape[0] == 1 else None
    if compiled is not None:
        (src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FB_PARAMS, fb_offset,
         fb_scale, *settings) = args
        X = np.empty(X0.shape)
        one = (X0[0], X[0], t, SCALE[0], src, dst, RATE[0], consume, YLD[0], flow_fb, sig_ptr, sig_idx, sig_w,
               fb_kind, fb_signal, FB_PARAMS[0], fb_offset, fb_scale, *settings)
        if _aot.accepts("_steady_state_patient", one):
            return X, np.array([compiled(*one)], dtype=np.int64)
    return _numba_kernels().steady_state_batch(X0, t, SCALE, *args)


def __getattr__(name: str) -> Any:
    if name.startswith("__"):
        raise AttributeError(name)
    return getattr(_numba_kernels(), name)
