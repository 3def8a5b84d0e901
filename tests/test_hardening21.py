"""harden21: every command that writes a results folder leaves the complete new set of files or nothing new when a
writer fails half-way; a cohort patient's recovery endpoints read his own reference counts; sweep and sensitivity list
what they wrote, and a wrong-kind input is the first complaint."""

from __future__ import annotations

import errno
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import EXAMPLES, invoke_hemasim, shortened

pytestmark = pytest.mark.cli

EARLIER = "an earlier output's bytes\n"


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def _failing_writer(*args: object, **kwargs: object) -> Callable[[Path], None]:
    """A figure function whose writer fails (the disk fills while the last files are written)."""
    def write(path: Path) -> None:
        path.write_bytes(b"half a figure")
        _disk_full()
    return write


def _earlier_output(out: Path, names: tuple[str, ...]) -> dict[str, str]:
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        (out / name).write_text(EARLIER)
    return {name: EARLIER for name in names}


def _as_it_was(out: Path, earlier: dict[str, str]) -> None:
    """``out`` holds exactly the earlier files with their bytes, and nothing hidden is left beside or in it."""
    assert {p.name: p.read_text() for p in out.iterdir()} == earlier
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(".")]


def _short_scenario(tmp_path: Path, example: str = "healthy_adult.yaml", days: float = 20.0) -> Path:
    data = yaml.safe_load((EXAMPLES / example).read_text())
    data["duration_days"] = days
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


# ---------------------------------------------------------------------------------------------- 1. atomic outputs
@pytest.mark.parametrize("command", ["run", "run --no-report", "run (arms)", "sweep", "sensitivity"])
def test_a_writer_failing_half_way_leaves_the_earlier_folder_as_it_was(command: str, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    """The last file's writer fails (a full disk): one line, exit 1, and the earlier output untouched, no temporary
    left. ``--no-report``: the failure in an earlier writer (run.json's) likewise."""
    import hemasim.io
    import hemasim.report
    import hemasim.report.arms
    import hemasim.sensitivity.plots

    out = tmp_path / "out"
    scenario = str(_short_scenario(tmp_path, "influenza_healthy_vs_scid.yaml" if "arms" in command
                                   else "healthy_adult.yaml", 40.0 if "arms" in command else 10.0))
    if command == "run":
        monkeypatch.setattr(hemasim.report, "render_report", _disk_full)
        args, names = ["run", scenario], ("timeseries.csv", "endpoints.json", "run.json", "report.html")
    elif command == "run --no-report":
        real = hemasim.io.json_writer
        monkeypatch.setattr(hemasim.io, "json_writer",
                            lambda obj: _failing_writer() if "hemasim_version" in obj else real(obj))
        args, names = ["run", scenario, "--no-report"], ("timeseries.csv", "endpoints.json", "run.json")
    elif command == "run (arms)":
        monkeypatch.setattr(hemasim.report.arms, "render_arms_report", _disk_full)
        args, names = ["run", scenario], ("timeseries.csv", "endpoints.json", "run.json", "report.html")
    elif command == "sweep":
        design = tmp_path / "sweep.yaml"
        design.write_text(yaml.safe_dump({"sweep": {"method": "grid", "n_points": 2, "factors": [
            {"parameter": "anc_setpoint_1e9_per_L", "relative": [0.8, 1.2]}]}}))
        monkeypatch.setattr(hemasim.sensitivity.plots, "sweep_figure", _failing_writer)
        args, names = ["sweep", scenario, str(design)], ("sweep.csv", "sweep.parquet", "sweep.json", "sweep.png")
    else:
        monkeypatch.setattr(hemasim.sensitivity.plots, "ranking_figure", _failing_writer)
        args = ["sensitivity", scenario, "--method", "local", "--parameters", "anc_setpoint_1e9_per_L"]
        names = ("indices.csv", "samples.parquet", "sensitivity.json", "ranking.png")
    earlier = _earlier_output(out, names)
    res = invoke_hemasim(*args, "--out", str(out))
    assert res.exit_code == 1, res.stderr
    assert res.stderr.strip().splitlines()[-1] == f"hemasim: error: --out {out}: cannot write: No space left on device"
    _as_it_was(out, earlier)


def test_export_sbml_failing_half_way_leaves_the_earlier_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import hemasim.io

    out = tmp_path / "model.xml"
    out.write_text("<?xml earlier")
    monkeypatch.setattr(hemasim.io, "_fsync_file", _disk_full)  # the file written, then the disk fails
    res = invoke_hemasim("export-sbml", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(out))
    assert res.exit_code != 0
    assert out.read_text() == "<?xml earlier" and sorted(p.name for p in tmp_path.iterdir()) == ["model.xml"]


def test_examples_force_writes_every_file_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """``examples --force`` over earlier copies: a copy failing half-way (the third file) leaves every earlier copy
    as it was (the first two were overwritten), and a new subfolder it made is removed."""
    import shutil

    out = tmp_path / "ex"
    first = invoke_hemasim("examples", "--out", str(out))
    assert first.exit_code == 0, first.stderr
    files = sorted(p for p in out.rglob("*") if p.is_file())
    for p in files:
        p.write_text(EARLIER)
    shutil.rmtree(out / "sweeps")  # a subfolder the copy makes anew
    copies = []
    real = shutil.copyfile

    def copyfile(src: str, dst: str, *args: object, **kwargs: object) -> object:
        copies.append(dst)
        if len(copies) == len(files) - 1:
            _disk_full()
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(shutil, "copyfile", copyfile)
    res = invoke_hemasim("examples", "--out", str(out), "--force")
    assert res.exit_code == 1 and "No space left on device" in res.stderr
    assert all(p.read_text() == EARLIER for p in files if p.exists())
    assert not (out / "sweeps").exists() and not list(out.rglob(".*"))


def test_io_atomic_write_files_all_or_none(tmp_path: Path):
    from hemasim.io import atomic_write_files

    (tmp_path / "a.txt").write_text("old a")
    with pytest.raises(OSError):
        atomic_write_files({tmp_path / "a.txt": lambda p: p.write_text("new a"),
                            tmp_path / "new" / "deep" / "b.txt": lambda p: p.write_text("new b"),
                            tmp_path / "c.txt": _failing_writer()})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"] and (tmp_path / "a.txt").read_text() == "old a"
    assert atomic_write_files({tmp_path / "a.txt": lambda p: p.write_text("new a"),
                               tmp_path / "new" / "b.txt": lambda p: p.write_text("new b")}) == [
        tmp_path / "a.txt", tmp_path / "new" / "b.txt"]
    assert (tmp_path / "a.txt").read_text() == "new a" and (tmp_path / "new" / "b.txt").read_text() == "new b"


@pytest.mark.slow
@pytest.mark.integration
def test_a_cohort_summary_failing_half_way_leaves_the_earlier_summary_whole(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    """The partitions are complete; the summary is rewritten and its report fails: summary.json, summary.csv,
    bands.csv and bands.png stay the earlier ones (they were new tables beside the old report), the partitions
    stay."""
    import hemasim.cohort.runner as runner

    scenario = _short_scenario(tmp_path, "cohort_marrow_depletion.yaml", 20.0)
    out = tmp_path / "cohort"
    first = invoke_hemasim("cohort", str(scenario), "--n", "4", "--out", str(out))
    assert first.exit_code == 0, first.stderr
    summary = ("summary.json", "summary.csv", "bands.csv", "bands.png", "report.html")
    for name in summary:
        (out / name).write_text(EARLIER)
    partitions = {p: p.read_bytes() for p in out.rglob("part-*")}
    monkeypatch.setattr(runner, "render_cohort_report", _disk_full)
    res = invoke_hemasim("cohort", str(scenario), "--n", "4", "--out", str(out))
    assert res.exit_code != 0
    assert {n: (out / n).read_text() for n in summary} == dict.fromkeys(summary, EARLIER)
    assert {p: p.read_bytes() for p in out.rglob("part-*")} == partitions and not list(out.rglob(".*"))


# ---------------------------------------------------------------------------------------------- 2. each patient's values
RECOVERY = ("nk", "cd8", "b", "cd4")


def _allo_hsct(days: float = 60.0) -> dict:
    """The example cohort, shortened, at a single run's tolerance (the cohort's own would move a recovery day by one
    output step now and then)."""
    data = yaml.safe_load((EXAMPLES / "cohort_allo_hsct.yaml").read_text())
    return {**shortened(data, days), "solver": {"rtol": 1e-8}}


def _single_run_endpoints(data: dict, patient: dict, parameters: dict[str, float]) -> dict[str, float]:
    from hemasim.assembly import run_scenario
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.scenario import parse_scenario

    alone = {k: v for k, v in data.items() if k != "population"}
    alone.update(patient=patient, parameters=parameters)
    return {e.name: np.nan if e.value is None else e.value for e in evaluate_endpoints(run_scenario(
        parse_scenario(alone)))}


def _recovery_columns(names: list[str]) -> list[str]:
    return [n for n in names if n.split("_", 1)[0] in RECOVERY and "_50pct_normal_day" in n]


@pytest.mark.integration
def test_a_cohort_patients_recovery_endpoints_equal_his_single_run():
    """Each patient's recovery (half his reference count) is judged against his own drawn reference counts, as the
    same patient run alone with his drawn values as ``parameters:``: the cohort judged every patient against the
    table's median counts (NK recovery days 43, none, 13 where the patients' own runs gave 23, 22, 30)."""
    from hemasim.cohort import simulate_partition

    data = _allo_hsct()
    ep = simulate_partition(data, 0, 0, 3, 11, None, False).endpoints
    drawn = [c for c in ep.columns if c.startswith("param_")]
    assert {f"param_{lineage}_reference_per_uL" for lineage in RECOVERY} <= set(drawn)
    columns = _recovery_columns(list(ep.columns))
    assert len(columns) == 8  # a day and a did-not-fall flag per lineage
    for _, row in ep.iterrows():
        patient = {"age_years": float(row.age_years), "sex": str(row.sex), "weight_kg": float(row.weight_kg),
                   "height_cm": float(row.height_cm)}
        single = _single_run_endpoints(data, patient, {c.removeprefix("param_"): float(row[c]) for c in drawn})
        for name in columns:
            assert np.isclose(row[name], single[name], equal_nan=True), (name, row[name], single[name])
    assert ep["nk_50pct_normal_day"].notna().sum() >= 2  # the NK counts recover within the 60 days: days compared


@pytest.mark.integration
def test_a_sensitivity_points_recovery_endpoints_read_its_own_reference_count():
    """A sweep or sensitivity point that varies a reference count is judged against that count, as the scenario
    run alone with it (the batch read the scenario's value at every point)."""
    from hemasim.scenario import parse_scenario
    from hemasim.sensitivity.batch import evaluate_points

    data = {k: v for k, v in _allo_hsct().items() if k != "population"}
    values = [150.0, 600.0]
    table = evaluate_points(parse_scenario(data), __import__("pandas").DataFrame({"nk_reference_per_uL": values}))
    for k, value in enumerate(values):
        single = _single_run_endpoints(data, data["patient"], {"nk_reference_per_uL": value})
        for name in _recovery_columns(list(table.columns)):
            assert np.isclose(table[name][k], single[name], equal_nan=True), (value, name)
    assert table["nk_50pct_normal_day"].nunique() == 2


# ---------------------------------------------------------------------------------------------- 3. CLI listings, order
def _last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def test_sweep_and_sensitivity_list_the_files_they_wrote_as_run_does(tmp_path: Path):
    """Their last line names each file, as `hemasim run`'s (``wrote 4 files to OUT: timeseries.csv, ...``); they
    said only how many."""
    scenario = str(_short_scenario(tmp_path, days=10.0))
    design = tmp_path / "sweep.yaml"
    design.write_text(yaml.safe_dump({"sweep": {"method": "grid", "n_points": 2, "factors": [
        {"parameter": "anc_setpoint_1e9_per_L", "relative": [0.8, 1.2]}]}}))
    run = invoke_hemasim("run", scenario, "--out", str(tmp_path / "run"), "--no-report")
    assert _last_line(run.stderr) == f"wrote 3 files to {tmp_path / 'run'}: timeseries.csv, endpoints.json, run.json"
    for args, out, names in (
            (["sweep", scenario, str(design), "--no-plot"], tmp_path / "sweep", "sweep.csv, sweep.parquet, sweep.json"),
            (["sensitivity", scenario, "--method", "local", "--parameters", "anc_setpoint_1e9_per_L"],
             tmp_path / "sens", "indices.csv, samples.parquet, sensitivity.json, ranking.png")):
        res = invoke_hemasim(*args, "--out", str(out))
        assert res.exit_code == 0, res.stderr
        line = _last_line(res.stderr)
        assert line.startswith(f"wrote {names.count(',') + 1} files (") and line.endswith(f" to {out}: {names}"), line
        assert sorted(p.name for p in out.iterdir()) == sorted(names.split(", "))


def test_sensitivity_names_its_own_command_line_for_a_scenario_given_as_its_file(tmp_path: Path):
    healthy = str(EXAMPLES / "healthy_adult.yaml")
    res = invoke_hemasim("sensitivity", healthy, "--file", healthy, "--out", str(tmp_path / "out"))
    line = _last_line(res.stderr)
    assert res.exit_code == 2 and "`hemasim sensitivity SCENARIO.yaml --file SENSITIVITY.yaml --out DIR`" in line, line
    assert "hemasim sweep" not in line
    problem = str(EXAMPLES / "fit" / "problem.yaml")
    line = _last_line(invoke_hemasim("sensitivity", healthy, "--file", problem, "--out", str(tmp_path / "o")).stderr)
    assert "not a sensitivity design: run it with `hemasim fit" in line and "hemasim sweep" not in line, line
    sweep = str(EXAMPLES / "sweeps" / "healthy_lhs.yaml")
    line = _last_line(invoke_hemasim("sensitivity", healthy, "--file", sweep, "--out", str(tmp_path / "o")).stderr)
    assert f"this file runs with `hemasim sweep SCENARIO.yaml {sweep} --out DIR`" in line, line


@pytest.mark.parametrize(("args", "complaint"), [
    (["fit", str(EXAMPLES / "healthy_adult.yaml")], "this is a scenario, not a fitting problem"),
    (["fit-population", str(EXAMPLES / "healthy_adult.yaml")], "this is a scenario, not a fitting problem"),
    (["sweep", str(EXAMPLES / "healthy_adult.yaml"), str(EXAMPLES / "healthy_adult.yaml")],
     "(it is a scenario: the scenario comes first, `hemasim sweep SCENARIO.yaml SWEEP.yaml --out DIR`)"),
    (["sweep", str(EXAMPLES / "healthy_adult.yaml"), str(EXAMPLES / "fit" / "problem.yaml")],
     "not a sweep file: run it with `hemasim fit"),
    (["sensitivity", str(EXAMPLES / "healthy_adult.yaml"), "--file", str(EXAMPLES / "sweeps" / "healthy_lhs.yaml")],
     "holds a `sweep:` block; `hemasim sensitivity` needs a `sensitivity:` block"),
])
def test_a_wrong_kind_input_is_the_only_complaint_whatever_out_is(tmp_path: Path, args: list[str], complaint: str):
    """--out a file (refused too): the input's kind is said, alone; --out was said first, and the input's problem
    only once --out was fixed."""
    afile = tmp_path / "afile"
    afile.write_text("not a folder")
    res = invoke_hemasim(*args, "--out", str(afile))
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 2 and len(lines) == 1 and complaint in lines[0] and str(afile) not in lines[0], lines
    assert afile.read_text() == "not a folder"
