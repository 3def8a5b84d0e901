"""Why the full model's pegfilgrastim protects the nadir after TC and TAC (docs/chemotherapy_full_model.md,
"Pegfilgrastim after chemotherapy: why the nadir is protected (diagnosis)"): the F2-F4 scenario (predictions12) in the
typical woman, with pegfilgrastim's exposure (with and without the chemotherapy), each of its two effects switched
off in turn (a copy of the drug set with fewer effects: the shipped file is not touched), the day of the injection
moved, what happens inside the marrow, the chemotherapy kills stretched (diagnostic copies of their sets), Melhem 2017's
own model with its own chemotherapy (the source of both effects' values), and a 200-woman TAC cohort with the same
switches. Nothing here is fitted, chosen or changed.

Run: PYTHONPATH=src python docs/pegfilgrastim_nadir_diagnosis.py (writes docs/images/pegfilgrastim_nadir.json).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

import hemasim.validation.predictions12 as p12
from hemasim.biology import healthy_human_model
from hemasim.biology.body import Covariates, body_surface_area_m2
from hemasim.pharmacology import DrugExposure, Regimen, load_drug_set
from hemasim.pharmacology.drug_sets import DrugSet
from hemasim.simulation import Result, Simulation
from hemasim.validation.patients import PATIENTS

OUT = Path(__file__).parent / "images" / "pegfilgrastim_nadir.json"
ANC = "anc_1e9_per_L"
PEG_CONC = "pegfilgrastim_concentration_ng_per_mL"
#: the typical woman of the page's other diagnoses (35 y, 60 kg, 163 cm)
WOMAN = PATIENTS["reference_female"]
TAC = p12.TcCohort(cycles=1, ages_years=(30.0, 70.0), seed=3204, cyclophosphamide_mg_per_m2=500.0,
                   doxorubicin_mg_per_m2=50.0)  # F4's chemotherapy (PROTECT-2), pegfilgrastim added per run
TC = p12.TcCohort(cycles=1, ages_years=(30.0, 70.0), seed=3202)  # F2/F3's chemotherapy, cycle 1
#: which of the set's effects a run keeps (the set has two: 0 production = the proliferating pool's input x
#: (1 + 7.53 occ), 1 maturation_speed = the post-mitotic transit sped up by (1 + 3.89 occ))
VARIANTS: dict[str, tuple[str, ...]] = {"both effects (shipped)": ("production", "maturation_speed"),
                                        "production only": ("production",),
                                        "maturation speed only": ("maturation_speed",),
                                        "PK only (no effect)": ()}
#: TC's two sets, then TAC's third
CHEMO_SETS = (p12.DOCETAXEL_SET, p12.CYCLOPHOSPHAMIDE_SET, p12.DOXORUBICIN_SET)
#: the set's receptor dissociation constant (kdPeg, 0.0959 nmol/L) in ng/mL: occupancy is 1/2 there
KD_NG_PER_ML = 0.0959 * 18802.9 / 1000.0


def peg_set(keep: tuple[str, ...]) -> DrugSet:
    """The shipped pegfilgrastim set with only the effects acting on ``keep`` (its PK, clearance included, intact)."""
    ds = load_drug_set(p12.PEGFILGRASTIM_SET)
    return ds.model_copy(update={"effects": [e for e in ds.effects if e.acts_on in keep]})


def run(chemo: p12.TcCohort | None, peg_mg: float = 6.0, peg_day: float = p12.PEGFILGRASTIM_DAY_IN_CYCLE,
        keep: tuple[str, ...] = VARIANTS["both effects (shipped)"], woman: Covariates = WOMAN,
        days: float = 21.0, stretch: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times, ANC, pegfilgrastim ng/mL) for one woman: the chemotherapy of ``chemo`` on day 0 (None: none), as
    predictions12 builds it (typical PK and marrow), and ``peg_mg`` on ``peg_day`` (0: none)."""
    r = simulate(chemo, peg_mg, peg_day, keep, woman, days, stretch=stretch)
    t = np.asarray(r.times)
    return t, r.observable(ANC), (r.observable(PEG_CONC) if peg_mg > 0 else np.zeros_like(t))


def simulate(chemo: p12.TcCohort | None, peg_mg: float = 6.0, peg_day: float = p12.PEGFILGRASTIM_DAY_IN_CYCLE,
             keep: tuple[str, ...] = VARIANTS["both effects (shipped)"], woman: Covariates = WOMAN,
             days: float = 21.0, states: bool = False, stretch: float = 1.0) -> Result:
    """The run of :func:`run` (its whole Result; ``states``: every state kept, for the marrow's read-outs;
    ``stretch``: the chemotherapy sets' kill stretched, :func:`stretched_set`)."""
    bsa = body_surface_area_m2(woman)
    events: list[Regimen] = []
    ext = []
    if chemo is not None:
        events += p12.tc_events(chemo, bsa)  # chemo has no pegfilgrastim: only the chemotherapy's regimens
        names = CHEMO_SETS if chemo.doxorubicin_mg_per_m2 > 0 else CHEMO_SETS[:2]
        ext += [DrugExposure(load_drug_set(n) if stretch == 1.0 else stretched_set(n, stretch)) for n in names]
    if peg_mg > 0:
        ds = peg_set(keep)
        assert ds.pk is not None and ds.pk.absorption is not None
        ext.append(DrugExposure(ds))
        events.append(Regimen(peg_day, "pegfilgrastim", "subcutaneous", peg_mg * 1000.0, 0.0,
                              float(ds.pk.absorption.bioavailability.value)))
    model = healthy_human_model(woman, aging=False, extensions=ext)
    observe = None if states else [ANC, PEG_CONC] if peg_mg > 0 else [ANC]
    return Simulation(model, events=events).run(days, output_every_days=p12.OUTPUT_EVERY_DAYS, observe=observe)


def episode(t: np.ndarray, anc: np.ndarray) -> dict[str, float]:
    """Nadir (1e9/L) and its day, continuous days below 0.5, and F4's read-out (consecutive daily counts below 0.5
    on run days 1-20)."""
    i = int(np.argmin(anc))
    dt = np.diff(t)
    below = float(np.sum(dt * ((anc[:-1] < 0.5) & (anc[1:] < 0.5))))
    dsn = int(p12.longest_run_of_days_below(t, anc[None, :], 0.5, *p12.DSN_COUNT_DAYS)[0])
    return {"nadir": round(float(anc[i]), 3), "nadir_day": round(float(t[i]), 2), "days_below_0p5": round(below, 2),
            "dsn_daily_counts": dsn}


def exposure(t: np.ndarray, c: np.ndarray, peg_day: float) -> dict[str, float]:
    """Cmax (ng/mL), tmax (days after the injection), AUC (ng/mL x day) and the days after the injection on which
    the concentration last exceeds Kd (occupancy 1/2) and 1 ng/mL."""
    after = t >= peg_day

    def last_above(level: float) -> float:
        idx = np.nonzero(after & (c > level))[0]
        return round(float(t[idx[-1]] - peg_day), 2) if idx.size else 0.0

    return {"cmax_ng_per_mL": round(float(c.max()), 1), "tmax_days_after_dose": round(float(t[np.argmax(c)] - peg_day), 2),
            "auc_ng_day_per_mL": round(float(np.sum(np.diff(t) * (c[1:] + c[:-1]) / 2)), 1),
            "last_day_above_kd_after_dose": last_above(KD_NG_PER_ML), "last_day_above_1_ng_per_mL": last_above(1.0)}


def daily(t: np.ndarray, x: np.ndarray, last: int = 21) -> list[float]:
    return [round(float(x[int(np.argmin(np.abs(t - d)))]), 3) for d in range(last + 1)]


def inside_the_marrow(r: Result, last: int = 12) -> dict[str, list[float]]:
    """Daily, each as a fraction of its value before the chemotherapy: MPPs, the MPP -> neutrophil progenitor flux
    (the input the production effect multiplies), neutrophil progenitors, the eight dividing precursors together and
    the 80-stage post-mitotic chain together (what the maturation speed-up empties into blood)."""
    names = [c.name for c in healthy_human_model(WOMAN, aging=False).compartments]
    precursors = np.sum([r.state(n) for n in names if n.startswith("neutrophil_precursor_")], axis=0)
    post_mitotic = np.sum([r.state(n) for n in names if n.startswith("neutrophil_maturing_")], axis=0)
    series = {"mpp": r.state("mpp"), "input_flux_mpp_to_progenitor": r.flux("mpp_to_neutrophil_progenitor"),
              "progenitors": r.state("neutrophil_progenitor"), "precursors": precursors,
              "post_mitotic_chain": post_mitotic}
    t = np.asarray(r.times)
    return {k: [round(float(v[int(np.argmin(np.abs(t - d)))] / v[0]), 3) for d in range(last + 1)]
            for k, v in series.items()}


#: Melhem 2017 as encoded in BioModels MODEL2211040001 (../shared/data/biomodels/; each value read from the SBML's
#: parameter of the same name): the patients' values (kintC, stm2C) and pegfilgrastim's PK (kscPeg, fscPeg, vdPeg,
#: cldPeg, kdPeg); the encoding's own chemotherapy (dosisChemo 75 mg/m2 at bodySurface 1.9 m2 into Chm, decaying at
#: kchm, killing the first maturation compartment Mt at chmsl x kchm x Chm per hour). Hours, mol and mol/L as there.
MELHEM = {"kp": 0.0276, "ktr": 0.033, "kc": 0.12, "sr": 0.059, "stm1": 7.53, "stm2": 3.89, "kint": 0.113,
          "ksc": 0.0188, "fsc": 0.646, "vd": 5.76, "cld": 0.362, "kd_nM": 0.0959, "mw": 18802.9,
          "chmsl": 668.0, "kchm": 0.0724, "chemo_mg_per_m2": 75.0, "bsa_m2": 1.9}


def melhem_course(peg_mg: float, chemo: bool = True, peg_hour: float = 24.0,
                  days: float = 21.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(days, ANC 1e9/L, pegfilgrastim ng/mL) of Melhem's model as encoded (its rate rules, no corticoids): its
    chemotherapy at hour 0 and ``peg_mg`` pegfilgrastim s.c. at ``peg_hour`` (the F-targets' day 1)."""
    p = MELHEM
    ke, kd = p["cld"] / p["vd"], p["kd_nM"] * 1e-9

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        sc, dt, sm, mt, pm1, pm2, rb, chm = y
        tdc = dt / p["vd"]
        b = tdc - rb - kd
        free = 0.5 * (b + np.sqrt(b * b + 4 * kd * tdc))  # the encoding's fdc: free drug at receptor binding
        bound = tdc - free
        occ = bound / rb
        k = p["ktr"] * (1 + p["stm2"] * occ)
        return [-p["ksc"] * sc, p["ksc"] * sc - ke * free * p["vd"] - p["kint"] * bound * p["vd"],
                1e-9 * p["kp"] * (1 + p["stm1"] * occ) - k * sm, k * sm - (k + p["chmsl"] * p["kchm"] * chm) * mt,
                k * (mt - pm1), k * (pm1 - pm2), k * pm2 - p["kc"] * rb, -p["kchm"] * chm]

    s0 = 1e-9 * p["kp"] / p["ktr"]
    y0 = [0.0, 0.0, s0, s0, s0, s0, 1e-9 * p["kp"] / p["kc"], p["chemo_mg_per_m2"] * p["bsa_m2"] if chemo else 0.0]
    grid = np.arange(0.0, days * 24.0 + 1e-9, 24.0 * p12.OUTPUT_EVERY_DAYS)
    first = solve_ivp(rhs, (0.0, peg_hour), y0, method="LSODA", t_eval=grid[grid <= peg_hour], rtol=1e-8, atol=1e-20)
    y1 = first.y[:, -1].copy()
    y1[0] += p["fsc"] * peg_mg * 1000.0 / p["mw"] * 1e-6  # ug -> mol into the depot, F applied (the encoding's event)
    second = solve_ivp(rhs, (peg_hour, days * 24.0), y1, method="LSODA", t_eval=grid[grid > peg_hour], rtol=1e-8,
                       atol=1e-20)
    y = np.concatenate([first.y, second.y], axis=1)
    conc_ng_per_mL = y[1] / p["vd"] * p["mw"] * 1e6  # mol/L x g/mol = g/L; x 1e6 = ng/mL
    return np.concatenate([first.t, second.t]) / 24.0, 1e9 * y[6] / p["sr"], conc_ng_per_mL


def melhem_kill_days(occupancy: float) -> float:
    """Days after Melhem's chemotherapy until its kill hazard on Mt falls below Mt's exit rate (at ``occupancy``)."""
    p = MELHEM
    hazard0 = p["chmsl"] * p["kchm"] * p["chemo_mg_per_m2"] * p["bsa_m2"]
    return float(np.log(hazard0 / (p["ktr"] * (1 + p["stm2"] * occupancy))) / p["kchm"] / 24.0)


def stretched_set(name: str, fold: float) -> DrugSet:
    """A diagnostic copy of a chemotherapy set: clearance / ``fold`` and the full-model slope / ``fold``, so the same
    integrated kill hazard (slope x AUC) is given over a longer exposure."""
    ds = load_drug_set(name)
    assert ds.pk is not None
    field = "clearance_L_per_h_per_m2" if getattr(ds.pk, "clearance_L_per_h_per_m2", None) is not None \
        else "clearance_L_per_h"
    cl = getattr(ds.pk, field)
    pk = ds.pk.model_copy(update={field: cl.model_copy(update={"value": cl.value / fold})})
    effects = []
    for e in ds.effects:
        if e.full_model is not None:
            slope = e.full_model.slope_L_per_umol
            e = e.model_copy(update={"full_model": e.full_model.model_copy(
                update={"slope_L_per_umol": slope.model_copy(update={"value": slope.value / fold})})})
        effects.append(e)
    return ds.model_copy(update={"pk": pk, "effects": effects})


def stretched_kill(chemo: p12.TcCohort, fold: float) -> dict[str, dict[str, float]]:
    """The typical woman with every chemotherapy kill stretched by ``fold`` (:func:`stretched_set`), without and with
    pegfilgrastim 6 mg on day 1 (both effects)."""
    return {"no pegfilgrastim": episode(*run(chemo, peg_mg=0.0, stretch=fold)[:2]),
            "pegfilgrastim day 1": episode(*run(chemo, stretch=fold)[:2])}


def cohort(keep: tuple[str, ...] | None, n: int = 200) -> dict[str, float]:
    """F4's TAC cohort (its seed and draws, first ``n`` women) with the pegfilgrastim set reduced to ``keep`` (None:
    no pegfilgrastim): the share below 0.5 and F4's mean duration of severe neutropenia."""
    c = p12.PROTECT2_TAC_PEG_6MG
    real_load = p12.load_drug_set

    def load(name_or_path: str | Path) -> DrugSet:
        return peg_set(keep or ()) if name_or_path == p12.PEGFILGRASTIM_SET else real_load(name_or_path)

    p12.load_drug_set = load
    try:
        cc = c if keep is not None else dataclasses.replace(c, pegfilgrastim_mg=0.0)
        times, anc = p12.tc_cohort_anc.__wrapped__(cc, n)
    finally:
        p12.load_drug_set = real_load
    dsn = p12.longest_run_of_days_below(times, anc, 0.5, *p12.DSN_COUNT_DAYS)
    return {"pct_below_0p5": round(float(100 * np.mean(anc.min(axis=1) < 0.5)), 1),
            "mean_dsn_days": round(float(np.mean(dsn)), 3),
            "median_nadir": round(float(np.median(anc.min(axis=1))), 3)}


def main(with_cohort: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # 1. exposure: 6 mg alone, after TAC and after TC
    t, anc0, c0 = run(None)
    t1, anc1, c1 = run(TAC)
    t2, anc2, c2 = run(TC)
    out["exposure_6mg"] = {"no_chemotherapy": exposure(t, c0, 1.0), "after_TAC": exposure(t1, c1, 1.0),
                           "after_TC": exposure(t2, c2, 1.0)}
    out["exposure_daily_ng_per_mL"] = {"no_chemotherapy": daily(t, c0), "after_TAC": daily(t1, c1)}
    # 2. which effect protects (typical woman)
    out["effects"] = {}
    for label, chemo in (("TAC", TAC), ("TC", TC)):
        tn, an, _ = run(chemo, peg_mg=0.0)
        rows = {"no pegfilgrastim": episode(tn, an)}
        for name, keep in VARIANTS.items():
            tv, av, _ = run(chemo, keep=keep)
            rows[name] = episode(tv, av)
        out["effects"][label] = rows
    out["tac_3mg_both_effects"] = episode(*run(TAC, peg_mg=3.0)[:2])
    # 3. timing: the injection moved later (TAC, 6 mg, both effects), and the daily ANC with and without
    tn, an, _ = run(TAC, peg_mg=0.0)
    out["timing_TAC"] = {f"pegfilgrastim on run day {d:g}": episode(*run(TAC, peg_day=d)[:2])
                         for d in (0.0, 1.0, 3.0, 5.0, 7.0, 9.0)}
    out["daily_anc_TAC"] = {"no pegfilgrastim": daily(tn, an), "pegfilgrastim day 1": daily(t1, anc1)}
    out["inside_the_marrow_TAC"] = {"no pegfilgrastim": inside_the_marrow(simulate(TAC, peg_mg=0.0, states=True)),
                                    "pegfilgrastim day 1": inside_the_marrow(simulate(TAC, states=True)),
                                    "pegfilgrastim day 7": inside_the_marrow(simulate(TAC, peg_day=7.0, states=True))}
    out["kill_stretched_x4"] = {"TAC": stretched_kill(TAC, 4.0), "TC": stretched_kill(TC, 4.0)}
    # 4. Melhem's own model and chemotherapy, the same injection day
    mt, ma, mc = melhem_course(0.0)
    out["melhem2017_own_chemotherapy"] = {
        "no pegfilgrastim": episode(mt, ma),
        **{f"pegfilgrastim {mg:g} mg": episode(*melhem_course(mg)[:2]) for mg in (6.0, 3.0)},
        "exposure_6mg_no_chemotherapy": exposure(*melhem_course(6.0, chemo=False)[::2], 1.0),
        "exposure_6mg_after_chemotherapy": exposure(*melhem_course(6.0)[::2], 1.0),
        "kill_outlasts_exit_days_occ_0_and_1": [round(melhem_kill_days(0.0), 2), round(melhem_kill_days(1.0), 2)],
        "daily_anc": {"no pegfilgrastim": daily(mt, ma), "pegfilgrastim 6 mg": daily(*melhem_course(6.0)[:2])}}
    if with_cohort:
        out["cohort_TAC_200"] = {"no pegfilgrastim": cohort(None),
                                 **{name: cohort(keep) for name, keep in VARIANTS.items() if keep}}
    return out


if __name__ == "__main__":
    result = main()
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
