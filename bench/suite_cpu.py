"""Where the test suite's CPU goes: a pytest plugin that records each test's CPU (its process's own and that of the
child processes it reaped) and every top-level numba compile (numba's ``numba:compile`` events: function, CPU,
test), one JSON file per xdist process; and a summary of those files (by file, by CPU band, the compiles).

Off unless asked for (nothing in tests/ loads it):

    PYTHONPATH=bench PYTEST_ADDOPTS="-p suite_cpu" SUITE_CPU_OUT=/tmp/suite make test   # or ./.ci/run
    python bench/suite_cpu.py /tmp/suite                                                 # the tables

Each process writes ``SUITE_CPU_OUT_<worker>.json`` (``gw0``, ``gw1``; ``main`` without xdist) at the session's end.
A test's CPU includes the numba threads of its process and any kernel it compiled; Chromium's zygote-started
processes are not reaped by the test process and are not counted (docs/performance.md, the suite, twenty-ninth
session). docs/performance.md, the suite, thirty-second session: the figures it gave.
"""

from __future__ import annotations

import collections
import json
import os
import resource
import sys
import time
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

_tests: list[tuple[str, float, float, float]] = []
_compiles: list[tuple[str, float, str | None]] = []
_stack: list[tuple[float, Any]] = []
_current: list[str | None] = [None]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _listen_to_numba() -> None:
    from numba.core import event

    class _Compiles(event.Listener):  # type: ignore[misc]  # numba ships no type information
        """Top-level compiles only: a kernel's compile includes the callees it compiles for itself."""

        def on_start(self, ev: Any) -> None:
            _stack.append((time.process_time(), ev.data["dispatcher"]))

        def on_end(self, ev: Any) -> None:
            start, dispatcher = _stack.pop()
            if not _stack:
                function = getattr(dispatcher, "py_func", None)
                name = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', dispatcher)}"
                _compiles.append((name, time.process_time() - start, _current[0]))

    event.register("numba:compile", _Compiles())


def pytest_configure(config: Any) -> None:
    _listen_to_numba()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any) -> Generator[None, None, None]:
    _current[0] = item.nodeid
    cpu, children, wall = time.process_time(), _children_cpu(), time.perf_counter()
    yield
    _tests.append((item.nodeid, time.process_time() - cpu, _children_cpu() - children, time.perf_counter() - wall))
    _current[0] = None



def pytest_sessionfinish(session: Any) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    own = resource.getrusage(resource.RUSAGE_SELF)
    out = Path(f"{os.environ.get('SUITE_CPU_OUT', 'suite_cpu')}_{worker}.json")
    out.write_text(json.dumps({"tests": _tests, "compiles": _compiles, "process_cpu": own.ru_utime + own.ru_stime}))


def summary(prefix: str, files: int = 40) -> str:
    """The tables of the processes' files ``prefix_*.json``."""
    lines = []
    by_file: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    compiles: dict[str, list[Any]] = collections.defaultdict(lambda: [0.0, 0, set()])
    tests = []
    for path in sorted(Path(prefix).parent.glob(f"{Path(prefix).name}_*.json")):
        worker = path.stem.rsplit("_", 1)[1]
        data = json.loads(path.read_text())
        own, children = sum(t[1] for t in data["tests"]), sum(t[2] for t in data["tests"])
        lines.append(f"{worker}: process {data['process_cpu']:.1f} s CPU, its tests {own:.1f} + children "
                     f"{children:.1f}, {len(data['tests'])} tests")
        tests += data["tests"]
        for node, cpu, child, _wall in data["tests"]:
            entry = by_file[node.split("::")[0]]
            entry[0] += cpu
            entry[1] += child
            entry[2] += 1
        for name, cpu, _test in data["compiles"]:
            compiles[name][0] += cpu
            compiles[name][1] += 1
            compiles[name][2].add(worker)
    lines.append("CPU bands (own + children): tests, CPU s")
    for low, high in ((0, 0.02), (0.02, 0.05), (0.05, 0.1), (0.1, 0.5), (0.5, 2.0), (2.0, float("inf"))):
        band = [t[1] + t[2] for t in tests if low <= t[1] + t[2] < high]
        lines.append(f"  {low}-{high} s: {len(band)} tests, {sum(band):.1f} s")
    lines.append(f"files by CPU (own + children), the first {files}:")
    for name, (own, child, count) in sorted(by_file.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))[:files]:
        lines.append(f"  {own + child:7.1f} (own {own:6.1f}, children {child:5.1f}) {int(count):4d} tests  {name}")
    total = sum(c[0] for c in compiles.values())
    lines.append(f"numba compiles in the test processes: {sum(c[1] for c in compiles.values())}, {total:.1f} s CPU")
    for name, (cpu, count, workers) in sorted(compiles.items(), key=lambda kv: -kv[1][0]):
        lines.append(f"  {cpu:6.2f} s x{count} in {','.join(sorted(workers))}  {name}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(summary(sys.argv[1]))
