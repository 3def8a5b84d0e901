"""A reader that closes before the output ends (``hemasim references | head -1``): which stream's reader closed, and
whether the command's whole product was what it printed (:func:`hemasim.cli.app.main` decides the exit from both).

Only a command whose whole product is standard output (``references``, ``drugs``, ``examples --list``, a help
screen, ``export-sbml`` without ``--out``) ends with 0 when stdout's reader closed: the reader has what it wanted.
Every other command whose stdout reader closed before its output was complete (``hemasim validate | head -1``,
``hemasim check FILE | head -1``) ends with :data:`hemasim.cli._errors.EXIT_READER_CLOSED`, 141, the status a
shell gives a process that SIGPIPE ended: neither a success nor a failure's own code (validate's failed target,
1; it was 1 for both until branch mend36, and a CI job under ``pipefail`` could not tell them apart), unless the
command knew its verdict before it printed (:func:`verdict_before_output`: a failed target stays 1).

A closed stderr never ends a command (:class:`Diagnostics`): progress lines, warnings and "wrote ..." lines are
diagnostics, and ``hemasim cohort ... 2>&1 | head`` stopped at its next progress line (branch mend36); the command
runs on and ends with its own code (``hemasim run missing.yaml 2>&1 | grep -q x`` still exits 2)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterable
from typing import Any, TextIO


class ReaderClosed(Exception):
    """A command's write (or its help's) met a closed pipe: not an OSError, so that Typer's main does not turn it into
    exit 1 (its EPIPE branch) before :func:`hemasim.cli.app.main` sees which reader closed; its ``__cause__`` is the
    BrokenPipeError, re-raised where neither standard stream's reader closed (a pipe of the command's own)."""


#: set by :func:`stdout_is_the_product` and :func:`verdict_before_output`, for this process's one command
_PRODUCT: dict[str, object] = {"stdout": False, "verdict": None}


def stdout_is_the_product() -> None:
    """Called by a command (or a help screen) whose whole product is what it prints on stdout, before it prints: a
    reader that closed early (``| head -1``) then ends it with exit 0."""
    _PRODUCT["stdout"] = True


def stdout_was_the_product() -> bool:
    return bool(_PRODUCT["stdout"])


def verdict_before_output(code: int) -> None:
    """Called by a command that knows, before it prints, that it will end with the failure ``code`` (validate's
    failed targets, check --strict's warnings): a reader that closes before the output is complete then ends it
    with ``code``, the verdict, rather than 141 (which says only that the output was cut short)."""
    _PRODUCT["verdict"] = code


def verdict() -> int | None:
    code = _PRODUCT["verdict"]
    return code if isinstance(code, int) else None


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
        if isinstance(sys.stderr, Diagnostics) and sys.stderr.reader_closed:
            return True  # put on the null device since: poll would say nothing
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


class Diagnostics:
    """``sys.stderr`` for a command (:func:`hemasim.cli.app.main` puts it there): the stream it wraps, except that a
    write or flush that meets a closed reader puts the stream on the null device (:func:`quiet`) and goes on, never
    raising. stderr holds diagnostics only (progress lines, warnings, errors, "wrote ..."): its reader going away
    must not stop the computation (a cohort stopped at its next progress line) or change the command's exit code.
    Everything else (``fileno``, ``isatty``, ``encoding``) is the wrapped stream's."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.reader_closed = False

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._lost()
            return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._lost()

    def _lost(self) -> None:
        self.reader_closed = True
        quiet(self._stream)  # what is still buffered goes to the null device at the next flush

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)
