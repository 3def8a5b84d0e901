"""The saturating help law of vaccine responses (hemasim.biology.vaccine, branch lymph): 1 at the healthy
reference counts, proportional to a count far below its half-saturation, half-way at the threshold."""

import numpy as np
import pytest

from hemasim.biology.vaccine import _saturating_help
from hemasim.model.laws import law


def _help(count_per_uL: float, reference_per_uL: float, half_per_uL: float, per_ul: float = 1e-4) -> float:
    fb = _saturating_help("h", "s", reference_per_uL, half_per_uL, per_ul, ())
    signal_cells = count_per_uL / per_ul  # whole-body cells behind that blood count
    return float(fb.offset + fb.scale * law(fb.kind).value(0.0, signal_cells, *fb.params, 0.0, 0.0))


def test_help_is_one_at_the_reference_count_and_bounded_above():
    assert _help(350.0, 350.0, 20.0) == pytest.approx(1.0, rel=1e-12)
    assert _help(1e6, 350.0, 20.0) == pytest.approx(1.0 + 20.0 / 350.0, rel=1e-3)


def test_help_falls_in_proportion_only_far_below_the_half_saturation():
    low = [_help(c, 350.0, 20.0) for c in (0.1, 0.2)]
    assert low[1] / low[0] == pytest.approx(2.0, rel=1e-2)
    at_threshold = _help(20.0, 350.0, 20.0)
    assert at_threshold == pytest.approx((1 + 20 / 350) / 2, rel=1e-12)
    # a tenth of the reference B count keeps most of the response (the linear law gave 0.1)
    assert _help(35.0, 350.0, 20.0) > 0.6


def test_help_takes_per_patient_blood_volumes():
    per_ul = np.array([1e-4, 2e-4])
    fb = _saturating_help("h", "s", 350.0, 20.0, per_ul, ())
    assert np.allclose(fb.params[1], 20.0 / per_ul)
