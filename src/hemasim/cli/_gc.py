"""Garbage collection in a ``hemasim`` command's process (docs/performance.md, "Goal 1 and goal 4, ninth session").

Most of what a command allocates while it starts lives until it ends: ``hemasim run`` makes ~85,000 objects
(modules, classes, pydantic schemas) before it simulates. With Python's default first threshold (700) the collector
examined them ~125 times while they were made, and at exit the interpreter collected them again and freed them one
by one: ~0.04 s and ~0.05-0.1 s of CPU of a ~0.55 s ``hemasim run`` on the 2-core machine, for nothing. So a
``hemasim`` process raises the first threshold (:data:`CLI_GC_THRESHOLD`) and, when the command is done, freezes
what is left (``gc.freeze``): the exit then skips it. Only the command's entry points do this
(``hemasim.cli.app.main``: the console script, and ``python -m hemasim``); ``import hemasim`` and the typer ``app``
that tests and notebooks call leave the collector alone, but for :func:`hemasim.cohort.run_cohort`, which raises the
first threshold to the same value while it runs and sets it back after (``runner._collector_for_the_run``).
"""

from __future__ import annotations

import gc

__all__ = ["CLI_GC_THRESHOLD", "freeze_for_exit", "tune_for_command"]

#: the collector's first threshold in a ``hemasim`` process (Python's default: 700; the older generations' are left
#: as they are): a healthy adult's run then collects not once. In a longer command, cyclic garbage waits for at most
#: this many new container objects before it is collected
CLI_GC_THRESHOLD = 100_000


def tune_for_command() -> None:
    """:data:`CLI_GC_THRESHOLD` as the first threshold; idempotent."""
    _, *older = gc.get_threshold()
    gc.set_threshold(CLI_GC_THRESHOLD, *older)


def freeze_for_exit() -> None:
    """Move every object left to the permanent generation when the command is done (its files written and closed):
    the interpreter's exit no longer collects them. Garbage left in cycles then is not finalized; nothing of
    hemasim's relies on that (files are closed by ``with`` blocks, outputs synced before they are renamed)."""
    gc.freeze()
