"""``hemasim run SCENARIO --out DIR``: simulate one scenario and write its outputs."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail, literal


def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (see docs/scenarios.md and examples/)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for timeseries.csv, endpoints.json, run.json, "
                                                      "report.html (written atomically)."),
) -> None:
    """Simulate a scenario and write its time series, endpoints, run record and HTML report."""
    from rich.console import Console

    from hemasim.assembly import run_scenario
    from hemasim.io import write_run_outputs
    from hemasim.scenario import ScenarioError, load_scenario

    try:
        spec = load_scenario(scenario)
    except ScenarioError as err:
        raise fail(str(err)) from None
    console = Console(stderr=True)
    with console.status(f"simulating {literal(repr(spec.name))} ({spec.duration_days:g} days)"):
        try:
            result = run_scenario(spec)
        except ValueError as err:  # an event that does not fit the model
            raise fail(f"{scenario}: {err}") from None
        files = write_run_outputs(result, out, title=f"hemasim: {spec.name}")
    console.print(f"[green]wrote[/green] {len(files)} files to [bold]{literal(out)}[/bold]: "
                  + ", ".join(f.name for f in files))
