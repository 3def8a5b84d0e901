"""Driver mutations: clones with a cited growth advantage.

A clone whose daughters stay HSCs with probability a(N)(1 + adv) grows, while the niche holds the pool at
N* (a = 1/2), at a net per-cell rate of (2 a (1 + adv) - 1) / T_div = adv / T_div per day. A driver with
annual growth rate g therefore has adv = g * T_div / 365.25. The growth rates are cited per gene
(parameters ``*_clone_growth_per_year``); acquisition rates and CH prevalence (target A1) are not modelled yet.
"""

from __future__ import annotations

import numpy as np

from hemasim.clonal.engine import DAYS_PER_YEAR, NeutralHSCPool
from hemasim.parameters import ParameterSet, healthy_adult_parameters

#: gene -> parameter holding its clone growth rate (1/year)
DRIVER_GROWTH_PARAMETERS = {
    "DNMT3A": "dnmt3a_clone_growth_per_year",
    "TP53": "tp53_clone_growth_per_year",
    "SRSF2_P95H": "srsf2_p95h_clone_growth_per_year",
}


def driver_advantage(gene: str, parameters: ParameterSet | None = None) -> float:
    """Self-renewal advantage that gives ``gene``'s cited annual clone growth."""
    params = parameters if parameters is not None else healthy_adult_parameters()
    if gene not in DRIVER_GROWTH_PARAMETERS:
        raise ValueError(f"unknown driver {gene!r}; known: {', '.join(DRIVER_GROWTH_PARAMETERS)}")
    growth = params.value(DRIVER_GROWTH_PARAMETERS[gene])
    return growth * params.value("hsc_division_interval_days") / DAYS_PER_YEAR


def measured_driver_growth(gene: str, *, n_cells: int = 100_000, clone_cells: int = 5_000, years: float = 4.0,
                           seed: int = 0) -> float:
    """Annual growth rate of a ``gene`` clone that starts as ``clone_cells`` of a pool of ``n_cells``: the slope
    of logit(clone share) over ``years`` (logistic growth of the clone's fraction, as clone growth is
    reported from serial VAFs; the read-out of target A2)."""
    pool = NeutralHSCPool(n_cells, seed=seed)
    (cid,) = pool.add_clones(np.array([clone_cells]), advantage=driver_advantage(gene), displace=True)
    times, sizes = [], []
    steps_per_sample = max(1, int(round(DAYS_PER_YEAR / 4 / pool.dt)))
    n_samples = int(round(years * 4))
    for _ in range(n_samples + 1):
        k = np.searchsorted(pool.clone_ids, cid)
        alive = k < len(pool.clone_ids) and pool.clone_ids[k] == cid
        times.append(pool.t / DAYS_PER_YEAR)
        sizes.append(int(pool.sizes[k]) / pool.pool_size if alive else 0.0)
        for _ in range(steps_per_sample):
            pool.step()
    share = np.array(sizes, dtype=float)
    if share.min() <= 0 or share.max() >= 1:
        return float("nan")
    return float(np.polyfit(np.array(times), np.log(share / (1.0 - share)), 1)[0])
