"""Per-cycle platelet (and haemoglobin) endpoints, by the ANC's rules (cycle37): each cycle's platelet nadir, its
day in the cycle and its days below the CTCAE v5.0 grade 3 and 4 thresholds, in a single run, a cohort's Parquet,
summary and report; and the administration table numbering a two-block regimen's cycles as the endpoints do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemasim.endpoints import (
    PLATELETS_GRADE3_1E9_PER_L,
    PLATELETS_GRADE4_1E9_PER_L,
    chemotherapy_cycle_starts,
    evaluate_endpoints,
)
from hemasim.interventions.base import EndpointContext
from hemasim.interventions.chemo_cycles import cycle_count_endpoints
from hemasim.parameters import healthy_adult_parameters
from hemasim.scenario import parse_scenario

from .conftest import example_run
from .test_cohortrep36 import TOY, _doc, _toy_log

PLT = "platelets_1e9_per_L"


def _values(result) -> dict[str, float | None]:
    return {e.name: e.value for e in evaluate_endpoints(result)}


@pytest.mark.integration
def test_a_docetaxel_q3w_runs_platelets_fall_through_each_cycle_with_no_nadir_within_it():
    # the model's platelets fall through the whole docetaxel course: each cycle's lowest is the count on its last
    # output (day 20.75 of 21) and flagged still falling, no nadir (the test's name promised a nadir; review37b)
    from hemasim.report.key_results import _cycle_nadirs_text

    result = example_run("docetaxel_q3w.yaml")  # 4 cycles q21 from day 0, 84 days
    values = _values(result)
    baseline = float(result.observable(PLT)[0])
    starts = chemotherapy_cycle_starts(result.record.scenario, result.record.administrations)[0]
    assert len(starts) == 4
    lows = []
    for k in range(1, 5):
        low, day = values[f"platelets_nadir_cycle{k}"], values[f"platelets_nadir_day_cycle{k}"]
        assert low is not None and 0 < low < baseline
        assert day == 20.75  # the cycle's last output before the next dose (the last cycle: before the run's end)
        assert values[f"platelets_nadir_cycle{k}_at_run_end"] == 1.0
        assert values[f"platelets_nadir_day_cycle{k}_at_run_end"] == 1.0
        lows.append(low)
    assert lows == sorted(lows, reverse=True)  # lower at each cycle's end
    # the single run's row says it once, without the last day read as a time to nadir
    text = _cycle_nadirs_text(result, PLT)
    assert text.count("no nadir within the cycle") == 1 and "(every cycle: " in text and "day 20.75" not in text
    assert text.startswith(f"1: {lows[0]:.3g} · 2: ")
    for k in range(1, 5):
        hb = values[f"hemoglobin_nadir_cycle{k}"]
        assert hb is not None and 0 < hb < float(result.observable("hemoglobin_g_per_dL")[0])
    # the cycles tile the run from day 0: the run's nadir is the lowest cycle's, its days below are the cycles' sum
    assert min(values[f"platelets_nadir_cycle{k}"] for k in range(1, 5)) == pytest.approx(values["platelets_nadir"])
    for t in ("50", "25"):
        assert sum(values[f"days_platelets_below_{t}_cycle{k}"] for k in range(1, 5)) == pytest.approx(
            values[f"days_platelets_below_{t}"])


@pytest.mark.integration
def test_a_last_cycle_cut_short_by_the_runs_end_is_flagged():
    from hemasim.assembly import run_scenario

    # cycle 3 from day 42 of a 50-day run: its counts were still falling when the run ended (on its day 8)
    scenario = parse_scenario({**TOY, "duration_days": 50, "interventions": [_doc(100, 0, 3)]}, "cut.yaml")
    values = _values(run_scenario(scenario))
    assert values["anc_nadir_cycle3_at_run_end"] == 1.0 and values["anc_nadir_cycle1_at_run_end"] == 0.0
    assert values["platelets_nadir_cycle3_at_run_end"] == 1.0
    assert values["platelets_nadir_day_cycle3_at_run_end"] == 1.0
    assert values["platelets_nadir_day_cycle3"] == 8.0  # the lowest so far: the run's last output


def test_the_platelet_columns_follow_the_anc_rules_on_a_known_toy():
    # two cycles (days 0 and 10, patient 1's second pushed to day 17); platelets 250, a dip to 40 on days 3-5
    # (lowest 20 on day 4) that recovers, then falling to the end of cycle 2
    scenario = parse_scenario(TOY, "toy.yaml")
    families = cycle_count_endpoints(scenario)
    plt_family = next(f for f in families if f.count.observable == PLT)
    times = np.arange(0.0, 30.5, 0.5)
    v = np.full((3, len(times)), 250.0)
    v[:, (times >= 3) & (times <= 5)] = 40.0
    v[:, times == 4] = 20.0
    v[:, times >= 12] = 250.0 - 5.0 * (times[times >= 12] - 12.0)
    ctx = EndpointContext(healthy_adult_parameters(), 55.0, _toy_log(), 3)
    cols = {c.name: c for c in plt_family.values(times, {PLT: v}, ctx)}
    assert set(cols) == set(plt_family.units())
    assert cols["platelets_nadir_cycle1"].values.tolist() == [20.0, 20.0, 20.0]
    assert cols["platelets_nadir_day_cycle1"].values.tolist() == [4.0, 4.0, 4.0]
    assert cols["platelets_nadir_cycle1_at_run_end"].values.tolist() == [0.0, 0.0, 0.0]
    assert cols["platelets_nadir_cycle2_at_run_end"].values.tolist() == [1.0, 1.0, 1.0]  # still falling
    # days 3-5 (outputs 3.0-5.0, each half-day interval counted by its start): 2.5 days below 50, 0.5 below 25
    assert cols["days_platelets_below_50_cycle1"].values.tolist() == [2.5, 2.5, 2.5]
    assert cols["days_platelets_below_25_cycle1"].values.tolist() == [0.5, 0.5, 0.5]
    # the thresholds are the run's own (CTCAE v5.0), not written again
    assert (PLATELETS_GRADE3_1E9_PER_L, PLATELETS_GRADE4_1E9_PER_L) == (50.0, 25.0)
    assert cols["days_platelets_below_50_cycle1"].definition.count("grade >= 3 thrombocytopenia") == 1


def test_unaligned_schedules_give_no_platelet_cycles_either():
    from hemasim.assembly import scenario_endpoint_units
    from hemasim.endpoints import chemotherapy_cycle_problem

    cyclo = {"kind": "chemotherapy", "drug_set": "cyclophosphamide_ahmed2020", "dose_mg_per_m2": 300,
             "route": "iv_infusion", "infusion_hours": 0.5, "schedule": {"start_day": 3, "every_days": 14, "cycles": 4}}
    scenario = parse_scenario({**TOY, "duration_days": 63, "interventions": [_doc(100, 0, 3), cyclo]}, "two.yaml")
    assert cycle_count_endpoints(scenario) == []
    assert not [n for n in scenario_endpoint_units(scenario) if re.search(r"_cycle\d", n)]
    assert "different schedules" in chemotherapy_cycle_problem(scenario)


@pytest.mark.integration
def test_a_two_block_regimens_administration_table_numbers_its_cycles_as_the_endpoints_do():
    from hemasim.interventions.dosed import _drug_section

    result = example_run("regimen_ac_docetaxel.yaml")  # AC x4 then docetaxel x4, q21
    section = _drug_section(result)
    assert section is not None
    rows = re.findall(r"<tr><td>([\d.]+)</td><td>(\w+)</td><td>([^<]*)</td>", section)
    cells = {(drug, float(day)): cell.replace("&#x27;", "'") for day, drug, cell in rows}
    assert cells[("doxorubicin", 0.0)] == "1 (block 1, doxorubicin + cyclophosphamide: its cycle 1 of 4)"
    assert cells[("docetaxel", 84.0)] == "5 (block 2, docetaxel: its cycle 1 of 4)"
    # each cycle number names one cycle: the day it began is the per-cycle endpoints' start of that cycle
    starts = chemotherapy_cycle_starts(result.record.scenario, result.record.administrations)[0]
    for (_, day), cell in cells.items():
        assert starts[int(cell.split(" ")[0]) - 1] == day
    assert "cycle of the run, as the per-cycle results number it" in section


@pytest.mark.integration
def test_the_same_drug_in_two_blocks_is_labelled_by_block():
    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import _drug_section

    data = {**TOY, "duration_days": 84, "interventions": [_doc(100, 0, 2), _doc(75, 42, 2)]}
    section = _drug_section(run_scenario(parse_scenario(data, "two_blocks.yaml")))
    assert section is not None
    assert "<td>3 (block 2, docetaxel: its cycle 1 of 2)</td>" in section
    assert "<td>2 (block 1, docetaxel: its cycle 2 of 2)</td>" in section
    # one block: the plain cycle, as before
    one = _drug_section(example_run("docetaxel_q3w.yaml"))
    assert one is not None and "block" not in one and "<td>4</td>" in one


@pytest.mark.integration
def test_a_cohorts_thrombocytopenia_by_cycle_deepens_with_the_dose(tmp_path: Path):
    from hemasim.cohort import run_cohort

    summaries = {}
    for dose in (60.0, 150.0):
        data = {**TOY, "duration_days": 42, "output": {"every_days": 0.5},
                "interventions": [_doc(dose, 0, 2)]}
        out = tmp_path / f"d{dose:g}"
        run_cohort(parse_scenario(data, f"d{dose:g}.yaml"), 6, out, partition_size=6, progress=False, seed=7)
        summaries[dose] = {r["endpoint"]: r for r in json.loads((out / "summary.json").read_text())["endpoints"]}
        ep = pd.concat(pd.read_parquet(p) for p in sorted((out / "endpoints").glob("*.parquet")))
        assert (ep["platelets_nadir_cycle1"] > 0).all() and (ep["platelets_nadir_day_cycle2"] <= 21).all()
    low, high = summaries[60.0], summaries[150.0]
    # the docetaxel set lowers the platelets little (C8): both doses' grade 3-4 shares are 0 here, so the nadirs carry
    # the dose order, the shares are held to [0, 1] and to their order (their text: the test below)
    for k in (1, 2):
        for t in ("50", "25"):
            shares = [s[f"days_platelets_below_{t}_cycle{k}"]["fraction_reaching"] for s in (low, high)]
            assert all(0.0 <= x <= 1.0 for x in shares) and shares[0] <= shares[1]
        assert high[f"platelets_nadir_cycle{k}"]["median"] < low[f"platelets_nadir_cycle{k}"]["median"]
        assert high[f"anc_nadir_cycle{k}"]["median"] < low[f"anc_nadir_cycle{k}"]["median"]
    report = (tmp_path / "d150" / "report.html").read_text()
    key = report.split('id="endpoints"')[0].split("Key results")[1]
    assert "Platelet nadir by cycle" in key and "Grade 3-4 thrombocytopenia by cycle" in key
    assert key.index("Grade 4 neutropenia by cycle") < key.index("Platelet nadir by cycle")
    # the endpoint table lists them under "Chemotherapy cycles", not with the run's own counts
    cycles = report.split("<h3>Chemotherapy cycles")[1].split("<h3>")[0]
    assert "platelets_<wbr>nadir_<wbr>cycle1" in cycles and "days_<wbr>platelets_<wbr>below_<wbr>25_<wbr>cycle2" in cycles


def test_the_cohort_key_rows_give_each_cycles_thrombocytopenia():
    # the docetaxel sets barely lower the platelets (validation target C8 fails on them), so no cohort above reaches
    # grade 3: the rows' text is checked on a summary whose shares are known
    from hemasim.report.key_results import cohort_key_results_html

    def row(name: str, unit: str, median: float, reached: float = 1.0, at_end: float | None = None) -> dict:
        return {"endpoint": name, "unit": unit, "definition": name, "median": median, "p05": median, "p95": median,
                "fraction_reaching": reached, "n": 10, "n_with_value": 10, "no_value_note": None,
                "fraction_did_not_fall": 0.0 if "day" in name else None, "missing": None,
                "fraction_at_run_end": at_end, "fraction_fell_again": None}

    rows = [row("platelets_nadir_cycle1", "1e9/L", 42.0), row("platelets_nadir_day_cycle1", "day of the cycle", 14.0),
            row("days_platelets_below_50_cycle1", "day", 3.0, 0.6), row("days_platelets_below_25_cycle1", "day", 0.0, 0.1),
            row("platelets_nadir_cycle2", "1e9/L", 80.0, at_end=1.0),
            row("platelets_nadir_day_cycle2", "day of the cycle", 20.5, at_end=1.0),
            row("days_platelets_below_50_cycle2", "day", 0.0, 0.0), row("days_platelets_below_25_cycle2", "day", 0.0, 0.0),
            row("hemoglobin_nadir_cycle1", "g/dL", 11.2), row("hemoglobin_nadir_cycle2", "g/dL", 10.9, at_end=0.5)]
    text = cohort_key_results_html(rows)
    assert "1: 42 (day 14) · 2: no nadir within the cycle (falling through it in 100%): 80 on its last day" in text
    assert "1: 60% (grade 4: 10%) · 2: 0% (grade 4: 0%)" in text
    assert "1: 11.2 · 2: no nadir within the cycle (falling through it in 50%): 10.9 on its last day" in text


@pytest.mark.integration
def test_a_run_that_kept_the_anc_alone_keeps_the_anc_cycles_and_the_rdi():
    # the platelets' and haemoglobin's cycles are families of their own: one not kept leaves the ANC's as they were
    from dataclasses import replace

    from hemasim.assembly import scenario_endpoints_not_kept

    result = example_run("docetaxel_q3w.yaml")
    unkept = scenario_endpoints_not_kept(result.record.scenario, replace(result, observed=["anc_1e9_per_L"]))
    assert "platelets_nadir_cycle1" in unkept and "hemoglobin_nadir_cycle4" in unkept
    assert "anc_nadir_cycle1" not in unkept and "docetaxel_relative_dose_intensity" not in unkept
