from hemasim.parameters.bibliography import CATLIN_2011
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("hsc_division_interval_days", 280.0, "day",
          "mean interval between divisions of a human HSC (40 weeks)",
          Cited(CATLIN_2011, "abstract: HSCs replicate on average once every 40 weeks (range 25-50)"),
          bounds=(25 * 7, 50 * 7)),
]
