"""``hemasim export-sbml SCENARIO``: the scenario's model and interventions as SBML."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail


def export_sbml(
    scenario: Path = typer.Argument(..., help="Scenario YAML (its patient and interventions are exported)."),
    out: Path = typer.Option(None, "--out", "-o", help="SBML file to write (default: print to standard output)."),
) -> None:
    """Export the compiled model, its parameters, MIRIAM references and dosing events as SBML L3V2."""
    from hemasim.assembly import export_scenario_sbml
    from hemasim.io import atomic_write_file
    from hemasim.scenario import ScenarioError, load_scenario

    try:
        spec = load_scenario(scenario)
    except ScenarioError as err:
        raise fail(str(err)) from None
    try:
        text, errors = export_scenario_sbml(spec)
    except ValueError as err:  # e.g. a regimen whose doses depend on simulated counts
        raise fail(f"{scenario}: cannot export: {err}") from None
    if errors:
        raise fail(f"libSBML found {len(errors)} error(s) in the export: {errors[0]}", code=1)
    if out is None:
        typer.echo(text, nl=False)
    else:
        try:
            atomic_write_file(out, lambda p: p.write_text(text, encoding="utf-8"))
        except OSError as err:  # a folder, under a file, read-only, a full disk
            raise fail(f"--out {out}: cannot write: {err.strerror or err}", code=1) from None
        typer.echo(f"wrote {out}", err=True)
