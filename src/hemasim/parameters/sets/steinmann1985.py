"""Thymic involution with age.

Steinmann 1985 describes the shape (fast decline of thymic epithelial space early, slower
later); the rate of decline of thymic *output* used here is calibrated on target A3 (thymic
output at 60 y is 10-35% of that at 20 y), since tissue decline alone (3%/yr then 1%/yr)
gives about 40% and TREC-based output estimates (Bains 2009) decline faster than tissue.
"""

from hemasim.parameters.core import Assumed, Calibrated
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("thymic_output_decline_per_year", 0.043, "1/year",
          "exponential decline rate of thymic output with age after infancy",
          Calibrated(("A3",), "exponential decline; exp(-0.043*40) = 0.18 of the 20-y output at 60 y, "
                              "between tissue decline (Steinmann 1985) and TREC-based output (Bains 2009)"),
          bounds=(0.0, 0.2)),
    param("thymic_output_peak_age_years", 1.0, "year",
          "age until which thymic output does not yet decline",
          Assumed("thymic output in infants", "thymic mass peaks in the first year of life"),
          bounds=(0.0, 20.0)),
]
