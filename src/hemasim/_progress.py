"""Where a long library call is, for whoever shows it: ``progress`` is False (nothing), True (a rich bar, for an
interactive session) or a :data:`StageFn` that a command's display calls (:mod:`hemasim.cli._progress`). The
clone engine, the CH populations, SAEM and the cohort runner take it; rich is imported only when a bar is drawn. A
cohort's integration tells its progress from inside the lock-step kernels' calls (:func:`integrated`) to whoever
listens in that thread (:func:`listening_to_integration`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["IntegratedFn", "StageFn", "flush_held", "integrated", "listening_to_integration", "stage_bars", "tracked"]

#: progress(stage, done, total) after each step: a command's display of where a run is (hemasim.cli._progress);
#: called in the thread that made the library call (a cohort's integration thread only counts, hemasim.cohort.runner)
StageFn = Callable[[str, int, int], None]
#: listener(patients, days): that many patients were integrated over that many days (a chunk of the lock-step kernel)
IntegratedFn = Callable[[int, float], None]
T = TypeVar("T")

#: seconds of a bar's past steps its time left reads the pace from (rich's ``speed_estimate_period``): a day, so the
#: pace since the stage began, as the command's plain lines read it (hemasim.cli._progress.time_left_s). rich's default
#: of 30 s left the command's "left" blank where partitions finish more than 30 s apart (one step in the window, no
#: pace; review37d); every bar here and the command's use it
BAR_PACE_S = 24 * 3600.0

#: who listens, in this thread, to what a cohort's integration reports from inside (none: nobody, the usual case)
_INTEGRATION_LISTENER: ContextVar[IntegratedFn | None] = ContextVar("hemasim_integration_listener", default=None)


@contextmanager
def listening_to_integration(listener: IntegratedFn | None) -> Iterator[None]:
    """Within the block, in this thread, ``listener(patients, days)`` each time the lock-step kernels finish a chunk
    of patients over a solve call's days (:mod:`hemasim.solvers._lockstep`): a cohort's partition of 1,000 patients is
    one call per event, so its progress is told from inside it. None: nothing is told."""
    token = _INTEGRATION_LISTENER.set(listener)
    try:
        yield
    finally:
        _INTEGRATION_LISTENER.reset(token)


def integrated(patients: int, days: float) -> None:
    """Tell the listener of this thread (:func:`listening_to_integration`), if any, that ``patients`` patients were
    integrated over ``days`` days."""
    listener = _INTEGRATION_LISTENER.get()
    if listener is not None:
        listener(patients, days)


@contextmanager
def stage_bars(progress: bool | StageFn) -> Iterator[StageFn | None]:
    """``progress`` as a :data:`StageFn`: itself where it is one, None where it is False, and for True rich bars, one
    per stage (done/total), drawn until the block ends (a library call's several stages in an interactive session)."""
    if not progress:
        yield None
        return
    if callable(progress):
        yield progress
        return
    if _notebook_without_widgets():
        yield from _text_stages()
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  speed_estimate_period=BAR_PACE_S) as bars:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bars.add_task(stage, total=total)
            bars.update(tasks[stage], completed=done, total=total)

        yield update


def tracked(steps: Iterable[T], progress: bool | StageFn, label: str, total: int | None = None,
            transient: bool = False, count: bool = False) -> Iterable[T]:
    """``steps``, shown as they pass: a rich bar (``progress`` True; ``transient``: gone when done; ``count``: it
    shows done/total, not a percentage), ``progress(label, done, total)`` after each step (a callable), or not at all
    (False). ``total`` is needed where ``steps`` has no length (an iterator). A step is shown once the caller is done
    with it (the loop's body has run: the cohort's partition is written)."""
    if not progress:
        return steps
    n = len(steps) if total is None and isinstance(steps, Sized) else total
    if callable(progress):
        def counted() -> Iterator[T]:
            for done, step in enumerate(steps, start=1):
                yield step
                progress(label, done, n if n is not None else done)

        return counted()
    if _notebook_without_widgets():
        return _text_counts(steps, label, n)
    if count:
        return _bar_of_counts(steps, label, n, transient)
    from rich.progress import track  # only for an interactive run

    return track(steps, total=n, description=label, transient=transient)


def _bar_of_counts(steps: Iterable[T], label: str, total: int | None, transient: bool) -> Iterator[T]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=transient, speed_estimate_period=BAR_PACE_S) as bar:
        task = bar.add_task("", total=total)
        for step in steps:
            yield step
            bar.advance(task)


def _notebook_without_widgets() -> bool:
    """Whether this is a Jupyter kernel without ipywidgets: there rich's live bar draws nothing and warns 'install
    "ipywidgets" for Jupyter support' at every refresh (ux34b: 20 warnings and an empty cell for a 500-patient
    cohort), so the steps are counted as text instead. rich's test is private (``rich.console._is_jupyter``): a
    rich without it is taken for no notebook (its bars, as before ux34b)."""
    import importlib.util

    try:
        from rich.console import _is_jupyter  # rich's own test, the one its live display makes
    except (ImportError, AttributeError):  # a rich without it (a missing name imported is an ImportError)
        return False
    return bool(_is_jupyter()) and importlib.util.find_spec("ipywidgets") is None


#: seconds between two rewrites of a text count (a notebook's output would otherwise take every step of a fast
#: loop: a cohort's "patients" is told per lock-step chunk); the last count is always written
TEXT_EVERY_S = 0.1


class _TextLine:
    """One line of stderr rewritten after a carriage return, at most every :data:`TEXT_EVERY_S` (the last text
    always), padded to the longest text written on it: Jupyter's stream output honours the ``\r`` but keeps the
    tail of a longer earlier line ("cohort patients: 2000/2000", then "cohort partitions: 2/2", read
    "cohort partitions: 2/22000")."""

    def __init__(self) -> None:
        self._width = 0
        self._last_s: float | None = None
        self._pending: str | None = None

    def show(self, text: str) -> None:
        """``text`` now, or held back until :data:`TEXT_EVERY_S` has passed since the last write."""
        self._pending = text
        self.flush()

    def flush(self) -> None:
        """The text held back, once :data:`TEXT_EVERY_S` has passed since the last write (a cohort's poll while it
        waits for a partition: a held count stayed hidden until the next chunk's, review34c)."""
        now = time.monotonic()
        if self._pending is not None and (self._last_s is None or now - self._last_s >= TEXT_EVERY_S):
            self._write(self._pending)
            self._last_s = now

    def end(self) -> None:
        """The last text, if it was held back, and the newline that ends the line."""
        if self._pending is not None:
            self._write(self._pending)
        print(file=sys.stderr, flush=True)

    def _write(self, text: str) -> None:
        self._pending = None
        self._width = max(self._width, len(text))
        print(f"\r{text.ljust(self._width)}", end="", file=sys.stderr, flush=True)


def _text_stages() -> Iterator[StageFn]:
    """:func:`stage_bars`' form in a notebook without ipywidgets (as :func:`_text_counts`): every stage's
    "stage done/total" on one line of stderr, in the order they were first told ("cohort patients 1034/2000 ·
    cohort partitions 1/2"), rewritten as they move (:class:`_TextLine`), a newline when the block ends. Its
    ``flush()`` writes a text the throttle held back (:func:`flush_held`)."""
    line = _TextLine()
    counts: dict[str, str] = {}

    def update(stage: str, done: int, total: int) -> None:
        counts[stage] = f"{done}/{total}"
        line.show(" · ".join(f"{name} {count}" for name, count in counts.items()))

    update.flush = line.flush  # type: ignore[attr-defined]

    try:
        yield update
    finally:
        line.end()


def flush_held(progress: StageFn) -> None:
    """Write what ``progress`` held back, where it holds texts back (a notebook's text line); nothing otherwise."""
    flush = getattr(progress, "flush", None)
    if flush is not None:
        flush()


def _text_counts(steps: Iterable[T], label: str, total: int | None) -> Iterator[T]:
    """``steps``, with "label: done/total" rewritten on one line of stderr (a notebook's stream output honours the
    carriage return; :class:`_TextLine`) after each, and a newline at the end."""
    of = f"/{total}" if total is not None else ""
    line = _TextLine()
    done = 0
    line.show(f"{label}: 0{of}")
    try:
        for step in steps:
            yield step
            done += 1
            line.show(f"{label}: {done}{of}")
    finally:
        line.end()
