"""A reader that closes before the output ends (``hemasim references | head -1``): which stream's reader closed, and
whether the command's whole product was what it printed (:func:`hemasim.cli.app.main` decides the exit from both).

Only a command whose whole product is standard output (``references``, ``drugs``, ``examples --list``, a help
screen, ``export-sbml`` without ``--out``) ends with 0 when stdout's reader closed: the reader has what it wanted.
Every other command keeps its code (1 for the broken pipe, as Typer's main gives it): its product is files or a
verdict, and a shell pipeline (``hemasim cohort ... 2>&1 | head -2``) must not read a run cut short as a success.
A closed stderr is no closed stdout: ``hemasim run missing.yaml 2>&1 | grep -q x`` still exits 2."""

from __future__ import annotations

import contextlib
import os
import sys


class ReaderClosed(Exception):
    """A command's write (or its help's) met a closed pipe: not an OSError, so that Typer's main does not turn it into
    exit 1 (its EPIPE branch) before :func:`hemasim.cli.app.main` sees which reader closed; its ``__cause__`` is the
    BrokenPipeError, re-raised where neither standard stream's reader closed (a pipe of the command's own)."""


#: set by :func:`stdout_is_the_product`, for this process's one command
_PRODUCT = {"stdout": False}


def stdout_is_the_product() -> None:
    """Called by a command (or a help screen) whose whole product is what it prints on stdout, before it prints: a
    reader that closed early (``| head -1``) then ends it with exit 0."""
    _PRODUCT["stdout"] = True


def stdout_was_the_product() -> bool:
    return _PRODUCT["stdout"]


def _reader_gone(fd: int | None) -> bool:
    """Whether the pipe (or socket) behind ``fd`` has lost its reader: poll reports POLLERR on a pipe's write end with
    no reader (POLLHUP on a socket whose peer shut down). False where it cannot tell (no descriptor; no poll, as on
    Windows): the command then keeps its exit code, as it did before a closed reader ended some with 0."""
    if fd is None:
        return False
    try:
        import select

        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return False


class Readers:
    """The standard streams' readers, watched from the start of the command: a copy of stdout's descriptor, because a
    rich console that meets a closed pipe puts the null device on descriptor 1 (on_broken_pipe, even for its stderr
    console), after which descriptor 1 no longer says what the reader did."""

    def __init__(self) -> None:
        try:
            self._stdout: int | None = os.dup(sys.stdout.fileno())  # not inherited by child processes
        except (AttributeError, OSError, ValueError):  # no stdout, or one without a descriptor (a test's capture)
            self._stdout = None

    def stdout_closed(self) -> bool:
        return _reader_gone(self._stdout)

    def stderr_closed(self) -> bool:
        try:
            return _reader_gone(sys.stderr.fileno())
        except (AttributeError, OSError, ValueError):
            return False

    def close(self) -> None:
        if self._stdout is not None:
            with contextlib.suppress(OSError):
                os.close(self._stdout)
            self._stdout = None


def quiet(stream: object) -> None:
    """``stream`` (sys.stdout or sys.stderr) flushed where it can be, else put on the null device: what a closed
    reader did not take would fail again at the interpreter's exit (an "Exception ignored" block, exit 120)."""
    try:
        stream.flush()  # type: ignore[attr-defined]
        return
    except (AttributeError, ValueError):  # no stream (`hemasim ... >&-`: sys.stdout is None), or a closed one
        return
    except OSError:
        pass
    with contextlib.suppress(AttributeError, OSError, ValueError):
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, stream.fileno())  # type: ignore[attr-defined]
        finally:
            os.close(null)
