"""Virtual cohorts: patients drawn from covariate distributions and between-patient variability,
simulated in partitions (all local cores, or a Dask cluster), written as Parquet, resumable."""

from hemasim.cohort.runner import CohortError, run_cohort, simulate_partition
from hemasim.cohort.sampling import VirtualPatients, draw_patients, variable_parameters

__all__ = ["CohortError", "VirtualPatients", "draw_patients", "run_cohort", "simulate_partition",
           "variable_parameters"]
