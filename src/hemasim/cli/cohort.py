"""``hemasim cohort SCENARIO --n N --out DIR``: a virtual cohort, resumable, local or on Dask."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail, literal


def cohort(
    scenario: Path = typer.Argument(..., help="Scenario YAML; its `population` block says how patients differ."),
    n: int = typer.Option(..., "--n", min=1, help="Number of virtual patients."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (re-run the same command to resume)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Base seed; patient i draws from SeedSequence(seed, (i,))."),
    seed_list: Path = typer.Option(None, "--seed-list", help="File with one integer seed per patient (overrides "
                                                             "--seed)."),
    partition_size: int = typer.Option(1000, "--partition-size", min=1, help="Patients per Parquet partition."),
    timeseries: bool = typer.Option(False, "--timeseries/--no-timeseries", help="Also write time series."),
    scheduler: str = typer.Option(None, "--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 "
                                                           "(default: all local cores)."),
) -> None:
    """Simulate a virtual cohort; write endpoints (and optionally time series) as Parquet, a summary and bands."""
    from rich.console import Console

    from hemasim.cohort import CohortError, run_cohort
    from hemasim.scenario import ScenarioError, load_scenario

    try:
        spec = load_scenario(scenario)
    except ScenarioError as err:
        raise fail(str(err)) from None
    seeds = None
    if seed_list is not None:
        try:
            seeds = [int(line) for line in seed_list.read_text().split()]
        except (OSError, ValueError) as err:
            raise fail(f"--seed-list: {seed_list}: expected one integer per line ({err})") from None
    try:
        summary = run_cohort(spec, n, out, seed=seed, seeds=seeds, partition_size=partition_size,
                             timeseries=timeseries, scheduler=scheduler)
    except CohortError as err:
        raise fail(str(err)) from None
    console = Console(stderr=True)
    if summary is not None:
        console.print(f"[green]cohort of {summary['n_patients']} patients[/green] written to [bold]{literal(out)}[/bold] "
                      "(endpoints/, summary.json, summary.csv, bands.csv, bands.png, report.html)")
