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


# --- CH populations: the compiled lifespans draw other numbers from the same laws ----------------------------

@pytest.mark.parametrize(("cells", "birth", "death", "t"), [
    (1, 0.33, 0.31, 0.25), (5, 0.4, 0.25, 0.5), (16, 0.3, 0.3, 0.25), (32, 0.36, 0.30, 0.25), (33, 0.36, 0.30, 0.25),
    (300, 0.4, 0.27, 0.5), (5000, 0.34, 0.32, 0.25),
    (40, 3.0, 1.0, 2.0),  # alpha + gamma > 1: survivors, then their negative binomial
    (5, 2.0, 0.1, 2.0)])  # small clone whose grown families have a large mean (gamma-Poisson)
def test_compiled_kendall_step_has_kendalls_law(cells: int, birth: float, death: float, t: float) -> None:
    """Against the numpy step's draws: the share extinct and the mean and variance of the size (n0 e^(lam t) and
    n0 (b + d)/(b - d) e^(lam t) (e^(lam t) - 1), the linear birth-death moments), within sampling error."""
    from hemasim.clonal._kernels import kendall_sizes, person_state
    from hemasim.clonal.ch import kendall_step

    reps = 60_000
    args = (np.full(reps, cells, dtype=np.int64), np.full(reps, birth), np.full(reps, death))
    fast = kendall_sizes(person_state(1), *args, np.full(reps, t))
    ref = kendall_step(np.random.default_rng(2), *args, t)
    lam = birth - death
    mean = cells * np.exp(lam * t)
    var = cells * (birth + death) / lam * np.exp(lam * t) * np.expm1(lam * t) if lam else cells * 2 * birth * t
    for sizes in (fast, ref):
        assert sizes.mean() == pytest.approx(mean, abs=5 * np.sqrt(var / reps))
        assert sizes.var() == pytest.approx(var, rel=0.06)
    p0 = max(np.mean(ref == 0), 1.0 / reps)
    assert np.mean(fast == 0) == pytest.approx(np.mean(ref == 0), abs=5 * np.sqrt(p0 / reps))
    # the whole distribution (two-sample Kolmogorov-Smirnov on the sizes)
    from scipy.stats import ks_2samp

    assert ks_2samp(fast, ref).pvalue > 1e-3


def _chi_square_pvalue(draws: np.ndarray, pmf) -> float:  # noqa: ANN001 - a scipy frozen pmf
    """Chi-square goodness of fit of integer draws to ``pmf``, the tails pooled so each bin expects >= 20."""
    from scipy.stats import chi2

    ks = np.arange(int(draws.max()) + 2)
    expected = pmf(ks) * draws.size
    observed = np.bincount(draws.astype(np.int64), minlength=ks.size).astype(float)
    keep = expected >= 20
    lo, hi = ks[keep][0], ks[keep][-1]
    obs = np.concatenate([[observed[:lo + 1].sum()], observed[lo + 1:hi], [observed[hi:].sum()]])
    exp = np.concatenate([[expected[:lo + 1].sum()], expected[lo + 1:hi], [draws.size - expected[:hi].sum()]])
    stat = float(((obs - exp) ** 2 / exp).sum())
    return float(chi2.sf(stat, obs.size - 1))


@pytest.mark.parametrize(("kind", "n", "p"), [(0, 400, 0.09), (0, 5000, 0.3), (0, 300, 0.8), (1, 12.5, 0.0),
                                              (1, 400.0, 0.0), (3, 900, 0.05), (3, 7, 0.9)])
def test_exact_large_mean_samplers_have_their_law(kind: int, n: float, p: float) -> None:
    """BTRS binomial (and inversion below a mean of 30), PTRS Poisson and the gamma-Poisson negative binomial
    against their pmf (chi-square)."""
    from scipy import stats

    from hemasim.clonal._kernels import draw_counts, person_state

    law = {0: lambda: stats.binom(int(n), p), 1: lambda: stats.poisson(n),
           3: lambda: stats.nbinom(int(n), 1.0 - p)}[kind]()
    draws = draw_counts(person_state(5), kind, int(n) if kind != 1 else 0, p if kind != 1 else n, 100_000)
    assert _chi_square_pvalue(draws, law.pmf) > 1e-3


def test_series_expm1_is_libms_to_rounding() -> None:
    """The Kendall coefficients' e^x - 1 (a series on |x| <= 0.35, libm beyond) against NumPy's expm1: within
    4 units of 1e-16 relative everywhere, tiny arguments and the range's edges included."""
    from hemasim.clonal._kernels import _EXPM1_SERIES_RANGE, expm1_values

    edge = _EXPM1_SERIES_RANGE
    x = np.concatenate([np.linspace(-0.5, 0.5, 200_001), np.geomspace(1e-12, edge, 20_001),
                        -np.geomspace(1e-12, edge, 20_001), [np.nextafter(edge, 1.0), -np.nextafter(edge, 1.0)]])
    assert expm1_values(np.zeros(1))[0] == 0.0
    x = x[x != 0.0]
    assert np.max(np.abs(expm1_values(x) - np.expm1(x)) / np.abs(np.expm1(x))) < 6e-16


@pytest.mark.parametrize(("n", "death", "gamma", "short"), [(40, 0.3, 0.25, 1.0), (90, 0.33, 0.25, 1.0),
                                                              (60, 0.15, 0.45, 1.0), (50, 0.3, 0.25, 0.97)])
def test_side_by_side_walks_draw_what_the_walks_in_turn_drew(n: int, death: float, gamma: float,
                                                              short: float) -> None:
    """A 33+-cell clone's two inversion walks run side by side draw the same counts from the same uniforms as the
    walks one after the other, bit for bit, and leave the stream where those left it; also where walks outrun
    their bound and start again (``short`` < 1: both first probabilities scaled down so that a walk's
    probabilities sum to ``short``, and ~3% of walks restart, the deaths' on the second uniform)."""
    from hemasim.clonal._kernels import draw_walk_pairs, person_state

    first_death = np.exp(n * np.log1p(-death)) * short
    first_extra = np.exp(n * np.log1p(-gamma)) * short
    side, turn = person_state(7), person_state(7)
    pairs = draw_walk_pairs(side, n, death, first_death, gamma, first_extra, 20_000, True)
    np.testing.assert_array_equal(pairs, draw_walk_pairs(turn, n, death, first_death, gamma, first_extra, 20_000,
                                                         False))
    np.testing.assert_array_equal(side, turn)
    assert pairs[:, 0].mean() == pytest.approx(n * death, rel=0.05)  # the walks draw their laws
    assert pairs[:, 1].mean() == pytest.approx(n * gamma / (1 - gamma), rel=0.05)


@pytest.mark.parametrize("a_p", [0.5, 0.43, 0.3])
def test_vectorised_coefficients_are_the_one_by_one_values(a_p: float) -> None:
    """Kendall's coefficients of a person's clones computed in one vectorised loop equal, bit for bit, those of
    _kendall_coefficients one clone at a time: clones in the series' range, and clones outside it (growing by
    > 40% a year, critical to 1e-8, shrinking fast), which send every clone of the step to the one-by-one path."""
    from hemasim.clonal._kernels import coefficients_both_ways

    rng = np.random.default_rng(11)
    common = rng.gamma(0.779, 1 / 35.6, 333) / 1.3
    special = np.concatenate([common[:50], [0.9, 0.5 / a_p - 1.0, -0.6, 0.0]])
    for advantage in (common, special):
        for step in (1.0, 0.25):
            alphas, gammas, alphas_one, gammas_one = coefficients_both_ways(advantage, a_p, 1.3044642857142856, step)
            np.testing.assert_array_equal(alphas, alphas_one)
            np.testing.assert_array_equal(gammas, gammas_one)
            assert np.all((alphas >= 0) & (alphas <= 1) & (gammas >= 0) & (gammas < 1))


def test_tabulated_lgamma_is_libms() -> None:
    """lgamma of the integers the rejection samplers ask for, from the table and beyond it: libm's values exactly."""
    from hemasim.clonal._kernels import _LGAMMA_TABLE_SIZE, lgamma_both_ways

    x = np.concatenate([np.arange(1.0, _LGAMMA_TABLE_SIZE + 50.0), [1e5, 123456.0, 2.0**40]])
    both = lgamma_both_ways(x)
    np.testing.assert_array_equal(both[:, 0], both[:, 1])
    from scipy.special import gammaln

    assert both[:, 0] == pytest.approx(gammaln(x), rel=1e-13, abs=1e-13)


@pytest.mark.parametrize("e", [1e-3, 0.221, 0.5, 0.999])
def test_selection_squeeze_brackets_the_power(e: float) -> None:
    """The selection sampler's squeeze (exponential proposal, shape 1 - e < 1): its lower bound is below and its
    upper bound above (1 + x)^(-e) as libm's pow computes it, for x from 1e-15 to 1e6, so a uniform it decides is
    decided as the power would decide it; and it decides almost all of them (the band between is narrow)."""
    from hemasim.clonal._kernels import _SQUEEZE_HIGH, _SQUEEZE_LOW

    x = np.concatenate([np.geomspace(1e-15, 1e6, 200_001), np.linspace(0.0, 5.0, 100_001)])
    power = (1.0 + x) ** (-e)
    low = _SQUEEZE_LOW / (1.0 + e * x)
    high = _SQUEEZE_HIGH / (1.0 + e * (2.0 * x / (2.0 + x)))
    assert np.all(low < power) and np.all(power < high)
    shipped = 1.0 - 0.779  # the shipped landscape: x = y / s_min is exponential with rate 35.6 x 0.05
    y = np.random.default_rng(1).exponential(1 / 1.78, 100_000)
    band = _SQUEEZE_HIGH / (1.0 + shipped * (2.0 * y / (2.0 + y))) - _SQUEEZE_LOW / (1.0 + shipped * y)
    assert 0.0 < band.mean() < 0.03


@pytest.mark.parametrize("n_star", [1e5, 2_000.0, 12_345.0, 7.0, 33_333.3])
def test_fewest_cells_at_a_vaf_is_the_threshold_of_the_vaf(n_star: float) -> None:
    """The yearly record counts clones at VAF >= 2% on their sizes: the threshold size is the smallest whose VAF,
    size / (2 n_star) in floating point, is >= 2%."""
    from hemasim.clonal._kernels import _fewest_cells_at

    for vaf in (0.02, 0.001, 0.1):
        cells = _fewest_cells_at(vaf, n_star)
        assert cells / (2.0 * n_star) >= vaf and (cells - 1) / (2.0 * n_star) < vaf


@pytest.mark.parametrize("shape", [0.4, 1.0, 7.5, 300.0])
def test_gamma_sampler_has_its_law(shape: float) -> None:
    from scipy.stats import gamma, kstest

    from hemasim.clonal._kernels import draw_counts, person_state

    assert kstest(draw_counts(person_state(6), 2, 0, shape, 50_000), gamma(shape).cdf).pvalue > 1e-3


@pytest.mark.parametrize(("shape", "rate", "s_min"), [(0.779, 35.6, 0.05), (0.779, 35.6, 0.0), (0.5, 10.0, 0.01),
                                                      (3.0, 20.0, 0.3), (3.0, 20.0, 0.05)])
def test_compiled_selection_draws_the_landscapes_truncated_gamma(shape: float, rate: float, s_min: float) -> None:
    """Each of the three rejection samplers against the exact truncated CDF and against the landscape's own
    sample_selection (which the compiled cohort replaces)."""
    from scipy import special
    from scipy.stats import ks_2samp, kstest

    from hemasim.clonal._kernels import draw_selections, person_state, selection_method

    land = DriverLandscape(1e-3, shape, rate, panel_fraction=0.1)
    fast = draw_selections(person_state(3), 40_000, shape, rate, s_min, *selection_method(shape, rate, s_min))
    assert fast.min() >= s_min
    lo = special.gammainc(shape, rate * s_min)
    assert kstest(fast, lambda s: (special.gammainc(shape, rate * s) - lo) / (1 - lo)).pvalue > 1e-3
    assert ks_2samp(fast, land.sample_selection(np.random.default_rng(4), 40_000, s_min)).pvalue > 1e-3


def _assert_same_result(a, b) -> None:  # noqa: ANN001 - test helper
    for name in ("max_panel_vaf", "max_driver_vaf", "driver_share", "clones_above_threshold"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    assert a.snapshots.keys() == b.snapshots.keys()
    for key in a.snapshots:
        np.testing.assert_array_equal(a.snapshots[key], b.snapshots[key], err_msg=key)


@pytest.mark.slow
def test_compiled_cohort_agrees_with_numpy_in_distribution() -> None:
    """600 compiled lifespans against 600 of the numpy step: the driver share and the CH probability at 40, 60
    and 80 years within 4 standard errors, the CH prevalence by age band within 4 binomial standard errors of
    the people (each person's ages are correlated: the person is the unit), and the VAFs of the clones seen at
    the snapshot ages (two-sample Kolmogorov-Smirnov)."""
    from scipy.stats import ks_2samp

    from hemasim.clonal.ch import simulate_ch_cohort

    n = 600
    kwargs = {"max_age_years": 90.0, "step_years": 0.5, "snapshot_ages": (70.0, 90.0)}
    fast = simulate_ch_cohort(n, seed=8, **kwargs)
    ref = simulate_ch_cohort(n, seed=9, kernel="numpy", **kwargs)
    for age in (40, 60, 80):
        a, b = fast.driver_share[:, age], ref.driver_share[:, age]
        assert abs(a.mean() - b.mean()) < 4 * np.sqrt((a.var() + b.var()) / n), age
        p_fast, p_ref = fast.ch_probability()[:, age].mean(), ref.ch_probability()[:, age].mean()
        assert abs(p_fast - p_ref) < 4 * np.sqrt((p_fast + p_ref) / n) + 0.005, age
    for band in ((50, 70), (70, 90)):
        any_fast = (fast.max_driver_vaf[:, fast._band(*band)] >= 0.02).mean()
        any_ref = (ref.max_driver_vaf[:, ref._band(*band)] >= 0.02).mean()
        p = 0.5 * (any_fast + any_ref)
        assert abs(any_fast - any_ref) < 4 * np.sqrt(2 * p * (1 - p) / n), band
    for age in (70.0, 90.0):
        v_fast = fast.snapshots["vaf"][fast.snapshots["age_years"] == age]
        v_ref = ref.snapshots["vaf"][ref.snapshots["age_years"] == age]
        assert ks_2samp(v_fast, v_ref).pvalue > 1e-3, age
    assert np.all(fast.max_panel_vaf <= fast.max_driver_vaf) and np.all(fast.driver_share <= 1.0 + 1e-9)


def test_compiled_cohort_is_reproducible_whatever_the_threads_and_the_cohort_size() -> None:
    """Same seed, same people, bit for bit: with 1 or 2 threads, in a population (any chunk size) or a cohort,
    and person i is the same in any cohort of that seed that has an i-th person."""
    from hemasim.clonal.ch import simulate_ch_cohort, simulate_ch_population

    kwargs = {"max_age_years": 60.0, "step_years": 0.5, "snapshot_ages": (40.0, 60.0)}
    one = simulate_ch_cohort(30, seed=3, workers=1, **kwargs)
    _assert_same_result(one, simulate_ch_cohort(30, seed=3, workers=1, **kwargs))
    _assert_same_result(one, simulate_ch_cohort(30, seed=3, workers=2, **kwargs))
    _assert_same_result(one, simulate_ch_population(30, seed=3, chunk_size=7, workers=2, **kwargs))
    larger = simulate_ch_cohort(45, seed=3, workers=2, **kwargs)
    np.testing.assert_array_equal(larger.max_driver_vaf[:30], one.max_driver_vaf)
    np.testing.assert_array_equal(larger.driver_share[:30], one.driver_share)
    other = simulate_ch_cohort(30, seed=4, **kwargs)
    assert not np.array_equal(other.driver_share, one.driver_share)


def test_people_with_more_snapshot_clones_than_the_room_are_run_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """A person with more clones at a snapshot than the buffers hold is simulated again (same stream) with room
    for all: the snapshots are those of a run with room to spare."""
    import hemasim.clonal.ch as ch

    kwargs = {"max_age_years": 80.0, "step_years": 0.5, "snapshot_ages": (50.0, 80.0), "seed": 2}
    roomy = ch.simulate_ch_cohort(12, **kwargs)
    assert np.bincount(roomy.snapshots["person"].astype(int)).max() > 2  # some person does not fit in 1 per age
    monkeypatch.setattr(ch, "_SNAPSHOT_ROOM", 1)
    _assert_same_result(ch.simulate_ch_cohort(12, **kwargs), roomy)


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
