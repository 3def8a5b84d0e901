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
# # Gene therapy: integration sites and clone diversity over five years
#
# [Download this tutorial](gene_therapy.py): a notebook in jupytext form; open it in Jupyter (with `jupytext`); run as a script, it computes the same but shows only what it prints (the tables and figures are notebook output).
#
# A child is given autologous CD34+ cells transduced with a lentiviral vector. How many vector-marked clones
# make his blood, how diverse are they, and how does that change over five years and with the intensity of the
# conditioning? The clone-resolved stem-cell engine follows every engrafted HSC, each transduced clone with its
# own integration sites, and samples blood as an integration-site (IS) study does.
#
# This is the Python function `hemasim.clonal.simulate_gene_therapy`
# ([Clonal engine](../clonal.md#gene-therapy-and-integration-sites) defines every input and read-out). The command
# `hemasim gene-therapy examples/gene_therapy/lentiviral_x_scid.yaml --out out/gene_therapy` runs one graft of this
# kind from a scenario file and writes its samples, IS table and an HTML report
# ([the command](../clonal.md#the-gene-therapy-command)). The
# blood counts and T-cell recovery after gene therapy are a different model, the lineage model:
# `hemasim run examples/xscid_gene_therapy.yaml --out out/xscid_gene_therapy`.
#
# **All trial inputs below are assumptions of this tutorial** (a 15-kg child, 5e6 CD34+/kg, 90% of the
# engrafting HSCs transduced, 2 vector copies per transduced cell, the share of host HSCs the conditioning
# leaves): put in your trial's own. The model's own values are the shipped, cited ones: the long-term HSCs that
# engraft per infused CD34+ cell (Spencer Chapman 2024) and the HSC pool, 1e5 in an adult (Lee-Six 2018), scaled
# to a child's body mass ([Parameters](../parameters.md)).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from hemasim.clonal import GeneTherapy, simulate_gene_therapy
from hemasim.clonal.gene_therapy import diversity_indices, engrafting_graft_hsc, host_hsc_pool
from hemasim.clonal.is_reads import ReadCountModel
from hemasim.parameters import healthy_adult_parameters

pd.options.display.float_format = "{:.4g}".format  # tables with 4 significant digits

CD34_PER_KG, WEIGHT_KG, AGE_YEARS = 5e6, 15.0, 3.0  # the graft and the child (assumed)
TRANSDUCTION, MEAN_VCN = 0.9, 2.0  # share of engrafting HSCs transduced; copies per transduced cell (assumed)
MONTHS = (1, 3, 6, 12, 24, 36, 48, 60)

params = healthy_adult_parameters()
# a CD34+ dose is not a stem-cell dose: few infused CD34+ cells are long-term HSCs that engraft
# (CD34+/kg x kg x engrafting_hsc_per_cd34)
graft_hsc = engrafting_graft_hsc(CD34_PER_KG, WEIGHT_KG, params.value)
# the child's own HSC pool: the adult pool (hsc_count) scaled to his body, as the lineage model sizes it
n_host = host_hsc_pool(AGE_YEARS, "male", WEIGHT_KG, params.value)
print(f"{graft_hsc} engrafting HSCs from {CD34_PER_KG:.0e} CD34+/kg x {WEIGHT_KG:g} kg; host pool {n_host} HSCs")

# %% [markdown]
# Two conditioning intensities: reduced intensity, which leaves 30% of the child's own HSCs, and myeloablative,
# which leaves 2%. Each sample draws 20,000 granulocytes (CD15) or T cells (CD3) from the clones in proportion
# to their size, as an IS retrieval captures the genomes of some thousands of cells.

# %%
conditioning = {"reduced intensity (30% of host HSCs left)": 0.30, "myeloablative (2% left)": 0.02}
runs = {}
for label, surviving in conditioning.items():
    therapy = GeneTherapy(graft_hsc=graft_hsc, transduction_efficiency=TRANSDUCTION, mean_vcn=MEAN_VCN,
                          host_surviving_fraction=surviving)
    runs[label] = simulate_gene_therapy(therapy, months=MONTHS, markers=("CD15", "CD3"), n_host=n_host,
                                        cells_per_sample=20_000, subject="CHILD", seed=0)
summary = pd.concat({label: pd.DataFrame(run.summary) for label, run in runs.items()}, names=["conditioning"])
summary = summary.reset_index(level=0)
summary[summary.month.isin([12, 60])]

# %% [markdown]
# How to read the columns: `vector_marked_fraction` is the share of the sampled cells that carry the vector;
# `sites` the integration sites seen in the sample (a clone with two copies is two sites, as IS studies count
# them); `shannon` the Shannon index of the sites' counts in nats; `clonality` 1 - Pielou evenness (0: every site
# equally common, 1: one site); `largest_fraction` the largest site's share. Granulocytes and T cells come from
# the same clones in proportion to their size here (no lineage bias, no lag through the thymus), so their
# read-outs differ only by sampling.

# %%
fig, (ax_sites, ax_shannon, ax_marked) = plt.subplots(1, 3, figsize=(12, 3.4))
for label, rows in summary[summary.marker == "CD15"].groupby("conditioning", sort=False):
    ax_sites.plot(rows.month, rows.sites, marker="o", label=label)
    ax_shannon.plot(rows.month, rows.shannon, marker="o", label=label)
    ax_marked.plot(rows.month, 100 * rows.vector_marked_fraction, marker="o", label=label)
ax_sites.set(xlabel="months after the graft", ylabel="integration sites in a sample", ylim=(0, None))
ax_shannon.set(xlabel="months after the graft", ylabel="Shannon index (nats)", ylim=(0, None))
ax_marked.set(xlabel="months after the graft", ylabel="vector-marked granulocytes (%)", ylim=(0, 100))
ax_sites.legend(fontsize="small")
fig.suptitle("granulocytes (CD15), PCR-free site counts")
fig.tight_layout()

# %% [markdown]
# The marked share is set at engraftment by how many host HSCs the conditioning leaves (here about 5% after
# reduced intensity, 45% after myeloablation); with no advantage for corrected clones it then drifts little. The
# number of sites falls over the years as neutral drift loses small clones, and the Shannon index falls with it;
# faster after reduced intensity, where each engrafted HSC refills only a few cells of a pool mostly left to the
# host's own clones, than after myeloablation, where each grows into a clone of some tens of cells within months.
#
# ## Sites as sequencing reports them
#
# The table's values are **templates**: the sampled cells that carry each site, every one recovered. An IS
# study sees **reads**, after amplification. `ReadCountModel.six2020()` (a law fitted to another trial's IS
# table, Six 2020; [Clonal engine](../clonal.md#integration-site-reads-2026-12-05)) turns templates into reads;
# the Shannon index of reads is the one to compare with a published IS study (validation targets H1 and H2
# compare it with a lentiviral WAS trial).

# %%
reads_model, rng = ReadCountModel.six2020(), np.random.default_rng(1)
table = runs["reduced intensity (30% of host HSCs left)"].is_table
rows = []
for month in MONTHS:
    templates = table[f"CHILD_CD15_PB_{month:02d}"].to_numpy(np.int64)
    rows.append({"month": month, "shannon_templates": diversity_indices(templates)["shannon"],
                 "shannon_reads": diversity_indices(reads_model.sample_reads(templates, rng))["shannon"]})
pd.DataFrame(rows)

# %% [markdown]
# ## Your own table
#
# `run.is_table` is laid out as IS studies publish theirs: one row per site (`chr`, `integration_locus`,
# `strand`, `clone_id`) and one column per sample named `SUBJECT_MARKER_TISSUE_MM`. Write it with
# `table.to_csv("is_table.tsv", sep="\t", index=False)`; `hemasim.clonal.gene_therapy.is_diversity_table(path)`
# reads such a table, simulated or a trial's, back into the per-sample indices above.
#
# ## Try it yourself
#
# * Your trial's graft: `CD34_PER_KG`, `WEIGHT_KG`, `TRANSDUCTION`, `MEAN_VCN` and the conditioning above.
# * A selective advantage for corrected clones: `GeneTherapy(..., corrected_advantage=0.1)`.
# * A disease that blocks lineages in uncorrected cells: `GeneTherapy.for_disease("x_scid", ...)` makes T and NK
#   cells (CD3, CD56) from corrected clones only, so every sampled T cell carries the vector.
#
# ## Where next
#
# * Every input and read-out defined: [Clonal engine](../clonal.md#gene-therapy-and-integration-sites); the
#   WAS trial the read-outs are checked against: [Clonal data](../clonal_data.md).
# * Blood counts and immune reconstitution after gene therapy (lineage model): `examples/xscid_gene_therapy.yaml`
#   and [Transplantation](../transplant.md).
