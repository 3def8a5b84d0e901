"""Absolute tolerances by what a state passes on (``AdditiveRungeKutta(unread_states="passed_on")``): which states
no read-out reads, the first read state downstream of each, and the cells one of its cells becomes there, from the
compiled model's flows at the healthy rates. Apart from :mod:`hemasim.solvers.split` on purpose: that module is a
kernel source (the ahead-of-time module's fingerprint), this one feeds only the tolerances."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hemasim.model import CompiledModel

__all__ = ["read_out_sizes"]


def _successors(model: CompiledModel, x0: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Each state's successor (the one state its flows carry cells to; -1 where there are none or several, or where
    the state grows at the healthy rates) and the cells one cell of it sends there over its stay ((N,) per state, 0
    without a successor): what its flows to the successor carry, over what leaves it net of its self-renewal, at the
    healthy states ``x0`` ((N, n_states)) on day 0. Column by column: (N, n_flows) temporaries cost more than the
    sums for 10,000 patients."""
    n, src, dst = model.n_states, model.src, model.dst
    targets: list[set[int]] = [set() for _ in range(n)]
    for f in np.nonzero((src >= 0) & (dst >= 0) & (dst != src))[0]:
        targets[src[f]].add(int(dst[f]))
    after = np.array([min(t) if len(t) == 1 else -1 for t in targets], dtype=np.int64)
    feedback = model.feedback_values(0.0, x0)
    rate, yields = np.atleast_2d(model.rate), np.atleast_2d(model.yield_)
    zero = np.zeros(x0.shape[0])
    net, passed = [zero] * n, [zero] * n
    for f in np.nonzero((src >= 0) & (after[np.maximum(src, 0)] >= 0))[0]:
        s = src[f]
        per_cell = rate[:, f]
        for j in model.flow_fb[f][model.flow_fb[f] >= 0]:
            per_cell = per_cell * feedback[:, j]
        if dst[f] == s:  # self-renewal: what it adds beyond what it takes
            net[s] = net[s] - (yields[:, f] - model.consume[f]) * per_cell
            continue
        net[s] = net[s] + model.consume[f] * per_cell
        if dst[f] == after[s]:
            passed[s] = passed[s] + yields[:, f] * per_cell
    gain = [zero] * n
    for s in np.nonzero(after >= 0)[0]:
        if np.all(net[s] > 0.0) and np.all(passed[s] > 0.0):
            gain[s] = passed[s] / net[s]
        else:
            after[s] = -1
    return after, gain


def read_out_sizes(model: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    """The sizes some states' errors are measured against by ``AdditiveRungeKutta(unread_states="passed_on")``:
    (states, sizes), sizes (N, k) for a cohort, else (k,). A state that no observable and no feedback signal reads
    (neither its size nor its flows' fluxes) is measured against the healthy size of the first state downstream
    whose size is read, divided by the cells one cell of the state becomes there - each state on the way passing its
    cells to one successor (death aside), the cells per cell taken from the healthy rates on day 0 (an erythroid
    progenitor self-renews: each passes two cells on), states whose fluxes are read passed through - where that is
    larger than its own healthy size. An error of that many cells reaches the read state as at most its healthy
    size. Computed once per compiled model (the solver asks at each call); the arrays are shared, so read-only."""
    key = id(model)
    if key not in _READ_OUT_SIZES:
        states, sizes = _read_out_sizes(model)
        states.flags.writeable = sizes.flags.writeable = False  # a caller's change would reach every later solve
        _READ_OUT_SIZES[key] = states, sizes
        weakref.finalize(model, _READ_OUT_SIZES.pop, key, None)
    return _READ_OUT_SIZES[key]


#: read_out_sizes by id of a live compiled model (a model is not hashable; the entry leaves with the model)
_READ_OUT_SIZES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _read_out_sizes(model: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    x0 = np.atleast_2d(model.x0)
    after, gain = _successors(model, x0)
    state_read, flow_read = model.obs_weights.read()
    size_read = state_read.copy()
    size_read[model.sig_idx] = True  # a feedback's signal reads these
    flux_read = np.zeros(model.n_states, dtype=bool)
    flux_read[model.src[flow_read & (model.src >= 0)]] = True
    # cells per cell reaching the first size-read state downstream, and that state (-1: none), each state once
    reaches: dict[int, tuple[np.ndarray, int]] = {}
    for start in range(model.n_states):
        path = [start]  # states whose reach is unknown yet, each passing its cells to the next
        while path[-1] not in reaches:
            nxt = int(after[path[-1]])
            if nxt < 0 or nxt in path:  # no successor, or a cycle: no read state
                reaches[path[-1]] = (gain[path[-1]], -1)
            elif size_read[nxt]:
                reaches[path[-1]] = (gain[path[-1]], nxt)
            else:
                path.append(nxt)
        for before, nxt in zip(path[-2::-1], path[:0:-1], strict=True):  # back along the path
            cells, read = reaches[nxt]
            reaches[before] = (gain[before] * cells, read)
    states, sizes = [], []
    for unread in np.nonzero(~size_read & ~flux_read)[0]:
        cells, read = reaches[int(unread)]
        if read >= 0:
            size = np.abs(x0[:, read]) / cells
            if np.any(size > np.abs(x0[:, unread])):
                states.append(int(unread))
                sizes.append(size)
    out = np.stack(sizes, axis=-1) if sizes else np.zeros((x0.shape[0], 0))
    return np.array(states, dtype=np.int64), out if model.n_patients is not None else out[0]
