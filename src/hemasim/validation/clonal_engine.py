"""Read-outs of the clone-resolved HSC engine (targets S21, S22, A1, A2)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from hemasim.clonal import measured_driver_growth
from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.validation.base import Clonal, ClonalRun, OwnRun, Readout

if TYPE_CHECKING:
    from hemasim.clonal.ch import CHCohortResult


def _clonal_mutation_rate(run: ClonalRun) -> float:
    _, hist = run
    return float(np.polyfit(np.array(hist.times_days) / DAYS_PER_YEAR, hist.mean_mutations_per_cell, 1)[0])


def _driver(gene: str) -> Readout:
    def growth() -> float:
        return measured_driver_growth(gene, seed=0)

    return OwnRun(growth)


@functools.lru_cache(maxsize=1)
def _ch_cohort() -> CHCohortResult:
    from hemasim.clonal.ch import simulate_ch_cohort  # imports scipy: only for the CH read-outs

    return simulate_ch_cohort(1000, seed=0, step_years=0.5)


def _ch_prevalence(low_years: float, high_years: float) -> Callable[[], float]:
    return lambda: _ch_cohort().prevalence(low_years, high_years)


CLONAL_ENGINE: dict[str, Readout] = {
    "clonal_division_interval_weeks": Clonal(lambda run: run[0].measured_division_interval_days() / 7.0),
    "clonal_mutations_per_year": Clonal(_clonal_mutation_rate),
    "ch_prevalence_30_39": OwnRun(_ch_prevalence(30, 40)),
    "ch_prevalence_70_79": OwnRun(_ch_prevalence(70, 80)),
    "ch_prevalence_80_89": OwnRun(_ch_prevalence(80, 90)),
    "ch_prevalence_90_100": OwnRun(_ch_prevalence(90, 101)),
    "driver_growth_per_year_DNMT3A": _driver("DNMT3A"),
    "driver_growth_per_year_TP53": _driver("TP53"),
    "driver_growth_per_year_SRSF2_P95H": _driver("SRSF2_P95H"),
}
