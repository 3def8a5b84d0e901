from hemasim.parameters.bibliography import FRIBERG_2002
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("neutrophil_progenitor_exit_rate_per_day", 4.0 / (88.7 / 24.0), "1/day",
          "exit rate ktr of the proliferating neutrophil progenitor pool (ktr = 4/MTT)",
          Cited(FRIBERG_2002, "final estimates, docetaxel: MTT 88.7 h; ktr = (n+1)/MTT with n = 3 transits"),
          bounds=(0.1, 10.0)),
    param("neutrophil_feedback_log_slope", 0.161, "1",
          "log-sensitivity of neutrophil production to ANC at baseline (gamma)",
          Cited(FRIBERG_2002, "final estimates, docetaxel: gamma 0.161"), bounds=(0.01, 1.0)),
]
