"""Figures and numbers of docs/clonal_data.md: the driver selection law fitted to the Watson 2020 VAF spectrum
(observed vs fitted, per study) and the WAS1004 integration-site diversity over time (observed vs simulated).

Run from a source checkout: ``python docs/clonal_data.py`` (about 30 s). Writes docs/images/clonal_vaf_spectrum.png
and docs/images/clonal_was_is_diversity.png and prints the fit. The observed IS numbers are the summary of the
Calabria 2024 table kept in data/calabria2024_was_is/README.md (the table itself is not redistributable).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from hemasim.clonal.vaf_fit import (
    ClonePool,
    bootstrap_selection_law,
    fit_selection_law,
    gamma_bin_mass,
    load_watson_vafs,
    selection_grid,
    study_counts,  # noqa: E402
)
from hemasim.parameters import healthy_adult_parameters  # noqa: E402
from hemasim.validation.clonal_engine import _was1004_course  # noqa: E402

IMAGES = Path(__file__).parent / "images"
#: data/calabria2024_was_is/README.md: (month, Shannon) of PB CD15 and PB CD3 of WAS1004
OBSERVED_IS = {"CD15": [(1, 6.80), (3, 5.89), (6, 4.73), (12, 4.79), (18, 5.16), (24, 4.21), (30, 5.08), (36, 5.92),
                        (48, 4.49)],
               "CD3": [(1, 0.60), (2, 0.80), (3, 2.59), (6, 4.21), (12, 4.84), (18, 4.79), (24, 4.93), (30, 5.11),
                       (36, 5.99), (48, 4.39)]}


def vaf_figure() -> None:
    p = healthy_adult_parameters()
    cited = (p.value("driver_selection_gamma_shape"), p.value("driver_selection_gamma_rate_years"))
    s_grid = selection_grid()
    studies = study_counts(load_watson_vafs(), ClonePool.from_parameters(p), s_grid)
    fit = fit_selection_law(studies, s_grid)
    print(f"fit: {fit.n_variants} variants in {len(studies)} studies; shape {fit.shape:.3g} "
          f"{fit.profile_interval('shape')}, rate {fit.rate_years:.3g}/y {fit.profile_interval('rate')}, mean s "
          f"{fit.mean_selection_per_year:.3g}/y {fit.profile_interval('mean')}; log-likelihood "
          f"{fit.log_likelihood:.2f}, at the cited law {fit.log_likelihood_at(*cited):.2f}")
    boot = bootstrap_selection_law(studies, s_grid, n_boot=200, seed=0)
    for name, values in (("shape", boot[:, 0]), ("rate", boot[:, 1]), ("mean s", boot[:, 0] / boot[:, 1])):
        print(f"bootstrap (200 resamples) {name}: 2.5, 50, 97.5 percentiles {np.percentile(values, [2.5, 50, 97.5])}")
    fitted_mass, cited_mass = gamma_bin_mass(s_grid, fit.shape, fit.rate_years), gamma_bin_mass(s_grid, *cited)
    fig, axes = plt.subplots(2, 4, figsize=(14, 6), layout="constrained")
    for ax, study in zip(axes.flat, studies, strict=False):
        centres = np.sqrt(study.edges[1:] * study.edges[:-1])
        ax.bar(centres, study.counts.sum(axis=0), width=np.diff(study.edges), color="0.75", edgecolor="0.4",
               label="observed")
        ax.plot(centres, study.expected_counts(fitted_mass), "C3o-", ms=3, label="fitted law")
        ax.plot(centres, study.expected_counts(cited_mass), "C0--", label="cited law (Spencer Chapman 2024)")
        ax.set_xscale("log")
        ax.set_title(f"{study.name} (n = {int(study.counts.sum())})", fontsize=9)
        ax.set_xlabel("VAF")
    axes.flat[0].set_ylabel("variants per bin")
    axes.flat[0].legend(fontsize=7)
    for ax in axes.flat[len(studies):]:
        ax.axis("off")
    fig.savefig(IMAGES / "clonal_vaf_spectrum.png", dpi=110)


def robustness() -> None:
    """The fit with the large clones left out (VAF caps) and with other pool sizes N (division rate fixed)."""
    p = healthy_adult_parameters()
    cited = (p.value("driver_selection_gamma_shape"), p.value("driver_selection_gamma_rate_years"))
    s_grid, pool = selection_grid(), ClonePool.from_parameters(p)
    for cap in (0.5, 0.2, 0.1):
        studies = study_counts(load_watson_vafs(max_vaf=cap), pool, s_grid, max_vaf=cap)
        fit = fit_selection_law(studies, s_grid)
        low, high = fit.profile_interval("rate", n_points=61, span_log10=0.6)
        print(f"VAF < {cap}: {fit.n_variants} variants, shape {fit.shape:.3g}, rate {fit.rate_years:.3g} "
              f"({low:.3g}-{high:.3g}), mean s {fit.mean_selection_per_year:.3g}; log-likelihood drop at the cited "
              f"law {fit.log_likelihood - fit.log_likelihood_at(*cited):.1f}")
    table = load_watson_vafs()
    for n_hsc in (1e4, 3e4, 1e5, 3e5, 1e6):
        fit = fit_selection_law(study_counts(table, ClonePool(n_hsc, pool.divisions_per_year), s_grid), s_grid)
        print(f"N = {n_hsc:.0e}: shape {fit.shape:.3g}, rate {fit.rate_years:.3g}, mean s "
              f"{fit.mean_selection_per_year:.3g}, log-likelihood {fit.log_likelihood:.2f}")


def competition_check() -> None:
    """Does competition between clones explain the missing large clones? The full cohort simulation (clones
    competing in a held pool, the cited law; 1,000 lifespans, seed 0) at age 70 against the no-competition
    formula of the fit and Coombs 2017 (median carrier age 70), as shares of the clones above its limit."""
    from hemasim.clonal.ch import simulate_ch_cohort
    from hemasim.clonal.vaf_fit import STUDIES, StudyCounts, study_bin_edges, time_integrated_reach

    p = healthy_adult_parameters()
    cited = (p.value("driver_selection_gamma_shape"), p.value("driver_selection_gamma_rate_years"))
    snapshots = simulate_ch_cohort(1000, seed=0, step_years=0.5, snapshot_ages=(70.0,)).snapshots
    vaf = snapshots["vaf"][snapshots["age_years"] == 70.0]
    edges = study_bin_edges(STUDIES["Coombs2017"].detection_limit_vaf)
    table = load_watson_vafs()
    observed = np.histogram(table.loc[(table["study"] == "Coombs2017") & table["in_fit"], "VAF"], bins=edges)[0]
    simulated = np.histogram(vaf[(vaf >= edges[0]) & (vaf < 0.5)], bins=edges)[0]
    s_grid, ages = selection_grid(), np.array([70.0])
    formula = StudyCounts("Coombs2017", ages, edges, np.zeros((1, len(edges) - 1)),
                          time_integrated_reach(ClonePool.from_parameters(p), s_grid, ages, edges))
    no_competition = formula.bin_probabilities(gamma_bin_mass(s_grid, *cited))[0]
    print("Coombs 2017 bins from", np.round(edges, 3))
    for label, share in (("observed", observed / observed.sum()), ("simulated, competing", simulated / simulated.sum()),
                         ("formula, no competition", no_competition)):
        print(f"  {label}: {np.round(share, 3)}")


def is_figure() -> None:
    course = _was1004_course()
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained", sharey=True)
    for ax, marker, target in zip(axes, ("CD15", "CD3"), ("H1", "H2"), strict=True):
        months, shannon = zip(*OBSERVED_IS[marker], strict=True)
        ax.plot(months, shannon, "ko-", label="observed (WAS1004, Calabria 2024)")
        sim = [(float(r["month"]), float(r["shannon"])) for r in course if r["marker"] == marker]
        ax.plot(*zip(*sim, strict=True), "C3s--", label="simulated (inputs assumed)")
        late = [v for m, v in OBSERVED_IS[marker] if 12 <= m <= 48]
        ax.axhspan(min(late), max(late), xmin=0.25, color="0.85", label=f"{target} band (months 12-48)")
        ax.set_title(f"PB {marker}")
        ax.set_xlabel("months after gene therapy")
    axes[0].set_ylabel("Shannon index of IS reads (nats)")
    axes[0].legend(fontsize=7)
    fig.savefig(IMAGES / "clonal_was_is_diversity.png", dpi=110)
    for r in course:
        print(r["marker"], r["month"], round(float(r["shannon"]), 2), int(r["sites"]))


if __name__ == "__main__":
    vaf_figure()
    robustness()
    competition_check()
    is_figure()
