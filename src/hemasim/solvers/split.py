"""Which flows the IMEX solver (:class:`hemasim.solvers.AdditiveRungeKutta`) treats implicitly, and in what order.

A flow is *linear* when its flux is a rate (times feedback multipliers) times one source state; frozen at the start
of a step, its multipliers make it a constant coefficient, and the flows together a matrix L with dx/dt ~ L x. The
implicit part is the set of linear flows whose flow graph (source -> target) has no cycle except small ones
(at most MAX_BLOCK states, conserving flows only: a drug's central <-> peripheral exchange): in the order of the
graph's strongly connected components L is block lower triangular with blocks of one state (or a few), and
(I - h gamma L) Y = r is one forward substitution. A flow that would close a larger or amplifying cycle, flows into
their own source (self-renewal, proliferation: their net rate is a growth) and zero-order sources stay explicit,
except a self-renewal bounded by its source's plain exits (a progenitor pool's Hill-ratio self-renewal, at most
r (1 + c) < 1 of its exit): folded into L's diagonal, it lowers its source's rate of leaving, which stays positive.
Faster flows are taken first, so a cycle is broken at its slowest flow. In the healthy model 156 of the 165 flows
are implicit (every transit chain, maturation, death, egress and drug elimination, the four progenitor pools' and
the B cells' bounded self-renewal since branch donation, whose 10/day erythroid exit made an explicit 5/day
self-renewal; mpp <-> blood_hspc is a block of two); the explicit remainder's Jacobian has no eigenvalue beyond ~0.6/day at the steady state, against ~27/day for
the whole right-hand side (the 80-stage neutrophil chain). A drug's redistribution must
be implicit too: explicit, it leaves the stiff central compartment (elimination ~24/day for docetaxel) forced by an
explicit term, and the error estimate there held the steps to ~0.02 days after a dose. For the same reason an
implicit flow with a LINEAR multiplier (bilinear: rate x_source slope s) puts in L its derivative by the states s reads
as well (``cross_*``; each such state is ordered before the flow's source, an entry that would close a cycle dropped):
frozen, the multiplier's change within a step stayed explicit, times the flow's rate (filgrastim's endogenous G-CSF,
~4,000/day at ANC 30: 14,173 steps for a 30-day course instead of 2,225; docs/performance.md).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from hemasim.model.core import FeedbackKind

if TYPE_CHECKING:
    from hemasim.model import CompiledModel


#: the largest set of states a cycle of implicit flows may join (a drug's central and peripheral compartments: 2-3);
#: such a block is solved by Gaussian elimination inside the forward substitution
MAX_BLOCK = 4


class ImplicitSplit(NamedTuple):
    """The implicit flows as the kernels read them (int64 arrays)."""

    order: np.ndarray  # (n_states,) every state once, blocks contiguous, a block's sources before their targets
    block_ptr: np.ndarray  # (n_blocks + 1,) block b is order[block_ptr[b]:block_ptr[b + 1]] (mostly one state)
    block_of: np.ndarray  # (n_states,) the block of each state
    local: np.ndarray  # (n_states,) each state's position inside its block
    ptr: np.ndarray  # (n_states + 1,) implicit flows by source state: flow[ptr[s]:ptr[s + 1]] leave state s
    flow: np.ndarray  # (n_implicit,) flow indices
    target: np.ndarray  # (n_implicit,) their target states (-1: an outflow)
    # implicit flows whose feedback reads a signal of their own source (a saturable elimination): L takes the flux's
    # derivative by its source there, not flux / source, else the explicit remainder keeps their stiffness
    self_entry: np.ndarray  # (n_self,) positions in ``flow``
    self_feedback: np.ndarray  # (n_self,) the feedback that reads the source
    self_weight: np.ndarray  # (n_self,) float64: the source's weight in that feedback's signal
    # implicit flows with a LINEAR multiplier (mass action: flux = k s x_source) whose signal s reads other states q:
    # L takes d flux / d q too (a column q entry, q solved before the flow's source), else the multiplier's change
    # within a step is explicit, and scaled by the flow's rate: filgrastim's endogenous G-CSF turns over at ~4,000/day
    # times ANC's relative change, and its error estimate held the steps to ~0.003 days (docs/performance.md)
    cross_ptr: np.ndarray  # (n_states + 1,) by the read state q: entries cross_ptr[q]:cross_ptr[q + 1]
    cross_entry: np.ndarray  # (n_cross,) positions in ``flow``
    cross_feedback: np.ndarray  # (n_cross,) the LINEAR feedback that reads q
    cross_weight: np.ndarray  # (n_cross,) float64: q's weight in that feedback's signal


def _reachable(edges: list[set[int]], start: int) -> set[int]:
    stack, seen = [start], set()
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(edges[node])
    return seen


def _component(edges: list[set[int]], reverse: list[set[int]], state: int) -> set[int]:
    """The strongly connected component of ``state``: what it reaches and what reaches it."""
    return _reachable(edges, state) & _reachable(reverse, state)


def _blocks_in_order(n_states: int, edges: list[set[int]], reverse: list[set[int]]) -> list[list[int]]:
    """The strongly connected components, sources before targets (Kahn's algorithm on the condensation)."""
    block_of = [-1] * n_states
    blocks: list[list[int]] = []
    for s in range(n_states):
        if block_of[s] < 0:
            members = sorted(_component(edges, reverse, s))
            for m in members:
                block_of[m] = len(blocks)
            blocks.append(members)
    incoming = [0] * len(blocks)
    targets: list[set[int]] = [set() for _ in blocks]
    for s in range(n_states):
        for d in edges[s]:
            if block_of[d] != block_of[s] and block_of[d] not in targets[block_of[s]]:
                targets[block_of[s]].add(block_of[d])
                incoming[block_of[d]] += 1
    ready = [b for b in range(len(blocks)) if incoming[b] == 0][::-1]
    ordered: list[list[int]] = []
    while ready:
        b = ready.pop()
        ordered.append(blocks[b])
        for c in sorted(targets[b], reverse=True):
            incoming[c] -= 1
            if incoming[c] == 0:
                ready.append(c)
    return ordered


@functools.lru_cache(maxsize=64)
def _split(n_states: int, src: tuple[int, ...], dst: tuple[int, ...], eligible: tuple[bool, ...],
           conservative: tuple[bool, ...], fastest_first: tuple[int, ...],
           self_reads: tuple[tuple[tuple[int, float], ...], ...],
           cross_reads: tuple[tuple[tuple[int, int, float], ...], ...]) -> ImplicitSplit:
    edges: list[set[int]] = [set() for _ in range(n_states)]
    reverse: list[set[int]] = [set() for _ in range(n_states)]
    edge_conservative: dict[tuple[int, int], bool] = {}
    chosen = []
    for f in fastest_first:
        s, d = src[f], dst[f]
        if not eligible[f]:
            continue
        if d == s:  # a bounded self-renewal (implicit_split): on the diagonal, no edge of the graph
            chosen.append(f)
            continue
        if d >= 0:
            edges[s].add(d)
            reverse[d].add(s)
            block = _component(edges, reverse, s)
            inside = [(a, b) for a in block for b in edges[a] if b in block]
            # a cycle must stay small and must not amplify (conserving flows keep its block diagonally dominant)
            if d in block and (len(block) > MAX_BLOCK or not conservative[f] or not all(
                    edge_conservative.get(e, True) for e in inside)):
                edges[s].discard(d)
                reverse[d].discard(s)
                continue
            edge_conservative[(s, d)] = edge_conservative.get((s, d), True) and conservative[f]
        chosen.append(f)
    cross = []  # (q, flow, feedback, weight): q must be solved before the flow's source and target, so no cycle
    for f in chosen:
        ends = [e for e in (src[f], dst[f]) if e >= 0]
        for j, q, w in cross_reads[f]:
            if q in ends or any(q in _reachable(edges, e) for e in ends):
                continue
            for e in ends:
                edges[q].add(e)  # an ordering constraint only: never inside a block (no cycle)
                reverse[e].add(q)
            cross.append((q, f, j, w))
    blocks = _blocks_in_order(n_states, edges, reverse)
    order = np.array([s for b in blocks for s in b], dtype=np.int64)
    block_ptr = np.cumsum([0] + [len(b) for b in blocks]).astype(np.int64)
    block_of = np.empty(n_states, dtype=np.int64)
    local = np.empty(n_states, dtype=np.int64)
    for i, b in enumerate(blocks):
        for j, s in enumerate(b):
            block_of[s], local[s] = i, j
    by_source = sorted(chosen, key=lambda f: (src[f], f))
    ptr = np.searchsorted(np.array([src[f] for f in by_source], dtype=np.int64), np.arange(n_states + 1))
    entries = [(k, j, w) for k, f in enumerate(by_source) for j, w in self_reads[f]]
    position = {f: k for k, f in enumerate(by_source)}
    cross.sort(key=lambda c: (c[0], position[c[1]]))
    cross_ptr = np.searchsorted(np.array([c[0] for c in cross], dtype=np.int64), np.arange(n_states + 1))
    return ImplicitSplit(order, block_ptr, block_of, local, ptr.astype(np.int64), np.array(by_source, dtype=np.int64),
                         np.array([dst[f] for f in by_source], dtype=np.int64),
                         np.array([e[0] for e in entries], dtype=np.int64),
                         np.array([e[1] for e in entries], dtype=np.int64),
                         np.array([e[2] for e in entries], dtype=np.float64),
                         cross_ptr.astype(np.int64), np.array([position[c[1]] for c in cross], dtype=np.int64),
                         np.array([c[2] for c in cross], dtype=np.int64),
                         np.array([c[3] for c in cross], dtype=np.float64))


def _bounded_self_renewal(model: CompiledModel, eligible: np.ndarray) -> np.ndarray:
    """Flows into their own source (a progenitor pool's self-renewal) whose largest rates, summed over the source's
    such flows, stay below what the source's eligible outflows without feedback take from it, in every patient: folded
    into L (the kernels subtract them from their source's implicit rate of leaving, which stays positive), since such
    a pool decays whatever its feedback does. Their multipliers must be Hill ratios with c >= 0 and n >= 0 in every
    patient and an offset and scale >= 0 (then each is at most offset + scale (1 + c), never negative, and falls as the
    signal grows, so a derivative by a self-read source lowers it too: hemasim.solvers._kernel_numba.
    _split_coefficients); any other law keeps the flow explicit (with c < 0 the ratio has no bound: it rises without
    limit as c (s / ref)^n nears -1)."""
    rate = np.atleast_2d(model.rate)
    yields = np.atleast_2d(model.yield_)
    params = model.fb_params if model.fb_params.ndim == 3 else model.fb_params[None]
    largest: dict[int, np.ndarray] = {}  # the bounded candidates' largest rates
    for f in np.nonzero((model.src >= 0) & (model.dst == model.src) & (model.consume == 0.0))[0]:
        most = rate[:, f] * yields[:, f]
        feedbacks = [j for j in model.flow_fb[f] if j >= 0]
        if all(model.fb_kind[j] == FeedbackKind.HILL_RATIO and model.fb_scale[j] >= 0.0 and model.fb_offset[j] >= 0.0
               and np.all(params[:, j, 1:3] >= 0.0) for j in feedbacks):  # params 1:3: c, n
            for j in feedbacks:
                most = most * (model.fb_offset[j] + model.fb_scale[j] * (1.0 + params[:, j, 1]))
            largest[int(f)] = most
    out = np.zeros(len(model.src), dtype=bool)
    for s in {int(model.src[f]) for f in largest}:
        own = [f for f in largest if model.src[f] == s]  # a source's folded flows all lower its one rate of leaving
        plain_exits = [e for e in np.nonzero(eligible & (model.src == s) & (model.dst != s))[0]
                       if model.flow_fb[e][0] < 0]
        taken = sum((model.consume[e] * rate[:, e] for e in plain_exits), np.zeros(rate.shape[0]))
        out[own] = bool(np.all(sum(largest[f] for f in own) < taken))
    return out


def implicit_split(model: CompiledModel) -> ImplicitSplit:
    """The implicit flows of ``model`` (one patient or a cohort: the structure is shared, the rates may differ)."""
    rate = np.atleast_2d(model.rate)
    yields = np.atleast_2d(model.yield_)
    eligible = (model.src >= 0) & (model.dst != model.src) & (model.consume >= 0) & np.all(yields >= 0, axis=0)
    eligible &= (model.consume > 0) | (model.dst >= 0)  # a flow that moves nothing adds nothing to L
    conservative = np.all(yields <= model.consume, axis=0)
    fastest_first = np.argsort(-np.max(rate, axis=0), kind="stable")
    reads = _reads(model)  # once: a second split (below) reads the same states

    def split_with(folded: np.ndarray) -> ImplicitSplit:
        return _split(model.n_states, tuple(model.src.tolist()), tuple(model.dst.tolist()),
                      tuple((eligible | folded).tolist()), tuple(conservative.tolist()),
                      tuple(fastest_first.tolist()), *reads)

    folded = _bounded_self_renewal(model, eligible)
    split = split_with(folded)
    # an eligible exit that would close a larger or amplifying cycle stays explicit, so L's rate of leaving lacks it:
    # bound again by the exits L took (a flow into its own source adds no edge, so the other choices stand)
    taken = np.zeros(len(model.src), dtype=bool)
    taken[split.flow] = True
    still = folded & _bounded_self_renewal(model, eligible & taken)
    return split if np.array_equal(still, folded) else split_with(still)


def _reads(model: CompiledModel) -> tuple[tuple[tuple[tuple[int, float], ...], ...],
                                          tuple[tuple[tuple[int, int, float], ...], ...]]:
    """Per flow, the states its feedbacks' signals read: (feedback, weight of the flow's source in its signal) for each
    feedback whose signal reads the source; (feedback, state, weight) for each other state a LINEAR feedback of the
    flow reads (the flux is then bilinear in the source and those states: its derivative by them is exact at any
    step's start, and of one sign)."""
    own, other = [], []
    for f in range(len(model.flow_names)):
        found: list[tuple[int, float]] = []
        cross: list[tuple[int, int, float]] = []
        for j in model.flow_fb[f]:
            if j < 0:
                break
            signal = model.fb_signal[j]
            if signal < 0 or model.src[f] < 0:
                continue
            lo, hi = model.sig_ptr[signal], model.sig_ptr[signal + 1]
            weight = float(np.sum(model.sig_w[lo:hi][model.sig_idx[lo:hi] == model.src[f]]))
            if weight != 0.0:
                found.append((int(j), weight))
            if model.fb_kind[j] == FeedbackKind.LINEAR:
                cross += [(int(j), int(q), float(w)) for q, w in zip(model.sig_idx[lo:hi].tolist(),
                                                                    model.sig_w[lo:hi].tolist(), strict=True)
                          if q != model.src[f] and w != 0.0]
        own.append(tuple(found))
        other.append(tuple(cross))
    return tuple(own), tuple(other)


__all__ = ["ImplicitSplit", "implicit_split", "transit_chains", "transit_chains_and_pools"]


#: the fewest stages a run of maturation steps must have to be measured as one chain by ``chain_tolerance="chain"``
#: (Assumed: in the healthy model only the 80-stage neutrophil maturation qualifies; the 2-3-stage red-cell,
#: platelet and monocyte maturations stay per stage)
MIN_CHAIN_STAGES = 10


def transit_chains(model: CompiledModel) -> list[np.ndarray]:
    """The long transit chains: runs of states each passing a maturation flow to the next, from a state no maturation
    feeds (the neutrophil chain's first stage, fed by the precursors' division) up to, not including, the pool the
    run empties into (blood neutrophils, read by the observables); those of at least MIN_CHAIN_STAGES stages. State
    indices, in order."""
    return [chain for chain, _ in transit_chains_and_pools(model)]


def transit_chains_and_pools(model: CompiledModel) -> list[tuple[np.ndarray, int]]:
    """:func:`transit_chains`, each with the state its last stage empties into (the neutrophil chain's: the blood
    neutrophils, which the ANC observable reads)."""
    n = len(model.state_names)
    after = [-1] * n
    fed = [False] * n
    for f, kind in enumerate(model.flow_kinds):
        s, d = int(model.src[f]), int(model.dst[f])
        if kind == "maturation" and s >= 0 and d >= 0 and s != d:
            after[s] = d
            fed[d] = True
    chains = []
    for head in range(n):
        if fed[head] or after[head] < 0:
            continue
        run = [head]
        while after[run[-1]] >= 0 and after[run[-1]] not in run:
            run.append(after[run[-1]])
        if len(run) - 1 >= MIN_CHAIN_STAGES:
            chains.append((np.array(run[:-1], dtype=np.int64), run[-1]))
    return chains
