"""Read-outs of the clone-resolved HSC engine (targets S21, S22, A1, A2, H1, H2)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

import numpy as np

from hemasim.clonal import measured_driver_growth
from hemasim.model.compiled import DAYS_PER_YEAR
from hemasim.validation.base import Clonal, ClonalRun, OwnRun, Readout

if TYPE_CHECKING:
    import pandas as pd

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

    # the defaults: one-year steps, competition predicted at each step's middle (docs/performance_clonal.md, chstep)
    return simulate_ch_cohort(1000, seed=0)


#: The simulated WAS1004 course of targets H1/H2 (Calabria 2024 WAS data). The patient's inputs are ASSUMED: his
#: CD34+ dose, weight, transduction, vector copies, conditioning and the IS sampling depth were not found in the
#: searched material (the trial reports' abstracts only; docs/clonal_data.md, "Inputs as reported", 2026-12-05).
#: Engrafting HSCs per CD34+ cell is the model's parameter (Spencer Chapman 2024, pair 11).
WAS1004_CD34_PER_KG = 10.0e6  # assumed: order of the doses of lentiviral HSC gene therapy trials
WAS1004_WEIGHT_KG = 15.0  # assumed: a child of a few years
WAS1004_AGE_YEARS = 3.0  # assumed: a child of a few years (the host pool only needs him to be growing)
WAS1004_TRANSDUCTION = 0.9  # assumed: lentiviral, high transduction
WAS1004_MEAN_VCN = 2.0  # assumed
WAS1004_HOST_SURVIVING = 0.3  # assumed: reduced-intensity conditioning (Aiuti 2013 abstract: reduced intensity)
WAS1004_CELLS_PER_IS_SAMPLE = 20_000  # assumed: genomes whose sites are captured in one IS retrieval
WAS1004_MONTHS = (1, 3, 6, 12, 18, 24, 30, 36, 48)
#: seed of the read-count draw (separate from the patient's seed 0, so the course itself is unchanged)
WAS1004_READ_SEED = 1


def _reads_shannon(templates: np.ndarray, rng: np.random.Generator) -> tuple[float, int]:
    """(Shannon index of reads, sites seen) of one simulated sample: the captured templates per site through
    the read-count law fitted to Six 2020 (hemasim.clonal.is_reads)."""
    from hemasim.clonal.gene_therapy import diversity_indices
    from hemasim.clonal.is_reads import ReadCountModel

    reads = ReadCountModel.six2020().sample_reads(templates, rng)
    indices = diversity_indices(reads)
    return float(indices["shannon"]), int(indices["sites"])


@functools.lru_cache(maxsize=1)
def _was1004_course() -> list[dict[str, float | str]]:
    """Per sample: the simulator's PCR-free summary (one read per site per sampled cell, ``shannon_pcr_free``)
    and the Shannon index of reads after amplification (``shannon``, what H1/H2 read)."""
    from hemasim.biology import Covariates
    from hemasim.biology.body import stem_pool_size_fraction
    from hemasim.clonal.gene_therapy import GeneTherapy, simulate_gene_therapy
    from hemasim.parameters import healthy_adult_parameters

    params = healthy_adult_parameters()
    per_cd34 = params.value("engrafting_hsc_per_cd34")
    graft_hsc = max(1, int(round(WAS1004_CD34_PER_KG * WAS1004_WEIGHT_KG * per_cd34)))
    # a child's host pool: the adult hsc_count times his mass over the adult mass (hemasim.biology.body)
    n_host = int(round(params.value("hsc_count") * float(stem_pool_size_fraction(
        params.value, Covariates(WAS1004_AGE_YEARS, "male", WAS1004_WEIGHT_KG)))))
    therapy = GeneTherapy(graft_hsc=graft_hsc, transduction_efficiency=WAS1004_TRANSDUCTION,
                          mean_vcn=WAS1004_MEAN_VCN, host_surviving_fraction=WAS1004_HOST_SURVIVING)
    result = simulate_gene_therapy(therapy, months=WAS1004_MONTHS, markers=("CD15", "CD3"),
                                   cells_per_sample=WAS1004_CELLS_PER_IS_SAMPLE, subject="WAS1004", seed=0,
                                   n_host=n_host)
    table = cast("pd.DataFrame", result.is_table)  # columns WAS1004_MARKER_PB_MM: captured templates per site
    rng = np.random.default_rng(WAS1004_READ_SEED)
    course = []
    for row in result.summary:
        column = f"WAS1004_{row['marker']}_PB_{int(round(float(row['month']))):02d}"
        shannon, sites = _reads_shannon(table[column].to_numpy(np.int64), rng)
        course.append({**row, "shannon_pcr_free": row["shannon"], "sites_pcr_free": row["sites"],
                       "shannon": shannon, "sites": sites})
    return course


def _was_shannon(marker: str) -> Callable[[], float]:
    def mean_shannon() -> float:
        late = [float(row["shannon"]) for row in _was1004_course()
                if row["marker"] == marker and 12 <= float(row["month"]) <= 48]
        return float(np.mean(late))

    return mean_shannon


def _ch_prevalence(low_years: float, high_years: float) -> Callable[[], float]:
    return lambda: _ch_cohort().prevalence(low_years, high_years)


CLONAL_ENGINE: dict[str, Readout] = {
    "clonal_division_interval_weeks": Clonal(lambda run: run[0].measured_division_interval_days() / 7.0),
    "clonal_mutations_per_year": Clonal(_clonal_mutation_rate),
    "ch_prevalence_30_39": OwnRun(_ch_prevalence(30, 40)),
    "ch_prevalence_70_79": OwnRun(_ch_prevalence(70, 80)),
    "ch_prevalence_80_89": OwnRun(_ch_prevalence(80, 90)),
    "ch_prevalence_90_100": OwnRun(_ch_prevalence(90, 101)),
    "was_gene_therapy_shannon_cd15_pb_months_12_48": OwnRun(_was_shannon("CD15")),
    "was_gene_therapy_shannon_cd3_pb_months_12_48": OwnRun(_was_shannon("CD3")),
    "driver_growth_per_year_DNMT3A": _driver("DNMT3A"),
    "driver_growth_per_year_TP53": _driver("TP53"),
    "driver_growth_per_year_SRSF2_P95H": _driver("SRSF2_P95H"),
}
