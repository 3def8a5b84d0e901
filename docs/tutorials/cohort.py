# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A virtual cohort: one intervention, a population of patients
#
# [Download this tutorial](cohort.py): a notebook in jupytext form; open it in Jupyter (with `jupytext`); run as a script, it computes the same but shows only what it prints (the tables and figures are notebook output).
#
# The same 80% marrow kill (haematopoietic stem cells spared) given to 200 virtual adults aged 20-80, half of
# them women, whose weights, heights and cited model parameters vary between patients. We look at how the
# endpoints are distributed, the 5-95% bands of the counts over time, and which patients fall furthest.
#
# A cohort is the same run path as one patient: each partition of patients is compiled once into a model with a
# leading patient axis and integrated in lock step. Patient *i* draws from `SeedSequence(seed, (i,))`, so a
# cohort is reproducible bit for bit and a larger cohort extends a smaller one. From the command line:
# `hemasim cohort examples/cohort_marrow_depletion.yaml --n 10000 --out out/cohort` (resumable; all local
# cores, or a Dask cluster with `--scheduler`). See [Cohorts](../cohorts.md).

# %%
# %matplotlib inline
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import yaml

from hemasim.cohort import run_cohort
from hemasim.scenario import parse_scenario

pd.options.display.float_format = "{:.4g}".format  # tables with 4 significant digits

SCENARIO = """
name: cohort marrow depletion
patient: {age_years: 50, sex: male, weight_kg: 75, height_cm: 172}
duration_days: 120
interventions:
  - {kind: cell_depletion, day: 7, groups: [marrow], except_groups: [hsc], surviving_fraction: 0.2}
population:
  age_years: {min: 20, max: 80}
  female_fraction: 0.5
  weight_kg: {male: {mean: 80, sd: 12}, female: {mean: 67, sd: 12}}
  height_cm: {male: {mean: 176, sd: 7}, female: {mean: 163, sd: 7}}
"""
scenario = parse_scenario(yaml.safe_load(SCENARIO), source="cohort tutorial")
out = Path(tempfile.mkdtemp()) / "cohort"
summary = run_cohort(scenario, n=200, out=out, seed=1, partition_size=100, progress=False)
sorted(path.name for path in out.iterdir())

# %% [markdown]
# ## Endpoint distributions
#
# `summary.csv` has, for every endpoint, the median, the 5th and 95th percentiles and the fraction of patients
# reaching it (a recovery day is not reached by a patient whose count never fell below the threshold).

# %%
table = pd.read_csv(out / "summary.csv").set_index("endpoint")
table.loc[["anc_nadir", "anc_nadir_day", "days_anc_below_1", "neutrophil_recovery_day", "platelets_nadir",
           "days_platelets_below_50"], ["unit", "median", "p05", "p95", "fraction_reaching"]]

# %% [markdown]
# ## Bands over time
#
# `bands.csv` holds the 5th, 50th and 95th percentile of each count at each day, computed from histograms that
# every partition writes (so a cohort of millions needs no time series in memory).

# %%
bands = pd.read_csv(out / "bands.csv")
panels = [("anc_1e9_per_L", "neutrophils (10⁹/L)"), ("platelets_1e9_per_L", "platelets (10⁹/L)"),
          ("hemoglobin_g_per_dL", "haemoglobin (g/dL)"), ("cd4_per_uL", "CD4 T cells (per µL)")]
fig, axes = plt.subplots(1, 4, figsize=(13, 3.2), sharex=True)
for ax, (name, label) in zip(axes, panels, strict=True):
    ax.fill_between(bands.time_days, bands[f"{name}_p05"], bands[f"{name}_p95"], alpha=0.3, label="5-95%")
    ax.plot(bands.time_days, bands[f"{name}_median"], label="median")
    ax.set(title=label, xlabel="day")
axes[0].legend(fontsize="small")
fig.tight_layout()

# %% [markdown]
# ## Who falls furthest?
#
# The per-patient endpoints are Parquet files (one per partition) with each patient's covariates, seed and
# sampled parameter values, so any endpoint can be related to what differs between patients.

# %%
patients = pd.read_parquet(out / "endpoints")
fig, ax = plt.subplots(figsize=(5.5, 3.6))
for sex, group in patients.groupby("sex"):
    ax.scatter(group.age_years, group.anc_nadir, s=12, label=sex)
ax.axhline(1.0, color="grey", lw=0.8)
ax.set(xlabel="age (years)", ylabel="ANC nadir (10⁹/L)")
ax.legend(fontsize="small")
fig.tight_layout()
patients[["age_years", "weight_kg", "anc_nadir", "platelets_nadir"]].corr(method="spearman").round(2)

# %% [markdown]
# ## Try it yourself
#
# * Run the same scenario with `--n 10000` on the command line and open `report.html`.
# * `run_cohort(..., timeseries=True)` also writes every patient's time series.
# * Other cohort examples: `examples/cohort_docetaxel.yaml`, `examples/cohort_allo_hsct.yaml`,
#   `examples/cohort_influenza_vaccine.yaml`.
#
# ## Where next
#
# * Chemotherapy in a population: `hemasim cohort examples/cohort_docetaxel.yaml --n 1000 --out out/docetaxel`;
#   the report's key results give the share of patients with grade 3/4 neutropenia (ANC below 1.0 × 10⁹/L: what
#   the validation card compares with a trial's 93%, target C7).
# * One parameter or dose over a grid, or which assumed parameters matter: [Sweeps and sensitivity](../sensitivity.md).
# * Typical values and between-patient variability fitted to your own patients' counts, then drawn in a cohort:
#   [Population fitting](../population_fitting.md).
