"""The fit behind the naive pools' decline at the reference age (branch naiveage, issue 17; docs/model.md, "Naive
pools with age: a pool already shrinking at the reference age"): the script reproduces the shipped values from its
data, and its data are not a validation target's source."""

from pathlib import Path

import pytest

from hemasim.biology.lymphoid import NAIVE_DECLINE_PARAMETER
from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import Fitted
from hemasim.validation import load_targets
from tests._scripts import load_script

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def fit_script():
    return load_script(ROOT / "docs" / "naive_decline_fit.py")


def test_the_fit_reproduces_the_shipped_declines_and_their_ranges(fit_script):
    params = healthy_adult_parameters()
    result = fit_script.fit()
    for pool, half_life in fit_script.HALF_LIFE.items():
        p = params[NAIVE_DECLINE_PARAMETER[half_life]]
        assert isinstance(p.provenance, Fitted) and p.provenance.data == ("data/naive_counts_by_age/folds.csv",)
        r = result[pool]
        assert p.value == pytest.approx(r["delta"], rel=1e-3)
        assert p.plausible_range is not None
        assert (p.plausible_range.low, p.plausible_range.high) == pytest.approx((r["delta_low"], r["delta_high"]),
                                                                                rel=1e-3)
        # the pool at 80 y is the data's fold smaller than a young adult's, and a wider fold needs a faster decline
        assert fit_script.history_at(pool, r["delta"], fit_script.OLD_AGE) == pytest.approx(1.0 / r["fold"], rel=1e-6)
        assert r["delta_low"] < r["delta"] < r["delta_high"]


def test_the_fit_data_are_no_validation_targets_source(fit_script):
    """The cohort of the fit must not be one a prediction target reads (R1/R2: Fagnoni 2000; A4-A7's cohorts)."""
    sources = " ".join(str(t.get("source", "")) for group in load_targets().values() for t in group).lower()
    for row in fit_script.read_data():
        if row["source"] != "as above":
            assert row["source"].lower() not in sources
    assert "moh-it.pure.elsevier.com" not in sources
    for author in ("fagnoni", "qin 2016", "utsuyama", "jentsch", "chng", "alam", "thyagarajan"):
        assert all(author not in (row["source"] + row["where_read"]).lower() for row in fit_script.read_data())
