"""G-CSF mobilisation of CD34+ cells into blood and their collection by apheresis (docs/mobilisation.md).

The egress drive is an Emax function of a delayed G-CSF concentration. Its maximum and its delay are fitted
to the daily blood CD34+ course of Transfus Med 1997 (days 4-6 under filgrastim; validation target G1); the other
mobilisation figures of the literature folder (docs/literature/, "Item 2") are kept as predictions (targets G2-G9).
"""

from hemasim.parameters.bibliography import WANG_2001
from hemasim.parameters.core import Assumed, Calibrated, Cited, Reference
from hemasim.parameters.sets._helpers import param

CRUDE_CE_2025 = Reference(
    "JClinApher2025CE", "(authors not visible in the record read)", 2025,
    "From Traditional to Crude Collection Efficiency: A Comprehensive Analysis of the Impact of Processed Volume",
    "J Clin Apher 40(6):e70081 (PMID 41367348)", "10.1002/jca.70081")

#: the daily course the fit used (literature folder rows 133, 134, 136): day of the course -> mean, SD, n
TRANSFUS_MED_1997 = "Transfus Med 1997;7(1):19-24 daily blood CD34+ course, days 4-6 (before the 4th dose, before " \
    "the 5th dose, 24 h after the 5th dose: 60.7, 128, 107 cells/uL, n = 22)"
FIT = ("weighted least squares (weights n/SD^2) of the model's blood CD34+ on days 4, 5 and 6 of filgrastim "
       "10 ug/kg/d s.c. x5 (healthy 75-kg man); script docs/fit_mobilisation.py. Refitted on the current model "
       "(branch g1refit31, 7 Dec 2026; was 71.0 and 4.43 d, fitted on an earlier model): weighted sum of squares "
       "1.55 (residuals +0.21 / -1.15 / +0.43 SE; model 62.5 / 94.7 / 116.5 cells/uL)")
EGRESS = "blood CD34+ under G-CSF (mobilisation)"

PARAMETERS = [
    param("gcsf_mobilisation_max_fold", 74.3, "1",
          "largest fold increase of marrow-to-blood HSPC egress under maximal G-CSF drive, minus one (E_max)",
          Calibrated(("G1",), f"fitted to {TRANSFUS_MED_1997}; {FIT}; 95% profile interval 37.6-155 (the "
                     "sum of squares, the delay refitted, 3.84 above its minimum)"),
          bounds=(0.0, 1000.0)),
    param("gcsf_mobilisation_delay_days", 4.58, "day",
          "mean delay between the G-CSF concentration and its egress drive (marrow proteases, CXCL12 fall)",
          Calibrated(("G1",), f"fitted to {TRANSFUS_MED_1997}; {FIT}; 95% profile interval 2.02-7.25 d (the "
                     "sum of squares, E_max refitted, 3.84 above its minimum)"),
          bounds=(0.1, 20.0)),
    param("gcsf_mobilisation_delay_stages", 3.0, "1", "stages of the Erlang delay of the egress drive",
          Assumed(EGRESS, "the smallest chain that keeps blood CD34+ flat for the first two days of a course (the "
                  "rise starts on day 4, Transfus Med 1997); refitted with 1 stage (E_max 50, delay 3.4 days) "
                  "the fitted days 4-6 change by under 4% (docs/mobilisation.md). Branch refit31: not on the current "
                  "model - docs/fit_mobilisation.py's fit with 1 stage runs the delay to its bound 20 d (E_max 162; "
                  "days 4-6 66.0, 87.9, 104.4 cells/uL, inside G1's CIs; at E_max 50, delay 3.4 d they are 76.4, 85.8, "
                  "89.2, a weighted sum of squares of 6.1 against 2.3)"), bounds=(1.0, 10.0)),
    param("gcsf_mobilisation_ec50_ng_per_mL", 4.72, "ng/mL",
          "G-CSF concentration giving half the maximal egress drive",
          Cited(WANG_2001, "PD model: SC50 4.72 ng/mL of G-CSF on neutrophil input, taken for the egress drive "
                "(the same G-CSF receptor; no CD34+ mobilisation PK/PD model with published parameters was found)"),
          bounds=(0.01, 1000.0)),
    param("gcsf_mobilisation_hill", 1.34, "1", "Hill coefficient of the egress drive",
          Cited(WANG_2001, "PD model: Hill coefficient 1.34 of G-CSF on neutrophil input (same receptor)"),
          bounds=(0.3, 5.0)),
    param("apheresis_cd34_collection_efficiency", 0.58, "1",
          "share of the CD34+ cells in the blood processed that end up in the product (CE2)",
          Cited(CRUDE_CE_2025, "abstract: median CD34+ CE2 58% in allogeneic donors (51% autologous; CE1 69%/65%); "
                "Transfusion 2022;62:1065 reports a median CE2 of 64.3% in healthy donors on Spectra Optia cMNC"),
          bounds=(0.05, 1.0)),
]
