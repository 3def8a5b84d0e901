"""Where a run starts: steady-state strategies for one patient or a cohort.

* :class:`NewtonSteadyState` - the fixed point near the model's built state (numba chord Newton on all
  cores, with pseudo-transient continuation for the patients plain Newton does not converge; a cohort's linear
  systems solved by block elimination of the transit stages, :mod:`hemasim.solvers._steady_structure`);
* :class:`GivenState` - states the caller supplies (a state saved from an earlier run, a perturbed one).
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from hemasim.solvers import SolverError, patient_states
from hemasim.solvers._steady_structure import (
    HELD_RESIDUAL_FRACTION,
    ChainElimination,
    Colouring,
    chain_elimination,
    csr,
    greedy_colours,
    moving_states,
)

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
    ``linear_solve`` picks how each Newton step's linear system is solved: ``"reduced"`` block-eliminates the
    transit chains (:mod:`hemasim.solvers._steady_structure`; the dense LU serves a model without them and a
    patient whose eliminated pivots are unsafe), ``"dense"`` is the LU of all states; ``"auto"`` is reduced for
    cohorts and dense for one patient (whose ahead-of-time kernel spares numba's import). Same iterates up to
    rounding, hence the same fixed points. Where the solve is reduced and ``hold_balanced`` is set, the states that
    are balanced where every patient starts and that no unbalanced state reaches are held there, and the Newton runs
    on the others (:func:`hemasim.solvers._steady_structure.moving_states`: the T-cell pools an age moves, 13 of
    the healthy model's 128 states); again the same iterates up to rounding. A patient it does not converge is
    solved as without it.
    """

    tol: float = 1e-10
    newton_iterations: int = 60
    #: iterations of the pseudo-transient fallback (slow modes of decades mislead plain Newton)
    continuation_iterations: int = 600
    continuation_first_step_days: float = 1.0
    linear_solve: Literal["auto", "reduced", "dense"] = "auto"
    hold_balanced: bool = True

    def states(self, model: CompiledModel, t: float = 0.0) -> np.ndarray:
        if model.n_patients is not None:
            return self.cohort(model, t)
        if np.max(balance_residual(model, model.x0, t)) < self.tol:
            return model.x0.copy()
        one = replace(model, x0=model.x0[None], rate=model.rate[None], yield_=model.yield_[None],
                      fb_params=model.fb_params[None], n_patients=1)
        return self.cohort(one, t)[0]

    def cohort(self, model: CompiledModel, t: float = 0.0) -> np.ndarray:
        """Fixed points (N, n) of every patient of a cohort model (numba Newton, all cores).

        Raises :class:`~hemasim.solvers.SolverError` naming the first patient without one.
        """
        colouring = jacobian_colouring(model)
        reduced = self.linear_solve == "reduced" or (self.linear_solve == "auto" and model.x0.shape[0] > 1)
        built: list[ChainElimination | None] = []  # the block structure, built when a Newton of all states needs it

        def every_state(sub: CompiledModel, iterations: int, first_step_days: float) -> tuple[np.ndarray, np.ndarray]:
            if not built:
                built.append(chain_elimination(model, colouring) if reduced else None)
            return _newton(sub, t, self.tol, iterations, first_step_days, colouring, built[0])

        held = _held_newton(model, t, self.tol, self.newton_iterations, colouring) if (
            reduced and self.hold_balanced) else None
        if held is None:
            x, status = every_state(model, self.newton_iterations, 0.0)
        else:
            x, status = held
            bad = np.nonzero(status)[0]
            if len(bad):  # as if nothing were held: the plain Newton of every state first
                x[bad], status[bad] = every_state(_some_patients(model, bad), self.newton_iterations, 0.0)
        bad = np.nonzero(status)[0]
        if len(bad):  # plain Newton lost its way (slow modes, a singular Jacobian): follow the dynamics there
            x[bad], status[bad] = every_state(_some_patients(model, bad), self.continuation_iterations,
                                              self.continuation_first_step_days)
            bad = np.nonzero(status)[0]
        if len(bad):
            first = int(bad[0])
            why = ("its linear system is singular or a state went non-finite (no isolated fixed point there)"
                   if status[first] == SINGULAR else
                   f"not converged to {self.tol:g} of the gross flux in {self.continuation_iterations} "
                   "pseudo-transient iterations")
            raise SolverError(f"steady state not found for {len(bad)} patient(s); first: index {first}: {why}")
        return x


def _newton(model: CompiledModel, t: float, tol: float, iterations: int, first_step_days: float,
            colouring: Colouring, blocks: ChainElimination | None) -> tuple[np.ndarray, np.ndarray]:
    """(states, status) of every patient from the numba Newton: block-eliminated solves where ``blocks`` are
    given, the dense kernel for the patients whose eliminated pivots are unsafe and where they are not."""
    from hemasim.solvers._kernel import steady_state_batch  # lazily: numba is slow to import

    dense: Callable[..., tuple[np.ndarray, np.ndarray]] = steady_state_batch  # (numba's stubs lack the args)
    settings = (tol, iterations, first_step_days, colouring)
    if blocks is None:
        return dense(model.x0, float(t), np.maximum(model.x0, 1.0), *model.kernel_arrays(), *settings)
    from hemasim.solvers._steady_kernel import DENSE_NEEDED, steady_state_reduced

    reduced: Callable[..., tuple[np.ndarray, np.ndarray]] = steady_state_reduced
    arrays = blocks.kernel_arrays()
    x, status = reduced(model.x0, float(t), np.maximum(model.x0, 1.0), *model.kernel_arrays(), *settings,
                        arrays[:4], arrays[4:], blocks.pivot_threshold)
    unsafe = np.nonzero(status == DENSE_NEEDED)[0]
    if len(unsafe):
        sub = _some_patients(model, unsafe)
        x[unsafe], status[unsafe] = dense(sub.x0, float(t), np.maximum(sub.x0, 1.0), *sub.kernel_arrays(), *settings)
    return x, status


def _held_newton(model: CompiledModel, t: float, tol: float, iterations: int,
                 colouring: Colouring) -> tuple[np.ndarray, np.ndarray] | None:
    """(states, status) of every patient from the plain Newton of the moving states, the others held where they
    start (:func:`hemasim.solvers._steady_structure.moving_states`); None when too many states move."""
    from hemasim.solvers._steady_kernel import off_balance, steady_state_moving  # lazily: numba is slow to import

    arrays = model.kernel_arrays()
    off = off_balance(model.x0, float(t), *arrays, HELD_RESIDUAL_FRACTION * tol)
    moving = moving_states(model, colouring, off)
    if moving is None:
        return None
    if not len(moving.states):  # every patient balanced where it starts: what the Newton's first residual finds
        return model.x0.copy(), np.zeros(model.x0.shape[0], dtype=np.int64)
    solve: Callable[..., tuple[np.ndarray, np.ndarray]] = steady_state_moving
    return solve(model.x0, float(t), np.maximum(model.x0, 1.0), *arrays, tol, iterations, colouring[2], colouring[3],
                 moving.kernel_arrays())


#: status codes of the numba Newton (hemasim.solvers._kernel; repeated here so that numba is not imported)
SINGULAR = 2


def jacobian_colouring(model: CompiledModel) -> Colouring:
    """The structure of the model's Jacobian, for finite differences that perturb many states at once.

    State c reaches the fluxes of the flows it is the source of, and of the flows whose feedbacks read a signal
    that sums it; a flux reaches its flow's source and target rows. Columns whose reached rows are disjoint get
    the same colour (greedy). Returns (colour_ptr, colour_col, col_ptr, col_row): CSR lists of the columns of
    each colour and of the rows each column reaches.

    It depends on the model's structure alone (the arrays of the key below, not rates or states), and is computed
    once for each structure (~0.7 ms for the full model: a fit's every evaluation, each scenario of a structure
    solved again); each call returns arrays of its own.
    """
    structure = (model.src, model.dst, model.flow_fb, model.fb_signal, model.sig_ptr, model.sig_idx)
    key = (model.n_states, np.shape(model.flow_fb), *(np.ascontiguousarray(a, dtype=np.int64).tobytes()
                                                      for a in structure))
    colouring = _colouring_of_structure(key)
    return colouring[0].copy(), colouring[1].copy(), colouring[2].copy(), colouring[3].copy()


@functools.lru_cache(maxsize=32)
def _colouring_of_structure(key: tuple[int, tuple[int, ...], bytes, bytes, bytes, bytes, bytes, bytes]) -> Colouring:
    """:func:`jacobian_colouring` of the structure ``key`` (n_states, the shape of flow_fb, then src, dst, flow_fb,
    fb_signal, sig_ptr and sig_idx as int64 bytes); kept, never handed out."""
    n, fb_shape = key[0], key[1]
    src, dst, flow_fb, fb_signal, sig_ptr, sig_idx = (np.frombuffer(b, dtype=np.int64) for b in key[2:])
    flow_fb = flow_fb.reshape(fb_shape)
    signal_states = [sig_idx[sig_ptr[i]:sig_ptr[i + 1]] for i in range(len(sig_ptr) - 1)]
    rows_of: list[set[int]] = [set() for _ in range(n)]
    for f in range(len(src)):
        reads = {int(src[f])} if src[f] >= 0 else set()
        for k in flow_fb[f]:
            if k >= 0 and fb_signal[k] >= 0:
                reads.update(int(j) for j in signal_states[fb_signal[k]])
        touched = {int(j) for j in (src[f], dst[f]) if j >= 0}
        for c in reads:
            rows_of[c] |= touched
    colours = greedy_colours(range(n), rows_of)
    colour_ptr, colour_col = csr([np.array(sorted(cols), dtype=np.int64) for cols in colours])
    col_ptr, col_row = csr([np.array(sorted(r), dtype=np.int64) for r in rows_of])
    return colour_ptr, colour_col, col_ptr, col_row


def _some_patients(model: CompiledModel, which: np.ndarray) -> CompiledModel:
    """The patients ``which`` of a cohort model, as a smaller cohort model. One patient's model wrapped as a cohort
    of one (:meth:`NewtonSteadyState.states`) keeps its one patient's weights, which serve every patient."""
    weights = model.obs_weights if model.obs_weights.n_patients is None else model.obs_weights.patients(which)
    return replace(model, x0=model.x0[which], rate=model.rate[which], yield_=model.yield_[which],
                   fb_params=model.fb_params[which], obs_weights=weights, n_patients=len(which))


@dataclass(frozen=True, eq=False)
class GivenState(InitialState):
    """States supplied by the caller: (n,) for one patient, (N, n) for a cohort."""

    x0: np.ndarray

    def states(self, model: CompiledModel, t: float = 0.0) -> np.ndarray:
        x = patient_states(model, self.x0).copy()
        return x[0] if model.n_patients is None else x
