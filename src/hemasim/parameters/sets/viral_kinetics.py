"""Viral infection of an epithelium with T-cell killing and antibody neutralisation (hemasim.biology.viral).
Time in days; virus in TCID50/mL of nasal wash, cells as cells, immune quantities in arbitrary units (AU).

The within-host kinetics (target cells, infectivity, virus production and clearance, infected-cell death) are
Baccam 2006's (J Virol 80:7590) target-cell-limited values, which that study FITTED to nasal-wash titres of adults
experimentally infected with influenza A/Hong Kong/123/77; they were labelled "assumed, of the order of" until the
twenty-fourth session (audit27 found them equal to the published fit), so a validation target on challenge
volunteers (P3, P4: Carrat 2008's pooled challenge studies) is not blind to them.
The immune parameters are assumed (but the CD8 response's net expansion rate and its programme's duration, from human
yellow-fever vaccinees: Le 2015, Akondy 2017; the division rate and the division count are derived from them with the
assumed contraction by hemasim.biology.viral) so that a
healthy adult clears a primary infection in about ten days, a host without T cells mounts no CD8 response (its
infection ends by exhausting the epithelium since the extinction gate, branch virus31; it kept shedding before, from
a trough of 0.06 infected cells), and antibody from a vaccine lowers the peak. Outcomes are
qualitative (who clears, in which order), not predictions of titres or days.
"""

import math

from hemasim.parameters.core import Assumed, Cited, Reference, UnitConvention
from hemasim.parameters.sets._helpers import param

BACCAM_2006 = Reference(
    "Baccam2006", "Baccam P, Beauchemin C, Macken CA, Hayden FG, Perelson AS", 2006,
    "Kinetics of influenza A virus infection in humans", "J Virol 80(15):7590-7599 (PMID 16840338)",
    "10.1128/JVI.01623-05")
#: where the values were read: NOT from a stored copy of the study's table - the stored PMC1563736 page gives the
#: abstract only, and the values were first entered as "of the order of" this fit; audit27 and the lead recognised them
#: as the target-cell-limited estimates of the study's Table 1 (beta, p, c, delta) from memory, unverified here; T0 =
#: 4e8 "held fixed" is quoted from the paper by a secondary document (a public GitHub repository's
#: MECHANISM_WITHIN_HOST_VIRAL_DYNAMICS.md). What matters for the card either way: the values come from a fit to
#: challenge volunteers, so P3/P4 are not blind to them
BACCAM_FIT = ("target-cell-limited model fitted to the viral titres of six volunteers infected with A/Hong Kong/123/77 "
              "(the values are the study's estimates, so its challenge data are this model's data)")

UNVERIFIED = ("values recognised as the study's Table 1 estimates, not read from a stored copy of the table "
              "(the stored article page gives the abstract only)")

#: the records that are Baccam 2006's FITTED estimates (beta, p, c, delta; its T0, virus_target_cells, was held fixed in
#: that fit): influenza's own kinetics, which a virus of another name runs with until the scenario sets them all
#: (hemasim.scenario.plausibility warns, naming those still at influenza's; review33c)
BACCAM_FITTED = ("virus_infectivity_per_tcid50_day", "virus_production_tcid50_per_cell_day", "virus_clearance_per_day",
                 "infected_cell_death_per_day")

#: why a deterministic model needs an extinction rule: in the stochastic theory of early infection an infection is
#: extinct once both virions and infected cells are gone, and a single infected cell may still fail to start one; an
#: ODE's expected count below one cell has no such state and regrows from any residue once R0 > 1 (issue virus31)
PEARSON_2011 = ("Pearson, Krapivsky & Perelson 2011, Stochastic theory of early viral infection, PLoS Comput Biol "
                "7:e1001058 (doi 10.1371/journal.pcbi.1001058; pages corpus, https://pmc.ncbi.nlm.nih.gov/articles/"
                "PMC3033366)")

KINETICS = "within-host course of a respiratory viral infection (issue 6)"
IMMUNE = "clearance of a viral infection by CD8 T cells and antibody (issue 6)"

LE_2015 = Reference(
    "Le2015", "Le D, Miller JD, Ganusov VV.", 2015,
    "Mathematical modeling provides kinetic details of the human immune response to vaccination (abstract read at "
    "journal.frontiersin.org/journal/10.3389/fcimb.2014.00177/abstract, pages corpus)",
    "Front Cell Infect Microbiol 4:177", "10.3389/fcimb.2014.00177")
AKONDY_2017 = Reference(
    "Akondy2017", "Akondy RS, Fitch M, Edupuganti S, et al.", 2017,
    "Origin and differentiation of human memory CD8 T cells after vaccination (abstract read at "
    "pmc.ncbi.nlm.nih.gov/articles/PMC6037316, pages corpus)", "Nature 552:362-367", "10.1038/nature24633")
YFV_CD8_DOUBLING_DAYS = 2.0  # Le 2015: net doubling time of the YFV-17D-specific CD8 T-cell population
CD8_PROGRAMME_DAYS = 14.0  # Akondy 2017: YFV-specific CD8 T cells 'divided extensively during the first two weeks'

#: the CD8 records that became others on branch cd8cite32 (the cited quantities are the records, the model derives the
#: rest): an old name in a scenario's parameters:, --set or a sweep is refused naming what replaced it
RENAMED = {
    "cd8_expansion_per_day": "cd8_net_expansion_per_day (the cited net growth, 0.347/day; the division rate rho = it "
                             "+ cd8_contraction_per_day is derived by the model)",
    "cd8_programme_divisions": "cd8_programme_days (the cited two weeks; the division count n = round(days x (rho + "
                               "cd8_contraction_per_day)) is derived by the model)",
}

PARAMETERS = [
    param("virus_target_cells", 4e8, "cells", "uninfected epithelial target cells before infection",
          Cited(BACCAM_2006, f"T0 = 4e8 upper-respiratory epithelial cells, fixed in the {BACCAM_FIT}; "
                 f"{UNVERIFIED}"),
          bounds=(1.0, 1e12)),
    param("virus_infectivity_per_tcid50_day", 2.7e-5, "1/((TCID50/mL) day)", "infection rate constant (beta)",
          Cited(BACCAM_2006, f"beta 2.7e-5 /(TCID50/mL)/day, {BACCAM_FIT}; {UNVERIFIED}"), bounds=(0.0, 1.0)),
    param("virus_production_tcid50_per_cell_day", 1.2e-2, "(TCID50/mL)/(cell day)",
          "virus released per infected cell per day (p)",
          Cited(BACCAM_2006, f"p 1.2e-2 (TCID50/mL)/day per cell, {BACCAM_FIT}; {UNVERIFIED}"), bounds=(0.0, 1e6)),
    param("virus_clearance_per_day", 3.0, "1/day", "clearance of free virus (c)",
          Cited(BACCAM_2006, f"c 3.0/day, {BACCAM_FIT}; {UNVERIFIED}"), bounds=(0.0, 1e3)),
    param("infected_cell_death_per_day", 4.0, "1/day", "death of infected cells without T-cell killing (delta)",
          Cited(BACCAM_2006, f"delta 4.0/day, {BACCAM_FIT}; {UNVERIFIED}"), bounds=(0.0, 1e3)),
    param("target_cell_regeneration_per_day", 1.0, "1/day", "regrowth of the epithelium toward its size",
          Assumed(KINETICS, "epithelium repairs within days; chosen so that without T cells and antibody the infection "
                  "persisted (prolonged shedding), as in immunodeficient hosts - which it did only by regrowing from "
                  "0.06 infected cells after the first wave, and no longer does under the extinction gate "
                  "(virus_extinction_infected_cells; docs/immunity.md)"),
          bounds=(0.0, 10.0)),
    param("infected_cells_half_antigen", 10.0, "cells", "infected cells giving half-maximal antigen presentation",
          Assumed(IMMUNE, "a few infected cells keep effectors expanding, so the response finishes the infection "
                  "rather than settling with it at a low level"), bounds=(1e-3, 1e12)),
    param("cd8_recruitment_au_per_day", 0.01, "AU/day",
          "recruitment of virus-specific CD8 effectors from naive CD8 T cells at full antigen (reference adult)",
          UnitConvention("cd8_effectors", "0.01 AU of virus-specific CD8 T cells is what the reference adult's "
                         "naive CD8 T cells prime in a day at full antigen (a patient's priming scales with the naive "
                         "CD8 count)"),
          bounds=(0.0, 10.0)),
    param("cd8_net_expansion_per_day", math.log(2.0) / YFV_CD8_DOUBLING_DAYS, "1/day",
          "net growth of the expanding CD8 T-cell population (division less loss) at full antigen",
          Cited(LE_2015, "abstract: the yellow-fever-virus-specific CD8 T-cell population of vaccinees (YFV-17D, a "
                "mild acute infection; data of recent vaccine studies, co-author J. D. Miller) 'expanded slowly "
                "with the average doubling time of 2 days peaking 2.5 weeks post immunization': a net growth of "
                "ln 2 / 2 d = 0.347/day; the abstract gives no spread between vaccinees. Mapping: the model's "
                "programmed cells and its effectors at full antigen (s(I) = I/(I + 10 cells) about 1 through an "
                "infection's expansion) grow at this net rate; the division rate rho is derived from it, rho = this + "
                "cd8_contraction_per_day (d_E, assumed) = 0.747/day, so varying d_E holds the cited net rate (branch "
                "cd8cite32; until then the record held rho, labelled cited as cd8_expansion_per_day, and varying d_E "
                "alone changed the net rate). Replaced the assumed rho = 2/day (doubling every 8-12 h, a mouse "
                "figure: LCMV 3/day, pmc.ncbi.nlm.nih.gov/articles/PMC114648) on branch source31, from the source "
                "alone, before the model was run with it"),
          bounds=(0.0, 10.0)),
    param("cd8_programme_days", CD8_PROGRAMME_DAYS, "day",
          "mean duration of the antigen-independent programme of divisions a primed or recalled CD8 T cell makes",
          Cited(AKONDY_2017, "abstract (pmc.ncbi.nlm.nih.gov/articles/PMC6037316, pages corpus): the "
                "YFV-specific memory CD8 T cells of vaccinees come from cells that 'divided extensively during the "
                "first two weeks after infection' (YFV-17D, a primary acute infection; in vivo deuterium labelling): "
                "14 days, counted from the first priming (taken as the vaccine day: the live vaccine is antigen from "
                "the start). Mapping: a cell in the programme divides at rho or dies at d_E whatever the antigen, so "
                "a surviving lineage takes 1/(rho + d_E) per division and the n divisions n/(rho + d_E) on average; "
                "the model derives n = round(14 d x (rho + d_E)) = round(14 x 1.147) = round(16.1) = 16 (a whole "
                "number of stages: rounded, so the programme lasts 13.95 d at the shipped rates), with rho = "
                "cd8_net_expansion_per_day + d_E, i.e. n = round(14 d x (0.347 + 2 d_E)): d_E 0.2 or 0.8/day gives "
                "10 or 27 divisions, the two weeks held (branch cd8cite32; until then n was the record, "
                "cd8_programme_divisions, assumed because d_E entered it). Range from what was read: Le 2015's peak "
                "2.5 weeks after immunisation would give about 17.5 days (20 divisions); a priming delay of a few days "
                "after the vaccine about 10.5 (12). Why a programme at all: primed naive CD8 T cells are committed "
                "to at least seven divisions without further antigen (Kaech & Ahmed 2001 Nat Immunol 2:415, "
                "pubmed.ncbi.nlm.nih.gov/11323695, pages corpus, abstract: 'committed to dividing at least seven "
                "times'; a lower bound, mouse) after as little as 2 h of antigen (van Stipdonk 2001 Nat Immunol "
                "2:423, pubmed 11323696). The population in the programme grows at the cited net rate from the start "
                "(a division chain, not a delay chain with growth in it, whose yield diverges when its stages are "
                "longer than the doubling time). What the count moves: the CD8 response's peak and its day "
                "(7 / 16 / 40 divisions: 0.21 / 1.7 / 398 AU), not the healthy man's clearance (day 5.85 at 7 and "
                "at 40 divisions, 0.05-day grid; branch mend32)"),
          bounds=(1.0, 40.0)),
    param("cd8_contraction_per_day", 0.4, "1/day", "loss of CD8 effectors (contraction)",
          Assumed(IMMUNE, "the effector pool contracts over one to two weeks after the peak; the model adds it to the "
                  "cited net expansion to give the division rate rho (0.747/day) and derives the programme's "
                  "division count from rho + d_E and the cited two weeks (n = 16), so varying it moves rho and n "
                  "with it and holds the cited net rate and duration (branch cd8cite32)"), bounds=(0.0, 10.0)),
    param("cd8_memory_fraction", 0.05, "1", "share of contracting CD8 effectors that become memory cells",
          Assumed(IMMUNE, "a few percent survive contraction"), bounds=(0.0, 1.0)),
    param("cd8_memory_half_life_years", 8.0, "year", "half-life of virus-specific memory CD8 T cells",
          Assumed(IMMUNE, "memory CD8 T cells persist for years"), bounds=(0.01, 100.0)),
    param("cd8_memory_recall_per_day", 1.0, "1/day", "recruitment of memory CD8 cells into effectors at full antigen",
          Assumed(IMMUNE, "a recall is faster than a primary response"), bounds=(0.0, 10.0)),
    param("cd8_kill_per_au_day", 10.0, "1/(AU day)", "killing of infected cells per unit of CD8 effectors",
          Assumed(IMMUNE, "against the priming that sets the units (cd8_recruitment_au_per_day): a fraction of "
                  "an AU of effectors kills infected cells at a few per day - the healthy man's influenza CD8 response "
                  "(programmed and effector cells) is about 0.2 AU when the infection ends, killing each infected cell "
                  "about 2 times a day, and peaks at 1.7 AU two weeks later (programmed expansion, branch virus32; "
                  "docs/immunity.md). It comes too late to end a primary infection: with this value 0 the healthy "
                  "man's infection ends 0.05 day later (a known limitation, docs/immunity.md; tests/test_viral.py's "
                  "xfails)"),
          bounds=(0.0, 1e3)),
    param("virus_antigen_dose_per_tcid50_day", 3e-6, "doses/((TCID50/mL) day)",
          "antigen reaching the B-cell response per unit of viral load (in vaccine doses)",
          Assumed(IMMUNE, "a primary infection exposes B cells to about one vaccine dose of antigen"),
          bounds=(0.0, 1.0)),
    param("antibody_neutralisation_per_au_day", 1.0, "1/(AU day)", "neutralisation of free virus per AU of IgG",
          Assumed(IMMUNE, "IgG a year after vaccination (a few AU) doubles the clearance of free virus; fresh "
                  "post-vaccine IgG prevents spread"), bounds=(0.0, 1e3)),
]
PARAMETERS.append(
    param("virus_extinction_infected_cells", 1.0, "cells",
          "infected-cell count below which infected cells release no virus (the infection is extinct)",
          Assumed("ending of a cleared viral infection (issue virus31; docs/immunity.md)",
                  f"a rule, not a cited number: in the stochastic theory of early infection ({PEARSON_2011}, "
                  "abstract) extinction is 'the state when both the population of virions and infected cells "
                  "vanish' (whole counts of zero); the value is the least whole count above it, one infected cell, "
                  "as an absolute count in the upper respiratory tract (the model's only site: Baccam 2006's T0 = "
                  "4e8 upper-respiratory epithelial cells). Without it a cleared primary infection left 1e-12-1e-18 "
                  "TCID50/mL that the solver's error kept alive and that settled, once immunity had waned (R0 above "
                  "1 from about day 400), into a chronic state of 0.07 infected cells",
                  what_if="0.1-10 cells, and the gate's steepness pathogen_extinction_gate_hill over 2-8, leave the "
                  "challenge read-outs P3, P4 unmoved (the load crosses 1 TCID50/mL within 1.1e-3 day of the same "
                  "days); at 1e3 cells the 0.1-TCID50/mL inoculum, which infects a few hundred cells, no longer "
                  "starts an infection (tests/test_pathogen_extinction.py). The IL2RG-SCID host's infection ends "
                  "(day 7.25 after the inoculum) for thresholds of 0.05 cells and above and persists at 0.01 (its "
                  "first wave leaves about 0.06 infected cells, from which the regrown epithelium is infected "
                  "again)"),
          bounds=(1e-6, 1e6)))
