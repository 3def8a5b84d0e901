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
# # A transplant: aplasia, engraftment and donor chimerism
#
# [Download this tutorial](transplant.py): a notebook in jupytext form; open it in Jupyter (with `jupytext`); run as a script, it computes the same but shows only what it prints (the tables and figures are notebook output).
#
# A 40-year-old man receives myeloablative conditioning (cyclophosphamide and 12 Gy total-body irradiation)
# and, on day 6, an allogeneic graft of mobilised peripheral blood with 5 × 10⁶ CD34⁺ cells/kg. We follow his
# blood counts for a year: the aplasia the conditioning causes, neutrophil and platelet engraftment, the
# switch from host to donor cells in every lineage, and the slow recovery of T cells through the thymus.
#
# The same scenario ships as `examples/allo_hsct_pbsc.yaml` (followed to day 372 there, a year after the graft, and
# with the ciclosporin GVHD prophylaxis every allogeneic patient gets, which changes none of the counts shown here);
# from the command line it is
# `hemasim run examples/allo_hsct_pbsc.yaml --out out/allo`. Here we write it inline, so the whole input is
# on the page. How grafts, engraftment and immune reconstitution are modelled (and calibrated) is in
# [Transplantation](../transplant.md).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import pandas as pd
import yaml

import hemasim as hs
from hemasim.endpoints import evaluate_endpoints
from hemasim.scenario import parse_scenario

pd.options.display.float_format = "{:.4g}".format  # tables with 4 significant digits

SCENARIO = """
name: allo-HSCT, Cy/TBI 12 Gy, PBSC 5e6 CD34+/kg
patient: {age_years: 40, sex: male, weight_kg: 75, height_cm: 178}
duration_days: 365
aging: false
output: {every_days: 1}
interventions:
  - {kind: conditioning, regimen: cy_tbi_12gy, start_day: 0}
  - {kind: transplant, day: 6, source: peripheral_blood, cd34_per_kg: 5.0e6}
"""
scenario = parse_scenario(yaml.safe_load(SCENARIO), source="transplant tutorial")
result = hs.run_scenario(scenario)
counts = result.observables
print(f"{len(counts)} output times, {counts.shape[1] - 1} observables")

# %% [markdown]
# Every observable comes as a total and, with a graft, as its donor-derived part (the column suffixed
# `__donor`); the host part is the difference. Units are in the names.

# %%
[name for name in counts.columns if name.startswith(("anc", "platelets", "cd4"))]

# %% [markdown]
# ## Aplasia and engraftment
#
# Neutrophils (log scale) and platelets over the first 60 days, with the engraftment thresholds: ANC
# 0.5 × 10⁹/L and platelets 20 × 10⁹/L. Dashed lines are the donor-derived cells.

# %%
early = counts[counts.time_days <= 60]
fig, (ax_anc, ax_plt) = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
ax_anc.semilogy(early.time_days, early.anc_1e9_per_L, color="tab:blue", label="total")
ax_anc.semilogy(early.time_days, early.anc_1e9_per_L__donor, "--", color="tab:orange", label="donor")
ax_anc.axhline(0.5, color="grey", lw=0.8)
ax_anc.set(title="Neutrophils", xlabel="day", ylabel="ANC (10⁹/L)", ylim=(0.01, 20))
ax_plt.plot(early.time_days, early.platelets_1e9_per_L, color="tab:blue", label="total")
ax_plt.plot(early.time_days, early.platelets_1e9_per_L__donor, "--", color="tab:orange", label="donor")
ax_plt.axhline(20, color="grey", lw=0.8)
ax_plt.set(title="Platelets", xlabel="day", ylabel="platelets (10⁹/L)")
ax_anc.legend()
fig.tight_layout()

# %% [markdown]
# The endpoints of the run (what `endpoints.json` holds): nadirs, days below CTCAE thresholds, engraftment
# days counted from the graft, and donor chimerism by lineage. An endpoint without a value says why in its note
# ("not reached": not by the end of the run; "did not fall": the count never fell below the mark).

# %%
endpoints = pd.DataFrame([(e.name, e.value, e.unit, e.note or "") for e in evaluate_endpoints(result)],
                         columns=["endpoint", "value", "unit", "note"]).set_index("endpoint")
# the <name>_did_not_fall columns (1 or 0) carry the note into cohort tables; here the note says it
shown = endpoints.index.str.contains("nadir$|engraftment|graft_failure|50pct|cd4_200|chimerism_(?:anc|cd4).*day28")
endpoints[shown & ~endpoints.index.str.endswith("_did_not_fall")]

# %% [markdown]
# ## Immune reconstitution
#
# NK cells come back first, then CD8 and B cells; CD4 T cells are slowest, because an adult thymus exports
# few new naive cells. Donor chimerism (the donor share of each lineage) is near complete within a month
# after myeloablative conditioning (with reduced intensity, `regimen: flu_tbi_2gy`, it stays mixed).

# %%
fig, (ax_lym, ax_chim) = plt.subplots(1, 2, figsize=(10, 3.6), sharex=True)
for name, label in [("nk_cells_per_uL", "NK"), ("cd8_per_uL", "CD8"), ("b_cells_per_uL", "B"),
                    ("cd4_per_uL", "CD4")]:
    ax_lym.plot(counts.time_days, counts[name], label=label)
    ax_chim.plot(counts.time_days, 100 * counts[f"{name}__donor"] / counts[name], label=label)
ax_chim.plot(counts.time_days, 100 * counts.anc_1e9_per_L__donor / counts.anc_1e9_per_L, label="neutrophils")
ax_lym.set(title="Lymphocyte subsets", xlabel="day", ylabel="cells per µL", yscale="log", ylim=(1, 3000))
ax_chim.set(title="Donor chimerism", xlabel="day", ylabel="donor share (%)", ylim=(0, 105))
ax_chim.legend(fontsize="small")
fig.tight_layout()

# %% [markdown]
# ## Try it yourself
#
# * Lower the graft dose (`cd34_per_kg: 1.0e6`) and watch platelet engraftment slip; at 0.5 × 10⁶/kg the
#   graft fails (validation target T1).
# * Change `source` to `bone_marrow` or `cord_blood` (see `examples/allo_hsct_cord_blood.yaml`).
# * `hemasim run` on the same file writes `report.html` with these plots, the endpoints and the parameters.
#
# ## Where next
#
# * Mixed chimerism after reduced-intensity conditioning, immunosuppression and donor lymphocytes:
#   `examples/ric_allo_hsct.yaml` and [Conditioning and chimerism](../chimerism.md).
# * Mobilise, collect and re-infuse an autologous graft in one scenario: `examples/autologous_mobilised.yaml`
#   ([Mobilisation and apheresis](../mobilisation.md)).
# * The same transplant in a virtual population (engraftment days and graft failure per patient):
#   `hemasim cohort examples/cohort_allo_hsct.yaml --n 1000 --out out/allo_cohort` and [A virtual cohort](cohort.py).
# * How far the transplant read-outs agree with published series: the transplantation targets of the
#   [validation report card](../validation_card.md).
