"""The erythroid feedback strength (``erythroid_feedback_log_slope``, the log-sensitivity of erythroid progenitor
output to the red-cell count at the set point; the law itself is hemasim.biology.builder.homeostatic_feedback).

Since branch donation (issue 17) the value is FITTED: the engine (hemasim.inference) fitted it to the weekly
haemoglobin-mass course of 10 donors after 500 mL (Falz 2014, data/falz2014_hb_mass; no validation target's source),
with the feedback acting on the late, EPO-dependent progenitors (the pool's exit rate at 10/day, Perez-Ruixo 2008's
placement), by the rule committed before the fit (docs/model.md, "Timing of the erythroid answer to a donation";
docs/fit_erythroid_gain.py, result docs/images/erythroid_gain_fit.json): 3.16, 95% profile interval 2.41-3.95.

Read on the human EPO response to anaemia, the fitted slope is an elasticity of marrow output to EPO:

1. Serum EPO rises exponentially as Hb falls. Symeonidis 2016 (1096 subjects with normal renal function, Hb 3.6-23.8
   g/dL; abstract, read at scirp.org/papers/70684 and file.scirp.org/Html/2-9102318_70684.htm):
   log10(EPO) = 3.05 - 0.131 x Hb, so d ln(EPO)/d Hb = -0.131 ln 10 = -0.302 per g/dL.
2. At a fixed MCH, Hb is proportional to the red-cell count, so d ln(EPO)/d ln(RBC) = -0.302 x Hb0, with Hb0 the
   model's own set-point Hb (RBC set point x MCH, the mean of the male 15.6 and female 13.8 g/dL): -4.43.
3. log_slope = elasticity x 4.43, so the fitted 3.16 is an elasticity of 0.71 (0.54-0.89). Until branch donation
   the elasticity was assumed to be 1 (log_slope 4.43), with a pool that answered in weeks.

The saturation at strong anaemia is kept by ``erythroid_production_max_fold`` (cited: Hillman & Henderson 1969).
"""

import math

from hemasim.parameters.core import Fitted, Reference
from hemasim.parameters.sets._helpers import param

SYMEONIDIS_2016 = Reference(
    "Symeonidis2016", "Symeonidis A, Kouraklis-Symeonidis A, Labropoulou V, et al.", 2016,
    "Quantification of the erythropoietic response to anemia and determination of the Hb x log(Epo) component as "
    "an independent parameter, indicating the response to hypoxic stress",
    "J Biomed Sci Eng 9(10), article ID 70684", "10.4236/jbise.2016.910042")

EPO_LOG10_PER_G_DL = 0.131  # Symeonidis 2016: log10(EPO) = 3.05 - 0.131 Hb
# the model's set-point Hb (g/dL): RBC set point (1e12/L, Merck midpoints 5.2 and 4.6) x MCH 30 pg / 10, sex mean
SETPOINT_HB_G_PER_DL = (5.2 + 4.6) / 2.0 * 30.0 / 10.0
#: d ln(EPO) / d ln(RBC) at the set point on Symeonidis' line (4.43): the log slope if output were proportional to EPO
EPO_LOG_SLOPE_ON_RBC = EPO_LOG10_PER_G_DL * math.log(10.0) * SETPOINT_HB_G_PER_DL
#: fitted (docs/fit_erythroid_gain.py on data/falz2014_hb_mass; docs/images/erythroid_gain_fit.json)
ERYTHROID_FEEDBACK_LOG_SLOPE = 3.16
GAIN_FIT_INTERVAL = (2.41, 3.95)  # 95% profile interval
GAIN_FIT_OBJECTIVE = -14.69
#: the elasticity of marrow output to EPO the fitted slope implies on Symeonidis' line
PRODUCTION_EPO_ELASTICITY = ERYTHROID_FEEDBACK_LOG_SLOPE / EPO_LOG_SLOPE_ON_RBC

PARAMETERS = [
    param("erythroid_feedback_log_slope", ERYTHROID_FEEDBACK_LOG_SLOPE, "1",
          "log-sensitivity of erythroid production to red-cell count at baseline",
          Fitted(("data/falz2014_hb_mass/hb_mass_after_donation.csv",),
                 "docs/fit_erythroid_gain.py (Falz 2014's haemoglobin-mass ratios in weeks 1-4 after 500 mL, additive "
                 "noise SD 0.0076 (CO-rebreathing typical error 1.7%, Schmidt & Prommer 2005), the erythroid exit rate "
                 "at 10/day (Perez-Ruixo 2008's placement); rule committed before the fit (docs/model.md, 'Timing of "
                 "the erythroid answer to a donation'); weighted residual sum of squares 2.30 on 3 degrees of freedom; "
                 "read on Symeonidis 2016's EPO-Hb line (log10 EPO = 3.05 - 0.131 Hb) an elasticity of marrow output "
                 "to EPO of 0.71)",
                 GAIN_FIT_OBJECTIVE, f"95% profile CI [{GAIN_FIT_INTERVAL[0]}, {GAIN_FIT_INTERVAL[1]}]"),
          bounds=(0.01, 10.0)),
]
