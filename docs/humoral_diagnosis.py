"""Diagnosis of the failing vaccine predictions (branch humoral30; issue 17 item 7): which term of the humoral model
(hemasim.biology.vaccine) decides each one? No model change, no fit: the shipped model, one term varied at a time,
and the help and dose-response factors computed from the model's own laws.

Targets (targets.yaml): P5 (IgG half-life months 1-12 after one dose), Y1 (hepatitis A month 6 / month 1), Y5 (mRNA
half-life days 43-209), P9 (hepatitis B 0-1-6 and 0-1-12 over 0-1-3), L1/L2 (Japanese encephalitis booster rises),
L4 (H5N1 two full over two half doses), L5/L6 (HPV, older over younger youth), I6 (PCV from month 3 after allo-HSCT);
beside them the calibration and consistency targets I2, I3, I4 and the passing neighbours Y2, P10, I5, I7, L1's
two later checks.

Variations (each in a fresh process, so no cached run is reused; the parameter's record replaced, as
bench/targeted_screen.py does): the plasma-cell terms (long-lived share x0.5 and x2, a short-lived phase at its
sourced upper share 0.18, plasmablast lifetime x2), the dose-response terms (antigen half-saturation of expansion x0.1
and x10, expansion rate x0.5) and the help terms (CD4 and B half-saturations x0.5 and x2, and the CD4 half-saturation
at 2000/uL, the near-linear law fitted on Veiga 2006 and not adopted). The memory-recall rate
(vaccine_memory_recall_per_au_day) is NOT varied: L1's and L2's notes keep their earlier recall-rate runs from
steering any later choice of it, and this diagnosis adds none.

These runs read prediction targets under varied parameters: none of the varied values may later be chosen with these
numbers in view (a value so chosen would not be blind on the targets read here; docs/immunity.md, "Diagnosis of the
failing vaccine predictions").

    PYTHONPATH=src python docs/humoral_diagnosis.py [--json bench/results/humoral_diagnosis.json]
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: target id, read-out, the band (lower, upper) of its check
READOUTS: list[tuple[str, str, tuple[float, float]]] = [
    ("I2", "vaccine_igg_half_life_days_35_to_63", (18, 30)),
    ("I3", "vaccine_plasmablast_peak_day", (7, 8)),
    ("I4", "vaccine_antibody_half_life_years_2_to_10", (6, 20)),
    ("P5", "vaccine_igg_half_life_months_1_to_12", (22, 61)),
    ("Y1", "hepatitis_a_igg_ratio_month2_to_month1", (0.463, 0.706)),
    ("Y1", "hepatitis_a_igg_ratio_month6_to_month1", (0.337, 0.53)),
    ("Y2", "hepatitis_a_igg_ratio_month7_to_month1", (5.86, 9.64)),
    ("Y5", "mrna_vaccine_igg_half_life_days_43_to_209", (46, 58)),
    ("P9", "hepatitis_b_igg_ratio_0_1_6_to_0_1_3_months", (2.32, 5.28)),
    ("P9", "hepatitis_b_igg_ratio_0_1_12_to_0_1_3_months", (3.71, 8.6)),
    ("P10", "hepatitis_b_igg_ratio_3_to_2_doses_year_12", (1.7, 3.91)),
    ("L1", "je_vc_child_igg_ratio_booster_month1_to_prebooster", (29.59, 51.4)),
    ("L1", "je_vc_child_igg_ratio_booster_month12_to_month1", (0.1498, 0.2862)),
    ("L1", "je_vc_child_igg_ratio_booster_month24_to_month12", (0.5856, 1.142)),
    ("L2", "je_cv_toddler_igg_ratio_day28_after_year5_booster_to_prebooster", (53.81, 121.6)),
    ("L4", "h5n1_vaccine_igg_day43_ratio_full_to_half_dose_age40", (2.841, 4.89)),
    ("L4", "h5n1_vaccine_igg_day43_ratio_full_to_half_dose_age72", (2.328, 3.385)),
    ("L5", "hpv_vaccine_igg_month7_ratio_21_to_13", (0.32, 0.49)),
    ("L6", "hpv_vaccine_igg_month18_ratio_16p5_to_12_days_1_60_180", (0.21, 0.77)),
    ("I5", "vaccine_response_ratio_24_to_3_months_after_hsct", (1, math.inf)),
    ("I6", "pcv_relative_response_after_hsct_months_3_4_5", (0.25, math.inf)),
    ("I7", "pcv_relative_response_after_hsct_months_9_10_11", (0.25, math.inf)),
]

#: (label, the term it probes, {parameter: factor or ("=", value)})
VARIATIONS: list[tuple[str, str, dict[str, object]]] = [
    ("llpc_share_x0.5", "plasma cells", {"long_lived_plasma_cell_fraction": 0.5}),
    ("llpc_share_x2", "plasma cells", {"long_lived_plasma_cell_fraction": 2.0}),
    ("slpc_share_0.18", "plasma cells", {"short_lived_plasma_cell_fraction": ("=", 0.18)}),
    ("plasmablast_life_x2", "plasma cells", {"plasmablast_lifetime_days": 2.0}),
    ("antigen_half_sat_x0.1", "dose response", {"vaccine_antigen_half_saturation_au": 0.1}),
    ("antigen_half_sat_x10", "dose response", {"vaccine_antigen_half_saturation_au": 10.0}),
    ("expansion_x0.5", "dose response", {"vaccine_b_expansion_per_day": 0.5}),
    ("cd4_half_sat_x0.5", "help", {"vaccine_cd4_help_half_saturation_per_uL": 0.5}),
    ("cd4_half_sat_x2", "help", {"vaccine_cd4_help_half_saturation_per_uL": 2.0}),
    ("cd4_half_sat_2000", "help", {"vaccine_cd4_help_half_saturation_per_uL": ("=", 2000.0)}),
    ("b_half_sat_x0.5", "help", {"vaccine_b_help_half_saturation_per_uL": 0.5}),
    ("b_half_sat_x2", "help", {"vaccine_b_help_half_saturation_per_uL": 2.0}),
]

_CHILD = """
import dataclasses, importlib, json, sys
from hemasim.parameters import SOURCE_MODULES
changes = json.loads(sys.argv[1])
for mod in SOURCE_MODULES:
    m = importlib.import_module(f"hemasim.parameters.sets.{mod}")
    for i, p in enumerate(m.PARAMETERS):
        if p.name in changes:
            c = changes[p.name]
            m.PARAMETERS[i] = dataclasses.replace(p, value=c[1] if isinstance(c, list) else p.value * c)
from hemasim.validation import PATIENTS
from hemasim.validation.base import ValidationRuns
from hemasim.validation.readouts import find_readout
runs = ValidationRuns()
out = {}
for name in json.loads(sys.argv[2]):
    try:
        out[name] = float(find_readout(name).value(PATIENTS["reference_male"], runs))
    except Exception as e:  # a read-out undefined under a variation is reported, not fatal
        out[name] = repr(e)
print(json.dumps(out))
"""


def readouts_with(changes: dict[str, object]) -> dict[str, float | str]:
    """Every read-out of READOUTS with the parameter changes applied (a fresh process).

    Each check of these targets is on the reference man except L5/L6 (reference woman), whose read-outs set their
    own patients (the girls and women of the scenario), so the check's patient does not enter."""
    names = [r for _, r, _ in READOUTS]
    done = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(changes), json.dumps(names)],
                          capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def inside(value: float | str, band: tuple[float, float]) -> str:
    if isinstance(value, str):
        return "undefined"
    return "pass" if band[0] <= value <= band[1] else "FAIL"


# --- terms computed from the model's own laws and runs (in this process, shipped parameters) ---

def help_factors() -> dict[str, object]:
    """The help factors h(B), h(N4), h(M4) that decide L5/L6 (HPV girls and women) and I6/I7 (PCV after HSCT), and
    the ratios the help laws could give at most (a linear law, K -> infinity, is the steepest the saturating family
    reaches: h -> c/c_ref)."""
    import numpy as np

    from hemasim.biology.vaccine import help_at, reference_blood_counts
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.validation.months import VACCINE_MONTH_DAYS as DAYS_PER_MONTH  # predictions9's L5/L6 month
    from hemasim.validation.predictions9 import _HPV_CHINA_DAYS, _HPV_INDIA_DAYS, _hpv_run
    from hemasim.validation.scenario_runs import scenario_run

    p = healthy_adult_parameters()
    ref = reference_blood_counts()
    k_cd4 = p.value("vaccine_cd4_help_half_saturation_per_uL")
    k_b = p.value("vaccine_b_help_half_saturation_per_uL")

    def counts(run, day: float) -> dict[str, float]:
        r = run
        i = int(np.argmin(abs(r.times - day)))
        b, n4, cd4 = (float(r.observable(o)[i]) for o in ("b_cells_per_uL", "naive_cd4_per_uL", "cd4_per_uL"))
        return {"b": b, "naive_cd4": n4, "memory_cd4": cd4 - n4,
                "h_b": float(help_at(b, ref["b"], k_b)), "h_n4": float(help_at(n4, ref["naive_cd4"], k_cd4)),
                "h_m4": float(help_at(cd4 - n4, ref["memory_cd4"], k_cd4)),
                "linear_b": b / ref["b"], "linear_n4": n4 / ref["naive_cd4"], "linear_m4": (cd4 - n4) / ref["memory_cd4"]}

    hpv = {age: counts(_hpv_run(age, _HPV_CHINA_DAYS, 8.0 + 7 * DAYS_PER_MONTH)(), 7.0) for age in (21, 13)}
    hpv |= {age: counts(_hpv_run(age, _HPV_INDIA_DAYS, 8.0 + 18 * DAYS_PER_MONTH)(), 7.0) for age in (16.5, 12)}
    out: dict[str, object] = {"reference_adult": ref, "hpv_at_first_dose": hpv}
    for older, younger, tag in ((21, 13, "L5"), (16.5, 12, "L6")):
        o, y = hpv[older], hpv[younger]
        out[f"{tag}_primary_help_ratio_shipped"] = o["h_b"] * o["h_n4"] / (y["h_b"] * y["h_n4"])
        out[f"{tag}_primary_help_ratio_linear_law"] = o["linear_b"] * o["linear_n4"] / (y["linear_b"] * y["linear_n4"])
        out[f"{tag}_recall_help_ratio_shipped"] = o["h_m4"] / y["h_m4"]
    from hemasim.validation.months import POST_HSCT_VACCINE_MONTH_DAYS

    graft, month = 6.0, POST_HSCT_VACCINE_MONTH_DAYS  # I6/I7's month, 30.4
    pcv = {}
    for first in (3, 9):
        days = [graft + (first + k) * month for k in range(3)]
        run = scenario_run("pcv_after_hsct", {"duration_days": days[-1] + 29,
                                               "interventions": {2 + k: {"day": d} for k, d in enumerate(days)}})
        pcv[f"from_month_{first}"] = [counts(run, d) for d in days]
    out["pcv_after_hsct_at_doses"] = pcv
    return out


def dose_response() -> dict[str, object]:
    """L4: how the model's response grows with the dose, against published dose-responses without adjuvant. The model
    at 40 y (the H5N1 scenario): IgG on day 22 after one dose of size D and on day 43 after two (days 1 and 22), D =
    0.25-2; the dose elasticity is the slope of ln IgG on ln D (1: proportional). Recruitment is proportional to
    antigen and the expansion runs while antigen is above its half-saturation K, so no value of K or of the rates
    gives an elasticity below 1 (the variations show how K, the expansion rate and the plasmablast lifetime move it)."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.validation.scenario_runs import scenario_run, value_at

    p = healthy_adult_parameters()
    rho = p.value("vaccine_b_expansion_per_day")
    k_ag = math.log(2) / p.value("vaccine_antigen_half_life_days")
    k = p.value("vaccine_antigen_half_saturation_au")
    doses = (0.25, 0.5, 1.0, 2.0)
    one, two = {}, {}
    for d in doses:
        r1 = scenario_run("h5n1_vaccine_two_doses", {"duration_days": 23, "interventions": [
            {"kind": "vaccine", "day": 1, "antigen": "influenza_h5n1", "dose": d}]})
        one[d] = value_at(r1, "influenza_h5n1_igg_au", 22.0)
        r2 = scenario_run("h5n1_vaccine_two_doses", {"interventions": {0: {"dose": d}, 1: {"dose": d}}})
        two[d] = value_at(r2, "influenza_h5n1_igg_au", 43.0)
    published = {name: {"elasticity": loglog_slope(v), "x2_ratios": [v[b] / v[a] for a, b in zip(v, list(v)[1:], strict=False)
                                                                     if math.isclose(b, 2 * a)]}
                 for name, v in PUBLISHED_DOSE_RESPONSE.items()}
    return {"published_dose_response": published,
            "model_one_dose_elasticity_0.25_to_2": loglog_slope(one),
            "model_two_dose_elasticity_0.25_to_2": loglog_slope(two),
            "rho_per_day": rho, "k_ag_per_day": k_ag, "antigen_half_saturation_au": k,
            "one_dose_igg_day22": one, "two_dose_igg_day43": two,
            "one_dose_full_over_half": one[1.0] / one[0.5], "two_dose_full_over_half": two[1.0] / two[0.5],
            "one_dose_elasticity_0.5_to_1": math.log(one[1.0] / one[0.5]) / math.log(2),
            "two_dose_elasticity_0.5_to_1": math.log(two[1.0] / two[0.5]) / math.log(2),
            "expansion_per_day_over_antigen_clearance_per_day": rho / k_ag}


#: published antibody by antigen dose without adjuvant (not a target's source; L4 reads Frey 2019, MF59-adjuvanted):
#: microneutralization GMT by HA dose (ug). Aichinger: nonadjuvanted Vero whole-virus H9N2 vaccine, adults 18-49 y, two
#: doses 3 weeks apart, read 3 weeks after each (the L4 schedule), ~54 a group (pmc.ncbi.nlm.nih.gov/articles/PMC4278922/
#: table/T4, pages corpus; the table matched to the Aichinger abstract, ichgcp.net record, by its five doses 3.75-45 ug
#: and the design, not by a title on the table page; days 1 and 22 from the NCT01320696 results record, meddatax.com).
#: PMC2710798 Table 3 (pages corpus): inactivated split A/Vietnam/1194/2004 H5 vaccine, non-adjuvanted and adjuvanted arms
#: of 50; the study, its adjuvant and the sampling day are not in the excerpt read (supporting only).
PUBLISHED_DOSE_RESPONSE = {
    "aichinger_h9n2_nonadjuvanted_day21": {3.75: 57.3, 7.5: 129.5, 15: 142.5, 30: 233.5, 45: 272.6},
    "aichinger_h9n2_nonadjuvanted_day42": {3.75: 164.3, 7.5: 230.8, 15: 255.1, 30: 339.4, 45: 416.3},
    "pmc2710798_h5_split_nonadjuvanted": {3.75: 40.7, 7.5: 53.4, 15: 80.1, 30: 113.6},
    "pmc2710798_h5_split_adjuvanted": {3.75: 314.7, 7.5: 343.0, 15: 400.1, 30: 258.2},
}


def loglog_slope(by_dose: dict[float, float]) -> float:
    """Least-squares slope of ln(response) on ln(dose): the dose elasticity (1: proportional)."""
    import numpy as np

    x, y = np.log(list(by_dose)), np.log(list(by_dose.values()))
    return float(np.polyfit(x, y, 1)[0])


def waning_composition() -> dict[str, object]:
    """P5, Y1, Y5, L1/L2: how much of the antibody months after a response the long-lived plasma cells make. The IgG
    a cell pool sustains at quasi-steady state is s x cells / k_igg; the rest is IgG still decaying from the
    plasmablast burst (21-day half-life)."""
    import numpy as np

    from hemasim.parameters import healthy_adult_parameters
    from hemasim.validation.scenario_runs import scenario_run

    p = healthy_adult_parameters()
    s = p.value("antibody_secretion_au_per_cell_day")
    k_igg = math.log(2) / p.value("igg_half_life_days")
    out: dict[str, object] = {}
    from hemasim.validation.months import VACCINE_MONTH_DAYS

    # months 1, 2, 6 (and 12) of the vaccine month, 30.44 d, rounded to 0.01 d as the scenario files write days (the
    # same floats as the 30.44, 60.88, 182.64, 365.28 this script wrote). P5's own read-outs use the calendar month
    # (months.CALENDAR_MONTH_DAYS, 30.4375): this diagnosis keeps its recorded days, 0.04 d a month apart
    vaccine_months = tuple(round(k * VACCINE_MONTH_DAYS, 2) for k in (1, 2, 6, 12))
    for label, scen, _antigen, dose_day, days in (
            ("one_dose (P5, I2)", "vaccine_one_dose", "tetanus", 7.0, vaccine_months),
            ("hepatitis_a (Y1)", "hepatitis_a_vaccine_two_doses", "hepatitis_a", 7.0, vaccine_months[:3]),
            ("mrna (Y5)", "mrna_vaccine_two_doses", "covid", 0.0, (43.0, 57.0, 119.0, 209.0))):
        r = scenario_run(scen)
        names = [n for n in r.model.state_names if n.endswith("_long_lived_pc")]
        igg_names = [n for n in r.model.observable_names if n.endswith("_igg_au")]
        rows = []
        for d in days:
            i = int(np.argmin(abs(r.times - (dose_day + d))))
            igg = float(r.observable(igg_names[0])[i])
            llpc_igg = s * float(sum(r.state(n)[i] for n in names)) / k_igg
            rows.append({"day_after_first_dose": d, "igg_au": igg, "llpc_sustained_igg_au": llpc_igg,
                         "llpc_share": llpc_igg / igg})
        out[label] = {"antigen_states": names, "rows": rows}
    bound = json.loads((ROOT / "bench/results/antibody_waning_bound.json").read_text())
    out["bound (bench/antibody_waning_bound.py)"] = bound
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", type=Path, default=None)
    ap.add_argument("--skip-variations", action="store_true", help="only the in-process factors")
    args = ap.parse_args()
    report: dict[str, object] = {}
    report["help"] = help_factors()
    report["dose_response"] = dose_response()
    report["waning"] = waning_composition()
    if not args.skip_variations:
        base = readouts_with({})
        table = {"shipped": base}
        for label, _, changes in VARIATIONS:
            table[label] = readouts_with(changes)
            print(f"ran {label}", file=sys.stderr, flush=True)
        report["variations"] = {"changes": {lab: ch for lab, _, ch in VARIATIONS}, "readouts": table}
        head = "| target | read-out | band | shipped | " + " | ".join(lab for lab, _, _ in VARIATIONS) + " |"
        print(head)
        print("|" + "---|" * (4 + len(VARIATIONS)))
        for tid, name, band in READOUTS:
            cells = []
            for lab in ["shipped", *(lab for lab, _, _ in VARIATIONS)]:
                v = table[lab][name]
                cells.append(v if isinstance(v, str) else f"{v:.3g}{'' if inside(v, band) == 'pass' else ' F'}")
            print(f"| {tid} | {name} | {band[0]:g}-{band[1]:g} | " + " | ".join(cells) + " |")
    print(json.dumps({k: report[k] for k in ("help", "dose_response", "waning")}, indent=1, default=str))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
