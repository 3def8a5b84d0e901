"""Output folders: checked before anything runs, swapped in whole, never half-written (a kill at every step of
the swap leaves the old complete folder or the new complete one), stale temporaries cleaned."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import hemasim.io as hio
from hemasim.io import (
    OutputError,
    atomic_directory,
    atomic_outputs,
    atomic_write_file,
    check_output_folder,
    write_json_report,
)
from tests.conftest import EXAMPLES, invoke_hemasim

OLD = {"a.txt": "old-a", "b.txt": "old-b"}
NEW = {"a.txt": "new-a", "b.txt": "new-b"}
KILLED = 17


def _writers(content: dict[str, str]) -> dict[str, Callable[[Path], object]]:
    return {name: (lambda p, text=text: p.write_text(text)) for name, text in content.items()}


def _folder(path: Path) -> dict[str, str] | None:
    return {p.name: p.read_text() for p in path.iterdir()} if path.is_dir() else None


def _killed_at(point: int, out: Path, exchange: bool) -> int:
    """Write NEW into ``out`` in a forked child that dies (os._exit) at ``point``: before (even) or after (odd)
    the ``point // 2``-th file-system step of the write and swap. Returns the child's exit status."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        step = [0]

        def killing(fn: Callable[..., object]) -> Callable[..., object]:
            def wrapped(*args: object, **kwargs: object) -> object:
                if point == 2 * step[0]:
                    os._exit(KILLED)
                result = fn(*args, **kwargs)
                if point == 2 * step[0] + 1:
                    os._exit(KILLED)
                step[0] += 1
                return result
            return wrapped

        try:
            os.rename = killing(os.rename)  # type: ignore[assignment]
            os.replace = killing(os.replace)  # type: ignore[assignment]
            shutil.rmtree = killing(shutil.rmtree)  # type: ignore[assignment]
            hio._exchange = killing(hio._exchange if exchange else (lambda a, b: False))  # type: ignore[assignment]
            writers = {name: killing(w) for name, w in _writers(NEW).items()}
            atomic_directory(out, writers)
            os._exit(0)
        except BaseException:
            os._exit(3)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.slow  # > 2 s (speedcohort: `make test-fast` under a minute)
@pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill test forks")
@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2-exchange", "two-renames"])
@pytest.mark.parametrize("existing", [True, False], ids=["over-an-old-output", "new-folder"])
def test_a_kill_at_every_step_leaves_the_old_or_the_new_complete_folder(tmp_path: Path, exchange: bool,
                                                                        existing: bool):
    finished = False
    for point in range(40):
        root = tmp_path / f"p{point}"
        root.mkdir()
        out = root / "out"
        if existing:
            atomic_directory(out, _writers(OLD))
        code = _killed_at(point, out, exchange)
        assert code in (0, KILLED), f"the writer failed at point {point} (exit {code})"
        before = _folder(out)
        assert before in ((OLD if existing else None), NEW) or (not exchange and before is None), (point, before)
        check_output_folder(out, NEW)  # the next run: puts a folder left aside back, removes stale temporaries
        after = _folder(out)
        assert after in ((OLD if existing else None), NEW), (point, after)
        assert before is None or after == before
        assert [p.name for p in root.iterdir()] == (["out"] if after is not None else [])
        if code == 0:
            assert after == NEW
            finished = True
            break
    assert finished, "the write never completed: more steps than points tried"
    assert point >= 4  # the kill points did cover the writes and the swap


def test_a_second_write_replaces_the_folder_whole(tmp_path: Path):
    out = tmp_path / "out"
    atomic_directory(out, _writers({"a.txt": "1"}))
    atomic_directory(out, _writers({"a.txt": "2", "b.txt": "2"}))
    assert _folder(out) == {"a.txt": "2", "b.txt": "2"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_empty_existing_folder_is_used(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    atomic_directory(out, _writers(NEW))
    assert _folder(out) == NEW


def test_a_folder_with_foreign_files_is_refused_and_kept(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    with pytest.raises(OutputError, match=r"holds files this command does not write \(notes.txt\)"):
        atomic_directory(out, _writers(NEW))
    assert _folder(out) == {"notes.txt": "mine"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("make, message", [
    (lambda out: out.write_text("x"), "exists and is not a folder"),
    (lambda out: out.parent.joinpath("file").write_text("x"), "is not a folder"),
])
def test_bad_output_locations_are_refused(tmp_path: Path, make: Callable[[Path], object], message: str):
    out = tmp_path / "out"
    make(out)
    target = out if out.exists() else tmp_path / "file" / "sub" / "out"
    with pytest.raises(OutputError, match=message):
        check_output_folder(target, NEW)


def test_stale_temporaries_of_killed_runs_are_cleaned_and_live_ones_kept(tmp_path: Path):
    out = tmp_path / "out"
    dead_pid = 2**22 + 12345  # above Linux's pid_max default: no such process
    stale = [tmp_path / f".out.tmp-{dead_pid}-ab12", tmp_path / ".out.tmp-x8y7z6", tmp_path / f".out.old-{dead_pid}-1"]
    for p in stale:
        p.mkdir()
        (p / "a.txt").write_text("junk")
    out.mkdir()
    live = tmp_path / f".out.tmp-{os.getppid()}-cd34"  # a run still writing (its process is alive)
    live.mkdir()
    atomic_directory(out, _writers(NEW))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "out"])
    # files too: a killed atomic_write_file leaves .NAME.tmp-PID
    (tmp_path / f".f.json.tmp-{dead_pid}").write_text("{")
    atomic_write_file(tmp_path / "f.json", lambda p: p.write_text("{}"))
    assert not (tmp_path / f".f.json.tmp-{dead_pid}").exists() and (tmp_path / "f.json").read_text() == "{}"


@pytest.mark.cli
@pytest.mark.parametrize("where", ["file", "under-file", "read-only"])
def test_run_refuses_a_bad_out_before_simulating(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str):
    import hemasim.assembly

    def no_simulation(*args: object, **kwargs: object) -> None:
        raise AssertionError("simulated before checking --out")

    monkeypatch.setattr(hemasim.assembly, "run_scenario", no_simulation)
    if where == "file":
        out = tmp_path / "out"
        out.write_text("x")
    elif where == "under-file":
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "out"
    elif os.geteuid() == 0:  # root writes anywhere a mode allows: use a file system nobody can write
        out = Path("/proc/hemasim-no-such-folder/out")
    else:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o555)
        out = ro / "out"
    res = invoke_hemasim("run", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(out))
    assert res.exit_code == 2, res.stderr  # refused before the run: bad input, as a scenario's mistake
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hemasim: error: ") and "Traceback" not in res.stderr
    assert str(out) in lines[0] or str(out.parent) in lines[0]


@pytest.mark.cli
def test_run_refuses_a_folder_of_foreign_files_and_leaves_it(tmp_path: Path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    res = invoke_hemasim("run", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(out))
    assert res.exit_code == 2 and "thesis.tex" in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert _folder(out) == {"thesis.tex": "precious"}


@pytest.mark.cli
def test_clonal_refuses_a_bad_out_before_simulating(tmp_path: Path):
    out = tmp_path / "out"
    out.write_text("x")
    res = invoke_hemasim("clonal-hematopoiesis", "--n", "1000000", "--out", str(out))  # would take hours
    assert res.exit_code == 2 and "is not a folder" in res.stderr and len(res.stderr.strip().splitlines()) == 1


@pytest.mark.cli
@pytest.mark.parametrize("command", [
    ("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "2"),
    ("sweep", str(EXAMPLES / "healthy_adult.yaml"), str(EXAMPLES / "sweeps" / "healthy_lhs.yaml")),
    ("clonal-hematopoiesis", "--n", "2"),
], ids=["cohort", "sweep", "clonal"])
def test_every_command_refuses_a_folder_of_foreign_files_as_bad_input(tmp_path: Path, command: tuple[str, ...]):
    # a new user's --out pointing at a folder of their own: one line naming --out and the file, exit 2 as for any
    # other mistake in the command line, the folder untouched (firsthour4: was exit 1, the code of a failed write)
    out = tmp_path / "results"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    res = invoke_hemasim(*command, "--out", str(out))
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 2, res.stderr
    assert len(lines) == 1 and lines[0].startswith(f"hemasim: error: --out {out} holds files this command does not write")
    assert "notes.txt" in lines[0] and _folder(out) == {"notes.txt": "mine"}


@pytest.mark.cli
def test_another_commands_output_is_refused_without_calling_it_foreign(tmp_path: Path):
    # a cohort folder given to `run`: hemasim wrote those files, so "hemasim did not write" was false (firsthour4)
    out = tmp_path / "cohort"
    out.mkdir()
    for name in ("summary.json", "bands.csv"):
        (out / name).write_text("{}")
    res = invoke_hemasim("run", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(out))
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [f"hemasim: error: --out {out} holds files this command does not write "
                                       "(bands.csv, summary.json); it replaces only its own earlier output: choose "
                                       "a new or empty folder"]


def test_the_io_module_imports_nothing_heavy():
    """hemasim.io is imported by the cohort runner and the CLI checks: the report and endpoints load lazily."""
    import ast

    tree = ast.parse(Path(hio.__file__).read_text())
    top = {a.name for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}
    assert not top & {"evaluate_endpoints", "render_report", "numpy", "pandas"}


@pytest.mark.cli
@pytest.mark.parametrize("where", ["folder", "under-file"])
def test_export_sbml_reports_an_unwritable_out_in_one_line(tmp_path: Path, where: str):
    if where == "folder":
        out = tmp_path / "model.xml"
        out.mkdir()
    else:
        (tmp_path / "file").write_text("x")
        out = tmp_path / "file" / "model.xml"
    res = invoke_hemasim("export-sbml", str(EXAMPLES / "blood_donation.yaml"), "--out", str(out))
    # a refused --out is bad input, exit 2, as for every other command (harden5: export-sbml exited 1, the code of
    # a write that failed after the work), in the same words as run's
    lines = res.stderr.strip().splitlines()
    assert res.exit_code == 2 and len(lines) == 1, res.stderr
    assert lines[0] == (f"hemasim: error: --out {out} exists and is not a regular file; name a file" if where == "folder"
                        else f"hemasim: error: --out {out}: {tmp_path / 'file'} is not a folder")
    assert [p.name for p in tmp_path.iterdir()] == [("model.xml" if where == "folder" else "file")]


@pytest.mark.cli
def test_export_sbml_makes_the_folders_of_its_out(tmp_path: Path):
    out = tmp_path / "new" / "deeper" / "model.xml"
    res = invoke_hemasim("export-sbml", str(EXAMPLES / "blood_donation.yaml"), "--out", str(out))
    assert res.exit_code == 0, res.stderr
    assert out.read_text(encoding="utf-8").startswith("<?xml")


def test_a_fit_report_is_printed_and_written_whole_or_not_at_all(tmp_path, capsys, monkeypatch):
    import json

    import numpy as np

    out = tmp_path / "fit.json"
    write_json_report({"estimate": np.float64(12.0)}, out)
    assert json.loads(capsys.readouterr().out) == {"estimate": 12.0} == json.loads(out.read_text())
    write_json_report({"estimate": 1}, None, echo=False)  # neither printed nor written
    assert capsys.readouterr().out == ""

    def killed(src, dst):
        raise KeyboardInterrupt
    monkeypatch.setattr(hio.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write_json_report({"estimate": 13.0}, out, echo=False)
    assert json.loads(out.read_text()) == {"estimate": 12.0}  # the earlier report, untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fit.json"]  # no temporary left behind


def test_outputs_without_report_render_none_and_drop_an_earlier_one(tmp_path: Path):
    """``--no-report`` of clonal-hematopoiesis and gene-therapy (:func:`hemasim.io.atomic_outputs`): the report's
    writer is never called, and the earlier output's report.html goes with its folder."""
    def no_rendering(path: Path) -> None:
        raise AssertionError("the report was rendered")

    out = tmp_path / "out"
    assert [p.name for p in atomic_outputs(out, {**_writers(OLD), "report.html": _writers({"r": "old"})["r"]})] == [
        "a.txt", "b.txt", "report.html"]
    written = atomic_outputs(out, {**_writers(NEW), "report.html": no_rendering}, report=False)
    assert [p.name for p in written] == ["a.txt", "b.txt"] and _folder(out) == NEW
