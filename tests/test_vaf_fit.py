"""The VAF-spectrum fit of the driver landscape (hemasim.clonal.vaf_fit): censoring at the detection limit,
the conditional likelihood, recovery of a known selection law, and the fit to the shipped Watson 2020 data."""

import numpy as np
import pytest

from hemasim.clonal.vaf_fit import (
    STUDIES,
    WATSON_CSV,
    ClonePool,
    StudyCounts,
    bootstrap_selection_law,
    fit_selection_law,
    gamma_bin_mass,
    load_watson_vafs,
    selection_grid,
    study_bin_edges,
    study_counts,
    time_integrated_reach,
)

POOL = ClonePool(n_hsc=100_000.0, divisions_per_year=365.25 / 280.0)


def test_bins_start_at_the_detection_limit_and_end_at_half():
    for study in STUDIES.values():
        edges = study_bin_edges(study.detection_limit_vaf)
        assert edges[0] == pytest.approx(study.detection_limit_vaf) and edges[-1] == 0.5
        assert np.all(np.diff(edges) > 0)


def test_gamma_mass_is_a_probability_and_tracks_the_mean():
    s = selection_grid()
    mass = gamma_bin_mass(s, 2.0, 50.0)
    assert mass.sum() == pytest.approx(1.0) and (mass >= 0).all()
    assert (mass * s).sum() == pytest.approx(2.0 / 50.0, rel=0.05)


def test_clones_reach_low_vafs_more_often_and_more_with_age_and_fitness():
    s = np.array([0.01, 0.1])
    reach = time_integrated_reach(POOL, s, np.array([40.0, 80.0]), np.array([0.001, 0.01, 0.1, 0.5]))
    assert np.all(np.diff(reach, axis=2) <= 0)  # fewer clones above a higher VAF
    assert np.all(reach[:, 1, :3] > reach[:, 0, :3])  # older: more
    assert np.all(reach[1, :, :3] > reach[0, :, :3])  # fitter: more
    assert np.all(reach[:, :, 3] == 0.0)  # VAF 1/2 is never reached


def _synthetic(shape: float, rate: float, seed: int) -> list[StudyCounts]:
    """Two studies (deep and shallow sequencing) whose variant counts are drawn from the model itself."""
    rng = np.random.default_rng(seed)
    s = selection_grid(60)
    out = []
    for name, limit, ages in (("deep", 0.001, np.array([55.0, 65.0])), ("shallow", 0.02, np.array([70.0, 80.0]))):
        edges = study_bin_edges(limit)
        reach = time_integrated_reach(POOL, s, ages, edges, n_tau=80)
        g = np.tensordot(gamma_bin_mass(s, shape, rate), reach, axes=1)
        p_bin = -np.diff(g, axis=1) / g[:, :1]
        counts = np.array([rng.multinomial(400, p / p.sum()) for p in p_bin], dtype=float)
        out.append(StudyCounts(name, ages, edges, counts, reach))
    return out


def test_the_fit_recovers_a_known_selection_law_inside_its_profile_interval():
    studies = _synthetic(1.0, 25.0, seed=3)  # mean selection 0.04 per year
    fit = fit_selection_law(studies, selection_grid(60))
    low, high = fit.profile_interval("rate", n_points=41, span_log10=0.5)
    assert low <= 25.0 <= high
    assert high / low < 2.0  # the spectrum pins the gamma rate (the tail of fit drivers); the shape less so


def test_the_data_file_is_shipped_and_censored_at_each_detection_limit():
    table = load_watson_vafs(WATSON_CSV)
    assert len(table) == 1675
    fitted = table[table["in_fit"]]
    assert set(fitted["study"]) == set(STUDIES) - {"Jaiswal2014", "Genovese2014"}  # no ages there
    limits = fitted["study"].map({k: v.detection_limit_vaf for k, v in STUDIES.items()})
    assert (fitted["VAF"] >= limits).all() and (fitted["VAF"] < 0.5).all()


@pytest.mark.slow
def test_the_fit_to_the_watson_compilation_is_the_one_documented():
    studies = study_counts(load_watson_vafs(), POOL, selection_grid())
    fit = fit_selection_law(studies, selection_grid())
    assert fit.n_variants == 990
    assert fit.shape == pytest.approx(1.78, rel=0.03) and fit.rate_years == pytest.approx(42.3, rel=0.03)
    assert fit.log_likelihood - fit.log_likelihood_at(0.779, 35.6) > 1.92  # Spencer Chapman 2024 outside the 95% region


def test_is_diversity_table_reads_the_is_study_layout(tmp_path):
    from hemasim.clonal.gene_therapy import is_diversity_table

    path = tmp_path / "is.tsv"
    path.write_text("chr\tintegration_locus\tP1_CD15_PB_12\tP1_CD3_PB_06\tall\n1\t10\t5\t\t5\n2\t20\t5\t7\t12\n",
                    encoding="utf-8")
    table = is_diversity_table(path)
    assert list(table["marker"]) == ["CD15", "CD3"] and list(table["month"]) == [12, 6]
    assert table.loc[0, "shannon"] == pytest.approx(np.log(2)) and table.loc[1, "sites"] == 1


def test_a_vaf_cap_ends_the_bins_and_drops_studies_that_only_see_above_it():
    assert study_bin_edges(0.001, 0.2)[-1] == 0.2
    table = load_watson_vafs(max_vaf=0.2)
    assert not table.loc[table["study"] == "ZinkWGS", "in_fit"].any()  # whole genomes: limit 0.236
    assert (table.loc[table["in_fit"], "VAF"] < 0.2).all()


def test_the_bootstrap_refits_resampled_variants():
    studies = _synthetic(1.0, 25.0, seed=4)
    boot = bootstrap_selection_law(studies, selection_grid(60), n_boot=4, seed=1)
    assert boot.shape == (4, 2) and (boot > 0).all()
    assert len({tuple(row) for row in boot}) == 4  # each resample differs
