"""AC (doxorubicin + cyclophosphamide) marrow kill in the full model, fitted on a clinical figure
(docs/chemotherapy_full_model.md, "AC (doxorubicin + cyclophosphamide)").

The rule, committed before the fit:

* each drug kills per division in the full model, by the law of docetaxel's kill ("The kill"): a compartment X of
  the named stages loses (s_A C_A + s_C C_C) k_X g_X X per day, C the central plasma concentration (umol/L) of
  doxorubicin (A) and of cyclophosphamide (C, the parent drug standing for its active 4-hydroxy metabolite), so the
  two kill hazards add (independent kills: surviving fractions multiply);
* both reach the four myeloid lineages and all five cycling stages (:data:`AC_KILL`, docetaxel's reach): both kill
  dividing cells; no source was found for a stage-by-stage reach (assumed);
* one scale, the summed kill exposure of one AC cycle per unit division rate,
  ``Lambda = s_A AUC_A + s_C AUC_C`` (dimensionless), at C10's doses (60 and 600 mg/m2 at Ahmed 2020's BSA
  1.58 m2; AUC = dose / clearance of each set's typical PK, umol*day/L);
* the relative potency is fixed by doxorubicin's share ``w = s_A AUC_A / Lambda`` = :data:`DOXORUBICIN_SHARE`
  (0.5, assumed: equal shares), and shown not to matter for AC at this ratio by refitting ``Lambda`` at other
  shares (:func:`share_sensitivity`);
* ``Lambda`` is fitted on target C10 alone (Ahmed 2020: the typical patient keeps 0.724 of her baseline ANC on
  day 20), one log-normal measurement with SD :data:`C10_LOG_SD`, by :mod:`hemasim.inference` (multi-start least
  squares, profile-likelihood 95% CI). C11 (Drooger 2015) is never used.

The fit's interval (Lambda 7.33-9.87) is conditional on the assumed SD (Ahmed reports no ANC residual or
variability: C10's band is a project band) and on the exact day 20: the model's day-20 ratio moves about 0.085 per
day there, so a day earlier or later would need Lambda about 6.5 or 10.9 (review30b; targets.yaml C10's note).

Run: ``python -m hemasim.inference.ac [--write] [--out docs/images/ac_fit.json]``.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["AC_KILL", "C10_LOG_SD", "DOXORUBICIN_SHARE", "ac_drug_sets", "ac_problem", "c10_day20_over_baseline",
           "fit_ac_scale", "main", "share_sensitivity", "slopes_for", "typical_auc_umol_day_per_L"]

#: the reach of both drugs' kill (as docetaxel's; assumed)
AC_KILL: dict[str, list[str]] = {
    "lineages": ["neutrophil", "monocyte", "erythroid", "megakaryocyte"],
    "stages": ["committed_progenitors", "dividing_precursors", "multipotent_progenitors", "short_term_stem",
               "long_term_stem"],
}
#: doxorubicin's share of one AC 60/600 cycle's kill exposure (assumed; shown not to matter, share_sensitivity)
DOXORUBICIN_SHARE = 0.5
#: the shares the sensitivity refits at
SENSITIVITY_SHARES = (0.1, 0.25, 0.5, 0.75, 0.9)
#: Ahmed 2020's ANC line (targets.yaml C10; nlmixr2lib Ahmed_2020_cyclophosphamide.R): ANC = 3450 - 1.42 x AUC
#: (cells/mm3; AUC of cyclophosphamide in umol*h/L)
AHMED2020_ANC0_PER_MM3, AHMED2020_ANC_PER_AUC_UMOL_H_PER_L = 3450.0, 1.42
#: The molar mass 261.09 g/mol is nlmixr2lib's conversion of the AUC to umol*h/L (Ahmed_2020_cyclophosphamide.R and
#: its vignette; the paper prints none); the drug set's 261.08 (standard atomic weights) would move the ratio by about
#: 1e-5 (review30b), and the fitted, shipped slopes were made with 261.09, so it is kept
AHMED2020_NLMIXR2LIB_MOLAR_MASS_G_PER_MOL = 261.09
#: C10's assumed SD on the log scale: log SD 0.436 of Ahmed's baseline ANC (IQR 2645-4765) over sqrt(161 patients)
#: (the 600 mg/m2 arm; the line was fitted on all 267, so the sqrt(161) has no basis: an assumed SE, review30b)
C10_LOG_SD = math.log(4765.0 / 2645.0) / 1.349 / math.sqrt(161.0)
#: the doses the scale is defined and fitted at (C10: 60 and 600 mg/m2 at BSA 1.58 m2)
DOXORUBICIN_MG_PER_M2, CYCLOPHOSPHAMIDE_MG_PER_M2 = 60.0, 600.0
SCALE_BOUNDS = (0.1, 100.0)
SLOPE_PATH = "effects.0.full_model.slope_L_per_umol"


def _bsa() -> float:
    from hemasim.validation.chemotherapy import AHMED2020_TYPICAL_BSA_M2

    return AHMED2020_TYPICAL_BSA_M2


def c10_day20_over_baseline() -> float:
    """C10: Ahmed 2020's typical patient's ANC on day 20 over baseline, (3450 - 1.42 x AUC) / 3450, the AUC
    (umol*h/L) the 600 mg/m2 dose at the typical BSA 1.58 m2 over the shipped set's clearance 5.41 L/h: 671.15, 0.724
    (computed in the order the fit's constant was written, (3450 - 1.42 (600 x 1.58 / 5.41 x 1000 / 261.09)) / 3450:
    the same float)."""
    cl_L_per_h = _shipped()[1].pk.clearance_L_per_h.value
    auc = CYCLOPHOSPHAMIDE_MG_PER_M2 * _bsa() / cl_L_per_h * 1000.0 / AHMED2020_NLMIXR2LIB_MOLAR_MASS_G_PER_MOL
    return (AHMED2020_ANC0_PER_MM3 - AHMED2020_ANC_PER_AUC_UMOL_H_PER_L * auc) / AHMED2020_ANC0_PER_MM3


def typical_auc_umol_day_per_L(drug_set: Any, dose_mg: float) -> float:
    """AUC (umol*day/L) of the central concentration after ``dose_mg``: dose / clearance (linear PK)."""
    pk = drug_set.pk
    cl_L_per_h = pk.clearance_L_per_h.value
    return dose_mg * 1000.0 / (cl_L_per_h * 24.0) / drug_set.molar_mass_g_per_mol.value


def _shipped() -> tuple[Any, Any]:
    from hemasim.pharmacology import load_drug_set
    from hemasim.validation.chemotherapy import AC_DRUG_SETS

    return load_drug_set(AC_DRUG_SETS[0]), load_drug_set(AC_DRUG_SETS[1])


def slopes_for(scale: float, share: float = DOXORUBICIN_SHARE) -> tuple[float, float]:
    """(s_A, s_C) in L/umol for the scale ``Lambda`` and doxorubicin's share ``w`` (module docstring)."""
    dox, cp = _shipped()
    bsa = _bsa()
    auc_a = typical_auc_umol_day_per_L(dox, DOXORUBICIN_MG_PER_M2 * bsa)
    auc_c = typical_auc_umol_day_per_L(cp, CYCLOPHOSPHAMIDE_MG_PER_M2 * bsa)
    return share * scale / auc_a, (1.0 - share) * scale / auc_c


def _with_kill(ds: Any, slope: float) -> Any:
    """``ds`` with its first effect's full-model slope at ``slope`` (the effect added, as the rule has it, when the
    set ships PK only)."""
    from hemasim.inference.sources import drug_set_with_values
    from hemasim.pharmacology.drug_sets import DrugSet

    if ds.effects:
        return drug_set_with_values(ds, {SLOPE_PATH: slope})
    data = ds.model_dump()
    data["effects"] = [{"acts_on": "proliferation", "lineages": list(AC_KILL["lineages"]), "model": "linear",
                        "full_model": {"slope_L_per_umol": {"value": slope, "assumed": "trial value of the AC fit"},
                                       "lineages": list(AC_KILL["lineages"]), "stages": list(AC_KILL["stages"])}}]
    return DrugSet.model_validate(data)


def ac_drug_sets(scale: float, share: float = DOXORUBICIN_SHARE) -> tuple[Any, Any]:
    """(doxorubicin, cyclophosphamide) drug sets carrying the kill of scale ``Lambda`` at share ``w``."""
    dox, cp = _shipped()
    s_a, s_c = slopes_for(scale, share)
    return _with_kill(dox, s_a), _with_kill(cp, s_c)


def _baseline_anc() -> float:
    """The reference woman's resting ANC in the full model (the same at any scale: it is read before the dose)."""
    from hemasim.validation.chemotherapy import ac_cycle

    t, anc = ac_cycle(drug_sets=_shipped(), bsa_m2=_bsa(), days=1.0)
    return float(anc[0])


def ac_problem(share: float = DOXORUBICIN_SHARE) -> Any:
    """The fitting problem: ``scale`` free (log scale), one condition (C10's doses), one measurement (C10)."""
    from hemasim.biology import healthy_human_model
    from hemasim.inference import (
        BuilderSource,
        Condition,
        EstimatedParameter,
        Measurements,
        NoiseModel,
        ObservableSpec,
        Problem,
    )
    from hemasim.pharmacology import DrugExposure
    from hemasim.validation.chemotherapy import AHMED2020_ANC_DAY, ac_regimens
    from hemasim.validation.patients import PATIENTS

    patient = PATIENTS["reference_female"]

    def build(values: Mapping[str, float]) -> Any:
        return healthy_human_model(patient, aging=False,
                                   extensions=[DrugExposure(ds) for ds in ac_drug_sets(values["scale"], share)])

    source = BuilderSource(build, ("scale",), tuple(ac_regimens(_bsa())), label="full model, AC 60/600 at BSA 1.58")
    value = c10_day20_over_baseline() * _baseline_anc()
    meas = Measurements(condition=np.array(["ahmed2020_typical"]), time_days=np.array([AHMED2020_ANC_DAY]),
                        observable=np.array(["anc"]), value=np.array([value]), censored=np.zeros(1, dtype=bool),
                        source="Ahmed 2020 (C10): typical ANC on day 20 = 0.724 x baseline")
    return Problem(name="AC full-model kill scale", conditions=(Condition("ahmed2020_typical", source),),
                   observables=(ObservableSpec("anc", "anc_1e9_per_L", NoiseModel("lognormal", C10_LOG_SD)),),
                   parameters=(EstimatedParameter("scale", "scale", *SCALE_BOUNDS, 3.0, unit="1"),),
                   measurements=meas, rtol=1e-6)


def fit_ac_scale(share: float = DOXORUBICIN_SHARE, n_starts: int = 4, profiles: bool = True) -> dict[str, Any]:
    """Fit ``Lambda`` on C10 at doxorubicin's share ``share``; with its profile-likelihood 95% CI."""
    from hemasim.inference import Objective, fit
    from hemasim.inference.full_model_slope import profile_summary

    obj = Objective(ac_problem(share))
    res = fit(obj, n_starts=n_starts, seed=1)
    scale = float(res.natural["scale"])
    s_a, s_c = slopes_for(scale, share)
    out: dict[str, Any] = {"share": share, "objective": float(res.fun), "scale": scale,
                           "slopes_L_per_umol": {"doxorubicin": s_a, "cyclophosphamide": s_c},
                           "n_converged": res.n_converged}
    if profiles:
        prof = profile_summary(obj, res.x)
        out.update(prof)
        lo, hi = prof["ci95"]["scale"]
        out["slope_ci95_L_per_umol"] = {
            "doxorubicin": [None if v is None else slopes_for(v, share)[0] for v in (lo, hi)],
            "cyclophosphamide": [None if v is None else slopes_for(v, share)[1] for v in (lo, hi)]}
    return out


def readouts_at(scale: float, share: float) -> dict[str, float]:
    """The AC read-outs (C10's, C11's, the nadir and its day, the first 21 days) with the kill at (scale, share)."""
    from hemasim.endpoints import DayOfNadir
    from hemasim.validation.chemotherapy import (
        ANC,
        ac_cycle,
        ac_day20_over_baseline,
        ac_lowest_on_drooger_days,
    )

    sets = ac_drug_sets(scale, share)
    at_c10 = ac_cycle(drug_sets=sets, bsa_m2=_bsa())
    own = ac_cycle(drug_sets=sets)
    return {"c10_day20_over_baseline": ac_day20_over_baseline(at_c10),
            "c11_lowest_anc_days_8_11_15": ac_lowest_on_drooger_days(own),
            "nadir_anc": float(np.min(own[1])),
            "nadir_day": float(DayOfNadir(ANC).values(own[0], own[1][None, :])[0])}


def share_sensitivity(shares: Sequence[float] = SENSITIVITY_SHARES, n_starts: int = 2) -> list[dict[str, Any]]:
    """At each doxorubicin share: ``Lambda`` refitted on C10 and the AC read-outs there."""
    rows = []
    for w in shares:
        f = fit_ac_scale(w, n_starts=n_starts, profiles=False)
        rows.append({"share": w, "scale": f["scale"], "objective": f["objective"], **readouts_at(f["scale"], w)})
    return rows


def record_in_yaml(drug_set: str, value: float, interval: str, objective: float) -> None:
    """Write the fitted slope into the set's YAML (its ``fitted`` block must be there; comments kept)."""
    import hemasim.pharmacology

    path = Path(hemasim.pharmacology.__file__).parent / "drugs" / f"{drug_set}.yaml"
    text = path.read_text()
    for key, val in (("value", f"{value:.4g}"), ("objective", f"{objective:.4f}"), ("interval", f'"{interval}"')):
        text, n = re.subn(rf"^(\s*{key}:) .*$", rf"\g<1> {val}", text, count=1,
                          flags=re.M) if key != "value" else re.subn(
            r"^(\s*slope_L_per_umol:\n\s*value:) .*$", rf"\g<1> {val}", text, count=1, flags=re.M)
        if n != 1:
            raise ValueError(f"{path}: no {key} line in the full_model block")
    path.write_text(text)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--write", action="store_true", help="record the two slopes in the drug sets' YAML")
    ap.add_argument("--out", default=None, help="write the result (JSON) here")
    ap.add_argument("--no-sensitivity", action="store_true")
    args = ap.parse_args(argv)
    result = fit_ac_scale()
    result["readouts"] = readouts_at(result["scale"], DOXORUBICIN_SHARE)
    if not args.no_sensitivity:
        result["share_sensitivity"] = share_sensitivity()
    print(json.dumps({k: v for k, v in result.items() if k != "profiles"}, default=str, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1, default=str))
    if args.write:
        from hemasim.inference.full_model_slope import _fmt
        from hemasim.validation.chemotherapy import AC_DRUG_SETS

        for name, key in zip(AC_DRUG_SETS, ("doxorubicin", "cyclophosphamide"), strict=True):
            lo, hi = result["slope_ci95_L_per_umol"][key]
            record_in_yaml(name, result["slopes_L_per_umol"][key], f"95% profile CI [{_fmt(lo)}, {_fmt(hi)}], "
                           "conditional on the assumed SD and the exact day",
                           result["objective"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
