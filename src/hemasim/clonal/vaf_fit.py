"""The driver landscape against the VAF spectrum of clonal haematopoiesis (Watson et al. 2020 compilation).

Data: data/watson2020_ch_vaf (nine blood-sequencing studies, one row per variant with its VAF and the carrier's
age; each study trimmed below its detection limit). Model: the clone model of :mod:`hemasim.clonal.ch` without
competition (a_p = 1/2): drivers arise at a constant rate in a pool of N HSCs with selection s ~ Gamma(shape,
rate) per year and grow as linear birth-death processes (Kendall 1948). A clone of n cells in a pool held at N
has VAF n / (2 (N + n)) (heterozygous; the share saturates at 1, so the VAF at 1/2, as Watson 2020 note).

Likelihood (detection-limit censoring). For a variant seen in study k at age t, its VAF is drawn from the
model's VAF density at age t *truncated* at the study's detection limit d_k: the probability of its bin is
(G(lo, t) - G(hi, t)) / G(d_k, t), with G(v, t) the expected number of driver clones at VAF >= v at age t. The
driver rate, the panel and the study size cancel from this conditional likelihood, so the VAFs identify the
selection law (shape, rate) given N and the division rate, and nothing else: not the panel fraction (which
needs the cohorts' age make-up, not in the file). Studies without ages (Jaiswal 2014, Genovese 2014) are left
out, so the fit uses no Jaiswal 2014 datum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import special

from hemasim._checkout import checkout_data, require_checkout_file
from hemasim._confidence import LR_STEP_95
from hemasim.clonal.ch import birth_death_rates, kendall_coefficients
from hemasim.clonal.engine import DAYS_PER_YEAR
from hemasim.parameters import ParameterSet, healthy_adult_parameters

#: GPL-3 data, kept outside the package (data/watson2020_ch_vaf/README.md)
WATSON_CSV = checkout_data("watson2020_ch_vaf", "all_studies_trimmed_all_genes.csv")


@dataclass(frozen=True)
class Study:
    participants: int  # people sequenced (Watson 2020 repository, "Study Totals")
    detection_limit_vaf: float  # VAF below which the study was trimmed (Watson 2020 repository, trim values)


#: Watson 2020 repository, 'Trimming the data.ipynb' (data/watson2020_ch_vaf/README.md): participants and the
#: trim VAF 10**(log10 value) of each study, as named in the compilation's ``study`` column
STUDIES: dict[str, Study] = {
    "Jaiswal2014": Study(17_182, 10 ** -1.25457125), "Genovese2014": Study(12_380, 10 ** -0.9231152),
    "ZinkWGS": Study(11_262, 10 ** -0.62646791), "McKerrel2015": Study(4_219, 10 ** -2.08092191),
    "Acuna2017": Study(2_006, 10 ** -2.81029625), "Coombs2017": Study(1_591, 10 ** -1.72142011),
    "Young2016": Study(20, 10 ** -3.00065193), "Young2019": Study(69, 10 ** -3.14773145),
    "Desai2018": Study(181, 10 ** -1.77252871)}

BIN_WIDTH_LOG10 = 0.1  # VAF bins of 0.1 in log10 from each study's detection limit up to VAF 1/2
MAX_VAF = 0.5


def load_watson_vafs(path: Path = WATSON_CSV, max_vaf: float = MAX_VAF):  # noqa: ANN201 - pandas DataFrame
    """The compilation with ``age`` as float years (NaN where the study gave none) and ``in_fit``: the row has an
    age and a VAF in [detection limit, ``max_vaf``) of its study (a cap below 1/2 leaves out the large clones,
    where competition, which the likelihood ignores, matters: a robustness check)."""
    import pandas as pd

    table = pd.read_csv(require_checkout_file(path, "Watson 2020 VAF compilation"))
    table["age"] = pd.to_numeric(table["age"], errors="coerce")
    limit = table["study"].map({k: s.detection_limit_vaf for k, s in STUDIES.items()})
    table["in_fit"] = table["age"].notna() & (table["VAF"] >= limit) & (table["VAF"] < max_vaf)
    return table


def study_bin_edges(detection_limit_vaf: float, max_vaf: float = MAX_VAF) -> np.ndarray:
    """VAF bin edges of a study: from its detection limit in steps of ``BIN_WIDTH_LOG10``, the last edge
    ``max_vaf`` (1/2: every VAF)."""
    n = int(np.floor(np.log10(max_vaf / detection_limit_vaf) / BIN_WIDTH_LOG10 + 1e-9))
    edges = detection_limit_vaf * 10.0 ** (BIN_WIDTH_LOG10 * np.arange(n + 1))
    return np.append(edges[edges < max_vaf * 10 ** (-BIN_WIDTH_LOG10 / 2)], max_vaf)


def selection_grid(n_points: int = 100, s_min: float = 1e-4, s_max: float = 1.0) -> np.ndarray:
    """Selection coefficients (per year) at which the clone model is tabulated; geometric."""
    return np.geomspace(s_min, s_max, n_points)


def gamma_bin_mass(s_grid: np.ndarray, shape: float, rate_years: float) -> np.ndarray:
    """Probability of each grid point under Gamma(shape, rate): the mass between geometric midpoints (the
    first point takes all mass below, the last all mass above)."""
    mids = np.sqrt(s_grid[1:] * s_grid[:-1])
    cdf = special.gammainc(shape, rate_years * mids)
    return np.diff(np.concatenate([[0.0], cdf, [1.0]]))


@dataclass(frozen=True)
class ClonePool:
    """The pool the VAFs come from: N HSCs dividing r times a year (the model's hsc_count and division interval)."""

    n_hsc: float
    divisions_per_year: float

    @classmethod
    def from_parameters(cls, parameters: ParameterSet | None = None) -> ClonePool:
        p = parameters if parameters is not None else healthy_adult_parameters()
        return cls(float(p.value("hsc_count")), DAYS_PER_YEAR / p.value("hsc_division_interval_days"))

    def cells_at_vaf(self, vaf: np.ndarray) -> np.ndarray:
        """Smallest clone (cells) with at least this VAF: n / (2 (N + n)) >= v."""
        v = np.asarray(vaf, float)
        below_half = v < MAX_VAF  # VAF 1/2 needs the whole pool and more: never reached
        return np.where(below_half, np.ceil(2.0 * v * self.n_hsc / np.where(below_half, 1.0 - 2.0 * v, 1.0)), np.inf)


def time_integrated_reach(pool: ClonePool, s_grid: np.ndarray, ages_years: np.ndarray, vaf_edges: np.ndarray,
                          n_tau: int = 160) -> np.ndarray:
    """(S, A, E): for a driver of selection s arising at a uniform time in [0, age], the integral over its
    arrival of the probability that it holds at least the cells of VAF edge e at the age (years; times the
    arrival rate per HSC-year and N it is G(e, age) for that s). Trapezoid over time since arrival."""
    r = pool.divisions_per_year
    b, d = birth_death_rates(0.5 * (1.0 + s_grid / r), r)  # (S,)
    k_minus_1 = pool.cells_at_vaf(vaf_edges) - 1.0  # (E,)
    out = np.zeros((len(s_grid), len(ages_years), len(vaf_edges)))
    for a, age in enumerate(ages_years):
        tau = np.linspace(0.0, age, n_tau)
        shape = (len(s_grid), n_tau)
        alpha, gamma = kendall_coefficients(np.broadcast_to(b[:, None], shape), np.broadcast_to(d[:, None], shape),
                                            np.broadcast_to(tau[None, :], shape))  # (S, T)
        with np.errstate(invalid="ignore"):  # inf cells (VAF 1/2) times log gamma: -inf, reach 0
            log_reach = (np.log1p(-np.minimum(alpha, 1.0 - 1e-16))[:, :, None]
                         + k_minus_1[None, None, :] * np.log(np.maximum(gamma, 1e-300))[:, :, None])  # (S, T, E)
        log_reach = np.nan_to_num(log_reach, nan=-np.inf)
        out[:, a, :] = np.trapezoid(np.exp(log_reach), tau, axis=1)
    return out


@dataclass
class StudyCounts:
    """One study's variants in the fit: counts per (age, VAF bin), and the model tabulated at its ages and edges."""

    name: str
    ages_years: np.ndarray  # (A,) distinct ages (whole years)
    edges: np.ndarray  # (E,) VAF bin edges, the first at the detection limit
    counts: np.ndarray  # (A, E - 1) variants per age and bin
    reach: np.ndarray = field(repr=False)  # (S, A, E) from time_integrated_reach

    def bin_probabilities(self, mass: np.ndarray) -> np.ndarray:
        """(A, E - 1): probability of each bin at each age, given the VAF lies between the first and last edge."""
        g = np.tensordot(mass, self.reach, axes=1)  # (A, E): G / (rate N) at each age and edge
        return -np.diff(g, axis=1) / np.maximum(g[:, :1] - g[:, -1:], 1e-300)

    def log_likelihood(self, mass: np.ndarray) -> float:
        return float((self.counts * np.log(np.maximum(self.bin_probabilities(mass), 1e-300))).sum())

    def expected_counts(self, mass: np.ndarray) -> np.ndarray:
        """(E - 1,): expected variants per bin given each variant's age (the conditional model)."""
        return (self.counts.sum(axis=1)[:, None] * self.bin_probabilities(mass)).sum(axis=0)


def study_counts(table, pool: ClonePool, s_grid: np.ndarray,  # noqa: ANN001 - DataFrame
                 max_vaf: float = MAX_VAF) -> list[StudyCounts]:
    """The binned variants of every study with ages (up to ``max_vaf``, as loaded), and the model tabulated
    for each."""
    out = []
    for name, rows in table[table["in_fit"]].groupby("study"):
        edges = study_bin_edges(STUDIES[str(name)].detection_limit_vaf, max_vaf)
        ages = np.round(rows["age"].to_numpy(float))
        distinct = np.unique(ages)
        bins = np.clip(np.searchsorted(edges, rows["VAF"].to_numpy(float), side="right") - 1, 0, len(edges) - 2)
        counts = np.zeros((len(distinct), len(edges) - 1))
        np.add.at(counts, (np.searchsorted(distinct, ages), bins), 1.0)
        out.append(StudyCounts(str(name), distinct, edges, counts,
                               time_integrated_reach(pool, s_grid, distinct, edges)))
    return out


PROFILE_DROP = LR_STEP_95  # chi2_1(0.95) / 2: the 95% profile-likelihood interval


@dataclass
class VAFFit:
    """Maximum-likelihood selection law, with the data and grid to profile it."""

    shape: float
    rate_years: float
    log_likelihood: float
    n_variants: int
    studies: list[StudyCounts] = field(repr=False)
    s_grid: np.ndarray = field(repr=False)

    @property
    def mean_selection_per_year(self) -> float:
        return self.shape / self.rate_years

    def log_likelihood_at(self, shape: float, rate_years: float) -> float:
        return total_log_likelihood(self.studies, self.s_grid, shape, rate_years)

    def profile(self, which: str, values: np.ndarray) -> np.ndarray:
        """Profile log-likelihood at each value of ``which`` (``shape``, ``mean`` selection per year or ``rate``):
        the other coordinate of (log shape, log mean) maximised, bounded to 1e-3..1e3 of its estimate."""
        from scipy.optimize import minimize_scalar

        best_shape, best_mean = np.log10(self.shape), np.log10(self.mean_selection_per_year)
        out = []
        for v in np.asarray(values, float):
            def negative(x: float, v: float = v) -> float:
                shape, mean = {"shape": (v, 10 ** x), "mean": (10 ** x, v), "rate": (10 ** x, 10 ** x / v)}[which]
                return -self.log_likelihood_at(shape, shape / mean)

            centre = best_mean if which == "shape" else best_shape
            res = minimize_scalar(negative, bounds=(centre - 3.0, centre + 3.0), method="bounded",
                                  options={"xatol": 1e-4})
            out.append(-float(res.fun))
        return np.array(out)

    def profile_interval(self, which: str, n_points: int = 121, span_log10: float = 1.5) -> tuple[float, float]:
        """95% profile-likelihood interval of ``shape``, ``mean`` or ``rate`` (linear interpolation of the profile
        on a log grid of +-``span_log10`` decades around the estimate; an end of the grid means 'at least')."""
        estimate = {"shape": self.shape, "mean": self.mean_selection_per_year, "rate": self.rate_years}[which]
        log_values = np.log10(estimate) + np.linspace(-span_log10, span_log10, n_points)
        drop = self.log_likelihood - self.profile(which, 10 ** log_values)  # >= 0 up to the optimiser's tolerance
        inside = np.flatnonzero(drop <= PROFILE_DROP)
        ends = []
        # each end interpolated to where the drop crosses PROFILE_DROP between the outermost point inside and the
        # next one out (the points themselves fell up to one grid step, ~6%, short of it); a grid end stays
        for end, beyond in ((inside.min(), inside.min() - 1), (inside.max(), inside.max() + 1)):
            at = log_values[end]
            if 0 <= beyond < n_points:
                at += (PROFILE_DROP - drop[end]) / (drop[beyond] - drop[end]) * (log_values[beyond] - at)
            ends.append(float(10 ** at))
        return ends[0], ends[1]


def total_log_likelihood(studies: list[StudyCounts], s_grid: np.ndarray, shape: float, rate_years: float) -> float:
    mass = gamma_bin_mass(s_grid, shape, rate_years)
    return sum(s.log_likelihood(mass) for s in studies)


def fit_selection_law(studies: list[StudyCounts], s_grid: np.ndarray, *, n_grid: int = 25,
                      log10_shape_range: tuple[float, float] = (-1.5, 1.0),
                      log10_mean_range: tuple[float, float] = (-3.0, 0.0)) -> VAFFit:
    """Grid search then Nelder-Mead over (log shape, log mean selection per year)."""
    from scipy.optimize import minimize

    log_shape = np.linspace(*log10_shape_range, n_grid)
    log_mean = np.linspace(*log10_mean_range, n_grid)
    ll = np.array([[total_log_likelihood(studies, s_grid, 10 ** a, 10 ** a / 10 ** m) for m in log_mean]
                   for a in log_shape])
    i, j = np.unravel_index(np.argmax(ll), ll.shape)

    def negative(x: np.ndarray) -> float:
        return -total_log_likelihood(studies, s_grid, 10 ** x[0], 10 ** x[0] / 10 ** x[1])

    best = minimize(negative, np.array([log_shape[i], log_mean[j]]), method="Nelder-Mead",
                    options={"xatol": 1e-5, "fatol": 1e-7})
    shape, mean = 10 ** best.x[0], 10 ** best.x[1]
    n_variants = int(sum(s.counts.sum() for s in studies))
    return VAFFit(shape, shape / mean, -float(best.fun), n_variants, studies, s_grid)


def bootstrap_selection_law(studies: list[StudyCounts], s_grid: np.ndarray, n_boot: int = 100,
                            seed: int = 0) -> np.ndarray:
    """(n_boot, 2) of (shape, rate per year) refitted to variants resampled with replacement within each study
    (multinomial over its (age, bin) cells): the nonparametric bootstrap of the fit."""
    rng = np.random.default_rng(seed)
    out = np.empty((n_boot, 2))
    for b in range(n_boot):
        resampled = []
        for study in studies:
            n = int(study.counts.sum())
            counts = rng.multinomial(n, study.counts.ravel() / n).reshape(study.counts.shape).astype(float)
            resampled.append(StudyCounts(study.name, study.ages_years, study.edges, counts, study.reach))
        fit = fit_selection_law(resampled, s_grid, n_grid=13)
        out[b] = fit.shape, fit.rate_years
    return out
