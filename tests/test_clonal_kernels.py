"""The compiled clonal kernels draw what the numpy code they replace drew: same seed, same clones, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.clonal import NeutralHSCPool
from hemasim.clonal.ch import DriverLandscape


def _run_both(setup=None, years: float = 6.0, **kwargs):  # noqa: ANN001, ANN202 - test helper
    pools, histories = [], []
    for kernel in ("numpy", "numba"):
        pool = NeutralHSCPool(kernel=kernel, **kwargs)
        if setup is not None:
            setup(pool)
        histories.append(pool.run(years, sample_every_years=1.0, track_top=4))
        pools.append(pool)
    return pools, histories


def _assert_same(pools, histories) -> None:  # noqa: ANN001 - test helper
    ref, fast = pools
    for name in ("sizes", "clone_ids", "mutations", "advantage", "parent", "panel", "selection_per_year"):
        np.testing.assert_array_equal(getattr(fast, name), getattr(ref, name), err_msg=name)
    assert (fast.divisions, fast.cell_days, fast.t) == (ref.divisions, ref.cell_days, ref.t)
    assert histories[1].__dict__ == histories[0].__dict__
    assert fast.rng.bit_generator.state == ref.rng.bit_generator.state  # the same numbers were drawn


@pytest.mark.parametrize("kwargs", [
    {"n_cells": 1500, "seed": 1},
    {"n_cells": 1500, "seed": 2, "niche_feedback": False},
    {"n_cells": 400, "seed": 3, "dt_days": 30.0, "start_age_years": 40.0},
])
def test_neutral_pool_kernel_matches_numpy(kwargs: dict) -> None:
    _assert_same(*_run_both(**kwargs))


def test_pool_with_advantaged_clones_matches_numpy() -> None:
    """The binomial path (some clone has an advantage), including the switch back to the multinomial path once
    the advantaged clones are gone, and clones of size 0 given to the pool (dropped after the first step)."""
    def graft(pool: NeutralHSCPool) -> None:
        pool.sizes[:50] = 0
        pool.add_clones(np.array([40, 2, 1]), advantage=np.array([0.3, 0.02, 1.5]), displace=True)

    pools, histories = _run_both(graft, years=15.0, n_cells=2000, seed=4)
    _assert_same(pools, histories)


def test_pool_with_driver_arrivals_matches_numpy() -> None:
    _assert_same(*_run_both(years=20.0, n_cells=2000, seed=5, drivers=DriverLandscape.from_parameters()))


def test_large_clones_take_numpys_own_draws() -> None:
    """Clones big enough for NumPy's other algorithms (Poisson mean >= 10: PTRS; binomial n p > 30: BTPE)."""
    def big(pool: NeutralHSCPool) -> None:
        pool.add_clones(np.array([6000, 450]), displace=True)

    _assert_same(*_run_both(big, years=2.0, n_cells=8000, seed=6))


def test_step_by_step_equals_run() -> None:
    """Steps one at a time (what gene therapy and driver growth do) give what a run's blocks of steps give."""
    a, b = NeutralHSCPool(1000, seed=7), NeutralHSCPool(1000, seed=7)
    a.run(2.0, sample_every_years=2.0)
    for _ in range(int(round(2.0 * 365.25 / b.dt))):
        b.step()
    np.testing.assert_array_equal(a.sizes, b.sizes)
    assert a.rng.bit_generator.state == b.rng.bit_generator.state


def test_kernel_argument_is_checked() -> None:
    with pytest.raises(ValueError, match="kernel"):
        NeutralHSCPool(10, kernel="fortran")  # type: ignore[arg-type]
