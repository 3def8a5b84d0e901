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
# # Clonal haematopoiesis: driver clones over lifespans, and what one clone does to blood counts
#
# [Download this tutorial](clonal_hematopoiesis.py): a notebook in jupytext form; open it in Jupyter (with `jupytext`); run as a script, it computes the same but shows only what it prints (the tables and figures are notebook output).
#
# Two questions on two time scales.
#
# 1. **Over a lifetime:** how common is clonal haematopoiesis (CH, a driver clone at a variant allele
#    fraction ≥ 2% in blood) at each age? We follow 400 people's stem-cell pools from birth to 100 years,
#    with driver mutations arriving at the rate and with the fitness effects inferred from human phylogenies
#    (Spencer Chapman 2024), and compare with Jaiswal 2014.
# 2. **In one patient:** what does an expanded JAK2 V617F clone do to a 72-year-old's haemoglobin and
#    platelets, if its stem cells make more red cells and platelets than wild-type ones?
#
# The equations, the parameters and their sources are in [Clonal engine](../clonal.md). From the command line:
# `hemasim clonal-hematopoiesis --n 2000 --out out/ch` and `hemasim run examples/jak2_clonal_hematopoiesis.yaml --out out/jak2`.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import yaml

import hemasim as hs
from hemasim.clonal.ch import simulate_ch_population
from hemasim.clonal.report import JAISWAL_2014
from hemasim.scenario import parse_scenario

pd.options.display.float_format = "{:.4g}".format  # tables with 4 significant digits

population = simulate_ch_population(400, seed=0)
prevalence = population.prevalence_table()
prevalence

# %% [markdown]
# `ch_prevalence` is what a CH gene panel would find (only a share of drivers are in panel genes; that share is
# calibrated on the 70-79 band of Jaiswal 2014): compare it with published CH. `any_driver_clone_2pct` counts a
# driver clone at VAF >= 2% in any gene, including genes no CH panel sequences (nearly everyone from 70: not a CH
# prevalence), and `median_driver_share` is the share of the stem-cell pool in driver clones. With 400 people the youngest
# bands are noisy; the shipped validation runs 1,000 lifespans (target A1). Past 80 the model's prevalence
# flattens where Jaiswal's keeps rising: driver clones outside the panel genes fill the pool by then and
# crowd out panel clones ([Clonal engine](../clonal.md) discusses it).

# %%
# the transcribed bands of validation target A1 (hemasim.clonal.report, from Jaiswal 2014 NEJM 371:2488)
jaiswal_2014 = {f"{low}-{high - 1}": value for (low, high), value in JAISWAL_2014.items()}
fig, (ax_prev, ax_share) = plt.subplots(1, 2, figsize=(10, 3.6))
x = np.arange(len(prevalence))
ax_prev.bar(x, 100 * prevalence.ch_prevalence, label="hemasim (400 lifespans)")
ax_prev.scatter([x[list(prevalence.age_band).index(band)] for band in jaiswal_2014],
                [100 * v for v in jaiswal_2014.values()], color="black", zorder=3, label="Jaiswal 2014")
ax_prev.set(xticks=x, xticklabels=prevalence.age_band, xlabel="age (years)", ylabel="CH prevalence (%)")
ax_prev.legend(fontsize="small")
ax_share.plot(population.ages_years, 100 * np.median(population.driver_share, axis=0), label="median")
ax_share.fill_between(population.ages_years, 100 * np.percentile(population.driver_share, 5, axis=0),
                      100 * np.percentile(population.driver_share, 95, axis=0), alpha=0.3, label="5-95%")
ax_share.set(xlabel="age (years)", ylabel="HSC pool in driver clones (%)")
ax_share.legend(fontsize="small")
fig.tight_layout()

# %% [markdown]
# ## One expanded clone in one patient
#
# The same man with and without a JAK2 V617F clone at VAF 15% (30% of his stem cells). The clone's extra
# erythroid and megakaryocytic output per stem cell is **illustrative user input**: no per-HSC fold has been
# estimated in humans. Each run starts from the steady state its clones imply.

# %%
SCENARIO = """
name: JAK2 V617F clone
patient:
  age_years: 72
  sex: male
  weight_kg: 78
  height_cm: 176
  clones:
    - {label: JAK2 V617F, vaf: 0.15, lineage_output: {erythroid: 1.5, megakaryocyte: 2.0}}
duration_days: 365
output: {every_days: 7}
"""
with_clone = yaml.safe_load(SCENARIO)
without_clone = yaml.safe_load(SCENARIO)
del without_clone["patient"]["clones"]
runs = {label: hs.run_scenario(parse_scenario(data, source=label)).observables
        for label, data in [("with the clone", with_clone), ("without", without_clone)]}
counts = ["hemoglobin_g_per_dL", "rbc_1e12_per_L", "platelets_1e9_per_L", "anc_1e9_per_L", "lymphocytes_1e9_per_L"]
settled = pd.DataFrame({label: run[counts].iloc[-1] for label, run in runs.items()})
# to 0.01%: the unchanged counts differ in the tenth decimal (solver noise), which read "-7.776e-10"; + 0.0 makes
# a rounded -0.0 read 0
settled["change_percent"] = (100 * (settled["with the clone"] / settled["without"] - 1)).round(2) + 0.0
settled

# %% [markdown]
# Both runs start from, and stay at, the steady state their stem-cell pools imply (the year changes nothing);
# what differs is the level. With the clone, platelets rise by about a fifth and haemoglobin by a few percent
# (about 15.5 against 14.9 g/dL, still inside the adult male reference range of 14-17 g/dL: the model's EPO-like
# feedback offsets most of the extra red-cell output), while neutrophils and lymphocytes, whose output the clone
# does not change, stay where they were.

# %%
fig, ax = plt.subplots(figsize=(7, 3.2))
labels = ["haemoglobin", "red cells", "platelets", "neutrophils", "lymphocytes"]
ax.barh(labels, settled.change_percent, color=["tab:red", "tab:red", "tab:purple", "tab:blue", "tab:green"])
ax.axvline(0, color="black", lw=0.8)
ax.set(xlabel="change with the JAK2 clone (%)")
ax.invert_yaxis()
fig.tight_layout()

# %% [markdown]
# ## Try it yourself
#
# * `simulate_ch_population(n, seed=..., workers=None)` uses every core; people of a full chunk do not depend
#   on `n`, so a larger population extends a smaller one.
# * `hemasim.clonal.NeutralHSCPool` follows every clone of a 100,000-cell pool (the Muller-style histories in
#   the `clonal-hematopoiesis` report).
# * Gene therapy with integration-site tables: [the gene-therapy tutorial](gene_therapy.py) and
#   [Clonal engine](../clonal.md#gene-therapy-and-integration-sites) (`examples/xscid_gene_therapy.yaml` is the
#   lineage model's blood counts after gene therapy, without clones or sites).
#
# ## Where next
#
# * The clone engine, the driver landscape and their sources: [Clonal engine](../clonal.md); the VAF spectrum and
#   gene-therapy integration sites against published data: [Clonal data](../clonal_data.md).
