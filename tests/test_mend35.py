"""What last session left in the command line and its files (branch mend35): a listing piped into a reader that closes
early (`hemasim references | head -1`) exits 0 without a traceback; sweep, sensitivity and export-sbml refuse a
scenario's `population:` block (they ignored it) and name `hemasim cohort`; a PEtab table saved with a BOM or in
Latin-1 is read, or named by line and column, as a measurement CSV is; `validate --json` makes a missing folder, as
every other command's output option does; a drug set's file whose name breaks the name rule is refused naming the
rule; FirstSustainedDay.flag_columns reads the recovery days the cohort computed instead of computing them again."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, invoke_hemasim
from .test_mend35e import rule_said

#: every command that prints a listing (and the help screens, the longest of which fills a terminal)
LISTINGS = [["references"], ["references", "--assumed"], ["drugs"], ["drugs", "docetaxel_friberg2002"],
            ["examples", "--list"], ["--help"], ["drugs", "--help"], ["validate", "--help"]]


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_a_listing_into_a_reader_that_closed_early_exits_0_without_a_traceback(args: list[str]) -> None:
    # the reader's end closed before the first line: every write meets a closed pipe, as the writes after
    # `| head -1` has read its line do (a reader that closes after a line is a race with the pipe's 64 KiB buffer)
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    try:
        res = subprocess.run([sys.executable, "-m", "hemasim", *args], stdout=write_end, stderr=subprocess.PIPE,
                             env=env, timeout=300)
    finally:
        os.close(write_end)
    err = res.stderr.decode("utf-8", "replace")
    assert res.returncode == 0, err[-2000:]
    for mark in ("Traceback", "Exception ignored", "BrokenPipeError", "Broken pipe"):
        assert mark not in err, err[-2000:]


#: a blood donation with a `population:` block: a cohort file (tests/test_sweep.py's scenario)
COHORT = {"name": "donation", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
          "duration_days": 30, "aging": False, "output": {"every_days": 1},
          "interventions": [{"kind": "blood_donation", "day": 2, "volume_mL": 900}],
          "population": {"age_years": {"min": 30, "max": 60}, "female_fraction": 0.5}}


@pytest.mark.parametrize("command", ["sweep", "sensitivity", "export-sbml"])
def test_a_population_block_is_refused_by_the_commands_of_one_patient_naming_hemasim_cohort(
        command: str, tmp_path: Path) -> None:
    # each ran the scenario's one patient and said nothing of the population: a sweep "of the cohort" that was not
    # one. A cohort at each design point is not what these commands do (nor what an SBML file holds): refused
    scenario = tmp_path / "cohort.yaml"
    scenario.write_text(json.dumps(COHORT))
    design = tmp_path / "sweep.yaml"
    design.write_text("sweep:\n  n_points: 2\n  factors:\n"
                      "    - {field: interventions.0.volume_mL, range: [400, 800]}\n")
    out = tmp_path / "out"
    args = {"sweep": [str(design), "--out", str(out)],
            "sensitivity": ["--method", "local", "--parameters", "erythroid_feedback_log_slope", "--out", str(out)],
            "export-sbml": ["--out", str(out)]}[command]
    res = invoke_hemasim(command, str(scenario), *args)
    assert res.exit_code == 2, res.stderr
    assert f"{scenario}: population:" in res.stderr and "hemasim cohort" in res.stderr, res.stderr
    assert f"hemasim {command}" in res.stderr and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert not out.exists()
    one_patient = {k: v for k, v in COHORT.items() if k != "population"}
    scenario.write_text(json.dumps(one_patient))  # the same scenario without the block: the command runs
    if command == "export-sbml":  # the quickest of the three shows the refusal is the block's alone
        assert invoke_hemasim(command, str(scenario), *args).exit_code == 0


@pytest.fixture(scope="module")
def petab_problem(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from hemasim.inference import load_problem
    from hemasim.inference.petab import export_petab

    from .conftest import EXAMPLES

    return export_petab(load_problem(EXAMPLES / "fit" / "problem.yaml"), tmp_path_factory.mktemp("petab") / "p",
                        lint=False)


def _copy(problem: Path, to: Path) -> Path:
    import shutil

    shutil.copytree(problem.parent, to)
    return to / problem.name


def test_petab_tables_saved_with_a_bom_are_read_as_without(petab_problem: Path, tmp_path: Path) -> None:
    # Excel's "Unicode text"/"CSV UTF-8" writes a BOM: the first column read '\ufeffparameterId' (a KeyError
    # traceback), where the measurement CSV's reader drops it (bughunt34e)
    import numpy as np

    from hemasim.inference import Objective
    from hemasim.inference.petab import import_petab

    copy = _copy(petab_problem, tmp_path / "bom")
    tables = sorted(copy.parent.glob("*.tsv"))
    assert len(tables) >= 4  # parameters, observables, a condition and its measurements
    for table in tables:
        table.write_bytes(b"\xef\xbb\xbf" + table.read_bytes())
    plain, bom = Objective(import_petab(petab_problem)), Objective(import_petab(copy))
    theta = np.array([plain.nominal, plain.nominal + 0.07])
    np.testing.assert_array_equal(bom(theta), plain(theta))


def test_a_petab_table_in_latin_1_is_named_by_line_and_column(petab_problem: Path, tmp_path: Path) -> None:
    from hemasim.inference.petab import PetabError, import_petab

    copy = _copy(petab_problem, tmp_path / "latin1")
    table = copy.parent / "parameters.tsv"
    lines = table.read_bytes().split(b"\n")
    lines[1] = lines[1] + b"\t\xb5g/mL"  # a unit typed in Latin-1 (µ is byte 0xb5 there)
    table.write_bytes(b"\n".join(lines))
    column = len(lines[1].decode("latin-1")) - len("g/mL")  # the µ, 1-based
    with pytest.raises(PetabError, match=f"parameters.tsv: line 2, column {column}: byte 0xb5 is not UTF-8; save "
                                         "the PEtab table as UTF-8 text"):
        import_petab(copy)


def test_validate_json_makes_a_missing_folder_as_the_other_commands_outputs_do(tmp_path: Path, monkeypatch) -> None:
    # run --out, cohort --out, export-sbml --out FILE make missing folders; validate --json alone refused one
    # ("the folder ... does not exist", harden5's new_folders=False), after the user had asked for a card
    import hemasim.validation as validation

    run = validation.run_validation
    monkeypatch.setattr(validation, "run_validation", lambda groups=None, progress=None: run(["blood_loss"],
                                                                                              progress=progress))
    card = tmp_path / "out" / "cards" / "card.json"
    res = invoke_hemasim("validate", "--group", "blood_loss", "--json", str(card))
    assert res.exit_code == 0, res.stderr
    assert json.loads(card.read_text(encoding="utf-8"))["targets"]
    sbml = tmp_path / "sbml" / "model.xml"  # the command it now agrees with
    assert invoke_hemasim("export-sbml", str(ROOT / "examples" / "blood_donation.yaml"), "--out", str(sbml)
                          ).exit_code == 0 and sbml.is_file()


@pytest.mark.parametrize("name_inside", ["My-Drug", "my_drug"])
def test_a_drug_set_file_named_against_the_rule_is_refused_naming_the_rule(name_inside: str, tmp_path: Path) -> None:
    # a set's name must equal its file's name and be [a-z][a-z0-9_]*: My-Drug.yaml was refused for its `name:`
    # (a regular expression) or for "name 'my_drug' must equal the file name 'My-Drug'", never saying that the
    # file's name is what breaks the rule; the user went round between the two
    from hemasim.pharmacology.drug_sets import DrugSetError, load_drug_set

    shipped = ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_kloft2006.yaml"
    text = shipped.read_text(encoding="utf-8").replace("name: docetaxel_kloft2006", f"name: {name_inside}")
    assert f"name: {name_inside}" in text
    user = tmp_path / "My-Drug.yaml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(DrugSetError) as refused:
        load_drug_set(user)
    rule_said(str(refused.value), user, "a drug set's name")  # as a regimen's file is refused (test_mend35e.py)
    renamed = tmp_path / "my_drug.yaml"  # what the message says to do, done: the set loads
    renamed.write_text(text.replace(f"name: {name_inside}", "name: my_drug"), encoding="utf-8")
    assert load_drug_set(renamed).name == "my_drug"


def test_the_fell_again_flag_reads_the_recovery_days_it_is_given() -> None:
    # the cohort computes each patient's recovery day (its endpoint column), then flag_columns computed the same days
    # again from the series; it now reads the column. Same flags for the same days (a 200-patient cohort's endpoint
    # table identical before and after, branch mend35's commit), and the days given are the days read:
    import numpy as np

    from hemasim.endpoints import DEFAULT_ENDPOINTS, FELL_AGAIN, FirstSustainedDay

    days = np.arange(0.0, 31.0)
    v = np.full(days.size, 0.2)
    v[:3] = 4.5
    v[14:20] = 1.2  # recovered on day 14, below 0.5 again on day 20
    v[23:] = 1.2  # and up again from day 23
    recovery = next(e for e in DEFAULT_ENDPOINTS if isinstance(e, FirstSustainedDay) and e.threshold == 0.5)
    computed = recovery.values(days, v[None, :])
    assert computed.tolist() == [14.0]
    assert recovery.flag_columns(days, v[None, :], computed)[FELL_AGAIN].tolist() == [1.0]
    # a day after the second fall, or none: no fall after it (were the days recomputed, both would read 1)
    assert recovery.flag_columns(days, v[None, :], np.array([23.0]))[FELL_AGAIN].tolist() == [0.0]
    assert recovery.flag_columns(days, v[None, :], np.array([np.nan]))[FELL_AGAIN].tolist() == [0.0]
