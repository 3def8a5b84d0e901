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
