from hemasim.parameters.bibliography import HARKER_FINCH_1969
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("platelet_lifespan_days", 9.9, "day", "mean lifespan of a circulating platelet",
          Cited(HARKER_FINCH_1969, "abstract: platelet survival 9.9 days"), bounds=(5.0, 12.0)),
    param("megakaryocyte_maturation_days", 5.0, "day",
          "time from megakaryocyte commitment (end of proliferation) to platelet release",
          Cited(HARKER_FINCH_1969, "megakaryocyte maturation time about 5 days"), bounds=(2.0, 10.0)),
]
