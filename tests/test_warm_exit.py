"""``python -m hemasim.solvers.warm`` leaves without the interpreter's teardown (os._exit): what it printed still
arrives through a pipe, and a failing step still fails the command."""

from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT


def _warm(*steps: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    return subprocess.run([sys.executable, "-m", "hemasim.solvers.warm", *steps], capture_output=True, text=True,
                          env=env, timeout=120)


def test_the_lines_printed_before_leaving_arrive_through_a_pipe() -> None:
    done = _warm("bytecode")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("hemasim kernels ready: bytecode of the package in ")


def test_an_unknown_step_still_fails_the_command() -> None:
    done = _warm("no-such-step")
    assert done.returncode != 0
    assert "unknown warm-up step(s) no-such-step" in done.stderr
