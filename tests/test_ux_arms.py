"""Arms: variants of one scenario run side by side, one report and one table (issue 19, item 1)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hemasim.scenario import ScenarioError, load_scenario, parse_scenario
from hemasim.scenario.arms import arm_scenarios
from tests.conftest import EXAMPLES, invoke_hemasim

BASE = {"name": "t", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
        "duration_days": 20, "output": {"every_days": 1},
        "interventions": [{"kind": "vaccine", "day": 2, "antigen": "tetanus"}]}


@pytest.mark.parametrize(("example", "arms"), [("influenza_healthy_vs_scid", ["healthy", "scid"]),
                                               ("influenza_vaccine_25_vs_80", ["age_25", "age_80"])])
def test_the_two_arm_examples_hold_both_arms(example, arms):
    spec = load_scenario(EXAMPLES / f"{example}.yaml")
    built = arm_scenarios(spec)
    assert [name for name, _ in built] == arms
    first, second = (s for _, s in built)
    assert first.patient != second.patient


def test_an_arm_changes_only_what_it_names():
    spec = parse_scenario({**BASE, "parameters": {"igg_half_life_days": 25},
                           "arms": [{"name": "base"},
                                    {"name": "old", "patient": {"age_years": 80},
                                     "parameters": {"bacteria_growth_per_day": 3},
                                     "interventions": []}]})
    (_, base), (_, old) = arm_scenarios(spec)
    assert base.patient == spec.patient and base.interventions == spec.interventions
    assert old.patient.age_years == 80 and old.patient.weight_kg == 70
    assert old.interventions == []
    assert old.parameters == {"igg_half_life_days": 25.0, "bacteria_growth_per_day": 3.0}


@pytest.mark.parametrize(("arms", "words"), [
    ([{"name": "a", "patient": {"genotype": "mouse"}}], ["arms.0", "patient.genotype"]),
    ([{"name": "a"}, {"name": "b", "patient": {"age_yrs": 3}}], ["arms.1", "patient.age_yrs", "unknown field"]),
    ([{"name": "a"}, {"name": "a"}], ["arms", "must differ"]),
    ([{"name": "a", "parameters": {"hsc_cont": 3}}], ["arms.0.parameters.hsc_cont", "hsc_count"]),
    ([{"name": "a", "interventions": [{"kind": "vaccine", "day": 50, "antigen": "x"}]}],
     ["arms.0", "interventions.0.day"]),
    ([{"name": "a b"}], ["arms.0.name"]),
])
def test_a_wrong_arm_is_named_in_one_line(arms, words):
    with pytest.raises(ScenarioError) as err:
        parse_scenario({**BASE, "arms": arms})
    text = str(err.value)
    assert "\n" not in text
    for w in words:
        assert w in text, text


@pytest.mark.cli
@pytest.mark.slow
def test_run_writes_one_folder_comparing_the_arms(tmp_path: Path):
    import pandas as pd

    path = tmp_path / "arms.yaml"
    path.write_text(json.dumps({**BASE, "arms": [{"name": "young", "patient": {"age_years": 25}},
                                                 {"name": "old", "patient": {"age_years": 80}}]}))
    out = tmp_path / "o"
    res = invoke_hemasim("run", str(path), "--out", str(out))
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "timeseries.csv")
    assert table.columns[0] == "arm" and list(table["arm"].unique()) == ["young", "old"]
    assert len(table) == 2 * 21
    endpoints = json.loads((out / "endpoints.json").read_text())
    assert list(endpoints) == ["young", "old"]
    assert endpoints["young"]["tetanus_igg_peak_au"]["value"] > endpoints["old"]["tetanus_igg_peak_au"]["value"]
    record = json.loads((out / "run.json").read_text())
    assert list(record["arms"]) == ["young", "old"]
    assert record["arms"]["old"]["scenario"]["patient"]["age_years"] == 80
    html = (out / "report.html").read_text()
    assert "<th>young</th><th>old</th>" in html
    assert "hemaplot-lineages" in html and html.count("<img") >= 1  # lineages (interactive), vaccine responses


@pytest.mark.cli
def test_no_report_leaves_out_the_arms_report_too(tmp_path: Path):
    # firsthour4: `hemasim run ARMS.yaml --no-report` wrote report.html all the same (the arms' writer had no switch)
    path = tmp_path / "arms.yaml"
    path.write_text(json.dumps({**BASE, "arms": [{"name": "young", "patient": {"age_years": 25}},
                                                 {"name": "old", "patient": {"age_years": 80}}]}))
    out = tmp_path / "o"
    out.mkdir()
    (out / "report.html").write_text("an earlier run's report")  # replaced with the run, not left stale beside it
    res = invoke_hemasim("run", str(path), "--out", str(out), "--no-report")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["endpoints.json", "run.json", "timeseries.csv"]
    assert list(json.loads((out / "endpoints.json").read_text())) == ["young", "old"]
    # the files named, as a single run's line names them (it said "wrote 3 files (2 arms) to o" alone)
    assert res.stderr.strip().endswith(f"wrote 3 files (2 arms) to {out}: timeseries.csv, endpoints.json, run.json")


@pytest.mark.cli
@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize(("example", "arms"), [("influenza_healthy_vs_scid", ["healthy", "scid"]),
                                               ("influenza_vaccine_25_vs_80", ["age_25", "age_80"])])
def test_the_two_arm_examples_run_both_arms_into_one_report(tmp_path: Path, example, arms):
    out = tmp_path / "o"
    res = invoke_hemasim("run", str(EXAMPLES / f"{example}.yaml"), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert list(json.loads((out / "endpoints.json").read_text())) == arms
    html = (out / "report.html").read_text()
    assert "".join(f"<th>{a}</th>" for a in arms) in html


@pytest.mark.cli
def test_a_single_arm_run_writes_what_it_wrote_before(tmp_path: Path):
    path = tmp_path / "one.yaml"
    path.write_text(json.dumps(BASE))
    # the single-run data files are the point; the report is the arms tests' above (--no-report: no drug figure)
    res = invoke_hemasim("run", str(path), "--out", str(tmp_path / "o"), "--no-report")
    assert res.exit_code == 0, res.output
    endpoints = json.loads((tmp_path / "o" / "endpoints.json").read_text())
    assert "anc_nadir" in endpoints and "value" in endpoints["anc_nadir"]
    assert (tmp_path / "o" / "timeseries.csv").read_text().startswith("time_days,")


@pytest.mark.cli
def test_a_cohort_refuses_arms(tmp_path: Path):
    path = tmp_path / "arms.yaml"
    path.write_text(json.dumps({**BASE, "arms": [{"name": "a"}, {"name": "b"}]}))
    res = invoke_hemasim("cohort", str(path), "--n", "2", "--out", str(tmp_path / "c"))
    assert res.exit_code == 2 and "arms" in res.output


def test_sections_of_other_kinds_are_rendered_arm_by_arm(monkeypatch):
    import hemasim.assembly
    from hemasim.interventions import ReportSection
    from hemasim.report.arms import _other_sections

    class Record:
        scenario = object()

    class Run:
        record = Record()

    sections = [ReportSection("toy", lambda result: "<p>toy</p>"), ReportSection("vaccine", lambda result: "<p>v</p>")]
    monkeypatch.setattr(hemasim.assembly, "report_sections", lambda scenario: sections)
    out = _other_sections([("a", Run()), ("b", Run())])
    # the vaccine panel compares the arms; a section the same in both is given once, naming both (report36: two
    # identical chimerism tables one under the other)
    assert out == ["<h3>arms a, b</h3><p>toy</p>"]
    runs = iter(["<p>one</p>", "<p>two</p>"])
    sections[0] = ReportSection("toy", lambda result: next(runs))
    assert _other_sections([("a", Run()), ("b", Run())]) == ["<h3>arm a</h3><p>one</p>", "<h3>arm b</h3><p>two</p>"]
    # a section with its own heading carries the arm in it (harden5: a small "arm a" stood above its larger heading)
    sections[0] = ReportSection("toy", lambda result: "<h2>Lineage chimerism</h2><p>toy</p>")
    assert _other_sections([("a<b", Run())]) == ["<h2>Lineage chimerism (arm a&lt;b)</h2><p>toy</p>"]
