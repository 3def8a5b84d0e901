"""Naive T-cell pools already shrinking at the reference age (eighteenth session, branch naiveage, issue 17;
docs/model.md, "Naive pools with age: a pool already shrinking at the reference age").

Past the reference age each naive pool follows dN/dt = theta(t) - (s d + delta) N (hemasim.biology.lymphoid.
naive_history_factor). Each delta is fitted by docs/naive_decline_fit.py on data/naive_counts_by_age/folds.csv: the fold
reduction of naive CD4 and CD8 counts in 70- to >90-year-olds against young adults in an Italian reference cohort
(288 healthy subjects 20-107 y, abstract). No validation target's source (A4-A7, R1/R2: Fagnoni 2000) is in the fit.
"""

import math

from hemasim.parameters.core import Fitted, PlausibleRange
from hemasim.parameters.sets._helpers import param

DATA = ("data/naive_counts_by_age/folds.csv",)
RANGE = "the fold range the abstract states, by docs/naive_decline_fit.py"
PROBLEM = "docs/naive_decline_fit.py (each decline solved from its pool's fold reduction at 80 y; docs/model.md)"

PARAMETERS = [
    param("naive_cd4_decline_at_reference_age_per_year", 0.02669, "1/year",
          "relative decline per year of the naive CD4 pool at the lymphocyte reference age (net per-cell loss beyond "
          "the thymic share)",
          Fitted(DATA, PROBLEM, math.nan, "4-fold at 80 y; stated 3.5-4.5-fold -> [0.02295, 0.03005]; old class at "
                                           "75-85 y -> 0.0224-0.0320"), bounds=(0.0, 0.1),
          plausible_range=PlausibleRange(0.02295, 0.03005, RANGE)),
    param("naive_cd8_decline_at_reference_age_per_year", 0.01571, "1/year",
          "relative decline per year of the naive CD8 pool at the lymphocyte reference age (net per-cell loss beyond "
          "the thymic share)",
          Fitted(DATA, PROBLEM, math.nan, "2.45-fold at 80 y; stated 2-3-fold -> [0.01068, 0.02082]; old class at "
                                           "75-85 y -> 0.0131-0.0189"), bounds=(0.0, 0.1),
          plausible_range=PlausibleRange(0.01068, 0.02082, RANGE)),
]
