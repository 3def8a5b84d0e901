"""The objective: minus the log-likelihood of the measurements (plus minus the log prior of parameters that
have one), evaluated for a whole batch of parameter vectors at once, and its finite-difference gradient.

Parameter vectors ``theta`` are on the estimation scale (log10, log or linear per parameter), in the order
of :attr:`Objective.names` (the problem's estimated parameters). ``Objective(theta_batch)`` takes (B, p) and
returns (B,); every condition is simulated once per call for all B vectors on the batch engine.

Gradients are central differences, all 2p perturbed vectors and the base evaluated in ONE batch: on the
lock-step kernel they share the integration steps, so the solver's error cancels in the differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from hemasim.inference.forward import ForwardEngine, KernelEngine
from hemasim.inference.noise import _HALF_LOG_2PI, TINY, negative_log_likelihood, weighted_residuals
from hemasim.inference.problem import Problem

__all__ = ["DEFAULT_FD_STEP", "FAILED_VALUE", "Objective"]

#: objective value of a vector the solver cannot integrate (finite, so that optimisers step back)
FAILED_VALUE = 1e10
#: central-difference step on the estimation scale (checked against a tight-tolerance reference in the tests)
DEFAULT_FD_STEP = 1e-5


@dataclass(frozen=True)
class _ConditionRows:
    rows: np.ndarray  # indices into the measurement table
    times: np.ndarray  # simulated output times: 0 and the measurement times, increasing
    time_index: np.ndarray  # for each row, its index into times
    observe: tuple[str, ...]  # hemasim observables simulated
    obs_index: np.ndarray  # for each row, its index into observe


class Objective:
    """Negative log-likelihood (+ negative log prior) of a :class:`Problem` on a forward engine."""

    def __init__(self, problem: Problem, engine: ForwardEngine | None = None) -> None:
        self.problem = problem
        self.engine: ForwardEngine = engine if engine is not None else KernelEngine(rtol=problem.rtol)
        self.parameters = problem.estimated
        self.names = tuple(p.id for p in self.parameters)
        self.lower = np.array([float(p.to_scale(p.lower)) for p in self.parameters])
        self.upper = np.array([float(p.to_scale(p.upper)) for p in self.parameters])
        self.nominal = np.array([float(p.to_scale(p.nominal)) for p in self.parameters])
        self.n_evaluations = 0  # parameter vectors simulated
        m = problem.measurements
        self._obs_of_row = [problem.observable(o) for o in m.observable]
        self._scale = np.array([o.scale for o in self._obs_of_row])
        lloq = np.array([o.lloq if o.lloq is not None else -np.inf for o in self._obs_of_row])
        below = m.value < lloq
        self.censored = m.censored | below
        self.data = np.where(below, lloq, m.value)  # a value under the assay limit says only "below the limit"
        self._conditions = {c.id: self._rows_of(c.id) for c in problem.conditions}
        self._kinds = sorted({o.noise.kind for o in self._obs_of_row})

    def _rows_of(self, cid: str) -> _ConditionRows:
        m = self.problem.measurements
        rows = np.nonzero(m.condition == cid)[0]
        times = np.unique(np.concatenate([[0.0], m.time_days[rows]]))
        observe = tuple(dict.fromkeys(self._obs_of_row[r].hemasim for r in rows))
        return _ConditionRows(rows, times, np.searchsorted(times, m.time_days[rows]),
                              tuple(observe), np.array([observe.index(self._obs_of_row[r].hemasim) for r in rows]))

    # ------------------------------------------------------------------ values
    @property
    def n_parameters(self) -> int:
        return len(self.names)

    def natural(self, theta: np.ndarray) -> np.ndarray:
        """Natural values (B, p) of scaled vectors (B, p)."""
        theta = np.atleast_2d(theta)
        return np.column_stack([p.from_scale(theta[:, j]) for j, p in enumerate(self.parameters)])

    def scaled(self, natural: Mapping[str, float]) -> np.ndarray:
        """The scaled vector (p,) of natural values given by parameter id."""
        return np.array([float(p.to_scale(natural[p.id])) for p in self.parameters])

    def all_values(self, theta: np.ndarray) -> list[dict[str, float]]:
        """Every problem parameter's natural value (estimated ones from ``theta``, fixed ones nominal), per vector."""
        nat = self.natural(theta)
        fixed = {p.id: p.nominal for p in self.problem.parameters if not p.estimate}
        return [{**fixed, **dict(zip(self.names, map(float, row), strict=True))} for row in nat]

    def _targets(self, values: dict[str, float]) -> dict[str, float]:
        return {p.target: values[p.id] for p in self.problem.parameters if p.target is not None}

    # ------------------------------------------------------------------ predictions and likelihood
    def predict(self, theta: np.ndarray) -> np.ndarray:
        """Predicted measured values (B, n_measurements): scale x the hemasim observable (NaN: solver failed)."""
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        values = self.all_values(theta)
        targets = [self._targets(v) for v in values]
        out = np.empty((len(theta), len(self.problem.measurements)))
        for cond in self.problem.conditions:
            rc = self._conditions[cond.id]
            sim = self.engine.simulate(cond.source, targets, rc.times, rc.observe)
            out[:, rc.rows] = sim[:, rc.time_index, rc.obs_index]
        self.n_evaluations += len(theta)
        return out * self._scale

    def curves(self, theta: np.ndarray, points: int = 200) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
        """The fitted course of each (condition, observable) measured, between the measurements too: (days, scale
        x the hemasim observable) on ``points`` evenly spaced days from 0 to the condition's last measurement, with
        the measurement days among them (NaN where the solver failed)."""
        values = self.all_values(np.atleast_2d(np.asarray(theta, dtype=np.float64)))[:1]
        m = self.problem.measurements
        out = {}
        for cond in self.problem.conditions:
            rc = self._conditions[cond.id]
            times = np.unique(np.concatenate([rc.times, np.linspace(0.0, float(rc.times[-1]), points)]))
            sim = self.engine.simulate(cond.source, [self._targets(values[0])], times, rc.observe)[0]
            for oid in dict.fromkeys(m.observable[rc.rows]):
                spec = self.problem.observable(str(oid))
                out[(cond.id, str(oid))] = (times, sim[:, rc.observe.index(spec.hemasim)] * spec.scale)
        return out

    def _sigmas(self, values: list[dict[str, float]]) -> tuple[np.ndarray, np.ndarray]:
        def one(s: float | str | None, v: dict[str, float]) -> float:
            return 0.0 if s is None else float(v[s]) if isinstance(s, str) else float(s)

        sig = np.array([[one(o.noise.sigma, v) for o in self._obs_of_row] for v in values])
        sp = np.array([[one(o.noise.sigma_proportional, v) for o in self._obs_of_row] for v in values])
        return sig, sp

    def nll_terms(self, theta: np.ndarray, predictions: np.ndarray | None = None) -> np.ndarray:
        """Minus the log-likelihood of each measurement (B, n_measurements)."""
        theta = np.atleast_2d(theta)
        y = self.predict(theta) if predictions is None else np.atleast_2d(predictions)
        sig, sp = self._sigmas(self.all_values(theta))
        out = np.empty_like(y)
        kinds = np.array([o.noise.kind for o in self._obs_of_row])
        for kind in self._kinds:
            cols = kinds == kind
            out[:, cols] = negative_log_likelihood(kind, y[:, cols], self.data[cols], self.censored[cols],
                                                   sig[:, cols], sp[:, cols])
        return out

    def negative_log_prior(self, theta: np.ndarray) -> np.ndarray:
        theta = np.atleast_2d(theta)
        nat = self.natural(theta)
        out = np.zeros(len(theta))
        for j, p in enumerate(self.parameters):
            if p.prior is not None:
                out += p.prior.negative_log_density(nat[:, j], theta[:, j])
        return out

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        """The objective (B,): minus log-likelihood plus minus log prior; FAILED_VALUE where the solver failed."""
        theta = np.atleast_2d(np.asarray(theta, dtype=np.float64))
        total = self.nll_terms(theta).sum(axis=1) + self.negative_log_prior(theta)
        return np.where(np.isfinite(total), total, FAILED_VALUE)

    # ------------------------------------------------------------------ least squares
    @property
    def least_squares_form(self) -> bool:
        """True when the objective is half a sum of squared residuals plus a constant: additive or lognormal
        noise with fixed sigma, nothing censored, no priors."""
        noise_ids = {pid for o in self.problem.observables for pid in o.noise.parameter_ids()}
        return (set(self._kinds) <= {"additive", "lognormal"} and not self.censored.any()
                and not noise_ids & set(self.names) and all(p.prior is None for p in self.parameters))

    def least_squares_offset(self) -> float:
        """The objective minus half the sum of squared :meth:`residuals` in the least-squares form: the constant
        sum of 0.5 log(2 pi sigma^2) (+ log z, the log-normal Jacobian) over the measurements."""
        sig, _ = self._sigmas(self.all_values(self.nominal[None]))
        lognormal = np.array([o.noise.kind == "lognormal" for o in self._obs_of_row])
        log_z = np.where(lognormal, np.log(np.maximum(self.data, TINY)), 0.0)
        return float(np.sum(_HALF_LOG_2PI + np.log(sig[0]) + log_z))

    def residuals(self, theta: np.ndarray, predictions: np.ndarray | None = None) -> np.ndarray:
        """Weighted residuals (B, n_measurements) of the least-squares form (see :attr:`least_squares_form`)."""
        theta = np.atleast_2d(theta)
        y = self.predict(theta) if predictions is None else predictions
        sig, _ = self._sigmas(self.all_values(theta))
        out = np.empty_like(y)
        kinds = np.array([o.noise.kind for o in self._obs_of_row])
        for kind in self._kinds:
            cols = kinds == kind
            out[:, cols] = weighted_residuals(kind, y[:, cols], self.data[cols], sig[:, cols])
        return np.where(np.isfinite(out), out, np.sqrt(FAILED_VALUE))

    # ------------------------------------------------------------------ finite differences on the batch
    def perturbations(self, theta: np.ndarray, step: float = DEFAULT_FD_STEP) -> tuple[np.ndarray, np.ndarray]:
        """The batch (1 + 2p, p): ``theta``, then ``theta + h_j e_j`` and ``theta - h_j e_j`` per parameter, and the
        denominators (p,) of the central differences (one-sided where a step would cross a bound)."""
        theta = np.asarray(theta, dtype=np.float64)
        p = len(theta)
        batch = np.repeat(theta[None], 1 + 2 * p, axis=0)
        denom = np.empty(p)
        for j in range(p):
            up, down = theta[j] + step, theta[j] - step
            if up > self.upper[j]:
                up, down = theta[j], theta[j] - 2 * step
            elif down < self.lower[j]:
                up, down = theta[j] + 2 * step, theta[j]
            batch[1 + 2 * j, j], batch[2 + 2 * j, j] = up, down
            denom[j] = up - down
        return batch, denom

    def value_and_gradient(self, theta: np.ndarray, step: float = DEFAULT_FD_STEP) -> tuple[float, np.ndarray]:
        """The objective and its central-difference gradient from one batch of 1 + 2p vectors."""
        batch, denom = self.perturbations(theta, step)
        f = self(batch)
        return float(f[0]), (f[1::2] - f[2::2]) / denom

    def residuals_and_jacobian(self, theta: np.ndarray, step: float = DEFAULT_FD_STEP
                               ) -> tuple[np.ndarray, np.ndarray]:
        """Residuals (n,) and their central-difference Jacobian (n, p) from one batch."""
        batch, denom = self.perturbations(theta, step)
        r = self.residuals(batch)
        return r[0], ((r[1::2] - r[2::2]) / denom[:, None]).T
