from hemasim.parameters.bibliography import WANG_2001
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("neutrophil_production_max_fold", 12.7, "1",
          "largest fold increase of neutrophil-progenitor production under maximal G-CSF drive",
          Cited(WANG_2001, "PD model: maximal stimulation of neutrophil input 12.7-fold (Smax)"),
          bounds=(1.5, 50.0)),
]
