"""Faults found running the commands users run and the documents' snippets (bughunt34e): each test failed before
its fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import EXAMPLES
from tests.conftest import invoke_hemasim as hemasim


@pytest.mark.parametrize("seed", [2**63, 2**64])
def test_a_cohort_seed_beyond_int64_is_refused_before_anything_is_written(tmp_path: Path, seed: int):
    """`cohort --seed` had no upper bound: 2**64 ran the patients and then ended in pyarrow's OverflowError
    traceback (exit 1) with bands/ left in --out; a --seed-list seed and a design's seed are bounded 0 .. 2**63 - 1
    (the seed column is int64). Now one line, exit 2, nothing written - from the command and from the library."""
    from hemasim.cohort import CohortError, run_cohort
    from hemasim.scenario import load_scenario

    out = tmp_path / "c"
    result = hemasim("cohort", str(EXAMPLES / "docetaxel_q3w.yaml"), "--n", "1", "--seed", str(seed),
                     "--out", str(out), "--no-report")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hemasim: error: --seed:") and result.stderr.count("\n") == 1
    assert not out.exists()
    with pytest.raises(CohortError, match=r"--seed: .* 0 to 2\*\*63 - 1"):
        run_cohort(load_scenario(EXAMPLES / "docetaxel_q3w.yaml"), 1, out, seed=seed, progress=False, report=False)
    assert not out.exists()


def test_export_sbml_of_a_scenario_with_arms_is_refused_not_the_base_alone(tmp_path: Path):
    """export-sbml exported the base scenario of a file with arms and exited 0: an arm's patient and interventions
    (here a second arm's docetaxel) were dropped without a word. cohort, sweep and sensitivity refuse arms; so does
    export-sbml now (exit 2, nothing written)."""
    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text(encoding="utf-8"))
    chemo = data.pop("interventions")
    data["interventions"] = []
    data["arms"] = [{"name": "untreated"}, {"name": "docetaxel", "interventions": chemo}]
    scenario = tmp_path / "arms.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    out = tmp_path / "arms.xml"
    result = hemasim("export-sbml", str(scenario), "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "arms: an SBML file holds one arm" in result.stderr
    assert not out.exists()


def _two_arms(tmp_path: Path, output: dict) -> Path:
    """An untreated arm and a docetaxel arm of one 55-year-old woman (the drug in the second arm only)."""
    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text(encoding="utf-8"))
    chemo = data.pop("interventions")
    data.update(interventions=[], output=output, arms=[{"name": "untreated"}, {"name": "docetaxel",
                                                                               "interventions": chemo}])
    scenario = tmp_path / "arms.yaml"
    scenario.write_text(yaml.safe_dump(data), encoding="utf-8")
    return scenario


def test_references_of_a_scenario_with_arms_list_the_publications_of_every_arms_model(tmp_path: Path):
    """`references --scenario` built the base scenario's model alone: a drug given in an arm was not listed (no
    Kloft 2006 for a docetaxel arm, 30 publications as for no drug at all). It now lists the union of the arms'."""
    result = hemasim("references", "--scenario", str(_two_arms(tmp_path, {"every_days": 0.25})))
    assert result.exit_code == 0, result.output
    assert "Kloft C" in result.stdout
    assert "docetaxel_kloft2006__" in result.stdout


def test_an_arm_of_a_scenario_that_gives_its_output_step_is_not_warned_that_it_gives_none(tmp_path: Path):
    """`output: {every_days: 1}` at the top of a scenario is a grid the scenario gives (not warned: docs/scenarios.md),
    but each arm was rebuilt from the base without fields at their defaults, so the docetaxel arm was warned
    "arms.1: output.every_days: not given" by check, run and the library. `output: {}` is still warned."""
    from hemasim.scenario import load_scenario
    from hemasim.scenario.plausibility import OutputGridWarning

    result = hemasim("check", str(_two_arms(tmp_path, {"every_days": 1})))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr and "no warnings" in result.stdout
    with pytest.warns(OutputGridWarning, match=r"arms\.1: output\.every_days: not given"):
        load_scenario(_two_arms(tmp_path, {}))


@pytest.mark.parametrize(("args", "named"), [
    (("--method", "local", "--trajectories", "50"), "--trajectories (read by --method morris)"),
    (("--method", "morris", "--samples", "64"), "--samples (read by --method sobol)"),
    (("--step", "0.05",), "--step (read by --method local): not used by --method morris"),
])
def test_a_design_option_the_method_does_not_read_is_refused_not_ignored(tmp_path: Path, args, named: str):
    """`sensitivity --method local --trajectories 50` ran the local design (a step up and down per factor) and said
    nothing of the 50; --samples under Morris and --step under Morris (the default method) likewise. As a design
    option given beside --file is refused, one given to a method that does not read it is now one line, exit 2,
    before anything runs."""
    out = tmp_path / "o"
    result = hemasim("sensitivity", str(EXAMPLES / "healthy_adult.yaml"), "--parameters", "anc_setpoint_1e9_per_L",
                     *args, "--no-plot", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hemasim: error: ") and named in result.stderr
    assert result.stderr.count("\n") == 1
    assert not out.exists()


def test_a_cohort_scheduler_timeout_without_a_scheduler_is_refused_not_ignored(tmp_path: Path):
    """`--scheduler-timeout` waits for a Dask scheduler; without --scheduler the cohort ran on the local cores and
    the timeout was accepted unread (the TLS files without a scheduler are refused in one line: so is this)."""
    out = tmp_path / "c"
    result = hemasim("cohort", str(EXAMPLES / "docetaxel_q3w.yaml"), "--n", "1", "--out", str(out),
                     "--scheduler-timeout", "2", "--no-report")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hemasim: error: --scheduler-timeout:") and result.stderr.count("\n") == 1
    assert not out.exists()


def test_run_static_report_with_no_report_is_refused_not_ignored(tmp_path: Path):
    """`run --static-report --no-report` wrote the data files and no report, the --static-report accepted unread
    (its help: "Lineage plots as PNG images ... instead of interactive ones", of a report not written)."""
    out = tmp_path / "r"
    result = hemasim("run", str(EXAMPLES / "blood_donation.yaml"), "--out", str(out), "--static-report", "--no-report")
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("hemasim: error: --static-report:") and result.stderr.count("\n") == 1
    assert not out.exists()


def test_fit_population_refuses_an_allmt_record_named_twice(tmp_path: Path):
    """`fit-population data/allmt --patients UPN_914,UPN_914` fitted the one record as two subjects (population.json:
    n_subjects 2, individual.csv two identical rows), the between-subject variability estimated from a patient and
    his copy. Now one line, exit 2, before SAEM and before --out is made."""
    from tests.conftest import ROOT

    out = tmp_path / "pop"
    result = hemasim("fit-population", str(ROOT / "data" / "allmt"), "--patients", "UPN_914,UPN_915,UPN_914",
                     "--iterations", "10", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert "--patients: UPN_914 given more than once" in result.stderr and result.stderr.count("\n") == 1
    assert not out.exists()


def test_a_parameter_set_twice_on_the_command_line_is_refused_not_the_last_kept(tmp_path: Path):
    """`--set igg_half_life_days=25 --set igg_half_life_days=30` ran with 30 and said nothing of the 25 (a key given
    twice in a scenario file is refused: PyYAML would keep the last silently). Now one line naming the parameter and
    both values, exit 2 (run, check, cohort, sweep, sensitivity share the parser)."""
    from hemasim.scenario.overrides import parse_set_options

    out = tmp_path / "r"
    result = hemasim("run", str(EXAMPLES / "blood_donation.yaml"), "--out", str(out), "--no-report",
                     "--set", "igg_half_life_days=25", "--set", "igg_half_life_days=30")
    assert result.exit_code == 2, result.output
    assert result.stderr == ("hemasim: error: --set igg_half_life_days: given twice (25 and 30); give each parameter "
                             "once\n")
    assert not out.exists()
    assert parse_set_options(["igg_half_life_days=25", "b_proliferation_per_day=0.02"]) == {
        "igg_half_life_days": 25.0, "b_proliferation_per_day": 0.02}


@pytest.mark.slow
def test_a_seed_list_without_line_ends_is_refused_at_its_first_line_not_read_into_memory(tmp_path: Path):
    """`cohort --seed-list /dev/zero` read the whole "file" before looking at a line: memory without end, and under a
    3 GB address-space limit a MemoryError traceback (exit 1). The list is now read line by line in pieces of at
    most MAX_SEED_LINE characters and no further than one seed past --n: one line, exit 2, nothing written. (Run in
    a child process under that limit, so that a regression cannot take the machine's memory.)"""
    import os
    import resource
    import subprocess
    import sys

    from tests.conftest import ROOT

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))

    out = tmp_path / "c"
    done = subprocess.run([sys.executable, "-m", "hemasim", "cohort", str(EXAMPLES / "docetaxel_q3w.yaml"), "--n",
                           "2", "--seed-list", "/dev/zero", "--out", str(out)], capture_output=True, text=True,
                          timeout=120, preexec_fn=limit, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 2, done.stderr[-500:]
    assert done.stderr.startswith("hemasim: error: --seed-list /dev/zero:1: a line of more than")
    assert not out.exists()
    seeds = tmp_path / "seeds.txt"
    seeds.write_text("1\n\n2\n3\n", encoding="utf-8")
    result = hemasim("cohort", str(EXAMPLES / "docetaxel_q3w.yaml"), "--n", "2", "--seed-list", str(seeds),
                     "--out", str(out))
    assert result.exit_code == 2 and "more than 2 seeds for --n 2" in result.stderr


def _measurements(tmp_path: Path, data: bytes) -> Path:
    import shutil

    folder = tmp_path / "fit"
    shutil.copytree(EXAMPLES / "fit", folder)
    (folder / "measurements.csv").write_bytes(data)
    return folder / "problem.yaml"


def test_a_measurement_file_saved_by_excel_as_csv_utf8_is_read(tmp_path: Path):
    """Excel's "CSV UTF-8" starts with a byte-order mark: the header's first name read '\\ufeffcondition', and the fit
    was refused with "missing column 'condition'" beside a file whose first column is condition. Scenarios and other
    YAML inputs allow the mark; so does a measurement file now, with the same measurements as without it."""
    from hemasim.inference.problem import load_measurements

    shipped = (EXAMPLES / "fit" / "measurements.csv").read_bytes()
    problem = _measurements(tmp_path, b"\xef\xbb\xbf" + shipped)
    with_bom = load_measurements(problem.parent / "measurements.csv")
    without = load_measurements(EXAMPLES / "fit" / "measurements.csv")
    for field in ("condition", "time_days", "observable", "value", "censored"):
        np.testing.assert_array_equal(getattr(with_bom, field), getattr(without, field), err_msg=field)


def test_a_measurement_file_not_in_utf8_is_one_line_naming_line_and_column(tmp_path: Path):
    """A Latin-1 'µ' in a measurement CSV (a spreadsheet's default export) ended `hemasim fit` and `fit-population`
    in a UnicodeDecodeError traceback (exit 1). Now one line naming the file, line and column, exit 2."""
    shipped = (EXAMPLES / "fit" / "measurements.csv").read_bytes()
    problem = _measurements(tmp_path, shipped.replace(b"7.321", b"7.321\xb5", 1))
    out = tmp_path / "o"
    result = hemasim("fit", str(problem), "--starts", "1", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"hemasim: error: {problem.parent / 'measurements.csv'}: line 2, column 23: byte 0xb5 is "
                             "not UTF-8; save the measurement file as UTF-8 text\n")
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("args", [("export-sbml", str(EXAMPLES / "blood_donation.yaml")), ("check", str(
    EXAMPLES / "healthy_adult.yaml")), ("examples", "--list")])
def test_standard_output_on_a_full_disk_is_one_line_exit_1_not_a_traceback(args):
    """`hemasim export-sbml s.yaml > /dev/full` (its default: the SBML on standard output), `check`, `references`,
    `drugs`, `examples --list` to a full disk ended in an OSError traceback (rich's or print's), where a write that
    fails is one line, exit 1 (docs/reliability.md; --out's writes already were)."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    with open("/dev/full", "w") as full:
        done = subprocess.run([sys.executable, "-m", "hemasim", *args], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert done.returncode == 1, done.stderr[-800:]
    assert done.stderr.endswith("hemasim: error: cannot write the output: No space left on device\n"), done.stderr
    assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr



def test_a_seed_list_saved_with_a_byte_order_mark_is_read_as_the_same_seeds(tmp_path: Path):
    """A seed list saved as Excel's "CSV UTF-8" begins with a BOM: its first line was refused as "'\\ufeff1' is not
    an integer" (scenarios and the other inputs allow the mark). It now draws the same patients as without it."""
    import pandas as pd

    tables = []
    for name, data in (("bom", b"\xef\xbb\xbf7\n8\n"), ("plain", b"7\n8\n")):
        seeds = tmp_path / f"{name}.txt"
        seeds.write_bytes(data)
        result = hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "2", "--seed-list",
                         str(seeds), "--no-report", "--out", str(tmp_path / name))
        assert result.exit_code == 0, result.output
        tables.append(pd.read_parquet(tmp_path / name / "endpoints"))
    assert list(tables[0].seed) == [7, 8]
    pd.testing.assert_frame_equal(tables[0], tables[1])


def test_an_allmt_record_not_in_utf8_is_named_by_file_line_and_column(tmp_path: Path):
    """fit-population on a folder whose record holds a Latin-1 byte said only "'utf-8' codec can't decode byte 0xb5
    in position 6: invalid start byte": no file (the reader's docstring: "ValueError names file, row and column").
    Now the file, line and column, as a YAML input's."""
    from tests.conftest import ROOT

    folder = tmp_path / "records"
    folder.mkdir()
    shipped = (ROOT / "data" / "allmt" / "UPN_914.csv").read_bytes()
    (folder / "UPN_914.csv").write_bytes(shipped)
    (folder / "UPN_915.csv").write_bytes(shipped.replace(b'"Cycle"', b'"Cycle\xb5"', 1))
    result = hemasim("fit-population", str(folder), "--iterations", "10", "--out", str(tmp_path / "o"))
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"hemasim: error: {folder / 'UPN_915.csv'}: line 1, column 7: byte 0xb5 is not UTF-8; "
                             "save the allMT record as UTF-8 text\n")
