"""``hemasim run SCENARIO --out DIR``: simulate one scenario and write its outputs."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail

EXIT_IO = 1


def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (see docs/scenarios.md and examples/)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for timeseries.csv, endpoints.json, run.json, "
                                                      "report.html (written atomically: a new folder, an empty "
                                                      "one, or an earlier run's, which is replaced whole)."),
) -> None:
    """Simulate a scenario and write its time series, endpoints, run record and HTML report."""
    from rich.console import Console
    from rich.markup import escape

    from hemasim.assembly import run_scenario
    from hemasim.io import OUTPUT_FILES, OutputError, check_output_folder, write_run_outputs
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.solvers import SolverError

    try:
        spec = load_scenario(scenario)
    except ScenarioError as err:
        raise fail(str(err)) from None
    try:
        check_output_folder(out, OUTPUT_FILES)  # before the simulation, not after it
    except OutputError as err:
        raise fail(str(err), code=EXIT_IO) from None
    console = Console(stderr=True)
    with console.status(escape(f"simulating {spec.name!r} ({spec.duration_days:g} days)")):
        try:
            result = run_scenario(spec)
        except SolverError as err:  # the run budget, or an integration that cannot go on
            raise fail(f"{scenario}: {err}") from None
        except ValueError as err:  # an event that does not fit the model
            raise fail(f"{scenario}: {err}") from None
        try:
            files = write_run_outputs(result, out, title=f"hemasim: {spec.name}")
        except OutputError as err:
            raise fail(str(err), code=EXIT_IO) from None
        except OSError as err:
            raise fail(f"--out {out}: cannot write: {err.strerror or err}", code=EXIT_IO) from None
    console.print(f"[green]wrote[/green] {len(files)} files to [bold]{escape(str(out))}[/bold]: "
                  + ", ".join(f.name for f in files))
