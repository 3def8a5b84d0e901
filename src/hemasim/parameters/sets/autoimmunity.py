"""T-cell repertoire richness and autoreactive memory (hemasim.biology.autoimmunity). Time in days.

No human value has been transcribed for these: each is assumed or calibrated (naming the target) and
stated with what it affects. Outcomes are qualitative: reset versus continued disease (M1), the dip and recovery of
clonotype richness after lymphoablation (M2).
"""

from hemasim.parameters.core import Assumed, Calibrated
from hemasim.parameters.sets._helpers import param

REPERTOIRE = "T-cell repertoire richness and its recovery after lymphoablation (M2, issue 6)"
DISEASE = "autoreactive memory and disease activity, relapse after immune reset (M1, issue 6)"

PARAMETERS = [
    param("cd4_clonotypes_reference", 1.2e8, "clonotypes",
          "distinct CD4 T-cell receptor clonotypes in the reference adult (35 y)",
          Calibrated(("M2",), "of the order of TCR-beta sequencing estimates of repertoire richness (1e8), chosen "
                     "so that after Cy/ATG and an autologous graft richness dips below 0.83 of baseline at one "
                     "month and is back above baseline at twelve, between the two failing neighbours (with the engraftment "
                     "and lymphoid kinetics of issue 4: 1.0e8 gives 0.85 and 1.08, 1.2e8 0.80 and 1.03, 1.4e8 0.74 "
                     "and 0.98): it sets the mean clone size, hence how many clonotypes a depletion removes"),
          bounds=(1e5, 1e10)),
    param("autoreactive_net_growth_per_year", 1.0, "1/year",
          "net expansion rate of autoreactive memory CD4 T cells when they are few (self-antigen driven)",
          Assumed(DISEASE, "surviving autoreactive memory re-expands over years after an immune reset "
                  "(relapses after autologous HSCT for MS come years later, if at all). Searched (branch source31, "
                  "pages corpus: 'MS relapse after autologous HSCT autoreactive T cell reconstitution expansion "
                  "rate'): reviews of immune reconstitution after AHSCT for MS (Massey 2018 Front Immunol 9:410; EBMT "
                  "2022 Front Immunol 12:813957), no growth rate of autoreactive memory"),
          bounds=(0.0, 50.0)),
]
