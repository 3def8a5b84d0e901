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
# # Fitting the model to a patient's counts, with uncertainty
#
# [Download this tutorial](fit.py): a notebook in jupytext form; open it in Jupyter (with `jupytext`); run as a script, it computes the same but shows only what it prints (the tables and figures are notebook output).
#
# Sixteen absolute neutrophil counts of one patient over two cycles of docetaxel 100 mg/m2 q3w, simulated from
# the Friberg 2002 chain (MTT 88.7 h, feedback gamma 0.161, slope 8.58 L/umol) with 15% log-normal noise
# (`examples/fit/generate_data.py`, seed 20261204). We estimate MTT, gamma, the drug slope and the noise level
# from them, see how well the data determine the transit time and the drug's slope (profile likelihoods), and
# compare with the values that generated the data. From the command line the same fit is
# `hemasim fit examples/fit/problem.yaml --out out/fit`. See [Fitting to data](../fitting.md). It takes about
# ten seconds, the longest of the tutorials (7 s of CPU), nearly all of it the fit: two starts, then two profile
# likelihoods re-optimised along their grids (7.5-12 s as a script, 10.5-16 s as a notebook, on a shared two-core
# machine).

# %%
# %matplotlib inline
import tempfile
from pathlib import Path

import pandas as pd

import hemasim
from hemasim.inference.outputs import run_fit


def repository_file(relative: str) -> Path:
    """A file of the repository, found from wherever this notebook runs: above it, or in the clone hemasim was
    installed from (`pip install -e .`, `make demo`)."""
    clone = Path(hemasim.__file__).resolve().parents[2]
    for folder in [Path.cwd(), *Path.cwd().parents, clone]:
        if (folder / relative).exists():
            return folder / relative
    raise FileNotFoundError(f"{relative}: this tutorial reads the example problem of the hemasim repository; run it "
                            "inside a clone of the repository, or install hemasim from one (pip install -e .)")


def show(figure: Path) -> None:
    """A figure the fit wrote: shown in a notebook; run as a plain script (`python fit.py`, where IPython may not be
    installed: it is not a dependency of hemasim), its path printed."""
    try:
        from IPython.display import Image, display
    except ImportError:
        print(f"figure: {figure}")
        return
    display(Image(filename=str(figure)))


problem = repository_file("examples/fit/problem.yaml")
print(problem.read_text())

# %% [markdown]
# The problem file is data: the measurements table (`measurements.csv`: condition, time in days, observable,
# value), the scenario each condition runs (`scenario.yaml`: the Friberg chain of `docetaxel_friberg2002`,
# two cycles), the observable with its noise model and assay limit, and the estimated parameters with bounds
# (searched on a log scale). The measurements:

# %%
pd.read_csv(problem.parent / "measurements.csv").head(8)

# %% [markdown]
# ## The fit
#
# Two starts from a seeded Latin hypercube (both reach the same optimum here; `hemasim fit` makes 10 by default);
# every objective and gradient evaluation runs its parameter vectors as one batch on the lock-step kernel. Then a
# profile likelihood of MTT and of the slope gives each its 95% interval. Each profile is a series of fits, one per
# point, so here only these two are profiled; `profiles=True`, as `hemasim fit` does, profiles every estimated
# parameter (gamma and the noise level too), the others show "not profiled".

# %%
out = Path(tempfile.mkdtemp()) / "fit"
files = run_fit(problem, out, n_starts=2, seed=0, profiles=["mtt_h", "slope"])
estimates = pd.read_csv(out / "estimates.csv")
estimates

# %% [markdown]
# The generating values (88.7 h, 8.58 L/umol) should lie inside the 95% profile intervals most of the time, not
# always: over 20 noise draws the three model parameters (MTT, gamma, slope) were covered 20 times out of 20
# (`python bench/bench_fit.py --coverage 20`).

# %%
truth = {"mtt_h": 88.7, "gamma": 0.161, "slope": 8.58, "sigma_anc": 0.15}
profiled = estimates[estimates["identifiability"] != "not profiled"]
check = profiled[["id", "estimate", "ci95_lower", "ci95_upper", "identifiability"]].copy()
check["generating"] = check["id"].map(truth)
check["inside"] = (check["ci95_lower"] <= check["generating"]) & (check["generating"] <= check["ci95_upper"])
check

# %% [markdown]
# ## What the data determine
#
# Each profile re-optimises the other parameters with the profiled one held fixed; where the curve crosses the
# chi-square threshold on both sides, the data determine the parameter.

# %%
show(out / "profiles.png")

# %%
show(out / "observed_vs_predicted.png")

# %% [markdown]
# The folder also holds `fitted_parameters.yaml`: a fitted parameter set (provenance `Fitted`, naming the data
# and the objective value) that a scenario loads with `parameter_set: fitted_parameters.yaml`, and
# `report.html` with every figure. For a population of patients, `hemasim fit-population` fits typical values
# and between-patient variability by SAEM ([Population fitting](../population_fitting.md)).
