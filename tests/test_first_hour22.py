"""The twenty-second session's first-hour review (branch firsthour): what a new user met on a clean clone, each test
failing on the code or pages before the mend."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def test_the_readme_counts_the_predictions_the_generated_card_counts():
    # the README said "51 of 85 predictions pass" two sessions after the card had 87 predictions
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    card = (ROOT / "docs" / "validation_predictions.md").read_text(encoding="utf-8")
    said = re.search(r"today (\d+) of (\d+) predictions pass \((\d+) on a published interval", readme)
    summary = re.search(r"Card summary: predictions: (\d+) pass / (\d+) \((\d+) on a published interval", card)
    assert said is not None and summary is not None
    assert said.groups() == summary.groups(), (
        "README.md's Status paragraph: copy the counts of docs/validation_predictions.md's card summary")


def test_a_sensitivity_ranking_leaves_out_an_endpoint_that_moves_by_the_integrators_error(monkeypatch):
    # hemasim sensitivity examples/marrow_depletion.yaml --parameters hsc_count,anc_setpoint_1e9_per_L: the
    # platelet nadir, steady to 1e-14 over the design, got a full bar for hsc_count (mu* 1.2e-14, axis "1e-14")
    import numpy as np
    import pandas as pd

    import hemasim.sensitivity.plots as plots
    from hemasim.sensitivity.run import SensitivityResult

    indices = pd.DataFrame({"endpoint": ["anc_nadir", "anc_nadir", "platelets_nadir", "platelets_nadir"],
                            "factor": ["hsc_count", "anc_setpoint", "hsc_count", "anc_setpoint"],
                            "mu_star": [7e-10, 0.78, 1.2e-14, 0.0], "sigma": [8e-10, 0.16, 8e-15, 0.0]})
    samples = pd.DataFrame({"hsc_count": [5e4, 1e5, 2e5], "anc_setpoint": [2.4, 4.75, 9.5],
                            "anc_nadir": [0.24, 0.48, 0.95], "platelets_nadir": 28.3 + np.array([0.0, 1e-14, 2e-14])})
    result = SensitivityResult("morris", [], indices, samples, 0.0, None, units={})  # type: ignore[arg-type]
    monkeypatch.setattr(plots, "_save", lambda fig: fig)
    fig = plots.ranking_figure(result)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["anc_nadir"]
    assert "integrator's error over the design: platelets_nadir" in fig.get_supxlabel()
    # a real effect, however small against another endpoint's, is drawn
    samples["platelets_nadir"] = [28.0, 28.3, 28.6]
    fig = plots.ranking_figure(result)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["anc_nadir", "platelets_nadir"]
    assert not fig.get_supxlabel()
