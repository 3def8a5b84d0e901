from hemasim.parameters.bibliography import VRISEKOOP_2008
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("naive_cd4_half_life_years", 4.2, "year", "half-life of naive CD4 T cells in adults",
          Cited(VRISEKOOP_2008, "deuterated-water labelling: naive CD4 4.2 y (as transcribed in target S17)"),
          bounds=(1.0, 15.0)),
    param("naive_cd8_half_life_years", 6.5, "year", "half-life of naive CD8 T cells in adults",
          Cited(VRISEKOOP_2008, "deuterated-water labelling: naive CD8 6.5 y (as transcribed in target S17)"),
          bounds=(1.0, 15.0)),
]
