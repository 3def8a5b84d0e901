"""The command line as a new user first meets it: where to start, the drug list at 80 columns, option errors
named by their option (the first-hour review)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hemasim.cli.app import app
from tests.conftest import EXAMPLES, ROOT, invoke_hemasim

pytestmark = pytest.mark.cli


def _at_80(*args: str) -> str:
    res = CliRunner().invoke(app, list(args), env={"COLUMNS": "80"}, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def test_the_top_level_help_says_where_to_start_and_the_start_exists(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch):
    """The start works where a wheel's user is (no repository): its first command copies the scenario its second
    one runs."""
    text = " ".join(_at_80("--help").split())
    start = re.search(r"Start with: hemasim examples (\S+) --out (\S+) \(.*?\), then hemasim run (\S+) --out (\S+) "
                      r"and open (\S+) \(key results", text)
    assert start is not None, text
    name, folder, scenario, out, report = start.groups()
    monkeypatch.chdir(tmp_path)
    assert invoke_hemasim("examples", name, "--out", folder).exit_code == 0
    assert (tmp_path / scenario).is_file() and scenario == f"{folder}/{name}.yaml" and report == f"{out}/report.html"
    assert (ROOT / scenario).is_file()  # and in a clone, as it stands
    assert "docs/getting_started.md" in text and (ROOT / "docs" / "getting_started.md").is_file()
    # a wheel holds no docs/: the help says where the pages it and the messages name are (harden15)
    assert "are in the hemasim source repository, not in an installed package" in text


def test_the_drug_list_says_in_a_few_words_what_each_set_models():
    text = _at_80("drugs")
    assert "what it models" in text
    assert re.search(r"docetaxel_kloft2006\s+│ Docetaxel neutropenia", text)
    assert re.search(r"carboplatin_zandvliet2008\s+│ Carboplatin PK only", text)
    assert "start_day + " in text  # a conditioning block's graft day, counted as a scenario counts


def test_one_drug_set_prints_its_description_then_each_value_with_its_source():
    lines = _at_80("drugs", "docetaxel_kloft2006").splitlines()
    assert lines[0].startswith("docetaxel_kloft2006 (docetaxel; routes: iv_infusion")
    assert lines[1].startswith("Docetaxel neutropenia: ")
    at = lines.index("  effects.0.slope_L_per_umol = 15.6")
    assert lines[at + 1].strip().startswith("Kloft2006, docetaxel ANC model")
    assert all(len(line.rstrip()) <= 80 for line in lines)


def test_a_bad_sensitivity_option_is_named_as_the_option(tmp_path: Path):
    res = invoke_hemasim("sensitivity", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(tmp_path / "s"),
                         "--parameters", "hsc_count", "--method", "sobel")
    assert res.exit_code == 2
    assert res.stderr.strip() == "hemasim: error: --method: Input should be 'morris', 'sobol' or 'local' (got 'sobel')"
    res = invoke_hemasim("sensitivity", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(tmp_path / "s"),
                         "--parameters", "hsc_count", "--low", "3", "--high", "2")
    assert res.exit_code == 2 and res.stderr.startswith("hemasim: error: --parameters/--low/--high: ")
    assert not (tmp_path / "s").exists()


def test_the_validate_counts_per_class_count_near_edge_passes_within_their_status():
    from hemasim.cli.validate import class_counts_line
    from hemasim.validation import CheckResult, TargetResult, ValidationReport

    def target(tid: str, cls: str, status: str, edge: bool = False) -> TargetResult:
        check = CheckResult("r", "reference_male", (0.0, 1.0), 0.5, "fail" if status == "fail" else "pass",
                            near_edge=edge)
        return TargetResult(tid, "g", "q", "p", "rule", "src", status, [check], target_class=cls)

    report = ValidationReport([target("P1", "prediction", "pass", edge=True), target("P2", "prediction", "pass"),
                               target("P3", "prediction", "partial", edge=True), target("P4", "prediction", "fail"),
                               target("S1", "consistency", "pass")])
    assert class_counts_line(report) == ("prediction: 2 pass (1 near an edge), 1 partly covered (1 near an edge), "
                                         "1 fail | consistency: 1 pass")


def test_a_cohort_scenario_given_to_run_says_that_one_patient_is_simulated(tmp_path: Path):
    res = invoke_hemasim("run", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--out", str(tmp_path / "o"),
                         "--no-report")
    assert res.exit_code == 0
    note, wrote = res.stderr.strip().splitlines()
    assert note.endswith("the population block is read by `hemasim cohort`; `hemasim run` simulates the scenario's "
                         "patient alone")
    assert wrote.startswith("wrote 3 files")


@pytest.mark.parametrize(("name", "expected"), [
    # each regimen the listing names is printed in full, with where every value comes from (firsthour4: `hemasim
    # drugs cy_tbi_12gy` answered "unknown drug set")
    ("cy_tbi_12gy", ("kind: conditioning, regimen: cy_tbi_12gy", "start_day + 6", "hsc = 0.8",
                     "assumed: HSCs resist cyclophosphamide", "total-body irradiation 12 Gy in 6 fraction(s)")),
    ("fac_ahmed2020", ("kind: chemotherapy_regimen, regimen: fac_ahmed2020", "every 21 days, 6 cycles",
                       "fluorouracil_arshad2020 (iv_bolus", "dose_mg_per_m2 = 500", "Ahmed2020, Methods",
                       "doi:10.3389/fphar.2020.00406")),
])
def test_a_regimen_named_to_drugs_prints_its_blocks_and_sources(name: str, expected: tuple[str, ...]):
    text = " ".join(_at_80("drugs", name).split())
    for part in expected:
        assert part in text, (part, text)


@pytest.mark.parametrize(("name", "hint"), [
    ("docetaxel", "; the sets of docetaxel: docetaxel_friberg2002, docetaxel_kloft2006"),
    ("cy_tbi_12gyy", "; did you mean 'cy_tbi_12gy'?"),
    # a near miss of a drug: its sets, not the regimen whose name holds the drug's (harden5: was 'ac_docetaxel')
    ("docetaxl", "; did you mean docetaxel? its sets: docetaxel_friberg2002, docetaxel_kloft2006"),
    ("ac_docetaxl", "; did you mean 'ac_docetaxel'?"),
    ("fac", "; did you mean 'fac_ahmed2020'?"),
    ("xyzzy", "(conditioning))"),
])
def test_an_unknown_name_given_to_drugs_lists_the_names_and_the_one_meant(name: str, hint: str):
    res = invoke_hemasim("drugs", name)
    (line,) = res.stderr.strip().splitlines()
    assert res.exit_code == 2
    assert line.startswith(f"hemasim: error: unknown drug set or regimen '{name}' (drug sets: carboplatin")
    assert "regimens: ac_docetaxel" in line and "bu_cy" in line and line.endswith(hint)


@pytest.mark.parametrize(("block", "hint"), [
    ({"kind": "conditioning", "regimen": "bucy", "start_day": 0}, "did you mean 'bu_cy'?"),
    ({"kind": "chemotherapy_regimen", "regimen": "fac", "start_day": 0}, "did you mean 'fac_ahmed2020'?"),
])
def test_an_unknown_regimen_in_a_scenario_names_the_one_meant(tmp_path: Path, block: dict[str, object], hint: str):
    import yaml

    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump({"name": "s", "patient": {"age_years": 50, "sex": "female", "weight_kg": 70,
                                                    "height_cm": 165},
                                        "duration_days": 60, "interventions": [block]}))
    res = invoke_hemasim("check", str(scenario))
    (line,) = res.stderr.strip().splitlines()
    assert res.exit_code == 2 and "interventions.0.regimen: unknown" in line and line.endswith(hint), line


def test_a_missing_fit_problem_is_one_line_and_nothing_else(tmp_path: Path):
    # firsthour4: off a terminal the fit's progress display drew nothing but closed with an empty line
    res = invoke_hemasim("fit", str(tmp_path / "nothere.yaml"), "--out", str(tmp_path / "fit"))
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [f"hemasim: error: {tmp_path / 'nothere.yaml'}: cannot read the problem file "
                                       "(No such file or directory)"]
    assert not (tmp_path / "fit").exists()


def test_the_compact_card_explains_its_columns_and_abbreviations_first():
    from hemasim.cli.validate import CLASS_TAG, COMPACT_HEADER

    text = " ".join(COMPACT_HEADER)
    assert text.startswith("id    class   status      worst check")
    for tag, name in ((tag, name) for name, tag in CLASS_TAG.items()):
        assert f"{tag} = {name}" in text
    assert "* = a pass near an edge" in text
    res = invoke_hemasim("validate", "--group", "steady_state")
    assert res.stdout.splitlines()[0] == COMPACT_HEADER[0]  # printed as written (no "[...]" taken for markup)


def test_the_drug_list_marks_the_sets_without_pk_as_pd_only():
    # the mark is text, not rich markup (as markup, "[no PK: PD only]" was read as a style tag and vanished)
    res = CliRunner().invoke(app, ["drugs"], env={"COLUMNS": "200"}, catch_exceptions=False)
    rows = {line.split("│")[1].strip(): line for line in res.output.splitlines() if line.count("│") == 4}
    marked = {name for name, row in rows.items() if "[no PK: PD only]" in row}
    assert marked == {"paclitaxel_friberg2002", "paclitaxel_wahlby2004"}, res.output


def test_a_regimen_gives_its_drugs_days_in_both_counts():
    # "pegfilgrastim_melhem2017 (subcutaneous, day(s) 1 of each cycle)" under a description saying "on day 2"
    text = " ".join(_at_80("drugs", "docetaxel_pegfilgrastim").split())
    assert "on day 2 of every cycle" in text
    assert ("pegfilgrastim_melhem2017 (subcutaneous, days_in_cycle 1: day 2 of each cycle, counting its first day as "
            "day 1)") in text
