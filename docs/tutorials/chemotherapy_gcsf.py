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
# # Chemotherapy with G-CSF: docetaxel every three weeks, with and without pegfilgrastim
#
# [Download this tutorial](chemotherapy_gcsf.py): a notebook in jupytext form; open it in Jupyter (with `jupytext`); run as a script, it computes the same but shows only what it prints (the tables and figures are notebook output).
#
# A 55-year-old woman (70 kg, 165 cm) receives four cycles of docetaxel 100 mg/m² as a one-hour infusion every
# 21 days; the next cycle is delayed a week if her ANC is below 1.5 × 10⁹/L on the planned day. We compare
# three arms:
#
# 1. docetaxel alone, on the full multilineage model;
# 2. the same with pegfilgrastim 6 mg subcutaneously the day after each infusion (primary prophylaxis);
# 3. docetaxel alone on the published Friberg neutrophil chain (Kloft 2006 parameters), the clinic's reference
#    model for docetaxel neutropenia.
#
# Drugs are data: each `drug_set` is a YAML file of cited PK/PD parameters (`hemasim drugs` lists them, and
# [Drug sets](../drug_sets.md) shows every value with its source). The same arms ship as
# `examples/docetaxel_q3w.yaml`, `examples/docetaxel_q3w_pegfilgrastim.yaml` and
# `examples/friberg_docetaxel.yaml`.

# %%
# %matplotlib inline
import copy

import matplotlib.pyplot as plt
import pandas as pd

import hemasim as hs
from hemasim.endpoints import evaluate_endpoints
from hemasim.scenario import parse_scenario

pd.options.display.float_format = "{:.4g}".format  # tables with 4 significant digits

DOCETAXEL = {"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 100,
             "route": "iv_infusion", "infusion_hours": 1,
             "schedule": {"start_day": 0, "every_days": 21, "cycles": 4},
             "rules": [{"observable": "anc", "below": 1.5, "action": "delay", "delay_days": 7}]}
PEGFILGRASTIM = {"kind": "gcsf", "drug_set": "pegfilgrastim_melhem2017", "dose_mg": 6, "route": "subcutaneous",
                 "schedule": {"start_day": 1, "every_days": 21, "cycles": 4}}
BASE = {"name": "docetaxel q3w", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
        "duration_days": 84, "aging": False, "output": {"every_days": 0.25}, "interventions": [DOCETAXEL]}


def arm(name: str, **changes: object) -> hs.Scenario:
    """The base scenario with some top-level fields replaced (the schema checks the result)."""
    data = copy.deepcopy(BASE) | {"name": name} | changes
    return parse_scenario(data, source=name)


arms = {
    "docetaxel": arm("docetaxel"),
    "docetaxel + pegfilgrastim": arm("docetaxel + pegfilgrastim", interventions=[DOCETAXEL, PEGFILGRASTIM]),
    "docetaxel, Friberg chain": arm("docetaxel, Friberg chain", model={
        "kind": "friberg_chain", "drug_set": "docetaxel_kloft2006", "prior_therapy": True}),
}
results = {name: hs.run_scenario(scenario) for name, scenario in arms.items()}

# %% [markdown]
# ## Concentrations and neutrophils
#
# Each result carries the drug concentrations as observables beside the blood counts. The grey band is CTCAE
# grade 4 neutropenia (ANC below 0.5 × 10⁹/L).

# %%
fig, (ax_conc, ax_anc) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=[1, 2])
first = results["docetaxel + pegfilgrastim"].observables
for drug in ["docetaxel", "pegfilgrastim"]:
    concentration = first[f"{drug}_concentration_ng_per_mL"]
    # below 0.01 ng/mL the drug is gone: leave a gap rather than a line along the axis
    ax_conc.semilogy(first.time_days, concentration.where(concentration > 1e-2), label=drug)
ax_conc.set(ylabel="plasma (ng/mL)")
ax_conc.legend(fontsize="small", loc="upper right")
for name, result in results.items():
    ax_anc.plot(result.observables.time_days, result.observables.anc_1e9_per_L, label=name)
ax_anc.axhspan(0.05, 0.5, color="grey", alpha=0.2, label="grade 4 neutropenia")
ax_anc.set(xlabel="day", ylabel="ANC (10⁹/L)", yscale="log", ylim=(0.05, 300))
ax_anc.legend(fontsize="small", ncols=2, loc="upper center")
fig.tight_layout()

# %% [markdown]
# ## Endpoints side by side

# %%
wanted = ["anc_nadir", "anc_nadir_day", "days_anc_below_0p5", "docetaxel_cycle_delays",
          "docetaxel_fraction_of_planned_dose", "docetaxel_cumulative_auc"]
table = pd.DataFrame({name: {e.name: e.value for e in evaluate_endpoints(result)} for name, result in results.items()})
units = {e.name: e.unit for e in evaluate_endpoints(results["docetaxel"])}
table.loc[wanted].assign(unit=[units[w] for w in wanted])

# %% [markdown]
# `anc_nadir` and `anc_nadir_day` are the lowest count over the whole run and its day (here in the last cycle);
# `days_anc_below_0p5` adds up all four cycles. Cycle by cycle (no cycle was delayed here, so each starts on a
# multiple of 21 days):

# %%
step = BASE["output"]["every_days"]
rows = []
for name, result in results.items():
    counts = result.observables
    for cycle in range(4):
        in_cycle = counts[(counts.time_days >= 21 * cycle) & (counts.time_days < 21 * (cycle + 1))]
        lowest = in_cycle.anc_1e9_per_L.idxmin()
        rows.append({"arm": name, "cycle": cycle + 1, "nadir (10⁹/L)": in_cycle.anc_1e9_per_L[lowest],
                     "day of the cycle": in_cycle.time_days[lowest] - 21 * cycle,
                     "days with ANC < 0.5": step * (in_cycle.anc_1e9_per_L < 0.5).sum()})
pd.DataFrame(rows).set_index(["arm", "cycle"])

# %% [markdown]
# Pegfilgrastim keeps the count above grade 4 in every cycle.
#
# The two models of docetaxel alone differ most in how long the count stays low. The full model's drug
# sensitivity and neutrophil maturation are fitted to the typical ANC course of Kloft 2006
# ([Chemotherapy in the full model](../chemotherapy_full_model.md)): its cycle-1 nadir is about 0.44 × 10⁹/L on
# day 9.5, with about a day below 0.5 × 10⁹/L in each cycle. The Friberg chain with Kloft's estimates (here for
# a pretreated patient, `prior_therapy: true`) falls to about 0.16 × 10⁹/L on day 8.5 and stays below 0.5 for
# about 5 days a cycle. The docetaxel label gives a median nadir on day 7 and a median of 7 days of severe
# neutropenia: the full model's grade-4 episodes are too short (the validation card reports them beside C4). For
# questions about the depth and length of neutropenia alone, the chain is the published reference; for
# everything it does not have (other lineages, G-CSF, transplants), the full model. The model's neutrophils also
# respond to G-CSF somewhat less than healthy donors' do (target G8; [Mobilisation](../mobilisation.md)), so read
# the pegfilgrastim arm with that in mind.
#
# ## Try it yourself
#
# * Move pegfilgrastim to the day of the infusion (`start_day: 0`; the labels give G-CSF from 24 hours after
#   chemotherapy, and `hemasim check` warns) or give filgrastim daily instead (a `gcsf` block with
#   `drug_set: filgrastim_wang2001`, the set `hemasim drugs` says to use, and `dose_ug_per_kg: 5` on days 1-10 of
#   each cycle).
# * Change the dose rule to `action: reduce` (see [Scenario files](../scenarios.md)).
# * Combination regimens ship as data: `kind: chemotherapy_regimen` (`examples/regimen_ac_docetaxel.yaml`).
#
# ## Where next
#
# * The same scenario from the command line, with a report: `hemasim run examples/docetaxel_q3w.yaml --out
#   out/docetaxel` (the [Getting started](../getting_started.md) page says what each output file holds).
# * Between-patient variability and the share of patients with grade 4: [A virtual cohort](cohort.py).
# * Doses on a grid: `hemasim sweep examples/docetaxel_q3w.yaml examples/sweeps/docetaxel_dose_x_feedback.yaml
#   --out out/sweep` ([Sensitivity](../sensitivity.md)).
