"""The sparse-count what-if of docs/chemotherapy_full_model.md (docs/chemotherapy_label_sampling.py, "How the label's
neutropenia figures were observed"): counts on given days see a trough only where a count falls inside it."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "chemotherapy_label_sampling.py"


@pytest.fixture(scope="module")
def sampling() -> ModuleType:
    return load_script(SCRIPT)


def _courses() -> tuple[np.ndarray, np.ndarray]:
    """Two patients over three q3w cycles: a narrow trough (days 9-10.5 of each cycle) and a wide one (6-13)."""
    t = np.arange(0.0, 63.0 + 1e-9, 0.125)
    day = t % 21.0
    narrow = np.where((day >= 9.0) & (day <= 10.5), 0.2, 4.0)
    wide = np.where((day >= 6.0) & (day <= 13.0), 0.3, 4.0)
    return t, np.stack([narrow, wide])


def test_weekly_counts_miss_a_narrow_trough_and_see_a_wide_one(sampling: ModuleType) -> None:
    t, anc = _courses()
    weekly = sampling.sampled(t, anc, (7.0, 14.0))
    assert weekly["grade4_cycle1_pct"] == 50.0 and weekly["grade4_any_cycle_pct"] == 50.0
    assert weekly["pct_below_0p5_on_each_day_cycle1"] == {"7": 50.0, "14": 0.0}
    daily = sampling.sampled(t, anc, tuple(float(d) for d in range(1, 21)))
    assert daily["grade4_cycle1_pct"] == 100.0
    # the wide trough's nadir is first seen on day 6, the narrow one's on day 9: median 7.5
    assert daily["median_sampled_nadir_day_cycle1"] == pytest.approx(7.5)


def test_later_cycles_count_at_the_same_offsets(sampling: ModuleType) -> None:
    t, anc = _courses()
    anc = anc.copy()
    anc[0, t < 21.0] = 4.0  # the narrow trough only in cycles 2 and 3
    on_day_10 = sampling.sampled(t, anc, (10.0,))
    assert on_day_10["grade4_cycle1_pct"] == 50.0 and on_day_10["grade4_any_cycle_pct"] == 100.0
