"""Virtual patients: covariates from the scenario's population and parameters from between-patient
variability (log-normal around each parameter's typical value, clipped to its bounds).

Every patient has its own seed: patient ``i`` of a cohort with base seed ``s`` draws from
``numpy.random.default_rng(SeedSequence(s, spawn_key=(i,)))``, so any patient can be re-drawn alone,
and a cohort given an explicit seed list draws patient ``i`` from ``seeds[i]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hemasim.biology import Covariates
from hemasim.parameters import ParameterSet


@dataclass(frozen=True)
class VirtualPatients:
    ids: np.ndarray  # (N,) int64, position in the cohort
    seeds: np.ndarray  # (N,) int64 or object: what each patient's generator was seeded with
    covariates: Covariates  # arrays
    parameters: dict[str, np.ndarray]  # per-patient values of the parameters with variability


def variable_parameters(params: ParameterSet) -> list[str]:
    """Parameters that carry between-patient variability, in a fixed (sorted) order."""
    return sorted(n for n, p in params.items() if p.iiv_cv)


def patient_rng(base_seed: int, index: int, seeds: Sequence[int] | None = None) -> np.random.Generator:
    if seeds is not None:
        return np.random.default_rng(int(seeds[index]))
    return np.random.default_rng(np.random.SeedSequence(base_seed, spawn_key=(index,)))


def draw_patients(population: object, params: ParameterSet, start: int, stop: int, base_seed: int,
                  seeds: Sequence[int] | None = None, variability: bool = True) -> VirtualPatients:
    """Patients ``start`` .. ``stop - 1`` of a cohort. ``population`` is a scenario Population."""
    names = variable_parameters(params) if variability else []
    n = stop - start
    age = np.empty(n)
    female = np.empty(n, dtype=bool)
    weight = np.empty(n)
    height = np.empty(n)
    etas = np.empty((n, len(names)))
    for k, i in enumerate(range(start, stop)):
        rng = patient_rng(base_seed, i, seeds)
        a, f, w, h = population.draw(rng)  # type: ignore[attr-defined]
        age[k], female[k], weight[k], height[k] = a, f, w, h
        etas[k] = rng.standard_normal(len(names))
    values: dict[str, np.ndarray] = {}
    for j, name in enumerate(names):
        p = params[name]
        omega = np.sqrt(np.log1p(p.iiv_cv**2))  # type: ignore[operator]
        values[name] = np.clip(p.value * np.exp(omega * etas[:, j]), *p.bounds)
    has_height = not np.all(np.isnan(height))
    cov = Covariates(age_years=age, sex=np.where(female, "female", "male"), weight_kg=weight,
                     height_cm=height if has_height else None)
    ids = np.arange(start, stop, dtype=np.int64)
    seed_col = np.asarray(seeds[start:stop], dtype=np.int64) if seeds is not None else np.full(n, base_seed)
    return VirtualPatients(ids, seed_col, cov, values)
