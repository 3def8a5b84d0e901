"""Adult blood lymphocyte subsets (single-platform flow cytometry)."""

import math

from hemasim.parameters.bibliography import CHNG_2004
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import interval_iiv, param

PARAMETERS = [
    param("cd4_reference_per_uL", 838.0, "cells/uL", "blood CD4 T cells in a healthy adult",
          Cited(CHNG_2004, "adult reference ranges: CD4 mean 838/uL"), bounds=(100.0, 3000.0), **interval_iiv(313, 1361, "Chng 2004 CD4, men")),
    param("cd8_reference_per_uL", round(math.sqrt(228 * 1243)), "cells/uL",
          "blood CD8 T cells in a healthy adult",
          Cited(CHNG_2004, "adult reference ranges: CD8 228-1243/uL; geometric midpoint"), bounds=(50.0, 3000.0), **interval_iiv(228, 1243, "Chng 2004 CD8")),
    param("b_reference_per_uL", 350.0, "cells/uL", "blood B (CD19) cells in a healthy adult",
          Cited(CHNG_2004, "adult reference ranges: CD19 mean about 350/uL (109-802)"), bounds=(20.0, 2000.0), **interval_iiv(109, 802, "Chng 2004 CD19")),
    param("nk_reference_per_uL", round(math.sqrt(96 * 1103)), "cells/uL",
          "blood NK cells in a healthy adult",
          Cited(CHNG_2004, "adult reference ranges: NK 96-1103/uL; geometric midpoint"), bounds=(20.0, 3000.0), **interval_iiv(96, 1103, "Chng 2004 NK")),
]
