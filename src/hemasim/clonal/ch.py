"""Clonal haematopoiesis (CH) across virtual populations: driver clones arising and competing in a held
HSC pool over whole lifespans, CH prevalence by age and VAF distributions.

Model (docs/clonal.md). Each person has a pool of N* HSCs (``hsc_count``, Lee-Six 2018) held constant by
the niche. Driver mutations arise in wild-type HSCs at ``driver_mutations_per_hsc_year`` with selection
coefficients s ~ Gamma(shape, rate) per year (Spencer Chapman 2024 ABC posterior, the model of Mitchell
2022). A driver clone's daughters stay HSCs with probability a_i = a_p (1 + s T_div / 365.25), where a_p
is the person's wild-type probability; holding the pool exactly gives a_p = N* / (2 sum_i n_i (1 + adv_i)),
so a_p = 1/2 while clones are small and falls as they grow (logistic competition). A clone is then a
linear birth-death process with birth r a_i^2 and death r (1 - a_i)^2 per cell (r = 1 / T_div, Catlin
2011); its size is advanced *exactly* over each step with Kendall's (1948) transient distribution
(``kendall_step``), so steps may be long without tau-leap error; only a_p (and the wild-type cells new
drivers arise in) is held over a step, at its value at the step's start or predicted at its middle
(``competition``; docs/performance_clonal.md, "ninth session, branch chstep"). The wild type is N* minus the driver cells. A driver is detected by a CH gene
panel with probability ``ch_panel_driver_fraction`` (calibrated on target A1); CH is a panel driver at
variant allele fraction (VAF, heterozygous: clone share / 2) >= 2%.

Weak drivers (s below ``min_selection_per_year``) never reach a detectable size on their own (see
:func:`expected_ch_drivers`), but together they hold a share of the pool late in life, so they are followed
by their expected size (the mean of the same birth-death process) in a few bins of s per person, and
take part in the competition; only drivers with s >= ``min_selection_per_year`` are stochastic clones.
Drivers arise only in wild-type cells (no second hits).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import special

from hemasim._progress import StageFn, tracked
from hemasim.clonal.engine import DAYS_PER_YEAR
from hemasim.parameters import ParameterSet, healthy_adult_parameters

CH_VAF_THRESHOLD = 0.02  # Jaiswal 2014: CH = a somatic driver variant at VAF >= 2%


@dataclass(frozen=True)
class DriverLandscape:
    """How often drivers arise and how fit they are, and which a CH panel sees."""

    rate_per_hsc_year: float
    selection_shape: float
    selection_rate_years: float  # gamma rate: mean s = shape / rate (per year)
    panel_fraction: float

    def __post_init__(self) -> None:
        for name, ok in {"rate_per_hsc_year": self.rate_per_hsc_year >= 0, "selection_shape": self.selection_shape > 0,
                         "selection_rate_years": self.selection_rate_years > 0,
                         "panel_fraction": 0 <= self.panel_fraction <= 1}.items():
            if not ok:
                raise ValueError(f"DriverLandscape.{name} = {getattr(self, name)} is out of range")

    @classmethod
    def from_parameters(cls, parameters: ParameterSet | None = None) -> DriverLandscape:
        p = parameters if parameters is not None else healthy_adult_parameters()
        return cls(p.value("driver_mutations_per_hsc_year"), p.value("driver_selection_gamma_shape"),
                   p.value("driver_selection_gamma_rate_years"), p.value("ch_panel_driver_fraction"))

    def share_above(self, s_min: float) -> float:
        """Fraction of drivers with selection s >= ``s_min``."""
        return float(special.gammaincc(self.selection_shape, self.selection_rate_years * s_min))

    def weak_bins(self, s_min: float, n_bins: int = 8) -> tuple[np.ndarray, np.ndarray]:
        """(s, probability) of ``n_bins`` equal-mass bins of the drivers with s < ``s_min``; each bin is
        represented by its median."""
        hi = float(special.gammainc(self.selection_shape, self.selection_rate_years * s_min))
        mid = (np.arange(n_bins) + 0.5) / n_bins * hi
        s = special.gammaincinv(self.selection_shape, mid) / self.selection_rate_years if hi > 0 else np.zeros(n_bins)
        return s, np.full(n_bins, hi / n_bins)

    def sample_selection(self, rng: np.random.Generator, n: int, s_min: float = 0.0) -> np.ndarray:
        """``n`` selection coefficients (per year) drawn from the gamma law restricted to s >= ``s_min``."""
        lo = float(special.gammainc(self.selection_shape, self.selection_rate_years * s_min))
        u = lo + (1.0 - lo) * rng.random(n)
        return special.gammaincinv(self.selection_shape, np.minimum(u, 1.0 - 1e-16)) / self.selection_rate_years


def birth_death_rates(stay_probability: np.ndarray, division_rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-cell birth (symmetric self-renewal) and death (symmetric differentiation) rates."""
    a = np.clip(stay_probability, 0.0, 1.0)
    return division_rate * a * a, division_rate * (1.0 - a) ** 2


def kendall_coefficients(birth: np.ndarray, death: np.ndarray, t: np.ndarray | float
                         ) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, gamma) of a linear birth-death process started from one cell (Kendall 1948): after time
    ``t`` it is extinct with probability alpha, else its size is geometric on {1, 2, ...} with
    P(n) proportional to gamma^(n-1)."""
    birth, death = np.broadcast_arrays(np.asarray(birth, float), np.asarray(death, float))
    t = np.broadcast_to(np.asarray(t, float), birth.shape)
    lam = birth - death
    near_critical = np.abs(lam * t) < 1e-8
    em1 = np.expm1(np.where(near_critical, 0.0, lam * t))
    denom = birth * (em1 + 1.0) - death
    safe = np.where(near_critical | (denom == 0.0), 1.0, denom)
    critical = birth * t / (1.0 + birth * t)  # the lambda -> 0 limit of both
    alpha = np.where(near_critical, critical, death * em1 / safe)
    gamma = np.where(near_critical, critical, birth * em1 / safe)
    return np.clip(alpha, 0.0, 1.0), np.clip(gamma, 0.0, 1.0 - 1e-15)


def kendall_step(rng: np.random.Generator, sizes: np.ndarray, birth: np.ndarray, death: np.ndarray,
                 t: np.ndarray | float) -> np.ndarray:
    """Exact sizes after ``t`` of clones of ``sizes`` cells, each a linear birth-death process: the survivors
    among the founder cells are binomial, and each survivor's family is geometric, so the total is the
    survivors plus a negative-binomial number."""
    alpha, gamma = kendall_coefficients(birth, death, t)
    survivors = rng.binomial(sizes, 1.0 - alpha)
    extra = rng.negative_binomial(np.maximum(survivors, 1), 1.0 - gamma)
    return np.where(survivors > 0, survivors + extra, 0).astype(np.int64)


@dataclass
class CHCohortResult:
    """A virtual population followed from birth: per person and age, the largest panel-driver VAF and more."""

    ages_years: np.ndarray  # (A,)
    max_panel_vaf: np.ndarray  # (P, A): largest VAF of a panel driver
    max_driver_vaf: np.ndarray  # (P, A): largest VAF of any driver (panel or not)
    driver_share: np.ndarray  # (P, A): share of the HSC pool in driver clones
    clones_above_threshold: np.ndarray  # (P, A): driver clones (any) at VAF >= 2%
    #: driver clones alive at ``snapshot_ages``: person, age, VAF, selection per year, panel flag
    snapshots: dict[str, np.ndarray] = field(default_factory=dict)
    panel_fraction: float = 0.0
    seed: int = 0

    @property
    def n_people(self) -> int:
        return int(self.max_panel_vaf.shape[0])

    def _band(self, age_low: float, age_high: float) -> np.ndarray:
        cols = (self.ages_years >= age_low) & (self.ages_years < age_high)
        if not cols.any():
            raise ValueError(f"no simulated ages in [{age_low}, {age_high}); simulated up to {self.ages_years[-1]:g}")
        return cols

    def ch_probability(self, panel_fraction: float | None = None) -> np.ndarray:
        """(P, A): probability that a CH panel finds a driver at VAF >= 2% in each person at each age, over panel
        membership given the simulated clones: 1 - (1 - f)^(clones >= 2%)."""
        f = self.panel_fraction if panel_fraction is None else panel_fraction
        return 1.0 - (1.0 - f) ** self.clones_above_threshold

    def prevalence(self, age_low: float, age_high: float, panel_fraction: float | None = None) -> float:
        """CH prevalence (a panel driver at VAF >= 2%) over person-ages in [age_low, age_high), as in a
        cross-sectional study with ages uniform over the band. Whether a driver is in the panel does not
        change its growth, so this is the expectation over panel membership given the simulated clones,
        1 - (1 - f)^(clones >= 2%) (less noisy than :meth:`sampled_prevalence`, and any ``panel_fraction``
        can be asked of the same run)."""
        return float(self.ch_probability(panel_fraction)[:, self._band(age_low, age_high)].mean())

    def prevalence_standard_error(self, age_low: float, age_high: float, panel_fraction: float | None = None
                                  ) -> float:
        """Monte Carlo standard error of :meth:`prevalence` from the number of lifespans: people are independent, a
        person's ages in the band are not, so the spread of the people's band means / sqrt(people) (nan for one)."""
        per_person = self.ch_probability(panel_fraction)[:, self._band(age_low, age_high)].mean(axis=1)
        return float(per_person.std(ddof=1) / np.sqrt(len(per_person))) if len(per_person) > 1 else float("nan")

    def any_driver_clone(self) -> np.ndarray:
        """(P, A): whether each person has a driver clone at VAF >= 2% in any gene, a CH panel's or not (most drivers
        are in genes no CH panel sequences: this is not the CH that published studies count)."""
        return self.max_driver_vaf >= CH_VAF_THRESHOLD

    def any_driver_prevalence(self, age_low: float, age_high: float) -> float:
        """Share of person-ages in the band with a driver clone at VAF >= 2% in any gene (:meth:`any_driver_clone`)."""
        return float(self.any_driver_clone()[:, self._band(age_low, age_high)].mean())

    def sampled_prevalence(self, age_low: float, age_high: float, threshold: float = CH_VAF_THRESHOLD) -> float:
        """Share of person-ages in the band whose simulated panel drivers include one at VAF >= ``threshold``."""
        return float((self.max_panel_vaf[:, self._band(age_low, age_high)] >= threshold).mean())

    def prevalence_table(self, bands: Sequence[tuple[float, float]] = ((20, 30), (30, 40), (40, 50), (50, 60),
                                                                      (60, 70), (70, 80), (80, 90), (90, 101))):
        """Prevalence of CH (panel, VAF >= 2%) and of any driver clone >= 2% (in any gene) by age band (pandas)."""
        import pandas as pd

        rows = []
        for lo, hi in bands:
            cols = (self.ages_years >= lo) & (self.ages_years < hi)
            if not cols.any():
                continue
            rows.append({"age_band": f"{lo:g}-{hi - 1:g}", "ch_prevalence": self.prevalence(lo, hi),
                         "ch_prevalence_sampled": self.sampled_prevalence(lo, hi),
                         "any_driver_clone_2pct": self.any_driver_prevalence(lo, hi),
                         "median_driver_share": float(np.median(self.driver_share[:, cols]))})
        return pd.DataFrame(rows)


@dataclass
class _StrongDrivers:
    """The stochastic driver clones of a cohort, one entry per clone (extinct clones are dropped)."""

    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # person index
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # cells
    advantage: np.ndarray = field(default_factory=lambda: np.zeros(0))  # s T_div: relative stay-probability gain
    selection_per_year: np.ndarray = field(default_factory=lambda: np.zeros(0))
    panel: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))  # seen by a CH gene panel

    def add(self, owner: np.ndarray, sizes: np.ndarray, advantage: np.ndarray, selection_per_year: np.ndarray,
            panel: np.ndarray) -> None:
        self.owner = np.concatenate([self.owner, owner])
        self.sizes = np.concatenate([self.sizes, sizes])
        self.advantage = np.concatenate([self.advantage, advantage])
        self.selection_per_year = np.concatenate([self.selection_per_year, selection_per_year])
        self.panel = np.concatenate([self.panel, panel])

    def drop_extinct(self) -> None:
        alive = self.sizes > 0
        if not alive.all():
            self.owner, self.sizes, self.advantage = self.owner[alive], self.sizes[alive], self.advantage[alive]
            self.selection_per_year, self.panel = self.selection_per_year[alive], self.panel[alive]

    def cells_per_person(self, n_people: int) -> np.ndarray:
        return np.bincount(self.owner, weights=self.sizes, minlength=n_people)


@dataclass
class _CohortRecord:
    """What :func:`simulate_ch_cohort` records: per person and whole year, and clones at snapshot ages."""

    ages: np.ndarray
    n_people: int
    max_panel: np.ndarray = field(init=False)
    max_any: np.ndarray = field(init=False)
    share: np.ndarray = field(init=False)
    above: np.ndarray = field(init=False)
    snapshots: dict[str, list[np.ndarray]] = field(init=False)

    def __post_init__(self) -> None:
        shape = (self.n_people, len(self.ages))
        self.max_panel, self.max_any = np.zeros(shape), np.zeros(shape)
        self.share, self.above = np.zeros(shape), np.zeros(shape, dtype=np.int32)
        self.snapshots = {k: [] for k in ("person", "age_years", "vaf", "selection_per_year", "panel")}

    def year(self, j: int, clones: _StrongDrivers, driver_cells: np.ndarray, n_star: float) -> None:
        """Record whole year ``j``: largest VAFs, the pool's driver share, clones at VAF >= 2%."""
        vaf = clones.sizes / (2.0 * n_star)
        np.maximum.at(self.max_any[:, j], clones.owner, vaf)
        np.maximum.at(self.max_panel[:, j], clones.owner[clones.panel], vaf[clones.panel])
        self.share[:, j] = driver_cells / n_star
        self.above[:, j] = np.bincount(clones.owner[vaf >= CH_VAF_THRESHOLD], minlength=self.n_people)

    def snapshot(self, age_years: float, clones: _StrongDrivers, n_star: float) -> None:
        """The clones at VAF >= 0.1% (what deep sequencing could see) at ``age_years``."""
        keep = clones.sizes >= 0.001 * 2.0 * n_star
        self.snapshots["person"].append(clones.owner[keep])
        self.snapshots["age_years"].append(np.full(int(keep.sum()), age_years))
        self.snapshots["vaf"].append(clones.sizes[keep] / (2.0 * n_star))
        self.snapshots["selection_per_year"].append(clones.selection_per_year[keep])
        self.snapshots["panel"].append(clones.panel[keep])

    def result(self, panel_fraction: float, seed: int) -> CHCohortResult:
        snapshots = {k: (np.concatenate(v) if v else np.zeros(0)) for k, v in self.snapshots.items()}
        return CHCohortResult(self.ages, self.max_panel, self.max_any, self.share, self.above, snapshots,
                              panel_fraction, seed)


@dataclass(frozen=True)
class _PoolDynamics:
    """The fixed quantities of a cohort's HSC pools and driver arrivals."""

    n_star: float  # HSCs held by the niche
    divisions_per_year: float  # r: divisions per cell per year
    landscape: DriverLandscape
    min_selection_per_year: float  # stochastic clones from this selection up; weaker ones by their expectation
    strong_arrivals_per_cell_year: float  # new drivers with s >= min_selection_per_year, per wild-type cell-year
    weak_probability: np.ndarray  # the share of drivers in each weak selection bin
    weak_advantage: np.ndarray  # s T_div of each weak bin (its median s)

    @property
    def division_interval_years(self) -> float:
        return 1.0 / self.divisions_per_year


def _check_cohort_arguments(n_people: int, step_years: float, max_age_years: float) -> None:
    if n_people < 1:
        raise ValueError(f"n_people must be >= 1 (got {n_people})")
    if not 0 < step_years <= 1 or not (1.0 / step_years).is_integer():
        raise ValueError(f"step_years must divide a year (1, 0.5, 0.25, ...); got {step_years}")
    if not 0 < max_age_years <= 120:
        raise ValueError(f"max_age_years must be in (0, 120] (got {max_age_years})")


def simulate_ch_cohort(n_people: int, *, max_age_years: float = 100.0, seed: int | np.random.SeedSequence = 0,
                       step_years: float = 1.0,
                       pool_size: int | None = None, landscape: DriverLandscape | None = None,
                       parameters: ParameterSet | None = None, min_selection_per_year: float = 0.05,
                       snapshot_ages: Sequence[float] = (50.0, 70.0, 90.0), progress: bool | StageFn = False,
                       kernel: Literal["numba", "numpy"] = "numba", workers: int | None = 1,
                       competition: Literal["midpoint", "held"] = "midpoint") -> CHCohortResult:
    """Follow ``n_people`` HSC pools from birth to ``max_age_years``, recording every whole year.

    Same ``seed`` and ``n_people`` give identical output, bit for bit. ``kernel="numba"`` (default) runs each
    lifespan compiled (:func:`hemasim.clonal._kernels.ch_lifespans`; docs/performance_clonal.md) from its own
    random stream, seeded by the SeedSequence of ``seed`` and the person's index: person i is the same in any
    cohort of the same seed that has an i-th person, whatever ``workers`` (threads; None: every core).
    ``kernel="numpy"`` is the reference it is tested against: the same model and laws, drawn differently (one
    generator for the cohort), so the two agree in distribution, not number for number. The compiled kernel
    draws selections from the gamma law of the landscape's fields; a landscape whose class overrides
    ``sample_selection`` runs the numpy step.

    Each clone's size is drawn exactly over a step of ``step_years`` with its rates held; the only rates that
    change within a step are the competition's (the wild type's stay probability a_p) and the wild-type cells
    that new drivers arise in. ``competition="held"`` takes both at the step's start (first order in the step);
    ``"midpoint"`` predicts both at its middle from their expected drift (:func:`_midpoint_competition`, second
    order). The convergence study behind the defaults: docs/performance_clonal.md (branch chstep).
    """
    if kernel not in ("numba", "numpy"):
        raise ValueError(f"kernel must be 'numba' or 'numpy' (got {kernel!r})")
    if competition not in ("midpoint", "held"):
        raise ValueError(f"competition must be 'midpoint' or 'held' (got {competition!r})")
    p = parameters if parameters is not None else healthy_adult_parameters()
    land = landscape if landscape is not None else DriverLandscape.from_parameters(p)
    _check_cohort_arguments(n_people, step_years, max_age_years)
    r = DAYS_PER_YEAR / p.value("hsc_division_interval_days")  # divisions per cell per year
    weak_s, weak_p = land.weak_bins(min_selection_per_year)
    pool = _PoolDynamics(n_star=float(p.value("hsc_count") if pool_size is None else pool_size),
                         divisions_per_year=r, landscape=land, min_selection_per_year=min_selection_per_year,
                         strong_arrivals_per_cell_year=land.rate_per_hsc_year * land.share_above(min_selection_per_year),
                         weak_probability=weak_p, weak_advantage=weak_s * (1.0 / r))
    record = _CohortRecord(np.arange(0, int(np.floor(max_age_years)) + 1, dtype=float), n_people)
    n_steps = int(round(record.ages[-1] / step_years))
    snapshot_steps = sorted({int(round(a / step_years)) for a in snapshot_ages if 0 < a <= max_age_years} & set(
        range(1, n_steps + 1)))
    base_seed = seed.entropy if isinstance(seed, np.random.SeedSequence) else seed
    if not isinstance(base_seed, int):  # a SeedSequence of simulate_ch_population: one integer entropy
        raise TypeError(f"seed must be an integer or a SeedSequence made from one (entropy {base_seed!r})")
    if kernel == "numpy" or type(land).sample_selection is not DriverLandscape.sample_selection:
        _run_numpy(np.random.default_rng(seed), pool, record, set(snapshot_steps), n_steps, step_years, competition,
                   progress)
    else:
        from hemasim.clonal._kernels import cohort_key  # numba: imported when a cohort first runs

        _run_lifespans(cohort_key(seed), pool, record, snapshot_steps, n_steps, step_years, competition, workers,
                       progress)
    return record.result(land.panel_fraction, base_seed)


def _run_numpy(rng: np.random.Generator, pool: _PoolDynamics, record: _CohortRecord, snapshot_steps: set[int],
               n_steps: int, step_years: float, competition: str, progress: bool | StageFn) -> None:
    """The cohort's steps in numpy (the reference of the compiled kernel)."""
    n_people = record.n_people
    weak_mass = np.zeros((n_people, len(pool.weak_advantage)))  # expected cells of weak drivers, per person and bin
    clones = _StrongDrivers()
    driver_cells = np.zeros(n_people)  # per person, kept up to date at the end of each step
    steps_per_year = int(round(1.0 / step_years))
    steps = tracked(range(1, n_steps + 1), progress, f"CH cohort ({n_people} lifespans)")
    for k in steps:
        weak_mass, driver_cells = _step(rng, pool, clones, weak_mass, driver_cells, step_years,
                                        competition == "midpoint")
        if k % steps_per_year == 0:
            record.year(k // steps_per_year, clones, driver_cells, pool.n_star)
        if k in snapshot_steps:
            record.snapshot(k * step_years, clones, pool.n_star)


#: people run by one call of the compiled kernel (their records and snapshot buffers in memory at once)
_LIFESPAN_BLOCK = 1024
#: room for this many clones at VAF >= 0.1% per person and snapshot (a person with more is run again with room)
_SNAPSHOT_ROOM = 64


def _run_lifespans(key: np.ndarray, pool: _PoolDynamics, record: _CohortRecord, snapshot_steps: list[int],
                   n_steps: int, step_years: float, competition: str, workers: int | None,
                   progress: bool | StageFn) -> None:
    """Every person's lifespan in the compiled kernel, a block of people per call, ``workers`` threads."""
    import numba

    from hemasim.clonal import _kernels  # numba: imported when a cohort first runs

    land = pool.landscape
    method, proposal_rate = _kernels.selection_method(land.selection_shape, land.selection_rate_years,
                                                      pool.min_selection_per_year)
    values = {"n_star": pool.n_star, "divisions_per_year": pool.divisions_per_year,
              "strong_arrivals_per_cell_year": pool.strong_arrivals_per_cell_year,
              "weak_arrivals_per_cell_year": land.rate_per_hsc_year, "selection_shape": land.selection_shape,
              "selection_rate_years": land.selection_rate_years,
              "min_selection_per_year": pool.min_selection_per_year, "proposal_rate": proposal_rate,
              "panel_fraction": land.panel_fraction}
    scalars = np.array([float(values[name]) for name in _kernels.POOL_FIELDS])
    steps = np.array(snapshot_steps, dtype=np.int64)
    fixed = (n_steps, int(round(1.0 / step_years)), step_years, competition == "midpoint", scalars,
             np.ascontiguousarray(pool.weak_probability, dtype=float),
             np.ascontiguousarray(pool.weak_advantage, dtype=float), method, steps)

    def run(people: np.ndarray, rows: slice | np.ndarray, room: int) -> tuple[np.ndarray, ...]:
        snaps = (np.zeros((len(people), len(steps)), np.int64), np.zeros((len(people), len(steps), room)),
                 np.zeros((len(people), len(steps), room)), np.zeros((len(people), len(steps), room), np.bool_))
        outputs = [np.zeros((len(people), len(record.ages))) for _ in range(3)]
        above = np.zeros((len(people), len(record.ages)), np.int32)
        _kernels.ch_lifespans(key, people, *fixed, *outputs, above, *snaps)  # type: ignore[call-arg]
        record.max_panel[rows], record.max_any[rows], record.share[rows] = outputs
        record.above[rows] = above
        return snaps

    most = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # the pool's size (numba has no stubs)
    threads = min(most, (os.cpu_count() or 1) if workers is None else max(1, workers))
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)
    blocks = tracked(range(0, record.n_people, _LIFESPAN_BLOCK), progress, f"CH cohort ({record.n_people} lifespans)")
    parts = []
    try:
        with numba.parallel_chunksize(1):  # lifespans differ in cost: threads take them one at a time
            for first in blocks:
                people = np.arange(first, min(first + _LIFESPAN_BLOCK, record.n_people), dtype=np.int64)
                count, *buffers = run(people, slice(people[0], people[-1] + 1), _SNAPSHOT_ROOM)
                crowded = np.flatnonzero((count > _SNAPSHOT_ROOM).any(axis=1))
                if crowded.size:  # the same people again (same streams, same clones) with room for every clone
                    room = int(count.max())
                    again = run(people[crowded], people[crowded], room)
                    buffers = [np.concatenate([b, np.zeros(b.shape[:2] + (room - b.shape[2],), b.dtype)], axis=2)
                               for b in buffers]
                    for b, new in zip(buffers, again[1:], strict=True):
                        b[crowded] = new
                parts.append((people, count, *buffers))
    finally:
        numba.set_num_threads(previous)
    for j, step in enumerate(snapshot_steps):
        for people, count, vaf, selection, panel in parts:
            keep = np.arange(vaf.shape[2])[None, :] < count[:, j, None]
            record.snapshots["person"].append(np.repeat(people, count[:, j]))
            record.snapshots["age_years"].append(np.full(int(count[:, j].sum()), step * step_years))
            record.snapshots["vaf"].append(vaf[:, j][keep])
            record.snapshots["selection_per_year"].append(selection[:, j][keep])
            record.snapshots["panel"].append(panel[:, j][keep])


def _midpoint_competition(pool: _PoolDynamics, a_p: np.ndarray, wild: np.ndarray, strong_load: np.ndarray,
                          strong_load2: np.ndarray, strong_cells: np.ndarray, weak_mass: np.ndarray, step_years: float
                          ) -> tuple[np.ndarray, np.ndarray]:
    """The wild type's stay probability and the wild-type cells at the middle of a step (per person), predicted
    from the expected drift of the load and of the driver cells at its start (an explicit midpoint step of the
    competition feedback: second order in the step where holding the start values is first order).

    A clone of n cells with advantage adv grows at lambda = r (2 a_p (1 + adv) - 1) per year in expectation, so
    the load L = sum n adv drifts at r (2 a_p (L + sum n adv^2) - L) and the strong cells C at
    r (2 a_p (C + L) - C); the weak bins likewise, plus their arrivals in wild-type cells. New strong drivers
    (about 13 cells a year against a drift of thousands late in life) are left out of the drift."""
    r, n_star, weak_adv = pool.divisions_per_year, pool.n_star, pool.weak_advantage
    r2a = 2.0 * a_p * r
    load_drift = r2a * (strong_load + strong_load2) - r * strong_load
    cells_drift = r2a * (strong_cells + strong_load) - r * strong_cells
    growth = ((r2a[:, None] * (1.0 + weak_adv[None, :]) - r) * weak_mass
              + pool.landscape.rate_per_hsc_year * pool.weak_probability[None, :] * wild[:, None])
    load_drift = load_drift + growth @ weak_adv
    cells_drift = cells_drift + growth.sum(axis=1)
    load = strong_load + weak_mass @ weak_adv + 0.5 * step_years * load_drift
    driver_cells = strong_cells + weak_mass.sum(axis=1) + 0.5 * step_years * cells_drift
    return 0.5 * n_star / (n_star + np.maximum(load, 0.0)), np.clip(n_star - driver_cells, 0.0, n_star)


def _step(rng: np.random.Generator, pool: _PoolDynamics, clones: _StrongDrivers, weak_mass: np.ndarray,
          driver_cells: np.ndarray, step_years: float, midpoint: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Advance every person's pool by one step: grow the strong clones exactly, the weak drivers by their
    expectation, add new strong drivers and hold the pool. Returns the weak drivers' mass and the driver
    cells per person at the end of the step. ``midpoint``: the competition and the wild-type cells are taken at
    the step's middle (:func:`_midpoint_competition`), else at its start."""
    n_people = len(driver_cells)
    r, n_star, weak_adv = pool.divisions_per_year, pool.n_star, pool.weak_advantage
    # the person's wild-type stay probability that holds the pool (a_p = 1/2 while drivers are few)
    strong_load = np.bincount(clones.owner, weights=clones.sizes * clones.advantage, minlength=n_people)
    load = strong_load + weak_mass @ weak_adv
    a_p = 0.5 * n_star / (n_star + load)
    wild = np.maximum(n_star - driver_cells, 0.0)
    if midpoint:
        a_p, wild = _midpoint_competition(
            pool, a_p, wild, strong_load,
            np.bincount(clones.owner, weights=clones.sizes * clones.advantage ** 2, minlength=n_people),
            clones.cells_per_person(n_people), weak_mass, step_years)
    if len(clones.sizes):
        b, d = birth_death_rates(a_p[clones.owner] * (1.0 + clones.advantage), r)
        clones.sizes = kendall_step(rng, clones.sizes, b, d, step_years)
    # weak drivers: the expected size of the same process, with arrivals spread over the step
    lam_dt = r * (2.0 * a_p[:, None] * (1.0 + weak_adv[None, :]) - 1.0) * step_years
    grown = np.where(np.abs(lam_dt) > 1e-12, np.expm1(lam_dt) / np.where(lam_dt == 0, 1.0, lam_dt), 1.0)
    arrivals = pool.landscape.rate_per_hsc_year * pool.weak_probability[None, :] * wild[:, None] * step_years
    weak_mass = weak_mass * np.exp(lam_dt) + arrivals * grown
    _add_new_strong_drivers(rng, pool, clones, a_p, wild, step_years)
    clones.drop_extinct()
    # the pool is held: if drivers overfill it (a rare overshoot within a step), rescale them
    driver_cells = clones.cells_per_person(n_people) + weak_mass.sum(axis=1)
    over = driver_cells > n_star
    if over.any():
        scale = np.where(over, n_star / np.maximum(driver_cells, 1.0), 1.0)
        clones.sizes = np.maximum(np.floor(clones.sizes * scale[clones.owner]).astype(np.int64), 1)
        weak_mass *= scale[:, None]
        driver_cells = clones.cells_per_person(n_people) + weak_mass.sum(axis=1)
    return weak_mass, driver_cells


def _add_new_strong_drivers(rng: np.random.Generator, pool: _PoolDynamics, clones: _StrongDrivers, a_p: np.ndarray,
                            wild: np.ndarray, step_years: float) -> None:
    """New strong drivers in wild-type cells: arrival uniform in the step, grown exactly to its end."""
    n_new = rng.poisson(pool.strong_arrivals_per_cell_year * wild * step_years)
    total_new = int(n_new.sum())
    if not total_new:
        return
    new_owner = np.repeat(np.arange(len(wild)), n_new)
    new_sel = pool.landscape.sample_selection(rng, total_new, pool.min_selection_per_year)
    new_adv = new_sel * pool.division_interval_years
    b, d = birth_death_rates(a_p[new_owner] * (1.0 + new_adv), pool.divisions_per_year)
    new_sizes = kendall_step(rng, np.ones(total_new, dtype=np.int64), b, d, step_years * rng.random(total_new))
    new_panel = rng.random(total_new) < pool.landscape.panel_fraction
    clones.add(new_owner, new_sizes, new_adv, new_sel, new_panel)


def _chunk(args: tuple[int, int, int, dict[str, Any]]) -> CHCohortResult:  # a process-pool task
    n, seed, k, kwargs = args
    return simulate_ch_cohort(n, seed=np.random.SeedSequence(seed, spawn_key=(k,)), **kwargs)


def simulate_ch_population(n_people: int, *, seed: int = 0, chunk_size: int = 500, workers: int | None = 1,
                           progress: bool | StageFn = False, **kwargs: object) -> CHCohortResult:
    """A CH population of ``n_people`` lifespans on ``workers`` cores (None: all), its output independent of
    ``workers`` and of ``chunk_size``.

    With the compiled kernel (the default) this is :func:`simulate_ch_cohort` with ``workers`` threads (one
    lifespan per parallel task, each from its own stream: a larger population extends a smaller one person by
    person). With ``kernel="numpy"`` the people run in chunks of ``chunk_size`` in processes, chunk k drawing
    from SeedSequence(seed, spawn_key=(k,)) (the people of every full chunk do not depend on ``n_people``)."""
    if n_people < 1 or chunk_size < 1:
        raise ValueError(f"n_people and chunk_size must be >= 1 (got {n_people}, {chunk_size})")
    if kwargs.get("kernel", "numba") != "numpy":
        return simulate_ch_cohort(n_people, seed=seed, workers=workers, progress=progress, **kwargs)  # type: ignore[arg-type]
    sizes = [min(chunk_size, n_people - s) for s in range(0, n_people, chunk_size)]
    tasks = [(n, seed, k, kwargs) for k, n in enumerate(sizes)]
    n_workers = min(len(tasks), (os.cpu_count() or 1) if workers is None else max(1, workers))
    if n_workers == 1:
        parts = list(tracked(map(_chunk, tasks), progress, f"CH population ({len(tasks)} chunks)", total=len(tasks)))
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=n_workers) as processes:
            parts = list(tracked(processes.map(_chunk, tasks), progress, f"CH population ({len(tasks)} chunks)",
                                     total=len(tasks)))
    offsets = np.cumsum([0, *sizes[:-1]])
    snaps = {key: np.concatenate([p.snapshots[key] + (off if key == "person" else 0)
                                  for p, off in zip(parts, offsets, strict=True)]) for key in parts[0].snapshots}
    return CHCohortResult(
        parts[0].ages_years, max_panel_vaf=np.concatenate([p.max_panel_vaf for p in parts]),
        max_driver_vaf=np.concatenate([p.max_driver_vaf for p in parts]),
        driver_share=np.concatenate([p.driver_share for p in parts]),
        clones_above_threshold=np.concatenate([p.clones_above_threshold for p in parts]), snapshots=snaps,
        panel_fraction=parts[0].panel_fraction, seed=seed)


def expected_ch_drivers(age_years: float | np.ndarray, *, threshold: float = CH_VAF_THRESHOLD,
                        panel_only: bool = True, min_selection_per_year: float = 0.0, pool_size: int | None = None,
                        landscape: DriverLandscape | None = None, parameters: ParameterSet | None = None,
                        n_quadrature: int = 20_000, seed: int = 0) -> np.ndarray:
    """Expected number of (panel) driver clones at VAF >= ``threshold`` at ``age_years`` when clones grow
    independently (no competition; a_p = 1/2): the integral over arrival time and selection of Kendall's
    probability of reaching the threshold size, by Monte Carlo quadrature with a fixed seed. Prevalence
    is then about 1 - exp(-expected) (Poisson arrivals). An analytic check of the cohort simulation."""
    p = parameters if parameters is not None else healthy_adult_parameters()
    land = landscape if landscape is not None else DriverLandscape.from_parameters(p)
    n_star = float(p.value("hsc_count") if pool_size is None else pool_size)
    r = DAYS_PER_YEAR / p.value("hsc_division_interval_days")
    rng = np.random.default_rng(seed)
    s = land.sample_selection(rng, n_quadrature, min_selection_per_year)
    u = rng.random(n_quadrature)  # arrival at age u * A: time to grow (1 - u) * A
    k = np.ceil(threshold * 2.0 * n_star)
    b, d = birth_death_rates(0.5 * (1.0 + s / r), r)
    out = []
    for age in np.atleast_1d(np.asarray(age_years, float)):
        alpha, gamma = kendall_coefficients(b, d, (1.0 - u) * age)
        reach = (1.0 - alpha) * np.exp((k - 1.0) * np.log(np.maximum(gamma, 1e-300)))
        rate = land.rate_per_hsc_year * land.share_above(min_selection_per_year) * n_star * age
        out.append(rate * reach.mean() * (land.panel_fraction if panel_only else 1.0))
    return np.array(out)


def calibrate_panel_fraction(result: CHCohortResult, target_prevalence: float = 0.095,
                             band: tuple[float, float] = (70.0, 80.0)) -> float:
    """The panel fraction that gives ``target_prevalence`` of CH in the age ``band`` of a simulated cohort
    (Jaiswal 2014: 9.5% at 70-79; how ``ch_panel_driver_fraction`` was set)."""
    from scipy.optimize import brentq

    return float(brentq(lambda f: result.prevalence(*band, panel_fraction=f) - target_prevalence, 0.0, 1.0))
