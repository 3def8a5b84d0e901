"""Linear-quadratic radiosensitivity of the model's compartment classes (total-body irradiation).

Surviving fraction of one fraction of dose d (Gy): SF = exp(-alpha d - beta d^2). No per-compartment
human values have been transcribed yet, so every value is marked Assumed: an alpha/beta ratio of
10 Gy (the usual value for early-responding tissues) and alphas ordered as the clinical picture
requires (lymphocytes most sensitive, then dividing progenitors, then HSCs; post-mitotic and blood
cells spared). They decide how deep TBI-based conditioning ablates and must be calibrated on the
transplantation targets (T1-T6, issue 4).
"""

from hemasim.parameters.core import Assumed
from hemasim.parameters.sets._helpers import param

TBI = "depth of ablation by total-body irradiation; calibrate on T1-T6 (issue 4)"
RATIO = "alpha/beta = 10 Gy, the usual value for early-responding tissues"

PARAMETERS = [
    param("radiosensitivity_alpha_hsc_per_Gy", 0.6, "1/Gy", "LQ alpha of haematopoietic stem cells",
          Assumed(TBI, "survival about 0.24 after 2 Gy: a 2-Gy fraction spares a quarter of the HSCs"),
          bounds=(0.0, 5.0)),
    param("radiosensitivity_beta_hsc_per_Gy2", 0.06, "1/Gy^2", "LQ beta of haematopoietic stem cells",
          Assumed(TBI, RATIO), bounds=(0.0, 1.0)),
    param("radiosensitivity_alpha_progenitor_per_Gy", 0.8, "1/Gy",
          "LQ alpha of dividing progenitors and precursors (MPP, CLP, committed pools, dividing precursors)",
          Assumed(TBI, "more sensitive than HSCs (cycling)"), bounds=(0.0, 5.0)),
    param("radiosensitivity_beta_progenitor_per_Gy2", 0.08, "1/Gy^2", "LQ beta of dividing progenitors",
          Assumed(TBI, RATIO), bounds=(0.0, 1.0)),
    param("radiosensitivity_alpha_lymphoid_per_Gy", 1.5, "1/Gy",
          "LQ alpha of lymphocytes, lymphoid precursors and thymocytes (interphase death)",
          Assumed(TBI, "the most radiosensitive blood cells"), bounds=(0.0, 5.0)),
    param("radiosensitivity_beta_lymphoid_per_Gy2", 0.15, "1/Gy^2", "LQ beta of lymphoid cells",
          Assumed(TBI, RATIO), bounds=(0.0, 1.0)),
]
