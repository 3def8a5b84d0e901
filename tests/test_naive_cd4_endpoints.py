"""The transplant's naive CD4 read-outs (branch naive37; ux37b: "No naive CD4 read-out anywhere except
timeseries.csv"): ``naive_cd4_per_uL_month{6,12,24}`` after the graft and ``naive_cd4_ratio_month12_to_before``,
which reads target R7's "before" (:func:`hemasim.endpoints.value_before_day`), so the endpoint and the card agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hemasim.interventions.transplant import (
    NAIVE_CD4_MONTHS,
    TRANSPLANT_OBSERVABLES,
    first_conditioning_or_graft_day,
    transplant_endpoint_values,
)
from hemasim.model.laws import DAYS_PER_YEAR
from hemasim.report.html import endpoint_group

NAMES = (*(f"naive_cd4_per_uL_month{m}" for m in NAIVE_CD4_MONTHS), "naive_cd4_ratio_month12_to_before")
REFS = {"nk_reference_per_uL": 1.0, "cd8_reference_per_uL": 1.0, "b_reference_per_uL": 1.0,
        "cd4_reference_per_uL": 800.0}


def test_ms_example_ratio_equals_target_r7s_readout():
    from hemasim.validation import reconstitution_and_ageing as r7
    from hemasim.validation.scenario_runs import endpoints_of

    endpoints = endpoints_of(r7._MS)  # the MS example's run, as the validation reads it
    card = r7._TRANSPLANT["ms_hsct_naive_cd4_ratio_month12_to_before"].measure()
    assert 0.0 < card < 1.0  # a ratio the run computed (R7 fails low: docs/immunity.md)
    assert endpoints["naive_cd4_ratio_month12_to_before"] == pytest.approx(card, rel=0.0, abs=1e-9)
    month = DAYS_PER_YEAR / 12.0
    for m in NAIVE_CD4_MONTHS:  # linear between the outputs, the day graft + m months
        want = float(np.interp(r7._MS_GRAFT_DAY + m * month, r7._MS().times, r7._MS().observable("naive_cd4_per_uL")))
        assert endpoints[f"naive_cd4_per_uL_month{m}"] == pytest.approx(want, rel=1e-12)
    assert endpoints["naive_cd4_per_uL_month6"] < endpoints["naive_cd4_per_uL_month12"] \
        < endpoints["naive_cd4_per_uL_month24"]  # the thymus's regrowth


def test_a_run_ending_before_month_24_has_none_with_the_note():
    days = np.arange(0.0, 400.0, 1.0)  # month 12 (day 365.25) read, month 24 (730.5) after the run's end
    naive = np.array([20.0 + days, 2.0 * days])
    obs = {name: np.ones((2, days.size)) for name in TRANSPLANT_OBSERVABLES} | {"naive_cd4_per_uL": naive}
    cols = {c.name: c for c in transplant_endpoint_values(days, obs, REFS, naive_cd4_before=np.array([500.0, 0.0]),
                                                          before_day=5.0)}
    assert set(NAMES) <= set(cols)
    assert np.allclose(cols["naive_cd4_per_uL_month6"].values, [20.0 + 182.625, 2.0 * 182.625])
    assert np.allclose(cols["naive_cd4_per_uL_month12"].values, [385.25, 730.5])
    month24 = cols["naive_cd4_per_uL_month24"]
    assert np.isnan(month24.values).all() and month24.missing == "after the end of the run"
    ratio = cols["naive_cd4_ratio_month12_to_before"]
    # patient 1 had no naive CD4 before: no ratio (not a division by 0)
    assert ratio.values[0] == pytest.approx(385.25 / 500.0) and np.isnan(ratio.values[1])
    short = {c.name: c for c in transplant_endpoint_values(days[:300], {k: v[:, :300] for k, v in obs.items()}, REFS,
                                                           naive_cd4_before=np.array([500.0, 500.0]))}
    assert np.isnan(short["naive_cd4_ratio_month12_to_before"].values).all()
    assert short["naive_cd4_ratio_month12_to_before"].missing == "after the end of the run"
    assert not np.isnan(short["naive_cd4_per_uL_month6"].values).any()


def test_before_is_the_first_conditioning_or_the_graft():
    from hemasim.scenario import load_scenario

    from .conftest import EXAMPLES

    ms = load_scenario(EXAMPLES / "ms_autologous_hsct.yaml")
    assert first_conditioning_or_graft_day(ms.interventions, 35.0) == 30.0  # Cy/ATG from day 30, R7's day
    graft_only = [iv for iv in ms.interventions if iv.kind == "transplant"]
    assert first_conditioning_or_graft_day(graft_only, 35.0) == 35.0


def test_report_groups_them_with_immune_recovery():
    for name in NAMES:
        assert endpoint_group(name)[0] == "Immune recovery", name


def test_cohort_summary_has_a_row_with_a_unit_and_the_note(tmp_path: Path):
    from hemasim.cohort import run_cohort
    from hemasim.scenario import parse_scenario

    data = {"name": "short graft cohort", "duration_days": 200, "aging": False,
            "patient": {"age_years": 30, "sex": "male", "weight_kg": 70, "height_cm": 175},
            "interventions": [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
                              {"kind": "transplant", "day": 6, "source": "bone_marrow", "cd34_per_kg": 3.0e6}],
            "population": {"variability": False}}
    summary = run_cohort(parse_scenario(data), 2, tmp_path / "c", partition_size=2, progress=False, report=False)
    rows = {r["endpoint"]: r for r in summary["endpoints"]}
    assert all(rows[n]["unit"] == "cells/uL" for n in NAMES[:3]) and rows[NAMES[3]]["unit"] == "1"
    assert rows["naive_cd4_per_uL_month6"]["n_with_value"] == 2  # day 188.6 of a 200-day run
    assert rows["naive_cd4_per_uL_month24"]["n_with_value"] == 0
    assert "after the end of the run" in rows["naive_cd4_per_uL_month24"]["missing"]
