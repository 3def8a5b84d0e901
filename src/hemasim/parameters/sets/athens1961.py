from hemasim.parameters.bibliography import ATHENS_1961
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("neutrophil_circulating_fraction", 0.44, "1",
          "circulating share of the total blood granulocyte pool (rest is marginated)",
          Cited(ATHENS_1961, "circulating pool 31 and total blood pool 70 x10^7 cells/kg; ratio 0.44"),
          bounds=(0.2, 1.0)),
]
