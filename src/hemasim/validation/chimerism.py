"""Read-outs of lineage-specific chimerism after conditioning (targets X1-X5), each on a validation scenario
(``scenarios/ric_flu_bu2.yaml``, ``scenarios/mac_chimerism.yaml``): the donor share of blood T cells (CD3+) or
myeloid cells (neutrophils and monocytes) a given number of days after the graft."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hemasim.interventions.chimerism import LINEAGES, lineage_chimerism
from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.scenario_runs import cached_scenario_run

_RIC = cached_scenario_run("ric_flu_bu2")
_RIC_GRAFT_DAY = 10.0
_CY_TBI = cached_scenario_run("mac_chimerism")
_CY_TBI_GRAFT_DAY = 6.0
# Bu/Cy (graft on day 7 of the regimen): the same file with the regimen, the graft day and the ciclosporin start
# varied as data
_BU_CY = cached_scenario_run("mac_chimerism", {"interventions": {0: {"regimen": "bu_cy"}, 1: {"day": 7},
                                                                  2: {"start_day": 6}}})
_BU_CY_GRAFT_DAY = 7.0


def donor_share(run: Callable[[], Result], lineage: str, day_after_graft: float, graft_day: float) -> float:
    """Donor share of ``lineage`` (``t`` or ``myeloid``) ``day_after_graft`` days after the graft."""
    r = run()
    t = graft_day + day_after_graft
    obs = {n: np.interp(t, r.times, r.observable(n))[None, None]
           for counts in LINEAGES.values() for c in counts for n in (c, f"{c}__donor")}
    return float(lineage_chimerism(obs, lineage)[0, 0])


def _share(run: Callable[[], Result], lineage: str, day: float, graft_day: float) -> Readout:
    return OwnRun(lambda: donor_share(run, lineage, day, graft_day))


def _difference(lineage: str, day: float, run: Callable[[], Result], graft_day: float,
                reference: Callable[[], Result], reference_graft_day: float) -> Readout:
    return OwnRun(lambda: donor_share(run, lineage, day, graft_day)
                  - donor_share(reference, lineage, day, reference_graft_day))


CHIMERISM: dict[str, Readout] = {
    "ric_flu_bu2_donor_myeloid_chimerism_day30": _share(_RIC, "myeloid", 30, _RIC_GRAFT_DAY),
    "ric_flu_bu2_donor_t_chimerism_day30": _share(_RIC, "t", 30, _RIC_GRAFT_DAY),
    "ric_flu_bu2_donor_t_chimerism_day60": _share(_RIC, "t", 60, _RIC_GRAFT_DAY),
    "mac_donor_t_chimerism_day28_bu_cy_minus_cy_tbi": _difference("t", 28, _BU_CY, _BU_CY_GRAFT_DAY, _CY_TBI,
                                                                  _CY_TBI_GRAFT_DAY),
    "donor_myeloid_chimerism_day28_flu_bu2_minus_cy_tbi": _difference("myeloid", 28, _RIC, _RIC_GRAFT_DAY, _CY_TBI,
                                                                      _CY_TBI_GRAFT_DAY),
}

__all__ = ["CHIMERISM", "donor_share"]
