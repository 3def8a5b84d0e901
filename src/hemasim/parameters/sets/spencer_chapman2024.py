"""Engrafting HSCs after allogeneic HSCT, from the CC0 data of Spencer Chapman et al. 2024
(repository mspencerchapman/Clonal_dynamics_of_HSCT, commit ae382ae): posterior sample of the
HSCT bottleneck for pair 11 (bone-marrow graft, 1.56e6 CD34+/kg, myeloablative), median 660
engrafting HSCs (5-95%: 512-1351)."""

from hemasim.parameters.bibliography import SPENCER_CHAPMAN_2024
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("engrafting_hsc_per_cd34", 660.0 / (1.56e6 * 75.0), "HSC/cell",
          "long-term HSCs that engraft per infused CD34+ cell",
          Cited(SPENCER_CHAPMAN_2024, "pair 11: median HSCT bottleneck 660 HSCs (abc_m2_Pair11 posterior, 5-95% "
                "512-1351) over a CD34+ dose of 1.56e6/kg (Pair_metadata.csv) for a 75-kg recipient (weight "
                "assumed)"),
          bounds=(1e-8, 1e-3)),
]
