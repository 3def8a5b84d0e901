"""The block structure the steady-state Newton's linear solves exploit (:mod:`hemasim.solvers._steady_kernel`).

Most states of the healthy model are transit stages: a maturation chain of 80 identical post-mitotic stages,
precursor divisions, progenitors. A stage's column of the Jacobian reaches only its own row and the rows of the
stages it feeds (no feedback reads it), so these states, taken in the order cells pass through them, make a
lower-triangular block D. The linear system J dx = b is solved by block elimination: D by forward substitution,
then the small Schur complement S = A - B D^-1 C of the other states (those feedbacks read, and cycles such as
HSPC egress and homing) by the dense LU with partial pivoting. The same dx as the dense LU of J (up to rounding),
at a cost that grows with the non-zeros of the chain instead of the square of all states.

Which states are eliminated is read from the model's arrays only (:func:`chain_elimination`), so any model the
builder makes gets it; a model without such states (or a patient whose eliminated pivot is too small: see
:data:`PIVOT_THRESHOLD`) is solved by the dense path.

Before any of that, a cohort's Newton runs on the states that move at all (:func:`moving_states`): a model is built
at its fixed point except where a covariate moves it (the patient's age moves the naive T-cell pools), so every other
state's equation holds to rounding where it starts. Such a state that no moving state reaches (its row of the
Jacobian has no entry in a moving state's column) stays balanced whatever the moving states do: it is held, and the
Newton is solved on the moving states alone (13 of the healthy model's 128).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hemasim.model import CompiledModel

#: an eliminated state's diagonal must be at least this fraction of every entry below it in its column, each row
#: divided by the gross flux through its state (threshold partial pivoting, the usual 0.1, on the rows equilibrated
#: by their natural size: cells/day). A transit stage or a division passes with a ratio of about 1 whatever the
#: amplification or the residence times; a patient whose self-renewal nearly cancels a stage's outflow (a diagonal
#: near zero) goes to the dense LU, which pivots
PIVOT_THRESHOLD = 0.1

#: a state is held where it starts when its |dx/dt| there is at most this fraction of the Newton's tolerance (relative
#: to the gross flux through it) in every patient, and no state that is not held reaches it. The built model's
#: balanced states are within ~2.2e-16 (rounding), the age-moved naive T-cell pools up to 6e-2 off; held at 1e-3 of
#: the tolerance, a state is left where the Newton's own stopping error could leave it anyway
HELD_RESIDUAL_FRACTION = 1e-3

#: the moving states are solved alone (a dense LU of their Jacobian) when they are at most this fraction of the
#: states; more, and the block-eliminated Newton of all states serves (its linear solves grow with the chain's
#: entries, a dense LU with the cube of the states)
MOVING_FRACTION_LIMIT = 0.25

Colouring = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def greedy_colours(columns: Iterable[int], rows_of: Sequence[set[int]]) -> list[list[int]]:
    """Columns grouped so that the columns of a group reach disjoint rows (greedy, the columns reaching most rows
    first; ties in the order given): one finite-difference evaluation per group."""
    colours: list[list[int]] = []
    covered: list[set[int]] = []
    for c in sorted(columns, key=lambda c: -len(rows_of[c])):
        for cols, rows in zip(colours, covered, strict=True):
            if not rows & rows_of[c]:
                cols.append(c)
                rows |= rows_of[c]
                break
        else:
            colours.append([c])
            covered.append(set(rows_of[c]))
    return colours


@dataclass(frozen=True, eq=False)
class ChainElimination:
    """The Jacobian's entries by column and their place in the blocks [[D, C], [B, A]] (E = eliminated states,
    in the order cells pass through them; R = the rest). Positions: E states 0..m-1, R states 0..k-1.

    * ``entry_ptr``/``entry_row``/``entry_col``/``entry_fd``: the structural entries of each column (those of
      :func:`~hemasim.solvers.steady.jacobian_colouring`, read by finite differences: ``entry_fd`` 1) plus
      every missing diagonal (``entry_fd`` 0: structurally zero; there for pinned states and the shift of the
      pseudo-transient steps);
    * ``order``: order[p] = the state at position p (E first, then R);
    * ``d_diag``: the diagonal entry of each E state; ``d_ptr``/``d_row``/``d_entry``: D's off-diagonal entries
      by column (rows: E positions, all after the column's);
    * ``coupled``: the R columns that reach E rows; ``c_ptr``/``c_row``/``c_entry``: C by coupled column;
    * ``b_ptr``/``b_row``/``b_entry``: B by E column (rows: R positions); ``b_rows``: the R rows B has entries
      in, and ``bt_ptr``/``bt_col``/``bt_entry``: B by those rows (columns: E positions);
    * ``a_row``/``a_col``/``a_entry``: A's entries (R positions);
    * ``up_ptr``/``up_position``: for each row of ``b_rows``, the E positions upstream of its entries (those its row
      of B D^-1 can be non-zero at), last first; ``bc_ptr``/``bc_col``/``bc_row``/``bc_entry``: the entries of C
      in those positions (column: R position, row: E position), by row of ``b_rows``;
    * ``pivot_threshold``: see :data:`PIVOT_THRESHOLD`.
    """

    entry_ptr: np.ndarray
    entry_row: np.ndarray
    entry_col: np.ndarray
    entry_fd: np.ndarray
    order: np.ndarray
    d_diag: np.ndarray
    d_ptr: np.ndarray
    d_row: np.ndarray
    d_entry: np.ndarray
    coupled: np.ndarray
    c_ptr: np.ndarray
    c_row: np.ndarray
    c_entry: np.ndarray
    b_ptr: np.ndarray
    b_row: np.ndarray
    b_entry: np.ndarray
    b_rows: np.ndarray
    bt_ptr: np.ndarray
    bt_col: np.ndarray
    bt_entry: np.ndarray
    a_row: np.ndarray
    a_col: np.ndarray
    a_entry: np.ndarray
    up_ptr: np.ndarray
    up_position: np.ndarray
    bc_ptr: np.ndarray
    bc_col: np.ndarray
    bc_row: np.ndarray
    bc_entry: np.ndarray
    pivot_threshold: float = PIVOT_THRESHOLD

    @property
    def n_eliminated(self) -> int:
        return len(self.d_diag)

    def kernel_arrays(self) -> tuple[np.ndarray, ...]:
        """The arrays in the order :func:`hemasim.solvers._steady_kernel.steady_state_reduced` takes them."""
        return (self.entry_ptr, self.entry_row, self.entry_col, self.entry_fd, self.order, self.d_diag, self.d_ptr,
                self.d_row, self.d_entry, self.coupled, self.c_ptr, self.c_row, self.c_entry, self.b_ptr, self.b_row,
                self.b_entry, self.b_rows, self.bt_ptr, self.bt_col, self.bt_entry, self.a_row, self.a_col,
                self.a_entry, self.up_ptr, self.up_position, self.bc_ptr, self.bc_col, self.bc_row, self.bc_entry)


def _columns_rows(colouring: Colouring, n: int) -> list[list[int]]:
    _, _, col_ptr, col_row = colouring
    return [[int(j) for j in col_row[col_ptr[c]:col_ptr[c + 1]]] for c in range(n)]


def _signal_states(model: CompiledModel) -> set[int]:
    """States summed by a signal that a feedback reads: their columns reach the rows of whatever the feedback
    regulates, which closes the loops (a chain's output read by the feedback on the chain)."""
    read = {int(s) for s in model.fb_signal if s >= 0}
    return {int(j) for i in read for j in model.sig_idx[model.sig_ptr[i]:model.sig_ptr[i + 1]]}


def _topological_order(nodes: set[int], rows_of: list[list[int]]) -> tuple[list[int], set[int]]:
    """Kahn's order of ``nodes`` under the edges column -> row (self-loops ignored), and the nodes left over (on
    a cycle or downstream of one)."""
    indegree = {v: 0 for v in nodes}
    for c in nodes:
        for j in rows_of[c]:
            if j != c and j in nodes:
                indegree[j] += 1
    ready = sorted(v for v in nodes if indegree[v] == 0)
    order: list[int] = []
    while ready:
        c = ready.pop(0)
        order.append(c)
        for j in rows_of[c]:
            if j != c and j in nodes:
                indegree[j] -= 1
                if indegree[j] == 0:
                    ready.append(j)
    return order, nodes - set(order)


def _on_a_cycle(nodes: set[int], rows_of: list[list[int]]) -> set[int]:
    """The nodes that reach themselves through others of ``nodes``."""
    cyclic = set()
    for v in nodes:
        seen, stack = set(), [j for j in rows_of[v] if j != v and j in nodes]
        while stack:
            u = stack.pop()
            if u == v:
                cyclic.add(v)
                break
            if u not in seen:
                seen.add(u)
                stack.extend(j for j in rows_of[u] if j != u and j in nodes)
    return cyclic


def eliminated_states(model: CompiledModel, colouring: Colouring) -> list[int]:
    """The states eliminated by forward substitution, in the order cells pass through them: neither read by a
    feedback's signal nor on a cycle of the Jacobian's structure, and with a structural diagonal (a state with
    no outflow of its own would be a zero pivot)."""
    n = model.n_states
    rows_of = _columns_rows(colouring, n)
    candidates = {c for c in range(n) if c in rows_of[c]} - _signal_states(model)
    _, left_over = _topological_order(candidates, rows_of)
    order, left_over = _topological_order(candidates - _on_a_cycle(left_over, rows_of), rows_of)
    assert not left_over  # removing the nodes on cycles leaves an acyclic graph
    return order


def _entries(rows_of: list[list[int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The columns' structural entries (finite-differenced) plus every missing diagonal (a structural zero)."""
    ptr, row, col, fd = [0], [], [], []
    for c, rows in enumerate(rows_of):
        for j in sorted(set(rows) | {c}):
            row.append(j)
            col.append(c)
            fd.append(1 if j in rows else 0)
        ptr.append(len(row))
    return tuple(np.array(a, dtype=np.int64) for a in (ptr, row, col, fd))  # type: ignore[return-value]


def _by_column(columns: int, items: list[tuple[int, int, int]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ptr, row, entry) CSC arrays of (column, row, entry) items."""
    items = sorted(items)
    ptr = np.searchsorted(np.array([c for c, _, _ in items], dtype=np.int64), np.arange(columns + 1))
    return (ptr.astype(np.int64), np.array([r for _, r, _ in items], dtype=np.int64),
            np.array([e for _, _, e in items], dtype=np.int64))


def _schur_rows(m: int, d_items: list[tuple[int, int, int]], bt_ptr: np.ndarray, bt_col: np.ndarray,
                c_items: list[tuple[int, int, int]]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(up_ptr, up_position, bc_ptr, bc_col, bc_row, bc_entry) of :class:`ChainElimination`: a row of B D^-1 is
    non-zero only upstream of the row's entries in B (a stage's output reaches the row through the stages after
    it), so its backward substitution and its products with C visit those positions only."""
    feeds: list[list[int]] = [[] for _ in range(m)]  # D's edges reversed: row -> the columns feeding it
    for c, r, _ in d_items:
        feeds[r].append(c)
    up_ptr, up_position, bc_ptr, bc_col, bc_row, bc_entry = [0], [], [0], [], [], []
    for bi in range(len(bt_ptr) - 1):
        upstream, stack = set(), [int(e) for e in bt_col[bt_ptr[bi]:bt_ptr[bi + 1]]]
        while stack:
            e = stack.pop()
            if e not in upstream:
                upstream.add(e)
                stack.extend(feeds[e])
        up_position += sorted(upstream, reverse=True)
        up_ptr.append(len(up_position))
        for c, r, q in sorted(c_items):
            if r in upstream:
                bc_col.append(c)
                bc_row.append(r)
                bc_entry.append(q)
        bc_ptr.append(len(bc_entry))
    up_ptr_a, up_position_a, bc_ptr_a, bc_col_a, bc_row_a, bc_entry_a = (
        np.array(a, dtype=np.int64) for a in (up_ptr, up_position, bc_ptr, bc_col, bc_row, bc_entry))
    return up_ptr_a, up_position_a, bc_ptr_a, bc_col_a, bc_row_a, bc_entry_a


def chain_elimination(model: CompiledModel, colouring: Colouring) -> ChainElimination | None:
    """The block structure of ``model``'s Jacobian (see :class:`ChainElimination`); None when no state can be
    eliminated (the dense LU serves)."""
    n = model.n_states
    rows_of = _columns_rows(colouring, n)
    chain = eliminated_states(model, colouring)
    if not chain:
        return None
    in_chain = set(chain)
    rest = [j for j in range(n) if j not in in_chain]
    m = len(chain)
    position = {s: p for p, s in enumerate(chain)} | {s: p for p, s in enumerate(rest)}
    entry_ptr, entry_row, entry_col, entry_fd = _entries(rows_of)
    d_diag = np.zeros(m, dtype=np.int64)
    d_items, c_items, b_items, a_items = [], [], [], []
    for q, (j, c) in enumerate(zip(entry_row.tolist(), entry_col.tolist(), strict=True)):
        row_in_chain, col_in_chain = j in in_chain, c in in_chain
        if row_in_chain and col_in_chain:
            if j == c:
                d_diag[position[c]] = q
            else:
                d_items.append((position[c], position[j], q))
        elif row_in_chain:
            c_items.append((position[c], position[j], q))
        elif col_in_chain:
            b_items.append((position[c], position[j], q))
        else:
            a_items.append((position[j], position[c], q))
    coupled = sorted({c for c, _, _ in c_items})
    coupled_index = {c: i for i, c in enumerate(coupled)}
    c_ptr, c_row, c_entry = _by_column(len(coupled), [(coupled_index[c], r, q) for c, r, q in c_items])
    d_ptr, d_row, d_entry = _by_column(m, d_items)
    b_ptr, b_row, b_entry = _by_column(m, b_items)
    b_rows = sorted({r for _, r, _ in b_items})
    b_row_index = {r: i for i, r in enumerate(b_rows)}
    bt_ptr, bt_col, bt_entry = _by_column(len(b_rows), [(b_row_index[r], c, q) for c, r, q in b_items])
    assert all(r > c for c, r, _ in d_items)  # D is lower triangular in the chain's order
    return ChainElimination(
        entry_ptr, entry_row, entry_col, entry_fd, np.array(chain + rest, dtype=np.int64), d_diag, d_ptr, d_row,
        d_entry, np.array(coupled, dtype=np.int64), c_ptr, c_row, c_entry, b_ptr, b_row, b_entry,
        np.array(b_rows, dtype=np.int64), bt_ptr, bt_col, bt_entry, np.array([r for r, _, _ in a_items], dtype=np.int64),
        np.array([c for _, c, _ in a_items], dtype=np.int64), np.array([q for _, _, q in a_items], dtype=np.int64),
        *_schur_rows(m, d_items, bt_ptr, bt_col, c_items))


Part = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class MovingStates:
    """The states a cohort's Newton moves (the rest held where they start) and what their rows need, each as a
    ``part`` of :func:`hemasim.solvers._kernel_numba.rhs_into` (states, signals, feedbacks, flows; each ascending):

    * ``part``: the moving states; the flows whose source or target is one (the terms of their rows); the feedbacks
      those flows read whose signal sums a moving state, and those signals (recomputed at every iteration);
    * ``held``: the other feedbacks those flows read (a law of age, or a signal of held states only) and their
      signals, no states and no flows: computed once a patient, they do not change while the held states do not;
    * ``local``: each state's position among the moving states (-1: held);
    * ``colour_ptr``/``colour_col``: the moving states' columns grouped for finite differences
      (:func:`greedy_colours`; each column's rows are those of the model's colouring, all of them moving states);
    * ``colour_parts``: for each group, CSR lists (ptr, entries) of its part: the rows its columns reach, the
      signals that sum one of its columns (and that a feedback of ``part`` reads), the feedbacks of ``part`` reading
      those, and the flows of those rows. The group's perturbation changes nothing else: every other flux, feedback
      and signal of those rows keeps its value at the unperturbed state.
    """

    part: Part
    held: Part
    local: np.ndarray
    colour_ptr: np.ndarray
    colour_col: np.ndarray
    colour_parts: tuple[np.ndarray, ...]

    @property
    def states(self) -> np.ndarray:
        return self.part[0]

    def kernel_arrays(self) -> tuple[Part, Part, np.ndarray, tuple[np.ndarray, ...]]:
        """The arrays as :func:`hemasim.solvers._steady_kernel.steady_state_moving` takes them: ``part``, ``held``,
        ``local`` and (``colour_ptr``, ``colour_col``, then ``colour_parts``)."""
        return self.part, self.held, self.local, (self.colour_ptr, self.colour_col, *self.colour_parts)


def reached_states(start: Iterable[int], colouring: Colouring) -> list[int]:
    """``start`` and every state whose row a column of one of them reaches, repeatedly (the states whose dx/dt can
    change when those move), ascending."""
    _, _, col_ptr, col_row = colouring
    reached = {int(c) for c in start}
    stack = list(reached)
    while stack:
        c = stack.pop()
        for j in col_row[col_ptr[c]:col_ptr[c + 1]].tolist():
            if j not in reached:
                reached.add(j)
                stack.append(j)
    return sorted(reached)


def _index_array(values: Iterable[int]) -> np.ndarray:
    return np.array(sorted({int(v) for v in values}), dtype=np.int64)


def csr(lists: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """(ptr, entries) of index lists in compressed-row form: list i is entries[ptr[i]:ptr[i + 1]]."""
    ptr = np.cumsum([0] + [len(v) for v in lists]).astype(np.int64)
    return ptr, (np.concatenate(lists).astype(np.int64) if lists else np.zeros(0, dtype=np.int64))


def moving_states(model: CompiledModel, colouring: Colouring, off_balance: np.ndarray) -> MovingStates | None:
    """The moving states of a cohort whose states ``off_balance`` (a boolean per state: not balanced where some
    patient starts, see :data:`HELD_RESIDUAL_FRACTION`) are not at their fixed point: those and every state they
    reach (:func:`reached_states`). None when they are more than :data:`MOVING_FRACTION_LIMIT` of the states."""
    n = model.n_states
    states = reached_states(np.nonzero(off_balance)[0], colouring)
    if len(states) > MOVING_FRACTION_LIMIT * n:
        return None
    local = np.full(n, -1, dtype=np.int64)
    local[states] = np.arange(len(states))

    def flows_of(rows: Iterable[int]) -> np.ndarray:
        touched = np.zeros(n + 1, dtype=bool)  # the last entry: "no state" (-1)
        touched[list(rows)] = True
        return np.nonzero(touched[model.src] | touched[model.dst])[0].astype(np.int64)

    def members(signal: int) -> set[int]:
        return {int(j) for j in model.sig_idx[model.sig_ptr[signal]:model.sig_ptr[signal + 1]]}

    flows = flows_of(states)
    feedbacks = {int(k) for k in model.flow_fb[flows].ravel() if k >= 0}
    moving_signal = {int(model.fb_signal[k]) for k in feedbacks
                     if model.fb_signal[k] >= 0 and members(int(model.fb_signal[k])) & set(states)}
    varying = {k for k in feedbacks if model.fb_signal[k] in moving_signal}
    part = (np.array(states, dtype=np.int64), _index_array(moving_signal), _index_array(varying), flows)
    held_feedbacks = feedbacks - varying
    held_signals = {int(model.fb_signal[k]) for k in held_feedbacks if model.fb_signal[k] >= 0}
    held = (np.zeros(0, dtype=np.int64), _index_array(held_signals), _index_array(held_feedbacks),
            np.zeros(0, dtype=np.int64))
    rows_of = [set(rows) for rows in _columns_rows(colouring, n)]
    colours = [sorted(cols) for cols in greedy_colours(states, rows_of)]
    rows, signals, fbs, colour_flows = [], [], [], []
    for cols in colours:
        reached = {j for c in cols for j in rows_of[c]}
        perturbed = {i for i in moving_signal if members(i) & set(cols)}
        rows.append(_index_array(reached))
        signals.append(_index_array(perturbed))
        fbs.append(_index_array(k for k in varying if model.fb_signal[k] in perturbed))
        colour_flows.append(flows_of(reached))
    colour_ptr, colour_col = csr([np.array(cols) for cols in colours])
    colour_parts = (*csr(rows), *csr(signals), *csr(fbs), *csr(colour_flows))
    return MovingStates(part, held, local, colour_ptr, colour_col, colour_parts)
