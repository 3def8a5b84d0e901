from hemasim.parameters.bibliography import FRANCO_2012
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("rbc_lifespan_days", 115.0, "day", "mean lifespan of a circulating red cell",
          Cited(FRANCO_2012, "text: human red cell lifespan about 115 days"), bounds=(80.0, 140.0)),
]
