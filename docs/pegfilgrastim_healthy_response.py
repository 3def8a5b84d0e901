"""Pegfilgrastim's neutrophil response in a HEALTHY adult, as the full model gives it with the shipped set
(pegfilgrastim_melhem2017: production input x (1 + 7.53 occ), post-mitotic transit x (1 + 3.89 occ)), at the doses
of the published healthy-volunteer studies (docs/chemotherapy_full_model.md, "Pegfilgrastim in healthy subjects: the
strength never checked (peg35)"): ANC peak (1e9/L) and its day, the peak within the first five days, ANC on day 14,
the ANC area under the effect curve over 0-336 h (the biosimilar studies' sampling window) raw and over baseline, and
the fold over baseline; with each of the two effects alone; beside Melhem 2017's own encoding (BioModels
MODEL2211040001) of healthy subjects (kintH, stm2H) and of its patients' values (the set's), which is a model, not
data. Last, diagnostic copies of the set (never the shipped file): both E_max scaled by one factor, and the speed-up
acting on the precursor divisions too (as filgrastim_wang2001's), and, for the record only, what each copy does to
the diagnosis's typical woman after TAC and TC. Nothing here is fitted, chosen or changed.

The subject is Q9's healthy man (30 years, 75 kg, 178 cm; Nakov 2018's subjects' mean weight), the set given through
DrugExposure as F2-F6 give it (the scenario route adds only the CD34+ egress, which does not touch the ANC); doses per
kg are for 75 kg. Run: PYTHONPATH=src python docs/pegfilgrastim_healthy_response.py (about a minute; writes
docs/images/pegfilgrastim_healthy_response.json).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp

sys.path.insert(0, str(Path(__file__).parent))
import pegfilgrastim_nadir_diagnosis as diag  # noqa: E402  (the diagnosis's run and Melhem constants)

from hemasim.biology import healthy_human_model  # noqa: E402
from hemasim.biology.body import Covariates  # noqa: E402
from hemasim.pharmacology import DrugExposure, Regimen, load_drug_set  # noqa: E402
from hemasim.pharmacology.drug_sets import DrugSet  # noqa: E402
from hemasim.simulation import Simulation  # noqa: E402

OUT = Path(__file__).parent / "images" / "pegfilgrastim_healthy_response.json"
#: Q9's healthy man (scenario pegfilgrastim_single_dose.yaml)
MAN = Covariates(age_years=30.0, sex="male", weight_kg=75.0, height_cm=178.0)
DAYS = 21.0
#: the biosimilar studies' sampling window (Nakov 2018, Roth 2019: <= 336 h after the dose)
WINDOW_H = 336.0
#: doses of the healthy-volunteer studies found (mg): 6 (Nakov 2018, Roth 2019, Hospira NCT00938678, lipegfilgrastim
#: study 2), 3 (Wessels 2019), 2 (MYL-1401H, NCT02479646), and Roskos 2006's 30, 60, 100, 300 ug/kg at 75 kg
DOSES_MG: dict[str, float] = {"6 mg": 6.0, "3 mg": 3.0, "2 mg": 2.0,
                              **{f"{u:g} ug/kg (75 kg)": u * 75.0 / 1000.0 for u in (30.0, 60.0, 100.0, 300.0)}}
#: Melhem 2017's healthy-subject values (MODEL2211040001: kintH, stm2H); the set ships the patients' kintC, stm2C
MELHEM_HEALTHY = {"kint": 0.197, "stm2": 5.21}


def read_outs(t: np.ndarray, anc: np.ndarray) -> dict[str, float]:
    """Peak (1e9/L) and its day over the run, the peak within days 0-5 and its day, ANC on days 4 and 14, AUEC over 0-336 h
    (h x 1e9/L) raw and over the pre-dose baseline, the peak's fold over baseline."""
    base = float(anc[0])
    i = int(np.argmax(anc))
    early = t <= 5.0 + 1e-9
    j = int(np.argmax(np.where(early, anc, -np.inf)))
    w = t * 24.0 <= WINDOW_H + 1e-9
    tw, aw = t[w] * 24.0, anc[w]
    auec = float(np.sum(np.diff(tw) * (aw[1:] + aw[:-1]) / 2.0))
    return {"baseline": round(base, 3), "peak": round(float(anc[i]), 2), "peak_day": round(float(t[i]), 2),
            "early_peak_days_0_5": round(float(anc[j]), 2), "early_peak_day": round(float(t[j]), 2),
            "anc_day_4": round(float(anc[int(np.argmin(np.abs(t - 4.0)))]), 2),
            "anc_day_14": round(float(anc[int(np.argmin(np.abs(t - 14.0)))]), 2),
            "auec_0_336h": round(auec, 0), "auec_0_336h_over_baseline": round(auec - base * float(tw[-1] - tw[0]), 0),
            "peak_fold_over_baseline": round(float(anc[i]) / base, 2)}


def model_course(peg_set: DrugSet, mg: float, days: float = DAYS) -> tuple[np.ndarray, np.ndarray]:
    """(days, ANC) of the healthy man given ``mg`` of ``peg_set`` s.c. on day 0 (its own bioavailability)."""
    assert peg_set.pk is not None and peg_set.pk.absorption is not None
    model = healthy_human_model(MAN, aging=False, extensions=[DrugExposure(peg_set)])
    events = [Regimen(0.0, "pegfilgrastim", "subcutaneous", mg * 1000.0, 0.0,
                      float(peg_set.pk.absorption.bioavailability.value))]
    r = Simulation(model, events=events).run(days, output_every_days=1.0 / 8.0, observe=[diag.ANC])
    return np.asarray(r.times), r.observable(diag.ANC)


def scaled_set(scale: float, divisions: bool = False, keep: tuple[str, ...] = ("production", "maturation_speed")
               ) -> DrugSet:
    """A diagnostic copy of the shipped set: both effects' E_max times ``scale``; ``divisions``: the speed-up acting
    on the precursor divisions too (as filgrastim_wang2001's); ``keep``: which effects stay."""
    ds = diag.peg_set(keep)
    effects = []
    for e in ds.effects:
        assert e.emax is not None  # both of the set's effects are E_max laws
        upd: dict[str, Any] = {"emax": e.emax.model_copy(update={"value": e.emax.value * scale})}
        if divisions and e.acts_on == "maturation_speed":
            upd["divisions"] = True
        effects.append(e.model_copy(update=upd))
    return ds.model_copy(update={"effects": effects})


def melhem_healthy_course(mg: float, healthy: bool = True, days: float = DAYS) -> tuple[np.ndarray, np.ndarray]:
    """(days, ANC) of Melhem 2017's encoding with no chemotherapy and ``mg`` pegfilgrastim s.c. at hour 0; healthy:
    kintH and stm2H, else the patients' kintC and stm2C (the set's values)."""
    p = {**diag.MELHEM, **(MELHEM_HEALTHY if healthy else {})}
    ke, kd = p["cld"] / p["vd"], p["kd_nM"] * 1e-9

    def rhs(_t: float, y: np.ndarray) -> list[float]:
        sc, dt, sm, mt, pm1, pm2, rb = y
        tdc = dt / p["vd"]
        b = tdc - rb - kd
        free = 0.5 * (b + np.sqrt(b * b + 4 * kd * tdc))  # the encoding's fdc
        bound = tdc - free
        k = p["ktr"] * (1 + p["stm2"] * bound / rb)
        return [-p["ksc"] * sc, p["ksc"] * sc - ke * free * p["vd"] - p["kint"] * bound * p["vd"],
                1e-9 * p["kp"] * (1 + p["stm1"] * bound / rb) - k * sm, k * (sm - mt), k * (mt - pm1),
                k * (pm1 - pm2), k * pm2 - p["kc"] * rb]

    s0 = 1e-9 * p["kp"] / p["ktr"]
    y0 = [p["fsc"] * mg * 1000.0 / p["mw"] * 1e-6, 0.0, s0, s0, s0, s0, 1e-9 * p["kp"] / p["kc"]]
    grid = np.arange(0.0, days * 24.0 + 1e-9, 3.0)
    s = solve_ivp(rhs, (0.0, days * 24.0), y0, method="LSODA", t_eval=grid, rtol=1e-8, atol=1e-20)
    return s.t / 24.0, 1e9 * s.y[6] / p["sr"]


def q9_scenario_route(days: float = WINDOW_H / 24.0) -> dict[str, float]:
    """Q9's own scenario (pegfilgrastim_single_dose.yaml: the `gcsf` intervention, CD34+ egress included) run over
    Nakov 2018's sampling window instead of Q9's ten days, hourly: the highest ANC within ten days and within the
    window, the hour of each (Q9's read-out is the first)."""
    import yaml

    from hemasim.assembly import assemble
    from hemasim.scenario import parse_scenario

    path = Path(__file__).parents[1] / "src" / "hemasim" / "validation" / "scenarios" / "pegfilgrastim_single_dose.yaml"
    scenario = parse_scenario({**yaml.safe_load(path.read_text(encoding="utf-8")), "duration_days": days})
    parts = assemble(scenario)
    r = Simulation(parts.model, solver=scenario.solver.build(), events=parts.events).run(
        days, 1.0 / 24.0, observe=[diag.ANC])
    t, anc = np.asarray(r.times), r.observable(diag.ANC)
    ten = t <= 10.0 + 1e-9
    i, j = int(np.argmax(np.where(ten, anc, -np.inf))), int(np.argmax(anc))
    return {"max_within_10_days": round(float(anc[i]), 2), "hour_of_max_within_10_days": round(float(t[i] * 24.0)),
            "max_within_336_h": round(float(anc[j]), 2), "hour_of_max_within_336_h": round(float(t[j] * 24.0))}


def log_fold_sse(t: np.ndarray, anc: np.ndarray, t_ref: np.ndarray, anc_ref: np.ndarray) -> float:
    """Sum of squared log differences of the two courses' folds over baseline every 6 h on days 0.25-14 (the
    filgrastim fit's measure, docs/fit_filgrastim_anc.py): a distance for the record, not an objective used here."""
    grid = np.arange(0.25, 14.0 + 1e-9, 0.25)
    a = np.interp(grid, t, anc) / anc[0]
    b = np.interp(grid, t_ref, anc_ref) / anc_ref[0]
    return round(float(np.sum((np.log(a) - np.log(b)) ** 2)), 2)


def after_chemotherapy_record(variants: dict[str, DrugSet]) -> dict[str, dict[str, dict[str, float]]]:
    """For the record, read after the decision (never used to choose): the diagnosis's typical woman after F4's TAC
    and F2's TC with pegfilgrastim 6 mg on run day 1, each diagnostic copy of the set in place of the shipped one
    (the diagnosis's episode: nadir, its day, continuous days below 0.5, F4's daily-count duration)."""
    real = diag.peg_set
    out: dict[str, dict[str, dict[str, float]]] = {}
    try:
        for name, ds in variants.items():
            def copy(keep: tuple[str, ...], _ds: DrugSet = ds) -> DrugSet:
                return _ds  # every run of the diagnosis takes this copy, whatever effects it asks for

            diag.peg_set = copy
            out[name] = {label: diag.episode(*diag.run(chemo)[:2]) for label, chemo in (("TAC", diag.TAC),
                                                                                         ("TC", diag.TC))}
    finally:
        diag.peg_set = real
    return out


def main() -> dict[str, Any]:
    out: dict[str, Any] = {"subject": "30-year-old 75-kg man (Q9's), DrugExposure route, 3-hourly grid"}
    shipped = load_drug_set(diag.p12.PEGFILGRASTIM_SET)
    out["q9_scenario_route"] = q9_scenario_route()
    out["shipped_by_dose"] = {label: read_outs(*model_course(shipped, mg)) for label, mg in DOSES_MG.items()}
    out["effects_alone_6mg"] = {name: read_outs(*model_course(diag.peg_set(keep), 6.0))
                                for name, keep in diag.VARIANTS.items() if keep}
    t6, a6 = model_course(shipped, 6.0)
    out["daily_anc_6mg_shipped"] = diag.daily(t6, a6, 21)
    tm, am = melhem_healthy_course(6.0)
    out["melhem2017_healthy_6mg"] = read_outs(tm, am)
    out["melhem2017_patients_values_6mg"] = read_outs(*melhem_healthy_course(6.0, healthy=False))
    out["melhem2017_healthy_by_dose"] = {label: read_outs(*melhem_healthy_course(mg)) for label, mg in DOSES_MG.items()}
    out["daily_anc_6mg_melhem2017_healthy"] = diag.daily(tm, am, 21)
    out["log_fold_sse_to_melhem_healthy_6mg"] = {"shipped": log_fold_sse(t6, a6, tm, am)}
    variants: dict[str, DrugSet] = {
        **{f"both E_max x {s:g}": scaled_set(s) for s in (0.25, 0.5, 2.0, 4.0)},
        "speed-up on the divisions too (shipped E_max)": scaled_set(1.0, divisions=True),
        "speed-up on the divisions too, E_max x 0.5": scaled_set(0.5, divisions=True)}
    out["variants_6mg"] = {}
    for name, ds in variants.items():
        t, a = model_course(ds, 6.0)
        out["variants_6mg"][name] = {**read_outs(t, a), "log_fold_sse_to_melhem_healthy": log_fold_sse(t, a, tm, am)}
    out["after_chemotherapy_record"] = after_chemotherapy_record({"shipped": shipped, **variants})
    return out


if __name__ == "__main__":
    result = main()
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))
