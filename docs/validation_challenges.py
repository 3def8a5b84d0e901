"""Challenge the passing predictions: rerun their validation groups with one fitted, calibrated or assumed value moved
to a plausible other value (the end of its 95% CI or envelope, its earlier value, or a screen step where it has no
interval), and record what every check of the chosen targets reads. What each passing prediction is shown to test
(targets.yaml ``challenge``, issue #17 item 1) is read from the output, docs/images/validation_challenges.json.

    python docs/validation_challenges.py [--only NAME ...] [docs/images/validation_challenges.json]

Slow (about 10-15 minutes on 2 cores: each challenge reruns its groups), so the test suite does not run it; ``--only``
reruns the challenges named and their targets' baseline and merges them into the existing file (the other challenges
and the other targets' baseline kept). The test
(tests/test_validation_challenges.py) reads the JSON and holds targets.yaml's recorded outcomes to it. Three kinds of
value can be moved: a healthy-adult parameter (``name``), a drug set's value (``drug:SET:dotted.path``) and a
conditioning regimen's surviving fraction (``regimen:NAME:COMPONENT:CLASS``). The overrides are patched in where the
values are loaded (the CLI has no --set for validation), the same way for all three; each challenge runs in a process of
its own (the read-outs keep their runs for the life of a process).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

OUT = Path(__file__).parent / "images" / "validation_challenges.json"

#: name -> (overrides, why this value is plausible, the targets it challenges)
SLOPE = "erythroid_feedback_log_slope"
#: predict32c: B1-B5 (Hb of high-frequency donors, INTERVAL's arms, 15 days after a 2RBC) registered with the slope's ends
DONATION = ["P1", "P17", "V1", "V2", "V3", "W4", "W5", "W6", "B1", "B2", "B3", "B4", "B5"]
#: predict33: E1, E2 (neutrophil and platelet engraftment after an autologous PBPC graft in children)
ENGRAFT = ["T1", "T8", "Q6", "Q7", "V4", "V5", "E1", "E2"]
NAIVE = ["A4", "A5", "A6", "P6", "P18", "R1", "Y6", "T5"]
#: predict32: docetaxel 75 + cyclophosphamide 600 mg/m2 without G-CSF (F1) and with pegfilgrastim 6 or 3 mg (F2, F3),
#: TAC with pegfilgrastim 6 mg (F4); predict34b: TC with pegfilgrastim 6 mg, cycle 1 (F5, F6: ADVANCE and RECOVER)
TC = ["F1", "F2", "F3", "F4", "F5", "F6"]
#: predict32d: blood CD34+ after one 12-mg pegfilgrastim injection in healthy donors (U6 peak, U7 day 5 over day 4)
PEG_MOBILISATION = ["U6", "U7"]
#: predict34: ANC and platelets after Flu/Bu 8 mg/kg and an allogeneic blood graft (Slavin 1998), X1-X3's run
RIC_COUNTS = ["J1", "J2", "J3", "J4"]
#: predict35: the mRNA-1273 phase 1 antibody on days 57, 36 and 15 over day 29 (Jackson 2020), Y5's run
MRNA_BOOST = ["Y7", "Y8", "Y9"]
#: predict36: HPV two doses over three in girls (Dobson 2013; Bhatla 2018), the antibody at month 7 and month 18
HPV_DOSES = ["O1", "O2", "O3"]
CHALLENGES: dict[str, tuple[dict[str, float], str, list[str]]] = {
    "erythroid_slope_low": ({SLOPE: 2.41}, "lower end of its 95% profile CI [2.41, 3.95] (Falz 2014 fit)", DONATION),
    "erythroid_slope_high": ({SLOPE: 3.95}, "upper end of its 95% profile CI [2.41, 3.95]", DONATION),
    "graft_short_term_low": ({"graft_short_term_units_per_cd34": 7.8e-7},
                             "the ninth session's lower end of its 95% profile CI [7.8e-7, open] (engraftment fit), "
                             "the other fitted values held: not a point of the current profile (graft_profile_* are)",
                             ENGRAFT),
    "graft_short_term_ninth": ({"graft_short_term_units_per_cd34": 3.29e-6, "megakaryocyte_progenitor_exit_rate_per_day":
                                0.0466}, "the ninth session's free optimum of the same fit (3.29e-6, exit rate 0.0466)",
                               ENGRAFT),
    "graft_lodging_held": ({"graft_lodging_days": 1.39}, "the estimate with the content held (ninth session, 1.39 d)",
                           ENGRAFT),
    "naive_decline_none": ({"naive_cd4_decline_at_reference_age_per_year": 0.0,
                            "naive_cd8_decline_at_reference_age_per_year": 0.0},
                           "no naive-pool decline with age (the structural alternative)", NAIVE),
    "naive_decline_high": ({"naive_cd4_decline_at_reference_age_per_year": 0.03005,
                            "naive_cd8_decline_at_reference_age_per_year": 0.02082},
                           "upper ends of the fitted intervals (4.5- and 3-fold at 80 y)", NAIVE),
    "naive_decline_low": ({"naive_cd4_decline_at_reference_age_per_year": 0.02295,
                           "naive_cd8_decline_at_reference_age_per_year": 0.01068},
                          "lower ends of the fitted intervals (3.5- and 2-fold at 80 y)", NAIVE),
    "thymic_decline_half": ({"thymic_output_decline_per_year": 0.0215}, "thymic involution halved (screen step)",
                            ["A4", "A5", "A6", "P6"]),
    "memory_tau_6": ({"memory_t_cell_accrual_years": 6.0}, "memory accrual time 6 y instead of 10 (screen step)",
                     ["A7"]),
    "memory_tau_14": ({"memory_t_cell_accrual_years": 14.0}, "memory accrual time 14 y instead of 10 (screen step)",
                      ["A7"]),
    "mobilisation_emax_low": ({"gcsf_mobilisation_max_fold": 50.0}, "egress E_max 50 instead of 74.3 (-33%, screen step "
                              "chosen when the G1 fit reported no interval; inside its 95% profile interval 37.6-155 "
                              "since branch g1refit31)", ["G2", "G3", "G5", "G8"]),
    "collection_efficiency_high": ({"apheresis_cd34_collection_efficiency": 0.643},
                                   "CE2 64.3% (Transfusion 2022, healthy donors) instead of 58%", ["G5"]),
    "vaccine_sd_low": ({"vaccine_response_sd_log": 1.07}, "lower end of its 95% CI [1.07, 1.84]", ["P18"]),
    "vaccine_sd_high": ({"vaccine_response_sd_log": 1.84}, "upper end of its 95% CI [1.07, 1.84]", ["P18"]),
    "plasma_cells_half": ({"long_lived_plasma_cell_fraction": 0.005}, "long-lived plasma-cell share x0.5 (screen)",
                          ["P10", "Y2", "I5", "I7", *MRNA_BOOST, *HPV_DOSES]),
    "plasma_cells_double": ({"long_lived_plasma_cell_fraction": 0.02}, "long-lived plasma-cell share x2 (screen)",
                            ["P10", "Y2", "I5", "I7", *MRNA_BOOST, *HPV_DOSES]),
    "memory_recall_half": ({"vaccine_memory_recall_per_au_day": 2.5}, "memory B-cell recall rate x0.5 (assumed 5 per "
                           "AU per day; screen step)", [*MRNA_BOOST, *HPV_DOSES]),
    "memory_recall_double": ({"vaccine_memory_recall_per_au_day": 10.0}, "memory B-cell recall rate x2 (screen step)",
                             [*MRNA_BOOST, *HPV_DOSES]),
    "memory_fraction_half": ({"vaccine_memory_fraction": 0.05}, "memory share of activated B cells x0.5 (assumed 0.1; "
                             "screen step)", [*MRNA_BOOST, *HPV_DOSES]),
    "memory_fraction_double": ({"vaccine_memory_fraction": 0.2}, "memory share of activated B cells x2 (screen step)",
                               [*MRNA_BOOST, *HPV_DOSES]),
    "plasmablast_lifetime_6d": ({"plasmablast_lifetime_days": 6.0}, "plasmablast lifetime 6 days instead of 3 (x2; "
                                "White 2014's antibody-secreting-cell half-lives of 2-10 days are mean lifetimes of "
                                "2.9-14.4 days)", [*MRNA_BOOST, *HPV_DOSES]),
    "autoreactive_growth_4": ({"autoreactive_net_growth_per_year": 4.0}, "autoreactive regrowth 4/yr (x4, beyond the "
                              "screen's x0.5-x2)", ["M1"]),
    "autoreactive_growth_2": ({"autoreactive_net_growth_per_year": 2.0}, "autoreactive regrowth 2/yr (x2, the screen's "
                              "upper end)", ["M1"]),
    "autoreactive_growth_half": ({"autoreactive_net_growth_per_year": 0.5}, "autoreactive regrowth 0.5/yr (x0.5, the "
                                 "screen's lower end)", ["M1"]),
    "spleen_share_low": ({"platelet_splenic_pool_share": 0.1}, "splenic platelet pool 10% (screen step)",
                         ["W2", "U1", "U2"]),
    "megakaryocyte_exit_ninth": ({"megakaryocyte_progenitor_exit_rate_per_day": 0.0466},
                                 "the megakaryocyte progenitors' exit rate at the ninth session's free optimum of the "
                                 "engraftment fit (0.0466/day) instead of its search bound 0.02", ["U1", "U2", "U3"]),
    "platelet_lifespan_8d": ({"platelet_lifespan_days": 8.0}, "platelet lifespan 8 days instead of Harker & Finch's "
                             "9.9 (-20%, screen step)", ["U1", "U2", "U3"]),
    "platelet_lifespan_12d": ({"platelet_lifespan_days": 12.0}, "platelet lifespan 12 days instead of Harker & "
                              "Finch's 9.9 (+20%, screen step)", ["U1", "U2", "U3"]),
    "spleen_share_high": ({"platelet_splenic_pool_share": 0.4}, "splenic platelet pool 40%, the upper end of the "
                          "pool's sources (a quarter to two-fifths of a collection; docs/platelets.md)", ["U1", "U2"]),
    "cd4_lymphopenia_low": ({"cd4_memory_lymphopenia_max_fold": 1.5}, "lower end of the T4/T6 scan (1.5)",
                            ["Y3", "R4"]),
    "cd4_lymphopenia_high": ({"cd4_memory_lymphopenia_max_fold": 2.3}, "upper end of the T4/T6 scan (2.3)",
                             ["Y3", "R4"]),
    "b_lymphopenia_10": ({"b_lymphopenia_max_fold": 10.0}, "B-cell lymphopenic boost 10 (the T3 scan's end)",
                         ["R5", "Y3"]),
    "docetaxel_slope_low": ({"drug:docetaxel_kloft2006:effects.0.full_model.slope_L_per_umol": 9.72},
                            "lower end of the full-model slope's 95% profile CI [9.72, 19.9]", ["C7", "P11", *TC]),
    "docetaxel_slope_high": ({"drug:docetaxel_kloft2006:effects.0.full_model.slope_L_per_umol": 19.9},
                             "upper end of the full-model slope's 95% profile CI [9.72, 19.9]", ["C7", "P11", *TC]),
    "ac_scale_low": ({"drug:doxorubicin_joerger2007:effects.0.full_model.slope_L_per_umol": 24.01,
                      "drug:cyclophosphamide_ahmed2020:effects.0.full_model.slope_L_per_umol": 0.1311},
                     "lower end of the AC kill scale's 95% profile CI [7.33, 9.87] (C10 fit), both slopes at share 0.5",
                     ["C11", "C12", *TC]),
    "ac_scale_high": ({"drug:doxorubicin_joerger2007:effects.0.full_model.slope_L_per_umol": 32.32,
                       "drug:cyclophosphamide_ahmed2020:effects.0.full_model.slope_L_per_umol": 0.1764},
                      "upper end of the AC kill scale's 95% profile CI [7.33, 9.87], both slopes at share 0.5",
                      ["C11", "C12", *TC]),
    "ac_share_0p9": ({"drug:doxorubicin_joerger2007:effects.0.full_model.slope_L_per_umol": 50.59,
                      "drug:cyclophosphamide_ahmed2020:effects.0.full_model.slope_L_per_umol": 0.03069},
                     "doxorubicin's assumed share of the AC kill 0.9 instead of 0.5, the scale refitted on C10 (8.582)",
                     ["C11", "C12", "F4"]),
    "nab_paclitaxel_slope_low": ({"drug:nab_paclitaxel_chen2014:effects.0.full_model.slope_L_per_umol": 1.16},
                                 "lower end of the full-model slope's 95% profile CI [1.16, 1.55]", ["P13", "O4"]),
    "nab_paclitaxel_slope_high": ({"drug:nab_paclitaxel_chen2014:effects.0.full_model.slope_L_per_umol": 1.55},
                                  "upper end of the full-model slope's 95% profile CI [1.16, 1.55]", ["P13", "O4"]),
    "filgrastim_speedup_half": ({"drug:filgrastim_wang2001:effects.1.emax": 8.045},
                                "filgrastim's fitted transit speed-up E_max halved (not profiled: screen step)",
                                ["G8", "G9", "Q9", "Z4", "Z5"]),
    "filgrastim_absorption_half": ({"drug:filgrastim_wang2001:pk.absorption.rate_per_h": 0.0615},
                                   "filgrastim's s.c. absorption rate halved (Melhem 2017's kscFil 0.123/h; screen step: "
                                   "no interval read)", ["Z4", "Z5"]),
    "melphalan_lymphoid_low": ({"regimen:high_dose_melphalan:0:lymphoid": 0.074},
                               "lower end of the melphalan lymphoid fraction's 95% profile CI [0.074, 0.135]",
                               ["T5", "R4", "R5"]),
    "melphalan_lymphoid_high": ({"regimen:high_dose_melphalan:0:lymphoid": 0.135},
                                "upper end of its 95% profile CI [0.074, 0.135]", ["T5", "R4", "R5"]),
    "melphalan_lymphoid_assumed": ({"regimen:high_dose_melphalan:0:lymphoid": 0.3},
                                   "the value assumed before the Porrata fit (0.3)", ["T5", "R4", "R5"]),
    "fludarabine_lymphoid_low": ({"regimen:flu_bu2:0:lymphoid": 0.333},
                                 "Flu/Bu2's fludarabine fraction at the fit's lower end 0.40 (0.40^(180/150))", ["X2"]),
    "fludarabine_lymphoid_high": ({"regimen:flu_bu2:0:lymphoid": 0.394},
                                  "Flu/Bu2's fludarabine fraction at the fit's upper end 0.46 (0.46^(180/150))",
                                  ["X2"]),
    "busulfan_8mg_ablative": ({"regimen:flu_bu2:1:hsc": 0.0316, "regimen:flu_bu2:2:hsc": 0.0316},
                              "Flu/Bu2's busulfan as stem-cell toxic per mg as bu_cy's 16 mg/kg is assumed whole "
                              "(0.001 over 8 mg/kg: 0.0316 a dose instead of 0.178)", ["X5", "X2", *RIC_COUNTS]),
    "busulfan_8mg_milder": ({"regimen:flu_bu2:1:hsc": 0.316, "regimen:flu_bu2:2:hsc": 0.316,
                             "regimen:flu_bu2:1:progenitor": 0.562, "regimen:flu_bu2:2:progenitor": 0.562},
                            "Flu/Bu2's busulfan from bu_cy's 16-mg/kg stem-cell and progenitor survival ten times "
                            "higher (0.01 and 0.1 instead of the assumed 0.001 and 0.01: 0.316 and 0.562 a 4-mg/kg "
                            "dose; screen step, the kills being assumed)", RIC_COUNTS),
    "virus_infectivity_half": ({"virus_infectivity_per_tcid50_day": 1.35e-5},
                               "Baccam 2006's infectivity halved (screen step: its table's spread is not transcribed)",
                               ["P4"]),
    "virus_infectivity_double": ({"virus_infectivity_per_tcid50_day": 5.4e-5},
                                 "Baccam 2006's infectivity doubled (screen step)", ["P4"]),
    "pegfilgrastim_speedup_healthy": ({"drug:pegfilgrastim_melhem2017:effects.1.emax": 5.21},
                                      "Melhem 2017's transit speed-up in healthy subjects (stm2H 5.21) instead of "
                                      "its patients' value (stm2C 3.89) that the set ships",
                                      ["Q9", "F2", "F3", "F4", "F5", "F6", *PEG_MOBILISATION]),
    "busulfan_lymphoid_strong": ({"regimen:bu_cy:0:lymphoid": 0.05},
                                 "busulfan as lymphotoxic as cyclophosphamide (0.05 instead of the assumed 0.5)",
                                 ["X4"]),
    "irradiated_instant_removal": ({"irradiated_lymphocyte_fast_loss_share": 1.0},
                                   "the earlier rule: every lethally hit lymphocyte removed at the fraction", ["N4"]),
    "irradiated_fast_share_0p6": ({"irradiated_lymphocyte_fast_loss_share": 0.6},
                                  "60% of the lethally hit lymphocytes leave within hours instead of the abstract's "
                                  "'50%' (screen step: no interval given)", ["N4"]),
    "ch_panel_fraction_low": ({"ch_panel_driver_fraction": 0.0333}, "lower end of its interval [0.0333, 0.0433]: "
                              "recalibrated on the ends of A1's 70-79 Wilson interval, 8.39% and 10.79% (3,000 "
                              "lifespans, seed 0; calibrate_panel_fraction)", ["A8", "A9"]),
    "ch_panel_fraction_high": ({"ch_panel_driver_fraction": 0.0433}, "upper end of its interval [0.0333, 0.0433]",
                               ["A8", "A9"]),
    # points of the mobilisation fit's 95% profile (G1; docs/mobilisation.md: E_max 37.6-155, T 2.02-7.25 d), the other
    # value re-fitted there by docs/fit_mobilisation.py's profile_sse (predict32d; weighted SSE 5.37-5.39 against the
    # optimum's 1.546 + 3.84)
    "mobilisation_profile_emax_low": ({"gcsf_mobilisation_max_fold": 37.6, "gcsf_mobilisation_delay_days": 2.231},
                                      "lower end of the egress E_max's 95% profile interval (37.6), the delay re-fitted "
                                      "there (2.231 d)", PEG_MOBILISATION),
    "mobilisation_profile_emax_high": ({"gcsf_mobilisation_max_fold": 155.0, "gcsf_mobilisation_delay_days": 7.138},
                                       "upper end of the egress E_max's 95% profile interval (155), the delay re-fitted "
                                       "there (7.138 d)", PEG_MOBILISATION),
    "mobilisation_profile_delay_low": ({"gcsf_mobilisation_delay_days": 2.02, "gcsf_mobilisation_max_fold": 39.26},
                                       "lower end of the egress delay's 95% profile interval (2.02 d), E_max re-fitted "
                                       "there (39.26)", PEG_MOBILISATION),
    "mobilisation_profile_delay_high": ({"gcsf_mobilisation_delay_days": 7.25, "gcsf_mobilisation_max_fold": 151.0},
                                        "upper end of the egress delay's 95% profile interval (7.25 d), E_max re-fitted "
                                        "there (151.0)", PEG_MOBILISATION),
    "irradiated_half_life_24h": ({"irradiated_lymphocyte_blood_half_life_days": 1.0},
                                 "their blood half-time 24 h instead of the abstract's 30 h (-20%, screen step)",
                                 ["N4"]),
}

#: challenges at points of the engraftment fit's current 95% profile of the graft's short-term content
#: (docs/engraftment_fit.md, "The lower end of the short-term content, re-profiled"; graftprof27), where the challenges
#: above hold the other fitted values: name -> (content, start of the re-fit, why, targets). The other three fitted
#: values are re-fitted at the content when the script runs (docs/engraftment_profile_low.py's ``point``), not written
#: here; the start picks the branch the local re-fit follows: (a) no short-term repopulating cells
#: (`graft_st_hspc_per_cd34` on its lower bound 1e-8) and the megakaryocyte exit rate climbing as the content falls,
#: (b) those cells re-fitted to 3-8e-5 (graftprof27 started it at 7.1e-5) and the exit rate on its bound 0.02/day.
PROFILED = "graft_short_term_units_per_cd34"
BRANCH_A = {"graft_st_hspc_per_cd34": 1e-8, "megakaryocyte_progenitor_exit_rate_per_day": 0.2}
BRANCH_B = {"graft_st_hspc_per_cd34": 7.1e-5}
PROFILE_POINTS: dict[str, tuple[float, dict[str, float], str, list[str]]] = {
    "graft_profile_a_low": (8.0e-7, BRANCH_A, "branch (a)'s lower end of the content's 95% profile interval (8.0e-7: "
                            "16.525 there, 16.609 at 7.8e-7; optimum 14.605 + 1.92), the other fitted values re-fitted",
                            ENGRAFT),
    "graft_profile_b_low": (1e-8, BRANCH_B, "branch (b)'s lower end: the content's search bound 1e-8, still inside the "
                            "95% step, the other fitted values re-fitted", ENGRAFT),
    "graft_profile_b_7p8e7": (7.8e-7, BRANCH_B, "graft_short_term_low's content 7.8e-7 at its profile point (branch "
                              "(b), the lower of the two there), the other fitted values re-fitted instead of held",
                              ENGRAFT),
}
#: graft_st_hspc_per_cd34 below this: the re-fit is on branch (a) (its lower search bound 1e-8), above it on (b)
BRANCH_SPLIT = 1e-6


def profile_points(names: list[str]) -> dict[str, tuple[dict[str, float], str, list[str], dict[str, Any]]]:
    """The :data:`PROFILE_POINTS` among ``names`` as challenges: the values there (the content and the three
    re-fitted), why, the targets, and the re-fit's record (objective, the optimum's, branch)."""
    if not names:
        return {}
    sys.path.insert(0, str(Path(__file__).parent))
    from engraftment_profile_low import point

    from hemasim._confidence import LR_STEP_95
    from hemasim.inference.engraftment import refit_at

    profile_step = LR_STEP_95  # the profile's likelihood-ratio step

    optimum = float(refit_at({}).objective)  # the free fit re-run from the shipped values
    out = {}
    for name in names:
        content, start, why, ids = PROFILE_POINTS[name]
        refit = point(content, start)
        branch = "a" if refit.values["graft_st_hspc_per_cd34"] < BRANCH_SPLIT else "b"
        if refit.failed or branch != ("a" if start is BRANCH_A else "b"):
            raise RuntimeError(f"{name}: the re-fit at {PROFILED} = {content:g} failed or left its branch "
                               f"({refit.message}; {refit.values})")
        record = {"objective": round(float(refit.objective), 4), "optimum": round(optimum, 4), "branch": branch,
                  "inside_95": bool(refit.objective <= optimum + profile_step), "days": [round(d, 2) for d in refit.days]}
        if not record["inside_95"]:
            print(f"{name}: objective {refit.objective:.4f} above the 95% step {optimum + profile_step:.4f}",
                  file=sys.stderr)
        out[name] = ({PROFILED: content, **refit.values}, why, ids, record)
    return out


@contextmanager
def overridden(values: dict[str, float]) -> Iterator[None]:
    """The healthy-adult set, the drug sets and the conditioning regimens with ``values`` in place, for the block."""
    from hemasim.inference.sources import drug_set_with_values
    from hemasim.parameters import core
    from hemasim.pharmacology import conditioning, drug_sets

    plain = {k: v for k, v in values.items() if ":" not in k}
    drugs: dict[str, dict[str, float]] = {}
    regimens: dict[str, list[tuple[int, str, float]]] = {}
    for key, v in values.items():
        if key.startswith("drug:"):
            _, name, path = key.split(":")
            drugs.setdefault(name, {})[path] = v
        elif key.startswith("regimen:"):
            _, name, index, cls = key.split(":")
            regimens.setdefault(name, []).append((int(index), cls, v))
    from_records = core.ParameterSet.from_records.__func__  # type: ignore[attr-defined]
    load_shipped, all_regimens = drug_sets._load_shipped, conditioning._all

    def records(cls: Any, name: str, recs: Any) -> Any:
        ps = from_records(cls, name, recs)
        return ps.with_values(**plain) if name == "healthy_adult" and plain else ps

    def shipped(name: str) -> Any:
        ds = load_shipped(name)
        return drug_set_with_values(ds, drugs[name]) if name in drugs else ds

    def regimens_now() -> Any:
        out = dict(all_regimens())
        for name, changes in regimens.items():
            data = out[name].model_dump()
            for index, cls, v in changes:
                data["components"][index]["surviving"][cls]["value"] = v
            out[name] = type(out[name]).model_validate(data)
        return out

    core.ParameterSet.from_records = classmethod(records)  # type: ignore[method-assign,assignment]
    drug_sets._load_shipped = shipped  # type: ignore[assignment]
    conditioning._all = regimens_now  # type: ignore[assignment]
    try:
        yield
    finally:
        core.ParameterSet.from_records = classmethod(from_records)  # type: ignore[method-assign,assignment]
        drug_sets._load_shipped = load_shipped
        conditioning._all = all_regimens


def measure(ids: list[str], values: dict[str, float]) -> dict[str, list[dict[str, Any]]]:
    """Every judged check of the targets ``ids`` with ``values`` in place: read-out, patient, value, band, status."""
    from hemasim.validation import load_targets, run_validation

    groups = sorted({g for g, ts in load_targets().items() for t in ts if t["id"] in ids})
    with overridden(values):
        report = run_validation(groups)
    return {t.id: [{"readout": c.readout, "patient": c.patient, "value": c.value, "band": list(c.band),
                    "status": c.status} for c in t.checks if c.status in ("pass", "fail")]
            for t in report.targets if t.id in ids}


def _measured_apart(ids: list[str], values: dict[str, float]) -> dict[str, list[dict[str, Any]]]:
    """:func:`measure` in a fresh process: the validation read-outs keep their runs for the process (a second run
    with other values in one process would read the first's)."""
    import subprocess

    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from validation_challenges import measure; "
            "print(json.dumps(measure(json.loads(sys.argv[2]), json.loads(sys.argv[3]))))")
    done = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), json.dumps(ids),
                           json.dumps(values)], check=True, capture_output=True, text=True)
    measured: dict[str, list[dict[str, Any]]] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def main(argv: list[str]) -> None:
    import argparse

    from hemasim.io import atomic_write_file

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, default=OUT, help="the JSON written (default: %(default)s)")
    parser.add_argument("--only", nargs="+", metavar="NAME", choices=[*CHALLENGES, *PROFILE_POINTS],
                        help="rerun these challenges alone and merge them into the existing file")
    args = parser.parse_args(argv)
    chosen = args.only or [*CHALLENGES, *PROFILE_POINTS]
    profiled = profile_points([n for n in chosen if n in PROFILE_POINTS])  # first: a bad point stops before the runs
    started = time.time()
    if args.only:
        result: dict[str, Any] = json.loads(args.out.read_text(encoding="utf-8"))
        # the baseline of the chosen challenges' targets is rerun with them (a target challenged for the first time
        # has none yet; a model change since the full run shows here)
        ids = sorted({i for n in chosen for i in (profiled[n][2] if n in profiled else CHALLENGES[n][2])})
        result["baseline"] = {**result["baseline"], **_measured_apart(ids, {})}
    else:
        every = sorted({i for _, _, ids in CHALLENGES.values() for i in ids}
                       | {i for *_, ids in PROFILE_POINTS.values() for i in ids})
        result = {"baseline": _measured_apart(every, {}), "challenges": {}}
    for name in chosen:
        if name in profiled:
            values, why, ids, record = profiled[name]
            entry = {"values": values, "why": why, "profile": record}
        else:
            values, why, ids = CHALLENGES[name]
            entry = {"values": values, "why": why}
        result["challenges"][name] = {**entry, "targets": _measured_apart(ids, values)}
        print(f"{name}: {time.time() - started:.0f} s", file=sys.stderr, flush=True)
    order = [*CHALLENGES, *PROFILE_POINTS]  # the file lists them as defined, whichever ran last
    result["challenges"] = dict(sorted(result["challenges"].items(),
                                         key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
    text = json.dumps(result, indent=1) + "\n"
    atomic_write_file(args.out, lambda p: p.write_text(text, encoding="utf-8"))

if __name__ == "__main__":
    main(sys.argv[1:])
