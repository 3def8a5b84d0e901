"""``hemasim run SCENARIO --out DIR``: simulate one scenario and write its outputs."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail


def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (see docs/scenarios.md and examples/)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for timeseries.csv, endpoints.json, run.json, "
                                                      "report.html (written atomically)."),
    set_: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                   help="Change a parameter, NAME=VALUE in its unit (repeatable; "
                                        "docs/parameters.md lists the names)."),
) -> None:
    """Simulate a scenario and write its time series, endpoints, run record and HTML report."""
    from rich.console import Console

    from hemasim.assembly import run_scenario
    from hemasim.io import write_run_outputs
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.overrides import with_set_options

    try:
        spec = with_set_options(load_scenario(scenario), set_ or [])
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    console = Console(stderr=True)
    if spec.arms:
        from hemasim.arms import run_arms, write_arm_outputs

        with console.status(f"simulating {len(spec.arms)} arms of {spec.name!r}") as status:
            try:
                runs = run_arms(spec, source=str(scenario), progress=lambda arm: status.update(f"simulating arm {arm!r}"))
            except ValueError as err:
                raise fail(f"{scenario}: {err}") from None
            files = write_arm_outputs(spec, runs, out, title=f"hemasim: {spec.name}")
        console.print(f"[green]wrote[/green] {len(files)} files ({len(runs)} arms) to [bold]{out}[/bold]")
        return
    with console.status(f"simulating {spec.name!r} ({spec.duration_days:g} days)"):
        try:
            result = run_scenario(spec)
        except ValueError as err:  # an event that does not fit the model
            raise fail(f"{scenario}: {err}") from None
        files = write_run_outputs(result, out, title=f"hemasim: {spec.name}")
    console.print(f"[green]wrote[/green] {len(files)} files to [bold]{out}[/bold]: "
                  + ", ".join(f.name for f in files))
