from hemasim.parameters.bibliography import MITCHELL_2022
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("hsc_mutations_per_year", 17.0, "1/year",
          "somatic single-nucleotide variants an HSC lineage acquires per year of life",
          Cited(MITCHELL_2022, "abstract/results: about 17 mutations per HSC per year, linear with age"),
          bounds=(5.0, 40.0)),
]
