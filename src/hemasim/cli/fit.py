"""``hemasim fit PROBLEM --out DIR``: estimate parameters from measurements, with profile-likelihood intervals."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from hemasim.cli._errors import EXIT_IO, fail, interruptible, literal


def fit(
    problem: Path = typer.Argument(..., help="Problem YAML (measurements CSV, conditions, observables, parameters; "
                                             "see docs/fitting.md)."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (written atomically)."),
    starts: int = typer.Option(10, "--starts", min=1, max=1000, help="Local optimisations (the nominal vector, then "
                                                                     "Latin-hypercube or prior samples)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the starting points."),
    profiles: bool = typer.Option(True, "--profiles/--no-profiles", help="Profile likelihoods and 95% intervals."),
    no_report: bool = typer.Option(False, "--no-report", help="Write no figures and no report.html: the tables, "
                                                              "fit.json and the fitted parameter set only (faster)."),
) -> None:
    """Fit a problem: estimates with 95% profile intervals, identifiability, a fitted parameter set, plots, report."""
    from rich.console import Console

    from hemasim.cli._progress import StageProgress
    from hemasim.inference.outputs import FIT_FILES, run_fit
    from hemasim.inference.problem import ProblemError, load_problem
    from hemasim.io import OutputError, check_output_folder

    console = Console(stderr=True)
    t0 = time.perf_counter()
    with interruptible(out), StageProgress("fit") as bar:  # a bar on a terminal, plain lines elsewhere

        def progress(stage: str, done: int, total: int) -> None:
            bar.update({"starts": "local fits", "profiles": "profiles"}.get(stage, stage), done, total)

        try:  # the input first: a scenario given as the problem is the one complaint, whatever --out is
            loaded = load_problem(problem)
        except ProblemError as err:
            raise fail(str(err)) from None
        try:
            check_output_folder(out, FIT_FILES)  # a bad --out: refused before the fit (exit 2)
        except OutputError as err:
            raise fail(str(err)) from None
        try:
            run_fit(loaded, out, n_starts=starts, seed=seed, profiles=profiles, progress=progress,
                    report=not no_report)
        except ProblemError as err:
            raise fail(str(err)) from None
        except OutputError as err:  # the folder changed while the fit ran
            raise fail(str(err), code=EXIT_IO) from None
    # the wall-clock time here only: fit.json and the report carry none (the same fit, the same files)
    files = "estimates.csv, fit.json, fitted_parameters.yaml" + ("" if no_report else ", report.html")
    console.print(f"[green]fit written[/green] to [bold]{literal(out)}[/bold] ({files}) in "
                  f"{time.perf_counter() - t0:.1f} s")
