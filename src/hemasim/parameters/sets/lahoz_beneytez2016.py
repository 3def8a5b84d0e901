from hemasim.parameters.bibliography import LAHOZ_BENEYTEZ_2016
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("neutrophil_blood_half_life_days", 0.79, "day",
          "half-life of neutrophils in blood (19 h)",
          Cited(LAHOZ_BENEYTEZ_2016, "abstract: blood half-life 0.79 +/- 0.25 d (deuterated glucose, n = 9; the SD "
                                     "is between subjects), 19 h"),
          bounds=(0.15, 3.0), iiv_cv=0.32, iiv_source="Lahoz-Beneytez 2016: 0.79 +/- 0.25 d between subjects"),
    param("neutrophil_marrow_transit_days", 5.8, "day",
          "post-mitotic marrow transit time of neutrophils (last division to release)",
          Cited(LAHOZ_BENEYTEZ_2016, "abstract: marrow transit time 5.8 d (+/- 0.42)"),
          bounds=(4.0, 8.0), iiv_cv=0.072, iiv_source="Lahoz-Beneytez 2016: 5.8 +/- 0.42 d between subjects"),
]
