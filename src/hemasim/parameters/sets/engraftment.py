"""Engraftment after stem-cell transplantation (hemasim.biology.marrow, hemasim.biology.transplant). Time in days.

No human value has been transcribed for these kinetics. The graft's content and the short-term stage are
calibrated together on T2 (Gunn 2003: platelets > 20e9/L at 14 d with > 10e6 CD34+/kg against 28 d with
5-10e6/kg, autologous), with T1 (engraftment later at 2e6 than at 5e6/kg) as a check, not fitted; the rest
are a-priori values. The engrafting long-term HSC frequency is cited (spencer_chapman2024).
"""

from hemasim.parameters.core import Assumed, Calibrated, Cited, Reference
from hemasim.parameters.sets._helpers import param

MAZZOCCHETTI_2014 = Reference(
    "Mazzocchetti2014", "Mazzocchetti D, Berti AM, Sartini R, Lucarini A, Ragusa G, Caroli M, Pierelli L", 2014,
    "Total nucleated cells as a sole predictor of distinct targets of hematopoietic potential (CD34+ cells) in cord "
    "blood units: the results of a large series analysis in autologous cord blood units", "Transfusion 54(5):1256-1262")

ENGRAFTMENT = "engraftment after transplantation (T1-T2, issue 4)"
T2_HOW = ("with graft_short_term_units_per_cd34 2e-6, graft_st_hspc_per_cd34 2e-6 and a 10-day megakaryocyte "
          "progenitor residence, an autologous graft after Cy/TBI reaches platelets >= 20e9/L for 7 days on day "
          "21 at 7.5e6/kg and day 15 at 15e6/kg (T2 wants >= 5 days apart; 3e-6 short-term cells gave 4-5); the "
          "faster 2-day residence gave platelets that never fell below 20 at high doses")

PARAMETERS = [
    param("graft_short_term_units_per_cd34", 2e-6, "MPP units/cell",
          "committed short-term content of a graft: MPP-compartment units (one unit = the progeny of one HSC "
          "differentiation) per infused CD34+ cell; they give the first wave of neutrophils and platelets",
          Calibrated(("T2",), T2_HOW), bounds=(0.0, 1e-2)),
    param("graft_st_hspc_per_cd34", 2e-6, "cells/cell",
          "short-term repopulating stem/progenitor cells per infused CD34+ cell (carry output for months, "
          "until donor HSCs refill the niche)",
          Calibrated(("T2",), T2_HOW + "; of the order of the engrafting long-term HSC frequency (5.6e-6)"),
          bounds=(0.0, 1e-2)),
    param("megakaryocyte_progenitor_exit_rate_per_day", 0.1, "1/day",
          "exit rate of the megakaryocyte progenitor pool (CFU-MK to maturing megakaryocyte)",
          Calibrated(("T2",), T2_HOW), bounds=(0.01, 10.0)),
    param("graft_lodging_days", 6.0, "day",
          "mean delay from infusion until a graft's committed progenitors produce (homing, lodging, cell-cycle "
          "entry; two-stage Erlang)",
          Assumed(ENGRAFTMENT, "homing takes about a day; lodged CD34+ cells leave quiescence over days"),
          bounds=(0.1, 30.0)),
    param("st_hspc_residence_days", 20.0, "day",
          "mean time a short-term repopulating stem/progenitor cell spends before it becomes an MPP",
          Assumed(ENGRAFTMENT, "weeks; short-term repopulating clones carry haematopoiesis for months after a "
                  "graft through self-renewal"), bounds=(1.0, 365.0)),
    param("st_hspc_baseline_self_renewal_ratio", 0.5, "1",
          "proliferation/exit ratio of short-term repopulating cells at rest (amplification 1/(1-r) = 2)",
          Assumed(ENGRAFTMENT, "as the committed progenitor pools"), bounds=(0.0, 0.95)),
    param("st_hspc_max_proliferation_fold", 8.0, "1",
          "largest fold increase of short-term repopulating cell proliferation when their pool is empty",
          Assumed(ENGRAFTMENT, "at r = 0.5 and a 20-day residence an emptied pool regrows at up to 15%/day, so "
                  "counts recover within about two months of engraftment, as clinically (with 4: ANC 2.2e9/L "
                  "and Hb 7.7 g/dL at their lows after an allogeneic PBSC graft, against 3.1 and 9.1)"),
          bounds=(1.0, 20.0)),
    param("cord_blood_cd34_potency_fold", 5.0, "1",
          "repopulating content of a cord-blood CD34+ cell relative to an adult (marrow or mobilised) CD34+ cell",
          Assumed(ENGRAFTMENT, "cord-blood grafts carry about ten times fewer CD34+ cells per kg than marrow grafts "
                  "yet engraft, about a week later (cord CD34+ cells are more primitive and proliferate more); "
                  "5-fold: after Cy/TBI a single 2.5e5/kg unit engrafts neutrophils on day 25, a 3e6/kg marrow "
                  "graft on day 19"),
          bounds=(1.0, 50.0)),
    param("cord_blood_cd34_per_tnc", 1.47e6 / 6.97e8, "cells/cell",
          "CD34+ cells per total nucleated cell of a cord-blood unit (converts a cord graft's TNC/kg to CD34+/kg)",
          Cited(MAZZOCCHETTI_2014, "abstract (read in the pages corpus): median TNC 6.97e8 (range 0.36-34.9e8) and "
                "median CD34+ 1.47e6 (0-20.56e6) per unit in 1309 cord-blood units; the ratio of the medians, 0.21%"),
          bounds=(1e-4, 0.05)),
]
