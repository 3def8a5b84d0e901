"""The grade-4 episode analysis of docs/chemotherapy_full_model.md (docs/chemotherapy_trough.py): the Quartino 2014
typical course as encoded, the episode read-out, and the mechanism the page states (the G-CSF transit speed-up
shortens the full model's episode)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "chemotherapy_trough.py"


@pytest.fixture(scope="module")
def trough() -> ModuleType:
    return load_script(SCRIPT)


def test_the_episode_counts_days_below_each_threshold(trough: ModuleType) -> None:
    t = np.arange(0.0, 22.0, 0.25)
    anc = np.where((t >= 8.0) & (t <= 10.0), 0.3, 4.0)  # below 0.5 from day 8 to day 10
    e = trough.episode(t, anc)
    assert e["days_below_0.5"] == pytest.approx(2.0) and e["nadir"] == 0.3 and e["nadir_day"] == 8.0


def test_quartino_rests_at_its_baseline_without_a_dose(trough: ModuleType) -> None:
    # the G-CSF equation with the brackets of its own steady state: nothing moves without drug
    _, anc = trough.quartino_typical(dose_mg=0.0)
    assert np.allclose(anc, 3.53, rtol=1e-6)


def test_quartino_typical_course_at_100_mg_per_m2(trough: ModuleType) -> None:
    t, anc = trough.quartino_typical()
    e = trough.episode(t, anc)
    assert 8.5 <= e["nadir_day"] <= 9.5 and 0.3 < e["nadir"] < 0.4
    assert 2.0 < e["days_below_0.5"] < 3.2  # 2.6 days, as the page says
    t0, anc0 = trough.quartino_typical(beta=0.0)
    assert abs(trough.episode(t0, anc0)["days_below_0.5"] - e["days_below_0.5"]) < 1.0  # beta matters little here


@pytest.mark.slow
def test_quartinos_exponent_would_shorten_the_full_models_grade4_episode(trough: ModuleType) -> None:
    # shipped: the exponent fitted to 0 (no endogenous speed-up); Quartino's 0.234 at the same slope and transit
    shipped, quartino = trough.full_model_cycle(), trough.full_model_cycle(trough.QUARTINO_EXPONENT)
    without = trough.episode(shipped.times, shipped.observable(trough.ANC))
    with_speedup = trough.episode(quartino.times, quartino.observable(trough.ANC))
    assert without["days_below_0.5"] > 1.5 * with_speedup["days_below_0.5"]
    assert without["nadir"] < with_speedup["nadir"]
