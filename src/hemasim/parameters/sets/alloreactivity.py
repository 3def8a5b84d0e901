"""Donor T-cell alloreactivity against host haematopoiesis and post-transplant immunosuppression
(:mod:`hemasim.biology.alloreactivity`, docs/chimerism.md).

No human rate constant for the killing of host haematopoietic cells by donor T cells, nor a measured
fraction of that killing which a calcineurin inhibitor removes, was found; both are Assumed, chosen before
the chimerism predictions (X1-X5) were run, and not tuned on them. They decide how fast mixed chimerism
converts to full donor chimerism after reduced-intensity conditioning.
"""

from hemasim.parameters.core import Assumed
from hemasim.parameters.sets._helpers import param

CONVERSION = "conversion of mixed to full donor chimerism after reduced-intensity conditioning (X1-X5)"

PARAMETERS = [
    param("graft_versus_host_kill_rate_per_day", 0.1, "1/day",
          "rate at which donor T cells kill host stem, progenitor and lymphoid cells when the donor's memory T "
          "cells equal a healthy adult's memory T pool (scales linearly with them), without immunosuppression",
          Assumed(CONVERSION, "a host cell half-life of about a week under a full donor memory T pool: host "
                  "lymphocytes (half-lives of months to years) are then replaced within months; chosen a priori"),
          bounds=(0.0, 10.0)),
    param("immunosuppression_alloreactivity_inhibition", 0.8, "fraction",
          "fraction of the alloreactive kill that post-transplant immunosuppression (a calcineurin inhibitor, "
          "with or without mycophenolate) removes while it is given at full dose",
          Assumed(CONVERSION, "most but not all alloreactivity is suppressed (GVHD still occurs under "
                  "prophylaxis); chosen a priori. Searched (branch source31, pages corpus: 'calcineurin inhibitor "
                  "inhibition of alloreactive T cell proliferation percent mixed lymphocyte reaction'): reviews of the "
                  "mechanism and cyclosporine blood levels against chronic GVHD (Park 2016 Oncotarget 7:59892), no "
                  "fraction of in vivo alloreactive killing removed"), bounds=(0.0, 1.0)),
]
