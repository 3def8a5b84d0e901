"""``hemasim run SCENARIO --out DIR``: simulate one scenario and write its outputs."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import typer

from hemasim.cli._errors import fail, interruptible, loaded, say_written, warn, written

#: seconds a run goes on before a terminal shows a spinner (rich is imported then, not in a quicker run: ~0.04 s)
SPINNER_DELAY_S = 0.5
#: BLAS threads of a fresh ``hemasim run`` process unless the user set OPENBLAS_NUM_THREADS (docs/performance.md,
#: goal 1): its matrix products (observables: a few hundred time points by ~130 states) take microseconds on one
#: core, while every further OpenBLAS thread spin-waits for work after numpy's import and after each product before
#: it sleeps - on 2 cores about 0.15 s of CPU in a 0.35 s run, for no gain. Outputs are bit for bit the same.
RUN_BLAS_THREADS = "1"


def run(
    scenario: Path = typer.Argument(..., help="Scenario YAML file (docs/scenarios.md; `hemasim examples` copies the shipped ones)."),
    out: Path = typer.Option(..., "--out", "-o", help="Folder for timeseries.csv, endpoints.json, run.json, "
                                                      "report.html (written atomically: a new folder, an empty "
                                                      "one, or an earlier run's, which is replaced whole)."),
    set_: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                   help="Change a parameter, NAME=VALUE in its unit (repeatable; the names: "
                                        "docs/parameters.md, or the table python -m hemasim.parameters.table "
                                        "prints)."),
    static_report: bool = typer.Option(False, "--static-report",
                                       help="Lineage plots as PNG images (for papers) instead of interactive ones."),
    report: bool = typer.Option(True, "--report/--no-report",
                                help="Write report.html (--no-report: only the data files, faster)."),
) -> None:
    """Simulate a scenario and write its time series, endpoints, run record and HTML report."""
    _fewer_blas_threads()
    if static_report and not report:  # it was accepted and unread: no report, so no plots of either kind
        raise fail("--static-report: sets report.html's plots, and --no-report writes no report.html; give one")
    from hemasim.assembly import run_scenario
    from hemasim.io import OUTPUT_FILES, OutputError, check_output_folder, write_run_outputs
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.overrides import with_set_options
    from hemasim.solvers import SolverError

    try:  # the library warns of implausible values as it loads (--set changes no value it checks)
        spec, warnings = loaded(lambda: with_set_options(load_scenario(scenario), set_ or []))
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    warn(warnings)  # the run goes on as written; the report repeats them
    try:
        check_output_folder(out, OUTPUT_FILES)  # before the simulation, not after it
    except OutputError as err:  # a bad --out, refused before anything runs: bad input, as a scenario's mistake
        raise fail(str(err)) from None
    if spec.population is not None:  # a cohort file given to `run`: say what is simulated, then go on
        print(f"note: {scenario}: the population block is read by `hemasim cohort`; `hemasim run` simulates the "
              "scenario's patient alone", file=sys.stderr)
    if spec.arms:
        from hemasim.arms import run_arms, write_arm_outputs

        # Ctrl-C: one line on what became of --out (nothing is written before the arms are done), exit 130
        with interruptible(out), _LateSpinner(f"simulating {len(spec.arms)} arms of {spec.name!r}") as status:
            try:
                runs = run_arms(spec, source=str(scenario),
                                progress=lambda arm: status.update(f"simulating arm {arm!r}"))
            except (SolverError, ValueError) as err:  # the run budget; an event that does not fit the model
                raise fail(f"{scenario}: {err}") from None
            files = written(out, lambda: write_arm_outputs(spec, runs, out, title=f"hemasim: {spec.name}",
                                                                  static_report=static_report, report=report))
        say_written(files, out, f"{len(runs)} arms")  # named as a run's
        return
    with interruptible(out), _LateSpinner(f"simulating {spec.name!r} ({spec.duration_days:g} days)"):
        try:
            result = run_scenario(spec)
        except (SolverError, ValueError) as err:  # the run budget; an event that does not fit the model
            raise fail(f"{scenario}: {err}") from None
        files = written(out, lambda: write_run_outputs(result, out, title=f"hemasim: {spec.name}",
                                                        static_report=static_report, report=report))
    say_written(files, out)


def _fewer_blas_threads() -> None:
    """:data:`RUN_BLAS_THREADS` for OpenBLAS, which reads it when it loads: only where numpy is not loaded yet (a
    fresh process; not a test or a notebook that calls this command in-process) and the user set none."""
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", RUN_BLAS_THREADS)


class _LateSpinner:
    """rich's status spinner on a terminal, started only when the work goes on for :data:`SPINNER_DELAY_S`: a
    quicker run shows none and does not import rich. Elsewhere (a pipe, a test, a batch job) nothing."""

    def __init__(self, text: str, delay_s: float = SPINNER_DELAY_S) -> None:
        self._text = text
        self._lock = threading.Lock()
        self._done = False
        self._status: Any = None
        self._timer = threading.Timer(delay_s, self._start) if sys.stderr.isatty() else None

    def _start(self) -> None:
        from rich.console import Console
        from rich.markup import escape

        with self._lock:
            if not self._done:
                self._status = Console(stderr=True).status(escape(self._text))
                self._status.start()

    def __enter__(self) -> _LateSpinner:
        if self._timer is not None:
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._done = True
            if self._timer is not None:
                self._timer.cancel()
            if self._status is not None:
                self._status.stop()

    def update(self, text: str) -> None:
        """Show ``text`` (printed as is) from now on."""
        with self._lock:
            self._text = text
            if self._status is not None:
                from rich.markup import escape

                self._status.update(escape(text))
