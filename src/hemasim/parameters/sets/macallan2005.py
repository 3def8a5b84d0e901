from hemasim.parameters.bibliography import MACALLAN_2005
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("b_proliferation_per_day", 0.019, "1/day", "proliferation rate of blood B cells, young adults",
          Cited(MACALLAN_2005, "abstract: B-cell proliferation 1.9 +/- 1.0 %/day in young adults"),
          bounds=(0.001, 0.2), iiv_cv=0.53, iiv_source="Macallan 2005: 1.9 +/- 1.0 %/day between subjects"),
]
