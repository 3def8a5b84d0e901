"""Humoral vaccine-response kinetics (hemasim.biology.vaccine). Time in days; cells and antibody in
arbitrary units (AU) of one antigen's response.

Cited: the IgG half-life (textbook value of target I2), the long-lived plasma-cell half-life, set to
the 11-year tetanus antibody half-life of Amanna 2007 (the slow phase of antibody decay is the plasma
cells' decay), and the plasmablast lifetime (inside White 2014's 2-10-day half-lives of short-lived
antibody-secreting cells). Calibrated on I3: antigen half-life and B-cell differentiation rate (plasmablast peak on
day 7-8). Everything else is assumed: it shapes the size of responses and awaits responder data. The help
half-saturations (B and CD4 counts) are set at the counts transplant centres use as vaccination thresholds.
"""

import math
from collections.abc import Sequence

from hemasim.parameters.bibliography import AMANNA_2007, JANEWAY_2016, WHITE_2014
from hemasim.parameters.core import Assumed, Calibrated, Cited, Fitted, PlausibleRange, UnitConvention
from hemasim.parameters.sets._helpers import param

RESPONSE = "timing and size of vaccine responses (I3, I5; issue 6)"
MATURATION = "memory B-cell maturation and the prime-boost interval (P9; issue 17)"
SPREAD = "between-patient spread of vaccine responses in cohorts (P18; issue 17 item 7)"
WANING = "antibody waning on three time scales, primary and recall responses (P5, Y1, Y5, P9; issue 17)"
HELP = "dependence of vaccine responses on B and CD4 counts (I5-I7; issue 17 item 7)"
#: what the humoral fit found (branches humfit36 and humfit36b; docs/sensitivity.md, "Humoral fit"): on the H9N2
#: dose-ranging antibody course (Aichinger, NCT01320696, data/h9n2_vaccine_dose_course), then jointly with I3's peak day
#: and conditional on the values not identifiable; by its rules nothing was adopted
HUMFIT = ("Freed in the humoral fit (branches humfit36/humfit36b, bench/humoral_fit_h9n2.py, rules committed first; "
          "H9N2 course, Aichinger, NCT01320696): the first fit ")

#: the long- and short-lived plasma-cell shares of one plasmablast's end, of a primary and of a recall response: each
#: is bounded 0-1 and so is their sum (one consumed cell; more would make plasma cells from nothing). Checked where
#: overrides are read (hemasim.scenario.overrides) and where the vaccine module is built (hemasim.biology.vaccine)
PLASMA_CELL_SHARES = {"primary": ("long_lived_plasma_cell_fraction", "short_lived_plasma_cell_fraction"),
                      "recall": ("recall_long_lived_plasma_cell_fraction", "recall_short_lived_plasma_cell_fraction")}


def plasma_cell_shares_problem(names: tuple[str, str], total: float | Sequence[float]) -> str | None:
    """The error of one plasmablast's two plasma-cell shares adding up to ``total`` (a cohort's: one sum a patient);
    None when every sum is at most 1. A sum that is no number is an error too, named before any above 1 (the largest
    by ``np.max`` was NaN when one was, and NaN compared as "not above 1", so passed; by Python's ``max``, whichever
    came first)."""
    sums = [float(total)] if isinstance(total, int | float) else [float(t) for t in total]
    bad = [t for t in sums if not t <= 1.0]  # NaN fails every comparison: kept
    if not bad:
        return None
    worst = next((t for t in bad if math.isnan(t)), max(bad))
    return (f"{' + '.join(names)}: a plasmablast's long- and short-lived plasma-cell shares must add up to at most 1 "
            f"(got {worst:.6g})")


PARAMETERS = [
    param("igg_half_life_days", 21.0, "day", "serum half-life of IgG",
          Cited(JANEWAY_2016, "serum half-life of IgG1, about 21 days (the textbook value of target I2)"),
          bounds=(5.0, 60.0)),
    param("long_lived_plasma_cell_half_life_years", 11.0, "year", "half-life of long-lived plasma cells",
          Cited(AMANNA_2007, "tetanus antibody half-life 11 years, taken as the plasma cells' half-life"),
          bounds=(0.5, 200.0)),
    param("plasmablast_lifetime_days", 3.0, "day", "mean lifetime of a plasmablast",
          Cited(WHITE_2014, "abstract: models of the antibody titres of African children to P. falciparum antigens "
                "(longitudinal cohorts; fitted to estimate the half-lives of IgG and of IgG antibody-secreting cells) "
                "'including both short-lived ASCs (half-life range, 2-10 days), which are responsible for boosting "
                "antibody titers following infection, and long-lived ASCs (half-life range, 3-9 years)'. Mapping: the "
                "model's plasmablasts are its short-lived antibody-secreting cells, each ending at rate 1/tau_pb "
                "(exponential: half-life tau_pb ln 2), so half-lives of 2-10 d are mean lifetimes of 2.9-14.4 d. The "
                "shipped 3 d (half-life 2.1 d) lies inside the range, at its lower end: cited, value unchanged (branch "
                "humoral32; the range spans antigens and two cohorts of children after infection, not vaccinated "
                "adults). A vaccine in adults lies inside it too: Pasin 2019 (J Virol; Ad26.ZEBOV, MVA-BN-Filo Ebola "
                "vaccine), whose estimates Alexandre 2023's validation project fixes (github.com/sistm/ModelingEbola, "
                "Mlxtran/MlxtranProject_validationPrediction.txt, code corpus: short-lived ASC decay 0.2310/day, a "
                "3-day half-life, mean lifetime 4.3 d; whether Pasin estimated or fixed it is not in what was read). "
                "Read, not a lifetime: Wrammert 2008 (Nature 453:667, dx.crossref.org/10.1038/nature06890, pages "
                "corpus: the influenza-vaccine ASCs peak about day 7 and are barely detectable by day 14, which mixes "
                "death with homing). Before: assumed, and x2 moved I2 29.8 -> 25.3 d, I3 7 -> 8, Y5 59.1 -> 45.7 d, "
                "L1's booster rise 17.7 -> 36.1 and I6 0.205 -> 0.272 (diagnosis runs, docs/humoral_diagnosis.py)"),
          bounds=(0.5, 20.0),
          plausible_range=PlausibleRange(2.0 / math.log(2.0), 10.0 / math.log(2.0),
                                         "White 2014 (J Infect Dis 210:1115, abstract, academic.oup.com, pages "
                                         "corpus): short-lived ASC half-lives 2-10 days across antigens and cohorts, "
                                         "as mean lifetimes (half-life / ln 2)")),
    param("long_lived_plasma_cell_fraction", 0.01, "1",
          "fraction of plasmablasts that become long-lived plasma cells",
          Assumed(RESPONSE, "a small minority. Not a harmless assumption: the targeted screen "
                  "(bench/targeted_screen.py, x0.5 and x2, the vaccine groups; "
                  "bench/results/targeted_screen_long_lived_plasma_cell_fraction.json) moves Y1 month 6 / month 1 by "
                  "37%, Y2 month 7 / month 6 by 30%, P5 by 23% and I2 by 15%; no value passes Y1 or P5 while I2 holds "
                  "(bench/antibody_waning_bound.py, docs/immunity.md). Searched (branch humoral32; pages and code "
                  "corpora: proportion of antibody-secreting cells that are long-lived, vaccine biphasic antibody "
                  "decay models, Andraud 2012's estimates): no human share of plasmablasts that become long-lived. "
                  "White 2015 (Lancet Infect Dis; RTS,S in African children, Table S3 as malaria models carry it: "
                  "github.com/mrc-ide/deterministic-malaria-model scripts/vaccine_params.R, code corpus) splits the "
                  "antibody into a short-lived (half-life 45 d) and a long-lived (591 d) component, the short share "
                  "0.88 after the primary series and 0.70 after a booster: shares of antibody, not a fate of cells "
                  "that pass through a plasmablast stage, so they reach this share only through the whole model (a "
                  "fit, not done); Pelleau 2021's SARS-CoV-2 code (short-lived share prior 0.9) and Deichmann 2025's "
                  "Stan model (github.com/juliadeichmann/sars-cov-2_ab-kinetic-model, prior logit 3) are priors; the "
                  "abstracts of Andraud 2012 and White 2014 give half-lives only. " + HUMFIT + "0.0309 (95% "
                  "profile 0.0170-0.0537), but with the half-saturation at its bound; the amended fit (joint with I3, "
                  "the half-saturation and recall share held): 0.0189 (0.0146-0.0252) beside the expansion and "
                  "memory share at their bounds; with those held here, 0.0099 (0.0077-0.0127); with I3's two held "
                  "too, at its upper bound 1 (open above): not identifiable in the rule's last round, not adopted"),
          bounds=(0.0, 1.0)),
    param("short_lived_plasma_cell_fraction", 0.0, "1",
          "fraction of a primary response's plasmablasts that become short-lived plasma cells",
          Assumed(WANING, "0: no short-lived plasma cells (the model as it was). Andraud 2012 (PLoS Comput Biol "
                  "8:e1002418, abstract, ploscompbiol.org page, pages corpus) needs three time scales for hepatitis A "
                  "vaccine antibody: antibodies about a month, short-lived plasma cells several months, long-lived "
                  "plasma cells decades; its estimates were not in the stored material read. Not fitted: no "
                  "plasma-cell share can lift the months after a first dose into Y1's or P5's band while I2 holds "
                  "(bench/antibody_waning_bound.py). Searched again (branch humoral32): Andraud 2012's estimates are "
                  "in no stored page (the ploscompbiol.org page and a proxy copy of it give authors and abstract "
                  "only); White 2015's RTS,S components (see long_lived_plasma_cell_fraction) are shares of antibody, "
                  "not of plasmablasts"), bounds=(0.0, 1.0),
          plausible_range=PlausibleRange(0.0, 0.18, "0: none (the model before); 0.18: the upper end of the 95% "
                                         "profile interval of the short-lived share fitted on the hepatitis A "
                                         "follow-up's annual antibody decline (bench/plasma_cell_fit.py, "
                                         "docs/immunity.md)")),
    param("short_lived_plasma_cell_half_life_days", 63.0, "day", "half-life of short-lived plasma cells",
          Assumed(WANING, "Andraud 2012 (abstract): 'several months'; read as a 3-month mean lifespan (63-day "
                  "half-life). Acts only where a short-lived share is above 0 (none by default)"),
          bounds=(5.0, 1000.0)),
    param("recall_long_lived_plasma_cell_fraction", 0.01, "1",
          "fraction of a recall's plasmablasts (of recalled memory B cells) that become long-lived plasma cells",
          Assumed(WANING, "the primary response's share (one plasmablast fate, the model as it was); a value of its "
                  "own gives recall responses their own activated and plasmablast pools. Fitted with the short-lived "
                  "share on a hepatitis A follow-up (annual antibody decline after two doses; "
                  "bench/plasma_cell_fit.py, rule committed first, docs/immunity.md): 0.057 (95% profile CI "
                  "0.038-0.070), objective 48.9 -> -6.5, not adopted: with it I2 fails (29.8 -> 43.2 d). Searched "
                  "(branch humoral32): no recall share in a human source; White 2015's RTS,S booster leaves a larger "
                  "long-lived share of antibody than the primary series (0.30 against 0.12; see "
                  "long_lived_plasma_cell_fraction), a direction for a recall over a primary response, not this share "
                  "(shares of antibody, reached only through the whole model). " + HUMFIT + "0.0050, 95% profile "
                  "interval open below up to 0.0185 (not identifiable); held at 0.01 in the amended fit"),
          bounds=(0.0, 1.0)),
    param("recall_short_lived_plasma_cell_fraction", 0.0, "1",
          "fraction of a recall's plasmablasts that become short-lived plasma cells",
          Assumed(WANING, "the primary response's share, 0 (one plasmablast fate, the model as it was). Fitted "
                  "with the long-lived share (bench/plasma_cell_fit.py, docs/immunity.md): 0.104 (95% profile CI "
                  "0.046-0.182), not adopted (I2 fails). Searched (branch humoral32): as "
                  "recall_long_lived_plasma_cell_fraction; no source gives this share"),
          bounds=(0.0, 1.0),
          plausible_range=PlausibleRange(0.0, 0.18, "0: none (the model before); 0.18: the upper end of the 95% "
                                         "profile interval of the short-lived share fitted on the hepatitis A "
                                         "follow-up's annual antibody decline (bench/plasma_cell_fit.py, "
                                         "docs/immunity.md)")),
    param("vaccine_antigen_half_life_days", 2.0, "day", "half-life of vaccine antigen available to B cells",
          Calibrated(("I3",), "with the differentiation rate, puts the plasmablast peak on day 7-8 after a dose "
                     "(scanned 0.5-2 d x 0.5-1 /day). " + HUMFIT + "did not free it; the amended one, with "
                     "I3's datum in the objective: 2.71 d (95% profile 1.94-5.86) beside the expansion and memory "
                     "share at their bounds; at its 0.1-day bound (open below) with those held here: not identifiable, "
                     "kept at this calibration"), bounds=(0.1, 60.0)),
    param("vaccine_antigen_half_saturation_au", 0.1, "AU",
          "antigen level at which B-cell expansion runs at half its maximum",
          Assumed(RESPONSE, "a tenth of a dose. Not harmless: with the I3 calibration held, x0.1 / x10 move I3's peak "
                  "day 7 -> 9.5 / 5.5, L4's full-over-half-dose ratio at 40 y 7.08 -> 3.65 / 5.43 and I6 0.205 -> "
                  "0.466 / 0.089 (diagnosis runs, docs/humoral_diagnosis.py; not to steer a later choice of this "
                  "value). Searched (branch humoral32; pages: vaccine antigen dose-response, half-maximal dose, "
                  "dose-ranging trials): the dose-ranging trials found (hepatitis B 5, 10 and 20 ug, booster GMTs "
                  "3,591, 9,277 and 12,975 mIU/mL, J Med Virol 1985;15:65; 2.5 ug, Vaccine 1986;4:93; influenza "
                  "subunit 10-60 ug flat or nearly so for two of three antigens, Palache 1993 Vaccine 11:3; "
                  "surface-antigen influenza vaccine 5-400 IU, fold rises 8 to 174, scilit.net record) relate dose to "
                  "titre through the whole response (recruitment, expansion, clearance), not through this "
                  "half-saturation alone, and L4 (a prediction) reads that dose law: a fit on them would have to leave "
                  "L4 out. " + HUMFIT + "with the other four: at its 1e-4 AU bound, 95% profile interval open below up "
                  "to 2.9e-4 (not identifiable: the flat dose response wants antigen to saturate expansion at every "
                  "dose). Held at 0.1 in the amended fit (conditional: the value users get), whose H9N2 part is then "
                  "82.1 at best against 70.5 with it free. 0: expansion not gated by antigen (the law's limit; "
                  "branch humdose37's law b)"), bounds=(0.0, 10.0)),
    param("vaccine_recruitment_saturation_per_au", 0.0, "1/AU",
          "saturation of naive B-cell recruitment in antigen, 1/K_rec: recruitment k_rec Ag / (1 + Ag/K_rec); 0: "
          "recruitment proportional to antigen (the law before branch humdose37, K_rec infinite)",
          # an opt-in law off at 0: it affects nothing as shipped (review37c: not RESPONSE's I3, I5), and its fit is
          # no source of a value (not adopted)
          Assumed("nothing while 0, its shipped value (an opt-in law, off in the shipped model); set above 0, how "
                  "vaccine responses grow with dose (the dose law L4 reads; issue 17)",
                  "0, the law off: recruitment proportional to antigen, as before branch humdose37 (an opt-in law; "
                  "docs/sensitivity.md \"Dose law (humdose37)\"). Biology for a value > 0: B-cell entry into a "
                  "response is limited by T-cell help at the T-B border (Schwickert 2011, J Exp Med 208:1243), so "
                  "more antigen recruits more cells only until help runs short. Fitted but not adopted, so no source "
                  "of a value (bench/humoral_dose_law_fit.py, rules committed first; H9N2 course NCT01320696 + I3's "
                  "peak day; rounds hold what is not identifiable at main's values): with the expansion gated (law a) K_rec 0.112 AU, open below - 0.239 "
                  "(objective 66.33), then at its 1e-4 bound once the rates are held (110.96); with the expansion "
                  "ungated (law b) 0.331 AU (95% profile 0.048-4.6; 65.67), then at its 1e3 bound (223.87); the "
                  "shipped law's best 83.30. Not adopted: no last round meets the rule (objective below 73.30, K_rec "
                  "bounded both sides)"),
          bounds=(0.0, 1e4)),
    param("vaccine_b_recruitment_per_au_day", 1.0, "1/(AU day)",
          "naive B cells recruited per unit antigen per day at normal B and CD4 counts",
          UnitConvention("b_cells", "1 AU of antigen-specific B-lineage cells is what one dose of antigen recruits "
                         "in a day at normal B and CD4 counts. Its screens move vaccine read-outs only because the "
                         "antibody feedback's half-max is in units it sets (the screen cell says which change of the "
                         "assumed members it equals). The Morris screen's 25% on every healthy count was an artefact "
                         "(one design point at the all-zero fixed point). In a cohort it also carries the between-"
                         "patient spread of vaccine responses (vaccine_response_sd_log: each patient's value is this "
                         "one times exp(SD z), hemasim.cohort.sampling.VACCINE_RESPONSE): its typical value is the "
                         "convention, its spread is biology (fitted, in the unit-free ratio to the typical value), "
                         "and a relative response compares with a reference adult at the typical value"),
          bounds=(0.0, 1e3)),
    param("vaccine_response_sd_log", 1.3502, "1",
          "SD of ln(a patient's vaccine-response factor) between patients: each cohort patient's B-cell recruitment "
          "into a response is the typical value times exp(SD z), z standard normal (median: the typical response; "
          "single runs keep it)",
          Fitted(("data/influenza_vaccine_fold_rise/young_never_vaccinated.csv",),
                 "bench/vaccine_response_spread_fit.py (closed form, rule committed first: docs/immunity.md). Data: "
                 "BMC Infect Dis 2014;14:133, Table 3, never-vaccinated adults 18-60 y (n = 28), HI titre fold-rise "
                 "21 days after one influenza dose; SD of ln fold-rise per strain from its MGI 95% CI, sqrt(28) "
                 "ln(hi/lo) / (2 t(0.975, 27)) = 1.517 (A/H1N1), 1.268 (A/H3N2), 1.249 (B), pooled as the root mean "
                 "square; check: the young group's seroconversion 51/84 (95% Wilson 0.500-0.705) is reproduced, "
                 "0.651", float("nan"), "95% CI 1.07-1.84 (chi-square, 27 df: the three strains are the same people)"),
          bounds=(0.0, 5.0)),
    param("vaccine_memory_recall_per_au_day", 5.0, "1/(AU day)",
          "memory B cells recalled into the response per unit antigen per day",
          Assumed(RESPONSE, "memory responds faster than naive cells. Searched (branch humoral32; pages: memory B "
                  "cells before a booster and the plasmablast or antibody response): frequencies and fold rises only "
                  "(Blanchard Rohner 2008, J Immunol 180:2165, infants' MenC memory B cells predict the booster; a "
                  "hepatitis B booster, Eur J Immunol, onlinelibrary.wiley.com/doi/10.1002/eji.201041187: memory B "
                  "cells 11.3 -> 28.2 per 1e6, IgG 2.9 -> 284 mIU/mL two weeks on). In AU, only the ratio of this rate "
                  "to the recruitment rate is unit-free, and no source gives it"), bounds=(0.0, 1e3)),
    param("vaccine_b_expansion_per_day", 1.0, "1/day", "division rate of activated B cells while antigen lasts",
          Assumed(RESPONSE, "about one division a day. Searched (branch humoral32; pages: human antigen-specific "
                  "B-cell proliferation after vaccination, deuterium labelling, germinal-centre B-cell cycle time): "
                  "Macallan 2005 (Blood, a copy at 100md.com; 6,6-2H2-glucose: blood B cells divide 1.9%/day, memory B "
                  "cells 2.66%/day - resting turnover, not antigen-driven expansion), van Zelm 2007 (J Exp Med "
                  "204:645: numbers of divisions from KREC ratios, no rate), Gitlin 2015 (Science 349:643, mice: "
                  "T-cell help speeds the germinal-centre cell cycle): no human division rate of antigen-activated B "
                  "cells. " + HUMFIT + "1.174 (95% profile 1.083-1.304), but with the half-saturation at its "
                  "bound; in the amended fit (joint with I3, the half-saturation and recall share held) at its 10 /day "
                  "bound, open above from 8.5: not identifiable, not adopted"), bounds=(0.0, 10.0)),
    param("vaccine_b_differentiation_per_day", 1.0, "1/day",
          "rate at which activated B cells leave for plasmablasts or memory",
          Calibrated(("I3",), "with the antigen half-life, puts the plasmablast peak on day 7-8 after a dose. " + HUMFIT +
                     "did not free it; the amended one, with I3's datum in the objective: 0.079 /day (95% "
                     "profile 0.066-0.100) beside the expansion and memory share at their bounds; at its 0.05 /day "
                     "bound (open below) with those held here: not identifiable, kept at this calibration"),
          bounds=(0.0, 10.0)),
    param("vaccine_memory_fraction", 0.1, "1", "fraction of activated B cells that become memory B cells",
          Assumed(RESPONSE, "a minority. Searched (branch humoral32; pages: the share of activated B cells that become "
                  "memory rather than plasma cells, human vaccines): reviews only (Palm and Henry 2019, Front Immunol "
                  "10:1787; Am J Transplant 2018;18:779, figure 1: relative widths, no number). " + HUMFIT + "0.018 "
                  "(95% profile 0.0049-0.050), but with the half-saturation at its bound; in the amended fit (joint "
                  "with I3, the half-saturation and recall share held) at its 0.001 bound, open below up to 0.75: not "
                  "identifiable, not adopted"), bounds=(0.0, 1.0)),
    param("memory_b_maturation_days", 0.0, "day",
          "mean time a new memory B cell takes to become recallable (memory maturation; 0: recallable at once)",
          Assumed(MATURATION, "0 (memory recallable at once, the response as it was). Fitted to extended-interval "
                  "BNT162b2 data (Amirthalingam 2021, Parry 2022; bench/memory_maturation_fit.py): 61.3 d (95% "
                  "profile CI 43-88 d), objective 131.1 -> 90.2, but not adopted by the rule fixed before the fit "
                  "(docs/immunity.md): with it I3 (plasmablast peak day 7.0 -> 5.5) and I2 (29.8 -> 30.2 d) fail"),
          bounds=(0.0, 365.0),
          plausible_range=PlausibleRange(0.0, 180.0, "0: memory recallable at once (the model before); 180 d: "
                                         "germinal centres still active 15 weeks after a first BNT162b2 dose "
                                         "(Turner 2021, Nature 596:109; nature.com article, pages corpus); the fit "
                                         "on Amirthalingam 2021 and Parry 2022 gives 61.3 d, 95% profile CI 43-88 d "
                                         "(docs/immunity.md); searched again (branch humoral32; pages: prime-boost "
                                         "interval and memory maturation in people): mice only (Pettini 2021, "
                                         "Vaccines 9:289, 18- against 4-week intervals; Mantile 2019, Front Immunol, "
                                         "a consolidation phase to about day 21)")),
    param("antibody_secretion_au_per_cell_day", 1.0, "AU/(AU day)", "IgG made per antibody-secreting cell per day",
          UnitConvention("antibody", "1 AU of IgG is what 1 AU of antibody-secreting cells make in a day"),
          bounds=(0.0, 1e6)),
    param("antibody_feedback_half_max_au", 300.0, "AU",
          "specific IgG that halves the antigen B cells see (antibody feedback, epitope masking)",
          Assumed(RESPONSE, "mechanism: Zhang 2013 (J Exp Med 210:457); ten times the largest vaccine responses (tens "
                  "of AU), so single doses and boosts change by under 3%, while a response to antigen that persists "
                  "(an uncleared infection) stays bounded. Searched (branch humoral32; pages: pre-existing or maternal "
                  "antibody inhibiting a vaccine response, a threshold): maternal antibody stops infants' measles "
                  "seroconversion even at low HI titres (scilit.com record: 38% seroconverted against 100% without), "
                  "by Fc-receptor IIB cross-linking as Niewiesk 2014 (Front Immunol 5:446) reviews, a live vaccine's "
                  "neutralisation too: no ratio of the inhibiting antibody to a response's own peak, the unit-free "
                  "form of this half-max"), bounds=(1.0, 1e6)),
    param("vaccine_b_help_half_saturation_per_uL", 20.0, "cells/uL",
          "blood B-cell count at which B-cell availability halves a vaccine response's recruitment (saturating "
          "help law, hemasim.biology.vaccine)",
          Assumed(HELP, "the CD19 > 20/uL threshold some transplant centres require before vaccinating (ASH figure "
                  "'Screening questions to determine early vaccination candidacy', as read: 'some institutions defer "
                  "vaccination until the peripheral CD4 count is >200/uL and the CD19 (B-cell) count is >20/uL'), "
                  "taken as the half-saturation; a minimum CD19 level for adequate responses is also reported after "
                  "autologous SCT (Vaccine 2007, 'Vaccination responses and lymphocyte subsets after autologous stem "
                  "cell transplantation', abstract: with CD19 >= 0.20e9/L most responded to one Hib dose). Searched "
                  "(branch humoral32; pages: vaccine response after rituximab by CD19 count): rates by time since "
                  "anti-CD20 therapy (Blood 2013;122:1946, ITP: 21-29% against 67-83% responders 6 months on; Blood "
                  "Adv 2021;5:2624, a meta-analysis), not by B-cell count: nothing sets K"),
          bounds=(0.1, 1000.0)),
    param("vaccine_cd4_help_half_saturation_per_uL", 100.0, "cells/uL",
          "naive (primary response) or memory (recall) CD4 count at which T-cell help halves a vaccine response's "
          "recruitment (saturating help law)",
          Assumed(HELP, "the same practice threshold, CD4 > 200/uL in total, split between the naive (primary) and "
                  "memory (recall) help of the model in the reference adult's proportion (half each): 100/uL. Fitted "
                  "to hepatitis B vaccine responders by CD4 stratum in HIV-infected adults (Veiga 2006, Vaccine "
                  "24:7124; bench/vaccine_cd4_help_fit.py, rule committed first: docs/immunity.md): K at the 2000/uL "
                  "bound (a near-linear law), 95% profile 94-2000, likelihood ratio against 100 p = 0.056: not adopted "
                  "by the rule (bar a). The data do not call the dependence too steep; if anything, too shallow. "
                  "Searched again (branch humoral32; pages: response by CD4 stratum): Hassold 2022 (AIDS 36:F1, "
                  "COVID-19 vaccines in people with HIV: median anti-spike 623.8 BAU/mL above 500 CD4/uL, 334.3 below "
                  "500, 247.9 below 200) and an HIV diphtheria/tetanus/polio series (scilit.com record: 61%, 70%, 73% "
                  "protected by CD4 <=100, 101-300, >300): data for a fit like Veiga's, not a half-saturation"),
          bounds=(1.0, 2000.0)),
]
