"""Plots and the self-contained HTML report of a run."""

from hemasim.report.html import render_cohort_report, render_report
from hemasim.report.plots import lineage_figure

__all__ = ["lineage_figure", "render_cohort_report", "render_report"]
