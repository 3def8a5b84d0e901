from hemasim.parameters.bibliography import WESTERMANN_PABST_1992
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("lymphocyte_blood_fraction", 0.02, "1",
          "share of the body's lymphocytes that are in blood at any time",
          Cited(WESTERMANN_PABST_1992, "abstract: only about 2% of lymphocytes are in the blood"),
          bounds=(0.005, 0.1)),
]
