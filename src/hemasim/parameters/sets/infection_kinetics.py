"""Bacterial infection and inflammation (hemasim.biology.infection). Time in days.

No human parameter set has been transcribed: every value is assumed, chosen so that the resting
neutrophils clear a small inoculum, a larger one grows until inflammation has raised the neutrophil
count, and a neutropenic host fails. The release gain is calibrated on I1 (WBC above 12e9/L in a
moderate infection). Outcome read-outs are qualitative, not predictions of clearance days.
"""

from hemasim.parameters.core import Assumed, Calibrated, UnitConvention
from hemasim.parameters.sets._helpers import param

INFECTION = "course and outcome of bacterial infections (I1, issue 6)"

PARAMETERS = [
    param("bacteria_growth_per_day", 4.0, "1/day", "net replication rate of bacteria without host defence",
          Assumed(INFECTION, "doubling every few hours"), bounds=(0.0, 50.0)),
    param("bacteria_carrying_capacity_cfu", 1e11, "CFU", "largest bacterial load the infected tissue supports",
          Assumed(INFECTION, "an overwhelming infection"), bounds=(1.0, 1e16)),
    param("neutrophil_kill_rate_per_anc_day", 1.0, "1/(day 1e9/L)",
          "bacterial killing rate per unit of ANC at low bacterial loads",
          Assumed(INFECTION, "at a normal ANC (4.75) just above bacterial growth: resting neutrophils hold a "
                  "small inoculum, a mildly neutropenic host does not"),
          bounds=(0.0, 100.0)),
    param("phagocytosis_half_saturation_cfu", 1e9, "CFU", "bacterial load at which killing per bacterium halves",
          Assumed(INFECTION, "phagocytic capacity is finite: large inocula escape"), bounds=(1.0, 1e14)),
    param("innate_clearance_per_day", 0.5, "1/day", "clearance of bacteria by other innate defences",
          Assumed(INFECTION, "macrophages, complement"), bounds=(0.0, 100.0)),
    param("inflammation_sensing_half_cfu", 1e7, "CFU", "bacterial load giving half-maximal inflammation production",
          Assumed(INFECTION, "a clinically apparent infection"), bounds=(1.0, 1e14)),
    param("inflammation_production_au_per_day", 2.0, "AU/day", "largest production of the inflammatory signal",
          UnitConvention("inflammation", "2 AU is the signal a fully sensed bacterial load makes in a day; the "
                         "biology is the half-max's size against it (inflammation_half_max_au, assumed)"),
          bounds=(0.0, 1e3)),
    param("inflammation_half_life_days", 0.5, "day", "half-life of the inflammatory signal",
          Assumed(INFECTION, "cytokines such as IL-6 and G-CSF last hours"), bounds=(0.01, 10.0)),
    param("inflammation_half_max_au", 0.3, "AU", "inflammatory signal giving half-maximal marrow effects",
          Assumed(INFECTION, "0.3 AU, against the production that sets the units (inflammation_production_au_per_day): "
                  "a fully sensed load's steady signal, 2 AU/day x 0.5 d / ln2 = 1.44 AU, is about five times it"),
          bounds=(1e-6, 1e3)),
    param("inflammation_production_max_gain", 4.0, "1",
          "largest extra neutrophil-progenitor input under inflammation (x 1 + gain)",
          Assumed(INFECTION, "emergency granulopoiesis raises production several-fold"), bounds=(0.0, 50.0)),
    param("inflammation_release_max_gain", 3.0, "1",
          "largest speed-up of post-mitotic maturation and release under inflammation (x 1 + gain)",
          Calibrated(("I1",), "a moderate infection in a healthy adult raises WBC above 12e9/L"),
          bounds=(0.0, 50.0)),
]
PARAMETERS.append(
    param("inflammation_mobilisation_max_gain", 4.0, "1",
          "largest increase of HSPC egress from marrow into blood under inflammation (x 1 + gain)",
          Assumed(INFECTION, "circulating CD34+ cells rise a few-fold in severe infection and sepsis"),
          bounds=(0.0, 100.0)))
PARAMETERS += [
    param("bacteria_antigen_dose_per_cfu_day", 1e-11, "doses/(CFU day)",
          "bacterial antigen reaching the B-cell response per CFU per day (in vaccine doses)",
          Assumed(INFECTION, "a moderate infection (about 1e10 CFU-days) exposes B cells to a tenth of a vaccine dose"),
          bounds=(0.0, 1.0)),
    param("opsonisation_half_max_au", 20.0, "AU", "specific IgG giving half of the largest (two-fold) opsonisation gain",
          Assumed(INFECTION, "IgG after a vaccine (tens of AU) opsonises well; a primary infection's own IgG arrives "
                  "late and low"), bounds=(1e-3, 1e4)),
    param("phagocytosis_opsonised_half_saturation_cfu", 5e9, "CFU",
          "bacterial load at which the killing of opsonised bacteria per bacterium halves",
          Assumed(INFECTION, "Fc-gamma and complement receptors add uptake of opsonised bacteria, so phagocytes "
                  "saturate later: five times phagocytosis_half_saturation_cfu, just above the about 4e9 CFU needed "
                  "for an ANC of 17e9/L with abundant antibody to clear a load at the carrying capacity; a host at "
                  "or below the resting ANC still cannot (tests)"),
          bounds=(1.0, 1e14)),
]
#: extinction of a bacterial population is its count reaching zero, a stochastic event that decides the clearance of
#: small populations (Teimouri & Kolomeisky 2019; pages corpus, https://pmc.ncbi.nlm.nih.gov/articles/PMC6451408)
TEIMOURI_2019 = ("Teimouri & Kolomeisky 2019, Theoretical investigation of stochastic clearance of bacteria, J R Soc "
                 "Interface (PMC6451408; authors and title confirmed by the APS March Meeting 2019 abstract, "
                 "meetings-archive.aps.org/mar/2019/y66/6)")
EXTINCTION = "ending of a cleared infection (issue virus31; docs/immunity.md, \"Extinction of a cleared infection\")"
PARAMETERS.extend([
    param("bacteria_extinction_cfu", 1.0, "CFU",
          "bacterial load below which bacteria do not replicate (the infection is extinct)",
          Assumed(EXTINCTION,
                  f"a rule, not a cited number: {TEIMOURI_2019}, abstract: 'the clearance of large bacterial "
                  "populations proceeds deterministically, while for smaller populations, the stochastic effects "
                  "become more relevant' - extinction is the count reaching zero; the value is the least whole count "
                  "above it, one CFU of the whole-body load. Without it a cleared 1e9-CFU infection's residue "
                  "(3e-26 CFU on day 38) grew back to 3.5 CFU through six docetaxel nadirs "
                  "(tests/test_pathogen_extinction.py)",
                  what_if="the bacterial validation read-outs (I1) are of loads far above 1 CFU, where the gate is 1 "
                  "to double precision; a scenario's inoculum below 1 CFU is refused (the gate would extinguish "
                  "it)"),
          bounds=(1e-6, 1e6)),
    param("pathogen_extinction_gate_hill", 4.0, "1",
          "steepness h of the extinction gates x^h / (x^h + x_ext^h) on bacterial growth and virus release",
          Assumed(EXTINCTION,
                  "the form of the law, a smooth stand-in for a step at one CFU or one infected cell that every "
                  "solver and the SBML export take as any other Emax law (6% of full growth at half the threshold, "
                  "94% at twice it, 99.99% at ten times it); any h >= 1 makes the cleared state stable (release and "
                  "growth vanish as x^(h+1))",
                  what_if="h = 2 and 8 leave the challenge read-outs P3, P4 unmoved (the load crosses 1 TCID50/mL "
                  "within 1.1e-3 day of the same days, the peak within 0.1%; tests/test_pathogen_extinction.py); "
                  "at h 1, 2 and 4 the IL2RG-SCID host's infection ends for thresholds of 0.05 cells and above"),
          bounds=(1.0, 16.0)),
])
