"""The cohort integrator on a CUDA GPU (numba.cuda): the CPU lock-step kernel's algorithm, one thread per patient.

:mod:`hemasim.solvers._lockstep` advances chunks of 32 patients with one shared step chosen for the chunk's worst
patient. Here a CUDA block is such a chunk: each thread integrates its own patient with the Dormand-Prince 5(4)
steps of :mod:`hemasim.solvers._dopri` (the same numba functions, compiled for the GPU), and the block takes the
step its worst patient allows (a maximum over the block in shared memory). The block's step sequence is then the
CPU chunk's, so the two agree to rounding, not merely to the tolerance. Control flow is uniform within a block
(every thread takes the same steps), so the threads of a warp do not diverge except inside the flow law.

The model is data, as on the CPU: the flow law is the one of :func:`hemasim.solvers._kernel.fluxes_into`, written
again here for one patient's column of patient-innermost arrays (neighbouring threads read neighbouring addresses),
and the feedback laws are those of :mod:`hemasim.model.laws` written with ``math`` functions, because numba's CUDA
target does not compile ``np.exp`` (tests/test_gpu.py checks every law against laws.py). Local arrays need sizes
known at compile time, so a kernel is compiled per model shape (states, flows, signals, feedbacks), once per process.

This module imports numba.cuda at import: import it only when a GPU run is asked for (:mod:`hemasim.solvers.gpu`).
With ``NUMBA_ENABLE_CUDASIM=1`` numba runs the same kernel in its CUDA simulator, in Python on the CPU (slowly):
that is how the test suite checks it on machines without a GPU.
"""

from __future__ import annotations

import math
import time
from functools import lru_cache
from typing import Any

import numpy as np
from numba import config, cuda, float64

from hemasim.model.laws import (
    AGE_DECLINE,
    DAYS_PER_YEAR,
    EMAX,
    HILL_RATIO,
    LINEAR,
    LINEAR_INHIBITION,
    POWER,
    WINDOW,
)
from hemasim.solvers import _dopri
from hemasim.solvers._dopri import N_STAGES, STAGE_TIME

if not hasattr(np, "row_stack"):
    # numba-cuda 0.30 registers an overload of np.row_stack when it compiles its first kernel, and numpy 2.5 removed
    # that (deprecated) alias of np.vstack: without it numba-cuda compiles nothing (AttributeError). Restored as what
    # it was, only where missing.
    np.row_stack = np.vstack

#: patients per block: the CPU lock-step chunk (hemasim.solvers.DormandPrince.LOCKSTEP_CHUNK), so that both take
#: the same steps
CHUNK = 32

#: every launch of this process: patients, seconds copying in (with the host's transposes), in the kernel (its
#: compilation included on a first launch), copying out; read by bench/bench_gpu.py
LAUNCHES: list[dict[str, float]] = []

__all__ = ["CHUNK", "feedback_value_gpu", "feedback_value_math", "integrate_gpu", "lockstep_kernel"]


def _on_gpu(helper: Any) -> Any:
    """A Dormand-Prince helper of :mod:`hemasim.solvers._dopri` for the kernel: its Python source compiled as a
    CUDA device function (numba's CUDA target cannot call CPU-compiled functions in every version); in the CUDA
    simulator the CPU-compiled function itself, which runs there much faster than its source would."""
    return helper if getattr(config, "ENABLE_CUDASIM", False) else cuda.jit(device=True)(helper.py_func)


stage_state = _on_gpu(_dopri.stage_state)
scaled_error_squares = _on_gpu(_dopri.scaled_error_squares)
dense_state = _on_gpu(_dopri.dense_state)
accept_state = _on_gpu(_dopri.accept_state)
reuse_last_slope = _on_gpu(_dopri.reuse_last_slope)
limit_step = _on_gpu(_dopri.limit_step)
output_due = _on_gpu(_dopri.output_due)
grown_step = _on_gpu(_dopri.grown_step)
shrunk_step = _on_gpu(_dopri.shrunk_step)
step_underflow = _on_gpu(_dopri.step_underflow)


def feedback_value_math(kind: int, t: float, s: float, p0: float, p1: float, p2: float, p3: float, p4: float
                        ) -> float:
    """g of a feedback of kind ``kind`` on scalars: :func:`hemasim.model.laws.feedback_value` written with ``math``
    functions and ``max`` (compiled for the GPU as :func:`feedback_value_gpu`; tests/test_gpu.py holds the two
    equal for every kind)."""
    if kind == HILL_RATIO:
        return (1.0 + p1) / (1.0 + p1 * (s / p0) ** p2)
    if kind == AGE_DECLINE:
        age_years = p0 + p4 * t / DAYS_PER_YEAR
        return math.exp(-p1 * (max(age_years, p2) - max(p3, p2)))
    if kind == LINEAR_INHIBITION:
        return max(0.0, 1.0 - p0 * s)
    if kind == EMAX:
        s_h = s**p2
        return 1.0 + p0 * s_h / (p1**p2 + s_h)
    if kind == WINDOW:
        return 1.0 if p0 <= t < p1 else 0.0
    if kind == LINEAR:
        return p0 * s
    if kind == POWER:
        return (max(s, p2) / p0) ** p1
    return math.nan


feedback_value_gpu = cuda.jit(device=True)(feedback_value_math)


@cuda.jit(device=True)
def _feedbacks(t, x, p, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, sig,
               fb):  # pragma: no cover - compiled
    """fb[k] = every feedback's value for patient ``p`` at state x (sig: the signals it reads)."""
    for i in range(sig_ptr.shape[0] - 1):
        acc = 0.0
        for q in range(sig_ptr[i], sig_ptr[i + 1]):
            xj = x[sig_idx[q]]
            if xj > 0.0:
                acc += sig_w[q] * xj
        sig[i] = acc
    for k in range(fb_kind.shape[0]):
        si = fb_signal[k]
        s = sig[si] if si >= 0 else 0.0  # laws of age or time read no signal
        g = feedback_value_gpu(fb_kind[k], t, s, FBP[k, 0, p], FBP[k, 1, p], FBP[k, 2, p], FBP[k, 3, p], FBP[k, 4, p])
        fb[k] = fb_offset[k] + fb_scale[k] * g


@cuda.jit(device=True)
def _flow_flux(f, x, p, src, RATE, flow_fb, fb):  # pragma: no cover - compiled
    """Flow f's flux (cells/day) of patient ``p`` at state x: the flow law of _kernel.fluxes_into."""
    v = RATE[f, p]
    s = src[f]
    if s >= 0:
        xs = x[s]
        v = v * xs if xs > 0.0 else 0.0
    for j in range(flow_fb.shape[1]):
        idx = flow_fb[f, j]
        if idx < 0:
            break
        v *= fb[idx]
    return v


@cuda.jit(device=True)
def _fluxes(t, x, flux, p, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale,
            sig, fb):  # pragma: no cover - compiled
    """Every flow's flux (cells/day) of patient ``p`` at state x (for observables that read fluxes)."""
    _feedbacks(t, x, p, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, sig, fb)
    for f in range(flux.shape[0]):
        flux[f] = _flow_flux(f, x, p, src, RATE, flow_fb, fb)


@cuda.jit(device=True)
def _rhs(t, x, out, p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP,
         fb_offset, fb_scale, sig, fb, flux):  # pragma: no cover - compiled
    """out = dx/dt of patient ``p``; each flux goes straight into ``out`` (a flux array written and read back would
    be local-memory traffic, what this kernel is bound by: docs/performance_gpu.md). ``flux`` is not used."""
    _feedbacks(t, x, p, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, sig, fb)
    for i in range(x.shape[0]):
        out[i] = 0.0
    for f in range(src.shape[0]):
        v = _flow_flux(f, x, p, src, RATE, flow_fb, fb)
        if v == 0.0:
            continue
        s = src[f]
        if s >= 0:
            out[s] -= consume[f] * v
        d = dst[f]
        if d >= 0:
            out[d] += YLD[f, p] * v


@cuda.jit(device=True)
def _step_slopes(t, h, x, K, tmp, xn, p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
                 fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux):  # pragma: no cover - compiled
    """Slopes K[1..6] of one Dormand-Prince step from (t, x) (K[0] given); xn = the fifth-order new state."""
    stage_state(1, h, x, K, tmp)
    _rhs(t + STAGE_TIME[1] * h, tmp, K[1], p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
         fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)
    stage_state(2, h, x, K, tmp)
    _rhs(t + STAGE_TIME[2] * h, tmp, K[2], p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
         fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)
    stage_state(3, h, x, K, tmp)
    _rhs(t + STAGE_TIME[3] * h, tmp, K[3], p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
         fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)
    stage_state(4, h, x, K, tmp)
    _rhs(t + STAGE_TIME[4] * h, tmp, K[4], p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
         fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)
    stage_state(5, h, x, K, tmp)
    _rhs(t + STAGE_TIME[5] * h, tmp, K[5], p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
         fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)
    stage_state(6, h, x, K, xn)
    _rhs(t + STAGE_TIME[6] * h, xn, K[6], p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
         fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)


@cuda.jit(device=True)
def _record(i_out, t, x, p, OBSW, OBSFW, need_flux, record_states, OBS, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w,
            fb_kind, fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux):  # pragma: no cover - compiled
    """OBS[p, i_out] = the selected observables of patient p at (t, x) (its states when ``record_states``)."""
    if record_states:
        for j in range(x.shape[0]):
            OBS[p, i_out, j] = x[j]
        return
    if need_flux:
        _fluxes(t, x, flux, p, src, RATE, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset,
                fb_scale, sig, fb)
    for a in range(OBS.shape[2]):
        acc = 0.0
        for j in range(x.shape[0]):
            w = OBSW[a, j, p]
            if w != 0.0:  # observables read few states
                acc += w * x[j]
        if need_flux:
            for f in range(flux.shape[0]):
                w = OBSFW[a, f, p]
                if w != 0.0:
                    acc += w * flux[f]
        OBS[p, i_out, a] = acc


@cuda.jit(device=True)
def _block_worst(err, err_shared):  # pragma: no cover - compiled
    """The largest ``err`` of the block's threads (every thread gets it)."""
    err_shared[cuda.threadIdx.x] = err
    cuda.syncthreads()
    worst = 0.0
    for i in range(cuda.blockDim.x):
        worst = max(worst, err_shared[i])
    cuda.syncthreads()  # before the next step overwrites err_shared
    return worst


@lru_cache(maxsize=8)
def lockstep_kernel(n_states: int, n_flows: int, n_signals: int, n_feedbacks: int, max_registers: int | None = None
                    ) -> Any:
    """The kernel for models of this shape (local arrays are sized at compile time); compiled on first launch.
    ``max_registers`` caps the registers per thread (None: the compiler's choice)."""
    n_sig = max(n_signals, 1)  # local arrays of length zero do not compile
    n_fb = max(n_feedbacks, 1)
    # (numba's CUDA simulator takes no register cap: it runs Python)
    simulator = getattr(config, "ENABLE_CUDASIM", False)
    options = {} if max_registers is None or simulator else {"max_registers": max_registers}

    @cuda.jit(**options)
    def kernel(X0, t0, t_out, rtol, ATOL, h_init, max_step, max_steps, src, dst, RATE, consume, YLD, flow_fb, sig_ptr,
               sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, OBSW, OBSFW, need_flux, record_states,
               n_patients, OBS, XF, STATUS):  # pragma: no cover - compiled
        """Patient-innermost arrays: X0, ATOL (n, N); RATE, YLD (n_flows, N); FBP (n_fb, 5, N); OBSW (k, n, N);
        OBSFW (k, n_flows, N), read on every step. Writes OBS (N, len(t_out), k or n) and XF (N, n), patient first
        as the caller wants them (written once: scattered stores cost little), and STATUS[block] (0 ok, 1 step
        size underflow, 2 the budget of ``max_steps`` attempted steps spent)."""
        tid = cuda.threadIdx.x
        p = cuda.blockIdx.x * cuda.blockDim.x + tid
        active = p < n_patients
        if not active:  # a padding thread of the last block: runs its last patient again, records nothing
            p = n_patients - 1
        x = cuda.local.array(n_states, float64)
        xn = cuda.local.array(n_states, float64)
        tmp = cuda.local.array(n_states, float64)
        K = cuda.local.array((N_STAGES, n_states), float64)
        sig = cuda.local.array(n_sig, float64)
        fb = cuda.local.array(n_fb, float64)
        flux = cuda.local.array(n_flows, float64)
        err_shared = cuda.shared.array(CHUNK, float64)
        atol = cuda.local.array(n_states, float64)  # a local copy: the helpers take plain arrays
        for j in range(n_states):
            x[j] = X0[j, p]
            atol[j] = ATOL[j, p]
        n_out = t_out.shape[0]
        t = t0
        h = h_init
        t_end = t_out[n_out - 1]
        _rhs(t, x, K[0], p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP,
             fb_offset, fb_scale, sig, fb, flux)
        i_out = 0
        while i_out < n_out and t_out[i_out] <= t:
            if active:
                _record(i_out, t_out[i_out], x, p, OBSW, OBSFW, need_flux, record_states, OBS, src, RATE, flow_fb,
                        sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)
            i_out += 1
        err_old = 1e-4
        attempts = 0
        status = 0
        # every quantity steering this loop (t, h, i_out, the block's worst error) is the same for the whole block
        while i_out < n_out:
            if attempts >= max_steps:
                status = 2
                break
            attempts += 1
            h, last = limit_step(t, h, t_end, max_step)
            _step_slopes(t, h, x, K, tmp, xn, p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w,
                         fb_kind, fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)
            scaled_error_squares(h, x, xn, K, atol, rtol, tmp)
            own = 0.0
            for j in range(n_states):
                own += tmp[j]
            err = _block_worst(math.sqrt(own / n_states), err_shared)
            if err <= 1.0:
                t_new = t_end if last else t + h
                while i_out < n_out and output_due(t_out[i_out], t_new):
                    theta = (t_out[i_out] - t) / h
                    # into tmp: free until the next step's stages (one array less per thread)
                    dense_state(theta, theta >= 1.0 or (last and i_out == n_out - 1), h, x, xn, K, tmp)
                    if active:
                        _record(i_out, t_out[i_out], tmp, p, OBSW, OBSFW, need_flux, record_states, OBS, src, RATE,
                                flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, FBP, fb_offset, fb_scale, sig,
                                fb, flux)
                    i_out += 1
                t = t_new
                if accept_state(x, xn):
                    _rhs(t, x, K[0], p, src, dst, RATE, consume, YLD, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
                         fb_signal, FBP, fb_offset, fb_scale, sig, fb, flux)
                else:
                    reuse_last_slope(K)
                h = grown_step(h, err, err_old)
                err_old = max(err, 1e-4)
            else:
                h = shrunk_step(h, err)
                if step_underflow(h, t):
                    status = 1
                    break
        if active:
            for j in range(n_states):
                XF[p, j] = x[j]
        if tid == 0:
            STATUS[cuda.blockIdx.x] = status

    return kernel


@cuda.jit
def _transpose(A, OUT):  # pragma: no cover - compiled
    """OUT[j, p] = A[p, j]: one thread per element, neighbouring threads writing neighbouring addresses."""
    i = cuda.grid(1)
    n_patients = A.shape[0]
    if i < A.size:
        j = i // n_patients
        p = i - j * n_patients
        OUT[j, p] = A[p, j]


def _patients_last(a: np.ndarray) -> Any:
    """(N, ...) on the host -> (..., N) on the GPU, C-ordered: neighbouring threads (patients) read neighbouring
    addresses. Transposed there, not on the host (where 10^6 patients' arrays take seconds)."""
    flat = np.ascontiguousarray(a).reshape(a.shape[0], -1)
    out = cuda.device_array((flat.shape[1], flat.shape[0]))
    if flat.size:
        threads = min(256, flat.size)  # the CUDA simulator starts a Python thread per GPU thread
        _transpose[(flat.size + threads - 1) // threads, threads](cuda.to_device(flat), out)
    return out.reshape(*a.shape[1:], a.shape[0])


def _launch(X0: np.ndarray, t0: float, t_out: np.ndarray, rtol: float, ATOL: np.ndarray, h_init: float,
            max_step: float, max_steps: int, shared: tuple[np.ndarray, ...], RATE: np.ndarray, YLD: np.ndarray,
            FBP: np.ndarray, OBSW: np.ndarray, OBSFW: np.ndarray, need_flux: bool, record_states: bool, chunk: int,
            max_registers: int | None, values: np.ndarray, final_states: np.ndarray) -> np.ndarray:
    """One launch over patient-first arrays; fills ``values`` (N, T, k) and ``final_states`` (N, n) (C-ordered
    host arrays, copied into without a temporary); returns the status per block."""
    src, dst, consume, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind, fb_signal, fb_offset, fb_scale = shared
    n_patients, n = X0.shape
    kernel = lockstep_kernel(n, len(src), len(sig_ptr) - 1, len(fb_kind), max_registers)
    threads = min(chunk, n_patients)
    blocks = (n_patients + threads - 1) // threads
    k = n if record_states else OBSW.shape[1]
    started = time.perf_counter()
    d = cuda.to_device
    x0, atol, rate, yld, fbp, obsw, obsfw = (_patients_last(a) for a in (X0, ATOL, RATE, YLD, FBP, OBSW, OBSFW))
    obs = cuda.device_array((n_patients, len(t_out), k))
    final = cuda.device_array((n_patients, n))
    status = cuda.device_array(blocks, dtype=np.int64)
    cuda.synchronize()
    copied_in = time.perf_counter()
    kernel[blocks, threads](
        x0, float(t0), d(t_out), float(rtol), atol, float(h_init), float(max_step), int(max_steps), d(src), d(dst),
        rate, d(consume), yld, d(flow_fb), d(sig_ptr), d(sig_idx), d(sig_w), d(fb_kind), d(fb_signal), fbp,
        d(fb_offset), d(fb_scale), obsw, obsfw, bool(need_flux), bool(record_states), int(n_patients), obs, final,
        status)
    cuda.synchronize()
    computed = time.perf_counter()
    obs.copy_to_host(values)
    final.copy_to_host(final_states)
    block_status = status.copy_to_host()
    LAUNCHES.append({"patients": n_patients, "to_gpu_s": copied_in - started, "kernel_s": computed - copied_in,
                     "from_gpu_s": time.perf_counter() - computed})
    return block_status


def integrate_gpu(X0: np.ndarray, t0: float, t_out: np.ndarray, rtol: float, ATOL: np.ndarray, h_init: float,
                  max_step: float, max_steps: int, src: np.ndarray, dst: np.ndarray, RATE: np.ndarray,
                  consume: np.ndarray, YLD: np.ndarray, flow_fb: np.ndarray, sig_ptr: np.ndarray, sig_idx: np.ndarray,
                  sig_w: np.ndarray, fb_kind: np.ndarray, fb_signal: np.ndarray, FBP: np.ndarray,
                  fb_offset: np.ndarray, fb_scale: np.ndarray, obs_sel: np.ndarray | None, OBSW: np.ndarray,
                  OBSFW: np.ndarray, batch: int, chunk: int = CHUNK, max_registers: int | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`hemasim.solvers._lockstep.integrate_lockstep` on the GPU, with the same patient-first arguments.

    ``obs_sel`` None records every state (OBSW and OBSFW are then not read). A block of ``chunk`` patients (at most
    :data:`CHUNK`) shares its steps, as a lock-step chunk of that size does. Patients go to the GPU in launches of
    ``batch`` (a multiple of ``chunk``, so the blocks are the CPU's chunks), which bounds the GPU's memory.
    ``max_registers``: see :func:`lockstep_kernel`. Returns (values (N, len(t_out), k), final states (N, n), status
    per block).
    """
    if not 1 <= chunk <= CHUNK or batch % chunk:
        raise ValueError(f"chunk must be 1..{CHUNK} and batch a multiple of it (got chunk {chunk}, batch {batch})")
    record_states = obs_sel is None
    if obs_sel is not None and not np.array_equal(obs_sel, np.arange(OBSW.shape[1])):
        OBSW, OBSFW = OBSW[:, obs_sel, :], OBSFW[:, obs_sel, :]  # only the selected observables travel
    need_flux = bool(not record_states and OBSFW.any())  # (any(): no (N, k, n_flows) temporary)
    if not need_flux:  # no flux weights: a one-column placeholder instead of (N, k, n_flows) zeros
        OBSFW = np.zeros((X0.shape[0], 1, 1))
    if record_states:
        OBSW = np.zeros((X0.shape[0], 1, 1))
    shared = tuple(np.ascontiguousarray(a) for a in (src, dst, consume, flow_fb, sig_ptr, sig_idx, sig_w, fb_kind,
                                                     fb_signal, fb_offset, fb_scale))
    t_out = np.ascontiguousarray(t_out, dtype=np.float64)
    n_patients = X0.shape[0]
    values = np.empty((n_patients, len(t_out), X0.shape[1] if record_states else OBSW.shape[1]))
    final = np.empty(X0.shape)
    status = []
    for lo in range(0, n_patients, batch):
        hi = min(n_patients, lo + batch)
        status.append(_launch(X0[lo:hi], t0, t_out, rtol, ATOL[lo:hi], h_init, max_step, max_steps, shared,
                             RATE[lo:hi], YLD[lo:hi], FBP[lo:hi], OBSW[lo:hi], OBSFW[lo:hi], need_flux,
                             record_states, chunk, max_registers, values[lo:hi], final[lo:hi]))
    return values, final, np.concatenate(status)
