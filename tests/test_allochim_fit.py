"""The alloreactivity calibration of docs/chimerism.md (docs/allochim_fit.py): the censored objective it minimises,
the profile bound it reads, and the mechanism's invariants on its condition (the Seattle Flu/TBI 2 Gy transplant):
the day-180 donor shares rise with the kill rate and fall with the immunosuppression's inhibition."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from scipy.stats import norm

from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "allochim_fit.py"


@pytest.fixture(scope="module")
def fit() -> ModuleType:
    return load_script(SCRIPT)


def _shares(fit: ModuleType, value: float) -> dict[tuple[str, str, float], float]:
    return {(s, lin, d): value for s in fit.SCHEDULES for lin in fit.LINEAGES for d in fit.REPORT_DAYS}


def test_objective_is_the_censored_normal_term_of_the_four_day_180_shares(fit: ModuleType) -> None:
    for y in (0.5, 0.95, 1.0):
        expected = -4 * norm.logcdf((fit.MIXED_BELOW - y) / fit.SD)
        assert fit.objective_from_shares(_shares(fit, y)) == pytest.approx(expected, rel=1e-9)
    # only day 180 counts: a full donor share on day 28 leaves a mixed day 180 at (nearly) no cost
    s = _shares(fit, 0.5)
    s.update({k: 1.0 for k in s if k[2] == 28.0})
    assert fit.objective_from_shares(s) < 1e-6


def test_profile_upper_k_interpolates_where_the_profile_crosses(fit: ModuleType) -> None:
    log10_k = np.array([-2.0, -1.0, 0.0])
    assert fit.profile_upper_k(log10_k, np.array([0.0, 1.0, 3.0]), 2.0) == pytest.approx(10**-0.5)
    assert fit.profile_upper_k(log10_k, np.array([0.0, 0.5, 1.0]), 2.0) == pytest.approx(1.0)  # never crosses


@pytest.mark.slow
@pytest.mark.integration
def test_day_180_donor_shares_rise_with_the_kill_and_fall_with_the_inhibition(fit: ModuleType) -> None:
    def day180(k: float, inhibition: float) -> tuple[float, float]:
        r = fit.seattle("unrelated", {fit.K: k, fit.INHIBITION: inhibition})
        return tuple(fit.donor_share(lambda: r, lin, fit.READ_DAY, fit.GRAFT_DAY) for lin in ("myeloid", "t"))

    weak, current, strong = day180(0.01, 0.8), day180(0.1, 0.8), day180(0.3, 0.8)
    held = day180(0.1, 0.99)
    for lin in range(2):
        assert weak[lin] < current[lin] < strong[lin]
        assert held[lin] < current[lin]
    assert weak[0] < 0.5 < strong[0]  # myeloid: mostly host without the kill, mostly donor with a strong one
