"""``hemasim run SCENARIO --out DIR``: simulate one scenario and write its outputs."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from hemasim.cli._errors import EXIT_IO, fail, literal, written

if TYPE_CHECKING:
    from rich.console import Console


def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (see docs/scenarios.md and examples/)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for timeseries.csv, endpoints.json, run.json, "
                                                      "report.html (written atomically: a new folder, an empty "
                                                      "one, or an earlier run's, which is replaced whole)."),
    set_: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                   help="Change a parameter, NAME=VALUE in its unit (repeatable; "
                                        "docs/parameters.md lists the names)."),
    static_report: bool = typer.Option(False, "--static-report",
                                       help="Lineage plots as PNG images (for papers) instead of interactive ones."),
    report: bool = typer.Option(True, "--report/--no-report",
                                help="Write report.html (--no-report: only the data files, faster)."),
) -> None:
    """Simulate a scenario and write its time series, endpoints, run record and HTML report."""
    from rich.console import Console

    from hemasim.assembly import run_scenario
    from hemasim.io import OUTPUT_FILES, OutputError, check_output_folder, write_run_outputs
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.overrides import with_set_options
    from hemasim.solvers import SolverError

    try:
        spec = with_set_options(load_scenario(scenario), set_ or [])
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    try:
        check_output_folder(out, OUTPUT_FILES)  # before the simulation, not after it
    except OutputError as err:
        raise fail(str(err), code=EXIT_IO) from None
    console = Console(stderr=True)
    if spec.arms:
        from hemasim.arms import run_arms, write_arm_outputs

        with _spinner(console, literal(f"simulating {len(spec.arms)} arms of {spec.name!r}")) as status:
            try:
                runs = run_arms(spec, source=str(scenario),
                                progress=lambda arm: status.update(literal(f"simulating arm {arm!r}")))
            except (SolverError, ValueError) as err:  # the run budget; an event that does not fit the model
                raise fail(f"{scenario}: {err}") from None
            files = written(out, lambda: write_arm_outputs(spec, runs, out, title=f"hemasim: {spec.name}",
                                                                  static_report=static_report))
        console.print(f"[green]wrote[/green] {len(files)} files ({len(runs)} arms) to [bold]{literal(out)}[/bold]")
        return
    with _spinner(console, literal(f"simulating {spec.name!r} ({spec.duration_days:g} days)")):
        try:
            result = run_scenario(spec)
        except (SolverError, ValueError) as err:  # the run budget; an event that does not fit the model
            raise fail(f"{scenario}: {err}") from None
        files = written(out, lambda: write_run_outputs(result, out, title=f"hemasim: {spec.name}",
                                                        static_report=static_report, report=report))
    console.print(f"[green]wrote[/green] {len(files)} files to [bold]{literal(out)}[/bold]: "
                  + ", ".join(f.name for f in files))


class _NoSpinner:
    """What :func:`_spinner` gives where no one sees a spinner: a context that ignores updates."""

    def __enter__(self) -> _NoSpinner:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, status: str) -> None:
        """Nothing to show."""


def _spinner(console: Console, text: str) -> AbstractContextManager[Any]:
    """rich's status spinner on a terminal; elsewhere (a pipe, a test, a batch job) nothing, without importing
    rich.status (which imports rich.table: ~0.04 s of a fresh process)."""
    if console.is_terminal:
        return console.status(text)
    return _NoSpinner()
