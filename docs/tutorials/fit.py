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
# # A fit: recovering the Friberg docetaxel parameters from 16 neutrophil counts
#
# [Download this tutorial](fit.py): a notebook in jupytext form; open it in Jupyter (with `jupytext`) or run it as a script.
#
# The example in `examples/fit/`: synthetic ANC counts of one patient over two cycles of docetaxel 100 mg/m²,
# generated (`generate_data.py`, seed 20261204) on the published Friberg chain with the Friberg 2002 estimates
# (mean transit time 88.7 h, feedback exponent γ 0.161, drug slope 8.58 L/µmol) and 15% log-normal noise.
# We estimate the three parameters and the noise level from the counts, then ask how well the data determine
# each one with a profile likelihood. From the command line:
# `hemasim fit examples/fit/problem.yaml --out out/fit` (all parameters profiled, a report). The problem
# format is in [Fitting](../fitting.md).

# %%
# %matplotlib inline
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from hemasim.inference.outputs import compute_fit, estimate_rows
from hemasim.inference.problem import load_problem
from hemasim.inference.uncertainty import profile_likelihood

pd.options.display.float_format = "{:.4g}".format  # tables with 4 significant digits

# the repository's examples/ (the tutorial runs from the repository or from docs/tutorials/)
EXAMPLES = next(folder / "examples" / "fit" for folder in (Path.cwd(), *Path.cwd().parents)
                if (folder / "examples" / "fit" / "problem.yaml").is_file())
problem = load_problem(EXAMPLES / "problem.yaml")
fit = compute_fit(problem, n_starts=2, seed=0, profiles=False)
generating = {"mtt_h": 88.7, "gamma": 0.161, "slope": 8.58, "sigma_anc": 0.15}
estimates = pd.DataFrame(estimate_rows(fit)).set_index("id")[["estimate", "unit", "lower", "upper"]]
estimates.assign(generating_value=pd.Series(generating))

# %% [markdown]
# ## Data and fitted curve

# %%
measured = problem.measurements
fig, ax = plt.subplots(figsize=(8, 3.4))
ax.semilogy(measured.time_days, measured.value, "o", color="black", label="measured (synthetic)")
ax.semilogy(measured.time_days, fit.predictions, "x", color="tab:red", label="fitted model at the samples")
ax.axhline(0.5, color="grey", lw=0.8)
ax.set(xlabel="day", ylabel="ANC (10⁹/L)")
ax.legend(fontsize="small")
fig.tight_layout()

# %% [markdown]
# ## How well do the data determine the transit time?
#
# The profile likelihood of the mean transit time: for each fixed value the other parameters are re-fitted; the
# 95% interval is where the objective stays within χ²(1)/2 = 1.92 of its minimum.

# %%
(profile,) = profile_likelihood(fit.objective, fit.result.x, names=["mtt_h"], max_points=12)
fig, ax = plt.subplots(figsize=(5.5, 3.4))
ax.plot(profile.natural, profile.objective - profile.best_objective, "o-")
ax.axhline(profile.threshold - profile.best_objective, color="grey", lw=0.8, label="95% threshold")
ax.axvline(generating["mtt_h"], color="black", ls="--", lw=0.8, label="generating value")
ax.set(xlabel="mean transit time (h)", ylabel="Δ objective")
ax.legend(fontsize="small")
fig.tight_layout()
print(f"MTT {profile.estimate:.1f} h, 95% CI {profile.ci_lower:.1f}-{profile.ci_upper:.1f} h")

# %% [markdown]
# ## Try it yourself
#
# * `hemasim fit examples/fit/problem.yaml --out out/fit --starts 10` profiles every parameter and writes
#   `estimates.csv`, `fitted_parameters.yaml` (a parameter set a scenario can use) and `report.html`.
# * Drop half the measurements from `measurements.csv` and watch the intervals widen.
