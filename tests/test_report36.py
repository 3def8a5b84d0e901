"""The report as a reader sees it (branch report36): the drug plot's true peak, the transplant's endpoint table in
groups, one chimerism table for identical arms, and a print style sheet."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import example_run


@pytest.mark.slow
def test_the_drawn_docetaxel_curve_reaches_the_stated_cmax_and_follows_the_simulated_course():
    """On the 0.25-day output grid a 1-h infusion's peak fell between samples: the plot drew docetaxel at ~39 ng/mL
    beside a stated Cmax of 2,837 ng/mL. Drawn from the PK at fine steps round each dose, its highest point is the
    Cmax endpoint's, and at the output times it is the simulated concentration (the same PK)."""
    from hemasim.endpoints import evaluate_endpoints  # noqa: PLC0415
    from hemasim.interventions.dosed import drawn_course  # noqa: PLC0415
    from hemasim.report.plots import drug_figure  # noqa: PLC0415

    result = example_run("docetaxel_q3w.yaml")
    cmax = next(e.value for e in evaluate_endpoints(result) if e.name == "docetaxel_cmax_ng_per_mL")
    fig = drug_figure(result)
    drawn = max(float(np.nanmax(line.get_ydata())) for ax in fig.axes for line in ax.lines
                if len(line.get_ydata()) > 2)  # the curve, not the dose lines (two points each)
    assert cmax is not None and abs(drawn - cmax) / cmax < 0.02
    sampled = result.observable("docetaxel_concentration_ng_per_mL")
    assert sampled.max() < 0.05 * cmax  # the grid alone misses the peak (why the course is drawn densely)
    days, conc = drawn_course(result, "docetaxel")
    at_outputs = conc[np.searchsorted(days, result.times)]
    shown = sampled > 1e-4 * sampled.max()
    np.testing.assert_allclose(at_outputs[shown], sampled[shown], rtol=1e-4)
