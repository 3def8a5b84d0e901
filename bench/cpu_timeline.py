"""How busy a command keeps the cores: runs a command (``./.ci/run``, ``make test``) and samples its process tree
every ``--interval`` seconds from /proc: each live descendant's name and CPU (user + system), and how many of the
tree's threads are runnable (state R: running or waiting for a core). On a machine shared with other jobs the CPU
rate says how much the tree got; the runnable count says how much it asked for, which is what a dedicated 2-core
machine would give it: a core is idle there where fewer than 2 of the tree's threads are runnable.

    python bench/cpu_timeline.py /tmp/t.json -- ./.ci/run      # runs it, writes the samples, prints the table
    python bench/cpu_timeline.py /tmp/t.json                    # the table of an earlier run

The table: per ``--bucket`` seconds of the run, the tree's CPU rate, the mean runnable threads (capped at the
cores) and the processes that took the CPU; then the core-seconds the tree left idle (sum of (cores - runnable) *
interval). A process that lives less than one interval is missed (its CPU is in no sample). Off the suite; the
thirty-third session's measurement (docs/performance.md, the suite, branch ci37).
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: str) -> tuple[int, str, float, str] | None:
    """(parent pid, name, CPU s, state) of a process, None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1:text.rindex(")")]
    fields = text[text.rindex(")") + 2:].split()
    return int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICK, fields[0]


def _runnable_threads(pid: int) -> int:
    count = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return 0
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        if text[text.rindex(")") + 2] == "R":
            count += 1
    return count


def _label(pid: int, name: str) -> str:
    """A short label: the python module or script a python process runs, else its name."""
    if not name.startswith("python"):
        return name
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return name
    words = [a.decode(errors="replace") for a in argv[1:] if a]
    if "-m" in words and words.index("-m") + 1 < len(words):
        module = words[words.index("-m") + 1]
        if module == "pytest":
            worker = next((w for w in words if w.startswith("gw")), "")
            return f"pytest{'-' + worker if worker else ''}"
        return f"{module} {' '.join(words[words.index('-m') + 2:][:2])}"[:40]
    if "-c" in words:  # pytest-xdist's processes: python -u -c "import sys;exec(eval(sys.stdin.readline()))"
        return "python -c (an xdist process)"
    return (Path(words[0]).name if words else name)[:40]


def sample(root: int) -> tuple[dict[int, tuple[str, float]], int]:
    """The tree under ``root``: {pid: (label, CPU s)} and its runnable threads."""
    parents: dict[int, int] = {}
    stats: dict[int, tuple[str, float, str]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(entry)
            if stat is not None:
                parents[int(entry)] = stat[0]
                stats[int(entry)] = stat[1:]
    tree, frontier = {root}, [root]
    children: dict[int, list[int]] = collections.defaultdict(list)
    for pid, parent in parents.items():
        children[parent].append(pid)
    while frontier:
        for child in children[frontier.pop()]:
            if child not in tree:
                tree.add(child)
                frontier.append(child)
    procs, runnable = {}, 0
    for pid in tree:
        if pid in stats:
            name, cpu, _state = stats[pid]
            procs[pid] = (name, cpu)
            runnable += _runnable_threads(pid)
    return procs, runnable


def record(out: Path, command: list[str], interval: float) -> int:
    start = time.monotonic()
    process = subprocess.Popen(command)
    labels: dict[int, str] = {}
    names: dict[int, str] = {}
    samples = []
    while process.poll() is None:
        procs, runnable = sample(process.pid)
        for pid, (name, _cpu) in procs.items():
            if names.get(pid) != name:  # new, or exec'd another program
                names[pid], labels[pid] = name, _label(pid, name)
        samples.append([time.monotonic() - start, runnable, {str(p): c for p, (_n, c) in procs.items()}])
        time.sleep(interval)
    wall = time.monotonic() - start
    out.write_text(json.dumps({"command": command, "wall": wall, "interval": interval, "rc": process.returncode,
                               "labels": {str(p): v for p, v in labels.items()}, "samples": samples}))
    return process.returncode


def table(path: Path, bucket: float = 10.0, cores: int = 2) -> str:
    data = json.loads(path.read_text())
    labels, samples = data["labels"], data["samples"]
    last: dict[str, float] = {}
    rows = []
    idle_total = 0.0
    cursor, end = 0.0, bucket
    cpu_of: dict[str, float] = collections.defaultdict(float)
    runnable_sum, n, cpu_sum = 0.0, 0, 0.0
    previous_t = 0.0
    for t, runnable, procs in samples:
        dt = t - previous_t
        previous_t = t
        idle_total += max(0, cores - min(runnable, cores)) * dt
        for pid, cpu in procs.items():
            delta = cpu - last.get(pid, 0.0)
            last[pid] = cpu
            cpu_of[labels.get(pid, pid)] += delta
            cpu_sum += delta
        runnable_sum += min(runnable, cores)
        n += 1
        if t >= end:
            top = ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu_of.items(), key=lambda kv: -kv[1])[:4] if v >= 0.3)
            rows.append(f"{cursor:6.0f}-{t:4.0f} s  CPU {cpu_sum / (t - cursor):4.2f}  runnable {runnable_sum / n:4.2f}"
                        f"  {top}")
            cursor, end = t, t + bucket
            cpu_of, runnable_sum, n, cpu_sum = collections.defaultdict(float), 0.0, 0, 0.0
    total = sum(last.values())
    rows.append(f"wall {data['wall']:.1f} s, the tree's sampled CPU {total:.1f} s, core-seconds left idle "
                f"(fewer than {cores} runnable): {idle_total:.1f}")
    return "\n".join(rows)


if __name__ == "__main__":
    args = sys.argv[1:]
    interval = 0.5
    if args and args[0] == "--interval":
        interval, args = float(args[1]), args[2:]
    target = Path(args[0])
    if "--" in args:
        rc = record(target, args[args.index("--") + 1:], interval)
        print(table(target))
        sys.exit(rc)
    print(table(target))
