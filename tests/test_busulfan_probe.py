"""The busulfan probe of docs/chimerism.md (docs/busulfan_probe.py): busulfan alone, no graft, read on day 90 after
the dose. The kill it gives lands in the model's pools on the dose day, and the day-90 HSC pool follows the HSC
survival while the committed progenitors hardly do (the reason the baboon datum cannot fit the HSC kill)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "busulfan_probe.py"

pytestmark = [pytest.mark.slow, pytest.mark.integration]


@pytest.fixture(scope="module")
def probe() -> ModuleType:
    return load_script(SCRIPT)


def test_the_kill_lands_on_the_dose_day(probe: ModuleType, tmp_path: Path) -> None:
    r = probe.busulfan_alone(0.05, tmp_path)
    hsc = r.observable("hsc_count_cells")
    before = np.interp(probe.DOSE_DAY - 1.0, r.times, hsc)
    after = np.interp(probe.DOSE_DAY + 1.0, r.times, hsc)  # a day of regrowth (a few per cent) after the kill
    assert after / before == pytest.approx(0.05, rel=0.1)


def test_day90_hsc_follows_the_survival_the_progenitors_much_less(probe: ModuleType, tmp_path: Path) -> None:
    low, high = (probe.day90_ratios(probe.busulfan_alone(s, tmp_path)) for s in (0.01, 0.3))
    assert high["hsc_count_cells"] > 3 * low["hsc_count_cells"]  # 30-fold more survivors: several-fold more HSCs
    cfu = "committed progenitors (CFU)"
    assert 0 < low[cfu] < high[cfu] < 2 * low[cfu]  # committed progenitors on day 90: within a factor of two
