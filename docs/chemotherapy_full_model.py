"""Figures and numbers of docs/chemotherapy_full_model.md: the typical docetaxel 100 mg/m2 cycle in the full model
beside the Kloft 2006 Friberg chain, and the 1,000-patient virtual cohort (targets C7, C8 and the grade-4
read-outs), and the fit of the G-CSF speed-up exponent (docs/images/chemo_gcsf_fit.json). Run: PYTHONPATH=src python
docs/chemotherapy_full_model.py [N] (N patients, default 1000; writes docs/images/chemo_full_model.png,
chemo_fit_profiles.png, chemo_gcsf_fit.png and chemo_cohort.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.pharmacology import DrugExposure, Regimen, friberg_model, load_drug_set
from hemasim.simulation import Simulation
from hemasim.validation.chemotherapy import docetaxel_cohort
from hemasim.validation.patients import PATIENTS

IMAGES = Path(__file__).parent / "images"
OBS = ("anc_1e9_per_L", "platelets_1e9_per_L", "hemoglobin_g_per_dL")


#: the structure before the joint fit (assumed: 4 stages, 4 divisions, 4-d mitotic transit; slope 42.06 fitted alone)
BEFORE = {"neutrophil_maturation_stages": 4, "neutrophil_precursor_divisions": 4,
          "neutrophil_mitotic_transit_days": 4.0}
BEFORE_SLOPE = 42.06
#: the values before the G-CSF exponent was fitted (Quartino's exponent; slope and mitotic transit of the structure fit)
BEFORE_GCSF = {"neutrophil_transit_gcsf_exponent": 0.234, "neutrophil_mitotic_transit_days": 6.08}
BEFORE_GCSF_SLOPE = 19.79


def typical_courses() -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """(times, full-model observables, chain times, chain ANC, full-model ANC before the fit) of one cycle in the
    reference woman."""
    from hemasim.inference.sources import drug_set_with_values
    from hemasim.parameters import healthy_adult_parameters

    pat = PATIENTS["reference_female"]
    ds = load_drug_set("docetaxel_kloft2006")
    dose = Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(pat) * 1000.0, 1.0 / 24.0)
    full = Simulation(healthy_human_model(pat, aging=False, extensions=[DrugExposure(ds)]),
                      events=[dose]).run(35.0, output_every_days=0.125)
    chain = Simulation(friberg_model(ds, pat), events=[dose]).run(35.0, output_every_days=0.125)
    before_ds = drug_set_with_values(ds, {"effects.0.full_model.slope_L_per_umol": BEFORE_SLOPE})
    before = Simulation(healthy_human_model(pat, healthy_adult_parameters().with_values(**BEFORE), aging=False,
                                            extensions=[DrugExposure(before_ds)]),
                        events=[dose]).run(35.0, output_every_days=0.125)
    return (full.times, {o: full.observable(o) for o in OBS}, chain.times, chain.observable("anc_1e9_per_L"),
            before.observable("anc_1e9_per_L"))


def cohort_summary(n: int) -> dict[str, float]:
    c = docetaxel_cohort(n=n)
    q = (25, 50, 75)
    g4 = c.nadir_anc < 0.5
    return {
        "n": n,
        "grade34_neutropenia_pct": float(100 * np.mean(c.nadir_anc < 1.0)),
        "grade4_neutropenia_pct": float(100 * np.mean(g4)),
        "nadir_anc_quartiles": [float(v) for v in np.percentile(c.nadir_anc, q)],
        "nadir_day_quartiles": [float(v) for v in np.percentile(c.nadir_day, q)],
        "days_grade4_quartiles_all": [float(v) for v in np.percentile(c.days_anc_below_0p5, q)],
        "days_grade4_quartiles_grade4_patients": ([float(v) for v in np.percentile(c.days_anc_below_0p5[g4], q)]
                                                  if g4.any() else []),
        "grade34_thrombocytopenia_pct": float(100 * np.mean(c.nadir_platelets < 50.0)),
        "nadir_platelets_quartiles": [float(v) for v in np.percentile(c.nadir_platelets, q)],
        "nadir_hemoglobin_quartiles": [float(v) for v in np.percentile(c.nadir_hemoglobin, q)],
    }


def plot(t: np.ndarray, full: dict[str, np.ndarray], tc: np.ndarray, chain_anc: np.ndarray,
         before_anc: np.ndarray) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.6))
    ax = axes[0]
    ax.plot(tc, chain_anc, label="Friberg chain (Kloft 2006)", color="0.4", ls="--")
    ax.plot(t, before_anc, label="full model, assumed structure (before)", color="C0", lw=0.9, ls=":")
    ax.plot(t, full["anc_1e9_per_L"], label="full model, fitted structure and G-CSF exponent", color="C0")
    ax.axhline(0.5, color="C3", lw=0.8, ls=":")
    ax.text(34.5, 0.55, "grade 4", color="C3", ha="right", fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("ANC (1e9/L)")
    ax.legend(fontsize=8)
    axes[1].plot(t, full["platelets_1e9_per_L"], color="C2")
    axes[1].set_ylabel("platelets (1e9/L), full model")
    axes[2].plot(t, full["hemoglobin_g_per_dL"], color="C1")
    axes[2].set_ylabel("haemoglobin (g/dL), full model")
    for a in axes:
        a.set_xlabel("day after docetaxel 100 mg/m2 (1-h infusion)")
    fig.suptitle("One docetaxel cycle, reference woman: full multilineage model vs the Friberg chain", fontsize=10)
    fig.tight_layout()
    fig.savefig(IMAGES / "chemo_full_model.png", dpi=110)


def plot_profiles() -> None:
    """The joint fit's profiles (docs/images/chemo_fit.json): the integer structure on its grid, the slope and the
    mitotic transit at the adopted structure."""
    fit = json.loads((IMAGES / "chemo_fit.json").read_text())
    fig, axes = plt.subplots(1, 4, figsize=(15, 3.4))
    for ax, key, label in ((axes[0], "stage_profile", "maturation stages"),
                           (axes[1], "division_profile", "precursor divisions")):
        prof = {int(k): v for k, v in fit[key].items()}
        ax.plot(list(prof), list(prof.values()), "o-")
        ax.axhline(1.92, color="C3", ls=":", lw=0.8)
        ax.set_xlabel(label)
        ax.set_ylabel("objective - grid best")
    axes[0].set_xscale("log")
    adopted = fit["adopted"]
    for ax, name, label in ((axes[2], "slope", "full-model slope (L/umol)"),
                            (axes[3], "mitotic_days", "mitotic transit (days)")):
        prof = adopted["profiles"][name]
        ax.plot(prof["values"], np.asarray(prof["objective"]) - adopted["objective_course_and_craig"], "-")
        ax.axhline(1.92, color="C3", ls=":", lw=0.8)
        ax.set_xlabel(label)
        ax.set_ylabel("objective - its minimum")
    fig.suptitle(f"Joint fit: profiles (adopted {adopted['stages']} stages, {adopted['divisions']} divisions; "
                 "dotted: 95% step)", fontsize=10)
    fig.tight_layout()
    fig.savefig(IMAGES / "chemo_fit_profiles.png", dpi=110)


def plot_gcsf_fit() -> None:
    """The G-CSF exponent fit (docs/images/chemo_gcsf_fit.json): the two calibration courses with the full model at
    the adopted values and before (Quartino's exponent 0.234, slope 19.79, mitotic transit 6.08 d), and beta's
    profile."""
    from hemasim.inference.sources import drug_set_with_values
    from hemasim.parameters import healthy_adult_parameters

    fit = json.loads((IMAGES / "chemo_gcsf_fit.json").read_text())
    pat = PATIENTS["reference_female"]
    ds = load_drug_set("docetaxel_kloft2006")
    dose = Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(pat) * 1000.0, 1.0 / 24.0)
    now = Simulation(healthy_human_model(pat, aging=False, extensions=[DrugExposure(ds)]),
                     events=[dose]).run(21.0, output_every_days=0.125)
    before_ds = drug_set_with_values(ds, {"effects.0.full_model.slope_L_per_umol": BEFORE_GCSF_SLOPE})
    before = Simulation(healthy_human_model(pat, healthy_adult_parameters().with_values(**BEFORE_GCSF), aging=False,
                                            extensions=[DrugExposure(before_ds)]),
                        events=[dose]).run(21.0, output_every_days=0.125)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax.plot(fit["data_days"], fit["data_kloft"], "ks", ms=4, label="Kloft 2006 typical course (C9)")
    ax.plot(fit["data_days"], fit["data_quartino"], "o", color="C1", ms=4, label="Quartino 2014 typical course")
    a = fit["adopted"]
    ax.plot(now.times, now.observable("anc_1e9_per_L"), "C0",
            label=f"full model, fitted: beta {a['beta']:.3g}, slope {a['slope']:.2f}, mitotic {a['mitotic_days']:.2f} d")
    ax.plot(before.times, before.observable("anc_1e9_per_L"), "C0:",
            label="before: beta 0.234, slope 19.79, mitotic 6.08 d")
    ax.set(yscale="log", ylim=(0.05, 12), xlabel="day after docetaxel 100 mg/m2", ylabel="ANC (1e9/L)")
    ax.legend(fontsize=7, loc="lower left")
    joint = fit["joint"]
    prof = joint["profiles"]["beta"]
    bx.plot(prof["values"], np.asarray(prof["objective"]) - joint["objective_courses_and_craig"], "o-",
            label="profile (slope, mitotic transit refitted)")
    q = fit["joint_beta_fixed_quartino"]
    bx.plot([0.234], [q["objective"] - joint["objective"]], "s", color="C3", label="Quartino's 0.234, refitted")
    bx.axhline(1.92, color="C3", ls=":", lw=0.8)
    bx.set(xlabel="G-CSF exponent beta", ylabel="objective - its minimum")
    bx.legend(fontsize=8)
    fig.suptitle("G-CSF speed-up exponent fitted in the full model (80 stages, 8 divisions); dotted: 95% step",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(IMAGES / "chemo_gcsf_fit.png", dpi=110)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    t, full, tc, chain, before = typical_courses()
    plot(t, full, tc, chain, before)
    plot_profiles()
    plot_gcsf_fit()
    typical = {"full_nadir_anc": float(full["anc_1e9_per_L"][t <= 21].min()),
               "full_nadir_day": float(t[t <= 21][np.argmin(full["anc_1e9_per_L"][t <= 21])]),
               "chain_nadir_anc": float(chain[tc <= 21].min()),
               "chain_nadir_day": float(tc[tc <= 21][np.argmin(chain[tc <= 21])]),
               "full_nadir_platelets": float(full["platelets_1e9_per_L"].min()),
               "full_nadir_hemoglobin": float(full["hemoglobin_g_per_dL"].min())}
    summary = {"typical": typical, "cohort": cohort_summary(n)}
    (IMAGES / "chemo_cohort.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))
