"""The command line: every command driven in-process through Typer's runner (exit code, stdout, stderr, files
written), plus two real-subprocess smoke tests of the entry points a user types."""

import json
import math
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, TERMINAL_ENV
from .conftest import invoke_hemasim as hemasim
from .test_validation import KNOWN_FAILURES

pytestmark = pytest.mark.cli


def test_run_writes_the_four_files(tmp_path: Path):
    out = tmp_path / "x"
    res = hemasim("run", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["endpoints.json", "report.html", "run.json", "timeseries.csv"]
    assert "wrote 4 files" in res.stderr
    import pandas as pd

    ts = pd.read_csv(out / "timeseries.csv")
    assert ts.columns[0] == "time_days" and "anc_1e9_per_L" in ts.columns and "cd4_per_uL" in ts.columns
    # every lineage flat at steady state (the example holds age fixed)
    assert ts.drop(columns=["time_days"]).pct_change().abs().max().max() < 1e-6
    endpoints = json.loads((out / "endpoints.json").read_text())
    assert endpoints["anc_nadir"]["unit"] == "1e9/L"
    run = json.loads((out / "run.json").read_text())
    assert run["seed"] == 0 and run["hemasim_version"]
    assert any("Catlin" in r for r in run["references"])
    assert all(p["source"] for p in run["parameters"])
    assert 'id="hemaplot-lineages"' in (out / "report.html").read_text()  # the interactive lineage plots


@pytest.mark.parametrize(
    ("content", "field"),
    [
        ("name: x\npatient: {age_years: 30, sex: male, weight_kg: -70}\nduration_days: 10\n", "patient.weight_kg"),
        ("name: x\npatient: {age_years: 30, sex: male, weight_kg: 70}\nduration_days: 10\nspeed: 3\n", "speed"),
        ("name: x\npatient: {age_years: thirty, sex: male, weight_kg: 70}\nduration_days: 10\n",
         "patient.age_years"),
        ("name: x\npatient: [age_years: 30\n", "malformed YAML"),
    ],
    ids=["negative-weight", "unknown-field", "wrong-type", "malformed-yaml"],
)
def test_bad_scenario_exits_2_with_one_line_and_no_files(tmp_path: Path, content, field):
    scen = tmp_path / "bad.yaml"
    scen.write_text(content)
    out = tmp_path / "out"
    res = hemasim("run", str(scen), "--out", str(out))
    assert res.exit_code == 2
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and field in lines[0], res.stderr
    assert res.stdout == ""
    assert not out.exists()
    assert not any(p.name.startswith(".out") for p in tmp_path.iterdir())


#: validation groups that a test of their own runs through the same harness (run_validation) and judges target by
#: target (test_validation.py, test_validation_chemotherapy_schedules.py, test_validation_predictions4.py,
#: test_validation_predictions5.py, test_validation_predictions_misc.py, test_validation_reconstitution.py,
#: test_validation_gcsf_graft.py, test_validation_predictions9.py, test_validation_predictions10.py,
#: test_validation_predictions11.py, test_validation_predictions12.py, test_validation_predictions14.py,
#: test_validation_predictions16.py, test_validation_predictions18.py, test_validation_predictions19.py): the
#: command-line test below leaves them out. They were ~90% of its CPU time (the chemotherapy cohorts, the schedule
#: and incidence cohorts, the engraftment runs), and ran a second time there, in another process (branch testspeed2)
GROUPS_JUDGED_ELSEWHERE = ("chemotherapy_schedules", "blood_loss", "chemotherapy", "transplantation",
                           "immunodeficiency_and_gene_therapy", "gcsf_mobilisation", "other_predictions",
                           "ageing_blood_counts", "immune_reconstitution_after_autologous_hsct",
                           "chemotherapy_incidence_by_schedule", "engraftment_and_pegfilgrastim",
                           "whole_blood_donation_and_autologous_engraftment", "single_cord_engraftment",
                           "donation_and_plateletpheresis_courses", "vaccines_and_immune_reconstitution",
                           "gcsf_after_allogeneic_graft", "vaccine_boosters_and_chemotherapy_lymphodepletion",
                           "radiation_granulocytes_and_filgrastim_doses", "plateletpheresis_platelet_recovery",
                           "filgrastim_schedule_mobilisation", "docetaxel_cyclophosphamide_and_pegfilgrastim",
                           "high_frequency_donation_haemoglobin", "reduced_intensity_allogeneic_blood_counts",
                           "mrna_vaccine_prime_and_boost", "hpv_dose_count", "nab_paclitaxel_150_qw")


@pytest.mark.integration
@pytest.mark.slow
def test_validate_passes_and_lists_uncovered(tmp_path: Path):
    """Every group that no other test runs, and the steady state (this one adds the command line's part: options,
    exit code, the card and its JSON); a new group is run here until a test of its own judges it."""
    from hemasim.validation import load_targets

    groups = [g for g in load_targets() if g not in GROUPS_JUDGED_ELSEWHERE]
    assert "steady_state" in groups and len(groups) >= 5
    report = tmp_path / "card.json"
    res = hemasim("validate", *(arg for g in groups for arg in ("--group", g)), "--json", str(report))
    card = json.loads(report.read_text())
    assert {t["group"] for t in card["targets"]} == set(groups)
    assert res.exit_code == (0 if card["ok"] else 1), res.output  # 1 when a target fails its source's band
    # its groups have no test of their own, so the known misses are held here: a new failure must be explained
    failed = {t["id"] for t in card["targets"] if t["status"] == "fail"}
    assert failed <= KNOWN_FAILURES, sorted(failed - KNOWN_FAILURES)
    uncovered = any(t["status"] == "not covered" for t in card["targets"])  # none since A4 is covered
    assert ("not covered" in res.stdout or not uncovered) and "S22" in res.stdout and "predictions:" in res.stdout
    assert "pred = prediction (never fitted" in " ".join(res.stdout.split())  # the columns explained first
    assert card["counts"]["pass"] >= 20


def test_the_groups_left_out_of_the_command_line_validation_are_run_by_tests_of_their_own():
    """Each group GROUPS_JUDGED_ELSEWHERE names is a target group that another test file passes to run_validation
    (or to the tests' validation_outcome, which calls it)."""
    import re

    from hemasim.validation import load_targets

    call = re.compile(r"(?:run_validation|validation_outcome)\(\[[^]]*\]")
    calls = " ".join(match for test_file in Path(__file__).parent.glob("test_*.py") if test_file.name != "test_cli.py"
                     for match in call.findall(test_file.read_text(encoding="utf-8")))
    groups = load_targets()
    for group in GROUPS_JUDGED_ELSEWHERE:
        assert group in groups, group
        assert f'"{group}"' in calls, f"no test runs the validation group {group}"


def test_validate_says_where_it_is_in_plain_lines_off_a_terminal(tmp_path: Path):
    # the whole card runs ~8 min on 2 cores; off a terminal the spinner drew nothing (harden5): one line a group
    card = tmp_path / "card.json"
    res = hemasim("validate", "--group", "blood_loss", "--group", "single_cord_engraftment", "--json", str(card))
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 3, res.stderr
    assert re.fullmatch(r"validate: group 1/2: blood_loss \(1 target\), \d+ s elapsed", lines[0])
    assert re.fullmatch(r"validate: group 2/2: single_cord_engraftment \(3 targets\), \d+ s elapsed", lines[1])
    assert re.fullmatch(r"validate: 2 groups done in \d+ s", lines[2])
    assert "validate:" not in res.stdout and "elapsed" not in card.read_text()  # the card and its JSON as before
    assert {t["group"] for t in json.loads(card.read_text())["targets"]} == {"blood_loss", "single_cord_engraftment"}


def test_validate_keeps_its_spinner_and_prints_no_plain_lines_on_a_terminal(monkeypatch, capsys):
    from rich.console import Console

    from hemasim.cli.validate import _Progress

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    with _Progress() as progress:
        assert progress._status is not None
        progress("blood_loss", 0, 2, 1)
        progress("single_cord_engraftment", 1, 2, 3)
        assert "single_cord_engraftment" in str(progress._status.renderable.text)
    assert "validate:" not in capsys.readouterr().err


def test_validate_off_a_terminal_names_each_group_as_it_starts_in_the_long_commands_format(monkeypatch, capsys):
    """Its own rule (a line as a group starts, none after its steps) in the lines hemasim.cli._progress writes."""
    from rich.console import Console

    from hemasim.cli.validate import _Progress

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: False))
    with _Progress() as progress:
        progress("blood_loss", 0, 2, 1)
        progress("single_cord_engraftment", 1, 2, 3)
    lines = capsys.readouterr().err.splitlines()
    assert [re.sub(r"\d+ s", "S s", line) for line in lines] == [
        "validate: group 1/2: blood_loss (1 target), S s elapsed",
        "validate: group 2/2: single_cord_engraftment (3 targets), S s elapsed", "validate: 2 groups done in S s"]


def test_validate_refuses_an_unknown_group():
    res = hemasim("validate", "--group", "astrology")
    assert res.exit_code == 2 and "--group: unknown group 'astrology'" in res.stderr
    # a near spelling is named; the refusal points at the list instead of printing it (review36b: 994 characters of
    # one line with 33 groups, where an error line is cut at 1000)
    res = hemasim("validate", "--group", "steady_sate")
    assert res.exit_code == 2 and "did you mean steady_state?" in res.stderr
    assert "`hemasim validate --list-groups` lists the" in res.stderr and "allowed:" not in res.stderr


def test_validate_group_help_lists_every_group_the_refusal_allows():
    """--group's help named two examples (steady_state, aging) of the twenty groups (harden14); it lists them from
    the targets file when the help is shown, as --list-groups does (the refusal points there: review36b), and the
    command's start-up does not load them."""
    import subprocess
    import sys

    from hemasim.validation import load_targets

    targets = load_targets()
    groups = list(targets)
    help_text = " ".join(hemasim("validate", "--help").stdout.replace("│", " ").split())
    # the list the refusal points at: every group the refusal allows, one a line, whatever their number
    refusal = hemasim("validate", "--group", "astrology").stderr
    assert f"lists the {len(groups)} groups" in refusal
    listed = hemasim("validate", "--list-groups")
    assert listed.exit_code == 0 and listed.stdout.splitlines() == [
        f"{g} ({len(targets[g])} target{'s' if len(targets[g]) != 1 else ''})" for g in groups]
    from hemasim.cli._errors import MAX_LINE_CHARS
    from hemasim.cli.validate import unknown_group
    from hemasim.validation import target_groups

    assert target_groups() == groups  # what --group accepts (the command's check) is what is listed
    # the refusal's length does not grow with the groups: 200 long names would not cut it
    assert len(unknown_group("astrology", [f"group_{i:03d}_{'x' * 40}" for i in range(200)])) < MAX_LINE_CHARS // 4
    # in the command's text, the whole width (in --group's 29-character column the longer names were cut at 80)
    assert f"Target groups (--group): {', '.join(groups)}." in help_text and "groups are listed above" in help_text
    probe = "import sys, hemasim.cli.app; print('hemasim.validation' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env,
                          check=True).stdout.strip() == "False"


@pytest.mark.parametrize("where", ["a_file/card.json", "a_folder", "read_only/card.json"])
def test_validate_refuses_an_unwritable_json_before_running(tmp_path: Path, where: str):
    # a missing folder is made (tests/test_mend35.py); one under a file cannot be
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "a_folder").mkdir()
    (tmp_path / "read_only").mkdir(mode=0o500)
    if where.startswith("read_only") and os.access(tmp_path / "read_only", os.W_OK):
        pytest.skip("running as a user who can write in a read-only folder (root)")
    res = hemasim("validate", "--json", str(tmp_path / where))
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    assert res.exit_code == 2 and len(lines) == 1 and "--json" in lines[0], res.output
    assert "Traceback" not in res.output and "simulating" not in res.stdout


def test_references_lists_cited_sources():
    res = hemasim("references", "--assumed")
    assert res.exit_code == 0, res.output
    assert "Lahoz-Beneytez" in res.stdout and "assumed" in res.stdout
    text = " ".join(res.stdout.split())
    assert "- b_child_excess_at_birth = 3.4: assumed" in text  # a ratio's unit "1" left out (firsthour4: "3.4 1")
    assert "- b_child_excess_decay_years = 3.5 year: assumed" in text


def test_references_says_what_its_list_is():
    import re

    res = hemasim("references")
    assert res.exit_code == 0, res.output
    header = " ".join(res.stdout.split("[1] ")[0].split())  # rich may wrap it at the terminal's width
    found = re.match(r"(\d+) publications behind (\d+) of the (\d+) parameters that the model of the reference "
                     r"healthy adult uses", header)
    assert found, header
    numbered = re.findall(r"^\[(\d+)\] ", res.stdout, flags=re.MULTILINE)
    assert int(found[1]) == len(numbered) == int(numbered[-1]) and int(found[2]) <= int(found[3])
    assert "Assumed or calibrated" not in res.stdout and "--assumed adds" in header
    assert "Assumed or calibrated" in hemasim("references", "--assumed").stdout


def test_references_name_the_parameters_each_publication_gives():
    # a healthy run cites Friberg 2002 (a chemotherapy paper) for the healthy neutrophil feedback, not for a drug:
    # the list says which parameters each publication is behind (polish27)
    from hemasim.biology import REFERENCE_ADULT, healthy_human_model

    res = hemasim("references")
    assert res.exit_code == 0, res.output
    entries = " ".join(res.stdout.split()).split(" [")
    friberg = next(e for e in entries if "Friberg LE" in e)
    model = healthy_human_model(REFERENCE_ADULT)
    used = model.parameters.subset(sorted(model.used_parameter_names()))
    cited = [p.name for p in used.values() if any(r.key == "Friberg2002" for r in p.references)]
    assert cited and all(name in friberg.replace(" ", "") for name in cited[:3]), friberg


def test_export_sbml_writes_a_valid_file(tmp_path: Path):
    from hemasim.model.sbml import validate_sbml

    out = tmp_path / "model.xml"
    res = hemasim("export-sbml", str(EXAMPLES / "blood_donation.yaml"), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert validate_sbml(out.read_text()) == []
    assert "intervention_0_BloodLoss" in out.read_text()


@pytest.mark.integration
@pytest.mark.slow
def test_cohort_command_writes_partitions_and_summary(tmp_path: Path):
    scen = tmp_path / "c.yaml"
    scen.write_text((EXAMPLES / "cohort_marrow_depletion.yaml").read_text().replace("duration_days: 365",
                                                                                     "duration_days: 30"))
    out = tmp_path / "cohort"
    res = hemasim("cohort", str(scen), "--n", "30", "--partition-size", "16", "--out", str(out), "--timeseries")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (out / "endpoints").iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    assert (out / "timeseries" / "part-00001.parquet").exists()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_patients"] == 30
    html = (out / "report.html").read_text()
    assert "<img" in html and "anc_<wbr>nadir" in html  # names break after "_" (report.html.name_html)


def test_cohort_command_refuses_an_empty_cohort(tmp_path: Path):
    res = hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "0", "--out", str(tmp_path / "x"))
    assert res.exit_code == 2 and "--n" in res.stderr and not (tmp_path / "x").exists()


@pytest.mark.integration
@pytest.mark.slow
def test_clonal_hematopoiesis_command_writes_prevalence_and_report(tmp_path: Path):
    out = tmp_path / "ch"
    args = ["clonal-hematopoiesis", "--n", "60", "--max-age", "79", "--example-pool-size", "2000", "--seed", "3"]
    res = hemasim(*args, "--out", str(out))
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["example_lifespan.csv", "prevalence.csv", "report.html",
                                                     "run.json", "vaf_snapshots.csv"]
    import pandas as pd

    table = pd.read_csv(out / "prevalence.csv")
    assert list(table["age_band"])[-1] == "70-79" and table["ch_prevalence"].between(0, 1).all()
    assert "Jaiswal" in (out / "report.html").read_text()
    again = tmp_path / "again"  # the same seed's tables; its report's three figures were drawn for no reader
    assert hemasim(*args, "--no-report", "--out", str(again)).exit_code == 0
    assert (again / "vaf_snapshots.csv").read_text() == (out / "vaf_snapshots.csv").read_text()  # same seed


def test_clonal_hematopoiesis_command_refuses_an_empty_population(tmp_path: Path):
    res = hemasim("clonal-hematopoiesis", "--n", "0", "--out", str(tmp_path / "bad"))
    assert res.exit_code == 2 and "--n" in res.stderr and not (tmp_path / "bad").exists()


@pytest.mark.parametrize("cmd", [[], ["run"], ["validate"], ["references"], ["cohort"], ["export-sbml"], ["drugs"],
                                 ["clonal-hematopoiesis"]])
def test_help_everywhere(cmd):
    res = hemasim(*cmd, "--help")
    assert res.exit_code == 0 and "Usage" in res.stdout


def test_export_of_a_rule_driven_regimen_is_refused_clearly(tmp_path: Path):
    res = hemasim("export-sbml", str(EXAMPLES / "docetaxel_q3w.yaml"), "--out", str(tmp_path / "m.xml"))
    assert res.exit_code == 2 and "cannot export" in res.stderr and "dose rules" in res.stderr
    assert not (tmp_path / "m.xml").exists()


def test_references_of_a_drug_scenario_include_the_drug_sets():
    res = hemasim("references", "--scenario", str(EXAMPLES / "docetaxel_q3w_pegfilgrastim.yaml"))
    assert res.exit_code == 0 and "Kloft" in res.stdout and "BioModels MODEL2211040001" in res.stdout


def test_references_of_a_graft_scenario_name_the_default_t_cell_dose_it_takes(tmp_path):
    # the autologous example gives no cd3_per_kg: its graft takes the cited autologous default (graft_t_cells)
    res = hemasim("references", "--scenario", str(EXAMPLES / "auto_hsct_melphalan.yaml"))
    text = " ".join(res.stdout.split())
    assert res.exit_code == 0 and "graft T-cell dose (peripheral blood, autologous; no cd3_per_kg given): 7.6e+07" \
        in text and "Boulassel" in text, res.output
    # a scenario that sets the dose takes no default, so none is listed
    given = tmp_path / "given.yaml"
    given.write_text((EXAMPLES / "auto_hsct_melphalan.yaml").read_text().replace(
        "donor: autologous", "donor: autologous, cd3_per_kg: 1.0e8"))
    res = hemasim("references", "--scenario", str(given))
    assert res.exit_code == 0 and "graft T-cell dose" not in res.stdout, res.output


def test_drugs_lists_sets_and_regimens_and_shows_one():
    res = hemasim("drugs")
    assert res.exit_code == 0 and "docetaxel_kloft2006" in res.stdout and "cy_tbi_12gy" in res.stdout
    res = hemasim("drugs", "docetaxel_kloft2006")
    assert res.exit_code == 0 and "slope_L_per_umol" in res.stdout and "Kloft2006" in res.stdout
    res = hemasim("drugs", "aspirin")
    assert res.exit_code == 2 and "unknown drug set or regimen 'aspirin'" in res.stderr


def test_version_prints_the_package_version():
    from hemasim import __version__

    res = hemasim("--version")
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == __version__


# ---------------------------------------------------------------------------- real processes, kept on purpose
# The runner above calls the Typer object directly, so it cannot notice a broken ``python -m hemasim``
# (src/hemasim/__main__.py), a broken ``[project.scripts]`` entry point, or an import that only fails in a fresh
# interpreter. These two start real processes for exactly that, and stay cheap (no simulation).


def _subprocess_env() -> dict[str, str]:
    return {**os.environ, **TERMINAL_ENV}


def test_python_dash_m_hemasim_starts():
    res = subprocess.run([sys.executable, "-m", "hemasim", "--help"], check=False, capture_output=True, text=True,
                         env=_subprocess_env(), timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Usage: python -m hemasim" in res.stdout and "clonal-hematopoiesis" in res.stdout


def test_installed_console_script_runs():
    # the script pip writes beside the interpreter of this environment (`make test` installs the package first)
    script = shutil.which("hemasim", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.skip("the `hemasim` console script is not installed in this environment (pip install -e .)")
    res = subprocess.run([script, "drugs", "--help"], check=False, capture_output=True, text=True, env=_subprocess_env(),
                         timeout=120)
    assert res.returncode == 0, res.stderr
    assert "Usage: hemasim drugs" in res.stdout


def test_validate_writes_strict_json_with_null_for_a_value_not_computed(tmp_path: Path, monkeypatch):
    """A check with no value (E1's undetermined G-CSF reading is NaN) is null in the --json card: json.dumps's NaN token
    is refused by strict JSON parsers (jq, JavaScript's JSON.parse)."""
    import hemasim.validation as validation

    run = validation.run_validation

    def with_a_nan(groups=None, progress=None):
        import dataclasses

        report = run(["blood_loss"], progress=progress)
        checks = report.targets[0].checks
        checks[0] = dataclasses.replace(checks[0], value=math.nan)
        return report

    monkeypatch.setattr(validation, "run_validation", with_a_nan)
    card = tmp_path / "card.json"
    hemasim("validate", "--group", "blood_loss", "--json", str(card))

    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON token {token}")

    data = json.loads(card.read_text(), parse_constant=refuse)
    assert data["targets"][0]["checks"][0]["value"] is None
