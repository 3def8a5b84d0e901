"""How the commands report bad input: one line per problem on stderr, printed literally, exit code 2; and
implausible input (a scenario that runs, with values outside their clinical range): warning lines, no exit."""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TextIO, TypeVar

import typer

#: bad input: a scenario's mistake, a bad option, an --out that cannot take the output (a folder holding other
#: files, a file in the way, no permission), each refused before anything runs
EXIT_BAD_INPUT = 2
#: an output that could not be written once the work was done (a full disk, a file that appeared meanwhile)
EXIT_IO = 1
#: Ctrl-C (SIGINT): the status a shell gives a process that signal ended, 128 + 2; said in one line (interrupted)
EXIT_INTERRUPTED = 130
#: a reader that closed standard output before a command's output was complete (``hemasim validate | head -1``):
#: the status a shell gives a process that SIGPIPE ended, 128 + 13, so that a pipeline under ``pipefail`` tells a
#: cut-short output from a failure (a failed target, 1); a command whose whole product is stdout (``references``)
#: ends with 0 instead (:mod:`hemasim.cli._pipe`)
EXIT_READER_CLOSED = 141
#: lines printed for one error (a scenario lists each of its problems; the schema already bounds their count)
MAX_ERROR_LINES = 20
#: characters of one printed line (messages quote input cut short; this is the last guard)
MAX_LINE_CHARS = 1000


def fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    """Print an error to stderr, each of its lines as ``hemasim: error: ...`` (printed as is: no markup is
    interpreted), and return the Exit to raise."""
    lines = [" ".join(line.split()) for line in str(message).splitlines() if line.strip()] or ["(no message)"]
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[: MAX_ERROR_LINES - 1], f"... and {len(lines) - MAX_ERROR_LINES + 1} more line(s)"]
    try:
        for line in lines:
            cut = line if len(line) <= MAX_LINE_CHARS else line[: MAX_LINE_CHARS - 3] + "..."
            print(f"hemasim: error: {cut}", file=sys.stderr)
    except BrokenPipeError:  # stderr's reader closed (`2>&1 | grep -q x`): the exit code still says what went wrong
        from hemasim.cli._pipe import quiet

        quiet(sys.stderr)
    return typer.Exit(code)


def refuse_population(scenario: Path, spec: Any, command: str, does: str) -> None:
    """A scenario's ``population:`` block given to a command of one patient (sweep, sensitivity, export-sbml, explore), refused
    in one line naming ``hemasim cohort``, the command that reads it: they ran the scenario's patient and said
    nothing of the block. ``does``: what ``command`` does instead, after its name."""
    if getattr(spec, "population", None) is not None:
        from hemasim.scenario.messages import population_refused

        raise fail(population_refused(str(scenario), f"hemasim {command} {does}"))


def warn(lines: list[str]) -> None:
    """Print each line as ``hemasim: warning: ...`` on stderr (printed as is), bounded like an error."""
    if len(lines) > MAX_ERROR_LINES:
        lines = [*lines[: MAX_ERROR_LINES - 1], f"... and {len(lines) - MAX_ERROR_LINES + 1} more warning(s)"]
    for line in lines:
        text = " ".join(line.split())
        print(f"hemasim: warning: {text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 3] + '...'}",
              file=sys.stderr)


def note(lines: list[str]) -> None:
    """Print each line as ``hemasim: note: ...`` on stderr, bounded as :func:`warn` bounds a warning: what the model
    assumes where the scenario says nothing (``hemasim check``; not a warning, ``--strict`` does not count it)."""
    for line in lines[:MAX_ERROR_LINES]:
        text = " ".join(line.split())
        print(f"hemasim: note: {text if len(text) <= MAX_LINE_CHARS else text[: MAX_LINE_CHARS - 3] + '...'}",
              file=sys.stderr)


def plausibility_warnings_as_lines() -> None:
    """Show every :class:`hemasim.scenario.plausibility.PlausibilityWarning` the library gives as a ``hemasim:
    warning:`` line (:func:`warn`), for the commands that load a scenario without :func:`loaded` (``fit``,
    ``fit-population``, ``validate``: through a fitting problem); other warnings as Python shows them. Installed once
    per process by the command line's root; the class is imported only when a warning is shown."""
    shown = warnings.showwarning
    if getattr(shown, "_hemasim_lines", False):
        return

    def show(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             file: TextIO | None = None, line: str | None = None) -> None:
        from hemasim.scenario.plausibility import PlausibilityWarning

        if issubclass(category, PlausibilityWarning):
            warn([str(message)])
        else:
            shown(message, category, filename, lineno, file, line)

    show._hemasim_lines = True  # type: ignore[attr-defined]
    warnings.showwarning = show


T = TypeVar("T")


def loaded(load: Callable[[], T]) -> tuple[T, list[str]]:
    """``load()`` (a scenario's loader) and the plausibility warnings the library gave in it
    (:class:`hemasim.scenario.plausibility.PlausibilityWarning`), as lines for :func:`warn`: the command prints them
    as its own warning lines, and Python does not print them a second time. Other warnings are shown as Python
    shows them."""
    from hemasim.scenario.plausibility import PlausibilityWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PlausibilityWarning)  # each, even one Python has shown at this line before
        value = load()
    for other in (w for w in caught if not issubclass(w.category, PlausibilityWarning)):
        warnings.showwarning(other.message, other.category, other.filename, other.lineno)
    return value, [str(w.message) for w in caught if issubclass(w.category, PlausibilityWarning)]


def literal(text: object) -> str:
    """``text`` (a scenario name, a path, a value the user gave) escaped for rich, so that ``[bold]`` or
    ``[/x]`` in it is printed as written instead of being read as markup (or failing as bad markup)."""
    from rich.markup import escape

    return escape(str(text))


def _colours() -> bool:
    """Whether stderr takes ANSI colours: a terminal, and no NO_COLOR (no-color.org) or TERM=dumb."""
    return sys.stderr.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def say_written(files: list[Path], out: Path, detail: str = "") -> None:
    """A command's last line on stderr, ``wrote N files (DETAIL) to OUT: a.csv, b.json``: what it wrote and where
    (``hemasim run``'s, which sweep and sensitivity now match: they named no file). "wrote" green and the folder
    bold on a terminal, printed as is; plain ANSI codes rather than rich, whose import would be a tenth of a quick
    run."""
    what = f"{len(files)} file{'' if len(files) == 1 else 's'}{f' ({detail})' if detail else ''} to "
    names = ": " + ", ".join(f.name for f in files)
    if _colours():
        print(f"\x1b[32mwrote\x1b[0m {what}\x1b[1m{out}\x1b[0m{names}", file=sys.stderr)
    else:
        print(f"wrote {what}{out}{names}", file=sys.stderr)


def written(out: Path, write: Callable[[], list[Path]]) -> list[Path]:
    """Run a writer of the output folder ``out`` (after the work: checked before it, see EXIT_BAD_INPUT); a write
    that fails is one line, exit 1."""
    from hemasim.io import OutputError

    try:
        return write()
    except OutputError as err:
        raise fail(str(err), code=EXIT_IO) from None
    except OSError as err:
        raise fail(f"--out {out}: cannot write: {err.strerror or err}", code=EXIT_IO) from None


def interrupted(line: str) -> typer.Exit:
    """After Ctrl-C: print ``hemasim: interrupted: LINE`` on stderr (what was written and what was not) and return
    the Exit (status 130) to raise. The commands exited 130 with nothing said."""
    print(f"hemasim: interrupted: {line}", file=sys.stderr)
    return typer.Exit(EXIT_INTERRUPTED)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


@contextlib.contextmanager
def interruptible(out: Path) -> Iterator[None]:
    """Ctrl-C inside: one line on what became of ``out``, a folder the command writes all at once when its work is
    done (:func:`hemasim.io.atomic_directory`) or one file (:func:`hemasim.io.atomic_write_file`), and exit 130. Nothing is written until then, and an interrupted
    write leaves no half-written file (the hidden temporary is removed): ``out`` is absent as before, or the
    previous output as before, or, when the signal came after the swap, the new complete output."""
    before = _identity(out)
    try:
        yield
    except KeyboardInterrupt:
        from hemasim.io import discard_own_temporaries

        discard_own_temporaries(out)
        after = _identity(out)
        if after is not None and after != before:
            line = f"the outputs were complete and are in {out}"
        elif after is None:
            line = f"nothing written to {out} (no half-written file is left)"
        else:
            line = f"{out} is as it was before this run: nothing written (no half-written file is left)"
        raise interrupted(line) from None


def option_problem(err: Exception, args: list[str]) -> str:
    """A refused option or argument (Typer's usage error: a value outside its range, not a number, missing) as one
    line in the format of the scenario errors, ``--n: Input should be greater than or equal to 1 (allowed: >= 1)
    (got 0)``, then where the command's options are listed; ``args`` are the command's words (the value given is
    read from them when the error does not carry it). Typer printed a framed usage box of five or more lines."""
    import math

    param = getattr(err, "param", None)
    ctx = getattr(err, "ctx", None)
    command = getattr(ctx, "command_path", "hemasim")
    listed = "commands" if hasattr(getattr(ctx, "command", None), "list_commands") else "options"
    see = f" (`{command} --help` lists the {listed})"
    message = getattr(err, "message", None) or str(err)
    if param is None:  # no such option or command, an extra word
        message = " ".join(err.format_message().split()) if hasattr(err, "format_message") else message
        return f"{message.rstrip('.')}{_meant_command(message, ctx)}{see}"
    name = next((o for o in getattr(param, "opts", ()) if o.startswith("--")), None) or (param.name or "").upper()
    if type(err).__name__ == "MissingParameter":  # click words it "Missing parameter: out"
        return f"{name}: required, and not given{see}"
    cause: Any = getattr(err, "__cause__", None)  # Typer 0.2x: the pydantic error, with the value given
    errors = cause.errors(include_url=False) if hasattr(cause, "errors") else []
    given = errors[0].get("input") if errors else _given(args, getattr(param, "opts", ()))
    bounds = [(sign, value) for sign, value in ((">=", getattr(param, "min", None)), ("<=", getattr(param, "max", None)))
              if value is not None]
    try:
        finite = math.isfinite(float(given)) if given is not None else True
    except (TypeError, ValueError):
        finite = True
    if not finite:  # 'nan' fails the bound it is compared with first, which named a bound it meets
        message = "Input should be a finite number"
    allowed = f" (allowed: {' and '.join(f'{s} {v:g}' for s, v in bounds)})" if bounds else ""
    got = f" (got {given!s:.60})" if given else " (got '')" if given == "" else ""
    return f"{name}: {message.rstrip('.')}{allowed}{got}{see}"


def _meant_command(message: str, ctx: Any) -> str:
    """For ``No such command 'clonal'`` (click suggests only near spellings), the commands its first word starts
    (:func:`hemasim._schema.suggestions`): ``; did you mean clonal-hematopoiesis?``."""
    import re

    m = re.match(r"No such command '([^']*)'", message)
    if m is None or "Did you mean" in message or ctx is None or not hasattr(ctx.command, "list_commands"):
        return ""
    from hemasim._schema import suggestions

    meant = suggestions(m.group(1).replace("-", "_"), [c.replace("-", "_") for c in ctx.command.list_commands(ctx)])
    return f"; did you mean {' or '.join(c.replace('_', '-') for c in meant)}?" if meant else ""


def _given(args: list[str], opts: tuple[str, ...] | list[str]) -> str | None:
    for i, word in enumerate(args):
        for opt in opts:
            if word == opt and i + 1 < len(args):
                return args[i + 1]
            if word.startswith(opt + "="):
                return word[len(opt) + 1:]
    return None
