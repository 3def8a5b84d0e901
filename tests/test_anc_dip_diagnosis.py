"""The ANC dip after an allogeneic PBSC graft (docs/anc_dip_diagnosis.py; docs/transplant.md, "The ANC dip around day
40"): the read-out on synthetic courses, and the hand-over the page states on the shipped example."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "anc_dip_diagnosis.py"


@pytest.fixture(scope="module")
def diag() -> ModuleType:
    return load_script(SCRIPT)


def test_the_dip_reads_the_first_wave_and_the_lowest_value_after_it(diag: ModuleType) -> None:
    t = np.arange(0.0, 130.0)
    anc = 0.05 + 4.0 * np.exp(-(((t - 26.0) / 5.0) ** 2)) + 3.5 / (1.0 + np.exp(-(t - 60.0) / 8.0))
    anc[:6] = 4.75  # healthy before the graft on day 6
    d = diag.dip(t, anc, 6.0, 126.0)
    assert d["peak_day"] == 20.0 and d["peak"] == pytest.approx(anc[26])
    low = 26 + int(np.argmin(anc[26:127]))
    assert d["low_day"] == low - 6 and d["low"] == pytest.approx(anc[low])
    assert d["days_below_1"] == np.count_nonzero(anc[26:127] < 1.0)
    # a course that climbs straight back has no first wave to end
    assert np.isnan(diag.dip(t, np.minimum(4.75, 0.05 * np.exp(t / 8.0)), 6.0, 126.0)["peak"])


@pytest.mark.slow
def test_the_dip_is_the_gap_between_the_graft_committed_wave_and_the_regrown_short_term_pool(diag: ModuleType) -> None:
    base = diag.example(days=130.0)
    graft = 6.0
    rows = {r["day"]: r for r in diag.compartments(base, np.arange(0.0, 121.0))}
    d = diag.dip(base.times, base.observable(diag.ANC), graft, graft + diag.READ_DAYS)
    assert d["low"] < 1.0 < d["peak"]  # engrafts, then dips below grade 3 before the second wave
    # the graft's committed units are all in the MPP pool within days (a 0.5-day lodging): no MPP input from them
    # while the ANC falls; the MPP pool bottoms before the ANC, which trails it by the neutrophils' maturation
    assert all(rows[day]["MPP input: graft committed units"] < 1e-6 for day in range(10, 121))
    mpp_low = min(range(10, 60), key=lambda day: rows[day]["MPP (donor + host)"])
    assert mpp_low < d["low_day"] < mpp_low + 20
    # the ANC turns when the short-term cells' MPP input, regrown from the donor's HSCs, overtakes the draining pool
    assert rows[mpp_low]["MPP input: short-term cells"] >= 0.9 * rows[mpp_low]["MPP (donor + host)"]
    # more short-term repopulating cells in the graft fill the gap; engraftment (the first wave) does not move
    more = diag.example({"graft_st_hspc_per_cd34": 1e-6}, days=130.0)
    d_more = diag.dip(more.times, more.observable(diag.ANC), graft, graft + diag.READ_DAYS)
    assert d_more["low"] > 1.0 > d["low"]
    assert d_more["peak"] == pytest.approx(d["peak"], rel=0.1)
