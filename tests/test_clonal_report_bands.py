"""The clonal report draws Jaiswal 2014's bands as target A1 judges them (95% Wilson intervals of the counts)."""

import pytest

from hemasim.clonal.report import JAISWAL_2014_COUNTS, wilson_interval
from hemasim.validation import load_targets


def test_the_report_bands_are_the_a1_bands():
    a1 = next(t for group in load_targets().values() for t in group if t["id"] == "A1")
    bands = {c["readout"]: c["band"] for c in a1["checks"]}
    for (low, high), (cases, people) in JAISWAL_2014_COUNTS.items():
        readout = f"ch_prevalence_{low}_{high - 1}"
        assert wilson_interval(cases, people) == pytest.approx(tuple(bands[readout]), abs=1e-4)


def test_the_vaf_figure_of_lifespans_short_of_every_snapshot_age_warns_nothing_and_says_why():
    """--max-age 30: no clone is recorded at a snapshot age; the figure drew an empty legend, and matplotlib warned
    "No artists with labels found to put in legend" on the command's stderr."""
    import warnings

    from hemasim.clonal.ch import simulate_ch_cohort
    from hemasim.clonal.report import vaf_figure
    from hemasim.report.html import png_bytes

    cohort = simulate_ch_cohort(20, max_age_years=30, seed=1, pool_size=2_000)
    assert len(cohort.snapshots["age_years"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = vaf_figure(cohort)
        assert png_bytes(fig)[:4] == b"\x89PNG"
    (ax,) = fig.axes
    assert ax.get_legend() is None
    assert any("no driver clone" in t.get_text() and "age 30" in t.get_text() for t in ax.texts)


def test_the_vaf_figure_labels_each_snapshot_age_it_draws():
    from hemasim.clonal.ch import simulate_ch_cohort
    from hemasim.clonal.report import vaf_figure

    cohort = simulate_ch_cohort(20, max_age_years=60, seed=1, pool_size=2_000, min_selection_per_year=0.0)
    (ax,) = vaf_figure(cohort).axes
    drawn = sorted(set(cohort.snapshots["age_years"].tolist()))
    assert drawn == [50.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["age 50"] and not ax.texts
