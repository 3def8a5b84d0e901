import math

from hemasim.parameters.bibliography import ZHANG_2007
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("nk_proliferation_per_day", 0.043, "1/day", "proliferation rate of blood NK cells",
          Cited(ZHANG_2007, "deuterated-glucose labelling: NK proliferation about 4.3%/day"),
          bounds=(0.001, 0.3)),
    param("nk_death_rate_per_day", math.log(2) / 10.0, "1/day", "loss rate of NK cells (half-life ~10 d)",
          Cited(ZHANG_2007, "NK half-life about 10 days"), bounds=(0.01, 0.5)),
]
