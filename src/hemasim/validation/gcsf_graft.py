"""Read-outs of filgrastim after an allogeneic PBSC graft (targets T12, T13; issue 17, twenty-first session).

T12 is T8's run with filgrastim from the graft's day (Bishop 2000's filgrastim arm; scenario
``cy_tbi_pbsc_filgrastim``); T13 compares filgrastim from day +1 at 4.8e6 CD34+/kg with no G-CSF at 4.3e6/kg
(Przepiorka 2001's arms). A count that never falls below a threshold after the graft has no recovery day: the
nadir read-outs say so, and a difference of recovery days is then NaN (a fail), never a day 0 that could pass.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

from hemasim.simulation import Result
from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.scenario_runs import cached_scenario_run
from hemasim.validation.transplant import _HSCT_GRAFT_DAY, _endpoint, _recovery_day

_ANC = "anc_1e9_per_L"
_FIRST_DAY_ON = 7  # Przepiorka 2001: filgrastim "from day 1" (graft on day 6), through day +20 as T12's course
_BISHOP = cached_scenario_run("cy_tbi_pbsc_filgrastim")
_PRZEPIORKA_GCSF = cached_scenario_run("cy_tbi_pbsc_filgrastim", {"interventions": {
    1: {"cd34_per_kg": 4.8e6}, 2: {"schedule": {"days": list(range(_FIRST_DAY_ON, 27))}}}})
_PRZEPIORKA_NONE = cached_scenario_run("cy_tbi_pbsc", {"interventions": {1: {"cd34_per_kg": 4.3e6}}})
#: T13's recovery thresholds (1e9/L), each held 3 days: the engraftment endpoint's and T9's
_THRESHOLDS = {"0p5": 0.5, "1e9": 1.0}


def _nadir_after_graft(run: Callable[[], Result]) -> float:
    """The lowest ANC (1e9/L) from the graft's day to the end of the run."""
    r = run()
    return float(r.observable(_ANC)[r.times >= _HSCT_GRAFT_DAY - 1e-9].min())


def _recovery_or_nan(run: Callable[[], Result], threshold: float) -> float:
    """First of 3 days with ANC >= ``threshold`` after its post-graft fall below it; NaN when it never fell below."""
    return math.nan if _nadir_after_graft(run) >= threshold else _recovery_day(run, _ANC, threshold, 3)


def _difference(threshold: float) -> float:
    return _recovery_or_nan(_PRZEPIORKA_GCSF, threshold) - _recovery_or_nan(_PRZEPIORKA_NONE, threshold)


GCSF_GRAFT: dict[str, Readout] = {
    "allo_pbsc_gcsf_day0_anc_nadir_1e9_per_L_5e6": OwnRun(functools.partial(_nadir_after_graft, _BISHOP)),
    "allo_pbsc_gcsf_day0_neutrophil_engraftment_day_5e6": OwnRun(
        functools.partial(_endpoint, _BISHOP, "neutrophil_engraftment_day")),
    "allo_pbsc_gcsf_day0_platelet_engraftment_day_5e6": OwnRun(
        functools.partial(_endpoint, _BISHOP, "platelet_engraftment_day")),
    "allo_pbsc_gcsf_day1_anc_nadir_1e9_per_L_4p8e6": OwnRun(functools.partial(_nadir_after_graft, _PRZEPIORKA_GCSF)),
    **{f"allo_pbsc_gcsf_day1_minus_none_anc_{label}_recovery_days_4p8e6_vs_4p3e6": OwnRun(
        functools.partial(_difference, threshold)) for label, threshold in _THRESHOLDS.items()},
    **{f"allo_pbsc_gcsf_day1_anc_{label}_recovery_day_4p8e6": OwnRun(
        functools.partial(_recovery_or_nan, _PRZEPIORKA_GCSF, threshold)) for label, threshold in _THRESHOLDS.items()},
    **{f"allo_pbsc_anc_{label}_recovery_day_4p3e6": OwnRun(
        functools.partial(_recovery_or_nan, _PRZEPIORKA_NONE, threshold)) for label, threshold in _THRESHOLDS.items()},
}
