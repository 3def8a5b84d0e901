"""The transplant's naive CD4 read-outs (branch naive37, review37g's fixes in mend37g; ux37b: "No naive CD4 read-out anywhere except
timeseries.csv"): ``naive_cd4_per_uL_month{6,12,24}`` after the graft and ``naive_cd4_ratio_month12_to_before``,
which reads target R7's "before" (:func:`hemasim.endpoints.value_before_day`), so the endpoint and the card agree."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hemasim.interventions.transplant import (
    NAIVE_CD4_MONTHS,
    TRANSPLANT_OBSERVABLES,
    first_insult_or_graft_day,
    naive_cd4_after_graft,
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
    cols = {c.name: c for c in naive_cd4_after_graft(days, naive, np.array([500.0, 0.0]), "just before the graft")}
    assert set(NAMES) == set(cols)
    assert np.allclose(cols["naive_cd4_per_uL_month6"].values, [20.0 + 182.625, 2.0 * 182.625])
    assert np.allclose(cols["naive_cd4_per_uL_month12"].values, [385.25, 730.5])
    month24 = cols["naive_cd4_per_uL_month24"]
    assert np.isnan(month24.values).all() and month24.missing == "after the end of the run"
    ratio = cols["naive_cd4_ratio_month12_to_before"]
    # patient 1 had no naive CD4 before (an X-SCID infant): no ratio (not a division by 0), with a note that says so
    assert ratio.values[0] == pytest.approx(385.25 / 500.0) and np.isnan(ratio.values[1])
    assert ratio.missing == "no naive CD4 before the graft (0/uL)"
    short = {c.name: c for c in naive_cd4_after_graft(days[:300], naive[:, :300], np.array([500.0, 500.0]), "x")}
    assert np.isnan(short["naive_cd4_ratio_month12_to_before"].values).all()
    assert short["naive_cd4_ratio_month12_to_before"].missing == "after the end of the run"
    assert not np.isnan(short["naive_cd4_per_uL_month6"].values).any()


def test_before_is_the_first_insult_of_any_kind_or_the_graft():
    from hemasim.scenario import load_scenario

    from .conftest import EXAMPLES

    ms = load_scenario(EXAMPLES / "ms_autologous_hsct.yaml")
    assert first_insult_or_graft_day(ms.interventions, 35.0) == 30.0  # Cy/ATG from day 30, R7's day
    graft_only = [iv for iv in ms.interventions if iv.kind == "transplant"]
    assert first_insult_or_graft_day(graft_only, 35.0) == 35.0
    # a T-cell depletion on day 10 is an insult too: "before" is before it, not the depleted count on day 29
    # (review37g: the ratio read 0.771 so, 0.082 without the depletion)
    from hemasim.assembly import run_scenario, scenario_endpoint_columns
    from hemasim.interventions.cell_depletion import CellDepletionSpec

    depletion = CellDepletionSpec(kind="cell_depletion", day=10, groups=["t_cell"], surviving_fraction=0.1)
    depleted = ms.model_copy(update={"interventions": [*ms.interventions, depletion]})
    assert first_insult_or_graft_day(depleted.interventions, 35.0) == 10.0
    result = run_scenario(depleted)
    cols = {c.name: c for c in scenario_endpoint_columns(depleted, result)}
    naive = result.observable("naive_cd4_per_uL")
    before = float(naive[result.times < 10.0][-1])
    assert before > 2.0 * float(naive[result.times < 30.0][-1])  # the depletion took most of them by day 29
    assert cols["naive_cd4_ratio_month12_to_before"].values[0] == pytest.approx(
        cols["naive_cd4_per_uL_month12"].values[0] / before, rel=1e-12)
    assert "(cell depletion) on day 10, 25 days before the graft" in cols["naive_cd4_ratio_month12_to_before"].definition


def _short_graft(interventions: list[dict], days: float = 380.0):
    from hemasim.scenario import parse_scenario

    return parse_scenario({"name": "graft", "duration_days": days, "aging": False,
                           "patient": {"age_years": 30, "sex": "male", "weight_kg": 70, "height_cm": 175},
                           "output": {"every_days": 5}, "interventions": interventions})


@pytest.mark.parametrize("interventions", [
    [{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
     {"kind": "transplant", "day": 6, "source": "bone_marrow", "cd34_per_kg": 3.0e6}],
    [{"kind": "transplant", "day": 0, "source": "bone_marrow", "cd34_per_kg": 3.0e6}]],
    ids=["conditioning_day0", "graft_day0"])
def test_a_day_0_insult_or_graft_reads_before_from_the_start_state(interventions):
    """An insult or graft on day 0: no output precedes it (the day-0 output already shows it), so "before" is each
    patient's state at the start of the run (review37g: 11 of 15 transplant examples had no ratio)."""
    from hemasim.assembly import run_scenario, scenario_endpoint_columns

    scenario = _short_graft(interventions)
    result = run_scenario(scenario)
    cols = {c.name: c for c in scenario_endpoint_columns(scenario, result)}
    ratio = cols["naive_cd4_ratio_month12_to_before"]
    start = float(result.start_values("naive_cd4_per_uL")[0])
    # the start state is the steady state the model was built at, not the day-0 output after the day's events
    model_x0 = float(result.model.observables(np.array([0.0]), np.asarray(result.start_states)[None])[
        0, result.model.observable_names.index("naive_cd4_per_uL")])
    assert start == pytest.approx(model_x0, rel=1e-12) and start > 100.0
    assert ratio.missing is None
    assert ratio.values[0] == pytest.approx(cols["naive_cd4_per_uL_month12"].values[0] / start, rel=1e-12)
    assert "at the start of the run" in ratio.definition
    if interventions[0]["kind"] == "conditioning":  # the day-0 output shows the first kill
        assert float(result.observable("naive_cd4_per_uL")[0]) < 0.5 * start
        assert "conditioning) on day 0, 6 days before the graft" in ratio.definition
    else:
        assert "just before the graft (no insult before it)" in ratio.definition
        assert "0 days before" not in ratio.definition


def test_observe_the_pre_merge_list_keeps_every_other_transplant_endpoint():
    """naive37 put naive CD4 in TRANSPLANT_OBSERVABLES: a run that kept the list of before (observe=) lost all the
    transplant's endpoints to "not evaluated" (review37g); the naive read-outs are a family of their own now."""
    from dataclasses import replace

    from hemasim.assembly import assemble, scenario_endpoint_observables
    from hemasim.endpoints import DEFAULT_ENDPOINTS, endpoint_observables
    from hemasim.simulation import Simulation

    scenario = _short_graft([{"kind": "conditioning", "regimen": "cy_tbi_12gy", "start_day": 0},
                             {"kind": "transplant", "day": 6, "source": "bone_marrow", "cd34_per_kg": 3.0e6}], 120.0)
    parts = assemble(scenario)
    # the run's default endpoints' and the families' observables, as naive37's parent kept them: all but naive CD4
    pre_merge = [o for o in (*endpoint_observables(DEFAULT_ENDPOINTS),
                             *scenario_endpoint_observables(scenario, parts.model.compile().observable_names))
                 if o != "naive_cd4_per_uL"]
    assert "naive_cd4_per_uL" not in TRANSPLANT_OBSERVABLES and set(TRANSPLANT_OBSERVABLES) <= set(pre_merge)
    result = Simulation(parts.model, scenario.solver.build(), parts.events, seed=scenario.seed).run(
        scenario.duration_days, scenario.output.every_days, observe=pre_merge)
    endpoints = replace(result, record=replace(result.record, scenario=scenario)).endpoints()
    assert endpoints["neutrophil_engraftment_day"].value is not None
    assert endpoints["cd4_200_day"].note is None or "not evaluated" not in endpoints["cd4_200_day"].note
    kept = [n for n, e in endpoints.items() if n not in NAMES]
    assert len(kept) > 60 and not any("not evaluated" in (endpoints[n].note or "") for n in kept)
    for name in NAMES:  # these alone read naive CD4
        assert endpoints[name].value is None and "not naive_cd4_per_uL" in endpoints[name].note


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


def test_a_cohort_reads_each_patients_own_start_state():
    """Per patient in a cohort: each his own count before day 0's events (ctx.start_values gives (N,))."""
    from hemasim.interventions.base import EndpointContext
    from hemasim.interventions.transplant import NaiveCd4Endpoints
    from hemasim.parameters import healthy_adult_parameters as default_parameters

    times = np.arange(0.0, 400.0, 1.0)
    naive = np.array([np.full(times.size, 100.0), np.full(times.size, 300.0)])  # the day-0 output after the kill
    family = NaiveCd4Endpoints(graft_day=6.0, first_day=0.0, first_kind="conditioning")
    ctx = EndpointContext(default_parameters(), np.array([30.0, 40.0]), n_patients=2,
                          start_values=lambda name: np.array([400.0, 1200.0]))
    ratio = {c.name: c for c in family.values(times, {"naive_cd4_per_uL": naive}, ctx)}[
        "naive_cd4_ratio_month12_to_before"]
    assert np.allclose(ratio.values, [0.25, 0.25]) and ratio.missing is None
    # without the start states (an old result): none, with the note
    none = {c.name: c for c in family.values(times, {"naive_cd4_per_uL": naive}, EndpointContext(
        default_parameters(), 30.0, n_patients=2))}["naive_cd4_ratio_month12_to_before"]
    assert np.isnan(none.values).all() and none.missing == "no output before the first insult or graft"


def test_a_tandem_graft_names_the_graft_day_the_months_count_from():
    """Two grafts: the months count from the first, and the definitions say which (as chimerism_after does)."""
    from hemasim.interventions.base import EndpointContext
    from hemasim.interventions.transplant import NaiveCd4Endpoints
    from hemasim.parameters import healthy_adult_parameters

    times = np.arange(0.0, 800.0, 1.0)
    family = NaiveCd4Endpoints(graft_day=6.0, first_day=2.0, n_grafts=2, first_kind="conditioning")
    cols = family.values(times, {"naive_cd4_per_uL": np.ones((1, times.size))},
                         EndpointContext(healthy_adult_parameters(), 50.0))
    assert all("after the first graft (day 6)" in c.definition for c in cols[:3])
    assert "(conditioning) on day 2, 4 days before the graft on day 6: the last output before that day" \
        in cols[3].definition
