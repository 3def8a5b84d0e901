"""Review37d: a cohort's grade-4 share counts a count below the threshold only at the run's last output (no day
counted, its ``_at_run_end`` flag 1), a single run's per-cycle days row shows such a cycle, the command's bar tells the
time left where partitions finish more than 30 s apart, Ctrl-C does not integrate a partition prepared after it, every
Parquet column has a unit, and the relative dose intensity's unit is said in the report."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest


def _rows(ep: pd.DataFrame) -> dict[str, dict]:
    from hemasim.cohort.runner import _Column, _summary_row

    return {c: _summary_row(_Column(c, "flag" if c.endswith("_at_run_end") else
                                    "day" if c.startswith("days_") else "1e9/L", c), ep) for c in ep.columns}


def test_a_count_below_the_threshold_only_at_the_runs_end_counts_in_the_share():
    nan = np.nan
    # patient 0: grade 4 in cycle 2 with days; 1: below 0.5 only at the last output (0 days, flag 1); 2: never;
    # 3: cycle 2 not given. The run-wide row has the same edge (patient 1: 0 days, flag 1)
    ep = pd.DataFrame({"anc_nadir_cycle2": [0.3, 0.45, 1.0, nan],
                       "days_anc_below_0p5_cycle2": [1.5, 0.0, 0.0, nan],
                       "days_anc_below_0p5_cycle2_at_run_end": [0.0, 1.0, 0.0, 0.0],
                       "days_anc_below_0p5": [1.5, 0.0, 0.0, 0.0],
                       "days_anc_below_0p5_at_run_end": [0.0, 1.0, 0.0, 0.0]})
    rows = _rows(ep)
    cycle = rows["days_anc_below_0p5_cycle2"]
    assert cycle["n_given_cycle"] == 3
    assert cycle["fraction_reaching"] == pytest.approx(2 / 3)  # it read 1/3: the flag-only patient missed
    assert rows["days_anc_below_0p5"]["fraction_reaching"] == pytest.approx(2 / 4)
    # the median days stay those counted (the flag says "at least")
    assert cycle["median"] == 0.0 and cycle["fraction_at_run_end"] == pytest.approx(1 / 3)
    # without the flag column (a table written before it): days above 0 only
    assert _rows(ep.drop(columns=["days_anc_below_0p5_at_run_end"]))["days_anc_below_0p5"]["fraction_reaching"] == 0.25


@pytest.mark.integration
def test_the_docetaxel_cohort_cut_at_day_50_gives_cycle_3s_grade_4_share_of_its_nadirs(tmp_path):
    import yaml

    from hemasim.cohort.runner import run_cohort
    from hemasim.scenario import parse_scenario

    # review37d's scenario at 40 patients: a 50-day run, cycles delayed at ANC < 2.2; cycle 3's grade 4 read 10.1%
    # of 199 where 19.1% had its ANC nadir below 0.5 (the rest below 0.5 only on day 50, the last output)
    with open("examples/cohort_docetaxel.yaml", encoding="utf-8") as f:
        data = yaml.safe_load(f)
    data["duration_days"] = 50
    rule = next(r for r in data["interventions"][0]["rules"] if r["action"] == "delay")
    rule["below"] = 2.2
    summary = run_cohort(parse_scenario(data, "docetaxel50.yaml"), 40, tmp_path / "c", partition_size=40,
                         progress=False, report=False)
    ep = pd.read_parquet(tmp_path / "c" / "endpoints" / "part-00000.parquet")
    row = next(r for r in summary["endpoints"] if r["endpoint"] == "days_anc_below_0p5_cycle3")
    given = ep["anc_nadir_cycle3"].notna()
    days, flag = ep["days_anc_below_0p5_cycle3"][given], ep["days_anc_below_0p5_cycle3_at_run_end"][given]
    assert ((days == 0) & (flag == 1)).any()  # the edge is in this cohort: below 0.5 only at the last output
    # a cycle's nadir below 0.5 has a day below 0.5 after it in the cycle, or the run ended on it: the same patients
    assert row["fraction_reaching"] == pytest.approx(float((ep["anc_nadir_cycle3"][given] < 0.5).mean()))
    assert row["n_given_cycle"] == int(given.sum())
    # every column of the file has a unit: the drug set's drawn values too (117 of 119 had one)
    import pyarrow.parquet as pq

    from hemasim.cohort.runner import COLUMN_META_KEY, ENDPOINT_META_KEY

    meta = pq.read_schema(tmp_path / "c" / "endpoints" / "part-00000.parquet").metadata
    units = {**json.loads(meta[COLUMN_META_KEY]), **json.loads(meta[ENDPOINT_META_KEY])}
    assert set(ep.columns) <= set(units)
    assert units["param_docetaxel_kloft2006__pk_clearance_L_per_h_per_m2"][0] == "L/h/m2"
    assert units["param_docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol"][0] == "L/umol"


def test_a_drug_sets_drawn_value_has_the_unit_of_its_parameter_record():
    from hemasim.cohort.runner import column_units

    column = "param_docetaxel_kloft2006__pk_clearance_L_per_h_per_m2"
    assert column not in column_units([column])  # no record given: nothing guessed
    out = column_units([column, "anc_nadir"], {column: ("L/h/m2", "docetaxel clearance per m2 body surface area")})
    assert out[column][0] == "L/h/m2" and "docetaxel clearance per m2" in out[column][1]
    assert out["anc_nadir"][0] == "1e9/L"


def test_a_single_runs_cycle_below_only_at_the_runs_end_is_shown():
    from hemasim.report.key_results import _cycle_days_text

    # no day counted in any cycle, the last one cut short below the threshold at the run's last output: the row was
    # left out, as if no cycle had reached grade 4
    text = _cycle_days_text([0.0, 0.0, 0.0], [False, False, True])
    assert text == "1: 0 · 2: 0 · 3: 0 (still below at the run's end: at least)"
    assert _cycle_days_text([0.0, 0.0], [False, False]) == ""


def test_the_bar_tells_the_time_left_where_steps_are_more_than_30_s_apart():
    from hemasim.cli._progress import StageProgress

    now = [0.0]
    bar = StageProgress("cohort", terminal=True, clock=lambda: now[0])
    for k in range(1, 4):  # a partition written every 60 s
        now[0] = 60.0 * k
        bar.update("partitions", k, 10)
    task = bar._bar.tasks[0]
    assert task.time_remaining == pytest.approx(7 * 60.0)  # rich's default (30 s of samples) gave None: blank


def test_a_partition_prepared_after_ctrl_c_is_not_integrated(monkeypatch):
    import concurrent.futures
    import threading

    from hemasim.cohort import runner

    gate = threading.Event()
    integrated: list[int] = []

    class Prepared:
        def __init__(self, index: int) -> None:
            self.index = index

    def prepare(index: int) -> Prepared:
        gate.wait()  # partition 0 is being prepared when Ctrl-C comes
        return Prepared(index)

    monkeypatch.setattr(runner, "prepare_partition", prepare)
    monkeypatch.setattr(runner, "integrate_partition", lambda p, on=None: integrated.append(p.index))
    shutdown = concurrent.futures.ThreadPoolExecutor.shutdown

    def released(self, wait=True, *, cancel_futures=False):  # noqa: ANN001, ANN202
        # the Ctrl-C path shuts the pools without waiting: only then may the preparation end (no race with it)
        if not wait:
            gate.set()
        return shutdown(self, wait=wait, cancel_futures=cancel_futures)

    monkeypatch.setattr(concurrent.futures.ThreadPoolExecutor, "shutdown", released)

    def ctrl_c() -> None:
        raise KeyboardInterrupt

    parts = runner.LocalExecutor().map(runner._STAGED_PARTITION, [(0,), (1,), (2,)], while_waiting=ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        next(parts)
    assert integrated == []  # before: partition 0 was integrated once prepared, then thrown away


def test_the_relative_dose_intensity_says_its_files_unit_beside_the_reports_percentage():
    from pathlib import Path

    from hemasim.report.key_results import _cohort_rule_rows

    row = {"endpoint": "docetaxel_relative_dose_intensity", "unit": "fraction", "definition": "delivered / planned",
           "median": 0.84, "p05": 0.75, "p95": 1.0, "fraction_reaching": 1.0, "n": 10}
    (label, _, value), = _cohort_rule_rows({row["endpoint"]: row})
    assert "84.0%" in value  # shown as every fraction the report shows
    assert "% of the planned" in label and "a fraction in summary.csv" in label and "shown here as a percentage" in label
    assert not re.search(r"\d", label.replace("0 to 1", ""))  # no made-up figure read as the cohort's (review37f)
    table = next(line for line in Path("docs/cohorts.md").read_text(encoding="utf-8").splitlines()
                 if line.startswith("| `<drug>_relative_dose_intensity` |"))
    assert table.startswith("| `<drug>_relative_dose_intensity` | fraction | a fraction, 0 to 1,")
    assert "as a percentage (84.0%)" in table


def test_the_endpoint_tables_share_of_days_says_it_counts_those_below_at_the_runs_end():
    from hemasim.report.html import _reached_words

    assert _reached_words({"endpoint": "days_anc_below_0p5", "unit": "day", "fraction_at_run_end": 0.18}) == \
        "with any day or below at the run's end"
    assert _reached_words({"endpoint": "days_anc_below_0p5", "unit": "day", "fraction_at_run_end": 0.0}) == \
        "with any day"
