"""Growth of clonal-haematopoiesis driver clones in adults (serial sampling over ~13 years)."""

from hemasim.parameters.bibliography import FABRE_2022
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("dnmt3a_clone_growth_per_year", 0.05, "1/year", "annual growth rate of DNMT3A-mutant clones",
          Cited(FABRE_2022, "clone growth about 5%/yr for DNMT3A (as transcribed in target A2)"), bounds=(0.0, 2.0)),
    param("tp53_clone_growth_per_year", 0.05, "1/year", "annual growth rate of TP53-mutant clones",
          Cited(FABRE_2022, "clone growth about 5%/yr for TP53 (as transcribed in target A2)"), bounds=(0.0, 2.0)),
    param("srsf2_p95h_clone_growth_per_year", 0.5, "1/year", "annual growth rate of SRSF2 P95H-mutant clones",
          Cited(FABRE_2022, "clone growth above 50%/yr for SRSF2 P95H; 0.5 used (as transcribed in target A2)"),
          bounds=(0.0, 2.0)),
]
