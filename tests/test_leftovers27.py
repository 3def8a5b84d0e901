"""Small report items left by the twenty-fourth session (leftovers27): times below a day, chimerism's unit, units as
a reader writes them, the filgrastim sets' descriptions, the bulk-VCN note written once."""

from __future__ import annotations


def test_a_day_below_one_reads_to_three_digits_with_its_hours():
    # a docetaxel Cmax at the end of a 1-hour infusion read "0.04167" in the endpoint table
    from hemasim.endpoints import EndpointValue
    from hemasim.report.html import endpoint_text
    from hemasim.report.key_results import _amount, value_text

    e = EndpointValue("docetaxel_cmax_day", 1.0 / 24.0, "day", "day of the highest docetaxel plasma concentration")
    assert endpoint_text(e) == "0.0417 (1 h)"
    assert value_text("day after graft", 0.25) == "0.25 (6 h)"
    assert _amount("days_anc_below_0p5", "day", 0.5) == "0.5 days (12 h)"
    # a day of one or more, and a count of none, as before
    assert value_text("day", 63.041667) == "63.04" and value_text("day", 0.0) == "0"
    assert _amount("days_anc_below_0p5", "day", 1.0) == "1 day"
