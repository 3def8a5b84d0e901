"""Progress off a terminal, one rule for the long commands (hemasim validate's, harden5): plain stderr lines, one
when each stage first reports, one at most every PLAIN_EVERY_S while it runs, one when it is done. Off a terminal fit, sweep
and sensitivity printed none (their bar disabled there), fit-population none (a transient bar) and cohort one
finished bar."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from hemasim.cli._progress import PLAIN_EVERY_S, StageProgress
from tests.conftest import EXAMPLES, invoke_hemasim

HEALTHY = str(EXAMPLES / "healthy_adult.yaml")
PROBLEM = str(EXAMPLES / "fit" / "problem.yaml")


def _plain(text: str) -> list[str]:
    """The lines with their seconds replaced by S (how long a step takes is not the test's business), without the
    warnings about the input a command gives before it starts (fit-population of examples/fit's one subject)."""
    return [re.sub(r", \d+ s elapsed$", ", S s elapsed", line) for line in text.strip().splitlines()
            if not line.startswith("hemasim: warning: ")]


def test_plain_lines_say_the_first_step_every_interval_and_the_end_once():
    now = [0.0]
    stream = io.StringIO()
    with StageProgress("sweep", terminal=False, stream=stream, clock=lambda: now[0]) as progress:
        step = progress.counter("sweeping t", 100)
        for done, at in ((1, 1.0), (2, PLAIN_EVERY_S - 1.0), (40, PLAIN_EVERY_S + 1.5), (41, PLAIN_EVERY_S + 2.0),
                         (100, 2 * PLAIN_EVERY_S + 1.0), (100, 2 * PLAIN_EVERY_S + 2.0)):
            now[0] = at
            step(done)
    assert stream.getvalue().splitlines() == [
        "sweep: sweeping t 1/100, 1 s elapsed",
        # 60 steps left at the pace since the first line (39 steps in PLAIN_EVERY_S + 0.5 s)
        f"sweep: sweeping t 40/100, {PLAIN_EVERY_S + 1.5:.0f} s elapsed, about {60 * (PLAIN_EVERY_S + 0.5) / 39:.0f} s left",
        f"sweep: sweeping t 100/100 done, {2 * PLAIN_EVERY_S + 1.0:.0f} s elapsed"]


def test_a_line_while_a_stage_runs_says_about_how_long_is_left():
    """ux37: a 100,000-patient cohort said "patients 6370/100000, 31 s elapsed" and nothing of the minutes to come.
    The time left is the stage's pace since its first line (not since the command started: the start-up and the
    kernels' load are not the stage's pace), in the unit a person reads."""
    now = [0.0]
    stream = io.StringIO()
    with StageProgress("cohort", terminal=False, stream=stream, clock=lambda: now[0]) as progress:
        for done, at in ((8, 5.0), (6370, 35.0), (20000, 100.0), (99000, 500.0), (100000, 505.0)):
            now[0] = at
            progress.update("patients", done, 100000)
    assert stream.getvalue().splitlines() == [
        "cohort: patients 8/100000, 5 s elapsed",  # no pace yet: no time left
        "cohort: patients 6370/100000, 35 s elapsed, about 7 min left",  # 93630 * 30 / 6362 = 441 s
        "cohort: patients 20000/100000, 100 s elapsed, about 6 min left",  # 80000 * 95 / 19992 = 380 s
        "cohort: patients 99000/100000, 500 s elapsed, about 5 s left",  # 1000 * 495 / 98992 = 5.0 s
        "cohort: patients 100000/100000 done, 505 s elapsed"]


def test_the_time_left_reads_as_seconds_minutes_or_hours():
    from hemasim.cli._progress import _span, time_left_s

    assert [_span(s) for s in (0.2, 40, 89, 600, 5399, 5400, 7 * 3600)] == ["1 s", "40 s", "89 s", "10 min",
                                                                          "90 min", "1.5 h", "7.0 h"]
    assert time_left_s((10.0, 5), 10.0, 5, 100) is None  # no step since the first line: no pace
    assert time_left_s((0.0, 0), 10.0, 25, 100) == 30.0


def test_each_stage_has_its_own_lines():
    stream = io.StringIO()
    with StageProgress("fit", terminal=False, stream=stream, clock=lambda: 0.0) as progress:
        for stage, total in (("local fits", 2), ("profiles", 3)):
            for done in range(1, total + 1):
                progress.update(stage, done, total)
    assert stream.getvalue().splitlines() == ["fit: local fits 1/2, 0 s elapsed", "fit: local fits 2/2 done, 0 s elapsed",
                                              "fit: profiles 1/3, 0 s elapsed", "fit: profiles 3/3 done, 0 s elapsed"]


def test_an_input_refused_as_the_work_starts_stays_one_error_line(tmp_path: Path):
    """Nothing is said before a stage's first step: a factor the scenario does not have (found as the analysis
    starts) is the only line."""
    res = invoke_hemasim("sensitivity", HEALTHY, "--method", "local", "--parameters", "no_such_parameter", "--out",
                         str(tmp_path / "out"))
    assert res.exit_code == 2 and len(res.stderr.strip().splitlines()) == 1, res.stderr
    assert res.stderr.startswith("hemasim: error: --parameters/--low/--high: unknown parameter")


def test_on_a_terminal_no_plain_line_is_written():
    stream = io.StringIO()
    with StageProgress("fit", terminal=True, stream=stream) as progress:
        progress.update("local fits", 0, 2)
        progress.update("local fits", 2, 2)
    assert stream.getvalue() == ""


def test_on_a_terminal_the_bar_says_the_time_left():
    """ux37: the bar showed the steps done and the time elapsed only."""
    from rich.progress import TimeRemainingColumn

    with StageProgress("cohort", terminal=True, stream=io.StringIO()) as progress:
        assert any(isinstance(c, TimeRemainingColumn) for c in progress._bar.columns)


def _reporting(*calls: tuple[object, ...]):
    """A stand-in for a command's library call: reports ``calls`` to the progress it is given, then stops (Ctrl-C,
    which each command answers in one line: the work itself is not the test's business)."""
    def work(*args: object, progress: object = None, **kwargs: object) -> None:
        report = progress if progress is not None else args[-1]
        for call in calls:
            report(*call)  # type: ignore[operator]
        raise KeyboardInterrupt
    return work


@pytest.mark.cli
@pytest.mark.parametrize(("command", "target", "args", "calls", "expected"), [
    ("fit", "hemasim.inference.outputs.run_fit", ["fit", PROBLEM],
     [("starts", 1, 2), ("starts", 2, 2), ("profiles", 1, 3), ("profiles", 3, 3)],
     ["fit: local fits 1/2", "fit: local fits 2/2 done", "fit: profiles 1/3", "fit: profiles 3/3 done"]),
    ("fit-population", "hemasim.inference.population_outputs.fit_problem_population", ["fit-population", PROBLEM],
     [("SAEM", 1, 10), ("SAEM", 10, 10)], ["fit-population: SAEM 1/10", "fit-population: SAEM 10/10 done"]),
    ("sweep", "hemasim.sensitivity.run.run_sweep", ["sweep", HEALTHY, str(EXAMPLES / "sweeps" / "healthy_lhs.yaml")],
     [(16,), (64,)], ["sweep: sweeping healthy adult 16/64", "sweep: sweeping healthy adult 64/64 done"]),
    ("sensitivity", "hemasim.sensitivity.run.run_sensitivity",
     ["sensitivity", HEALTHY, "--method", "local", "--parameters", "anc_setpoint_1e9_per_L"],
     [(2,), (5,)], ["sensitivity: local on healthy adult 2/5", "sensitivity: local on healthy adult 5/5 done"]),
])
def test_off_a_terminal_each_long_command_writes_plain_progress_lines(
        command: str, target: str, args: list[str], calls: list[tuple[object, ...]], expected: list[str],
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(target, _reporting(*calls))
    res = invoke_hemasim(*args, "--out", str(tmp_path / "out"))  # the runner's stderr is no terminal
    lines = _plain(res.stderr)
    assert lines[:-1] == [f"{line}, S s elapsed" for line in expected]
    assert lines[-1].startswith("hemasim: interrupted: nothing written")


@pytest.mark.cli
def test_a_cohort_off_a_terminal_writes_the_same_plain_lines_not_a_finished_bar(tmp_path: Path):
    out = tmp_path / "c"
    # --no-report: the lines are the test's business, not the bands' figure (tests/test_cli.py draws it); the last
    # line names the files written, without the two the option leaves out
    res = invoke_hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "2", "--partition-size",
                         "1", "--out", str(out), "--no-report")
    assert res.exit_code == 0, res.stderr
    lines = _plain(res.stderr)
    # two stages (harden34): the patients, told from inside the integration, may come between the partitions (the
    # second partition integrates while the first is written)
    assert [line for line in lines if "partitions" in line] == ["cohort: partitions 1/2, S s elapsed",
                                                                "cohort: partitions 2/2 done, S s elapsed"]
    assert [line for line in lines if "cohort: patients" in line] == ["cohort: patients 1/2, S s elapsed",
                                                                      "cohort: patients 2/2 done, S s elapsed"]
    assert lines[4].startswith("cohort of 2 patients written to") and lines[-1].endswith("bands.csv)")
    assert not (out / "bands.png").exists() and not (out / "report.html").exists()
    assert (out / "summary.json").exists() and (out / "bands.csv").exists()
    assert "━" not in res.stderr  # no bar drawn


@pytest.mark.cli
def test_the_clonal_command_off_a_terminal_writes_the_same_plain_lines(tmp_path: Path):
    """It printed its finished rich bars there, as the cohort did. --no-report: the lines are the test's business,
    not the report's four figures (tests/test_cli.py reads the report); an earlier output's report.html goes with
    the folder it replaces."""
    from hemasim.cli.clonal import CH_OUTPUT_FILES

    (tmp_path / "ch").mkdir()
    for name in CH_OUTPUT_FILES:
        (tmp_path / "ch" / name).write_text("an earlier output's\n")
    res = invoke_hemasim("clonal-hematopoiesis", "--n", "20", "--max-age", "30", "--example-pool-size", "200",
                         "--out", str(tmp_path / "ch"), "--no-report")
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "ch").iterdir()) == ["example_lifespan.csv", "prevalence.csv", "run.json",
                                                                   "vaf_snapshots.csv"]
    lines = [line for line in _plain(res.stderr) if line.startswith("clonal-hematopoiesis: ")]
    assert lines[0] == "clonal-hematopoiesis: CH cohort (20 lifespans) 1/1 done, S s elapsed"
    assert lines[-1] == "clonal-hematopoiesis: clonal engine 31/31 done, S s elapsed"  # the example, year by year
    assert "━" not in res.stderr


def test_a_cohort_tells_its_progress_of_each_partition_once_its_files_are_written(tmp_path: Path):
    """The library call's callback (hemasim._progress.StageFn, as the clone engine's and SAEM's): after each
    partition's files, so a line never reports a partition a kill would lose."""
    from hemasim.cohort import run_cohort
    from hemasim.cohort.runner import partition_paths
    from hemasim.scenario import load_scenario

    out, calls = tmp_path / "c", []

    def progress(stage: str, done: int, total: int) -> None:
        calls.append((stage, done, total, all(p.exists() for p in partition_paths(out, done - 1, False))))

    run_cohort(load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml"), 2, out, partition_size=1, progress=progress,
               report=False)  # the partitions' progress, not the bands' figure
    assert [c for c in calls if c[0] == "cohort partitions"] == [("cohort partitions", 1, 2, True),
                                                                 ("cohort partitions", 2, 2, True)]
    assert [c[:3] for c in calls if c[0] != "cohort partitions"] == [("cohort patients", 1, 2), ("cohort patients", 2, 2)]
    calls.clear()
    run_cohort(load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml"), 2, out, partition_size=1, progress=progress,
               report=False)  # the partitions' progress, not the bands' figure
    assert calls == []  # resumed with nothing to do: nothing to report
