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
from hemasim.cli._errors import EXIT_IO, plausibility_warnings_as_lines
from hemasim.cli._help import ConventionalHelpGroup, ReaderClosed
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
    (:func:`plain_where_unencodable`); a reader that closes early (``| head -1``) ends it quietly, exit 0."""
    tune_for_command()
    plain_where_unencodable()
    stdout_at_start = _file_identity(sys.stdout)
    try:
        try:
            app()
        except SystemExit as done:
            if done.code == 1 and _rich_met_a_closed_reader(stdout_at_start):
                raise ReaderClosed from None
            raise
        finally:
            # what is still buffered, written here where a closed reader is caught (at the interpreter's exit it
            # printed an "Exception ignored ... BrokenPipeError" block and exited 120)
            with contextlib.suppress(ValueError):  # a stdout already closed
                sys.stdout.flush()
    except (ReaderClosed, BrokenPipeError):
        # a piped reader that has what it wanted (`hemasim references | head -1`) is normal use, not a failure:
        # the rest goes to the null device (Python's documented SIGPIPE handling), exit 0
        _quiet_stdout()
        raise SystemExit(0) from None
    except OSError as err:
        # standard output on a full disk (`hemasim export-sbml s.yaml > /dev/full`, `references > FILE`): a
        # traceback, where a write that fails is one line, exit 1 (docs/reliability.md; --out's writes say so)
        if err.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
            raise
        _quiet_stdout()
        with contextlib.suppress(OSError):
            print(f"hemasim: error: cannot write the output: {err.strerror or err}", file=sys.stderr)
        raise SystemExit(EXIT_IO) from None
    finally:
        freeze_for_exit()


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


def _quiet_stdout() -> None:
    """Standard output without what it could not write: the interpreter's flush at exit would fail again and print
    an "Exception ignored" block after the error's line."""
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
