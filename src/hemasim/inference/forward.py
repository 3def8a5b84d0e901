"""Forward engines: many parameter vectors of one condition simulated at once.

:class:`KernelEngine` (the default) builds one model per vector, stacks the compiled models into a cohort
(:func:`stack_compiled`: the vectors become the patient axis, exactly as a cohort's per-patient parameters do)
and runs it through :func:`hemasim.simulation.integrate_through_events` on the lock-step Dormand-Prince kernel,
with the steady state of each vector as its start. Vectors of one lock-step chunk share every step, so the
solver's error is a smooth function of the parameters across the batch - what makes finite differences on
the batch accurate. A fit evaluates the same vector more than once (the optimiser's last point again as the base
of its gradient, profiles from the optimum), so the engine keeps the compiled model of each recent vector
(:class:`CompiledModels`: the same objects, so the same bits); and where a source can build a whole batch as one
cohort model (a full-model scenario) and that build is bit-identical to the stacked vectors' on the source's first
batch, it builds each batch so (:class:`BatchBuilds`). :class:`ScipyEngine` runs the same vectors one by one with
``scipy.integrate.solve_ivp`` (LSODA by default) for comparison; the libRoadRunner engine on the PEtab export is in
:mod:`hemasim.inference.petab`.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass, replace
from typing import Protocol

import numpy as np

from hemasim.events import Event
from hemasim.model import CompiledModel
from hemasim.model.compiled import ObservableWeights
from hemasim.solvers import DormandPrince, ScipyReference, Solver, SolverError

__all__ = ["BatchBuilds", "CompiledModels", "ForwardEngine", "KernelEngine", "ScipyEngine", "SimulatedBatches",
           "source_events", "stack_compiled", "threads_for"]

#: arrays that must be equal in every stacked model (the kernels read them once for all patients)
_SHARED = ("src", "dst", "consume", "flow_fb", "sig_ptr", "sig_idx", "sig_w", "fb_kind", "fb_signal", "fb_offset",
           "fb_scale")


class _Source(Protocol):
    def build(self, values: Mapping[str, float]) -> object: ...

    def events(self) -> list[Event]: ...


def source_events(source: _Source, values: Sequence[Mapping[str, float]]) -> list[Event] | None:
    """The events of a batch of vectors: the source's ``events_for`` where it has one (each vector's values of what
    the events read, :meth:`~hemasim.inference.sources.ScenarioSource.events_for`; None: run the vectors one at a
    time), else its events."""
    events_for = getattr(source, "events_for", None)
    return source.events() if events_for is None else events_for(values)


def stack_compiled(models: Sequence[CompiledModel]) -> CompiledModel:
    """Single-patient compiled models of the same structure as one cohort (patient axis = position)."""
    first = models[0]
    if any(m.n_patients is not None for m in models):
        raise ValueError("stack single-patient models only")
    for m in models[1:]:
        if m.state_names != first.state_names or m.flow_names != first.flow_names:
            raise ValueError("the parameter values change the model's structure (states or flows); "
                             "such parameters cannot be estimated on the batch kernel")
        for name in _SHARED:
            if not np.array_equal(getattr(m, name), getattr(first, name)):
                raise ValueError(f"the parameter values change {name!r}, which the kernel shares between "
                                 "patients; such parameters cannot be estimated on the batch kernel")
    return replace(first, x0=np.stack([m.x0 for m in models]), rate=np.stack([m.rate for m in models]),
                   yield_=np.stack([m.yield_ for m in models]), fb_params=np.stack([m.fb_params for m in models]),
                   obs_weights=ObservableWeights.from_arrays(np.stack([m.obs_state_w for m in models]),
                                                             np.stack([m.obs_flux_w for m in models])),
                   n_patients=len(models))


class ForwardEngine(Protocol):
    """Simulates one condition for a batch of parameter vectors: observables (B, len(times), len(observe))
    at ``times`` (starting at 0, increasing); a vector the solver cannot integrate gives NaN."""

    def simulate(self, source: _Source, values: Sequence[Mapping[str, float]], times: np.ndarray,
                 observe: Sequence[str]) -> np.ndarray: ...

    def describe(self) -> str: ...


@contextmanager
def threads_for(n_patients: int) -> Iterator[None]:
    """No more numba threads than lock-step chunks: a batch of one chunk runs on one thread (the parallel
    loops are over chunks and patients; idle threads only cost synchronisation, a lot on a busy machine)."""
    import numba

    old = numba.get_num_threads()
    numba.set_num_threads(max(1, min(old, math.ceil(n_patients / DormandPrince.LOCKSTEP_CHUNK))))
    try:
        yield
    finally:
        numba.set_num_threads(old)


def _run(model: CompiledModel, solver: Solver, events: Sequence[Event], times: np.ndarray,
         observe: Sequence[str]) -> np.ndarray:
    from hemasim.simulation import integrate_through_events
    from hemasim.solvers.steady import NewtonSteadyState

    with threads_for(model.n_patients or 1):
        x0 = NewtonSteadyState().states(model)
        run = integrate_through_events(model, solver, x0, events, times, np.random.default_rng(0), [], observe)
    return run.values


class _Recent:
    """The last ``size`` entries stored (least recently used out first; size 0: nothing kept), by source and a key
    of exact values. An entry holds its source, so the source's id is not reused by another while it is there."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.hits = 0  # entries served
        self._held: OrderedDict[tuple[int, object], tuple[_Source, object]] = OrderedDict()

    def get(self, source: _Source, key: object) -> object | None:
        held = self._held.get((id(source), key))
        if held is None:
            return None
        self.hits += 1
        self._held.move_to_end((id(source), key))
        return held[1]

    def put(self, source: _Source, key: object, value: object) -> None:
        if self.size > 0:
            self._held[(id(source), key)] = (source, value)
            if len(self._held) > self.size:
                self._held.popitem(last=False)


class CompiledModels(_Recent):
    """The compiled single-vector models of the last ``size`` parameter vectors built (all sources together: a
    bound on memory, ~60 kB a full model), by source and the vector's exact values; a value the model refuses is
    remembered as its ValueError. A source is one condition: its structural settings (scenario, patient, model
    kind) are fixed (sources and scenarios are frozen), so another setting is another source and is built anew.
    Size 0: nothing kept (every vector built)."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.builds = 0  # vectors built (not in the cache)

    def compiled(self, source: _Source, values: Mapping[str, float]) -> CompiledModel:
        """The compiled model of ``source`` at ``values``; raises the ValueError of a value the model refuses."""
        key = _exact(values)
        model = self.get(source, key)
        if model is None:
            self.builds += 1
            try:
                model = source.build(values).compile()  # type: ignore[attr-defined]
            except ValueError as refused:
                model = refused
            self.put(source, key, model)
        if isinstance(model, ValueError):
            raise model.with_traceback(None)  # (each raise would otherwise lengthen its kept traceback)
        assert isinstance(model, CompiledModel)
        return model


class SimulatedBatches(_Recent):
    """The simulated observables of the last ``size`` batches, by source, the batch's vectors (exact values, in
    order), the output times and the observables. A fit simulates the same batch again (an optimiser evaluating a
    point again; a profile of a noise level, whose grid points re-optimise model values it does not move: 99 of the
    fit tutorial's 533 batches); the kernel's run of a batch depends on nothing else, so
    the kept result is what it would compute again, to the bit. Size 0: nothing kept."""

    def simulated(self, source: _Source, values: Sequence[Mapping[str, float]], times: np.ndarray,
                  observe: Sequence[str], simulate: Callable[[], np.ndarray]) -> np.ndarray:
        """The kept result of this batch, else ``simulate()`` (kept); a copy either way."""
        key = (tuple(_exact(v) for v in values), np.asarray(times, dtype=np.float64).tobytes(), tuple(observe))
        kept = self.get(source, key)
        if kept is None:
            kept = simulate()
            self.put(source, key, kept)
        assert isinstance(kept, np.ndarray)
        return kept.copy()


class BatchBuilds:
    """Builds a batch of vectors as one cohort model where the source has ``build_batch`` (a scenario of the full
    model: the vectors' values become per-patient arrays, as a cohort's patients are built): one build instead
    of one per vector (~10x less time on the docetaxel full model). The per-patient build evaluates the same
    formulas on arrays instead of floats; numpy's array functions (exp, log, powers: SIMD loops) may round
    differently from the scalar ones in the last bit, so the first batch of each source and parameter list is
    built both ways and compared bit for bit (every array and the patient information the events read): only a
    source whose cohort model is identical to the stacked vectors' is built as a cohort from then on; any other
    is built vector by vector, as before."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.cohort_builds = 0  # batches built as one cohort model
        # (id of the source, its parameter names) -> (the source, identical or not): the entry holds the source
        self._verdicts: dict[tuple[int, frozenset[str]], tuple[_Source, bool]] = {}

    def model(self, source: _Source, values: Sequence[Mapping[str, float]], single: CompiledModels
              ) -> CompiledModel | None:
        """The batch's stacked model built as a cohort, or None: build it vector by vector (no ``build_batch``,
        one vector, a value the model refuses, or a source whose cohort build is not bit-identical)."""
        build_batch = getattr(source, "build_batch", None)
        if not self.enabled or build_batch is None or len(values) < 2:
            return None
        key = (id(source), frozenset(values[0]))
        verdict = self._verdicts.get(key)
        if verdict is not None and not verdict[1]:
            return None
        try:
            model = build_batch(values)
            cohort = None if model is None else model.compile()
        except ValueError:  # a refused value: the vector-by-vector path gives that vector NaN
            return None
        if cohort is None:  # the source builds one vector at a time: not asked again
            if verdict is None:
                self._verdicts[key] = (source, False)
            return None
        if verdict is None:
            try:
                stacked = stack_compiled([single.compiled(source, v) for v in values])
            except ValueError:
                return None  # the vector-by-vector path raises it or gives NaN, as before
            self._verdicts[key] = (source, _identical(cohort, stacked))
            return stacked  # this once, the vectors' own models
        self.cohort_builds += 1
        return cohort


def _identical(a: CompiledModel, b: CompiledModel) -> bool:
    """Every field the simulation reads the same to the last bit (arrays of the same shape, the same names and
    patient information; the parameter records, which only outputs read, aside)."""
    return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a)
               if f.name not in ("parameters", "used_parameters"))


def _same(x: object, y: object) -> bool:
    """Equal to the last bit: arrays (shape, type, values), mappings and dataclasses field by field, else ==."""
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        a, b = np.asarray(x), np.asarray(y)
        return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))
    if isinstance(x, ObservableWeights) and isinstance(y, ObservableWeights):  # built from terms: the arrays
        return _same(x.state, y.state) and _same(x.flux, y.flux)
    if isinstance(x, Mapping) and isinstance(y, Mapping):
        return x.keys() == y.keys() and all(_same(x[k], y[k]) for k in x)
    if is_dataclass(x) and is_dataclass(y) and not isinstance(x, type) and not isinstance(y, type):
        return type(x) is type(y) and all(_same(getattr(x, g.name), getattr(y, g.name)) for g in fields(x))
    try:
        return bool(x == y)
    except ValueError:  # (something holding arrays)
        return False


def _distinct(values: Sequence[Mapping[str, float]]) -> tuple[list[Mapping[str, float]], np.ndarray]:
    """The distinct vectors of a batch of one lock-step chunk (first occurrences, in order) and where each vector
    is among them; a larger batch as it is. A gradient's steps along a parameter the model does not read (a noise
    level) repeat the base vector, and a repeated vector changes nothing in its chunk's run: the step size follows
    the worst patient's error (a maximum), every other patient-wide test is "some" or "every" patient, and each
    patient's arithmetic is its own - so the chunk without the repeats takes the same steps, to the bit. Only within
    one chunk: dropping vectors from a larger batch would move others into another chunk."""
    if len(values) < 2 or len(values) > DormandPrince.LOCKSTEP_CHUNK:
        return list(values), np.arange(len(values))
    index: dict[tuple[tuple[str, str], ...], int] = {}
    distinct: list[Mapping[str, float]] = []
    where = np.empty(len(values), dtype=np.intp)
    for i, v in enumerate(values):
        key = _exact(v)
        if key not in index:
            index[key] = len(distinct)
            distinct.append(v)
        where[i] = index[key]
    return distinct, where


def _exact(values: Mapping[str, float]) -> tuple[tuple[str, str], ...]:
    """A vector's exact values as a key (float.hex: every bit, and -0.0 apart from 0.0)."""
    return tuple(sorted((name, float(v).hex()) for name, v in values.items()))


@dataclass(frozen=True)
class KernelEngine:
    """The lock-step Dormand-Prince kernel on the stacked batch (relative tolerance ``rtol``); the compiled
    models of the last ``cache_size`` vectors built are kept (0: none). 64 serves nearly every repeat of
    a fit of the example problem (4 starts and 3 profiles: 1,214 of 3,929 vectors, against 1,229 with 1,024)."""

    rtol: float = 1e-8
    cache_size: int = 64
    #: build a batch as one cohort where the source can (:class:`BatchBuilds`)
    batch_builds: bool = True
    #: the results of the last this many batches are kept (:class:`SimulatedBatches`; 0: none)
    result_cache_size: int = 32
    models: CompiledModels = field(init=False, compare=False, repr=False)
    batches: BatchBuilds = field(init=False, compare=False, repr=False)
    results: SimulatedBatches = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "models", CompiledModels(self.cache_size))
        object.__setattr__(self, "batches", BatchBuilds(self.batch_builds))
        object.__setattr__(self, "results", SimulatedBatches(self.result_cache_size))

    def simulate(self, source: _Source, values: Sequence[Mapping[str, float]], times: np.ndarray,
                 observe: Sequence[str]) -> np.ndarray:
        return self.results.simulated(source, values, times, observe,
                                      lambda: self._simulate(source, values, times, observe))

    def _simulate(self, source: _Source, values: Sequence[Mapping[str, float]], times: np.ndarray,
                  observe: Sequence[str]) -> np.ndarray:
        distinct, where = _distinct(values)
        if len(distinct) < len(values):
            return self._simulate(source, distinct, times, observe)[where]
        try:
            events = source_events(source, values)
        except ValueError:  # a value the events refuse: NaN for that vector
            events = None
            if len(values) == 1:
                return np.full((1, len(times), len(observe)), np.nan)
        if events is None:  # the vectors differ in a value the events hold once: one at a time
            return np.concatenate([self._simulate(source, [v], times, observe) for v in values])
        batch = self.batches.model(source, values, self.models)
        if batch is not None:
            try:
                return _run(batch, DormandPrince(rtol=self.rtol), events, times, observe)
            except (SolverError, FloatingPointError, np.linalg.LinAlgError, RuntimeError):
                pass  # as below: each vector alone
            return np.concatenate([self._simulate(source, [v], times, observe) for v in values])
        try:
            models = [self.models.compiled(source, v) for v in values]
        except ValueError:  # a value the model refuses (outside a parameter's range): NaN for that vector
            if len(values) == 1:
                return np.full((1, len(times), len(observe)), np.nan)
            return np.concatenate([self._simulate(source, [v], times, observe) for v in values])
        solver = DormandPrince(rtol=self.rtol)
        try:
            return _run(stack_compiled(models), solver, events, times, observe)
        except (SolverError, FloatingPointError, np.linalg.LinAlgError, RuntimeError):
            if len(models) == 1:
                return np.full((1, len(times), len(observe)), np.nan)
        # one vector failed: the others are still wanted (each alone; the failing one gives NaN)
        return np.concatenate([self._simulate(source, [v], times, observe) for v in values])

    def describe(self) -> str:
        return f"hemasim lock-step Dormand-Prince kernel (rtol {self.rtol:g})"


@dataclass(frozen=True)
class ScipyEngine:
    """``scipy.integrate.solve_ivp`` (``method``, LSODA by default) on the numpy right-hand side, one vector
    after another (the comparison the bench makes)."""

    rtol: float = 1e-8
    method: str = "LSODA"

    def simulate(self, source: _Source, values: Sequence[Mapping[str, float]], times: np.ndarray,
                 observe: Sequence[str]) -> np.ndarray:
        solver = ScipyReference(rtol=self.rtol, method=self.method)
        out = np.full((len(values), len(times), len(observe)), np.nan)
        for i, v in enumerate(values):
            model = source.build(v).compile()  # type: ignore[attr-defined]
            try:
                events = source_events(source, [v])
                assert events is not None  # one vector: its own events
                out[i] = _run(model, solver, events, times, observe)[0]
            except (SolverError, FloatingPointError, np.linalg.LinAlgError, RuntimeError, ValueError):
                pass
        return out

    def describe(self) -> str:
        return f"scipy solve_ivp {self.method} loop (rtol {self.rtol:g})"
