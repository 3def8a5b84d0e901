"""Running a scenario's arms side by side and writing them as one output folder.

A scenario with ``arms:`` (:mod:`hemasim.scenario.arms`) runs each arm through the one run path
(:func:`hemasim.assembly.run_scenario`). The folder holds what a single run writes, for every arm at once:

* ``timeseries.csv``: one table, its first column ``arm`` (an observable one arm lacks, such as the donor part
  of a count in a SCID arm, is empty in the other arms' rows);
* ``endpoints.json``: ``{arm: {endpoint: {value, unit, definition}}}``;
* ``run.json``: the base scenario and ``arms: {arm: the run record of a single run}``;
* ``report.html``: every plot comparing the arms and one endpoint table with a column per arm.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hemasim import __version__

if TYPE_CHECKING:
    from hemasim.endpoints import EndpointValue
    from hemasim.scenario import Scenario
    from hemasim.simulation import Result
    from hemasim.solvers import Solver

__all__ = ["ArmRun", "run_arms", "write_arm_outputs"]


@dataclass(frozen=True, eq=False)
class ArmRun:
    """One arm's name and its run."""

    name: str
    result: Result


def run_arms(scenario: Scenario, solver: Solver | None = None, source: str = "scenario",
             progress: Callable[[str], None] | None = None) -> list[ArmRun]:
    """Each arm of ``scenario`` simulated (with the scenario's solver unless ``solver`` is given)."""
    from hemasim.assembly import run_scenario
    from hemasim.scenario.arms import arm_refusals, arm_scenarios

    runs = []
    for name, arm in arm_scenarios(scenario, source):
        if progress is not None:
            progress(name)
        with arm_refusals(name):  # a refused event names its arm, as `hemasim check` says it (review35e)
            runs.append(ArmRun(name, run_scenario(arm, solver)))
    return runs


def arm_table(runs: Sequence[ArmRun]) -> Any:
    """The arms' observables as one table (pandas DataFrame), the arm in the first column."""
    import pandas as pd

    frames = []
    for run in runs:
        frame = run.result.observables
        frame.insert(0, "arm", run.name)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True, sort=False)


def write_arm_outputs(scenario: Scenario, runs: Sequence[ArmRun], out_dir: str | Path,
                      title: str = "hemasim run", static_report: bool = False, report: bool = True) -> list[Path]:
    """Write the arms' table, endpoints, run records and comparison report atomically into ``out_dir``;
    ``report=False`` leaves out report.html (``hemasim run --no-report``)."""
    from hemasim.endpoints import evaluate_endpoints
    from hemasim.io import atomic_outputs, json_writer, run_record

    endpoints: dict[str, list[EndpointValue]] = {r.name: evaluate_endpoints(r.result) for r in runs}
    records = {r.name: run_record(r.result) for r in runs}
    table = arm_table(runs)
    run_json = {"hemasim_version": __version__, "scenario": scenario.model_dump(mode="json"), "arms": records}

    def render(p: Path) -> None:
        from hemasim.report.arms import render_arms_report  # only when the report is written

        p.write_text(render_arms_report(scenario, runs, endpoints, records, title, static_report), encoding="utf-8")

    return atomic_outputs(Path(out_dir), {
        "timeseries.csv": lambda p: table.to_csv(p, index=False, float_format="%.10g"),
        "endpoints.json": json_writer({arm: {e.name: e.to_json() for e in eps} for arm, eps in endpoints.items()}),
        "run.json": json_writer(run_json),
        "report.html": render,
    }, report)  # as a single run's (hemasim.io.write_run_outputs): the same four files, written as one
