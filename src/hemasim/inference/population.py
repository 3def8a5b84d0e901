"""Populations: a mixed-effects fit of typical values and between-patient variability (SAEM), and individual
fits with the population as prior (MAP, empirical Bayes).

Model (log-normal between-subject variability, log-normal residual error; equations in
docs/population_fitting.md):

    psi_i = log theta_i = mu + eta_i,      eta_i ~ N(0, diag(omega^2))
    log z_ij = log f(t_ij; theta_i) + e_ij,  e_ij ~ N(0, sigma^2)

:func:`saem` estimates (mu, omega^2, sigma^2) by stochastic approximation EM (Delyon, Lavielle & Moulines 1999;
Kuhn & Lavielle 2005; the Monolix / nlmixr2 "saem" method): the E-step draws each subject's psi_i by
Metropolis-Hastings (proposals from the population distribution, joint and one-component random walks), the
sufficient statistics are averaged with step sizes 1 (exploration) then 1/k (smoothing), and the M-step is in
closed form. Standard errors of (mu, omega^2) come from the observed Fisher information by Louis' formula on
conditional samples drawn at the estimate. Every E-step evaluates all subjects' predictions as one batch
(``predict(subjects, values)``: many parameter vectors at once on the lock-step kernel).

:func:`map_estimates` fits each subject alone, with the population distribution as prior: it minimises

    sum_j ((log z_ij - log f_ij) / sigma)^2 + sum_k ((psi_ik - mu_k) / omega_k)^2

by trust-region least squares, the finite-difference Jacobian evaluated as one batch of p + 1 vectors.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim._confidence import Z_95
from hemasim._progress import StageFn, tracked

if TYPE_CHECKING:
    from hemasim.parameters import ParameterSet as ParameterSetType

__all__ = ["MapFit", "PopulationData", "ProblemPredictor", "PopulationFit", "PopulationParameter", "Predictor", "SaemSettings",
           "VisualPredictiveCheck", "apply_population_set", "map_estimates", "population_parameter_set", "saem",
           "simulate_population", "visual_predictive_check"]

#: predict(subjects (M,) int, values (M, p) natural scale) -> (M, T) predictions at each subject's observation
#: slots (the columns of PopulationData.observations; NaN or anything where a subject has no observation)
Predictor = Callable[[np.ndarray, np.ndarray], np.ndarray]
_TINY = 1e-12


@dataclass(frozen=True)
class PopulationParameter:
    """One parameter with log-normal between-subject variability: starting typical value and omega (SD of log)."""

    name: str
    typical: float
    omega: float = 0.5

    def __post_init__(self) -> None:
        if not (self.typical > 0 and math.isfinite(self.typical)):
            raise ValueError(f"parameter {self.name}: typical value must be > 0 (log-normal), got {self.typical}")
        if not self.omega > 0:
            raise ValueError(f"parameter {self.name}: omega must be > 0, got {self.omega}")


@dataclass(frozen=True)
class PopulationData:
    """Observations (n_subjects, T), NaN-padded: row i holds subject i's measurements in its own slot order."""

    subjects: tuple[str, ...]
    observations: np.ndarray

    def __post_init__(self) -> None:
        z = np.asarray(self.observations, dtype=np.float64)
        if z.ndim != 2 or z.shape[0] != len(self.subjects):
            raise ValueError(f"observations must be (n_subjects={len(self.subjects)}, T), got {z.shape}")
        observed = np.isfinite(z)
        if np.any(z[observed] <= 0):
            raise ValueError("log-normal residual error: observations must be > 0")
        if not np.all(observed.any(axis=1)):
            raise ValueError("every subject needs at least one observation")

    @property
    def mask(self) -> np.ndarray:
        return np.isfinite(self.observations)

    @property
    def log_observations(self) -> np.ndarray:
        return np.log(np.where(self.mask, self.observations, 1.0))


@dataclass(frozen=True)
class SaemSettings:
    """Iterations (exploration with step 1, then smoothing with step 1/k), MCMC kernel steps per iteration,
    simulated annealing of the variances during exploration, the conditional sampling for standard errors."""

    exploration: int = 150
    smoothing: int = 100
    prior_proposals: int = 1
    joint_random_walks: int = 1
    component_random_walks: int = 1
    annealing: float = 0.95
    sigma_start: float = 0.5
    information_samples: int = 60
    seed: int = 0


@dataclass(frozen=True)
class PopulationFit:
    """Estimated typical values exp(mu), omegas (SD of log), residual sigma (log scale), their uncertainty,
    each subject's conditional mean of log theta, and the iteration trace (mu..., omega..., sigma)."""

    names: tuple[str, ...]
    typical: np.ndarray
    omega: np.ndarray
    sigma: float
    typical_ci: np.ndarray  # (p, 2) 95% interval of the typical values
    omega_ci: np.ndarray  # (p, 2) 95% interval of the omegas
    se_log_typical: np.ndarray
    se_omega_squared: np.ndarray
    conditional_mean_log: np.ndarray  # (n_subjects, p)
    trace: np.ndarray  # (iterations, 2p + 1)
    n_subjects: int
    n_observations: int
    method: str = "SAEM (stochastic approximation EM, Metropolis-Hastings E-step); SE by Louis' formula"
    settings: dict[str, Any] = field(default_factory=dict)

    def iiv_cv(self) -> np.ndarray:
        """The coefficient of variation of each log-normal (what a parameter set's ``iiv_cv`` holds)."""
        return np.sqrt(np.expm1(self.omega**2))

    def to_dict(self) -> dict[str, Any]:
        """Plain data (YAML/JSON): per parameter the typical value, omega, CV and intervals; sigma; the method."""
        params = {n: {"typical": float(self.typical[k]), "typical_ci95": [float(v) for v in self.typical_ci[k]],
                      "omega": float(self.omega[k]), "omega_ci95": [float(v) for v in self.omega_ci[k]],
                      "iiv_cv": float(self.iiv_cv()[k])} for k, n in enumerate(self.names)}
        return {"method": self.method, "n_subjects": self.n_subjects, "n_observations": self.n_observations,
                "residual_sigma_log": float(self.sigma), "parameters": params, "settings": self.settings}


@dataclass(frozen=True)
class MapFit:
    """One subject's MAP estimate (natural scale), its approximate 95% interval and the objective."""

    subject: str
    names: tuple[str, ...]
    values: np.ndarray
    ci: np.ndarray  # (p, 2)
    objective: float
    success: bool


# ------------------------------------------------------------------------------------------------ SAEM
@dataclass
class _Chain:
    """The E-step state: each subject's current psi, its residual sum of squares, and the kernels' scales."""

    psi: np.ndarray  # (N, p)
    rss: np.ndarray  # (N,)
    scale: np.ndarray  # (p,) random-walk scale in units of omega


def _rss(data: PopulationData, predict: Predictor, psi: np.ndarray) -> np.ndarray:
    """Each subject's sum of squared log residuals at ``psi`` (inf where a prediction is not positive/finite)."""
    subjects = np.arange(data.observations.shape[0])
    f = np.asarray(predict(subjects, np.exp(psi)), dtype=np.float64)
    mask = data.mask
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(mask, data.log_observations - np.log(np.maximum(f, _TINY)), 0.0)
    bad = np.any(mask & ~(np.isfinite(f) & (f > 0)), axis=1)
    out = np.sum(r**2, axis=1)
    out[bad] = np.inf
    return out


def _mh_step(chain: _Chain, proposal: np.ndarray, data: PopulationData, predict: Predictor, mu: np.ndarray,
             omega: np.ndarray, sigma: float, rng: np.random.Generator, with_prior: bool) -> np.ndarray:
    """One Metropolis-Hastings step for every subject at once; returns which subjects accepted."""
    rss_new = _rss(data, predict, proposal)
    log_ratio = -0.5 * (rss_new - chain.rss) / sigma**2
    if with_prior:  # random walks: the prior enters the ratio; prior proposals: it cancels
        log_ratio += -0.5 * np.sum(((proposal - mu) / omega) ** 2 - ((chain.psi - mu) / omega) ** 2, axis=1)
    accept = np.log(rng.random(len(rss_new))) < log_ratio
    chain.psi[accept] = proposal[accept]
    chain.rss[accept] = rss_new[accept]
    return accept


def _e_step(chain: _Chain, data: PopulationData, predict: Predictor, mu: np.ndarray, omega: np.ndarray,
            sigma: float, rng: np.random.Generator, settings: SaemSettings, iteration: int) -> None:
    n, p = chain.psi.shape
    for _ in range(settings.prior_proposals):
        _mh_step(chain, mu + omega * rng.standard_normal((n, p)), data, predict, mu, omega, sigma, rng, False)
    for _ in range(settings.joint_random_walks):
        step = chain.scale * omega * rng.standard_normal((n, p)) / math.sqrt(p)
        acc = _mh_step(chain, chain.psi + step, data, predict, mu, omega, sigma, rng, True)
        chain.scale *= 1.0 + 0.4 * (acc.mean() - 0.4)  # aim at ~40% acceptance (Monolix's default target)
    for c in range(settings.component_random_walks):
        k = (iteration * settings.component_random_walks + c) % p
        proposal = chain.psi.copy()
        proposal[:, k] += chain.scale[k] * omega[k] * rng.standard_normal(n)
        _mh_step(chain, proposal, data, predict, mu, omega, sigma, rng, True)


def saem(data: PopulationData, predict: Predictor, parameters: Sequence[PopulationParameter],
         settings: SaemSettings = SaemSettings(), progress: bool | StageFn = False) -> PopulationFit:
    """Fit typical values, omegas and the residual sigma by SAEM (see the module docstring)."""
    rng = np.random.default_rng(settings.seed)
    names = tuple(p.name for p in parameters)
    mu = np.log([p.typical for p in parameters])
    omega2 = np.array([p.omega for p in parameters]) ** 2
    sigma2 = settings.sigma_start**2
    n, n_obs = data.observations.shape[0], int(data.mask.sum())
    chain = _Chain(np.tile(mu, (n, 1)), np.zeros(n), np.full(len(names), 1.0))
    chain.rss = _rss(data, predict, chain.psi)
    if not np.all(np.isfinite(chain.rss)):
        raise ValueError("the starting typical values give non-positive or non-finite predictions")
    stats = [chain.psi.sum(0), (chain.psi**2).sum(0), float(chain.rss.sum())]
    total = settings.exploration + settings.smoothing
    trace = np.empty((total, 2 * len(names) + 1))
    for k in tracked(range(total), progress, "SAEM", transient=True):
        _e_step(chain, data, predict, mu, np.sqrt(omega2), math.sqrt(sigma2), rng, settings, k)
        gamma = 1.0 if k < settings.exploration else 1.0 / (k - settings.exploration + 2)
        new = [chain.psi.sum(0), (chain.psi**2).sum(0), float(chain.rss.sum())]
        stats = [s + gamma * (v - s) for s, v in zip(stats, new, strict=True)]
        mu = stats[0] / n
        omega2_new = np.maximum(stats[1] / n - mu**2, 1e-8)
        sigma2_new = max(float(stats[2]) / n_obs, 1e-10)
        if k < settings.exploration:  # simulated annealing: variances shrink at most by the factor per iteration
            omega2 = np.maximum(omega2_new, settings.annealing * omega2)
            sigma2 = max(sigma2_new, settings.annealing * sigma2)
        else:
            omega2, sigma2 = omega2_new, sigma2_new
        trace[k] = [*np.exp(mu), *np.sqrt(omega2), math.sqrt(sigma2)]
    samples = _conditional_samples(chain, data, predict, mu, np.sqrt(omega2), math.sqrt(sigma2), rng, settings)
    se_mu, se_w2 = _louis_standard_errors(samples, mu, omega2)
    omega = np.sqrt(omega2)
    w2_lo = np.maximum(omega2 - Z_95 * se_w2, 0.0)
    return PopulationFit(
        names, np.exp(mu), omega, math.sqrt(sigma2),
        np.column_stack([np.exp(mu - Z_95 * se_mu), np.exp(mu + Z_95 * se_mu)]),
        np.column_stack([np.sqrt(w2_lo), np.sqrt(omega2 + Z_95 * se_w2)]), se_mu, se_w2, samples.mean(axis=0),
        trace, n, n_obs, settings={k: getattr(settings, k) for k in settings.__dataclass_fields__})


def _conditional_samples(chain: _Chain, data: PopulationData, predict: Predictor, mu: np.ndarray,
                         omega: np.ndarray, sigma: float, rng: np.random.Generator, settings: SaemSettings
                         ) -> np.ndarray:
    """(S, N, p) draws of each subject's psi given its data at the final estimates (the E-step's kernels)."""
    out = np.empty((settings.information_samples, *chain.psi.shape))
    for s in range(settings.information_samples):
        _e_step(chain, data, predict, mu, omega, sigma, rng, settings, s)
        out[s] = chain.psi
    return out


def _louis_standard_errors(samples: np.ndarray, mu: np.ndarray, omega2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SE of mu and omega^2 from the observed information I = sum_i (E[-H_i | y_i] - Cov[s_i | y_i]) (Louis
    1982), s_i and H_i the complete-data score and Hessian of subject i for theta = (mu, omega^2)."""
    d = samples - mu  # (S, N, p)
    score = np.concatenate([d / omega2, -0.5 / omega2 + 0.5 * d**2 / omega2**2], axis=2)  # (S, N, 2p)
    p = len(mu)
    neg_h = np.zeros((samples.shape[1], 2 * p, 2 * p))
    idx = np.arange(p)
    neg_h[:, idx, idx] = 1.0 / omega2
    cross = (d / omega2**2).mean(axis=0)  # (N, p)
    neg_h[:, idx, p + idx] = cross
    neg_h[:, p + idx, idx] = cross
    neg_h[:, p + idx, p + idx] = (-0.5 / omega2**2 + (d**2).mean(axis=0) / omega2**3)
    centred = score - score.mean(axis=0)
    cov = np.einsum("sni,snj->nij", centred, centred) / max(samples.shape[0] - 1, 1)
    info = (neg_h - cov).sum(axis=0)
    try:
        var = np.diag(np.linalg.inv(info))
    except np.linalg.LinAlgError:
        return np.full(p, np.nan), np.full(p, np.nan)
    se = np.sqrt(np.where(var > 0, var, np.nan))
    return se[:p], se[p:]


# ------------------------------------------------------------------------------------------------ MAP
def map_estimates(data: PopulationData, predict: Predictor, names: Sequence[str], typical: np.ndarray,
                  omega: np.ndarray, sigma: float, step: float = 1e-4) -> list[MapFit]:
    """Each subject's MAP estimate with the population distribution (typical, omega: SD of log) as prior and the
    residual ``sigma`` (log scale); intervals from the Gauss-Newton covariance of log theta."""
    from scipy.optimize import least_squares  # lazily: scipy.optimize is slow to import

    mu = np.log(np.asarray(typical, dtype=np.float64))
    omega = np.asarray(omega, dtype=np.float64)
    p = len(mu)
    fits = []
    for i, subject in enumerate(data.subjects):
        mask = data.mask[i]
        log_z = data.log_observations[i, mask]
        rows = np.full(p + 1, i)

        def batch(psi_batch: np.ndarray, rows: np.ndarray = rows, mask: np.ndarray = mask,
                  log_z: np.ndarray = log_z) -> np.ndarray:
            f = np.asarray(predict(rows[:len(psi_batch)], np.exp(psi_batch)), dtype=np.float64)[:, mask]
            res = (np.log(np.maximum(f, _TINY)) - log_z) / sigma
            prior = (psi_batch - mu) / omega
            return np.concatenate([np.where(np.isfinite(res), res, 1e6), prior], axis=1)

        def jac(psi: np.ndarray, batch: Callable[[np.ndarray], np.ndarray] = batch) -> np.ndarray:
            pts = np.vstack([psi, psi + step * np.eye(p)])  # the base point and p steps: one batch
            r = batch(pts)
            return ((r[1:] - r[0]) / step).T

        res = least_squares(lambda psi, b=batch: b(psi[None])[0], mu.copy(), jac=jac, method="trf", x_scale=1.0)
        cov = _gauss_newton_covariance(res.jac)
        se = np.sqrt(np.diag(cov))
        fits.append(MapFit(subject, tuple(names), np.exp(res.x),
                           np.column_stack([np.exp(res.x - Z_95 * se), np.exp(res.x + Z_95 * se)]),
                           float(2.0 * res.cost), bool(res.success)))
    return fits


def _gauss_newton_covariance(jacobian: np.ndarray) -> np.ndarray:
    jtj = jacobian.T @ jacobian
    try:
        return np.asarray(np.linalg.inv(jtj))
    except np.linalg.LinAlgError:
        return np.full_like(jtj, np.nan)


# ------------------------------------------------------------------------------------------------ simulation
def simulate_population(predict: Predictor, n_subjects: int, typical: np.ndarray, omega: np.ndarray, sigma: float,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic data from known values: each subject's theta_i = typical * exp(omega * N(0, 1)), and
    observations z = f(theta_i) * exp(sigma * N(0, 1)) where the predictor has a slot. Returns (theta, z)."""
    typical = np.asarray(typical, dtype=np.float64)
    theta = typical * np.exp(np.asarray(omega) * rng.standard_normal((n_subjects, len(typical))))
    f = np.asarray(predict(np.arange(n_subjects), theta), dtype=np.float64)
    z = f * np.exp(sigma * rng.standard_normal(f.shape))
    return theta, z


def population_parameter_set(fit: PopulationFit, targets: Mapping[str, str], units: Mapping[str, str],
                             data: Sequence[str], problem: str) -> dict[str, Any]:
    """The population result as a fitted parameter set (the document ``hemasim fit`` writes, see
    hemasim.inference.fitted) whose rows also carry ``omega`` and ``iiv_cv``: loaded as a scenario's
    ``parameter_set``, the typical values replace the defaults and ``iiv_cv`` is the between-patient variability
    ``hemasim cohort`` draws from (log-normal, as cohort.sampling does). ``targets`` maps each fitted name to the
    run-record parameter name."""
    from hemasim import __version__

    rows = []
    for k, name in enumerate(fit.names):
        rows.append({"name": targets[name], "id": name, "value": float(fit.typical[k]), "unit": units[name],
                     "ci95": [float(v) for v in fit.typical_ci[k]], "omega": float(fit.omega[k]),
                     "iiv_cv": float(fit.iiv_cv()[k])})
    return {"name": f"{problem} (population fit)",
            "provenance": {"data": list(data), "problem": problem, "objective": float("nan"),
                           "method": fit.method, "residual_sigma_log": float(fit.sigma), "hemasim": __version__},
            "parameters": rows}


def apply_population_set(params: ParameterSetType, path: str | Path, *, skip_unknown: bool = False) -> ParameterSetType:
    """``params`` with the typical values and between-patient variability (``iiv_cv``) of a population set
    (:func:`population_parameter_set`, e.g. ``hemasim fit-population``'s population.yaml) for the parameters it
    names: what a cohort's ``draw_patients`` samples from (value * exp(omega N(0, 1)), clipped to the bounds; the
    typical value itself is refused outside them, :func:`~hemasim.inference.fitted.load_fitted_values`).
    Rows without ``iiv_cv`` change the value only. ``skip_unknown``: leave rows that name no parameter of
    ``params`` (drug-set values of a fitted set, applied by :func:`~hemasim.inference.fitted.fitted_model`) to
    the model build. ValueError naming the file and row for anything else."""
    from dataclasses import replace

    from hemasim.inference.fitted import load_fitted_values
    from hemasim.parameters import ParameterSet

    path = Path(path)
    fitted = load_fitted_values(path)  # checks the document, its values and their iiv_cv
    changed = {}
    for i, (name, value) in enumerate(fitted.values.items()):
        if name not in params:
            if skip_unknown:
                continue
            from hemasim.parameters import renamed_note

            renamed = renamed_note(name)
            raise ValueError(f"{path}: parameters.{i}.name: {name!r} is not a parameter of the set {params.name!r}"
                             + (f"; {renamed}" if renamed else ""))
        cv = fitted.iiv_cv.get(name)
        p = params[name]
        changed[name] = replace(p, value=value, provenance=fitted.provenance_of(name),  # within its bounds: loaded so
                                iiv_cv=p.iiv_cv if cv is None else cv,
                                iiv_source=p.iiv_source if cv is None else f"population fit ({path.name})")
    return ParameterSet.from_records(params.name, [changed.get(n, params[n]) for n in params])


# ------------------------------------------------------------------------------------------------ VPC
@dataclass(frozen=True)
class VisualPredictiveCheck:
    """Per time bin: the observed 5th/50th/95th percentiles and, for each, the median and 90% interval of the
    same percentile over replicate data sets simulated from the population model (columns of ``simulated``:
    percentile 5, 50, 95; rows: bins; last axis: 5%, 50%, 95% over replicates)."""

    bin_edges: np.ndarray  # (n_bins + 1,) days
    bin_centres: np.ndarray  # (n_bins,) median observation day in each bin
    observed: np.ndarray  # (n_bins, 3)
    simulated: np.ndarray  # (n_bins, 3, 3)
    n_replicates: int

    def inside(self) -> np.ndarray:
        """(n_bins, 3): whether each observed percentile lies within the 90% interval of its simulated one."""
        return (self.simulated[..., 0] <= self.observed) & (self.observed <= self.simulated[..., 2])

    def rows(self) -> list[dict[str, float]]:
        out = []
        for b in range(len(self.bin_centres)):
            row = {"bin_start_day": float(self.bin_edges[b]), "bin_end_day": float(self.bin_edges[b + 1]),
                   "day": float(self.bin_centres[b])}
            for k, q in enumerate((5, 50, 95)):
                row[f"observed_p{q}"] = float(self.observed[b, k])
                for j, where in enumerate(("low", "median", "high")):
                    row[f"simulated_p{q}_{where}"] = float(self.simulated[b, k, j])
            out.append(row)
        return out


#: a design whose observations fall on at most this many distinct days, each day with at least
#: :data:`NOMINAL_MIN_PER_DAY` of them, is binned by day (nominal times) in a VPC
NOMINAL_MAX_DAYS = 24
NOMINAL_MIN_PER_DAY = 3


def _vpc_bins(t_obs: np.ndarray, n_bins: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(edges, bin of each observation). ``n_bins`` None: one bin per observation day when the days are a
    nominal design (:data:`NOMINAL_MAX_DAYS`; a bin holding day 21, before a cycle's dose, with day 25, falling
    to its nadir, has no meaningful percentile), else 6 bins of equal numbers of observations; an int: that many
    equal-count bins."""
    days, counts = np.unique(t_obs, return_counts=True)
    if n_bins is None and len(days) <= NOMINAL_MAX_DAYS and counts.min() >= NOMINAL_MIN_PER_DAY:
        edges = np.concatenate([[days[0]], (days[:-1] + days[1:]) / 2, [days[-1]]])
        return edges, np.searchsorted(days, t_obs)
    edges = np.unique(np.quantile(t_obs, np.linspace(0.0, 1.0, (n_bins or 6) + 1)))
    return edges, np.clip(np.searchsorted(edges, t_obs, side="right") - 1, 0, len(edges) - 2)


def visual_predictive_check(data: PopulationData, predict: Predictor, days: Sequence[np.ndarray],
                            fit: PopulationFit, n_replicates: int = 100, n_bins: int | None = None, seed: int = 0
                            ) -> VisualPredictiveCheck:
    """Simulate ``n_replicates`` data sets like ``data`` (each subject's observation ``days``) from the fitted
    population (new subjects: theta = typical * exp(omega N(0,1)), log-normal residual error) as one batch, and
    compare percentiles per time bin (:func:`_vpc_bins`: the observation days of a nominal design, else bins
    holding equal numbers of observations)."""
    rng = np.random.default_rng(seed)
    n = len(data.subjects)
    subjects = np.tile(np.arange(n), n_replicates)
    theta = fit.typical * np.exp(fit.omega * rng.standard_normal((len(subjects), len(fit.typical))))
    f = np.asarray(predict(subjects, theta), dtype=np.float64)
    sim = f * np.exp(fit.sigma * rng.standard_normal(f.shape))
    t = np.full(data.observations.shape, np.nan)
    for i, d in enumerate(days):
        t[i, :len(d)] = d
    mask = data.mask
    t_obs, z_obs = t[mask], data.observations[mask]
    edges, which = _vpc_bins(t_obs, n_bins)
    sim_obs = sim.reshape(n_replicates, n, -1)[:, mask]  # (R, n_obs)
    quantiles = np.array([5.0, 50.0, 95.0])
    observed = np.empty((len(edges) - 1, 3))
    simulated = np.empty((len(edges) - 1, 3, 3))
    centres = np.empty(len(edges) - 1)
    for b in range(len(edges) - 1):
        sel = which == b
        centres[b] = np.median(t_obs[sel])
        observed[b] = np.percentile(z_obs[sel], quantiles)
        per_replicate = np.nanpercentile(sim_obs[:, sel], quantiles, axis=1)  # (3, R)
        simulated[b] = np.nanpercentile(per_replicate, quantiles, axis=1).T
    return VisualPredictiveCheck(edges, centres, observed, simulated, n_replicates)


# ------------------------------------------------------------------------------------------------ problems
class ProblemPredictor:
    """A :data:`Predictor` over a fitting problem of the core engine (:class:`hemasim.inference.problem.Problem`)
    whose conditions are the subjects: row m of a batch is condition ``subjects[m]`` with the problem's
    estimated model parameters (those with a ``target``) at ``values[m]`` and its fixed ones at their nominal
    values; a subject's slots are its measurement rows in file order. The rows of one subject are simulated as
    one batch on the lock-step kernel (the engine's stacked cohort)."""

    def __init__(self, problem: Any, engine: Any = None) -> None:
        from hemasim.inference.forward import KernelEngine

        self.problem = problem
        self.engine = engine if engine is not None else KernelEngine(rtol=problem.rtol)
        self.parameters = tuple(p for p in problem.estimated if p.target is not None)
        self.fixed = {p.target: p.nominal for p in problem.parameters if not p.estimate and p.target is not None}
        m = problem.measurements
        lloq = np.array([problem.observable(o).lloq or -np.inf for o in m.observable])
        if np.any(m.censored) or np.any(m.value < lloq):
            raise ValueError(f"{problem.problem_file or problem.name}: censored measurements (or values below an "
                             "observable's lloq) are not supported by the population fit")
        for row in np.flatnonzero(~(m.value > 0)):  # the residual error is log-normal whatever the problem's noise
            raise ValueError(f"{m.where(row)}, column value: {float(m.value[row]):g} is not > 0; the "
                             "population fit's residual error is log-normal, so every value must be > 0")
        self._rows = [np.nonzero(m.condition == c.id)[0] for c in problem.conditions]
        self.width = max(len(r) for r in self._rows)
        self._layout = []
        for rows in self._rows:
            specs = [problem.observable(o) for o in m.observable[rows]]
            times = np.unique(np.concatenate([[0.0], m.time_days[rows]]))
            observe = tuple(dict.fromkeys(s.hemasim for s in specs))
            self._layout.append((times, observe, np.searchsorted(times, m.time_days[rows]),
                                 np.array([observe.index(s.hemasim) for s in specs]), np.array([s.scale for s in specs])))

    def data(self) -> PopulationData:
        """The measurements as population data (subjects = conditions)."""
        z = np.full((len(self._rows), self.width), np.nan)
        for i, rows in enumerate(self._rows):
            z[i, :len(rows)] = self.problem.measurements.value[rows]
        return PopulationData(tuple(c.id for c in self.problem.conditions), z)

    def start(self) -> list[PopulationParameter]:
        """SAEM's start: each estimated model parameter at its nominal value, omega 0.5 (or its prior's SD on
        the log scale when the prior is log-normal or normal on a log scale)."""
        out = []
        for p in self.parameters:
            log_prior = p.prior is not None and (p.prior.kind == "lognormal"
                                                 or (p.prior.kind == "parameterScaleNormal" and p.scale == "log"))
            out.append(PopulationParameter(p.id, float(p.nominal), float(p.prior.sd) if log_prior else 0.5))
        return out

    def __call__(self, subjects: np.ndarray, values: np.ndarray) -> np.ndarray:
        out = np.full((len(subjects), self.width), np.nan)
        for s in np.unique(subjects):
            where = np.nonzero(subjects == s)[0]
            targets = [{**self.fixed, **{p.target: float(values[w, j]) for j, p in enumerate(self.parameters)}}
                       for w in where]
            times, observe, t_idx, o_idx, scale = self._layout[int(s)]
            sim = self.engine.simulate(self.problem.conditions[int(s)].source, targets, times, observe)
            out[where, :len(t_idx)] = sim[:, t_idx, o_idx] * scale
        return out
