"""The neutral clone-resolved HSC pool (see the package docstring for the model)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np

from hemasim._progress import StageFn, tracked
from hemasim.parameters import ParameterSet, healthy_adult_parameters

if TYPE_CHECKING:  # for annotations only: hemasim.clonal.ch imports this module, and scipy
    from hemasim.clonal.ch import DriverLandscape

DAYS_PER_YEAR = 365.25


@dataclass
class ClonalHistory:
    """What a run records at each sampling time."""

    times_days: list[float] = field(default_factory=list)
    pool_size: list[int] = field(default_factory=list)
    n_clones: list[int] = field(default_factory=list)
    largest_clone_fraction: list[float] = field(default_factory=list)
    shannon_diversity: list[float] = field(default_factory=list)
    mean_mutations_per_cell: list[float] = field(default_factory=list)
    driver_share: list[float] = field(default_factory=list)  # share of the pool in driver clones
    max_panel_vaf: list[float] = field(default_factory=list)  # largest VAF of a CH-panel driver (clone share / 2)
    #: per tracked clone: (parent clone id or -1, selection per year, CH-panel driver)
    tracked_info: dict[int, tuple[int, float, bool]] = field(default_factory=dict)
    #: sizes over time of every clone that was ever among the largest ``track_top`` (id -> sizes per sample)
    tracked: dict[int, list[int]] = field(default_factory=dict)

    def to_frame(self):  # noqa: ANN201 - pandas DataFrame
        import pandas as pd

        return pd.DataFrame({"time_days": self.times_days, "hsc_pool": self.pool_size, "clones": self.n_clones,
                             "largest_clone_fraction": self.largest_clone_fraction,
                             "shannon_diversity": self.shannon_diversity,
                             "mean_mutations_per_cell": self.mean_mutations_per_cell,
                             "driver_share": self.driver_share, "max_panel_vaf": self.max_panel_vaf})


def clone_size_summary(sizes: np.ndarray) -> tuple[float, float]:
    """(largest-clone fraction, Shannon diversity in nats) of clone sizes."""
    sizes = sizes[sizes > 0]
    if len(sizes) == 0:
        return 0.0, 0.0
    p = sizes / sizes.sum()
    return float(p.max()), float(-(p * np.log(p)).sum())


class NeutralHSCPool:
    """A seeded, clone-resolved HSC pool. ``niche_feedback=False`` freezes a(N) at 1/2 (a critical
    birth-death process per clone, the case with a closed-form clone-size distribution).

    Clones start with one cell each. :meth:`add_clones` adds clones of given sizes (a graft), and
    ``advantage`` (per clone, default 0) raises a clone's probability that a daughter stays an HSC to
    min(a(N) (1 + advantage), 1): a selective advantage such as that of gene-corrected cells.

    ``kernel="numba"`` (default) runs the division step compiled (:func:`hemasim.clonal._kernels.pool_steps`);
    ``kernel="numpy"`` runs the same step with numpy, the reference it is tested against: both draw the same
    numbers from the pool's generator, so a seed gives the same clones with either, bit for bit.
    """

    def __init__(self, n_cells: int | None = None, *, seed: int = 0, parameters: ParameterSet | None = None,
                 dt_days: float = 7.0, niche_feedback: bool = True, start_age_years: float = 0.0,
                 drivers: DriverLandscape | None = None, min_selection_per_year: float = 0.0,
                 kernel: Literal["numba", "numpy"] = "numba") -> None:
        if kernel not in ("numba", "numpy"):
            raise ValueError(f"kernel must be 'numba' or 'numpy' (got {kernel!r})")
        self.kernel = kernel
        p = parameters if parameters is not None else healthy_adult_parameters()
        self.n_star = float(p.value("hsc_count")) if n_cells is None else float(n_cells)
        if not 1 <= self.n_star <= 1e7:
            raise ValueError(f"n_cells must be between 1 and 1e7 (got {n_cells})")
        if not 0 < dt_days <= 30:
            raise ValueError(f"dt_days must be in (0, 30] (got {dt_days})")
        self.division_rate = 1.0 / p.value("hsc_division_interval_days")  # per cell per day
        self.a_max = p.value("hsc_max_self_renewal_probability")
        self.hill = p.value("hsc_niche_hill")
        self.mutation_rate = p.value("hsc_mutations_per_year") / DAYS_PER_YEAR  # per cell per day
        self.dt = float(dt_days)
        self.niche_feedback = niche_feedback
        self.rng = np.random.default_rng(seed)  # the pool owns its generator: same seed, same clones
        n0 = int(round(self.n_star))
        self.sizes = np.ones(n0, dtype=np.int64)
        self.clone_ids = np.arange(n0, dtype=np.int64)
        # mutations shared by all cells of a clone (acquired before the start) plus, per clone, the
        # mean private burden of its cells (every lineage accumulates at the same rate)
        self.mutations = self.rng.poisson(self.mutation_rate * start_age_years * DAYS_PER_YEAR, n0).astype(np.float64)
        self.advantage = np.zeros(n0)
        # driver acquisition (None: a neutral pool). Each driver founds a new clone with the parent clone's
        # advantage plus its own; ``parent`` and ``panel`` let plots nest clones and mark CH-panel drivers.
        self.drivers = drivers
        self.min_selection = float(min_selection_per_year)
        self.parent = np.full(n0, -1, dtype=np.int64)
        self.panel = np.zeros(n0, dtype=bool)
        self.selection_per_year = np.zeros(n0)
        self.t_div_years = p.value("hsc_division_interval_days") / DAYS_PER_YEAR
        self.t = 0.0
        self.divisions = 0  # all divisions so far (for the measured division interval)
        self.cell_days = 0.0  # integral of the pool size over time
        self._exp_table: tuple[float, np.ndarray] | None = None  # the kernel's exp(-divisions per step) by size

    @property
    def pool_size(self) -> int:
        return int(self.sizes.sum())

    def stay_probability(self) -> float:
        """a(N): probability that a daughter of a dividing HSC remains an HSC."""
        if not self.niche_feedback:
            return 0.5
        c = 2.0 * self.a_max - 1.0
        f = (1.0 + c) / (1.0 + c * (self.pool_size / self.n_star) ** self.hill)
        return 0.5 * f

    def add_clones(self, sizes: np.ndarray, advantage: float | np.ndarray = 0.0, displace: bool = False,
                   parent: np.ndarray | None = None, panel: np.ndarray | None = None,
                   selection_per_year: np.ndarray | None = None) -> np.ndarray:
        """Add clones (e.g. engrafting graft HSCs); returns their clone ids. With ``displace`` the same number
        of cells, drawn uniformly among existing cells, leaves the pool (a mutation arising in cells that were
        already there, rather than cells arriving from outside)."""
        sizes = np.asarray(sizes, dtype=np.int64)
        if displace and len(self.sizes):
            self.sizes = self.sizes - self.rng.multivariate_hypergeometric(self.sizes, int(sizes.sum()))
        start = int(self.clone_ids.max()) + 1 if len(self.clone_ids) else 0
        ids = np.arange(start, start + len(sizes), dtype=np.int64)
        self.sizes = np.concatenate([self.sizes, sizes])
        self.clone_ids = np.concatenate([self.clone_ids, ids])
        self.mutations = np.concatenate([self.mutations, np.zeros(len(sizes))])
        self.advantage = np.concatenate([self.advantage, np.broadcast_to(np.asarray(advantage, float), len(sizes))])
        n = len(sizes)
        self.parent = np.concatenate([self.parent, np.full(n, -1, np.int64) if parent is None else parent])
        self.panel = np.concatenate([self.panel, np.zeros(n, bool) if panel is None else panel])
        self.selection_per_year = np.concatenate([self.selection_per_year,
                                                  np.zeros(n) if selection_per_year is None else selection_per_year])
        return ids

    def _acquire_drivers(self) -> None:
        """New drivers (s >= min_selection) arise in wild-type cells (clones without a driver; no second hits,
        as in :func:`hemasim.clonal.ch.simulate_ch_cohort`) at the landscape's rate: each takes one cell from
        its parent clone and founds a clone of its own."""
        land = self.drivers
        assert land is not None
        wild = np.where(self.selection_per_year == 0, self.sizes, 0)
        total = int(wild.sum())
        rate = land.rate_per_hsc_year * land.share_above(self.min_selection) * self.dt / DAYS_PER_YEAR
        n_new = int(self.rng.poisson(rate * total))
        if n_new == 0:
            return
        picks = self.rng.choice(len(self.sizes), size=n_new, p=wild / total)
        sel = land.sample_selection(self.rng, n_new, self.min_selection)
        # more drivers drawn from a clone than it has cells (two from a one-cell clone): only the first as many as
        # it has cells found; each pick's rank among the picks of its clone, in draw order, says which. (Taking one
        # cell per pick and then dropping every pick of a clone left below zero dropped them all: none founded.)
        order = np.argsort(picks, kind="stable")
        ranked = picks[order]
        group_start = np.maximum.accumulate(np.where(np.r_[True, ranked[1:] != ranked[:-1]], np.arange(n_new), 0))
        rank = np.empty(n_new, dtype=np.int64)
        rank[order] = np.arange(n_new) - group_start
        keep = rank < self.sizes[picks]
        picks, sel = picks[keep], sel[keep]
        np.subtract.at(self.sizes, picks, 1)
        self.add_clones(np.ones(len(picks), dtype=np.int64), advantage=sel * self.t_div_years,
                        parent=self.clone_ids[picks], panel=self.rng.random(len(picks)) < land.panel_fraction,
                        selection_per_year=sel)

    def step(self) -> None:
        """One step of ``dt_days``: driver arrivals (with a landscape), then divisions."""
        self.advance(1)

    def advance(self, n_steps: int) -> None:
        """``n_steps`` steps (without drivers the compiled kernel runs them in one call)."""
        if self.drivers is None:
            self._divide(n_steps)
            return
        for _ in range(n_steps):
            self._acquire_drivers()
            self._divide(1)

    def _divide(self, n_steps: int) -> None:
        if self.kernel == "numpy":
            for _ in range(n_steps):
                self._divide_numpy()
            return
        from hemasim.clonal._kernels import poisson_exp_table, pool_steps  # numba: imported when a pool first runs

        rate_dt = self.division_rate * self.dt
        if self._exp_table is None or self._exp_table[0] != rate_dt:  # made once (again if dt or the rate changed)
            self._exp_table = (rate_dt, poisson_exp_table(rate_dt))
        self.sizes = np.ascontiguousarray(self.sizes, dtype=np.int64)  # updated in place by the kernel
        alive = np.arange(len(self.sizes), dtype=np.int64)
        n_alive, divisions, self.cell_days = pool_steps(
            self.rng, self.sizes, np.ascontiguousarray(self.advantage, dtype=np.float64), alive, len(alive), n_steps,
            rate_dt, self._exp_table[1], self.dt, self.niche_feedback, self.a_max, self.hill, self.n_star,
            self.cell_days)
        self.divisions += int(divisions)
        if n_alive < len(self.sizes):
            self._keep(alive[:n_alive])
        mutations_per_step = self.mutation_rate * self.dt
        for _ in range(n_steps):  # added step by step, as the numpy path does (the dead dropped first: no matter)
            self.mutations += mutations_per_step
            self.t += self.dt

    def _keep(self, keep: np.ndarray) -> None:
        """Keep only the clones ``keep`` (a boolean mask or sorted indices)."""
        self.sizes, self.clone_ids = self.sizes[keep], self.clone_ids[keep]
        self.mutations, self.advantage = self.mutations[keep], self.advantage[keep]
        self.parent, self.panel = self.parent[keep], self.panel[keep]
        self.selection_per_year = self.selection_per_year[keep]

    def _divide_numpy(self) -> None:
        """The division step in numpy: the reference of the compiled kernel."""
        a = self.stay_probability()
        divisions = self.rng.poisson(self.division_rate * self.dt * self.sizes)
        self.divisions += int(divisions.sum())
        self.cell_days += float(self.sizes.sum()) * self.dt
        if self.advantage.any():
            ai = np.minimum(a * (1.0 + self.advantage), 1.0)
            renew = self.rng.binomial(divisions, ai * ai)
            diff = self.rng.binomial(divisions - renew, np.where(ai < 1.0, (1 - ai) ** 2 / np.maximum(1 - ai * ai, 1e-300),
                                                                  0.0))
        else:
            outcomes = self.rng.multinomial(divisions, [a * a, 2 * a * (1 - a), (1 - a) * (1 - a)])
            renew, diff = outcomes[:, 0], outcomes[:, 2]
        self.sizes = np.maximum(self.sizes + renew - diff, 0)
        self.mutations += self.mutation_rate * self.dt
        alive = self.sizes > 0
        if not alive.all():
            self._keep(alive)
        self.t += self.dt

    def measured_division_interval_days(self) -> float:
        """Cell-days lived per division so far: the mean interval between divisions of an HSC."""
        return self.cell_days / self.divisions if self.divisions else float("inf")

    def run(self, years: float, sample_every_years: float = 1.0, progress: bool | StageFn = False,
            track_top: int = 0) -> ClonalHistory:
        """Advance ``years``, sampling every ``sample_every_years``; ``track_top`` > 0 also follows the
        sizes of every clone that is ever among the largest ``track_top`` (for Muller-style plots)."""
        hist = ClonalHistory()
        self._track_top = track_top
        n_steps = int(round(years * DAYS_PER_YEAR / self.dt))
        every = max(1, int(round(sample_every_years * DAYS_PER_YEAR / self.dt)))
        self._record(hist)
        # a record after every ``every`` steps and after the last: the steps between two are one block
        ends = tracked([*range(every, n_steps, every), n_steps] if n_steps > 0 else [], progress, "clonal engine")
        done = 0
        for end in ends:
            self.advance(end - done)
            done = end
            self._record(hist)
        return hist

    def _record(self, hist: ClonalHistory) -> None:
        largest, shannon = clone_size_summary(self.sizes.astype(np.float64))
        hist.times_days.append(self.t)
        hist.pool_size.append(self.pool_size)
        hist.n_clones.append(int(len(self.sizes)))
        hist.largest_clone_fraction.append(largest)
        hist.shannon_diversity.append(shannon)
        total = self.sizes.sum()
        hist.mean_mutations_per_cell.append(float((self.mutations * self.sizes).sum() / total) if total else 0.0)
        drivers = self.selection_per_year > 0
        hist.driver_share.append(float(self.sizes[drivers].sum() / total) if total else 0.0)
        hist.max_panel_vaf.append(float(self.sizes[self.panel].max() / (2.0 * total)) if total and self.panel.any()
                                  else 0.0)
        top = getattr(self, "_track_top", 0)
        if top:
            n_before = len(hist.times_days) - 1
            for k in np.argsort(self.sizes)[::-1][:top]:
                cid = int(self.clone_ids[k])
                if cid not in hist.tracked:
                    hist.tracked[cid] = [0] * n_before
                    hist.tracked_info[cid] = (int(self.parent[k]), float(self.selection_per_year[k]),
                                              bool(self.panel[k]))
            ids = np.fromiter(hist.tracked, dtype=np.int64)
            pos = np.searchsorted(self.clone_ids, ids)  # clone ids stay sorted: filtering keeps order
            found = (pos < len(self.clone_ids)) & (self.clone_ids[np.minimum(pos, len(self.clone_ids) - 1)] == ids)
            for cid, k, ok in zip(ids, pos, found, strict=True):
                hist.tracked[int(cid)].append(int(self.sizes[k]) if ok else 0)
