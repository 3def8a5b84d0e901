"""Figures leave the caller's matplotlib backend alone (a notebook's inline plots keep working after a report)."""

from __future__ import annotations

import pytest

from .conftest import EXAMPLES


def test_a_report_figure_keeps_the_selected_backend():
    matplotlib = pytest.importorskip("matplotlib")
    from hemasim.assembly import run_scenario
    from hemasim.report.plots import lineage_figure
    from hemasim.scenario import load_scenario

    before = matplotlib.get_backend()
    matplotlib.use("svg")  # stands in for a notebook's inline backend: any backend that is not Agg
    try:
        scenario = load_scenario(EXAMPLES / "healthy_adult.yaml").model_copy(update={"duration_days": 5.0})
        fig = lineage_figure(run_scenario(scenario))
        assert fig.axes
        assert matplotlib.get_backend() == "svg"
    finally:
        matplotlib.use(before)
