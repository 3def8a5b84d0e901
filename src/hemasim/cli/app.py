"""The ``hemasim`` command."""

from __future__ import annotations

import typer

from hemasim import __version__
from hemasim._gc import freeze_for_exit, tune_for_command
from hemasim.cli._errors import plausibility_warnings_as_lines
from hemasim.cli._help import ConventionalHelpGroup
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


def main() -> None:
    """The ``hemasim`` command (the console script, ``python -m hemasim``): ``app`` with the collector tuned for a
    short-lived process (:mod:`hemasim._gc`)."""
    tune_for_command()
    try:
        app()
    finally:
        freeze_for_exit()
