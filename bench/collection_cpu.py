"""What each pytest-xdist process of the suite spends before its first test: its CPU (user + system, from its start)
at the end of its collection, under four states of the bytecode, each in a Python bytecode folder of its own
(``PYTHONPYCACHEPREFIX``; nothing is written beside the sources or into the virtual environment):

* ``cold``: no bytecode at all (every module compiled, the test modules' assertions rewritten);
* ``clean-clone``: a clean clone's ``make test`` as it reaches the suite, approximated: the package compiled and the
  modules the kernels' warm-up imports already compiled (``hemasim.solvers.warm``'s imports), nothing else;
* ``tests-fresh``: everything compiled but the test modules (a worktree whose tests changed);
* ``warm``: everything compiled and rewritten (a second run).

The suite runs with ``-n 2 --dist worksteal`` and a keyword that selects no test: each process starts, collects
every module and stops. Off the suite (nothing in tests/ loads this module); run from a checkout's root:

    python bench/collection_cpu.py [--repeats N] [--states cold,clean-clone,tests-fresh,warm]

Compare two trees by running each one after the other, alternating (the machine's CPU seconds move by tens of
percent within an hour: docs/performance.md, the suite, thirty-second session). docs/performance.md, the suite,
thirty-second session (branch collect36): the figures it gave.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

#: the modules the kernels' warm-up (``make warm``'s two processes) imports before the suite, with the package's
#: compile (its ``bytecode`` step): what a clean clone's first test process finds compiled
WARM_UP_IMPORTS = ("hemasim.assembly", "hemasim.scenario", "hemasim.cohort.runner", "hemasim.solvers.steady",
                   "hemasim.solvers._aot", "hemasim.clonal", "hemasim.clonal.ch", "hemasim.simulation",
                   "hemasim.solvers", "hemasim.biology", "hemasim.solvers.warm", "numba.core.typed_passes",
                   "numba.core.untyped_passes")
STATES = ("cold", "clean-clone", "tests-fresh", "warm")


def pytest_collection_finish(session: Any) -> None:
    """In each test process of a measured run: its CPU so far, into ``$COLLECTION_CPU_OUT_<worker>.json``."""
    out = os.environ.get("COLLECTION_CPU_OUT")
    if out:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        Path(f"{out}_{worker}.json").write_text(json.dumps({"cpu_s": usage.ru_utime + usage.ru_stime}))


def _environment(prefix: Path) -> dict[str, str]:
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(prefix), PYTHONDONTWRITEBYTECODE="")
    env["PYTHONPATH"] = os.pathsep.join(["src", str(Path(__file__).resolve().parent), env.get("PYTHONPATH", "")])
    return env


def _collect(prefix: Path, out: Path) -> dict[str, float]:
    """One run: each test process's CPU at its collection's end (s), by worker."""
    for old in out.parent.glob(f"{out.name}_*.json"):
        old.unlink()
    subprocess.run([sys.executable, "-m", "pytest", "-p", "collection_cpu", "-p", "no:cacheprovider", "-q",
                    "-n", "2", "--dist", "worksteal", "-k", "no_test_is_named_this"],
                   env=dict(_environment(prefix), COLLECTION_CPU_OUT=str(out)), stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False)
    return {path.stem.rsplit("_", 1)[1]: json.loads(path.read_text())["cpu_s"]
            for path in sorted(out.parent.glob(f"{out.name}_gw*.json"))}


def _prepare(state: str, prefix: Path, out: Path) -> None:
    """``prefix`` emptied, then filled as ``state`` finds it."""
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir()
    if state == "clean-clone":
        code = ("import compileall, os, hemasim; compileall.compile_dir(os.path.dirname(hemasim.__file__), quiet=1)\n"
                + "".join(f"import {name}\n" for name in WARM_UP_IMPORTS))
        subprocess.run([sys.executable, "-c", code], env=_environment(prefix), check=True)
    elif state in ("tests-fresh", "warm"):
        _collect(prefix, out)  # writes everything's bytecode, the test modules' rewritten one included
        if state == "tests-fresh":
            shutil.rmtree(prefix / Path.cwd().relative_to(Path.cwd().anchor) / "tests", ignore_errors=True)


def main(argv: list[str]) -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--states", default=",".join(STATES))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="collection_cpu_") as scratch:
        prefix, out = Path(scratch) / "pycache", Path(scratch) / "cpu"
        for _ in range(args.repeats):
            for state in args.states.split(","):
                _prepare(state, prefix, out)
                cpu = _collect(prefix, out)
                print(f"{state:12s} " + "  ".join(f"{worker} {seconds:5.2f} s" for worker, seconds in cpu.items()),
                      flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
