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
from hemasim.scenario import Patient, Population


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


def draw_covariates(population: Population, base: Patient, rng: np.random.Generator
                    ) -> tuple[float, bool, float, float]:
    """(age, female, weight, height) of one patient, ``base`` (the scenario's patient) giving what the
    population does not vary; height NaN when neither given nor drawn. The order of draws is fixed: it is what
    makes patients reproducible."""
    age = rng.uniform(population.age_years.min, population.age_years.max) if population.age_years \
        else base.age_years
    female = bool(rng.random() < population.female_fraction) if population.female_fraction is not None \
        else base.sex == "female"
    sex = "female" if female else "male"
    if population.weight_kg:
        ms = getattr(population.weight_kg, sex)
        weight = float(np.clip(rng.normal(ms.mean, ms.sd), 30.0, 250.0))
    else:
        weight = base.weight_kg
    if population.height_cm:
        ms = getattr(population.height_cm, sex)
        height = float(np.clip(rng.normal(ms.mean, ms.sd), 120.0, 220.0))
    else:
        height = base.height_cm if base.height_cm is not None else float("nan")
    return float(age), female, float(weight), float(height)


def draw_patients(population: Population | None, base: Patient, params: ParameterSet, start: int, stop: int,
                  base_seed: int, seeds: Sequence[int] | None = None) -> VirtualPatients:
    """Patients ``start`` .. ``stop - 1`` of a cohort: covariates from the scenario's ``population`` (None: all
    like ``base``, the scenario's patient), parameters from between-patient variability unless the population
    turns it off."""
    population = population if population is not None else Population()
    names = variable_parameters(params) if population.variability else []
    n = stop - start
    age = np.empty(n)
    female = np.empty(n, dtype=bool)
    weight = np.empty(n)
    height = np.empty(n)
    etas = np.empty((n, len(names)))
    for k, i in enumerate(range(start, stop)):
        rng = patient_rng(base_seed, i, seeds)
        a, f, w, h = draw_covariates(population, base, rng)
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
