"""The 95% constants of the project's intervals, written once (a leaf module: cheap to import from anywhere).

* :data:`Z_95`: the two-sided 95% quantile of the standard normal, 1.959964 (estimate +- Z_95 SE; Wilson score
  intervals; a log-normal SD read from a 95% interval, ln(high / low) / (2 Z_95));
* :data:`CHI2_95_1DOF`: the 95% quantile of chi-square with one degree of freedom (= Z_95 squared);
* :data:`LR_STEP_95`: half of it, 1.9207: a 95% profile-likelihood interval holds the values whose negative
  log-likelihood lies within this of the best (likelihood-ratio test). Before tidy30 the docetaxel rules and the
  optimiser's convergence used 1.92 and the joint/calibrated profiles 1.9205: checked at the change (final read),
  no recorded interval, adoption, grid rule or converged count differs in a printed digit (the largest shift, the
  taxane MPP profile's lower end, 17.1568 -> 17.1550 d, printed 17.2), so nothing was regenerated.
"""

from __future__ import annotations

from statistics import NormalDist

__all__ = ["CHI2_95_1DOF", "LR_STEP_95", "Z_95"]

Z_95 = NormalDist().inv_cdf(0.975)
CHI2_95_1DOF = 3.841458820694124
LR_STEP_95 = CHI2_95_1DOF / 2
