"""Where a long command is, on stderr, by the one rule ``hemasim validate`` set (harden5): on a terminal a rich
bar per stage, gone when the command ends; elsewhere (a log, CI, a pipe: where a bar draws nothing, or one last
frame) plain lines: one when a stage first reports (its first step done), then one at most every
:data:`PLAIN_EVERY_S` while it runs, and one when it is done, each with the seconds since the command started; a
line while it runs also says about how long is left, at the stage's pace since its first line (the bar: rich's
estimate). A 100,000-patient cohort said "patients 6370/100000, 31 s elapsed" and nothing of the ~6 minutes to come
(ux37).
Nothing before the first step: an input the work refuses as it starts stays one error line. stdout is the same
either way.

``fit``, ``fit-population``, ``sweep``, ``sensitivity``, ``cohort`` and ``clonal-hematopoiesis`` use it. Off a
terminal they printed nothing (fit, sweep, sensitivity: their bar disabled there; fit-population: a transient bar)
or finished bars (cohort, clonal-hematopoiesis).

``validate`` writes the same lines (:class:`PlainLines`) by another rule, on purpose: a line as each target group
*starts*, none after its steps. A stage here is many steps (points, partitions, starts), so it speaks after a step
(an input refused as the work starts stays one error line) and at most every :data:`PLAIN_EVERY_S` (thousands of
points do not fill a log); a validation group is one long call with no steps to count (its scenarios run in one
go, a minute or so), so a line after it would leave a slow or hung card silent about which group it is in, and a
dozen groups need no throttle. On a terminal it shows a spinner naming the group, for the same reason."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from hemasim._progress import BAR_PACE_S  # cheap: rich is imported there only when a bar is drawn

#: seconds between two plain lines of one stage off a terminal: a stage of minutes says where it is a few times
#: a minute, one of thousands of points does not fill the log (validate's groups take about this long each)
PLAIN_EVERY_S = 30.0


class PlainLines:
    """The plain progress lines of ``command`` on ``stream`` (stderr), each ``<command>: <text>``; :meth:`line` adds
    the seconds since the command started (``, 12 s elapsed``)."""

    def __init__(self, command: str, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._command = command
        self._stream = stream if stream is not None else sys.stderr
        self._clock = clock
        self._start = clock()

    def elapsed(self) -> float:
        return self._clock() - self._start

    def write(self, text: str) -> None:
        print(f"{self._command}: {text}", file=self._stream, flush=True)

    def line(self, text: str, left_s: float | None = None) -> None:
        self.write(f"{text}, {self.elapsed():.0f} s elapsed" + ("" if left_s is None else f", about {_span(left_s)} left"))


def _span(seconds: float) -> str:
    """A time left as a person reads it: "40 s", "7 min", "1.5 h"."""
    if seconds < 90:
        return f"{max(seconds, 1.0):.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def time_left_s(first: tuple[float, int], now: float, done: int, total: int) -> float | None:
    """Seconds left of a stage at its pace since ``first`` (time, steps done then): None before any step is done
    after it (no pace yet)."""
    t0, done0 = first
    if done <= done0 or now <= t0:
        return None
    return (total - done) * (now - t0) / (done - done0)


class StageProgress:
    """``update(label, done, total)`` for each step of a stage named ``label``; a context manager (the bar
    stops, and goes, when the block ends). ``terminal`` None: whether stderr is one (as rich sees it)."""

    def __init__(self, command: str, *, terminal: bool | None = None, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        from rich.console import Console

        console = Console(stderr=True)
        self._plain = PlainLines(command, stream, clock)
        self._clock = clock
        self._bar: Any = None
        if console.is_terminal if terminal is None else terminal:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(), console=console,
                                 transient=True, speed_estimate_period=BAR_PACE_S, get_time=clock)
        self._tasks: dict[str, Any] = {}  # label -> the bar's task (terminal) or the time of its last line (plain)
        self._first: dict[str, tuple[float, int]] = {}  # label -> (time, steps done) of its first plain line
        self._finished: set[str] = set()

    def __enter__(self) -> StageProgress:
        if self._bar is not None:
            self._bar.start()
        return self

    def __exit__(self, *_: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def update(self, label: str, done: int, total: int) -> None:
        if self._bar is not None:
            if label not in self._tasks:
                self._tasks[label] = self._bar.add_task(label, total=total)
            self._bar.update(self._tasks[label], completed=done, total=total)
            return
        now = self._clock()
        if label in self._finished:
            return
        if done >= total:
            self._finished.add(label)
            self._plain.line(f"{label} {done}/{total} done")
        elif label not in self._tasks or now - self._tasks[label] >= PLAIN_EVERY_S:
            self._tasks[label] = now
            first = self._first.setdefault(label, (now, done))
            self._plain.line(f"{label} {done}/{total}", time_left_s(first, now, done, total))

    def counter(self, label: str, total: int) -> Callable[[int], None]:
        """``progress(done)`` of one stage of ``total`` steps (sweep, sensitivity)."""
        return lambda done: self.update(label, done, total)
