"""``hemasim export-sbml SCENARIO``: the scenario's model and interventions as SBML."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import EXIT_IO, fail, loaded, refuse_population, warn
from hemasim.cli._pipe import stdout_is_the_product


def export_sbml(
    scenario: Path = typer.Argument(..., help="Scenario YAML (its patient and interventions are exported)."),
    out: Path = typer.Option(None, "--out", "-o", help="SBML file to write (default: print to standard output)."),
) -> None:
    """Export the compiled model, its parameters, MIRIAM references and dosing events as SBML L3V2."""
    from hemasim.assembly import export_scenario_sbml
    from hemasim.io import OutputError, atomic_write_file, check_output_file
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.plausibility import no_output_grid

    def load():  # noqa: ANN202 - the scenario
        with no_output_grid():  # an SBML file has no output grid (its user's simulator chooses the times)
            return load_scenario(scenario)

    try:
        spec, lines = loaded(load)
    except ScenarioError as err:
        raise fail(str(err)) from None
    warn(lines)
    if spec.arms:  # the base scenario alone was exported, each arm's patient and interventions dropped silently
        raise fail(f"{scenario}: arms: an SBML file holds one arm; write each arm as its own scenario")
    refuse_population(scenario, spec, "export-sbml", "exports the scenario's one patient")
    if out is not None:
        try:
            # a bad --out (or a file not SBML), refused before the export: bad input, as for run and cohort
            check_output_file(out, kind="SBML")
        except OutputError as err:
            raise fail(str(err)) from None
    try:
        text, errors, left_out = export_scenario_sbml(spec)
    except ValueError as err:  # e.g. a regimen whose doses depend on simulated counts
        raise fail(f"{scenario}: cannot export: {err}") from None
    if errors:
        raise fail(f"libSBML found {len(errors)} error(s) in the export: {errors[0]}", code=1)
    if left_out:  # the file's notes say it too; a user comparing counts reads stderr first (review33c)
        warn([f"{' and '.join(left_out)} left out of the export's obs_ parameters: after the blood loss hemasim reads "
              "them over the plasma-refilled blood volume, outside the SBML equations"])
    if out is None:
        stdout_is_the_product()  # the SBML text (with --out, the file)
        typer.echo(text, nl=False)
    else:
        try:
            atomic_write_file(out, lambda p: p.write_text(text, encoding="utf-8"))
        except OSError as err:  # checked above: what fails now is the write itself (a full disk)
            raise fail(f"--out {out}: cannot write: {err.strerror or err}", code=EXIT_IO) from None
        typer.echo(f"wrote {out}", err=True)
