"""The naive CD4 recovery after Cy/ATG and an autologous graft, diagnosed (docs/thymic_rebound_diagnosis.py;
docs/transplant.md, "Naive CD4 recovery after Cy/ATG: diagnosis"): the facts the page rests on, on R7's scenario.
If a model change breaks them, the page must be revised with it."""

from __future__ import annotations

import math
from pathlib import Path
from types import ModuleType

import pytest

from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "thymic_rebound_diagnosis.py"


@pytest.fixture(scope="module")
def diag() -> ModuleType:
    return load_script(SCRIPT)


@pytest.fixture(scope="module")
def shipped(diag: ModuleType) -> dict[str, float]:
    return diag.summary(diag.run({}))


@pytest.mark.slow
def test_the_thymus_refills_within_days_and_exports_at_its_rebound(shipped: dict[str, float]) -> None:
    # Cy/ATG leaves about 1 naive CD4 cell in 1,000, but the emptied thymus refills from its niche reserve before the
    # graft: its kill is not what holds the naive pool back
    assert shipped["naive CD4 after the kill / before"] < 0.002
    assert shipped["thymocytes after the kill / before"] > 0.5
    assert 2.0 < shipped["thymic CD4 export m1 / before"] <= 3.0  # near the a-priori 3-fold maximum


@pytest.mark.slow
def test_the_naive_pool_is_limited_by_the_size_of_thymic_export(diag: ModuleType, shipped: dict[str, float]) -> None:
    # resting thymic export: a tenth of naive production, i.e. 0.1 x ln 2 / 4.2 y of the pool a day (16% more in this
    # woman: export is set by the reference adult's thymus, her naive pool is smaller with her blood volume)
    per_day = shipped["baseline thymic export / pool, per day"]
    assert 0.1 * math.log(2) / (4.2 * 365.25) < per_day < 1.3 * 0.1 * math.log(2) / (4.2 * 365.25)
    # R7's read-out, and under a tenth of the pool made by the thymus in the first year
    assert shipped["naive CD4 m12 / before"] < 0.1
    assert shipped["year 1: thymic export / pool before"] < 0.1
    # not even the rebound's upper bound brings naive CD4 back to a quarter of its level in a year
    top = diag.summary(diag.run({"thymic_lymphopenia_max_fold": 20.0}))
    assert shipped["naive CD4 m12 / before"] < top["naive CD4 m12 / before"] < 0.25
