"""Review37b and mend37a's review: the administration table's G-CSF rows numbered by the run's cycle, per-cycle
shares of the patients given the cycle, per-cycle days below flagged where the run's end cut them short, the platelet
"no nadir within the cycle" wording, the 50%-of-normal definitions independent of the partition, and the undecided
rows hidden where none is undecided."""

from __future__ import annotations

import re

import pytest

from hemasim.scenario import parse_scenario

from .test_cohortrep36 import TOY, _doc

PEG = {"kind": "gcsf", "drug_set": "pegfilgrastim_melhem2017", "dose_mg": 6, "route": "subcutaneous",
       "schedule": {"start_day": 0, "every_days": 21, "cycles": 4}}


@pytest.mark.integration
def test_a_gcsf_dose_in_a_several_block_table_is_numbered_by_the_runs_cycle_it_falls_in():
    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import SEVERAL_BLOCKS_HEADER, _drug_section

    # docetaxel 100 q21 x2 from day 2 (cycles 1-2), 75 q21 x2 from day 44 (cycles 3-4); pegfilgrastim on days 0, 21,
    # 42, 63: before cycle 1, in cycles 1, 2 and 3 (its own count read 1-4 beside the run's cycles; review37b)
    data = {**TOY, "duration_days": 84, "interventions": [_doc(100, 2, 2), _doc(75, 44, 2), PEG]}
    section = _drug_section(run_scenario(parse_scenario(data, "peg_blocks.yaml")))
    assert section is not None
    rows = re.findall(r"<tr><td>([\d.]+)</td><td>(\w+)</td><td>([^<]*)</td>", section)
    peg = {float(day): cell for day, drug, cell in rows if drug == "pegfilgrastim"}
    assert peg == {0.0: "before cycle 1 (pegfilgrastim dose 1 of 4)", 21.0: "1 (pegfilgrastim dose 2 of 4)",
                   42.0: "2 (pegfilgrastim dose 3 of 4)", 63.0: "3 (pegfilgrastim dose 4 of 4)"}
    docetaxel = {float(day): cell for day, drug, cell in rows if drug == "docetaxel"}
    assert docetaxel[44.0] == "3 (block 2, docetaxel: its cycle 1 of 2)"
    # the header says what both numbers are, and keeps a days list's wording
    assert f"<th>{SEVERAL_BLOCKS_HEADER}</th>" in section.replace("&#x27;", "'")
    assert "G-CSF" in SEVERAL_BLOCKS_HEADER and "dose n of N of a days list" in SEVERAL_BLOCKS_HEADER


def test_a_cycles_shares_are_of_the_patients_given_it():
    import numpy as np
    import pandas as pd

    from hemasim.cohort.runner import _Column, _summary_row
    from hemasim.report.key_results import cohort_key_results_html

    # four patients, cycle 2 given to two (delays pushed the others' past the run's end): one grade-4 day of two
    # given read 25% of all, a patient not given the cycle counted as one without grade 4 (review37b)
    nan = np.nan
    ep = pd.DataFrame({"anc_nadir_cycle1": [0.3, 0.4, 0.5, 0.6], "anc_nadir_cycle2": [0.3, 1.0, nan, nan],
                       "anc_nadir_cycle2_at_run_end": [1.0, 0.0, 0.0, 0.0],
                       "days_anc_below_0p5_cycle2": [1.0, 0.0, nan, nan],
                       "days_anc_below_0p5_cycle2_at_run_end": [1.0, 0.0, 0.0, 0.0],
                       "chemotherapy_cycle2_delayed": [0.0, 0.0, 1.0, 1.0]})
    rows = {c: _summary_row(_Column(c, "flag" if c.endswith(("_at_run_end", "_delayed")) else
                                    "day" if c.startswith("days_") else "1e9/L", c), ep) for c in ep.columns}
    g4 = rows["days_anc_below_0p5_cycle2"]
    assert g4["fraction_reaching"] == 0.5 and g4["n_given_cycle"] == 2
    assert g4["fraction_at_run_end"] == 0.5  # still below 0.5 at the run's end: one of the two given
    assert rows["anc_nadir_cycle2"]["fraction_at_run_end"] == 0.5
    assert rows["days_anc_below_0p5_cycle2_at_run_end"]["fraction_reaching"] == 0.5
    # the dose rules' delays stay a share of all patients (a delayed cycle may be one not given)
    assert rows["chemotherapy_cycle2_delayed"]["fraction_reaching"] == 0.5
    assert rows["chemotherapy_cycle2_delayed"]["n_given_cycle"] is None
    assert rows["days_anc_below_0p5_cycle2"]["n_given_cycle"] == 2 and rows["anc_nadir_cycle1"]["n_given_cycle"] == 4
    text = cohort_key_results_html([{**r, "endpoint": n} for n, r in rows.items()] + [
        {**rows["anc_nadir_cycle1"], "endpoint": n, "unit": u} for n, u in
        (("anc_nadir_day_cycle1", "day of the cycle"), ("days_anc_below_0p5_cycle1", "day"))])
    assert "Grade 4 neutropenia by cycle: share of the patients given the cycle" in text
    assert "2: 50% (median 0.5 d); still below at the run&#x27;s end in 50%" in text


def test_a_cycles_days_below_are_flagged_where_the_runs_end_cut_them_short():
    import numpy as np

    from hemasim.endpoints import cycle_below_at_run_end
    from hemasim.interventions.chemo_cycles import cycle_count_endpoints

    times = np.arange(0.0, 20.5, 0.5)
    starts = np.array([[0.0, 10.0], [0.0, np.nan], [0.0, 10.0]])  # patient 1 not given cycle 2
    v = np.full((3, len(times)), 250.0)
    v[0, times >= 18] = 20.0  # below 25 and 50 at the run's end, in cycle 2
    v[1, times >= 18] = 20.0  # ... in cycle 1, the last he was given
    v[2, (times >= 5) & (times < 8)] = 20.0  # below in cycle 1 only, recovered
    assert cycle_below_at_run_end(times, v, starts, 50.0).tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    # the platelet family carries the flag beside each threshold's days, as the run's days_platelets_below_50
    scenario = parse_scenario(TOY, "toy.yaml")
    plt_family = next(f for f in cycle_count_endpoints(scenario) if f.count.observable == "platelets_1e9_per_L")
    units = plt_family.units()
    for t in ("50", "25"):
        assert units[f"days_platelets_below_{t}_cycle2_at_run_end"] == "flag"


def test_the_cycle_nadir_flags_say_which_end_they_mean():
    import numpy as np

    from hemasim.interventions.base import EndpointContext
    from hemasim.interventions.chemo_cycles import cycle_count_endpoints
    from hemasim.parameters import healthy_adult_parameters

    from .test_cohortrep36 import _toy_log

    family = next(f for f in cycle_count_endpoints(parse_scenario(TOY, "toy.yaml"))
                  if f.count.observable == "platelets_1e9_per_L")
    times = np.arange(0.0, 30.5, 0.5)
    ctx = EndpointContext(healthy_adult_parameters(), 55.0, _toy_log(), 3)
    cols = {c.name: c for c in family.values(times, {"platelets_1e9_per_L": np.full((3, len(times)), 250.0)}, ctx)}
    for name in ("platelets_nadir_cycle1_at_run_end", "platelets_nadir_day_cycle1_at_run_end"):
        assert "the cycle's end (the next cycle's first dose or the run's end)" in cols[name].definition


def test_a_single_runs_platelets_by_cycle_give_grade_3_4_with_grade_4_beside_it(monkeypatch):
    from hemasim.report import key_results

    # a run's platelets below 50 for 3 days in cycle 1 (0.5 of them below 25), none in cycle 2, below 50 at the
    # run's end in cycle 3: the cohort's row gives grade 3-4 with grade 4 beside it, the single run gave grade 4 alone
    days = {50.0: [3.0, 0.0, 2.0], 25.0: [0.5, 0.0, 0.0]}
    monkeypatch.setattr(key_results, "cycle_days_below", lambda r, t, o="": days[t])
    monkeypatch.setattr(key_results, "cycle_days_cut", lambda r, t, o="": [False, False, t == 50.0])
    label, text_of = key_results._CYCLE_ROWS["days_platelets_below_25"]
    assert "grade 3-4 thrombocytopenia" in label and "grade 4: < 25" in label
    assert text_of(None) == "1: 3 (grade 4: 0.5) · 2: 0 · 3: 2 (still below at the run's end: at least)"


def test_the_half_normal_definitions_do_not_depend_on_the_partition():
    import numpy as np

    from hemasim.interventions.transplant import TRANSPLANT_OBSERVABLES, transplant_endpoint_values

    # a cohort quoted its partition's median reference ("(116.315/uL)" in partitions of 2, "(151.105/uL)" for the
    # same 8 patients in one; review mend37a): each patient has his own, and the definition says so
    days = np.arange(0.0, 61.0)

    def definitions(refs: list[float], one_run: bool | None = None) -> dict[str, str]:
        n = len(refs)
        obs = {name: np.ones((n, days.size)) for name in TRANSPLANT_OBSERVABLES}
        references = {r: np.asarray(refs) for r in ("nk_reference_per_uL", "cd8_reference_per_uL",
                                                    "b_reference_per_uL", "cd4_reference_per_uL")}
        return {c.name: c.definition for c in transplant_endpoint_values(days, obs, references, one_run=one_run)
                if "50pct_normal" in c.name}

    two, other, eight = definitions([200.0, 300.0]), definitions([250.0, 400.0]), definitions([200.0 + 25 * i for i in range(8)])
    assert two == other == eight and len(two) == 8
    assert all("each patient's own reference count" in d and "/uL)" not in d for d in two.values())
    # a cohort partition of one patient reads as the others; a single run quotes its own number
    assert definitions([300.0], one_run=False) == two
    single = definitions([300.0], one_run=True)
    assert "half the reference count for the patient's age (150/uL)" in single["cd4_50pct_normal_day"]


def test_an_undecided_row_is_hidden_where_no_patient_is_undecided():
    import numpy as np
    import pandas as pd

    from hemasim.cohort.runner import _Column, _summary_row
    from hemasim.report.html import endpoint_group, render_cohort_report, shown_endpoints

    # a cohort showed "0% yes" of full_donor_t_chimerism_lost_undecided every time, a single run "..._undecided 0"
    # under each flag (review mend37a): the row is hidden where none is undecided, kept where one is
    flag = "full_donor_t_chimerism_lost"
    ep = pd.DataFrame({flag: [0.0, 1.0, 0.0, 0.0], f"{flag}_undecided": [0.0, 0.0, 0.0, 0.0],
                       "anc_fell_below_0p5_after_engraftment": [0.0, np.nan, 0.0, 1.0],
                       "anc_fell_below_0p5_after_engraftment_undecided": [0.0, 1.0, 0.0, 0.0]})
    rows = [_summary_row(_Column(c, "flag", f"definition of {c}"), ep) for c in ep.columns]
    report = render_cohort_report({"n_patients": 4, "endpoints": rows}, b"", {"scenario": {"name": "c"}})
    assert "full_<wbr>donor_<wbr>t_<wbr>chimerism_<wbr>lost</code>" in report
    assert "full_<wbr>donor_<wbr>t_<wbr>chimerism_<wbr>lost_<wbr>undecided" not in report
    assert "anc_<wbr>fell_<wbr>below_<wbr>0p5_<wbr>after_<wbr>engraftment_<wbr>undecided" in report
    # a single run's value: 0 hidden, 1 kept; its other rows untouched
    values = {"x_undecided": 0.0, "y_undecided": 1.0, "z": 0.0}
    assert shown_endpoints(list(values), values.get) == ["y_undecided", "z"]
    # the grouping of bb8a3709 holds: an undecided flag goes with the endpoint it qualifies
    assert endpoint_group(f"{flag}_undecided") == endpoint_group(flag)
