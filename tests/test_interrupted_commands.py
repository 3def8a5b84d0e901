"""Ctrl-C (SIGINT) in run, validate, fit, fit-population, sweep, sensitivity and clonal-hematopoiesis: one line saying what was (not) written and that
nothing half-written is left, exit 130, as a cohort says what it kept. They exited 130 with nothing said."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from hemasim.cli._errors import EXIT_INTERRUPTED
from tests.conftest import EXAMPLES, invoke_hemasim

pytestmark = pytest.mark.cli

HEALTHY = str(EXAMPLES / "healthy_adult.yaml")
PROBLEM = str(EXAMPLES / "fit" / "problem.yaml")
#: each command, the library call it runs (patched to be interrupted), its arguments before --out, and one of the
#: files it writes
COMMANDS = {
    "run": ("hemasim.assembly", "run_scenario", ["run", HEALTHY], "report.html"),
    "run (arms)": ("hemasim.arms", "run_arms", ["run", str(EXAMPLES / "ric_allo_hsct.yaml")], "report.html"),
    "fit": ("hemasim.inference.outputs", "run_fit", ["fit", PROBLEM, "--no-profiles"], "report.html"),
    "fit-population": ("hemasim.inference.population_outputs", "fit_problem_population", ["fit-population", PROBLEM],
                       "population.json"),
    "sweep": ("hemasim.sensitivity.run", "run_sweep", ["sweep", HEALTHY, str(EXAMPLES / "sweeps" / "healthy_lhs.yaml")],
              "sweep.csv"),
    "sensitivity": ("hemasim.sensitivity.run", "run_sensitivity",
                    ["sensitivity", HEALTHY, "--parameters", "anc_setpoint_1e9_per_L"], "indices.csv"),
    "clonal-hematopoiesis": ("hemasim.clonal.report", "run_ch_population", ["clonal-hematopoiesis", "--n", "10"],
                             "report.html"),
}


def _ctrl_c(*args: object, **kwargs: object) -> None:
    raise KeyboardInterrupt


def _said(stderr: str, command: str) -> list[str]:
    """stderr without the progress lines (``sweep: sweeping ... 0/64, 0 s elapsed``, tests/test_progress_off_terminal)
    and without warnings about the input given before the work starts (fit-population of examples/fit's one subject)."""
    return [line for line in stderr.strip().splitlines()
            if not line.startswith((f"{command}: ", "hemasim: warning: "))]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_ctrl_c_before_the_outputs_says_nothing_was_written(command: str, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch):
    module, name, args, _ = COMMANDS[command]
    monkeypatch.setattr(f"{module}.{name}", _ctrl_c)
    out = tmp_path / "out"
    res = invoke_hemasim(*args, "--out", str(out))
    assert res.exit_code == EXIT_INTERRUPTED == 130
    assert _said(res.stderr, command.split()[0]) == [
        f"hemasim: interrupted: nothing written to {out} (no half-written file is left)"]
    assert not out.exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_ctrl_c_keeps_an_earlier_output_as_it_was(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    module, name, args, earlier = COMMANDS[command]
    monkeypatch.setattr(f"{module}.{name}", _ctrl_c)
    out = tmp_path / "out"
    out.mkdir()
    (out / earlier).write_text("earlier")  # an earlier output: the command may replace it
    res = invoke_hemasim(*args, "--out", str(out))
    assert res.exit_code == 130
    assert _said(res.stderr, command.split()[0]) == [
        f"hemasim: interrupted: {out} is as it was before this run: nothing written (no half-written file is left)"]
    assert [p.name for p in out.iterdir()] == [earlier] and (out / earlier).read_text() == "earlier"


def test_ctrl_c_while_the_files_are_written_leaves_no_half_written_file(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch):
    """Interrupted between two files of the output: the staged folder goes, the earlier output stays whole."""
    import pandas as pd

    import hemasim.sensitivity.run as srun
    from hemasim.io import atomic_directory

    def write(result: object, spec: object, out: Path, plot: bool = True) -> list[Path]:
        return atomic_directory(out, {"sweep.csv": lambda p: p.write_text("new"), "sweep.json": _ctrl_c})

    # a finished sweep of one point (the command reads its table for failed points before writing)
    done = SimpleNamespace(table=pd.DataFrame({"x": [1.0], "anc": [2.0]}), endpoints=["anc"], seconds=0.0)
    monkeypatch.setattr(srun, "run_sweep", lambda *args, **kwargs: done)
    monkeypatch.setattr(srun, "write_sweep_outputs", write)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sweep.csv").write_text("earlier")
    res = invoke_hemasim(*COMMANDS["sweep"][2], "--out", str(out))
    assert res.exit_code == 130 and _said(res.stderr, "sweep") == [
        f"hemasim: interrupted: {out} is as it was before this run: nothing written (no half-written file is left)"]
    assert (out / "sweep.csv").read_text() == "earlier" and _leftovers(tmp_path) == []


def test_a_temporary_the_interrupted_write_could_not_remove_is_removed(tmp_path: Path):
    """A second Ctrl-C during atomic_directory's own clean-up left this process's staged folder: removed, and an
    old output a swap had set aside is put back; other processes' temporaries are not touched."""
    import os

    from hemasim.io import discard_own_temporaries

    out = tmp_path / "out"
    staged = tmp_path / f".out.tmp-{os.getpid()}-ab12"
    aside = tmp_path / f".out.old-{os.getpid()}-cd34"
    other = tmp_path / ".out.tmp-1-ef56"
    for folder in (staged, aside, other):
        folder.mkdir()
    (aside / "sweep.csv").write_text("earlier")
    assert discard_own_temporaries(out) == [staged]
    assert (out / "sweep.csv").read_text() == "earlier" and _leftovers(tmp_path) == [other.name]


def test_ctrl_c_in_validate_says_no_card_was_printed(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("hemasim.validation.run_validation", _ctrl_c)
    res = invoke_hemasim("validate", "--group", "steady_state")
    assert res.exit_code == 130 and _said(res.stderr, "validate") == [
        "hemasim: interrupted: no report card: it is printed once every target has run (nothing written)"]


#: an earlier --json card (validate replaces only a JSON file there: hemasim.io.check_output_file's kind)
EARLIER_CARD = '{"earlier": true}'


@pytest.mark.parametrize("earlier", [False, True])
def test_ctrl_c_in_validate_json_leaves_the_file_as_it_was(earlier: bool, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("hemasim.validation.run_validation", _ctrl_c)
    card = tmp_path / "card.json"
    if earlier:
        card.write_text(EARLIER_CARD)
    res = invoke_hemasim("validate", "--group", "steady_state", "--json", str(card))
    assert res.exit_code == 130
    said = (f"{card} is as it was before this run: nothing written" if earlier else f"nothing written to {card}")
    assert _said(res.stderr, "validate") == [f"hemasim: interrupted: {said} (no half-written file is left)"]
    assert (card.read_text() == EARLIER_CARD) if earlier else not card.exists()
    assert _leftovers(tmp_path) == []


def test_ctrl_c_while_validate_writes_its_json_leaves_no_half_written_file(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch):
    """Interrupted inside the write of --json (after the card is printed): the earlier file stays whole."""
    from types import SimpleNamespace

    report = SimpleNamespace(targets=[], ok=True, failed=[], summary=lambda: "0 targets",
                             to_json=lambda: {"targets": []})
    monkeypatch.setattr("hemasim.validation.run_validation", lambda *a, **k: report)

    def interrupted_write(path: Path, write: object) -> None:
        import os

        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-ab12")
        tmp.write_text("half")  # what atomic_write_file stages before a Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr("hemasim.io.atomic_write_file", interrupted_write)
    card = tmp_path / "card.json"
    card.write_text(EARLIER_CARD)
    res = invoke_hemasim("validate", "--group", "steady_state", "--json", str(card))
    assert res.exit_code == 130 and _said(res.stderr, "validate") == [
        f"hemasim: interrupted: {card} is as it was before this run: nothing written (no half-written file is left)"]
    assert card.read_text() == EARLIER_CARD and _leftovers(tmp_path) == []
