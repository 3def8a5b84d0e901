"""Fit of filgrastim's marrow transit speed-up (drug set ``filgrastim_wang2001``, effect 1) to the typical ANC
course of Melhem 2017's healthy-subject PK/PD model (BioModels MODEL2211040001) under 300 ug s.c. daily on days
0-4, as the fold over each model's own baseline, every 6 h on days 0.25-10 (the rule in docs/mobilisation.md,
"The neutrophil response to filgrastim"). Candidates: C1, the post-mitotic chain only; C2, the precursor divisions
too; C3, C2 with the production stimulus's EC50 fitted as well (E_max held at Wang 2001's; C3free: E_max free).
The twenty-second session's candidates (docs/mobilisation.md, "Exogenous G-CSF on top of endogenous G-CSF"), each
with the production EC50 and the speed-up's E_max and EC50 free: A, C3's placement with both effects acting through
the receptor occupancy of total G-CSF (endogenous, Quartino 2014's turnover, plus the drug; A2: its production
E_max read from Wang's 12.7-fold over the resting state; A2p: A2 with the speed-up on the post-mitotic chain
only); B, the shipped law with
the speed-up on the post-mitotic chain only and its E_max at most Price 1996's 1.21; AB, both.
Run: PYTHONPATH=src python docs/fit_filgrastim_anc.py [--candidate C1|C2|C3|C3free|A|A2|A2p|B|AB] (a minute of CPU each)."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from scipy.integrate import solve_ivp
from scipy.optimize import minimize

from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology.drug_sets import load_drug_set
from hemasim.pharmacology.pkpd import emax_for_fold_over_rest, endogenous_steady_state, shared_receptor_factor

_PARAMETERS = healthy_adult_parameters()

#: Melhem 2017 as encoded in MODEL2211040001 (hours, nmol/L; healthy subjects: kintH, stm2H; no corticoids)
MELHEM = dict(ksc=0.123, fsc=1.0, mw=18802.9, vd=3.12, cld=0.833, kint=0.197, kd=0.0237, sr=0.059,
              kp=0.0276, ktr=0.033, kc=0.12, stm1=7.53, stm2=5.21)
DOSE_UG, DOSE_DAYS, WEIGHT_KG = 300.0, (0, 1, 2, 3, 4), 75.0
TIMES = np.arange(1, 41) * 0.25  # days 0.25 ... 10
#: Wang 2001's production stimulus as shipped before this fit (E_max, SC50 ng/mL, Hill): C1 and C2 keep it
WANG_PRODUCTION = (11.7, 4.72, 1.34)


def _melhem_rhs(_t: float, y: np.ndarray, p: dict[str, float]) -> list[float]:
    sc, dt, sm, mt, pm1, pm2, rb = y
    tdc, kd = dt / p["vd"], p["kd"]
    a = tdc - rb - kd
    free = 0.5 * (a + np.sqrt(a * a + 4.0 * kd * tdc))  # quasi-steady binding (the SBML's fdc)
    occupancy = (tdc - free) / rb
    k = p["ktr"] * (1.0 + p["stm2"] * occupancy)
    return [-p["ksc"] * sc, p["ksc"] * sc - p["cld"] * free - p["kint"] * (tdc - free) * p["vd"],
            p["kp"] * (1.0 + p["stm1"] * occupancy) - k * sm, k * (sm - mt), k * (mt - pm1), k * (pm1 - pm2),
            k * pm2 - p["kc"] * rb]


def melhem_fold(p: dict[str, float] = MELHEM, dose_days: tuple[float, ...] = DOSE_DAYS,
                times: np.ndarray = TIMES) -> np.ndarray:
    """Melhem's typical ANC over its baseline at ``times`` (doses of DOSE_UG on ``dose_days``)."""
    y = np.array([0.0, 0.0] + [p["kp"] / p["ktr"]] * 4 + [p["kp"] / p["kc"]])
    base = y[6]
    out: list[float] = []
    edges = [*(d * 24.0 for d in dose_days), times[-1] * 24.0]
    t0 = 0.0
    for i, t1 in enumerate(edges):
        if t1 > t0:
            want = [t * 24.0 for t in times if t0 < t * 24.0 <= t1]
            s = solve_ivp(_melhem_rhs, (t0, t1), y, args=(p,), t_eval=want or None, method="LSODA",
                          rtol=1e-9, atol=1e-14, dense_output=True)
            out += list(s.sol(want)[6]) if want else []
            y = s.sol(t1)
            t0 = t1
        if i < len(dose_days):
            y[0] += p["fsc"] * DOSE_UG / p["mw"] * 1e3  # ug -> nmol
    return np.array(out) / base


#: Quartino 2014's endogenous G-CSF (radivot/myelo quartino14.R: GCSF0 24.3, read as pg/mL, at Circ0 3.53e9/L) as
#: the shipped set carries it: the reference and the set's endogenous_ligand block
_SHIPPED: dict[str, Any] = load_drug_set("filgrastim_wang2001").model_dump(exclude_none=True)
QUARTINO = _SHIPPED["references"]["Quartino2014"]
ENDOGENOUS = _SHIPPED["endogenous_ligand"]
#: Price 1996: post-mitotic transit 6.4 -> 2.9 days on 300 ug/day, the most the speed-up may do in B and AB
PRICE_EMAX = 6.4 / 2.9 - 1.0
#: candidate -> (speed-up on the divisions too, one receptor law with endogenous G-CSF, speed-up E_max bound)
NEW_CANDIDATES = {"A": (True, True, 100.0), "B": (False, False, PRICE_EMAX), "AB": (False, True, PRICE_EMAX),
                  "A2": (True, True, 100.0), "A2p": (False, True, 100.0)}
#: A2: resting endogenous G-CSF of the calibration man (Quartino's turnover at the set-point ANC), ng/mL
RESTING_G = float(endogenous_steady_state(
    ENDOGENOUS["baseline_ng_per_mL"]["value"], ENDOGENOUS["reference_anc_1e9_per_L"]["value"],
    *(_PARAMETERS.value(n) for n in ("gcsf_renal_elimination_rate_per_h", "gcsf_neutrophil_elimination_rate_per_h_per_anc",
                                     "anc_setpoint_1e9_per_L"))))


def a2_production_emax(ec50: float) -> float:
    """A2's production E_max: Wang 2001's 12.7-fold read over the resting state, (1 + E)/S(G0) = 12.7, Hill 1 (inf
    where no E can give it)."""
    return emax_for_fold_over_rest(1.0 + WANG_PRODUCTION_EMAX, RESTING_G, ec50, 1.0)


def drug_set_file(folder: Path, emax: float, ec50: float, divisions: bool,
                  production: tuple[float, float] | None = None, shared: bool = False) -> Path:
    """The shipped ``filgrastim_wang2001`` with effect 1 replaced (E_max, EC50 ng/mL, Hill 1) and effect 0 set to
    ``production`` (E_max, EC50; Hill 1), or to Wang 2001's published stimulus if None; with ``shared``, both acting
    through one receptor with endogenous G-CSF (Quartino 2014)."""
    data: dict[str, Any] = json.loads(load_drug_set("filgrastim_wang2001").model_dump_json(exclude_none=True))
    data["name"] = "filgrastim_wang2001"
    data.pop("endogenous_ligand", None)
    if shared:
        data["references"]["Quartino2014"] = QUARTINO
        data["endogenous_ligand"] = ENDOGENOUS
    prod = (production[0], production[1], 1.0) if production is not None else WANG_PRODUCTION
    for i, (e, c, h) in ((1, (emax, ec50, 1.0)), (0, prod)):
        eff = data["effects"][i]
        eff["emax"] = {"value": float(e), "assumed": "fit trial"}
        eff["ec50_ng_per_mL"] = {"value": float(c), "assumed": "fit trial"}
        eff["hill"] = {"value": float(h), "assumed": "fit trial"}
    data["effects"][1]["divisions"] = divisions
    path = folder / "filgrastim_wang2001.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def model_fold(drug_set: str, times: np.ndarray = TIMES, parameters: dict[str, float] | None = None) -> np.ndarray:
    """The full model's ANC over its baseline in the 75-kg man of filgrastim_mobilisation.yaml given DOSE_UG
    (``parameters``: model values changed, e.g. the reserve refit's held docetaxel values)."""
    from hemasim.assembly import assemble
    from hemasim.scenario import parse_scenario
    from hemasim.simulation import Simulation

    scenario = parse_scenario({
        "name": "filgrastim ANC calibration", "aging": False, "duration_days": float(times[-1]),
        **({"parameters": dict(parameters)} if parameters else {}),
        "patient": {"age_years": 35, "sex": "male", "weight_kg": WEIGHT_KG, "height_cm": 178},
        "output": {"every_days": 0.25},
        "interventions": [{"kind": "gcsf", "drug_set": drug_set, "dose_ug_per_kg": DOSE_UG / WEIGHT_KG,
                           "route": "subcutaneous", "schedule": {"days": list(DOSE_DAYS)}}]})
    parts = assemble(scenario)
    r = Simulation(parts.model, solver=scenario.solver.build(), events=parts.events).run(
        float(times[-1]), 0.25, observe=["anc_1e9_per_L"])
    anc = r.observable("anc_1e9_per_L")
    return np.interp(times, r.times, anc) / anc[0]


def candidate_fold(p: np.ndarray, divisions: bool, shared: bool = False) -> np.ndarray:
    """The full model's fold at ``TIMES`` for parameters ``p``: (E_max, EC50) of the speed-up, then, for C3,
    (E_max, EC50) of the production stimulus."""
    with tempfile.TemporaryDirectory() as tmp:
        prod = (float(p[2]), float(p[3])) if len(p) == 4 else None
        return model_fold(str(drug_set_file(Path(tmp), float(p[0]), float(p[1]), divisions, prod, shared)))


#: Wang 2001's maximal stimulation of neutrophil input, 12.7-fold (the production E_max held in the adopted C3)
WANG_PRODUCTION_EMAX = 11.7


def _full(log_p: np.ndarray, candidate: str) -> np.ndarray:
    """All parameters of a candidate from its free ones (log scale)."""
    p = np.exp(log_p)
    if candidate in ("A2", "A2p"):
        return np.array([p[0], p[1], a2_production_emax(float(p[2])), p[2]])
    return np.array([p[0], p[1], WANG_PRODUCTION_EMAX, p[2]]) if candidate in ("C3", *NEW_CANDIDATES) else p


def candidate_fold_of(p: np.ndarray, candidate: str) -> np.ndarray:
    divisions, shared, _ = NEW_CANDIDATES.get(candidate, (candidate != "C1", False, 100.0))
    return candidate_fold(p, divisions, shared)


def candidate_objective(log_p: np.ndarray, candidate: str, target: np.ndarray) -> float:
    p = _full(log_p, candidate)
    speed_bound = NEW_CANDIDATES.get(candidate, (True, False, 100.0))[2]
    if np.any(p[::2] > 100.0) or p[0] > speed_bound:  # the schema's E_max range ends at 100; B/AB: Price's size
        return 1e3
    return float(np.sum((np.log(candidate_fold_of(p, candidate)) - np.log(target)) ** 2))


def price_check(drug_set: str, parameters: dict[str, float] | None = None) -> dict[str, float]:
    """Price 1996's measurement as a check: the post-mitotic speed-up S(G + C)/S(G) (S(C) for a drug alone), times
    the endogenous law's factor at the ANC reached (1 at its fitted exponent 0), averaged over days 6-14 of 300 ug/day
    s.c. in the calibration man, and the post-mitotic transit it gives from the model's resting 5.8 days, the
    speed-up acting on the reserve share q of it: 5.8 (1 - q + q / factor), q the share of stages the model
    speeds (round(q x stages) / stages) (Price: 6.4 -> 2.9 days).
    ``parameters``: model values changed (the reserve share, the endogenous exponent)."""
    from hemasim.assembly import assemble
    from hemasim.biology.myeloid import reserve_stage_count, transit_law_constants
    from hemasim.model.laws import hill_ratio
    from hemasim.scenario import parse_scenario
    from hemasim.simulation import Simulation

    ds = load_drug_set(drug_set)
    obs = ["filgrastim_concentration_ng_per_mL", "anc_1e9_per_L",
           *(["filgrastim_endogenous_ng_per_mL"] if ds.endogenous_ligand else [])]
    values = {**{n: _PARAMETERS.value(n) for n in ("neutrophil_gcsf_reserve_share", "neutrophil_transit_gcsf_exponent",
                                                   "neutrophil_maturation_stages",
                                                   "gcsf_renal_elimination_rate_per_h",
                                                   "gcsf_neutrophil_elimination_rate_per_h_per_anc")},
              **(parameters or {})}
    scenario = parse_scenario({
        "name": "Price 1996 check", "aging": False, "duration_days": 15.0, "output": {"every_days": 0.05},
        **({"parameters": dict(parameters)} if parameters else {}),
        "patient": {"age_years": 35, "sex": "male", "weight_kg": WEIGHT_KG, "height_cm": 178},
        "interventions": [{"kind": "gcsf", "drug_set": drug_set, "dose_ug_per_kg": DOSE_UG / WEIGHT_KG,
                           "route": "subcutaneous", "schedule": {"days": list(range(15))}}]})
    parts = assemble(scenario)
    r = Simulation(parts.model, solver=scenario.solver.build(), events=parts.events).run(15.0, 0.05, observe=obs)
    c, anc = r.observable(obs[0]), r.observable(obs[1])
    g = r.observable(obs[2]) if ds.endogenous_ligand else np.zeros_like(c)
    speed = ds.effects[1]
    factor = shared_receptor_factor(g, c, speed.emax.value, speed.ec50_ng_per_mL.value,  # type: ignore[union-attr]
                                    speed.hill.value)  # type: ignore[union-attr]
    # the endogenous law (1 + c)/(1 + c x^n), x the ANC over its resting value (the blood pool's ratio)
    a = values["gcsf_neutrophil_elimination_rate_per_h_per_anc"] * float(anc[0]) \
        / values["gcsf_renal_elimination_rate_per_h"]
    ce, ne = transit_law_constants(a, values["neutrophil_transit_gcsf_exponent"])
    factor = (factor * hill_ratio(0.0, anc, anc[0], ce, ne, 0.0, 0.0))[(r.times >= 6.0) & (r.times <= 14.0)]
    # the share of stages the model speeds: round(q x stages) of them, not q itself
    stages = int(values["neutrophil_maturation_stages"])
    q = reserve_stage_count(values["neutrophil_gcsf_reserve_share"], stages) / stages
    return {"mean_speed_up_days_6_14": float(factor.mean()), "reserve_share": q,
            "post_mitotic_transit_days": 5.8 * (1.0 - q + q / float(factor.mean()))}


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidate", choices=["C1", "C2", "C3", "C3free", *NEW_CANDIDATES], default="C3",
                    help="C3: production E_max held at Wang's 11.7 (adopted); C3free: all four free")
    ap.add_argument("--restart-from", type=Path, default=None,
                    help="a previous fit's JSON: start from its values with a fresh simplex (a convergence check)")
    ap.add_argument("--price-check", metavar="DRUG_SET", default=None,
                    help="print Price 1996's check (post-mitotic speed-up on days 6-14 of 300 ug/d) for a set and stop")
    args = ap.parse_args()
    if args.price_check:
        print(json.dumps(price_check(args.price_check), indent=1))
        raise SystemExit(0)
    c = args.candidate
    target = melhem_fold()
    start = {"C1": [5.0, 5.0], "C2": [5.0, 5.0], "C3": [14.0, 0.6, 0.1], "C3free": [5.0, 5.0, 11.7, 4.72],
             "A": [14.3, 0.622, 0.113], "B": [1.0, 0.622, 0.113], "AB": [1.0, 0.622, 0.113],
             "A2": [10.52, 0.2998, 0.2500], "A2p": [16.09, 0.637, 0.503]}[c]
    if args.restart_from is not None:
        prev = json.loads(args.restart_from.read_text(encoding="utf-8"))
        start = [prev["emax"], prev["ec50_ng_per_mL"], prev["production_ec50_ng_per_mL"]]
    fit = minimize(candidate_objective, np.log(start), args=(c, target), method="Nelder-Mead",
                   options={"xatol": 1e-4, "fatol": 1e-6, "maxfev": 130 * len(start)})
    best = _full(fit.x, c)
    fold = candidate_fold_of(best, c)
    extra = {"production_emax": best[2], "production_ec50_ng_per_mL": best[3]} if len(best) == 4 else {}
    print(json.dumps({"candidate": c, "emax": best[0], "ec50_ng_per_mL": best[1], **extra, "sse": fit.fun,
                      "rms_log": float(np.sqrt(fit.fun / TIMES.size)), "evaluations": fit.nfev,
                      "peak_fold_days_0_5": {"model": float(fold[TIMES <= 5].max()),
                                             "melhem": float(target[TIMES <= 5].max())},
                      "model_fold": np.round(fold, 3).tolist(), "melhem_fold": np.round(target, 3).tolist()},
                     indent=1))
