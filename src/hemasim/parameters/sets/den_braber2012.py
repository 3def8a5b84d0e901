from hemasim.parameters.bibliography import DEN_BRABER_2012
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("thymic_share_of_naive_production", 0.10, "1",
          "share of daily naive T-cell production that comes from the thymus in healthy adults "
          "(the rest is peripheral division)",
          Cited(DEN_BRABER_2012, "abstract: the thymus contributes only about 10% of naive T-cell production"),
          bounds=(0.01, 0.9)),
]
