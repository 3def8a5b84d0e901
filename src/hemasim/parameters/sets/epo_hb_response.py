"""The erythroid feedback strength from the human EPO response to anaemia (replaces an assumed gamma).

Derivation of ``erythroid_feedback_log_slope`` (the log-sensitivity of erythroid progenitor output to the red-cell
count at the set point; the law itself is hemasim.biology.builder.homeostatic_feedback):

1. Serum EPO rises exponentially as Hb falls. Symeonidis 2016 (1096 subjects with normal renal function, Hb 3.6-23.8
   g/dL; abstract, read at scirp.org/papers/70684 and file.scirp.org/Html/2-9102318_70684.htm):
   log10(EPO) = 3.05 - 0.131 x Hb, so d ln(EPO)/d Hb = -0.131 ln 10 = -0.302 per g/dL.
2. At a fixed MCH, Hb is proportional to the red-cell count, so d ln(EPO)/d ln(RBC) = -0.302 x Hb0, with Hb0 the
   model's own set-point Hb (RBC set point x MCH, the mean of the male 15.6 and female 13.8 g/dL): -4.43.
3. Output of erythroid progenitors is taken proportional to EPO over the endogenous range (elasticity 1). This is
   the one assumed link: in phlebotomised sheep the Emax law of EPO on progenitor activation showed no significant
   saturation at the endogenous EPO levels reached (up to ~760 mU/mL; PMC2871397, abstract); no human value of the
   elasticity was found with the search tools, so this factor is an assumption carried inside the cited value
   (say so wherever the value is used). The saturation at strong anaemia is kept by
   ``erythroid_production_max_fold``.

   log_slope = elasticity x 0.131 ln 10 x Hb0 = 4.43.

Consistency (not used to choose anything): a 10 % red-cell deficit then raises progenitor output ~1.7-fold, a 20 %
deficit ~3.1-fold, within the "several-fold" marrow response to anaemia. Prediction targets P1/P2 (recovery after
blood donation) and their sources were not used.
"""

import math

from hemasim.parameters.core import Cited, Reference
from hemasim.parameters.sets._helpers import param

SYMEONIDIS_2016 = Reference(
    "Symeonidis2016", "Symeonidis A, Kouraklis-Symeonidis A, Labropoulou V, et al.", 2016,
    "Quantification of the erythropoietic response to anemia and determination of the Hb x log(Epo) component as "
    "an independent parameter, indicating the response to hypoxic stress",
    "J Biomed Sci Eng 9(10), article ID 70684", "10.4236/jbise.2016.910042")

EPO_LOG10_PER_G_DL = 0.131  # Symeonidis 2016: log10(EPO) = 3.05 - 0.131 Hb
PRODUCTION_EPO_ELASTICITY = 1.0
# the model's set-point Hb (g/dL): RBC set point (1e12/L, Merck midpoints 5.2 and 4.6) x MCH 30 pg / 10, sex mean
SETPOINT_HB_G_PER_DL = (5.2 + 4.6) / 2.0 * 30.0 / 10.0
ERYTHROID_FEEDBACK_LOG_SLOPE = PRODUCTION_EPO_ELASTICITY * EPO_LOG10_PER_G_DL * math.log(10.0) * SETPOINT_HB_G_PER_DL

PARAMETERS = [
    # Cited with the derivation in the text: the model uses only the log-slope, so the EPO slope and the
    # elasticity are module constants (an unused parameter would only mislead a sensitivity screen).
    param("erythroid_feedback_log_slope", ERYTHROID_FEEDBACK_LOG_SLOPE, "1",
          "log-sensitivity of erythroid production to red-cell count at baseline",
          Cited(SYMEONIDIS_2016, "abstract: log10(Epo) = 3.05 - 0.131 x Hb (n = 1096, normal renal function); "
                "derived: 0.131 ln 10 per g/dL x set-point Hb 14.7 g/dL (sex mean of RBC set point x MCH) x "
                "elasticity of progenitor output to EPO 1 (assumed: output proportional to EPO; no saturation "
                "at endogenous EPO in phlebotomised sheep, PMC2871397; no human value found) = 4.43. "
                "Derivation: src/hemasim/parameters/sets/epo_hb_response.py"),
          bounds=(0.01, 10.0)),
]
