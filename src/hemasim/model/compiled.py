"""A model compiled into flat arrays, plus the plain-numpy reference right-hand side.

The arrays are read by two independent implementations of the same equations: the numpy
functions here (the reference path) and the numba kernel in :mod:`hemasim.solvers._kernel`.
Tests require them to agree to 1e-9 relative.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from hemasim.model.core import FeedbackKind, Value
from hemasim.model.info import ModelInfo
from hemasim.model.laws import DAYS_PER_YEAR, N_FEEDBACK_PARAMS, law

if TYPE_CHECKING:
    from hemasim.model.core import Model
    from hemasim.parameters import ParameterSet

__all__ = ["DAYS_PER_YEAR", "N_FEEDBACK_PARAMS", "CompiledModel", "KernelArrays", "ObservableWeights"]


class KernelArrays(NamedTuple):
    """The arrays the numba kernels read, named, in the order their entry points take them.

    Single patient: ``rate``, ``yld`` (n_flows,) and ``fb_params`` (n_fb, N_FEEDBACK_PARAMS); a cohort adds a
    leading patient axis to those three.
    """

    src: np.ndarray  # (n_flows,) source state, -1 for a zero-order source
    dst: np.ndarray  # (n_flows,) target state, -1 for an outflow
    rate: np.ndarray  # 1/day (first order) or cells/day (zero order)
    consume: np.ndarray  # (n_flows,) taken from the source per unit flux
    yld: np.ndarray  # added to the target per unit flux
    flow_fb: np.ndarray  # (n_flows, max_fb) feedback indices, -1 padded
    sig_ptr: np.ndarray  # CSR rows of signal weights over states
    sig_idx: np.ndarray
    sig_w: np.ndarray
    fb_kind: np.ndarray  # (n_fb,) FeedbackKind numbers
    fb_signal: np.ndarray  # (n_fb,) signal index, -1 if the law reads age or time
    fb_params: np.ndarray
    fb_offset: np.ndarray  # (n_fb,)
    fb_scale: np.ndarray  # (n_fb,)


#: one observable's terms: (state or flow index, weight), the weight a float or an (N,) per-patient array
Terms = tuple[tuple[int, np.ndarray], ...]


class ObservableWeights:
    """The observables' weights, built from their terms when read: observable i of a patient is
    ``sum_j state[..., i, j] * max(x_j, 0) + sum_f flux[..., i, f] * flux_f``.

    :attr:`state` and :attr:`flux` are the whole arrays, (n_obs, n_states) and (n_obs, n_flows), with a leading
    patient axis for a cohort: (N, 22, 128) and (N, 22, 158) doubles for the full model, ~100 MB for 2,000 patients,
    whose first touch cost ~0.1 s a partition of a cohort. :meth:`rows` builds only some observables' rows (what a
    cohort's integration reads: 8 of the 22). Either gives the same values, entry for entry (each entry is the
    same sum of the same products, taken in the same order), so a kernel reads the same numbers whichever it is
    given. Built once each and kept; treat them as read-only.
    """

    def __init__(self, n_states: int, n_flows: int, n_patients: int | None,
                 state_terms: Sequence[Terms], flux_terms: Sequence[Terms]) -> None:
        if len(state_terms) != len(flux_terms):
            raise ValueError("state_terms and flux_terms must have one entry per observable")
        self.n_states, self.n_flows, self.n_patients = n_states, n_flows, n_patients
        self.state_terms, self.flux_terms = tuple(state_terms), tuple(flux_terms)
        self._whole: tuple[np.ndarray, np.ndarray] | None = None
        self._rows: dict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = {}

    @classmethod
    def from_arrays(cls, state: np.ndarray, flux: np.ndarray) -> ObservableWeights:
        """Weights given as whole arrays ((n_obs, n) and (n_obs, n_flows), or (N, n_obs, ...) for a cohort)."""
        if state.shape[:-1] != flux.shape[:-1] or state.ndim not in (2, 3):
            raise ValueError(f"observable weights of shapes {state.shape} and {flux.shape} do not fit together")
        out = cls(state.shape[-1], flux.shape[-1], state.shape[0] if state.ndim == 3 else None,
                  [()] * state.shape[-2], [()] * state.shape[-2])
        out._whole = (state, flux)
        return out

    @property
    def n_observables(self) -> int:
        return len(self.state_terms)

    def _filled(self, observables: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        lead = () if self.n_patients is None else (self.n_patients,)
        state = np.zeros((*lead, len(observables), self.n_states))
        flux = np.zeros((*lead, len(observables), self.n_flows))
        for a, i in enumerate(observables):
            for j, w in self.state_terms[i]:
                state[..., a, j] += w
            for f, w in self.flux_terms[i]:
                flux[..., a, f] += w
        return state, flux

    def _whole_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        if self._whole is None:
            self._whole = self._filled(range(self.n_observables))
        return self._whole

    @property
    def state(self) -> np.ndarray:
        """(n_obs, n_states), or (N, n_obs, n_states) for a cohort."""
        return self._whole_arrays()[0]

    @property
    def flux(self) -> np.ndarray:
        """(n_obs, n_flows), or (N, n_obs, n_flows) for a cohort."""
        return self._whole_arrays()[1]

    def rows(self, selected: Sequence[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The weights of observables ``selected`` (indices, in that order): (state, flux), (k, n) and
        (k, n_flows) or (N, k, ...) for a cohort, C-ordered; from the whole arrays where they are built."""
        key = tuple(int(i) for i in selected)
        if key not in self._rows:
            if self._whole is not None:
                index = np.array(key, dtype=np.int64)
                self._rows[key] = (np.take(self._whole[0], index, axis=-2), np.take(self._whole[1], index, axis=-2))
            else:
                self._rows[key] = self._filled(key)
        return self._rows[key]

    def read(self) -> tuple[np.ndarray, np.ndarray]:
        """(states, flows): bool masks of the states and the flows' fluxes that some observable reads (a non-zero
        weight for some patient), from the terms without building the arrays."""
        if self._whole is not None:
            return (np.any(self._whole[0] != 0, axis=tuple(range(self._whole[0].ndim - 1))),
                    np.any(self._whole[1] != 0, axis=tuple(range(self._whole[1].ndim - 1))))
        states, flows = np.zeros(self.n_states, dtype=bool), np.zeros(self.n_flows, dtype=bool)
        for mask, terms in ((states, self.state_terms), (flows, self.flux_terms)):
            for j, w in (term for observable in terms for term in observable):
                mask[j] |= bool(np.any(np.asarray(w) != 0))
        return states, flows

    def patients(self, which: np.ndarray | int) -> ObservableWeights:
        """Patients ``which`` of a cohort's weights (an int: that patient alone, as one patient's weights)."""
        if self.n_patients is None:
            raise ValueError("these are one patient's weights")
        if self._whole is not None:
            return ObservableWeights.from_arrays(self._whole[0][which].copy(), self._whole[1][which].copy())
        n = None if np.ndim(which) == 0 else len(np.asarray(which))

        def pick(terms: Terms) -> Terms:
            return tuple((k, w[which] if np.ndim(w) else w) for k, w in terms)

        return ObservableWeights(self.n_states, self.n_flows, n, [pick(t) for t in self.state_terms],
                                 [pick(t) for t in self.flux_terms])


def _stack(values: Sequence[Value], n_patients: int | None, extra_shape: tuple[int, ...] = ()) -> np.ndarray:
    """Stack per-item values (floats or per-patient arrays) on the last axis: (n,) or (N, n)."""
    if n_patients is None:
        return np.array(values, dtype=np.float64).reshape(len(values), *extra_shape)
    out = np.empty((n_patients, len(values), *extra_shape))
    for i, v in enumerate(values):
        out[:, i] = np.asarray(v, dtype=np.float64).reshape(-1, *extra_shape) if np.ndim(v) else v
    return out


def _n_patients(model: Model) -> int | None:
    sizes = set()
    arrays: list[Value] = [c.initial for c in model.compartments] + [f.rate for f in model.flows]
    arrays += [f.yield_ for f in model.flows] + [p for fb in model.feedbacks for p in fb.params]
    arrays += [w for o in model.observables for w in (*o.compartments.values(), *o.fluxes.values(), o.scale)]
    for v in arrays:
        # a plain number without numpy's ndim (~1 us each, 650 values: half of compiling the healthy model)
        if type(v) is not float and np.ndim(v):
            sizes.add(np.shape(v)[0])
    if len(sizes) > 1:
        raise ValueError(f"per-patient arrays of different lengths: {sorted(sizes)}")
    return sizes.pop() if sizes else None


def _feedback_params(model: Model, n_patients: int | None) -> np.ndarray:
    """(n_fb, N_FEEDBACK_PARAMS), or (N, n_fb, N_FEEDBACK_PARAMS) for a cohort; unused parameters are zero."""
    rows: list[list[Value]] = []
    for fb in model.feedbacks:
        if len(fb.params) > N_FEEDBACK_PARAMS:
            raise ValueError(f"feedback {fb.name!r} has too many parameters")
        rows.append([*fb.params, *([0.0] * (N_FEEDBACK_PARAMS - len(fb.params)))])
    if n_patients is None:
        return np.array(rows, dtype=np.float64).reshape(len(model.feedbacks), N_FEEDBACK_PARAMS)
    out = np.empty((n_patients, len(model.feedbacks), N_FEEDBACK_PARAMS))
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            out[:, i, j] = v
    return out


@dataclass
class CompiledModel:
    """Everything a solver needs, as contiguous arrays (names kept for outputs).

    A single patient has 1-D rate/state arrays; a cohort compiled in one go (``n_patients`` set) has a
    leading patient axis on ``x0``, ``rate``, ``yield_``, ``fb_params`` and the observable weights. The
    numpy reference methods work on single patients (:meth:`feedback_values`, :meth:`fluxes` and :meth:`flux` also on
    a cohort's states at one time, one row per patient); :meth:`patient` slices one out of a cohort.
    """

    name: str
    state_names: list[str]
    x0: np.ndarray  # (n_states,) or (N, n_states)
    state_tags: list[frozenset[str]]
    flow_names: list[str]
    flow_kinds: list[str]
    flow_parameters: list[tuple[str, ...]]  # hemasim parameter names each flow's rate was built from
    src: np.ndarray  # (n_flows,) int64, -1 for a zero-order source
    dst: np.ndarray  # (n_flows,) int64, -1 for an outflow
    rate: np.ndarray  # (n_flows,) or (N, n_flows)
    consume: np.ndarray
    yield_: np.ndarray  # (n_flows,) or (N, n_flows)
    flow_fb: np.ndarray  # (n_flows, max_fb) int64 feedback indices, -1 padded
    signal_names: list[str]
    sig_ptr: np.ndarray  # CSR rows of signal weights over states
    sig_idx: np.ndarray
    sig_w: np.ndarray
    feedback_names: list[str]
    fb_kind: np.ndarray  # (n_fb,) int64
    fb_signal: np.ndarray  # (n_fb,) int64, -1 if the law reads age
    fb_params: np.ndarray  # (n_fb, N_FEEDBACK_PARAMS) or (N, n_fb, N_FEEDBACK_PARAMS)
    fb_offset: np.ndarray
    fb_scale: np.ndarray
    observable_names: list[str]
    observable_units: list[str]
    observable_descriptions: list[str]
    obs_weights: ObservableWeights  # obs_state_w and obs_flux_w, or some observables' rows of them
    parameters: ParameterSet
    used_parameters: list[str]
    info: ModelInfo = field(default_factory=ModelInfo)  # the patient(s), blood volume, blood shares
    n_patients: int | None = None

    @classmethod
    def from_model(cls, model: Model) -> CompiledModel:
        s_idx = {c.name: i for i, c in enumerate(model.compartments)}
        sig_idx = {s.name: i for i, s in enumerate(model.signals)}
        fb_idx = {f.name: i for i, f in enumerate(model.feedbacks)}
        f_idx = {f.name: i for i, f in enumerate(model.flows)}
        n, nf = len(s_idx), len(model.flows)
        N = _n_patients(model)

        max_fb = max([len(f.feedbacks) for f in model.flows] + [1])
        flow_fb = np.full((nf, max_fb), -1, dtype=np.int64)
        for i, f in enumerate(model.flows):
            for j, name in enumerate(f.feedbacks):
                flow_fb[i, j] = fb_idx[name]

        ptr, idx, w = [0], [], []
        for s in model.signals:
            for cname, weight in s.weights.items():
                if np.ndim(weight):
                    raise ValueError(f"signal {s.name!r}: weights must be the same for every patient")
                idx.append(s_idx[cname])
                w.append(float(weight))
            ptr.append(len(idx))

        # the weights as terms: the arrays (~100 MB for 2,000 patients) are built when read (ObservableWeights)
        obs_weights = ObservableWeights(
            n, nf, N,
            [tuple((s_idx[c], np.asarray(w) * np.asarray(o.scale)) for c, w in o.compartments.items())
             for o in model.observables],
            [tuple((f_idx[f], np.asarray(w) * np.asarray(o.scale)) for f, w in o.fluxes.items())
             for o in model.observables])

        return cls(
            name=model.name,
            state_names=list(s_idx),
            x0=_stack([c.initial for c in model.compartments], N),
            state_tags=[c.tags for c in model.compartments],
            flow_names=[f.name for f in model.flows],
            flow_kinds=[f.kind for f in model.flows],
            flow_parameters=[f.parameters for f in model.flows],
            src=np.array([s_idx[f.source] if f.source else -1 for f in model.flows], dtype=np.int64),
            dst=np.array([s_idx[f.target] if f.target else -1 for f in model.flows], dtype=np.int64),
            rate=_stack([f.rate for f in model.flows], N),
            consume=np.array([f.consume for f in model.flows]),
            yield_=_stack([f.yield_ for f in model.flows], N),
            flow_fb=flow_fb,
            signal_names=list(sig_idx),
            sig_ptr=np.array(ptr, dtype=np.int64),
            sig_idx=np.array(idx, dtype=np.int64),
            sig_w=np.array(w, dtype=np.float64),
            feedback_names=list(fb_idx),
            fb_kind=np.array([int(f.kind) for f in model.feedbacks], dtype=np.int64),
            fb_signal=np.array([sig_idx[f.signal] if f.signal else -1 for f in model.feedbacks],
                               dtype=np.int64),
            fb_params=_feedback_params(model, N),
            fb_offset=np.array([f.offset for f in model.feedbacks]),
            fb_scale=np.array([f.scale for f in model.feedbacks]),
            observable_names=[o.name for o in model.observables],
            observable_units=[o.unit for o in model.observables],
            observable_descriptions=[o.description for o in model.observables],
            obs_weights=obs_weights,
            parameters=model.parameters,
            used_parameters=sorted(model.used_parameter_names()),
            info=model.info,
            n_patients=N,
        )

    def patient(self, i: int) -> CompiledModel:
        """One patient of a cohort as a single-patient model."""
        if self.n_patients is None:
            raise ValueError("this compiled model is a single patient")
        return replace(self, x0=self.x0[i].copy(), rate=self.rate[i].copy(), yield_=self.yield_[i].copy(),
                       fb_params=self.fb_params[i].copy(), obs_weights=self.obs_weights.patients(i),
                       info=self.info.for_patient(i),
                       n_patients=None)

    @property
    def obs_state_w(self) -> np.ndarray:
        """(n_obs, n_states) or (N, n_obs, n_states): the observables' weights over the states."""
        return self.obs_weights.state

    @property
    def obs_flux_w(self) -> np.ndarray:
        """(n_obs, n_flows) or (N, n_obs, n_flows): the observables' weights over the flows' fluxes."""
        return self.obs_weights.flux

    def window_edges(self) -> list[float]:
        """Days where a WINDOW feedback switches (integration must stop there), every patient included."""
        k = np.nonzero(self.fb_kind == FeedbackKind.WINDOW)[0]
        edges = self.fb_params[..., k, :2]
        return sorted({float(v) for v in np.ravel(edges) if np.isfinite(v)})

    @cached_property
    def signal_w(self) -> np.ndarray:
        """Dense (n_signals, n_states) signal weights (the reference path's view of the CSR arrays), built once."""
        out = np.zeros((len(self.signal_names), self.n_states))
        for i in range(len(self.signal_names)):
            for k in range(self.sig_ptr[i], self.sig_ptr[i + 1]):
                out[i, self.sig_idx[k]] += self.sig_w[k]
        return out

    # ------------------------------------------------------------------ sizes and lookups
    @property
    def n_states(self) -> int:
        return len(self.state_names)

    def index(self, name: str) -> int:
        try:
            return self.state_names.index(name)
        except ValueError:
            raise KeyError(f"no compartment {name!r}; known: {', '.join(self.state_names)}") from None

    def indices_with_tag(self, tag: str) -> np.ndarray:
        return np.array([i for i, t in enumerate(self.state_tags) if tag in t], dtype=np.int64)

    def kernel_arrays(self) -> KernelArrays:
        """The arrays, named, in the order the numba kernels take them (``*model.kernel_arrays()`` passes them)."""
        return KernelArrays(self.src, self.dst, self.rate, self.consume, self.yield_, self.flow_fb, self.sig_ptr,
                            self.sig_idx, self.sig_w, self.fb_kind, self.fb_signal, self.fb_params, self.fb_offset,
                            self.fb_scale)

    # ------------------------------------------------------------------ numpy reference path
    def feedback_values(self, t: float | np.ndarray, x: np.ndarray) -> np.ndarray:
        """Feedback values (n_times, n_fb) for times (n_times,) and states (n_times, n_states); for a cohort model,
        states (N, n_states), one row per patient, at one time ``t``: (N, n_fb)."""
        xp = np.maximum(np.atleast_2d(x), 0.0)
        t = np.broadcast_to(np.asarray(t, dtype=np.float64), xp.shape[:1]) if self.n_patients else \
            np.atleast_1d(np.asarray(t, dtype=np.float64))
        out = np.empty((len(t), len(self.fb_kind)))
        self._fill_feedbacks(t, xp, range(len(self.fb_kind)), out)
        return out

    def _fill_feedbacks(self, t: np.ndarray, xp: np.ndarray, which: Iterable[int], out: np.ndarray) -> None:
        """Columns ``which`` of :meth:`feedback_values` into the same columns of ``out`` (times ``t``, clamped
        states ``xp``)."""
        sig = xp @ self.signal_w.T
        no_signal = np.zeros_like(t)  # what laws of age or time are given (they ignore it)
        # the parameters first, once per call: moved per feedback, np.moveaxis was ~40% of a scipy reference run's
        # right-hand side (twentieth session)
        by_param = np.moveaxis(self.fb_params, -1, 0)
        for k in which:
            s = sig[:, self.fb_signal[k]] if self.fb_signal[k] >= 0 else no_signal
            params = by_param[..., k]  # five scalars, or five (N,) for a cohort
            out[:, k] = self.fb_offset[k] + self.fb_scale[k] * law(self.fb_kind[k]).value(t, s, *params)

    def fluxes(self, t: float | np.ndarray, x: np.ndarray) -> np.ndarray:
        """Flow fluxes (n_times, n_flows) in cells/day (a cohort model: (N, n_flows), states one row per patient at
        one time, as :meth:`feedback_values`)."""
        xp = np.maximum(np.atleast_2d(x), 0.0)
        fb = self.feedback_values(t, xp)
        fb = np.concatenate([fb, np.ones((fb.shape[0], 1))], axis=1)  # index -1 -> 1.0
        mult = np.prod(fb[:, self.flow_fb], axis=2)
        amount = np.where(self.src >= 0, xp[:, self.src], 1.0)
        return self.rate * amount * mult

    def flux(self, j: int, t: float | np.ndarray, x: np.ndarray) -> np.ndarray:
        """Flow ``j``'s flux (n_times,) in cells/day: column ``j`` of :meth:`fluxes`, the same numbers (the same
        operations on the same values), from that flow's own feedbacks alone. The full model's 334 flows cost
        :meth:`fluxes` ~2 ms for 400 times, and ``Result.flux`` reads one flow of them."""
        if self.n_patients:  # a cohort's rates and feedback parameters are per patient: the whole path
            return self.fluxes(t, x)[:, j]
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        xp = np.maximum(np.atleast_2d(x), 0.0)
        fb = np.ones((len(t), len(self.fb_kind) + 1))  # index -1 -> 1.0, as in fluxes
        self._fill_feedbacks(t, xp, [int(k) for k in self.flow_fb[j] if k >= 0], fb)
        mult = np.prod(fb[:, self.flow_fb[j]], axis=1)
        amount = xp[:, self.src[j]] if self.src[j] >= 0 else 1.0
        return self.rate[j] * amount * mult

    def rhs(self, t: float, x: np.ndarray) -> np.ndarray:
        """dx/dt by the plain-numpy reference path."""
        flux = self.fluxes(t, x)[0]
        n = self.n_states
        has_src, has_dst = self.src >= 0, self.dst >= 0
        out = -np.bincount(self.src[has_src], weights=(self.consume * flux)[has_src], minlength=n)
        out += np.bincount(self.dst[has_dst], weights=(self.yield_ * flux)[has_dst], minlength=n)
        return out

    def observables(self, times: np.ndarray, states: np.ndarray) -> np.ndarray:
        """Observables (n_times, n_obs) from states (n_times, n_states)."""
        flux = self.fluxes(times, states)
        return np.maximum(states, 0.0) @ self.obs_state_w.T + flux @ self.obs_flux_w.T
