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


# --- CH populations: the compiled Kendall step draws other numbers from the same laws -------------------------

@pytest.mark.parametrize(("cells", "birth", "death", "t"), [
    (1, 0.33, 0.31, 0.25), (5, 0.4, 0.25, 0.5), (16, 0.3, 0.3, 0.25), (17, 0.36, 0.30, 0.25), (300, 0.4, 0.27, 0.5),
    (5000, 0.34, 0.32, 0.25)])
def test_compiled_kendall_step_has_kendalls_law(cells: int, birth: float, death: float, t: float) -> None:
    """Against the numpy step's draws: the share extinct and the mean and variance of the size (n0 e^(lam t) and
    n0 (b + d)/(b - d) e^(lam t) (e^(lam t) - 1), the linear birth-death moments), within sampling error."""
    from hemasim.clonal._kernels import kendall_sizes, uniform_state
    from hemasim.clonal.ch import kendall_step

    reps = 60_000
    args = (np.full(reps, cells, dtype=np.int64), np.full(reps, birth), np.full(reps, death))
    rng = np.random.default_rng(1)
    fast = kendall_sizes(rng, uniform_state(rng), *args, np.full(reps, t))
    ref = kendall_step(np.random.default_rng(2), *args, t)
    lam = birth - death
    mean = cells * np.exp(lam * t)
    var = cells * (birth + death) / lam * np.exp(lam * t) * np.expm1(lam * t) if lam else cells * 2 * birth * t
    for sizes in (fast, ref):
        assert sizes.mean() == pytest.approx(mean, abs=5 * np.sqrt(var / reps))
        assert sizes.var() == pytest.approx(var, rel=0.05)
    p0 = max(np.mean(ref == 0), 1.0 / reps)
    assert np.mean(fast == 0) == pytest.approx(np.mean(ref == 0), abs=5 * np.sqrt(p0 / reps))
    # the whole distribution (two-sample Kolmogorov-Smirnov on the sizes)
    from scipy.stats import ks_2samp

    assert ks_2samp(fast, ref).pvalue > 1e-3


@pytest.mark.parametrize(("shape", "rate", "s_min"), [(0.779, 35.6, 0.05), (0.779, 35.6, 0.0), (0.5, 10.0, 0.01),
                                                      (3.0, 20.0, 0.3), (3.0, 20.0, 0.05)])
def test_compiled_selection_draws_the_landscapes_truncated_gamma(shape: float, rate: float, s_min: float) -> None:
    """Each of the three rejection samplers against the exact truncated CDF and against the landscape's own
    sample_selection (which the compiled cohort replaces)."""
    from scipy import special
    from scipy.stats import ks_2samp, kstest

    from hemasim.clonal._kernels import draw_selections, selection_method, uniform_state

    land = DriverLandscape(1e-3, shape, rate, panel_fraction=0.1)
    rng = np.random.default_rng(3)
    fast = draw_selections(rng, uniform_state(rng), 40_000, shape, rate, s_min,
                           *selection_method(shape, rate, s_min))
    assert fast.min() >= s_min
    lo = special.gammainc(shape, rate * s_min)
    assert kstest(fast, lambda s: (special.gammainc(shape, rate * s) - lo) / (1 - lo)).pvalue > 1e-3
    assert ks_2samp(fast, land.sample_selection(np.random.default_rng(4), 40_000, s_min)).pvalue > 1e-3


@pytest.mark.slow
def test_compiled_cohort_is_reproducible_and_agrees_with_numpy_in_distribution() -> None:
    from hemasim.clonal.ch import simulate_ch_cohort

    kwargs = {"max_age_years": 80.0, "step_years": 0.5, "seed": 8}
    a = simulate_ch_cohort(300, **kwargs)
    b = simulate_ch_cohort(300, **kwargs)
    np.testing.assert_array_equal(a.max_driver_vaf, b.max_driver_vaf)
    np.testing.assert_array_equal(a.snapshots["vaf"], b.snapshots["vaf"])
    ref = simulate_ch_cohort(300, kernel="numpy", **kwargs)
    for age in (40, 60, 80):
        fast, slow = a.driver_share[:, age], ref.driver_share[:, age]
        se = np.sqrt((fast.var() + slow.var()) / 300)
        assert abs(fast.mean() - slow.mean()) < 4 * se, age
        p_fast, p_slow = a.ch_probability()[:, age].mean(), ref.ch_probability()[:, age].mean()
        assert abs(p_fast - p_slow) < 4 * np.sqrt((p_fast + p_slow) / 300) + 0.005, age
    assert np.all(a.max_panel_vaf <= a.max_driver_vaf) and np.all(a.driver_share <= 1.0 + 1e-9)


def test_population_threads_give_the_one_worker_result() -> None:
    from hemasim.clonal.ch import simulate_ch_population

    kwargs = {"seed": 3, "chunk_size": 25, "max_age_years": 40.0, "step_years": 0.5}
    one = simulate_ch_population(60, workers=1, **kwargs)
    two = simulate_ch_population(60, workers=2, **kwargs)
    np.testing.assert_array_equal(one.max_driver_vaf, two.max_driver_vaf)
    np.testing.assert_array_equal(one.snapshots["vaf"], two.snapshots["vaf"])


def test_a_landscape_with_its_own_sampler_runs_the_numpy_step() -> None:
    """The compiled kernel draws selections from the gamma law of the landscape's fields: a landscape class with
    its own sample_selection must not be replaced by it."""
    from hemasim.clonal.ch import simulate_ch_cohort

    class Fixed(DriverLandscape):
        def sample_selection(self, rng: np.random.Generator, n: int, s_min: float = 0.0) -> np.ndarray:
            return np.full(n, max(s_min, 0.2)) + 0.0 * rng.random(n)

    land = Fixed(1e-3, 1.0, 30.0, panel_fraction=0.5)
    kwargs = {"max_age_years": 20.0, "step_years": 0.5, "seed": 2, "pool_size": 2_000, "landscape": land,
              "snapshot_ages": (20.0,)}
    own = simulate_ch_cohort(20, **kwargs)
    np.testing.assert_array_equal(own.max_driver_vaf, simulate_ch_cohort(20, kernel="numpy", **kwargs).max_driver_vaf)
    assert len(own.snapshots["selection_per_year"]) and np.all(own.snapshots["selection_per_year"] == 0.2)
