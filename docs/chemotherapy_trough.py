"""Why the full model's grade-4 episode after docetaxel 100 mg/m2 is short (docs/chemotherapy_full_model.md, "The
length of the grade-4 episode"): the typical woman's cycle in the full model as shipped (the endogenous G-CSF
speed-up of the post-mitotic transit fitted to 0) and with Quartino 2014's exponent 0.234 put back (at the same
slope and mitotic transit), beside two published PK/PD models fitted to docetaxel patients' ANC (Kloft 2006, the
shipped chain; Quartino 2014, its typical course from the R package myelo's encoding), what happens inside the
marrow, and the 1,000-patient cohort with and without Quartino's exponent. Nothing here is fitted or chosen.

Run: PYTHONPATH=src python docs/chemotherapy_trough.py (writes docs/images/chemo_trough.png and chemo_trough.json).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

import hemasim.validation.chemotherapy as chemo
from hemasim.biology import healthy_human_model
from hemasim.biology.body import body_surface_area_m2
from hemasim.inference.docetaxel import QUARTINO_BETA, QUARTINO_DOSE_MG, quartino_typical_anc
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, Regimen, friberg_model, load_drug_set
from hemasim.simulation import Result, Simulation
from hemasim.validation.patients import PATIENTS

IMAGES = Path(__file__).parent / "images"
ANC = "anc_1e9_per_L"
#: Quartino 2014's exponent in its own chain (shipped before the fit, which put it at 0)
QUARTINO_EXPONENT = {"neutrophil_transit_gcsf_exponent": QUARTINO_BETA}


def episode(times: np.ndarray, anc: np.ndarray) -> dict[str, float]:
    """Nadir, its day and the days below 0.5, 1.0 and 2.0e9/L over the first 21 days."""
    keep = times <= 21.0
    t, a = times[keep], anc[keep]
    dt = np.diff(t)
    i = int(np.argmin(a))
    below = {f"days_below_{c}": float(np.sum(dt * ((a[:-1] < c) & (a[1:] < c)))) for c in (0.5, 1.0, 2.0)}
    return {"nadir": float(a[i]), "nadir_day": float(t[i]), **below}


def full_model_cycle(values: dict[str, float] | None = None) -> Result:
    woman = PATIENTS["reference_female"]
    params = healthy_adult_parameters().with_values(**values) if values else healthy_adult_parameters()
    dose = Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(woman) * 1000.0, 1.0 / 24.0)
    model = healthy_human_model(woman, params, aging=False,
                                extensions=[DrugExposure(load_drug_set("docetaxel_kloft2006"))])
    return Simulation(model, events=[dose]).run(21.0, output_every_days=1.0 / 24.0)


def kloft_chain_cycle() -> Result:
    woman = PATIENTS["reference_female"]
    dose = Regimen(0.0, "docetaxel", "iv_infusion", 100.0 * body_surface_area_m2(woman) * 1000.0, 1.0 / 24.0)
    return Simulation(friberg_model(load_drug_set("docetaxel_kloft2006"), woman), events=[dose]).run(21.0, 1.0 / 24.0)


def quartino_typical(beta: float = QUARTINO_BETA, dose_mg: float = QUARTINO_DOSE_MG) -> tuple[np.ndarray, np.ndarray]:
    """Quartino 2014's typical ANC after ``dose_mg`` as a 1-h infusion (100 mg/m2 at 1.8 m2), hourly over 21 days:
    :func:`hemasim.inference.docetaxel.quartino_typical_anc` (the myelo encoding; where each value was read
    there)."""
    times = np.arange(0.0, 21.0 + 1e-9, 1.0 / 24.0)
    return times, quartino_typical_anc(times, beta=beta, dose_mg=dose_mg)


def inside_the_marrow(r: Result) -> dict[str, list[float]]:
    """Neutrophil progenitors, dividing precursors and the entry into the post-mitotic chain, each as a fraction of
    its value before the dose, daily."""
    names = [c.name for c in healthy_human_model(PATIENTS["reference_female"], aging=False).compartments]
    precursors = sum(r.state(n) for n in names if n.startswith("neutrophil_precursor_"))
    series = {"progenitors": r.state("neutrophil_progenitor"), "precursors": precursors,
              "post_mitotic_entry": r.flux("neutrophil_precursor_8_division")}
    days = [int(np.argmin(abs(r.times - d))) for d in range(22)]
    return {k: [float(v[i] / v[0]) for i in days] for k, v in series.items()}


def cohort(beta: float | None) -> dict[str, Any]:
    """The C7 cohort, every patient's G-CSF exponent set to ``beta`` (None: as shipped)."""
    draws = chemo._cohort_draws

    def with_beta(n: int, seed: int) -> Any:
        cov, per_patient, drug = draws(n, seed)
        return cov, {**per_patient, "neutrophil_transit_gcsf_exponent": np.full(n, beta)}, drug

    chemo._cohort_draws = draws if beta is None else with_beta  # type: ignore[assignment]
    try:
        c = chemo.docetaxel_cohort()
    finally:
        chemo._cohort_draws = draws  # type: ignore[assignment]
    days = c.days_anc_below_0p5
    q = [25, 50, 75, 90, 100]
    return {"grade4_any_cycle_pct": float(100 * np.mean(c.nadir_anc < 0.5)),
            "grade4_cycle1_pct": float(100 * np.mean(days > 0)),
            "grade34_pct": float(100 * np.mean(c.nadir_anc < 1.0)),
            "median_nadir_day": float(np.median(c.nadir_day)),
            "days_below_0p5_cycle1_all_q25_50_75_90_max": np.percentile(days, q).tolist(),
            "days_below_0p5_cycle1_among_grade4_q25_50_75_90_max": np.percentile(days[days > 0], q).tolist()}


def main() -> None:
    adopted, quartino_beta = full_model_cycle(), full_model_cycle(QUARTINO_EXPONENT)
    chain = kloft_chain_cycle()
    q_t, q_anc = quartino_typical()
    q0_t, q0_anc = quartino_typical(beta=0.0)
    out: dict[str, Any] = {
        "reference_woman": {
            "full_model": episode(adopted.times, adopted.observable(ANC)),
            "full_model_with_quartino_exponent": episode(quartino_beta.times, quartino_beta.observable(ANC)),
            "kloft2006_chain": episode(chain.times, chain.observable(ANC)),
            "quartino2014_typical": episode(q_t, q_anc),
            "quartino2014_typical_beta_0": episode(q0_t, q0_anc)},
        "inside_the_marrow_full_model": inside_the_marrow(adopted),
        "cohort": {"adopted": cohort(None),
                   "with_quartino_exponent": cohort(QUARTINO_EXPONENT["neutrophil_transit_gcsf_exponent"])}}
    (IMAGES / "chemo_trough.json").write_text(json.dumps(out, indent=1))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(11, 4))
    for t, a, label, style in ((adopted.times, adopted.observable(ANC), "full model", "-"),
                               (quartino_beta.times, quartino_beta.observable(ANC),
                                "full model with Quartino's G-CSF exponent 0.234", "--"),
                               (chain.times, chain.observable(ANC), "Kloft 2006 chain", ":"),
                               (q_t, q_anc, "Quartino 2014 chain (typical)", "-.")):
        ax.plot(t, a, style, label=label)
    ax.axhline(0.5, color="grey", lw=0.8)
    ax.set(yscale="log", xlabel="day", ylabel="ANC (1e9/L)", title="docetaxel 100 mg/m2, typical woman")
    ax.legend(fontsize=8)
    marrow = out["inside_the_marrow_full_model"]
    for key, series in marrow.items():
        bx.plot(range(22), series, label=key.replace("_", " "))
    bx.plot(adopted.times, adopted.observable(ANC) / adopted.observable(ANC)[0], "k", lw=0.8, label="blood ANC")
    bx.set(yscale="log", ylim=(1e-3, 2), xlabel="day", ylabel="fraction of the value before the dose",
           title="full model: inside the neutrophil marrow")
    bx.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMAGES / "chemo_trough.png", dpi=110)
    print(json.dumps(out["reference_woman"], indent=1))
    print(json.dumps(out["cohort"], indent=1))


if __name__ == "__main__":
    main()
