"""Faults found by reading core paths again (bughunt34): each test failed before its fix."""

import numpy as np
import pytest

from hemasim.clonal import NeutralHSCPool
from hemasim.clonal.ch import DriverLandscape

#: drivers so frequent that every step draws many of them in a pool of a few cells
_FLOOD = DriverLandscape(rate_per_hsc_year=1e5, selection_shape=2.0, selection_rate_years=10.0, panel_fraction=0.5)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("n_cells", [1, 3])
def test_drivers_drawn_twice_from_a_clone_found_as_many_clones_as_it_has_cells(n_cells, seed):
    """More drivers drawn in one step from a clone than it has cells: the first as many as it has cells found
    clones, one cell each (its cells move to them; the pool keeps its size). Before the fix every pick of such a
    clone was undone, so a one-cell clone hit twice founded none: no driver clone at all here."""
    pool = NeutralHSCPool(n_cells, seed=seed, drivers=_FLOOD, kernel="numpy")
    pool._acquire_drivers()
    founded = pool.selection_per_year > 0
    assert founded.sum() == n_cells  # each one-cell wild clone founds exactly one driver clone
    assert pool.pool_size == n_cells
    assert np.all(pool.sizes[~founded] == 0) and np.all(pool.sizes[founded] == 1)
    assert sorted(pool.parent[founded]) == list(range(n_cells))
