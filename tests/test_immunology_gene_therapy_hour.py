"""An immunologist's and a gene-therapy researcher's first hour (harden10): what the reports say about their read-outs
(units, definitions, what is assumed), and their endpoints where a run is short."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def ch_page() -> tuple[str, object]:
    from hemasim.clonal.report import render_ch_report, run_ch_population

    run = run_ch_population(30, seed=0, example_pool_size=300)
    return render_ch_report(run), run


def test_the_ch_report_defines_vaf_and_says_it_is_exact_not_sequenced(ch_page):
    page, _ = ch_page
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    assert "VAF (variant allele fraction) = the clone's share of the HSC pool / 2" in text
    assert "no sequencing depth, read sampling or error" in text
    for column in ("CH prevalence (expected over panel membership):", "sampled panel:", "Any driver clone:"):
        assert column in text  # each column of the prevalence table is defined


def test_the_clone_history_title_counts_the_clones_ever_tracked_not_the_pool(ch_page):
    from hemasim.report.clonal_plots import clone_history_figure

    _, run = ch_page
    fig = clone_history_figure(run.example, title="one lifespan")
    tracked = len(run.example.tracked)
    assert fig.axes[0].get_title() == f"one lifespan: {tracked} clones ever among the largest"
