"""``hemasim sweep SCENARIO SWEEP.yaml --out DIR``: a parameter or dose sweep as one batch, a table and plots."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import typer

from hemasim.cli._errors import fail, interruptible, loaded, refuse_population, say_written, warn, written

if TYPE_CHECKING:
    from hemasim.scenario import Scenario
    from hemasim.sensitivity.coupling import Coupling
    from hemasim.sensitivity.spec import SensitivitySpec, SweepSpec
T = TypeVar("T")

#: the option that keeps the fitted parameters at their shipped values (no coupling applied)
HOLD_FITTED = "--hold-fitted"
HOLD_FITTED_HELP = ("Keep the fitted parameters at their shipped values when the design varies an assumed parameter "
                    "their fit held (default: refit them at each point, e.g. the naive declines from the lymphocyte "
                    "reference age; docs/sensitivity.md), and allow a fitted one as a factor beside "
                    "its sources.")


def load_for_analysis(scenario: Path, set_: list[str] | None, command: str) -> Scenario:
    """The scenario (with --set), checked to be a single-arm scenario of one patient (``command``: sweep or
    sensitivity, named when a `population:` block is refused)."""
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.overrides import with_set_options

    try:
        spec, lines = loaded(lambda: with_set_options(load_scenario(scenario), set_ or []))
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    warn(lines)
    if spec.arms:
        raise fail(f"{scenario}: arms: sweeps and sensitivities run one arm; write each arm as its own scenario")
    refuse_population(scenario, spec, command, "runs the scenario's one patient at each point of its design")
    return spec


def load_design(path: Path, schema: type[T]) -> T:
    """The design file of the command whose block ``schema`` is (:class:`SweepSpec`: ``sweep``, else
    ``sensitivity``), refused in one line when it holds the other command's block (naming the command that takes
    it)."""
    from hemasim._file_kinds import FILE_KINDS
    from hemasim.sensitivity.spec import SpecError, SweepSpec, load_spec

    wanted, other = ("sweep", "sensitivity") if schema is SweepSpec else ("sensitivity", "sweep")
    try:
        design = load_spec(path, wanted)
    except SpecError as err:
        raise fail(str(err)) from None
    if not isinstance(design, schema):
        usage = next(line for fields, _, line in FILE_KINDS if fields == (other,))
        raise fail(f"{path}: holds a `{other}:` block; `hemasim {wanted}` needs a `{wanted}:` block (this file runs "
                   f"with `{usage.format(source=path)}`)")
    return design


def check_out(out: Path, files: tuple[str, ...]) -> None:
    """--out checked for ``files``, after the inputs (a wrong-kind input is the first complaint, not the folder)
    and before anything runs."""
    from hemasim.io import OutputError, check_output_folder

    try:
        check_output_folder(out, files)
    except OutputError as err:
        raise fail(str(err)) from None


def design_couplings(design: SweepSpec | SensitivitySpec, hold_fitted: bool) -> tuple[Coupling, ...]:
    """The shipped couplings the design applies (none with --hold-fitted), said in one line on stderr; a design
    that varies a coupled (fitted) parameter is refused in one line naming it and --hold-fitted."""
    from rich.console import Console

    from hemasim.sensitivity.coupling import applied_couplings, shipped_couplings

    if hold_fitted:
        return ()
    try:
        applied = applied_couplings([f.parameter for f in design.factors if f.parameter], shipped_couplings(),
                                    HOLD_FITTED)
    except ValueError as err:
        raise fail(str(err)) from None
    for coupling in applied:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            f"refitting {', '.join(coupling.targets)} at each point from {', '.join(coupling.sources)} (the fit held "
            f"them; {HOLD_FITTED} keeps the shipped values)", markup=False)
    return applied


def warn_failed_points(table: object, endpoints: list[str], where: str) -> None:
    """One warning line when points of the design could not be built or integrated (every endpoint empty there,
    hemasim.sensitivity.batch): the command wrote its files and said nothing, and a design whose every point
    failed (--all-assumed's stage counts before branch ux33: 178 of 178) read as a finished analysis."""
    import pandas as pd

    from hemasim.sensitivity.batch import failed_points

    assert isinstance(table, pd.DataFrame)
    failed = int(failed_points(table, endpoints).sum())
    if failed:
        warn([f"{failed} of {len(table)} points failed to run (could not be built or integrated: a steady-state "
              f"balance that cannot close, the solver's step budget; docs/sensitivity.md): no endpoint there, {where}"])


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
    hold_fitted: bool = typer.Option(False, HOLD_FITTED, help=HOLD_FITTED_HELP),
) -> None:
    """Sweep parameters or doses (grid or Latin hypercube) on the batch kernel; write a table and plots."""
    from hemasim.sensitivity.run import SWEEP_FILES, design_size, run_sweep, write_sweep_outputs
    from hemasim.sensitivity.spec import SpecError, SweepSpec
    from hemasim.solvers import SolverError

    spec = load_for_analysis(scenario, set_, "sweep")
    design = load_design(sweep_file, SweepSpec)
    check_out(out, SWEEP_FILES)
    couplings = design_couplings(design, hold_fitted)
    with interruptible(out):
        try:
            result = with_progress("sweep", f"sweeping {spec.name}", design_size(design),
                                   lambda progress: run_sweep(spec, design, progress, couplings=couplings))
        except SpecError as err:
            raise fail(f"{sweep_file}: {err}") from None
        except (SolverError, ValueError) as err:
            raise fail(f"{scenario}: {err}") from None
        warn_failed_points(result.table, result.endpoints,
                           "empty in sweep.csv" + ("" if no_plot else " and marked in sweep.png"))
        files = written(out, lambda: write_sweep_outputs(result, spec, out, plot=not no_plot))
    say_written(files, out, f"{len(result.table)} points, {result.seconds:.1f} s")
