"""harden21: every command that writes a results folder leaves the complete new set of files or nothing new when a
writer fails half-way; a cohort patient's recovery endpoints read his own reference counts; sweep and sensitivity list
what they wrote, and a wrong-kind input is the first complaint."""

from __future__ import annotations

import errno
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml

from tests.conftest import EXAMPLES, invoke_hemasim

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
