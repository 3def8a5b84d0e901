"""A8, A9 (branch predict32b): CH in the UK Biobank's 200,631 exomes at ages 40-69 (Leukemia 2022;36:507, PMC8807385,
Table 1), registered before the model was run on them. The bands are the Wilson intervals of the source's counts, the
read-outs count CH as A1 does (a panel driver at VAF >= 2%, expected over panel membership), and the expectation over
panel membership is what the clones give."""

import re

import numpy as np
import pytest

from hemasim.clonal.ch import CHCohortResult
from hemasim.validation import load_targets
from hemasim.validation import predictions13 as p13
from hemasim.validation.chemotherapy_schedules import wilson_interval_pct
from hemasim.validation.readouts import READOUTS


def _target(tid: str) -> dict:
    return next(t for group in load_targets().values() for t in group if t["id"] == tid)


@pytest.mark.parametrize(("tid", "k", "n"), [("A8", 3482, 200_631), ("A9", 218, 3482)])
def test_the_bands_are_the_wilson_intervals_of_the_counts(tid, k, n):
    t = _target(tid)
    low, high = wilson_interval_pct(k / n, n)
    (check,) = t["checks"]
    assert check["band"] == [pytest.approx(low / 100, abs=1e-6), pytest.approx(high / 100, abs=1e-6)]
    assert t["class"] == "prediction" and t["band_basis"] == "uncertainty"
    assert all(c["readout"] in p13.PREDICTIONS13 and c["readout"] in READOUTS
               for c in [*t["checks"], *t.get("info_checks", [])])


def test_the_counts_banded_are_the_ones_the_targets_quote_from_the_table():
    """The Wilson counts above (3,482 of 200,631; 218 of 3,482) are read from the targets' own text: the table's two
    halves as A8's source quotes them add up to them, and A8's and A9's values state them."""
    a8, a9 = _target("A8"), _target("A9")
    num = r"(\d{1,3}(?:,\d{3})*)"

    def whole(text: str) -> int:
        return int(text.replace(",", ""))

    halves = re.search(rf"'Myeloid genes' {num} \+ {num} = {num}", " ".join(a8["source"].split()))
    people = re.search(rf"{num} participants \(discovery {num}, validation {num}\)", " ".join(a8["source"].split()))
    assert halves and people
    assert whole(halves[1]) + whole(halves[2]) == whole(halves[3]) == 3482
    assert whole(people[2]) + whole(people[3]) == whole(people[1]) == 200_631
    assert a8["value"].startswith("3,482 of 200,631 participants")
    assert a9["value"].startswith("218 of the 3,482 carriers")


def _fake_cohort(clones: np.ndarray, f: float) -> CHCohortResult:
    people, ages = clones.shape
    zeros = np.zeros((people, ages))
    return CHCohortResult(np.arange(ages, dtype=float), zeros, zeros, zeros, clones.astype(np.int32), {}, f, 0)


def test_the_carrier_probabilities_are_the_binomial_panel_membership(monkeypatch):
    # person 0: no clone; person 1: one clone at every age; person 2: three clones at every age (ages 0-69)
    clones = np.zeros((3, 70), dtype=int)
    clones[1], clones[2] = 1, 3
    f = 0.2
    monkeypatch.setattr(p13, "_ukb_cohort", lambda: _fake_cohort(clones, f))
    p1 = [0.0, f, 1 - (1 - f) ** 3]
    p2 = [0.0, 0.0, 1 - (1 - f) ** 3 - 3 * f * (1 - f) ** 2]
    assert p13.ukb_ch_prevalence() == pytest.approx(np.mean(p1))
    assert p13.ukb_ch_multiple_share() == pytest.approx(sum(p2) / sum(p1))
    # three clones with f = 1: every carrier has two or more; one clone each: none has
    clones[2] = 1
    monkeypatch.setattr(p13, "_ukb_cohort", lambda: _fake_cohort(clones, 1.0))
    assert p13.ukb_ch_multiple_share() == 0.0
    clones[1:] = 3
    assert p13.ukb_ch_multiple_share() == pytest.approx(1.0)


def test_the_band_holds_only_the_ukb_ages(monkeypatch):
    clones = np.zeros((1, 70), dtype=int)
    clones[0, :40] = 5  # clones before 40 only: not in the band
    monkeypatch.setattr(p13, "_ukb_cohort", lambda: _fake_cohort(clones, 0.5))
    assert p13.ukb_ch_prevalence() == 0.0
    clones[0, 45:] = 1  # 25 of the 30 years 40-69 with one clone; 45-69 all of them
    assert p13.ukb_ch_prevalence() == pytest.approx(0.5 * 25 / 30)
    assert p13.ukb_ch_prevalence_45_69() == pytest.approx(0.5)


@pytest.mark.slow
def test_the_first_run_holds_a8_above_and_a9_below_their_bands():
    """The outcome of the first run (predict32b), held: the cohort is seeded, so the read-outs reproduce; A8 fails
    above its band (not decisive by its rule), A9 below (decisive)."""
    from hemasim.validation import _target as judge
    from hemasim.validation.base import ValidationRuns

    runs = ValidationRuns()
    a8, a9 = (judge("aging", _target(tid), runs) for tid in ("A8", "A9"))
    assert a8.status == "fail" and a9.status == "fail"
    assert p13.ukb_ch_prevalence() == pytest.approx(0.03839, rel=1e-3)
    assert p13.ukb_ch_prevalence() > _target("A8")["checks"][0]["band"][1]
    assert p13.ukb_ch_prevalence_45_69() == pytest.approx(0.04472, rel=1e-3)
    assert p13.ukb_ch_multiple_share() == pytest.approx(0.02167, rel=1e-3)
    assert p13.ukb_ch_multiple_share() < _target("A9")["checks"][0]["band"][0]
