"""Read-outs of prediction round A8-A9 (branch predict32b): clonal haematopoiesis in the UK Biobank's 200,631 exomes,
read from simulated lifespans of the clone engine A1 reads (``hemasim.clonal.ch.simulate_ch_cohort``, its defaults),
a cohort of their own: 4,000 lifespans to age 70 (seed 200631), so the Monte Carlo error of a share of a few percent
stays well under a tenth of it (A1's 1,000 would leave it near the width of the source's interval).

Both count CH as A1 does: a driver a CH panel sees (``ch_panel_driver_fraction``, calibrated on A1's 70-79 band) at
VAF >= 2%, expected over panel membership given the simulated clones (each driver clone at VAF >= 2% is a panel driver
with probability f independently, so with k such clones P(at least one) = 1 - (1 - f)^k and P(at least two) =
1 - (1 - f)^k - k f (1 - f)^(k - 1)). Person-ages are weighted evenly over whole years 40-69 (the UK Biobank's
recruitment ages; its age make-up was not read). Registered before the model was run on either (targets.yaml A8, A9).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from hemasim.validation.base import OwnRun, Readout

if TYPE_CHECKING:
    from hemasim.clonal.ch import CHCohortResult

#: the UK Biobank's ages at recruitment, whole years [low, high): 40-69 (Loh 2020 Nature 584:136, "aged between 40
#: and 70 years", pages corpus, origin.www.nature.com/articles/s41586-020-2430-6)
UKB_AGES_YEARS = (40.0, 70.0)
UKB_COHORT_LIFESPANS = 4000
UKB_COHORT_SEED = 200631  # the source's participant count, a seed of its own (A1's cohort is seed 0)


@functools.lru_cache(maxsize=1)
def _ukb_cohort() -> CHCohortResult:
    from hemasim.clonal.ch import simulate_ch_cohort  # imports scipy: only for the CH read-outs

    # followed to the band's end only: a lifespan's course to 70 does not depend on what comes after
    return simulate_ch_cohort(UKB_COHORT_LIFESPANS, seed=UKB_COHORT_SEED, max_age_years=UKB_AGES_YEARS[1])


def _panel_carrier_probabilities(age_low: float, age_high: float) -> tuple[np.ndarray, np.ndarray]:
    """(P(at least one panel driver at VAF >= 2%), P(at least two)) per person and whole year of the band."""
    cohort = _ukb_cohort()
    f = cohort.panel_fraction
    k = cohort.clones_above_threshold[:, cohort._band(age_low, age_high)].astype(float)
    none = (1.0 - f) ** k
    exactly_one = k * f * (1.0 - f) ** np.maximum(k - 1.0, 0.0)
    return 1.0 - none, 1.0 - none - exactly_one


def ukb_ch_prevalence() -> float:
    """A8: share of person-ages 40-69 with CH (a panel driver at VAF >= 2%)."""
    at_least_one, _ = _panel_carrier_probabilities(*UKB_AGES_YEARS)
    return float(at_least_one.mean())


def ukb_ch_prevalence_45_69() -> float:
    """A8's info: the same share over ages 45-69, weighted older than the cohort can be."""
    at_least_one, _ = _panel_carrier_probabilities(45.0, UKB_AGES_YEARS[1])
    return float(at_least_one.mean())


def ukb_ch_multiple_share() -> float:
    """A9: among person-ages 40-69 with CH, the expected share with two or more panel driver clones at VAF >= 2%
    (the ratio of the two expectations, as a cohort's count of carriers with more than one over its carriers)."""
    at_least_one, at_least_two = _panel_carrier_probabilities(*UKB_AGES_YEARS)
    return float(at_least_two.sum() / at_least_one.sum())


PREDICTIONS13: dict[str, Readout] = {
    "ch_prevalence_ukb_40_69": OwnRun(ukb_ch_prevalence),
    "ch_prevalence_ukb_45_69": OwnRun(ukb_ch_prevalence_45_69),
    "ch_carriers_with_two_or_more_panel_clones_ukb_40_69": OwnRun(ukb_ch_multiple_share),
}
