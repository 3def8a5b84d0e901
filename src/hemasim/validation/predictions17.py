"""Read-outs of targets F5, F6 (branch predict34b, issue 17), each chosen and committed with its band before the model
was run on it: cycle 1 of docetaxel 75 + cyclophosphamide 600 mg/m2 (TC) with pegfilgrastim 6 mg on day 2, the
pegfilgrastim arms of the two phase III trials of eflapegrastim, ADVANCE and RECOVER, pooled (Moon 2023, Cancer Res
Treat 55:766, Table 2: 329 women). F5 is the cohort's mean duration of severe neutropenia (F4's read-out), F6 the share
of women with at least one daily count below 0.5e9/L, both on once-daily counts on days 2-21 of cycle 1.

The cohort is F2's (hemasim.validation.predictions12: the full model, docetaxel's and cyclophosphamide's kills adding,
pegfilgrastim as Melhem 2017, only the cited between-patient variability) for one cycle, with a seed of its own.
"""

from __future__ import annotations

import numpy as np

from hemasim.validation.base import OwnRun, Readout
from hemasim.validation.predictions12 import (
    DSN_COUNT_DAYS,
    GRADE4_ANC_1E9_PER_L,
    TcCohort,
    longest_run_of_days_below,
    mean_days_of_severe_neutropenia,
    tc_cohort_anc,
)

# F5, F6: ADVANCE (NCT02643420) and RECOVER (NCT02953340), pegfilgrastim arms pooled: TC on day 1 of 21-day cycles,
# pegfilgrastim 6 mg s.c. on day 2 (run day 1; RECOVER's record); TC's doses the standard 75 / 600 mg/m2 (as F1-F3;
# the records read name TC without its doses); ages not in what was read (30-70 assumed, as F2-F4); cycle 1.
ADVANCE_RECOVER_TC_PEG_6MG = TcCohort(cycles=1, ages_years=(30.0, 70.0), seed=3401, pegfilgrastim_mg=6.0)


def pct_with_a_day_of_severe_neutropenia(c: TcCohort) -> float:
    """Percent of the cohort with at least one once-daily count below 0.5e9/L in cycle 1 (a duration of at least
    one day), on F4's count days."""
    times, anc = tc_cohort_anc(c)
    return float(100.0 * np.mean(longest_run_of_days_below(times, anc, GRADE4_ANC_1E9_PER_L, *DSN_COUNT_DAYS) >= 1))


PREDICTIONS17: dict[str, Readout] = {
    "tc_75_600_pegfilgrastim_6mg_cycle1_mean_days_anc_below_0p5": OwnRun(
        lambda: mean_days_of_severe_neutropenia(ADVANCE_RECOVER_TC_PEG_6MG)),
    "tc_75_600_pegfilgrastim_6mg_cycle1_pct_with_a_day_anc_below_0p5": OwnRun(
        lambda: pct_with_a_day_of_severe_neutropenia(ADVANCE_RECOVER_TC_PEG_6MG)),
}
