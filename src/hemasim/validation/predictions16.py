"""Read-outs of targets J1-J4 (branch predict34, issue 17), each chosen and committed with its band before the model
was run on it: the neutrophils and platelets after reduced-intensity conditioning with fludarabine and busulfan 8 mg/kg
and an allogeneic G-CSF-mobilised blood graft (Slavin 1998, Blood 91:756: 26 patients, fludarabine, ATG and busulfan
8 mg/kg, ciclosporin alone after the graft), read on X1-X3's run (the validation scenario ``ric_flu_bu2``: Flu/Bu2
from day 0, an allogeneic PBSC graft of 5e6 CD34+/kg on day 10, ciclosporin; the model has no ATG, which acts on T
cells). That run's chimerism was on the card before; its blood counts had not been read.

What the read-outs depend on: the busulfan and fludarabine surviving fractions of stem cells and progenitors (assumed,
conditioning/regimens.yaml flu_bu2) that set how far the host's marrow falls, and the graft's engraftment (fitted on
autologous medians, T2/T10/T11) that sets how fast it comes back.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.scenario_runs import cached_scenario_run, engraftment_day_after_graft

_RIC = cached_scenario_run("ric_flu_bu2")  # X1-X3's runner: one simulation for both groups
_RIC_GRAFT_DAY = 10.0


def lowest_count(run: Callable[[], Result], observable: str) -> float:
    """The lowest value of ``observable`` over the run (the daily outputs, conditioning from day 0 included: a count
    can fall before the graft)."""
    return float(np.min(run().observable(observable)))


PREDICTIONS16: dict[str, Readout] = {
    "ric_flu_bu2_lowest_anc": OwnRun(lambda: lowest_count(_RIC, "anc_1e9_per_L")),
    "ric_flu_bu2_lowest_platelets": OwnRun(lambda: lowest_count(_RIC, "platelets_1e9_per_L")),
    # no day where the count never fell: the source's 24 days counted only the patients whose ANC fell
    "ric_flu_bu2_neutrophil_engraftment_day": OwnRun(
        lambda: engraftment_day_after_graft(_RIC, "neutrophil_engraftment_day", _RIC_GRAFT_DAY, did_not_fall=math.nan)),
    # the source's 0-35 days count its four patients whose platelets never fell below 20 as day 0
    "ric_flu_bu2_platelet_engraftment_day": OwnRun(
        lambda: engraftment_day_after_graft(_RIC, "platelet_engraftment_day", _RIC_GRAFT_DAY, did_not_fall=0.0)),
}
