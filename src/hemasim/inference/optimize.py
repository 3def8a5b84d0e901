"""Multi-start local optimisation.

Starts: the nominal vector, then Latin-hypercube samples of the bounds on the estimation scale (seeded), or
draws from the priors of parameters that have one. All starting points are evaluated first as one batch.
Each local run is scipy's ``least_squares`` (trust-region reflective, ``trf``) when the objective has the
least-squares form (:attr:`Objective.least_squares_form`), else ``L-BFGS-B`` on the full objective; both get
their derivatives from one batch of central differences per iterate.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from hemasim._confidence import LR_STEP_95
from hemasim.inference.objective import FAILED_VALUE, Objective

__all__ = ["FitResult", "LocalResult", "fit", "latin_hypercube", "local_fit", "starting_points"]

#: starts whose optimum is within this of the best (half the chi-square 95% quantile, 1 dof) found the best
CONVERGED_WITHIN = LR_STEP_95


@dataclass(frozen=True)
class LocalResult:
    """One local run: where it started and ended, the objective there, and what the optimiser said."""

    start: np.ndarray
    x: np.ndarray
    fun: float
    success: bool
    n_iterations: int
    message: str
    trace: tuple[float, ...] = ()  # objective at each evaluated iterate


@dataclass(frozen=True)
class FitResult:
    """The outcome of :func:`fit`: the best local run and all of them (sorted by objective)."""

    names: tuple[str, ...]
    method: str
    runs: tuple[LocalResult, ...]
    n_data: int
    n_evaluations: int
    seconds: float
    natural: dict[str, float] = field(default_factory=dict)  # best natural values of the estimated parameters

    @property
    def best(self) -> LocalResult:
        return self.runs[0]

    @property
    def x(self) -> np.ndarray:
        return self.best.x

    @property
    def fun(self) -> float:
        return self.best.fun

    @property
    def n_converged(self) -> int:
        """Local runs that ended within :data:`CONVERGED_WITHIN` of the best objective."""
        return sum(1 for r in self.runs if r.fun - self.fun <= CONVERGED_WITHIN)

    def summary(self) -> dict[str, object]:
        """The fit's figures for fit.json and its report: no wall-clock time (``seconds`` stays on the result; the
        command says it on stderr), so the same fit writes the same files, bit for bit."""
        funs = np.array([r.fun for r in self.runs])
        return {"method": self.method, "starts": len(self.runs), "best_objective": self.fun,
                "converged_to_best": self.n_converged, "successful": sum(r.success for r in self.runs),
                "objective_spread": {"min": float(funs.min()), "median": float(np.median(funs)),
                                     "max": float(funs.max())},
                "n_data": self.n_data, "parameter_vectors_simulated": self.n_evaluations,
                "estimates": self.natural}


def latin_hypercube(n: int, lower: np.ndarray, upper: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` points (n, p) of a Latin hypercube in the box [lower, upper]."""
    p = len(lower)
    u = (rng.permuted(np.tile(np.arange(n), (p, 1)), axis=1).T + rng.random((n, p))) / n
    return lower + u * (upper - lower)


def starting_points(objective: Objective, n_starts: int, seed: int) -> np.ndarray:
    """The nominal vector, then Latin-hypercube samples (prior draws for parameters with a prior; a uniform prior's
    within its support and the bounds), seeded."""
    rng = np.random.default_rng(seed)
    points = [objective.nominal]
    if n_starts > 1:
        lhs = latin_hypercube(n_starts - 1, objective.lower, objective.upper, rng)
        for j, p in enumerate(objective.parameters):
            if p.prior is not None and p.prior.kind == "uniform":
                # within the prior's support (and the bounds): a start outside it has prior density 0, the objective
                # the failure value there, and the start ended where it began (2 of 5 for [60, 150] h in [30, 300])
                draws = rng.uniform(max(p.prior.mean, p.lower), min(p.prior.sd, p.upper), n_starts - 1)
                lhs[:, j] = p.to_scale(draws)
            elif p.prior is not None:
                draws = p.prior.sample(rng, n_starts - 1)
                if p.prior.kind == "parameterScaleNormal" or p.scale == "lin":  # already on the estimation scale
                    lhs[:, j] = draws
                else:  # a log scale: a draw at or below 0 (a normal prior's tail) goes to the lower bound by the clip
                    lhs[:, j] = p.to_scale(np.maximum(draws, 1e-300))
        points.extend(lhs)
    return np.clip(np.array(points), objective.lower, objective.upper)


def local_fit(objective: Objective, start: np.ndarray, method: str, max_iterations: int = 200) -> LocalResult:
    """One local run from ``start`` (method ``least_squares`` or ``L-BFGS-B``)."""
    from scipy.optimize import least_squares, minimize  # lazily: scipy.optimize is slow to import

    trace: list[float] = []
    if method == "least_squares":
        cache: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
        # the trace holds the objective, not half the sum of squares (which is below it by a constant: trace.csv's
        # last value lay under the best objective, and trace.png drew this start's end at its floor)
        offset = objective.least_squares_offset()

        def both(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            key = np.asarray(x, dtype=np.float64).tobytes()
            if key not in cache:
                cache.clear()
                cache[key] = objective.residuals_and_jacobian(x)
                trace.append(0.5 * float(cache[key][0] @ cache[key][0]) + offset)
            return cache[key]

        res = least_squares(lambda x: both(x)[0], start, jac=lambda x: both(x)[1], method="trf",
                            bounds=(objective.lower, objective.upper), x_scale="jac", max_nfev=max_iterations)
        fun = float(objective(res.x[None])[0])
        return _judged(LocalResult(start, res.x, fun, bool(res.success), int(res.nfev), str(res.message),
                                   tuple(trace)))

    def value_grad(x: np.ndarray) -> tuple[float, np.ndarray]:
        f, g = objective.value_and_gradient(x)
        trace.append(f)
        return f, g

    res = minimize(value_grad, start, jac=True, method="L-BFGS-B", bounds=list(zip(objective.lower, objective.upper,
                                                                                   strict=True)),
                   options={"maxiter": max_iterations, "ftol": 1e-10, "gtol": 1e-6})
    return _judged(LocalResult(start, res.x, float(res.fun), bool(res.success), int(res.nit), str(res.message),
                               tuple(trace)))


def _judged(run: LocalResult) -> LocalResult:
    """``run``, not a success where it ended on a vector the model could not be integrated at (objective
    :data:`FAILED_VALUE`): the optimiser stops there content (a flat 1e10 has no gradient), and fit.json called such a
    start "success" (review33: a start at 4.84 red-cell age stages, which the build refuses)."""
    if run.fun < FAILED_VALUE:
        return run
    return replace(run, success=False, message=f"ended where the model cannot be integrated (objective "
                                               f"{FAILED_VALUE:g}, the failure value); the optimiser said: "
                                               f"{run.message}")


def fit(objective: Objective, n_starts: int = 10, seed: int = 0, method: str = "auto",
        progress: Callable[[int, int], None] | None = None) -> FitResult:
    """Multi-start local optimisation of ``objective`` (``method``: ``auto``, ``least_squares`` or ``L-BFGS-B``;
    ``auto`` picks least squares when the objective has that form). ``progress(done, total)`` after each start."""
    import time

    if method == "auto":
        method = "least_squares" if objective.least_squares_form else "L-BFGS-B"
    if method == "least_squares" and not objective.least_squares_form:
        raise ValueError("least_squares needs additive/lognormal noise with fixed sigma, no censoring, no priors")
    t0 = time.perf_counter()
    evals0 = objective.n_evaluations
    starts = starting_points(objective, n_starts, seed)
    initial = objective(starts)  # every start in one batch: the worst are still run (a spread of optima is reported)
    runs = []
    for i in np.argsort(initial, kind="stable"):
        runs.append(local_fit(objective, starts[i], method))
        if progress is not None:
            progress(len(runs), len(starts))
    runs.sort(key=lambda r: r.fun)
    natural = dict(zip(objective.names, map(float, objective.natural(runs[0].x[None])[0]), strict=True))
    return FitResult(objective.names, method, tuple(runs), len(objective.data), objective.n_evaluations - evals0,
                     time.perf_counter() - t0, natural)
