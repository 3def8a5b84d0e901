"""Uncertainty: profile likelihoods with confidence intervals, identifiability, and a posterior sampler.

Profile of parameter j: fix theta_j on a grid walking away from the best fit in both directions, re-optimise
the others (L-BFGS-B, warm-started from the previous grid point) and record the objective. The 95% interval
is where the profile stays within chi2(0.95, 1)/2 = 1.92 of the best objective (likelihood-ratio test);
the grid points bracketing each end are brought closer (re-optimised between them) until the objective rises by
at most 1 across them, and the end is interpolated there on the signed root sqrt(objective - best), which is
linear in the parameter where the profile is quadratic; an end is open (None) when the profile reaches a bound
without crossing the threshold. Where a re-optimisation of the walk finds an objective below the one at ``best``
(a fit stopped short of its optimum), the best objective is that lowest point and both ends are read again from it.
A parameter is *identifiable* when both ends are finite, *practically non-identifiable* when one is open,
*non-identifiable* when both are.

The sampler is an adaptive Metropolis (Haario et al. 2001) running several chains in lock-step, so each
step's proposals are evaluated as one batch; it samples exp(-objective) on the estimation scale (uniform
priors within the bounds unless a parameter has its own prior). ``emcee``, when installed
(``pip install hemasim[fit]``), is used instead with ``backend="emcee"``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hemasim._confidence import CHI2_95_1DOF, LR_STEP_95
from hemasim.inference.objective import Objective

__all__ = ["CHI2_95_1DOF", "PosteriorSample", "Profile", "identifiability", "profile_likelihood", "sample_posterior"]


@dataclass(frozen=True)
class Profile:
    """One parameter's profile: grid (estimation scale, increasing), objective minima, the CI (natural)."""

    name: str
    grid: np.ndarray
    natural: np.ndarray
    objective: np.ndarray
    best_objective: float
    ci_lower: float | None
    ci_upper: float | None
    estimate: float
    #: "lower" or "upper" where the profile's lowest point lies on that bound of the parameter (its interval open
    #: there: the bound ends it, not the data), else ""
    at_bound: str = ""

    @property
    def threshold(self) -> float:
        return self.best_objective + LR_STEP_95

    @property
    def status(self) -> str:
        open_ends = (self.ci_lower is None) + (self.ci_upper is None)
        return ("identifiable", "practically non-identifiable", "non-identifiable")[open_ends]


def _reoptimise(objective: Objective, j: int, value: float, start: np.ndarray) -> tuple[float, np.ndarray]:
    """Minimum of the objective with theta_j fixed at ``value`` (the others free from ``start``)."""
    from scipy.optimize import minimize

    free = [k for k in range(objective.n_parameters) if k != j]
    x = start.copy()
    x[j] = value
    if not free:
        return float(objective(x[None])[0]), x

    def fg(z: np.ndarray) -> tuple[float, np.ndarray]:
        full = x.copy()
        full[free] = z
        f, g = objective.value_and_gradient(full)
        return f, g[free]

    res = minimize(fg, x[free], jac=True, method="L-BFGS-B",
                   bounds=[(objective.lower[k], objective.upper[k]) for k in free],
                   options={"maxiter": 100, "ftol": 1e-10, "gtol": 1e-6})
    x[free] = res.x
    return float(res.fun), x


#: a bracket of the 95% crossing is narrowed until the objective rises by at most this much across it (at most
#: :data:`MAX_REFINEMENTS` re-optimisations): the step that first crosses the threshold can rise far past it
#: (informative data: the first 2% step of a log10 span rose 5.6), and the crossing inside it is interpolated
REFINE_RISE = 1.0
MAX_REFINEMENTS = 4


def _root_crossing(lo: tuple[float, float], hi: tuple[float, float], f_best: float) -> float:
    """Where the signed root of the likelihood ratio, sqrt(objective - best), reaches sqrt(1.92) between the
    grid points ``lo`` (below the threshold) and ``hi`` (at or above it), each (value, objective), interpolated
    linearly: exact for a quadratic profile, where a linear interpolation of the objective itself puts the end
    too near the optimum (by 42% of the step when the step rises to 5.6)."""
    r_lo, r_hi = (float(np.sqrt(max(f - f_best, 0.0))) for f in (lo[1], hi[1]))
    target = float(np.sqrt(LR_STEP_95))
    frac = (target - r_lo) / (r_hi - r_lo) if r_hi > r_lo else 1.0
    return lo[0] + min(max(frac, 0.0), 1.0) * (hi[0] - lo[0])


def _walk(objective: Objective, j: int, best: np.ndarray, f_best: float, direction: int, max_points: int
          ) -> tuple[list[float], list[float], float | None]:
    """Grid points (in walking order) and minima walking from ``best`` in ``direction``; the crossing (scaled)."""
    limit = objective.upper[j] if direction > 0 else objective.lower[j]
    span = objective.upper[j] - objective.lower[j]
    step = 0.02 * span
    threshold = f_best + LR_STEP_95
    grid: list[float] = []
    values: list[float] = []
    x, last_v, last_f = best.copy(), best[j], f_best
    for _ in range(max_points):
        if abs(last_v - limit) < 1e-12:
            return grid, values, None
        v = last_v + direction * step
        v = min(v, limit) if direction > 0 else max(v, limit)
        f, x_v = _reoptimise(objective, j, v, x)
        grid.append(v)
        values.append(f)
        if f >= threshold:
            lo, hi = (last_v, last_f), (v, f)
            for _ in range(MAX_REFINEMENTS):
                if hi[1] - lo[1] <= REFINE_RISE:
                    break
                # the signed-root estimate, kept off the bracket's ends (a bisection where it would stall)
                guess = _root_crossing(lo, hi, f_best)
                mid = lo[0] + min(max((guess - lo[0]) / (hi[0] - lo[0]), 0.2), 0.8) * (hi[0] - lo[0])
                f_mid, x_mid = _reoptimise(objective, j, mid, x)
                grid.append(mid)
                values.append(f_mid)
                if f_mid >= threshold:
                    hi = (mid, f_mid)
                else:
                    lo, x = (mid, f_mid), x_mid
            order = np.argsort(direction * (np.array(grid) - best[j]), kind="stable")
            return [grid[k] for k in order], [values[k] for k in order], _root_crossing(lo, hi, f_best)
        x = x_v
        rise = f - last_f
        step = min(step * 2, 0.2 * span) if rise < 0.1 else step / 2 if rise > 0.6 else step
        last_v, last_f = v, f
    return grid, values, None


def _crossings_from_minimum(grid: np.ndarray, values: np.ndarray) -> tuple[float | None, float | None]:
    """The 95% ends (scaled) of a profile whose lowest point lies below the objective at the optimum it walked from
    (``grid`` increasing, ``values`` its minima): from the lowest point outwards, each end where the objective first
    rises :data:`LR_STEP_95` above it (:func:`_root_crossing` between that point and the one before), so that the
    interval is the one :attr:`Profile.threshold`, measured from the lowest point, draws; open (None) on a side
    without such a point (its walk was open: it met no point above its own threshold, which lies higher)."""
    k = int(np.argmin(values))
    f_min = float(values[k])
    ends: list[float | None] = []
    for step in (-1, 1):
        i = k + step
        while 0 <= i < len(grid) and values[i] < f_min + LR_STEP_95:
            i += step
        ends.append(_root_crossing((float(grid[i - step]), float(values[i - step])), (float(grid[i]), float(values[i])),
                                   f_min) if 0 <= i < len(grid) else None)
    return ends[0], ends[1]


def profile_likelihood(objective: Objective, best: np.ndarray, names: list[str] | None = None,
                       max_points: int = 30, progress: Callable[[int, int], None] | None = None) -> list[Profile]:
    """Profiles of ``names`` (default: every estimated parameter) around the optimum ``best`` (scaled)."""
    best = np.asarray(best, dtype=np.float64)
    f_best = float(objective(best[None])[0])
    chosen = list(objective.names) if names is None else names
    out = []
    for n, name in enumerate(chosen):
        j = objective.names.index(name)
        p = objective.parameters[j]
        g_up, f_up, c_up = _walk(objective, j, best, f_best, +1, max_points)
        g_dn, f_dn, c_dn = _walk(objective, j, best, f_best, -1, max_points)
        grid = np.array([*reversed(g_dn), best[j], *g_up])
        values = np.array([*reversed(f_dn), f_best, *f_up])
        if values.min() < f_best:  # the walk found a lower objective: the interval is measured from it
            c_dn, c_up = _crossings_from_minimum(grid, values)
        nat = p.from_scale(grid)
        lowest, tol = float(grid[int(np.argmin(values))]), 1e-6 * (objective.upper[j] - objective.lower[j])
        # one end open at the bound the profile is lowest on, the other closed (a flat profile, both open, stays
        # "non-identifiable" wherever its noise puts the lowest point)
        at_bound = ("lower" if c_dn is None and c_up is not None and lowest - objective.lower[j] <= tol else
                    "upper" if c_up is None and c_dn is not None and objective.upper[j] - lowest <= tol else "")
        out.append(Profile(name, grid, nat, values, min(f_best, float(values.min())),
                           None if c_dn is None else float(p.from_scale(c_dn)),
                           None if c_up is None else float(p.from_scale(c_up)), float(p.from_scale(best[j])),
                           at_bound))
        if progress is not None:
            progress(n + 1, len(chosen))
    return out


def identifiability(profiles: list[Profile]) -> list[dict[str, object]]:
    """Which parameters the data determine: one row per profile (estimate, 95% CI, status, a sentence)."""
    rows = []
    for pr in profiles:
        lo = "open" if pr.ci_lower is None else f"{pr.ci_lower:.4g}"
        hi = "open" if pr.ci_upper is None else f"{pr.ci_upper:.4g}"
        says = {"identifiable": "the data determine it (finite 95% profile interval on both sides)",
                "practically non-identifiable": "the data bound it on one side only",
                "non-identifiable": "the data do not determine it (flat profile within the bounds)"}[pr.status]
        if pr.at_bound:  # the optimum on a bound: the bound, not the data, ends the interval there (it read "the
            # data bound it on one side only" for an estimate held at 80 h by the bound, whose profile fell toward it)
            # the bound's value, not the estimate's: the grid runs from bound to bound, lowest at that end (an optimum
            # that stopped short of the bound, or a profile that found a lower point on it, printed the estimate as
            # the bound)
            bound = float(pr.natural[0] if pr.at_bound == "lower" else pr.natural[-1])
            where = (f"its estimate is at its {pr.at_bound} bound ({bound:.4g})"
                     if math.isclose(pr.estimate, bound, rel_tol=1e-6, abs_tol=1e-12) else
                     f"its profile is lowest at its {pr.at_bound} bound ({bound:.4g}; the fit stopped at "
                     f"{pr.estimate:.4g})")
            says = f"{where}: the bound ends the interval on that side, not the data; widen it unless it is a real limit"
        rows.append({"parameter": pr.name, "estimate": pr.estimate, "ci95_lower": pr.ci_lower,
                     "ci95_upper": pr.ci_upper, "status": pr.status, "interval": f"[{lo}, {hi}]", "says": says,
                     "at_bound": pr.at_bound})
    return rows


@dataclass(frozen=True)
class PosteriorSample:
    """Posterior draws (n_draws, p) of the natural values after burn-in, with the acceptance rate."""

    names: tuple[str, ...]
    draws: np.ndarray
    acceptance: float
    backend: str

    def summary(self) -> list[dict[str, float | str]]:
        q = np.quantile(self.draws, [0.025, 0.5, 0.975], axis=0)
        return [{"parameter": n, "median": float(q[1, j]), "q2.5": float(q[0, j]), "q97.5": float(q[2, j])}
                for j, n in enumerate(self.names)]


def _log_target(objective: Objective, theta: np.ndarray) -> np.ndarray:
    inside = np.all((theta >= objective.lower) & (theta <= objective.upper), axis=1)
    out = np.full(len(theta), -np.inf)
    if inside.any():
        out[inside] = -objective(theta[inside])
    return out


def sample_posterior(objective: Objective, start: np.ndarray, n_steps: int = 2000, n_chains: int = 8,
                     seed: int = 0, backend: str = "metropolis") -> PosteriorSample:
    """Posterior sample around ``start`` (scaled): ``n_chains`` chains of ``n_steps``, the first half burn-in."""
    rng = np.random.default_rng(seed)
    p = objective.n_parameters
    span = objective.upper - objective.lower
    x = np.clip(start + 1e-3 * span * rng.standard_normal((n_chains, p)), objective.lower, objective.upper)
    if backend == "emcee":
        import emcee  # optional extra

        sampler = emcee.EnsembleSampler(max(n_chains, 2 * p + 2), p,
                                        lambda th: _log_target(objective, th), vectorize=True)
        x = np.clip(start + 1e-3 * span * rng.standard_normal((max(n_chains, 2 * p + 2), p)),
                    objective.lower, objective.upper)
        sampler.random_state = np.random.RandomState(seed).get_state()  # seeded: reproducible draws
        sampler.run_mcmc(x, n_steps, progress=False)
        chain = sampler.get_chain(discard=n_steps // 2, flat=True)
        return PosteriorSample(objective.names, objective.natural(chain), float(np.mean(sampler.acceptance_fraction)),
                               "emcee")
    logp = _log_target(objective, x)
    cov = np.diag((0.01 * span) ** 2)
    history = []
    accepted = 0
    for step in range(n_steps):
        proposal = x + rng.multivariate_normal(np.zeros(p), cov, size=n_chains)
        logq = _log_target(objective, proposal)
        take = np.log(rng.random(n_chains)) < logq - logp
        x[take], logp[take] = proposal[take], logq[take]
        accepted += int(take.sum()) if step >= n_steps // 2 else 0
        history.append(x.copy())
        if step >= 100 and step % 50 == 0:  # adapt: the scaled covariance of the draws so far (Haario 2001)
            pts = np.concatenate(history[step // 2:])
            cov = (2.38**2 / p) * np.cov(pts.T).reshape(p, p) + 1e-10 * np.diag(span**2)
    kept = np.concatenate(history[n_steps // 2:])
    return PosteriorSample(objective.names, objective.natural(kept), accepted / (n_chains * (n_steps - n_steps // 2)),
                           "adaptive Metropolis")
