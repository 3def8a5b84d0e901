"""``hemasim sweep SCENARIO SWEEP.yaml --out DIR``: a parameter or dose sweep as one batch, a table and plots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from hemasim.cli._errors import fail, interruptible, literal, written

if TYPE_CHECKING:
    from hemasim.scenario import Scenario
T = TypeVar("T")


def load_for_analysis(scenario: Path, set_: list[str] | None, out: Path, files: tuple[str, ...]) -> Scenario:
    """The scenario (with --set), checked to be a single-arm scenario; --out checked."""
    from hemasim.io import OutputError, check_output_folder
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.overrides import with_set_options

    try:
        spec = with_set_options(load_scenario(scenario), set_ or [])
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    if spec.arms:
        raise fail(f"{scenario}: arms: sweeps and sensitivities run one arm; write each arm as its own scenario")
    try:
        check_output_folder(out, files)
    except OutputError as err:  # a bad --out, refused before anything runs
        raise fail(str(err)) from None
    return spec


def with_progress(command: str, label: str, total: int, work: Callable[[Callable[[int], None]], T]) -> T:
    """Run ``work(progress)`` over ``total`` points, saying where it is on stderr (a bar on a terminal, plain
    lines elsewhere: hemasim.cli._progress)."""
    from hemasim.cli._progress import StageProgress

    with StageProgress(command) as progress:
        return work(progress.counter(label, total))


def sweep(
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    sweep_file: Path = typer.Argument(..., metavar="SWEEP.yaml",
                                      help="A file with a `sweep:` block (see docs/sensitivity.md)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for sweep.csv, sweep.parquet, sweep.json, sweep.png "
                                                      "(written atomically)."),
    set_: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                   help="Change a parameter, NAME=VALUE in its unit (repeatable)."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Write no sweep.png: the tables and sweep.json only "
                                                          "(faster)."),
) -> None:
    """Sweep parameters or doses (grid or Latin hypercube) on the batch kernel; write a table and plots."""
    from rich.console import Console

    from hemasim.sensitivity.run import SWEEP_FILES, design_size, run_sweep, write_sweep_outputs
    from hemasim.sensitivity.spec import SpecError, SweepSpec, load_spec
    from hemasim.solvers import SolverError

    spec = load_for_analysis(scenario, set_, out, SWEEP_FILES)
    try:
        design = load_spec(sweep_file)
    except SpecError as err:
        raise fail(str(err)) from None
    if not isinstance(design, SweepSpec):
        raise fail(f"{sweep_file}: holds a `sensitivity:` block; `hemasim sweep` needs a `sweep:` block")
    with interruptible(out):
        try:
            result = with_progress("sweep", f"sweeping {spec.name}", design_size(design),
                                   lambda progress: run_sweep(spec, design, progress))
        except SpecError as err:
            raise fail(f"{sweep_file}: {err}") from None
        except (SolverError, ValueError) as err:
            raise fail(f"{scenario}: {err}") from None
        files = written(out, lambda: write_sweep_outputs(result, spec, out, plot=not no_plot))
    Console(stderr=True).print(f"[green]wrote[/green] {len(files)} files ({len(result.table)} points, "
                               f"{result.seconds:.1f} s) to [bold]{literal(out)}[/bold]")
