"""The ``hemasim`` command."""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import re
import sys

import typer

from hemasim import __version__
from hemasim._gc import freeze_for_exit, tune_for_command
from hemasim.cli._errors import EXIT_IO, EXIT_READER_CLOSED, plausibility_warnings_as_lines
from hemasim.cli._help import ConventionalHelpGroup
from hemasim.cli._pipe import Diagnostics, ReaderClosed, Readers, quiet, stdout_was_the_product, verdict
from hemasim.cli.check import check
from hemasim.cli.clonal import clonal_hematopoiesis
from hemasim.cli.cohort import cohort
from hemasim.cli.drugs import drugs
from hemasim.cli.examples import examples
from hemasim.cli.explore import explore
from hemasim.cli.export_sbml import export_sbml
from hemasim.cli.fit import fit
from hemasim.cli.fit_population import fit_population
from hemasim.cli.gene_therapy import gene_therapy
from hemasim.cli.references import references
from hemasim.cli.run import run
from hemasim.cli.sensitivity import sensitivity
from hemasim.cli.sweep import sweep
from hemasim.cli.validate import validate

app = typer.Typer(
    name="hemasim",
    help="Simulate human hematopoiesis and immune-system regeneration with cited, validated parameters.",
    epilog=("Start with: hemasim examples docetaxel_q3w --out examples (a copy of a shipped example scenario; "
            "hemasim examples --list lists them, one for each kind of intervention; a clone of the repository has "
            "them in examples/ already), then hemasim run "
            "examples/docetaxel_q3w.yaml --out out/docetaxel and open out/docetaxel/report.html (key results at the "
            "top). docs/getting_started.md and docs/scenarios.md explain the files (the docs/ pages that help, "
            "messages and reports name are in the hemasim source repository, not in an installed package); hemasim "
            "check FILE checks a scenario of your own without running it; each command has --help."),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=ConventionalHelpGroup,
)
app.command("run")(run)
app.command("check")(check)
app.command("validate")(validate)
app.command("references")(references)
app.command("cohort")(cohort)
app.command("export-sbml")(export_sbml)
app.command("drugs")(drugs)
app.command("clonal-hematopoiesis")(clonal_hematopoiesis)
app.command("gene-therapy")(gene_therapy)
app.command("fit")(fit)
app.command("fit-population")(fit_population)
app.command("explore")(explore)
app.command("examples")(examples)
app.command("sweep")(sweep)
app.command("sensitivity")(sensitivity)


def _print_version(value: bool) -> None:
    # an eager option's callback runs before click asks for a subcommand (the group's body would not)
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the hemasim version and exit.",
                                       is_eager=True, callback=_print_version)) -> None:
    """Simulate human hematopoiesis and immune-system regeneration with cited, validated parameters."""
    plausibility_warnings_as_lines()


#: a character the output's encoding lacks, as plain text: the units as the data files write them ("cells/uL",
#: "x10^9/L"), the signs spelled out. An ASCII stdout (PYTHONIOENCODING=ascii) or a Windows code page (cp1252, output
#: redirected to a file: it has µ and × but not ⁹) failed `references --assumed` with UnicodeEncodeError (review27)
_PLAIN = {"µ": "u", "×": "x", "·": "*", "≥": ">=", "≤": "<=", "−": "-", "–": "-", "—": "-", "‘": "'", "’": "'",
          "“": '"', "”": '"', "…": "...", "±": "+-", "°": " deg", "→": "->"}
_SUPERSCRIPTS = "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPT_PLAIN = str.maketrans(_SUPERSCRIPTS, "-0123456789")
PLAIN_ERRORS = "hemasim-plain"


def _plain(err: UnicodeError) -> tuple[str, int]:
    """The codec error handler :data:`PLAIN_ERRORS`: the unencodable run as :data:`_PLAIN` writes it, a superscript
    power as ^ and its digits ("⁹" -> "^9"), anything else as a backslash escape (never an error)."""
    if not isinstance(err, UnicodeEncodeError):
        raise err
    end = err.end
    while end < len(err.object) and err.object[end - 1] in _SUPERSCRIPTS and err.object[end] in _SUPERSCRIPTS:
        end += 1  # a power the encoding carries in part (cp1252 has ³, not ⁻): "^-3", not "^-³"
    parts = re.split(f"([{_SUPERSCRIPTS}]+)", err.object[err.start:end])
    out = "".join(("^" + part.translate(_SUPERSCRIPT_PLAIN)) if i % 2 else
                  "".join(_PLAIN.get(c, c.encode("ascii", "backslashreplace").decode("ascii")) for c in part)
                  for i, part in enumerate(parts))
    return out, end


def plain_where_unencodable() -> None:
    """Every character the standard streams' encodings lack written by :func:`_plain`, once, for every command (the
    output layer: the report's units and signs stay as readers write them where the stream can carry them)."""
    codecs.register_error(PLAIN_ERRORS, _plain)
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors=PLAIN_ERRORS)


def main() -> None:
    """The ``hemasim`` command (the console script, ``python -m hemasim``): ``app`` with the collector tuned for a
    short-lived process (:mod:`hemasim._gc`), and output that any stdout encoding carries
    (:func:`plain_where_unencodable`). A reader that closes early (``| head -1``) ends a command whose whole product
    is what it prints quietly with exit 0; any other ends with 141 (its verdict where it knew one before printing);
    a closed stderr never ends a command (:mod:`hemasim.cli._pipe`)."""
    tune_for_command()
    plain_where_unencodable()
    if sys.stderr is not None and not isinstance(sys.stderr, Diagnostics):
        sys.stderr = Diagnostics(sys.stderr)
    readers = Readers()  # before anything is written: rich may put the null device on descriptor 1
    stdout_at_start = _file_identity(sys.stdout)
    try:
        app()
    except SystemExit as done:
        if done.code not in (0, None):
            if done.code == 1 and _rich_met_a_closed_reader(stdout_at_start):
                raise _broken_pipe_end(readers, None) from None
            _quiet_streams()  # the command's own code, never the flush's
            raise
        try:
            # what is still buffered, written here where a closed reader is caught (at the interpreter's exit it
            # printed an "Exception ignored ... BrokenPipeError" block and exited 120)
            sys.stdout.flush()
        except (AttributeError, ValueError):  # no stdout (`>&-`: sys.stdout is None), or one already closed
            pass
        except BrokenPipeError as err:  # stdout's own flush: its reader, whatever poll can tell
            raise _broken_pipe_end(readers, err, stdout_closed=True) from None
        except OSError as err:
            raise _write_failed(err) from None
        raise
    except ReaderClosed as err:
        raise _broken_pipe_end(readers, err.__cause__) from None
    except BrokenPipeError as err:
        raise _broken_pipe_end(readers, err) from None
    except OSError as err:
        raise _write_failed(err) from None
    except BaseException:
        _quiet_streams()  # the exception's own traceback and code, never the flush's
        raise
    finally:
        readers.close()
        freeze_for_exit()


def _broken_pipe_end(readers: Readers, err: BaseException | None, stdout_closed: bool = False) -> BaseException:
    """What ends a command whose write met a closed pipe: exit 0 where stdout's reader closed and the command's whole
    product was stdout (it has what it wanted); otherwise, quietly, the verdict the command knew before it printed
    (:func:`hemasim.cli._pipe.verdict_before_output`: validate's failed target, 1), else
    :data:`~hemasim.cli._errors.EXIT_READER_CLOSED` (141, a shell's SIGPIPE status: the output was cut short, and a
    pipeline must read it neither as a success nor as a failed target); ``err`` itself (a traceback) where neither
    standard stream's reader closed: a pipe of the command's own."""
    stdout_closed = stdout_closed or readers.stdout_closed()
    stderr_closed = readers.stderr_closed()
    if not (stdout_closed or stderr_closed) and err is not None:
        return err
    _quiet_streams()
    if stdout_closed and stdout_was_the_product():
        return SystemExit(0)
    known = verdict()
    return SystemExit(known if known is not None else EXIT_READER_CLOSED)


def _quiet_streams() -> None:
    """The standard streams flushed, each whose reader closed put on the null device (:func:`_pipe.quiet`)."""
    quiet(sys.stdout)
    quiet(sys.stderr)


def _write_failed(err: OSError) -> BaseException:
    """Standard output on a full disk (`hemasim export-sbml s.yaml > /dev/full`, `references > FILE`): one line, exit
    1 (docs/reliability.md; --out's writes say so), where it was a traceback; another OSError as it is."""
    if err.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        return err
    quiet(sys.stdout)
    with contextlib.suppress(OSError):
        print(f"hemasim: error: cannot write the output: {err.strerror or err}", file=sys.stderr)
    return SystemExit(EXIT_IO)


def _file_identity(stream: object) -> tuple[int, int] | None:
    """The (device, inode) of a stream's file descriptor; None where it has none."""
    try:
        st = os.fstat(stream.fileno())  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return None
    return st.st_dev, st.st_ino


def _rich_met_a_closed_reader(stdout_at_start: tuple[int, int] | None) -> bool:
    """Whether exit 1 came from a rich console's write into a closed reader: rich (Console.on_broken_pipe, its
    documented default) puts the null device on standard output and raises SystemExit(1) itself, past the
    BrokenPipeError that :class:`ReaderClosed` is made from. Nothing else in hemasim exits 1 that way."""
    if "rich.console" not in sys.modules:
        return False
    try:
        null = os.stat(os.devnull)
    except OSError:
        return False
    now = _file_identity(sys.stdout)
    return now == (null.st_dev, null.st_ino) and stdout_at_start != now
