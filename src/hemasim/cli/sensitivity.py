"""``hemasim sensitivity SCENARIO --method morris|sobol|local --parameters A,B --out DIR``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from hemasim.cli._errors import fail, interruptible, say_written, written
from hemasim.cli.sweep import HOLD_FITTED, HOLD_FITTED_HELP

if TYPE_CHECKING:
    from hemasim.parameters import ParameterSet
    from hemasim.sensitivity.spec import SensitivitySpec

#: the command-line options that fill a field of the `sensitivity:` block built from them
_OPTION_OF_FIELD = {"time_averages": "--time-average", "factors": "--parameters/--low/--high"}


def option_problem(line: str) -> str:
    """A problem of the block built from the options, named by its option: ``--method: ...`` for ``method: ...``,
    ``--parameters/--low/--high: ...`` for ``factors.0: ...``."""
    field, sep, rest = line.partition(":")
    if not sep:
        return line
    name = field.split(".", 1)[0]
    return f"{_OPTION_OF_FIELD.get(name, '--' + name.replace('_', '-'))}:{rest}"


def _factors(parameters: str | None, all_assumed: bool, low: float, high: float,
             table: ParameterSet, refit_from: frozenset[str] = frozenset(), method: str = "morris"
             ) -> list[dict[str, object]]:
    """--low..--high x each named parameter's value (log scale). --all-assumed adds every Assumed parameter the
    same way (not the unit conventions, no longer Assumed since branch units31: each alone is the equivalent change of
    assumed members it adds anyway; --parameters names them), except one whose value in the scenario is 0 (x low..high of it is empty, which stopped the whole
    analysis): it varies over its record's sourced plausible range (linear scale), or is left out, with a warning,
    when it has none. So does one of ``refit_from`` (a source of a coupling applied, not --hold-fitted) that has a
    sourced range, with a warning: x0.5-x2 of the reference age reaches 65 y, where no naive decline within its
    bounds meets the fit's data, which stopped the whole analysis. An assumed count of stages (``COUNT_PARAMETERS``)
    is varied as the screen of the assumed parameters varies it, at its design value rounded down
    (:func:`all_assumed_floors_counts`), except by the local method, whose +-step of a count rounds to no change or to
    one stage less: there it is left out, with a warning."""
    from hemasim.biology.builder import COUNT_PARAMETERS
    from hemasim.cli._errors import warn
    from hemasim.parameters import Assumed

    names = [n.strip() for n in (parameters or "").split(",") if n.strip()]
    factors: list[dict[str, object]] = [{"parameter": n, "relative": [low, high], "log": True} for n in names]
    left_out, sourced_for_fit, counts_out = [], [], []
    if all_assumed:
        for n in table:
            if not isinstance(table[n].provenance, Assumed) or n in names:
                continue
            if n in COUNT_PARAMETERS and method == "local":
                counts_out.append(n)
                continue
            sourced = table[n].plausible_range
            if sourced is not None and n in refit_from:
                factors.append({"parameter": n, "range": [sourced.low, sourced.high], "log": False})
                sourced_for_fit.append(f"{n} over {sourced.low:g}-{sourced.high:g} {table[n].unit}")
            elif table.value(n) != 0:
                factors.append({"parameter": n, "relative": [low, high], "log": True})
            elif sourced is not None:
                factors.append({"parameter": n, "range": [sourced.low, sourced.high], "log": False})
            else:
                left_out.append(n)
    if sourced_for_fit:
        warn([f"--all-assumed: {', '.join(sourced_for_fit)} (the sourced plausible range: its fitted parameters are "
              f"refitted at each point, and x{low:g}-x{high:g} can leave the range where their fit has a value; "
              "--hold-fitted: x-range, fitted parameters held)"])
    if counts_out:
        warn([f"--all-assumed: {', '.join(counts_out)} left out: they count stages, and a local step of "
              "+-step of a count is no whole number (vary them with --method morris, or sweep them on a grid of "
              "whole numbers)"])
    if left_out:
        warn([f"--all-assumed: {', '.join(left_out)} left out: 0 in this scenario, so x{low:g}-x{high:g} of it is "
              "empty, and no sourced plausible range (vary it with a range in a --file)"])
    if not factors and all_assumed:  # the Friberg chain: every value of its drug set has a source
        raise fail("--all-assumed: no parameter of the scenario's model is Assumed; give --parameters NAME[,NAME...] "
                   f"(its parameters: {', '.join(table)}) or --file with a `sensitivity:` block")
    if not factors:
        raise fail("give --parameters NAME[,NAME...], --all-assumed, or --file with a `sensitivity:` block")
    return factors


def all_assumed_floors_counts(design: SensitivitySpec) -> bool:
    """Whether ``--all-assumed``'s design (Morris or Sobol') varies a count of stages: it then runs each count at
    its design value rounded down (``run_sensitivity(floor_counts=True)``, the screen of the assumed parameters'
    rule, bench/sensitivity_screen.py), said in one line on stderr; a count named otherwise is refused unless the
    design puts it at whole numbers only (:func:`hemasim.sensitivity.run.whole_design`)."""
    from rich.console import Console

    from hemasim.biology.builder import COUNT_PARAMETERS

    counts = [f.parameter for f in design.factors if f.parameter in COUNT_PARAMETERS]
    if not counts or design.method == "local":
        return False
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"{', '.join(counts)} count stages: each point runs them at the design value rounded down, as the screen of "
        "the assumed parameters does (docs/sensitivity.md); the tables keep the design values", markup=False)
    return True


#: the options that set the design, which a --file's `sensitivity:` block sets instead (given with --file: refused)
DESIGN_OPTIONS = ("method", "parameters", "all_assumed", "low", "high", "trajectories", "samples", "step", "seed",
                  "time_average")


#: the design options that one method alone reads (typed with another: refused, as they were ignored)
_METHOD_OF_OPTION = {"trajectories": "morris", "samples": "sobol", "step": "local"}

#: how --file's help names them (they stand together, between --out and --file)
_DESIGN_SPAN = f"--{DESIGN_OPTIONS[0]} to --{DESIGN_OPTIONS[-1].replace('_', '-')}"


def _design_options_given(ctx: typer.Context) -> list[str]:
    """The design options typed on the command line (a default is not), as the user spells them: --parameters."""
    return [next((o for o in p.opts if o.startswith("--")), p.opts[0]) for p in ctx.command.params
            if p.name in DESIGN_OPTIONS and getattr(ctx.get_parameter_source(p.name), "name", "") == "COMMANDLINE"]


def sensitivity(
    ctx: typer.Context,
    scenario: Path = typer.Argument(..., help="Scenario YAML file."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for indices.csv, samples.parquet, sensitivity.json, "
                                                      "ranking.png (written atomically)."),
    method: str = typer.Option("morris", "--method", help="morris, sobol or local."),
    parameters: str = typer.Option(None, "--parameters", metavar="NAME[,NAME...]",
                                   help="Parameters to vary (docs/parameters.md)."),
    all_assumed: bool = typer.Option(False, "--all-assumed", help="Vary every parameter whose provenance is "
                                                                  "Assumed. The four unit conventions (antibody "
                                                                  "secretion, B recruitment, inflammation production, "
                                                                  "CD8 recruitment) are not: each one alone is the "
                                                                  "same model as a change of assumed members that "
                                                                  "are varied (docs/sensitivity.md, 'Unit "
                                                                  "conventions'); name them in --parameters to vary "
                                                                  "them."),
    low: float = typer.Option(0.5, "--low", min=1e-6, help="Lower end of each range, x the scenario's value."),
    high: float = typer.Option(2.0, "--high", min=1e-6, help="Upper end of each range, x the scenario's value."),
    trajectories: int = typer.Option(10, "--trajectories", min=2, max=1000, help="Morris: trajectories."),
    samples: int = typer.Option(256, "--samples", min=8, max=65536, help="Sobol': base sample (power of 2)."),
    step: float = typer.Option(0.01, "--step", min=1e-6, max=0.2, help="Local: relative step."),
    seed: int = typer.Option(0, "--seed", min=0, help="Seed of the design."),
    time_average: list[str] = typer.Option(None, "--time-average", metavar="OBSERVABLE",
                                           help="Also analyse this observable's average over the run (repeatable): a "
                                                "column name of a run's timeseries.csv, e.g. anc_1e9_per_L."),
    file: Path = typer.Option(None, "--file", metavar="SENSITIVITY.yaml",
                              help="A `sensitivity:` block (factors, ranges, method, seed: the whole design; the "
                                   f"design options above, {_DESIGN_SPAN}, are refused with it; --set and --out go "
                                   "with it)."),
    set_: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                   help="Change a parameter, NAME=VALUE in its unit (repeatable)."),
    no_plot: bool = typer.Option(False, "--no-plot", help="Write no ranking.png: the tables and sensitivity.json "
                                                          "only (faster)."),
    hold_fitted: bool = typer.Option(False, HOLD_FITTED, help=HOLD_FITTED_HELP),
) -> None:
    """Local, Morris or Sobol' sensitivities of every endpoint of a scenario; indices and a ranking plot."""
    from pydantic import ValidationError

    from hemasim._schema import validation_problems
    from hemasim.cli.sweep import (
        check_out,
        design_couplings,
        load_design,
        load_for_analysis,
        warn_failed_points,
        with_progress,
    )
    from hemasim.sensitivity.coupling import coupling_sources
    from hemasim.sensitivity.run import SENSITIVITY_FILES, design_size, run_sensitivity, write_sensitivity_outputs
    from hemasim.sensitivity.spec import SensitivitySpec, SpecError, factor_parameters
    from hemasim.solvers import SolverError

    given = _design_options_given(ctx) if file is not None else []
    if given:  # one design: the file's silently replaced --parameters and the rest (harden14)
        raise fail(f"{', '.join(given)}: not used with --file, whose `sensitivity:` block sets the whole design "
                   "(factors, ranges, method, seed) and would win; give the design in the file or in options, not both")
    unread = [f"--{name} (read by --method {used_by})" for name, used_by in _METHOD_OF_OPTION.items()
              if file is None and method in _METHOD_OF_OPTION.values() and used_by != method
              and getattr(ctx.get_parameter_source(name), "name", "") == "COMMANDLINE"]
    if unread:  # `--method local --trajectories 50` ran the local design with nothing said of the 50
        raise fail(f"{', '.join(unread)}: not used by --method {method}; leave "
                   f"{'it' if len(unread) == 1 else 'them'} out or change --method")
    spec = load_for_analysis(scenario, set_, "sensitivity")
    if file is not None:
        design = load_design(file, SensitivitySpec)
    else:
        try:
            design = SensitivitySpec.model_validate({
                "method": method, "trajectories": trajectories, "samples": samples, "step": step, "seed": seed,
                "time_averages": time_average or [],
                "factors": _factors(parameters, all_assumed, low, high, factor_parameters(spec),
                                    frozenset() if hold_fitted else coupling_sources(), method)})
        except ValidationError as err:
            raise fail("\n".join(option_problem(line) for line in validation_problems(err))) from None
    check_out(out, SENSITIVITY_FILES)  # after the inputs: a wrong-kind --file is the first complaint
    couplings = design_couplings(design, hold_fitted)  # after the design: a coupled factor is refused first
    floor_counts = file is None and all_assumed and all_assumed_floors_counts(design)
    with interruptible(out):
        try:
            result = with_progress("sensitivity", f"{design.method} on {spec.name}", design_size(design),
                                   lambda progress: run_sensitivity(spec, design, progress, couplings=couplings,
                                                                    floor_counts=floor_counts))
        except SpecError as err:  # a factor or time average the scenario does not have: named as the user gave it
            problem = str(err)
            raise fail(f"{file}: {problem}" if file is not None
                       else option_problem(problem.removeprefix("sensitivity."))) from None
        except (SolverError, ValueError) as err:
            raise fail(f"{scenario}: {err}") from None
        names = {f.name for f in result.factors} | set(result.coupled)
        warn_failed_points(result.samples, [c for c in result.samples.columns if c not in names],
                           "empty in samples.parquet, and the indices that need them are not numbers")
        files = written(out, lambda: write_sensitivity_outputs(result, spec, out, plot=not no_plot))
    # a local design's samples hold the baseline as their first row (Morris' and Sobol' hold it apart): "9 design
    # points and the baseline" was said of 4k + 1 = 9 runs in all (branch ux33)
    points = len(result.samples) - (1 if result.method == "local" else 0)
    say_written(files, out, f"{points} design points and the baseline, {result.seconds:.1f} s")
