from hemasim.parameters.bibliography import LEE_SIX_2018
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("hsc_count", 1.0e5, "cells",
          "number of active HSCs contributing to blood in an adult (a growing patient's pool is this times "
          "min(1, weight / stem_pool_adult_body_mass_kg), Dingli & Pacheco 2007)",
          Cited(LEE_SIX_2018, "abstract: 50,000-200,000 HSCs actively make white blood cells; "
                              "geometric middle 1e5 used"),
          bounds=(2e4, 2e5)),
]
