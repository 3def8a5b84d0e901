"""What the kernels' compile is made of: warm-up steps (:mod:`hemasim.solvers.warm`) run in this process, with each
numba compile's CPU (its callees' compiles taken out) and the LLVM part of it (numba's ``numba:llvm_lock`` events:
optimising and emitting code; the rest is numba's own typing, IR inlining and lowering).

    NUMBA_CACHE_DIR=$(mktemp -d) python bench/warm_compiles.py cohort imex-cohort dense-newton

An empty ``NUMBA_CACHE_DIR`` makes every kernel compile (a warm one loads them: nothing to see). Compare two trees
by running each from its own empty folder, alternating (the machine's CPU seconds move by tens of percent within an
hour: docs/performance.md, the suite, thirty-second session).
"""

from __future__ import annotations

import collections
import os
import sys
import time
from typing import Any

_records: list[tuple[str, int, float, float]] = []  # function, nesting depth, CPU with callees, own LLVM CPU
_open: list[list[Any]] = []  # compiles under way: [dispatcher, CPU at start, LLVM CPU so far]
_llvm: list[float] = []


def _listen() -> None:
    from numba.core import event

    class _Compiles(event.Listener):  # type: ignore[misc]  # numba ships no type information
        def on_start(self, ev: Any) -> None:
            _open.append([ev.data["dispatcher"], time.process_time(), 0.0])

        def on_end(self, ev: Any) -> None:
            dispatcher, start, llvm = _open.pop()
            function = getattr(dispatcher, "py_func", None)
            name = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', dispatcher)}"
            _records.append((name, len(_open), time.process_time() - start, llvm))

    class _Llvm(event.Listener):  # type: ignore[misc]
        """The LLVM lock is re-entrant: only the outermost hold counts, for the innermost compile under way."""

        def on_start(self, ev: Any) -> None:
            _llvm.append(time.process_time())

        def on_end(self, ev: Any) -> None:
            start = _llvm.pop()
            if _open and not _llvm:
                _open[-1][2] += time.process_time() - start

    event.register("numba:compile", _Compiles())
    event.register("numba:llvm_lock", _Llvm())


def main(steps: list[str]) -> None:
    _listen()
    from hemasim._gc import tune_for_command
    from hemasim.solvers.warm import warm_kernels

    tune_for_command()  # as `python -m hemasim.solvers.warm` does
    for step in steps:
        start = time.process_time()
        warm_kernels([step])
        print(f"{step}: {time.process_time() - start:.2f} s CPU")
    # a compile's own CPU: its CPU less that of the compiles nested directly in it (they end before it does)
    nested: dict[int, float] = collections.defaultdict(float)
    own: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for name, depth, cpu, llvm in _records:
        entry = own[name]
        entry[0] += cpu - nested.pop(depth + 1, 0.0)
        entry[1] += llvm
        entry[2] += 1
        nested[depth] += cpu
    total, total_llvm = sum(e[0] for e in own.values()), sum(e[1] for e in own.values())
    print(f"numba compiles: {total:.2f} s CPU, of which LLVM {total_llvm:.2f} s")
    for name, (cpu, llvm, count) in sorted(own.items(), key=lambda kv: -kv[1][0])[:30]:
        print(f"  {cpu:6.2f} s (LLVM {llvm:5.2f}) x{int(count):<3d} {name}")
    sys.stdout.flush()
    os._exit(0)  # as the warm-up does: the interpreter's teardown of the compiled kernels takes seconds


if __name__ == "__main__":
    main(sys.argv[1:])
