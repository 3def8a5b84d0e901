from hemasim.parameters.bibliography import MACALLAN_2004
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("cd4_central_memory_proliferation_per_day", 0.015, "1/day",
          "proliferation rate of CD4 central-memory T cells",
          Cited(MACALLAN_2004, "abstract: CD4 central memory 1.5%/day"), bounds=(0.001, 0.2)),
    param("cd4_effector_memory_proliferation_per_day", 0.047, "1/day",
          "proliferation rate of CD4 effector-memory T cells",
          Cited(MACALLAN_2004, "abstract: CD4 effector memory 4.7%/day"), bounds=(0.001, 0.2)),
]
