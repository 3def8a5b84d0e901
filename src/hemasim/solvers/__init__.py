"""Solvers: strategy objects that integrate a compiled model (one patient or a cohort) between events.

* :class:`DormandPrince` - adaptive Dormand-Prince 5(4) compiled with numba (the fast path): the
  single-patient kernel for one patient, the lock-step kernel for a cohort;
* :class:`AdditiveRungeKutta` - adaptive IMEX additive Runge-Kutta 4(3) compiled with numba, the same two kernels:
  the model's linear flows (the transit chains) implicit, the rest explicit (:mod:`hemasim.solvers._ark`);
* :class:`ScipyReference` - ``scipy.integrate.solve_ivp`` on the plain-numpy right-hand side
  (the reference path, independent of the kernels; a cohort is a loop over its patients, slowly);
* :class:`GpuDormandPrince` - the lock-step cohort algorithm on a CUDA GPU (optional: the ``gpu`` extra;
  :mod:`hemasim.solvers.gpu`).

Every solver implements :meth:`Solver.solve`, which returns a :class:`Solution` (trajectories with a
patient axis, final states, :class:`SolverStats`). Both take relative tolerance ``rtol``; absolute
tolerances are ``rtol`` times each state's healthy steady-state size (cells of very different
magnitude - 1e5 HSCs, 1e13 red cells - get the same relative precision; the IMEX solver's opt-in
``chain_tolerance`` and ``unread_states`` measure some states by the states they feed).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, ClassVar, Literal, get_args

import numpy as np

from hemasim.solvers.solution import Solution, SolverStats

if TYPE_CHECKING:
    from hemasim.model import CompiledModel


class SolverError(RuntimeError):
    """Raised when an integration fails (step size underflow, non-finite values, the step budget spent)."""


#: attempted steps (accepted and rejected) one solve call may take, per patient or lock-step chunk: the run
#: budget. The shipped examples take at most ~2,000 per call, the validation scenarios no more (see
#: docs/reliability.md); 500,000 ends a run that cannot progress in seconds (single patient, ~10 us a step)
#: to about a minute (a lock-step chunk of 32 patients) instead of hanging.
DEFAULT_MAX_STEPS = 500_000


class _StepBudgetSpent(Exception):
    """Raised inside scipy's integration to stop it when the budget is spent."""


def _budget_spent(solver: str, max_steps: int, t0: float, t_end: float) -> SolverError:
    return SolverError(f"{solver} spent its budget of {max_steps:,} steps between day {t0:g} and day {t_end:g} "
                       "without finishing (steps this small suggest a stiff or ill-posed scenario); raise "
                       "solver.max_step_days or rtol, or solver.max_steps if the run is sound but long")


def check_step_budget(solver: str, max_steps: int, longest_step_days: float, t0: float, t_end: float) -> None:
    """Refuse before integrating when steps of at most ``longest_step_days`` cannot cover t0..t_end within the
    budget (e.g. ``max_step_days: 1e-9`` on a long run): the error comes at once, not after the budget is spent."""
    if (t_end - t0) / longest_step_days > max_steps:
        raise SolverError(f"{solver}: steps of at most {longest_step_days:g} days need more than "
                          f"{(t_end - t0) / longest_step_days:,.0f} steps from day {t0:g} to day {t_end:g}, over the "
                          f"budget of {max_steps:,}; raise solver.max_step_days (or solver.max_steps)")


def observable_indices(model: CompiledModel, names: Sequence[str]) -> np.ndarray:
    """Positions of the named observables in ``model.observable_names`` (int64, for the kernels)."""
    missing = [n for n in names if n not in model.observable_names]
    if missing:
        raise KeyError(f"no observable {missing[0]!r}; known: {', '.join(model.observable_names)}")
    return np.array([model.observable_names.index(n) for n in names], dtype=np.int64)


def patient_states(model: CompiledModel, x0: np.ndarray) -> np.ndarray:
    """Initial states as (N, n_states): (n,) or (1, n) for one patient, (N, n) for a cohort of N."""
    x = np.asarray(x0, dtype=np.float64)
    if model.n_patients is None and x.shape == (model.n_states,):
        x = x[None]
    n_patients = model.n_patients or 1
    if x.shape != (n_patients, model.n_states):
        raise ValueError(f"initial states of shape {x.shape} do not fit {n_patients} patient(s) of "
                         f"{model.n_states} states")
    return np.ascontiguousarray(x)


def _kernel_ready(a: np.ndarray) -> np.ndarray:
    """``a`` as a writable C-ordered array (a copy only when it is not one). numba compiles a kernel once per
    argument types, and a read-only or strided view is another type (e.g. np.broadcast_to over one patient): a
    compilation of 30-50 s on a first run instead of the signature cached at install."""
    return a if a.flags.c_contiguous and a.flags.writeable else np.array(a, order="C")


@dataclass(frozen=True)
class Solver(ABC):
    rtol: float = 1e-8
    #: the run budget: attempted steps per solve call (per patient, or per lock-step chunk); see DEFAULT_MAX_STEPS
    max_steps: int = DEFAULT_MAX_STEPS

    def atol(self, model: CompiledModel) -> np.ndarray:
        return self.rtol * np.maximum(np.abs(model.x0), 1.0)

    @abstractmethod
    def solve(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray,
              observe: Sequence[str] | None = None) -> Solution:
        """Every patient of ``model`` from states ``x0`` ((n,) or (N, n)) at ``t0`` to the increasing times
        ``t_out`` (all >= t0); the states there, or only the observables named in ``observe``."""

    def integrate(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray) -> np.ndarray:
        """States of one patient at ``t_out``, shape (len(t_out), n_states)."""
        if model.n_patients is not None:
            raise ValueError("integrate runs one patient; use solve() for a cohort model")
        return self.solve(model, x0, t0, t_out).states[0]

    def describe(self) -> dict[str, object]:
        return {"solver": type(self).__name__, **self.__dict__}


def _lockstep_kernel(name: str) -> Callable[..., Any]:
    """The lock-step kernel ``name`` of :mod:`hemasim.solvers._lockstep`, imported (with numba) when first called and
    looked up at each call (bench/bench_cohort.py wraps it to count the work)."""

    def kernel(*args: Any) -> Any:
        from hemasim.solvers import _lockstep

        return getattr(_lockstep, name)(*args)

    return kernel


@dataclass(frozen=True)
class _CompiledSolver(Solver):
    """An adaptive one-step method compiled with numba: the single-patient kernel for one patient, the lock-step
    kernel for a cohort. Subclasses name their kernels (:meth:`_kernels`)."""

    max_step_days: float = 30.0
    initial_step_days: float = 0.05
    fixed_step_days: float | None = None
    #: patients per lock-step chunk (they share one step; chunks run on all cores)
    LOCKSTEP_CHUNK: ClassVar[int] = 32
    #: patients per call when a cohort's full states are recorded (bounds the identity weights' memory)
    STATES_BLOCK: ClassVar[int] = 8 * LOCKSTEP_CHUNK

    @abstractmethod
    def _kernels(self, model: CompiledModel) -> tuple[Callable[..., Any], Callable[..., Any], tuple[np.ndarray, ...]]:
        """(the single-patient kernel, the lock-step kernel, the arrays both take before the model's own)."""

    def solve(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray,
              observe: Sequence[str] | None = None) -> Solution:
        t_out = np.ascontiguousarray(t_out, dtype=np.float64)
        x = patient_states(model, x0)
        observed = None if observe is None else tuple(observe)
        if model.n_patients is None:
            states, stats = self._one_patient(model, x[0], float(t0), t_out)
            values = states if observed is None else model.observables(t_out, states)[:, observable_indices(
                model, observed)]
            return Solution(t_out, values[None], states[-1:].copy(), stats, observed)
        if self.fixed_step_days is not None:
            raise ValueError("fixed_step_days is for one patient (convergence tests); cohorts use error control")
        if observed is None:
            values, final = self._cohort_states(model, x, float(t0), t_out)
        else:  # the observed observables' weights only (the whole arrays are ~100 MB for 2,000 patients)
            state_w, flux_w = model.obs_weights.rows(observable_indices(model, observed))
            values, final = self._lockstep(model, x, float(t0), t_out, np.arange(len(observed), dtype=np.int64),
                                           state_w, flux_w, model.rate, model.yield_, model.fb_params)
        return Solution(t_out, values, final, SolverStats(integrations=1), observed)

    def _one_patient(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray
                     ) -> tuple[np.ndarray, SolverStats]:
        name = type(self).__name__
        kernel, _, extra = self._kernels(model)
        fixed = self.fixed_step_days is not None
        first_step = self.fixed_step_days if self.fixed_step_days is not None else self.initial_step_days
        longest_step = self.fixed_step_days if self.fixed_step_days is not None else self.max_step_days
        check_step_budget(name, self.max_steps, longest_step, t0, float(t_out[-1]))
        res, n_steps, n_rejected, status = kernel(
            x0, t0, t_out, float(self.rtol), self.atol(model), float(first_step), float(longest_step), fixed,
            int(self.max_steps), *extra, *model.kernel_arrays())
        if status == 2:
            raise _budget_spent(name, self.max_steps, t0, float(t_out[-1]))
        if status != 0 or not np.all(np.isfinite(res)):
            raise SolverError(f"{name} failed between day {t0} and day {t_out[-1]} "
                              "(step size underflow or non-finite state); try a smaller rtol or max_step_days")
        return res, SolverStats(integrations=1, steps_accepted=int(n_steps), steps_rejected=int(n_rejected))

    def _cohort_states(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        """Full states of a cohort: the lock-step kernel records identity 'observables' (one per state),
        in blocks of whole chunks (the chunks, and so the shared steps, are those of one call)."""
        n_patients, n = x0.shape
        values = np.empty((n_patients, len(t_out), n))
        final = np.empty((n_patients, n))
        every_state = np.arange(n, dtype=np.int64)
        for lo in range(0, n_patients, self.STATES_BLOCK):
            hi = min(n_patients, lo + self.STATES_BLOCK)
            identity = np.ascontiguousarray(np.broadcast_to(np.eye(n), (hi - lo, n, n)))
            no_flux = np.zeros((hi - lo, n, len(model.flow_names)))
            values[lo:hi], final[lo:hi] = self._lockstep(
                model, x0[lo:hi], t0, t_out, every_state, identity, no_flux, model.rate[lo:hi],
                model.yield_[lo:hi], model.fb_params[lo:hi], self.atol(model)[lo:hi])
        return values, final

    def _lockstep(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray, selected: np.ndarray,
                  obs_state_w: np.ndarray, obs_flux_w: np.ndarray, rate: np.ndarray, yield_: np.ndarray,
                  fb_params: np.ndarray, atol: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        name = type(self).__name__
        _, kernel, extra = self._kernels(model)
        m = model
        c = _kernel_ready  # one array type per argument, so one compiled signature (the one cached at install)
        check_step_budget(name, self.max_steps, self.max_step_days, t0, float(t_out[-1]))
        values, final, status, _work = kernel(  # work: steps and evaluations (bench/bench_cohort.py)
            c(x0), t0, t_out, float(self.rtol), c(self.atol(model) if atol is None else atol),
            float(self.initial_step_days), float(self.max_step_days), int(self.max_steps), *extra, c(m.src),
            c(m.dst), c(rate), c(m.consume), c(yield_), c(m.flow_fb), c(m.sig_ptr), c(m.sig_idx), c(m.sig_w),
            c(m.fb_kind), c(m.fb_signal), c(fb_params), c(m.fb_offset), c(m.fb_scale), c(selected), c(obs_state_w),
            c(obs_flux_w), self.LOCKSTEP_CHUNK)
        if np.any(status == 2):
            raise _budget_spent(f"{name} (a lock-step chunk of patients)", self.max_steps, t0, float(t_out[-1]))
        if np.any(status):
            raise SolverError(f"{name} failed for a chunk of patients between day {t0} and day {t_out[-1]} "
                              "(step size underflow); try a smaller rtol or max_step_days")
        return values, final


@dataclass(frozen=True)
class DormandPrince(_CompiledSolver):
    """Adaptive explicit Runge-Kutta 5(4), compiled with numba; ``fixed_step_days`` disables control."""

    def _kernels(self, model: CompiledModel) -> tuple[Callable[..., Any], Callable[..., Any], tuple[np.ndarray, ...]]:
        from hemasim.solvers._kernel import dopri5  # lazily: numba is slow to import (one patient may not need it)

        return dopri5, _lockstep_kernel("integrate_lockstep"), ()


#: the values of :attr:`AdditiveRungeKutta.chain_tolerance` and :attr:`AdditiveRungeKutta.unread_states` (the
#: scenario's ``solver.unread_states`` takes the same)
ChainTolerance = Literal["stage", "pool", "chain"]
UnreadStates = Literal["own", "passed_on"]


@dataclass(frozen=True)
class AdditiveRungeKutta(_CompiledSolver):
    """Adaptive IMEX additive Runge-Kutta 4(3) (Kennedy & Carpenter's ARK4(3)6L[2]SA), compiled with numba.

    The linear flows of the model (rate times one source state, feedback multipliers frozen at each step's start;
    the transit chains, maturation, death, drug elimination: :mod:`hemasim.solvers.split`) are integrated
    implicitly, by one forward substitution per stage, the rest explicitly; the step is then limited by the accuracy
    of the slow dynamics instead of the stability of the fastest chain. ``fixed_step_days`` disables control.
    """

    #: the longest step: the explicit part's stability limit near the healthy steady state (its Jacobian's largest
    #: eigenvalues, ~0.37-0.55/day: progenitor proliferation and thymocyte crowding, times 7 days = 2.6-3.9, inside
    #: the explicit tableau's real stability interval, [-4.23, 0]). Longer steps let the controller oscillate
    #: there (docs/performance.md, the IMEX solver).
    max_step_days: float = 7.0
    #: how the error of a long transit chain's stages (:func:`hemasim.solvers.split.transit_chains`: the 80-stage
    #: neutrophil maturation) is scaled: "stage" (the default), each against its own size as every other state (atol
    #: = rtol times its healthy size); "pool", each against the pool the chain empties into (atol = rtol times the
    #: blood neutrophils' healthy size, ~0.18 of the chain's total): maturation passes cells on, so an error of that
    #: many cells in any stage reaches the pool the ANC observable reads as an error of at most rtol of its healthy
    #: size (one step's error; the steps' errors add up); "chain", each against the whole chain's healthy content
    #: (atol = rtol times the chain's total). Opt-in: looser absolute tolerances on stages no blood count reads (the
    #: neutrophil production reads the last one's outflow: its error grows with them). On the marrow-depletion
    #: cohort at rtol 1e-6 (docs/performance.md, goal 2, fifth round) 376 ("pool") or 236 ("chain") instead of 688
    #: steps per patient-year, the ANC's error 2.6e-5 or 1.3e-4 (against 7.5e-7) of its value at the worst point:
    #: no better than a looser rtol with each stage measured by its own size (rtol 2e-5: 246 steps, 3.8e-5).
    chain_tolerance: ChainTolerance = "stage"
    #: how the error of a state that nothing reads is scaled (no observable reads its size or its flows' fluxes, no
    #: feedback signal its size): "own" (the default), against its own healthy size as every other state;
    #: "passed_on", against what it passes on (:func:`hemasim.solvers.tolerance.read_out_sizes`): atol = rtol times
    #: the healthy size of the first read state downstream over the cells one of its cells becomes there (e.g. the
    #: erythroid progenitors and the first two maturation stages against the youngest red cells: 144x and 14x
    #: looser; the neutrophil maturation's stages but the last as chain_tolerance="pool"), never tighter than its own.
    #: Cells are passed on along the way, so an error of that many cells reaches the read state as at most rtol of its
    #: healthy size (one step's error; the steps' errors add up, as everywhere). Opt-in: production read-outs
    #: downstream (the red cells' and neutrophils' production, read from the last maturation stage's outflow) receive
    #: the upstream error. On the marrow-depletion cohort (docs/performance.md, "Goal 2, nineteenth session") 123
    #: instead of 354 steps per patient-year at rtol 3e-6, ANC's largest error 5.8e-5 instead of 4.3e-5; goal 2 runs it
    #: at rtol 2e-6: 136 steps, 3.8e-5.
    unread_states: UnreadStates = "own"
    #: named states measured on a larger size than their own, (state name, size) pairs: atol = rtol x max(|x0|, 1,
    #: size) for each (its own healthy size, floored at 1, for every other state). For a state that is 0 at health
    #: (floor 1) but matters only on a larger scale: a drug's central amount (ug), whose absolute error changes the
    #: kill rate it drives by error / (the amount that kills at 1/day); measured against itself, its slow tail days
    #: after a dose held the nab-paclitaxel cohorts to ~25 steps a day (hemasim.validation.chemotherapy_schedules,
    #: docs/performance.md, the suite's twenty-sixth session). Opt-in; a name the model lacks is refused.
    state_scales: tuple[tuple[str, float], ...] = ()
    #: the values of the two opt-in settings (a typo from Python or a bench's NAME:setting=value string would
    #: otherwise fall silently to another branch of :meth:`atol`)
    SETTINGS: ClassVar[dict[str, tuple[str, ...]]] = {"chain_tolerance": get_args(ChainTolerance),
                                                     "unread_states": get_args(UnreadStates)}

    def __post_init__(self) -> None:
        for name, allowed in self.SETTINGS.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"AdditiveRungeKutta.{name}: one of {', '.join(map(repr, allowed))} "
                                 f"(got {getattr(self, name)!r})")

    def atol(self, model: CompiledModel) -> np.ndarray:
        atol = super().atol(model)
        if self.chain_tolerance != "stage":
            from hemasim.solvers.split import transit_chains_and_pools

            for chain, pool in transit_chains_and_pools(model):
                measure = atol[..., chain].sum(axis=-1) if self.chain_tolerance == "chain" else atol[..., pool]
                atol[..., chain] = np.asarray(measure)[..., None]
        if self.unread_states == "passed_on":
            from hemasim.solvers.tolerance import read_out_sizes

            states, sizes = read_out_sizes(model)
            atol[..., states] = np.maximum(atol[..., states], self.rtol * sizes)
        for name, size in self.state_scales:
            if name not in model.state_names:
                raise ValueError(f"AdditiveRungeKutta.state_scales: the model has no state {name!r}")
            i = model.state_names.index(name)
            atol[..., i] = np.maximum(atol[..., i], self.rtol * size)
        return atol

    def _kernels(self, model: CompiledModel) -> tuple[Callable[..., Any], Callable[..., Any], tuple[np.ndarray, ...]]:
        from hemasim.solvers._kernel import ark_imex  # lazily: numba is slow to import (one patient may not need it)
        from hemasim.solvers.split import implicit_split

        return ark_imex, _lockstep_kernel("integrate_lockstep_imex"), tuple(implicit_split(model))


@dataclass(frozen=True)
class ScipyReference(Solver):
    """``scipy.integrate.solve_ivp`` with the numpy reference right-hand side (a cohort: patient by patient)."""

    method: str = "DOP853"  # any solve_ivp method name
    #: right-hand-side evaluations counted as one step of the budget (DOP853 takes 12 a step, the others fewer)
    RHS_PER_STEP: ClassVar[int] = 16

    def solve(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray,
              observe: Sequence[str] | None = None) -> Solution:
        t_out = np.asarray(t_out, dtype=np.float64)
        x = patient_states(model, x0)
        observed = None if observe is None else tuple(observe)
        selected = None if observed is None else observable_indices(model, observed)
        patients = [model] if model.n_patients is None else [model.patient(i) for i in range(model.n_patients)]
        values = np.empty((len(patients), len(t_out), model.n_states if selected is None else len(selected)))
        final = np.empty_like(x)
        stats = SolverStats()
        for i, one in enumerate(patients):
            states, one_stats = self._one_patient(one, x[i], float(t0), t_out)
            values[i] = states if selected is None else one.observables(t_out, states)[:, selected]
            final[i] = states[-1]
            stats = stats + one_stats
        return Solution(t_out, values, final, replace(stats, integrations=1), observed)  # one call

    def _one_patient(self, model: CompiledModel, x0: np.ndarray, t0: float, t_out: np.ndarray
                     ) -> tuple[np.ndarray, SolverStats]:
        from scipy.integrate import solve_ivp  # lazily: scipy.integrate is slow to import

        limit = self.RHS_PER_STEP * self.max_steps
        calls = 0

        def rhs(t: float, x: np.ndarray) -> np.ndarray:
            nonlocal calls
            calls += 1
            if calls > limit:
                raise _StepBudgetSpent
            return model.rhs(t, x)

        try:
            sol = solve_ivp(rhs, (t0, float(t_out[-1])), x0, method=self.method, t_eval=t_out, rtol=self.rtol,
                            atol=self.atol(model))
        except _StepBudgetSpent:
            raise _budget_spent(f"scipy {self.method}", self.max_steps, t0, float(t_out[-1])) from None
        if not sol.success:
            raise SolverError(f"scipy {self.method} failed: {sol.message}")
        return np.maximum(sol.y.T, 0.0), SolverStats(integrations=1, rhs_evaluations=int(sol.nfev))


# the optional GPU strategy (it imports numba.cuda only when it solves) resolves on first access (PEP 562): a
# one-patient run does not build its classes (docs/performance.md, goal 1)
_GPU_NAMES = ("GpuDormandPrince", "GpuUnavailableError")

if TYPE_CHECKING:
    from hemasim.solvers.gpu import GpuDormandPrince, GpuUnavailableError


def __getattr__(name: str) -> Any:
    if name in _GPU_NAMES:
        from hemasim.solvers import gpu

        return getattr(gpu, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_GPU_NAMES})


__all__ = ["AdditiveRungeKutta", "ChainTolerance", "DormandPrince", "GpuDormandPrince", "GpuUnavailableError", "ScipyReference",
           "Solution", "Solver", "SolverError", "SolverStats", "UnreadStates", "observable_indices"]
