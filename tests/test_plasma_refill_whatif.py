"""The plasma-refill what-if of docs/model.md (docs/plasma_refill_whatif.py): the rule's read-out on synthetic red-cell
courses (no model run): no change at the moment of a loss, the sourced dilution after the refill, main's read-out
at complete refill, and the days-to-regain read-out as the validation's."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "plasma_refill_whatif.py"


@pytest.fixture(scope="module")
def whatif() -> ModuleType:
    return load_script(SCRIPT)


def _one_loss(whatif: ModuleType, share: float = 0.1) -> object:
    """Main's read-out of a loss of ``share`` of the blood on day 10 with no red cells made afterwards."""
    t = np.arange(0.0, 20.0, 0.05)
    hb = np.where(t >= 10.0, 14.0 * (1.0 - share), 14.0)
    return whatif.Course(t, hb, ((10.0, share),))


def test_the_concentration_does_not_move_at_the_moment_of_the_loss(whatif: ModuleType) -> None:
    c = _one_loss(whatif)
    hb = whatif.read_hb(c, 0.77)
    assert hb[np.searchsorted(c.times, 10.0)] == pytest.approx(14.0)


def test_after_the_refill_the_fall_is_the_unrefilled_share_smaller(whatif: ModuleType) -> None:
    c = _one_loss(whatif, 0.1)
    for completeness in (0.6, 0.77, 0.9):
        hb = whatif.read_hb(c, completeness)
        expected = 14.0 * 0.9 / (1.0 - (1.0 - completeness) * 0.1)  # x / (1 - (1 - c)(1 - x))
        assert hb[-1] == pytest.approx(expected, rel=1e-9)
        assert 14.0 * 0.9 < hb[-1] < 14.0  # a smaller fall than main's, still a fall


def test_complete_refill_gives_main_read_out_a_day_after(whatif: ModuleType) -> None:
    c = _one_loss(whatif)
    hb = whatif.read_hb(c, 1.0)
    late = c.times >= 11.0
    assert np.allclose(hb[late], c.hb[late], rtol=1e-4)  # the refill left a day later: exp(-1/0.097) = 3e-5
    half_tau = np.searchsorted(c.times, 10.0 + whatif.TAU_DAYS)
    assert c.hb[half_tau] < hb[half_tau] < 14.0  # refilling, not yet diluted


def test_a_second_loss_adds_its_own_refill(whatif: ModuleType) -> None:
    t = np.arange(0.0, 30.0, 0.05)
    hb = 14.0 * np.where(t >= 10.0, 0.9, 1.0) * np.where(t >= 17.0, 0.9, 1.0)
    c = whatif.Course(t, hb, ((10.0, 0.1), (17.0, 0.1)))
    read = whatif.read_hb(c, 0.77)
    just_before, at_second = read[np.searchsorted(t, 17.0) - 1], read[np.searchsorted(t, 17.0)]
    # no dilution at once either; the loss takes main's share of the cells (v/Vb0), not v at the diluted
    # concentration, so the read-out steps up by V(1 - f)/(V - f) with V the volume ratio just before (0.977)
    volume = 1.0 - 0.23 * 0.1
    assert at_second / just_before == pytest.approx(volume * 0.9 / (volume - 0.1), rel=1e-4)
    x = 0.81
    assert read[-1] == pytest.approx(14.0 * x / (1.0 - 0.23 * (1.0 - x)), rel=1e-6)


def test_days_to_regain_interpolates_as_the_validation_does(whatif: ModuleType) -> None:
    t = np.arange(0.0, 40.0, 1.0)
    v = np.where(t < 10.0, 10.0, 8.0 + 0.1 * np.clip(t - 10.0, 0.0, None))  # falls by 2, regains 0.1 a day
    assert whatif.days_to_regain(t, v, 10.0, 0.8) == pytest.approx(16.0)
