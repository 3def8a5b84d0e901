"""``python -m hemasim.solvers.warm [STEP ...]``: the warm-up's named steps, and `make test`'s two warm-up processes
that together run every step once (Makefile: COHORT_WARM_STEPS, SIDE_WARM_STEPS)."""

from __future__ import annotations

import re

import pytest

from hemasim.solvers import warm

from .conftest import ROOT


def _makefile_steps(variable: str) -> list[str]:
    match = re.search(rf"^{variable} := (.+)$", (ROOT / "Makefile").read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{variable} is not set in the Makefile"
    return match.group(1).split()


def test_make_tests_two_warm_up_processes_run_every_step_once():
    cohort, side = _makefile_steps("COHORT_WARM_STEPS"), _makefile_steps("SIDE_WARM_STEPS")
    assert not set(cohort) & set(side)
    assert sorted(cohort + side) == sorted(warm.STEPS)


def test_named_steps_run_alone_in_the_order_of_steps(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]):
    ran: list[str] = []
    steps = {name: (f"step {name}", lambda name=name: ran.append(name)) for name in ("a", "b", "c")}
    steps["cannot"] = ("a module that cannot be built", lambda: False)
    monkeypatch.setattr(warm, "STEPS", steps)
    assert list(warm.warm_kernels(["c", "a", "cannot"])) == ["step a", "step c"]  # "cannot" says why itself
    assert ran == ["a", "c"]
    warm.main([])
    assert ran == ["a", "c", "a", "b", "c"]
    assert capsys.readouterr().out.count("hemasim kernels ready:") == 3
    with pytest.raises(ValueError, match="unknown warm-up step.*'?nonsense'?; known: a, b, c"):
        warm.warm_kernels(["a", "nonsense"])


def test_each_ready_line_is_written_as_its_step_ends(monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]):
    """`make demo` promises a line per kernel group as each is done: the lines came all at once after the last step."""
    seen: list[str] = []  # what stdout held when each step started
    steps = {name: (f"step {name}", lambda: seen.append(capsys.readouterr().out)) for name in ("a", "b")}
    monkeypatch.setattr(warm, "STEPS", steps)
    warm.main([])
    assert seen[0] == ""
    assert seen[1].startswith("hemasim kernels ready: step a in ")
    assert capsys.readouterr().out.startswith("hemasim kernels ready: step b in ")
