"""Regenerate the figures used in the README and docs: `python docs/make_figures.py`."""

import runpy
from pathlib import Path

from hemasim.assembly import run_scenario
from hemasim.report.plots import lineage_figure
from hemasim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]

runpy.run_path(str(ROOT / "docs" / "clonal_history_figure.py"), run_name="__main__")  # its own script: a test reads it

from hemasim.clonal.ch import simulate_ch_cohort  # noqa: E402
from hemasim.clonal.report import prevalence_figure  # noqa: E402

prevalence_figure(simulate_ch_cohort(1000, seed=0)).savefig(ROOT / "docs" / "images" / "ch_prevalence.png", dpi=60)

for name in ("healthy_adult", "marrow_depletion"):
    result = run_scenario(load_scenario(ROOT / "examples" / f"{name}.yaml"))
    lineage_figure(result).savefig(ROOT / "docs" / "images" / f"{name}.png", dpi=60)
    print("wrote", ROOT / "docs" / "images" / f"{name}.png")

# Drugs: one docetaxel cycle (Kloft 2006 set) on the Friberg chain and the full model, +/- pegfilgrastim
import matplotlib  # noqa: E402

matplotlib.use("Agg")
from matplotlib.figure import Figure  # noqa: E402

from hemasim.biology import Covariates, healthy_human_model  # noqa: E402
from hemasim.biology.body import body_surface_area_m2  # noqa: E402
from hemasim.pharmacology import DrugExposure, Regimen, friberg_model, load_drug_set  # noqa: E402
from hemasim.simulation import Simulation  # noqa: E402

patient = Covariates(55.0, "female", 70.0, 165.0)
doc = load_drug_set("docetaxel_kloft2006")
peg = load_drug_set("pegfilgrastim_melhem2017")
cycle = Regimen(0.0, "docetaxel", "iv_infusion", 100 * body_surface_area_m2(patient) * 1000, 1 / 24)
runs = {
    "Friberg chain (Kloft 2006 set)": Simulation(friberg_model(doc, patient), events=[cycle]).run(21, 0.25),
    "full model": Simulation(healthy_human_model(patient, aging=False, extensions=[DrugExposure(doc)]),
                             events=[cycle]).run(21, 0.25),
    "full model + pegfilgrastim 6 mg day 2": Simulation(
        healthy_human_model(patient, aging=False, extensions=[DrugExposure(doc), DrugExposure(peg)]),
        events=[cycle, Regimen(1.0, "pegfilgrastim", "subcutaneous", 6000.0, bioavailability=0.646)]).run(21, 0.25),
}
fig = Figure(figsize=(8, 4), layout="constrained")
ax = fig.subplots()
for label, r in runs.items():
    ax.plot(r.times, r.observable("anc_1e9_per_L"), lw=1.8, label=label)
for thr, grade in ((1.0, "G3"), (0.5, "G4")):
    ax.axhline(thr, color="tab:red", lw=0.8, ls=":")
    ax.text(0.2, thr, f" CTCAE {grade}", color="tab:red", fontsize=8, va="bottom")
ax.set_yscale("log")
ax.set_xlabel("day after docetaxel 100 mg/m2 (1-h infusion)")
ax.set_ylabel("ANC (1e9/L)")
ax.grid(alpha=0.3, which="both")
ax.legend(fontsize=8)
fig.savefig(ROOT / "docs" / "images" / "docetaxel_cycle.png", dpi=70)
print("wrote", ROOT / "docs" / "images" / "docetaxel_cycle.png")

result = run_scenario(load_scenario(ROOT / "examples" / "allo_hsct_pbsc.yaml"))
lineage_figure(result).savefig(ROOT / "docs" / "images" / "allo_hsct_pbsc.png", dpi=60)
print("wrote", ROOT / "docs" / "images" / "allo_hsct_pbsc.png")

from hemasim.report.plots import infection_figure  # noqa: E402

fig = infection_figure(run_scenario(load_scenario(ROOT / "examples" / "infection_healthy_adult.yaml")))
fig.savefig(ROOT / "docs" / "images" / "infection_healthy_adult.png", dpi=60)
print("wrote", ROOT / "docs" / "images" / "infection_healthy_adult.png")

from hemasim.interventions.transplant import graft_day  # noqa: E402


def _transplant_example(name: str):  # noqa: ANN202 - a (result, months after the graft) pair
    result = run_scenario(load_scenario(ROOT / "examples" / f"{name}.yaml"))
    return result, (result.times - graft_day(result.record.scenario.interventions)) / (365.25 / 12)


def _finish(ax, ylabel: str) -> None:  # noqa: ANN001
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)


def _save(fig: Figure, name: str) -> None:
    fig.savefig(ROOT / "docs" / "images" / f"{name}.png", dpi=70)
    print("wrote", ROOT / "docs" / "images" / f"{name}.png")


# An unconditioned X-SCID infant (examples/xscid_unconditioned.yaml): donor T and NK cells, host B cells; D3 marked
result, months = _transplant_example("xscid_unconditioned")
fig = Figure(figsize=(8, 4), layout="constrained")
ax = fig.subplots()
for name, label in (("cd3_per_uL", "CD3 T cells"), ("cd4_per_uL", "CD4"), ("cd8_per_uL", "CD8"),
                    ("nk_cells_per_uL", "NK"), ("b_cells_per_uL", "B")):
    line, = ax.plot(months, result.observable(name), lw=1.8, label=label)
    ax.plot(months, result.observable(f"{name}__donor"), lw=1.2, ls="--", color=line.get_color())
ax.plot([6.0], [1000.0], marker="v", color="k", ls="none", label="D3: CD3 > 1000/uL by month 6")
ax.set_xlim(0, 24)
ax.set_xlabel("months after the graft")
_finish(ax, "cells/uL (dashed: donor-derived)")
_save(fig, "xscid_unconditioned")

# A child after Cy/TBI and a T-depleted marrow graft (examples/child_tcd_marrow.yaml): CD4, CD8 and their ratio (T4)
result, months = _transplant_example("child_tcd_marrow")
fig = Figure(figsize=(8, 5), layout="constrained")
counts, ratio = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
for name, label in (("cd4_per_uL", "CD4"), ("cd8_per_uL", "CD8"), ("b_cells_per_uL", "B"), ("nk_cells_per_uL", "NK")):
    counts.plot(months, result.observable(name), lw=1.8, label=label)
_finish(counts, "cells/uL")
cd4, cd8 = result.observable("cd4_per_uL"), result.observable("cd8_per_uL")
after = months > 0.5
ratio.plot(months[after], cd4[after] / cd8[after], color="k", lw=1.5, label="CD4:CD8")
ratio.axhline(1.0, color="grey", lw=0.8)
ratio.axvspan(0, 12, color="tab:red", alpha=0.1, label="Kook 1996: inverted until 12 months")
ratio.set_ylim(0, 3)
ratio.set_xlim(0, 36)
ratio.set_xlabel("months after the graft")
_finish(ratio, "CD4:CD8")
_save(fig, "child_tcd_marrow")


# Blood CD34+ under filgrastim (docs/mobilisation.md): the model against the cited daily courses
from hemasim.interventions.apheresis import filgrastim_course  # noqa: E402

fig = Figure(figsize=(8, 4), layout="constrained")
ax = fig.subplots()
for dose, colour in ((10.0, "tab:blue"), (16.0, "tab:orange")):
    t, cd34 = filgrastim_course(dose, [0, 1, 2, 3, 4], 10.0, every_days=0.1)
    ax.plot(t + 1, cd34, color=colour, lw=1.8, label=f"model, {dose:g} ug/kg/d x5 (doses on days 1-5)")
ax.errorbar([4, 5, 6], [60.7, 128, 107], yerr=[1.96 * s / 22**0.5 for s in (40.2, 136, 104)], fmt="o",
            color="tab:blue", capsize=3, label="Transfus Med 1997, 7.5-10 ug/kg/d, mean +- 95% CI (fitted)")
ax.errorbar([4], [187], yerr=[[187 - 51.2], [1127 - 187]], fmt="s", color="tab:orange", capsize=3,
            label="J Hematother 1996, 16 ug/kg/d: peak median (range)")
ax.errorbar([4], [35.6], yerr=[[35.6 - 3.1], [185 - 35.6]], fmt="^", color="tab:green", capsize=3,
            label="Transfus Med 2005, 5 ug/kg twice daily x3: day 4 median (range)")
ax.plot([5], [81.2], "D", color="tab:purple", label="repeated-mobilisation study, 10 ug/kg/d: day 5 median")
ax.axvspan(5, 6, color="grey", alpha=0.15, label="20-donor study: day of peak")
ax.set_xlabel("day of G-CSF (day 1 = first dose)")
ax.set_yscale("log")
ax.set_ylim(1, 1500)
_finish(ax, "blood CD34+ (cells/uL)")
_save(fig, "gcsf_mobilisation")

# Filgrastim's neutrophil response (docs/mobilisation.md, "The neutrophil response to filgrastim"): the calibration
# course (Melhem 2017's typical ANC fold at 300 ug/d x5) and the model at the G8 dose
import importlib.util  # noqa: E402

from hemasim.validation.scenario_runs import scenario_run  # noqa: E402

_spec = importlib.util.spec_from_file_location("fit_filgrastim_anc", ROOT / "docs" / "fit_filgrastim_anc.py")
assert _spec is not None and _spec.loader is not None
anc_fit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(anc_fit)
fig = Figure(figsize=(10, 4), layout="constrained")
cal, g8 = fig.subplots(1, 2)
cal.plot(anc_fit.TIMES, anc_fit.melhem_fold(), "o", ms=3, color="k", label="Melhem 2017 model, 300 ug/d x5 (fitted)")
cal.plot(anc_fit.TIMES, anc_fit.model_fold("filgrastim_wang2001"), color="tab:blue", lw=1.8, label="full model")
cal.set_xlabel("day (first dose on day 0)")
_finish(cal, "ANC / ANC before the first dose")
result = scenario_run("filgrastim_mobilisation")
g8.plot(result.times + 1, result.observable("anc_1e9_per_L"), color="tab:blue", lw=1.8,
        label="full model, 10 ug/kg/d x5 (doses on days 1-5)")
g8.errorbar([6], [36.6], yerr=[1.96 * 12.8 / 22**0.5], fmt="o", color="tab:red", capsize=3,
            label="G8: Transfus Med 1997 day 6, mean +- 95% CI (prediction)")
g8.set_xlabel("day of G-CSF (day 1 = first dose)")
_finish(g8, "ANC (1e9/L)")
_save(fig, "filgrastim_anc")
