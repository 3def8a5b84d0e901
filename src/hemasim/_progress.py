"""Where a long library call is, for whoever shows it: ``progress`` is False (nothing), True (a rich bar, for an
interactive session) or a :data:`StageFn` that a command's display calls (:mod:`hemasim.cli._progress`). The
clone engine, the CH populations and SAEM take it; rich is imported only when a bar is drawn."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from typing import TypeVar

__all__ = ["StageFn", "tracked"]

#: progress(stage, done, total) after each step: a command's display of where a run is (hemasim.cli._progress)
StageFn = Callable[[str, int, int], None]
T = TypeVar("T")


def tracked(steps: Iterable[T], progress: bool | StageFn, label: str, total: int | None = None,
            transient: bool = False) -> Iterable[T]:
    """``steps``, shown as they pass: a rich bar (``progress`` True; ``transient``: gone when done),
    ``progress(label, done, total)`` after each step (a callable), or not at all (False). ``total`` is needed where
    ``steps`` has no length (an iterator)."""
    if not progress:
        return steps
    n = len(steps) if total is None and isinstance(steps, Sized) else total
    if callable(progress):
        def counted() -> Iterator[T]:
            for done, step in enumerate(steps, start=1):
                yield step
                progress(label, done, n if n is not None else done)

        return counted()
    from rich.progress import track  # only for an interactive run

    return track(steps, total=n, description=label, transient=transient)
