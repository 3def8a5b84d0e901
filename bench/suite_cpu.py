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
_starts: list[float] = []  # each test's start (time.time(): the processes' clocks agree), in _tests' order
_fixtures: list[tuple[str, str, str, float, float]] = []  # (fixture, scope, its definition's file, CPU, wall)
_caches: dict[str, Any] = {}  # module-level functools caches of hemasim and the tests, by dotted name
_misses: dict[str, int] = {}
_computed: list[tuple[str, str, int]] = []  # (test, cached function, new entries): what each test computed first


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


def pytest_collection_finish(session: Any) -> None:
    """The module-level ``functools.cache``/``lru_cache`` functions of the modules imported by now (hemasim's and
    the tests'): each test's new cache entries are what it computed first in its process."""
    import functools

    for name, module in list(sys.modules.items()):
        if module is None or not (name.startswith("hemasim") or name.startswith("tests")):
            continue
        for attr, value in list(vars(module).items()):
            if isinstance(value, functools._lru_cache_wrapper) and getattr(value, "__module__", None) == name:
                _caches[f"{name}.{attr}"] = value
                _misses[f"{name}.{attr}"] = value.cache_info().misses


def _note_cache_misses(nodeid: str) -> None:
    for name, wrapper in _caches.items():
        misses = wrapper.cache_info().misses
        if misses != _misses[name]:
            _computed.append((nodeid, name, misses - _misses[name]))
            _misses[name] = misses


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: Any, nextitem: Any) -> Generator[None, None, None]:
    _current[0] = item.nodeid
    _starts.append(time.time())
    cpu, children, wall = time.process_time(), _children_cpu(), time.perf_counter()
    yield
    _tests.append((item.nodeid, time.process_time() - cpu, _children_cpu() - children, time.perf_counter() - wall))
    _note_cache_misses(item.nodeid)
    _current[0] = None


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Generator[None, None, None]:
    """Module-, class-, package- and session-scoped fixtures' setup CPU (their own, less nothing: a fixture that
    requests another wider one includes it), to find what both xdist processes build."""
    if fixturedef.scope == "function":
        yield
        return
    cpu, children, wall = time.process_time(), _children_cpu(), time.perf_counter()
    yield
    where = getattr(getattr(fixturedef, "func", None), "__module__", "?")
    _fixtures.append((fixturedef.argname, fixturedef.scope, where,
                      time.process_time() - cpu + _children_cpu() - children, time.perf_counter() - wall))


def pytest_sessionfinish(session: Any) -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    own = resource.getrusage(resource.RUSAGE_SELF)
    out = Path(f"{os.environ.get('SUITE_CPU_OUT', 'suite_cpu')}_{worker}.json")
    out.write_text(json.dumps({"tests": _tests, "compiles": _compiles, "process_cpu": own.ru_utime + own.ru_stime,
                               "starts": _starts, "fixtures": _fixtures, "end": time.time(),
                               "computed": _computed}))


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
    lines += _fixtures_and_end(prefix)
    return "\n".join(lines)


def _fixtures_and_end(prefix: str) -> list[str]:
    """Wider-scoped fixtures set up in more than one process (what a run builds twice), and each process's last
    test's end: the seconds one core idles at the suite's end while the other still runs."""
    lines = []
    built: dict[tuple[str, str, str], dict[str, list[float]]] = collections.defaultdict(
        lambda: collections.defaultdict(list))
    ends = {}
    for path in sorted(Path(prefix).parent.glob(f"{Path(prefix).name}_*.json")):
        worker = path.stem.rsplit("_", 1)[1]
        data = json.loads(path.read_text())
        if "fixtures" not in data or not data["tests"]:
            continue
        for name, scope, where, cpu, _wall in data["fixtures"]:
            built[(name, scope, where)][worker].append(cpu)
        ends[worker] = (data["starts"][0], data["starts"][-1] + data["tests"][-1][3], len(data["tests"]))
    if not built:
        return lines
    total = sum(sum(map(sum, w.values())) for w in built.values())
    twice = {k: w for k, w in built.items() if len(w) > 1}
    extra = sum(sum(map(sum, w.values())) - max(sum(c) for c in w.values()) for w in twice.values())
    lines.append(f"wider-scoped fixtures: {sum(len(c) for w in built.values() for c in w.values())} setups, "
                 f"{total:.1f} s CPU; set up in more than one process: {len(twice)}, {extra:.1f} s CPU beyond one")
    for (name, scope, where), w in sorted(twice.items(), key=lambda kv: -sum(map(sum, kv[1].values()))):
        lines.append(f"  {name} ({scope}, {where}): " + ", ".join(f"{k} {sum(c):.2f} s x{len(c)}"
                                                                  for k, c in sorted(w.items())))
    heavy = sorted(((sum(map(sum, w.values())), k) for k, w in built.items()), reverse=True)[:15]
    lines.append("heaviest wider-scoped fixtures (CPU s, all processes): " + "; ".join(
        f"{k[0]} ({k[2]}) {cpu:.2f}" for cpu, k in heavy))
    computed: dict[str, dict[str, list[tuple[str, float]]]] = collections.defaultdict(
        lambda: collections.defaultdict(list))
    for path in sorted(Path(prefix).parent.glob(f"{Path(prefix).name}_*.json")):
        data = json.loads(path.read_text())
        cpu_of = {t[0]: t[1] + t[2] for t in data["tests"]}
        for test, name, _new in data.get("computed", []):
            computed[name][path.stem.rsplit("_", 1)[1]].append((test, cpu_of.get(test, 0.0)))
    both = {k: w for k, w in computed.items() if len(w) > 1}
    lines.append(f"module-level caches filled in more than one process: {len(both)} (the tests that filled them, "
                 f"with their whole CPU)")
    for name, filled in sorted(both.items(), key=lambda kv: -min(sum(c for _t, c in v) for v in kv[1].values())):
        lines.append(f"  {name}: " + "; ".join(
            f"{k} " + ", ".join(f"{t.split('::')[0].removeprefix('tests/')}::..{t[-30:]} {c:.2f}" for t, c in v[:3])
            for k, v in sorted(filled.items())))
    if ends:
        first = min(s for s, _e, _n in ends.values())
        last = max(e for _s, e, _n in ends.values())
        lines.append("each process's tests, from the first test's start (s): " + "; ".join(
            f"{w} {s - first:.1f}-{e - first:.1f} ({n} tests)" for w, (s, e, n) in sorted(ends.items())) +
            f"; the last ends {last - first:.1f} s in, the others idle at the end "
            f"{sum(last - e for _s, e, _n in ends.values()):.1f} s together")
    return lines


if __name__ == "__main__":
    print(summary(sys.argv[1]))
