"""Read-outs of G-CSF mobilisation and apheresis in a healthy donor (targets G1-G9, docs/mobilisation.md), each on
a validation scenario (``scenarios/filgrastim_*.yaml``). Day 0 of a run is the first dose, "day 1" of the papers,
so the papers' course day ``d`` is read at ``d - 1`` days."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.scenario_runs import cached_scenario_run

CD34 = "cd34_blood_per_uL"

# 10 ug/kg/d on days 0-4 (the file); 16 ug/kg/d (J Hematother 1996); 10 ug/kg/d as 5 ug/kg twice daily for three
# days, read on course day 4 (Transfus Med 2005).
_TEN_UG = cached_scenario_run("filgrastim_mobilisation")
_SIXTEEN_UG = cached_scenario_run("filgrastim_mobilisation", {"interventions": {0: {"dose_ug_per_kg": 16}}})
_SPLIT_DOSE = cached_scenario_run("filgrastim_mobilisation", {"duration_days": 4.0, "interventions": {0: {
    "dose_ug_per_kg": 5, "schedule": {"days": [0, 0.5, 1, 1.5, 2, 2.5]}}}})
_COLLECTION = cached_scenario_run("filgrastim_collection")


def _on_course_day(run: Callable[[], Result], course_day: float, observable: str = CD34) -> Readout:
    """``observable`` at the output time nearest the papers' ``course_day`` (day 1 = first dose)."""
    def value() -> float:
        r = run()
        return float(r.observable(observable)[int(np.argmin(np.abs(r.times - (course_day - 1.0))))])

    return OwnRun(value)


def _peak(run: Callable[[], Result], observable: str = CD34) -> Readout:
    """The highest value of ``observable`` over the run (ten days from the first dose)."""
    return OwnRun(lambda: float(run().observable(observable).max()))


def _peak_course_day() -> float:
    """The papers' course day of the highest blood CD34+ under 10 ug/kg/d x5 (output every 6 h)."""
    r = _TEN_UG()
    return float(r.times[int(np.argmax(r.observable(CD34)))] + 1.0)


def _peak_fold_over_rest() -> float:
    """Highest blood CD34+ under 16 ug/kg/d x5 over the count before the first dose."""
    cd34 = _SIXTEEN_UG().observable(CD34)
    return float(cd34.max() / cd34[0])


MOBILISATION: dict[str, Readout] = {
    **{f"filgrastim_10ug_cd34_per_uL_course_day_{d}": _on_course_day(_TEN_UG, float(d)) for d in (4, 5, 6)},
    "filgrastim_16ug_peak_cd34_per_uL": _peak(_SIXTEEN_UG),
    "filgrastim_5ug_twice_daily_x3_cd34_per_uL_course_day_4": _on_course_day(_SPLIT_DOSE, 4.0),
    "filgrastim_10ug_collected_cd34_1e6_per_kg_two_10L_sessions": OwnRun(
        lambda: float(_COLLECTION().observable("collected_cd34_per_kg")[-1] / 1e6)),
    "filgrastim_10ug_peak_cd34_course_day": OwnRun(_peak_course_day),
    "filgrastim_16ug_peak_cd34_fold_over_rest": OwnRun(_peak_fold_over_rest),
    "filgrastim_10ug_anc_1e9_per_L_course_day_6": _on_course_day(_TEN_UG, 6.0, "anc_1e9_per_L"),
    "filgrastim_10ug_wbc_1e9_per_L_course_day_6": _on_course_day(_TEN_UG, 6.0, "wbc_1e9_per_L"),
    "filgrastim_16ug_peak_wbc_1e9_per_L": _peak(_SIXTEEN_UG, "wbc_1e9_per_L"),
}
