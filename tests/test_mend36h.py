"""ux36's transplant physician's walk: read-outs the report and endpoints left out or mislabelled (mend36h)."""

from __future__ import annotations

import numpy as np

from hemasim.interventions.vaccine import vaccine_endpoint_values


def test_vaccine_read_outs_after_the_run_are_none_with_a_note() -> None:
    # doses on days 188 and 371 of a 372-day run: the day-28 read-outs (day 399) were left out without a word
    times = np.arange(0.0, 373.0)
    rise = np.where(times >= 190, 1.0, 0.0)[None, :]
    obs = {"tetanus_plasmablasts_au": rise.copy(), "tetanus_igg_au": rise.copy()}
    cols = {c.name: c for c in vaccine_endpoint_values(times, obs, {"tetanus": ((188.0, 1.0), (371.0, 1.0))})}
    for end in ("igg_day28_au", "relative_response", "responder", "fold_rise", "fold_rise_responder"):
        c = cols[f"tetanus_{end}"]
        assert np.isnan(c.values).all() and c.values.shape == (1,)
        assert c.missing is not None and "day 372" in c.missing and "day 399" in c.missing
        assert "duration_days >= 399" in c.missing
    assert not np.isnan(cols["tetanus_igg_peak_au"].values).any()
