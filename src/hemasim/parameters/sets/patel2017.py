from hemasim.parameters.bibliography import PATEL_2017
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("monocyte_marrow_transit_days", 1.6, "day",
          "post-mitotic time of classical monocytes in marrow before release",
          Cited(PATEL_2017, "abstract: post-mitotic maturation in marrow 1.6 d"), bounds=(0.5, 5.0)),
    param("monocyte_blood_lifespan_days", 1.0, "day", "circulating lifespan of classical monocytes",
          Cited(PATEL_2017, "abstract: circulating lifespan 1.0 +/- 0.26 d"), bounds=(0.3, 5.0)),
]
