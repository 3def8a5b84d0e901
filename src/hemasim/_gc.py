"""The garbage collector's first threshold, one value for a ``hemasim`` command's process and for a cohort's run
(docs/performance.md, "Goal 1 and goal 4, ninth session" and "Goal 2 end to end, twelfth session").

Most of what a command allocates while it starts lives until it ends: ``hemasim run`` makes ~85,000 objects
(modules, classes, pydantic schemas) before it simulates. With Python's default first threshold (700) the collector
examined them ~125 times while they were made, and at exit the interpreter collected them again and freed them one
by one: ~0.04 s and ~0.05-0.1 s of CPU of a ~0.55 s ``hemasim run`` on the 2-core machine, for nothing. So a
``hemasim`` process raises the first threshold (:data:`GC_THRESHOLD`) and, when the command is done, freezes
what is left (``gc.freeze``): the exit then skips it. Only the command's entry points do this
(``hemasim.cli.app.main``: the console script, and ``python -m hemasim``; the kernels' warm-up, ``python -m
hemasim.solvers.warm``, raises the threshold too); ``import hemasim`` and the typer ``app``
that tests and notebooks call leave the collector alone, but for :func:`hemasim.cohort.run_cohort`, which raises the
first threshold to the same value while it runs and sets it back after (:func:`raised_while_running`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["GC_THRESHOLD", "freeze_for_exit", "raised_while_running", "tune_for_command"]

#: the collector's first threshold in a ``hemasim`` process and while :func:`hemasim.cohort.run_cohort` runs
#: (Python's default: 700; the older generations' are left as they are): a healthy adult's run then collects not
#: once. In a longer command, cyclic garbage waits for at most this many new container objects before it is
#: collected
GC_THRESHOLD = 100_000


def tune_for_command() -> None:
    """:data:`GC_THRESHOLD` as the first threshold; idempotent."""
    _, *older = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *older)


def freeze_for_exit() -> None:
    """Move every object left to the permanent generation when the command is done (its files written and closed):
    the interpreter's exit no longer collects them. Garbage left in cycles then is not finalized; nothing of
    hemasim's relies on that (files are closed by ``with`` blocks, outputs synced before they are renamed)."""
    gc.freeze()


@contextlib.contextmanager
def raised_while_running() -> Iterator[None]:
    """The collector's first threshold raised to :data:`GC_THRESHOLD` while a cohort runs, and set back after.

    A partition's results are numpy arrays, but drawing its patients and building its model make many short-lived
    container objects, and the summary's figure thousands in cycles; at Python's default threshold the collector's
    generations fill up during the run and a collection of the oldest one (every object of the process: numba's,
    pandas' and matplotlib's modules; ~0.1 s on the 2-core machine, holding the GIL) fell into the first partition's
    preparation, which runs alone, or into the summary's figure (docs/performance.md, "Goal 2 end to end, twelfth
    session"). Cyclic garbage made during the run waits for at most this many new container objects. A collector the
    caller disabled, or a higher first threshold, is left as it is."""
    before = gc.get_threshold()
    if not gc.isenabled() or before[0] == 0 or before[0] >= GC_THRESHOLD:
        yield
        return
    gc.set_threshold(GC_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        if gc.get_threshold()[0] == GC_THRESHOLD:  # unless the caller's code changed it meanwhile
            gc.set_threshold(*before)
