"""The gene-therapy tutorial (docs/tutorials/gene_therapy.py, firsthour): a gene-therapy researcher's way to clone
diversity over five years, run as a script; what its text says of the result is what the code computes."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorials" / "gene_therapy.py"


@pytest.mark.slow
def test_the_gene_therapy_tutorial_runs_and_says_what_it_computes():
    import matplotlib

    matplotlib.use("Agg")  # its figures are notebook output; as a script nothing is shown
    tutorial = runpy.run_path(str(TUTORIAL))
    summary = tutorial["summary"]
    granulocytes = summary[summary.marker == "CD15"]
    reduced, ablative = (granulocytes[granulocytes.conditioning == label] for label in tutorial["conditioning"])
    # "about 5% after reduced intensity, 45% after myeloablation"
    assert 0.03 < reduced.vector_marked_fraction.mean() < 0.08
    assert 0.35 < ablative.vector_marked_fraction.mean() < 0.55
    # sites and Shannon fall over the five years, faster after reduced intensity
    for run in (reduced, ablative):
        assert run.sites.iloc[-1] < run.sites.iloc[0] and run.shannon.iloc[-1] < run.shannon.iloc[0]
    assert reduced.sites.iloc[-1] / reduced.sites.iloc[0] < ablative.sites.iloc[-1] / ablative.sites.iloc[0]
    assert list(reduced.month) == list(tutorial["MONTHS"]) and max(reduced.month) == 60
    # reads after amplification are less even than the templates they come from
    assert all(row["shannon_reads"] < row["shannon_templates"] for row in tutorial["rows"])
    matplotlib.pyplot.close("all")
