"""Read-outs of a 2-unit red-cell apheresis (target P17, branch predict2): haemoglobin a week and two months after
the collection, relative to the donor's own value before it (scenario ``red_cell_apheresis_2_units.yaml``)."""

from __future__ import annotations

import numpy as np

from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.scenario_runs import cached_scenario_run

_COLLECTION_DAY = 10.0
_APHERESIS = cached_scenario_run("red_cell_apheresis_2_units")


def hemoglobin_ratio_after(days: float) -> float:
    """Haemoglobin ``days`` after the collection over the last output before it (that output has no loss yet)."""
    r = _APHERESIS()
    hb = r.observable("hemoglobin_g_per_dL")
    before = float(hb[r.times < _COLLECTION_DAY][-1])
    return float(np.interp(_COLLECTION_DAY + days, r.times, hb)) / before


RED_CELL_APHERESIS: dict[str, Readout] = {
    "red_cell_apheresis_2_units_hb_ratio_day7": OwnRun(lambda: hemoglobin_ratio_after(7.0)),
    "red_cell_apheresis_2_units_hb_ratio_day60": OwnRun(lambda: hemoglobin_ratio_after(60.0)),
}
