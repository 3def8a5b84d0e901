from __future__ import annotations

import atexit
import copy
import functools
import gc
import os
import sys
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import typer.main
import typer.testing
from typer.testing import CliRunner, Result

from hemasim._gc import tune_for_command
from hemasim.cli.app import app as hemasim_app

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# wide enough that Rich never wraps a table cell or an error line (tests look for words in them)
TERMINAL_ENV = {"COLUMNS": "160"}


#: The suite's longest tests and their seconds (idle 2-core machine, two xdist processes, clean clone of main
#: a92825d, 4 December 2026; the documentation build, the CUDA-simulator check and the Friberg recovery scaled by
#: their CPU on branch testspeed4, 0.80, 0.83 and 0.72 of before; the two validation hold tests by theirs on branch
#: testspeed8, 0.40 and 0.51, their nab-paclitaxel cohorts on the IMEX kernel; the CUDA-simulator check and the
#: documentation build by theirs on branch testspeed9, 0.51 and 0.955; the documentation build, 0.66, on branch testspeed20
#: and the two validation hold tests, 0.88 and 0.86, on branch testspeed22; the `predictions4` hold test, 0.81, on
#: branch testspeed25, Q5's cohort at its own rtol; the `chemotherapy_schedules` hold test, 0.83, and the documentation
#: build, 0.92, on branch testspeed26, P16's cohorts at their own rtol and the fit tutorial's two profiles; the
#: `predictions4` and `chemotherapy_schedules` hold tests, 0.81 and 0.73 (their nab-paclitaxel cohorts' CPU, Q5 7.4 ->
#: 4.8 s, P13 and P16 11.1 -> 7.7), on branch testspeed30, the drug's central amount measured on its effect's scale;
#: the layout and the shares' boundary unchanged); the `predictions12` hold test (its four 500-woman TC/TAC
#: cohorts, 8.4 s CPU, the third-longest test) listed on branch testspeed33 at 0.63 of its CPU, the two other hold
#: tests' ratio of listed seconds to CPU: unlisted, it fell 2,510th of 2,666 and started ~15 s before its process's
#: end (a whole run at load ~5), where a process left without tests idles beside it (docs/performance.md, the
#: suite's twenty-ninth session): the files holding them open the processes' queues (:func:`longest_first`).
LONGEST_FIRST = {
    "tests/test_docs_build.py::test_site_builds_strict_with_executed_tutorials": 14.3,
    "tests/test_validation_predictions4.py::test_the_new_predictions_pass_or_fail_as_reported": 6.6,
    "tests/test_validation_chemotherapy_schedules.py::test_the_new_predictions_pass_or_fail_as_reported": 5.1,
    "tests/test_validation_predictions12.py::test_the_tc_predictions_pass_or_fail_as_reported": 5.3,
    "tests/test_gpu.py::test_gpu_kernel_equals_the_cpu_lockstep_kernel_in_the_cuda_simulator": 4.1,
    "tests/test_cohort.py::test_killed_cohort_command_resumes_without_recomputing": 7.6,
    "tests/test_inference_fit.py::test_friberg_recovery_generating_values_within_their_intervals": 4.2,
    "tests/test_cohort.py::test_dask_local_cluster_gives_the_same_endpoints": 4.1,
    "tests/test_population.py::test_saem_recovers_a_simulated_maintenance_population": 3.7,
    "tests/test_cli.py::test_validate_passes_and_lists_uncovered": 3.3,
}

#: files whose tests use a session fixture that a file of :data:`LONGEST_FIRST` builds too: each follows that file
#: into its share, so that the fixture is built in one process, not in both (the example's fit, ``example_fit``:
#: ~2 s CPU; the clean clone of main f69f2b0 built it in both processes), or a cached computation: the TC
#: validation group's four 500-woman cohorts (hemasim.validation.predictions12, cached a process), which both the
#: predictions12 hold test (F1-F4) and the predictions17 one (F5, F6) judge: in two processes they took 7.8 and
#: 8.0 s wall of a clean clone's suite, in one 11.7 and 0.01 s CPU (docs/performance.md, thirty-first session); the
#: docetaxel weekly/3-weekly cohorts (hemasim.validation.chemotherapy_schedules.cohort_lowest_observables, cached a
#: process), which the command line's `validate` test runs (its groups include predictions8's) and the predictions8
#: hold test judges: in two processes in two of three runs, 2.3 s CPU there again (docs/performance.md, the suite,
#: thirty-third session)
SAME_SHARE_AS = {"tests/test_inference_petab.py": "tests/test_inference_fit.py",
                 "tests/test_validation_predictions17.py": "tests/test_validation_predictions12.py",
                 "tests/test_validation_predictions8.py": "tests/test_cli.py"}


def pytest_configure(config: pytest.Config) -> None:
    """Every pytest process (each xdist process, the controller) collects its garbage as a ``hemasim`` command does:
    first threshold :data:`hemasim._gc.GC_THRESHOLD` instead of Python's 700, set before the test modules are
    imported. At 700 the collector examined the processes' long-lived objects (modules, pydantic schemas,
    matplotlib's artists) ~3,100 times in 275 CLI, report, fit and validation tests: 3.8 s of their 46 s CPU, against
    1.6 s in 38 collections (docs/performance.md, the suite's eighteenth-session round). Tests of the threshold itself
    set the values they check (tests/test_cohort_tail.py), or run a fresh process (tests/test_cli_startup.py)."""
    tune_for_command()
    _TRAIL.start(config)


class _TrailTheFirstCollection:
    """A later xdist process imports each test module only once the first process (gw0) has collected it. In a
    fresh environment (a clean clone, whose packages uv installs without bytecode) processes collecting at once each
    compiled the bytecode of the same ~840 modules and rewrote the same test modules (~3 s CPU each after the
    warm-up); trailing by a module, a later process reads what gw0 wrote and still ends about when gw0 does
    (docs/performance.md, the suite's twentieth session). gw0 marks each module in the run's base temporary folder
    (each process's own is a folder of it; pytest removes old runs' folders) and the whole collection at its end.
    The waits together are bounded (:data:`FIRST_COLLECTION_WAIT_S`): a first process that failed cannot hang the
    run. Outside pytest-xdist nothing waits."""

    def __init__(self) -> None:
        self.marks: Path | None = None  # the marks' folder, in an xdist process
        self.run_folder: Path | None = None  # the run's base temporary folder, in an xdist process
        self.first = False
        self.deadline = 0.0

    def start(self, config: pytest.Config) -> None:
        basetemp = config.option.basetemp  # xdist gives each process <the run's basetemp>/popen-gwN
        if "PYTEST_XDIST_WORKER" not in os.environ or not basetemp:
            return
        self.run_folder = Path(basetemp).parent
        self.marks = self.run_folder / "collected"
        self.first = os.environ["PYTEST_XDIST_WORKER"] == "gw0"
        if self.first:
            self.marks.mkdir(exist_ok=True)
        self.deadline = time.monotonic() + FIRST_COLLECTION_WAIT_S

    def wait_for(self, nodeid: str) -> None:
        if self.marks is None or self.first:
            return
        mark, everything = self.marks / nodeid.replace("/", "__"), self.marks / "all"
        while not (mark.exists() or everything.exists()) and time.monotonic() < self.deadline:
            time.sleep(0.01)

    def collected(self, nodeid: str) -> None:
        """gw0 collected ``nodeid`` (a test module's, a folder's; the session's, "", is reported first)."""
        if self.marks is not None and self.first and nodeid:
            (self.marks / nodeid.replace("/", "__")).touch()

    def finished(self) -> None:
        if self.marks is not None and self.first:
            (self.marks / "all").touch()


#: how long later xdist processes wait for the first one's collection in all (s) before collecting on their own; a
#: collection takes 3-10 s on an idle 2-core machine, ~100 s at load 15 (docs/performance.md, the tenth round)
FIRST_COLLECTION_WAIT_S = 300.0
_TRAIL = _TrailTheFirstCollection()


@pytest.hookimpl(tryfirst=True)
def pytest_make_collect_report(collector: pytest.Collector) -> None:
    if isinstance(collector, pytest.Module):  # collecting it imports it
        _TRAIL.wait_for(collector.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    _TRAIL.collected(report.nodeid)


def pytest_collection_finish(session: pytest.Session) -> None:
    _TRAIL.finished()  # a later process waits for no module any more


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _FREEZE.at(item)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """After a test's teardown (its module's fixtures too when the next test is in another module): the browser that
    consecutive browser modules share (tests/_browser.py) is closed unless the next test is in the same module or in
    another module that launches one."""
    result = yield
    browsers = sys.modules.get("tests._browser")
    if browsers is not None and (nextitem is None or (
            getattr(nextitem, "module", None) is not getattr(item, "module", None)
            and not hasattr(getattr(nextitem, "module", None), "launch_browser"))):
        browsers.close_shared_browser()
    return result


class _FreezeBetweenModules:
    """Before the first test of each test module (the previous module's fixtures torn down), the process collects
    its cyclic garbage once and moves every object still alive to the collector's permanent generation
    (``gc.freeze``): what the collection and the earlier modules left alive - imported modules, test items, session
    fixtures, caches - is then not examined again by each later collection of the oldest generation (0.1-0.35 s
    each, a dozen a process) nor by the two at the session's end, which pytest's unraisable-exception plugin makes
    (~0.3-0.5 s each, where the heap had ~400,000 objects). A frozen object is still freed by reference counting;
    only one that later becomes garbage inside a reference cycle stays (the test processes end with the run), and
    with it its finaliser: a file or socket left unclosed in such a cycle by an earlier module gives no
    ResourceWarning at the session's end (none is made an error in this configuration, so nothing fails). On a
    third of the suite (729 tests, two xdist processes): 7.4 s of collector CPU against 2.1 s, the processes' peak
    memory the same (docs/performance.md, the suite's twenty-fourth session). Tests that check what the collector
    frees (tests/test_imex.py) create those objects in the test, after the freeze."""

    def __init__(self) -> None:
        self.module = ""

    def at(self, item: pytest.Item) -> None:
        module = item.nodeid.split("::")[0]
        if module != self.module:
            self.module = module
            gc.collect()
            gc.freeze()


_FREEZE = _FreezeBetweenModules()


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, object, object]:
    """An xdist process leaves without tearing down its heap: once its session is over (its results sent, pytest
    unconfigured: the last collection for unraisable exceptions done), it runs the atexit handlers (coverage's, the
    temporary folders' finalizers, the thread pools' joins) and exits. Freeing the objects of ~1,000 tests one by one
    (the session's graph, then every module) took ~2 s CPU a process at the run's end, both cores busy with nothing
    the run reads (docs/performance.md, the suite's twentieth session). The controller and a run without xdist end
    as always: their exit status is the run's."""
    result = yield
    if "PYTEST_XDIST_WORKER" in os.environ:
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(int(result) if isinstance(result, int) else 0)
    return result


@pytest.hookimpl(trylast=True)  # after -k/-m deselection; --failed-first still puts failures first (a wrapper)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workers = getattr(config, "workerinput", {}).get("workercount", 1)  # 1 outside pytest-xdist
    items[:] = longest_first(browser_files_together(items), int(workers))


#: the test files that drive Chromium (tests/_browser.py): consecutive ones share one browser
BROWSER_FILES = ("tests/test_explore_browser.py", "tests/test_report_figures_browser.py",
                 "tests/test_report_interactive.py")


def browser_files_together(items: list[pytest.Item]) -> list[pytest.Item]:
    """``items`` with the tests of :data:`BROWSER_FILES` moved to where the last of them is, one file after the
    other in their collection order (the explorer's lay 75 files before the report's two), every other test in its
    order: the three files then run with one Chromium and one Playwright driver instead of two of each (a launch is
    ~1.7 s CPU; docs/performance.md, the suite, twenty-fifth session). A pure function of the collection, as xdist
    requires."""
    browser = [item for item in items if item.nodeid.split("::")[0] in BROWSER_FILES]
    if not browser:
        return items
    rest = [item for item in items if item.nodeid.split("::")[0] not in BROWSER_FILES]
    last = len(rest) - (len(items) - 1 - items.index(browser[-1]))  # the tests after the last browser test stay last
    return rest[:last] + browser + rest[last:]


def longest_first(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    """``items`` laid out for pytest-xdist's ``--dist worksteal``, which hands each of ``workers`` processes a
    contiguous share of the collection (sizes as it computes them) and lets a process that runs out steal the tail
    of another's queue: the files of :data:`LONGEST_FIRST` open the shares, each file given to the share with the
    fewest listed seconds so far (longest file first), and in it its listed tests first; every other test keeps its
    collection order behind them. The long tests then start at once, spread over the processes, and the run ends on
    short tests: in collection order a 23-30 s test could start late beside a core left idle (simulated with the
    measured test times and +-30% noise: 0.8 s median, 2.7 s 90th percentile and 16 s worst over the ideal of half
    the suite's time, against 0.2, 0.6 and 2.4 s laid out; the listed files all first: 1.4, 5.2, 12 s;
    docs/performance.md). Each file's tests stay together (module fixtures are built once). A pure function of the
    collection: every xdist process computes the same order, as xdist requires. A file of :data:`SAME_SHARE_AS`
    follows its partner's tests in the partner's share."""
    collected = {item.nodeid.split("[")[0] for item in items}
    seconds_of_file: dict[str, float] = {}
    for name, seconds in LONGEST_FIRST.items():
        if name in collected:  # not deselected (-k, -m)
            path = name.split("::")[0]
            seconds_of_file[path] = seconds_of_file.get(path, 0.0) + seconds
    share_of_file: dict[str, int] = {}
    share_seconds = [0.0] * workers
    for path in sorted(seconds_of_file, key=lambda f: -seconds_of_file[f]):
        share_of_file[path] = share_seconds.index(min(share_seconds))
        share_seconds[share_of_file[path]] += seconds_of_file[path]
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    file_rank: dict[str, int] = {}
    for name, i in rank.items():
        if name in collected:
            file_rank.setdefault(name.split("::")[0], i)
    collected_files = {name.split("::")[0] for name in collected}
    for path, partner in SAME_SHARE_AS.items():
        if path in collected_files and partner in share_of_file:
            share_of_file[path] = share_of_file[partner]
            file_rank[path] = file_rank[partner]  # with the partner's unlisted tests, in collection order

    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]

    def listed_first(item: pytest.Item) -> tuple[int, int]:  # a parametrised test's cases share its rank
        return file_rank[file_of(item)], rank.get(item.nodeid.split("[")[0], len(rank))

    heads = [sorted((item for item in items if share_of_file.get(file_of(item)) == share), key=listed_first)
             for share in range(workers)]
    rest = [item for item in items if file_of(item) not in share_of_file]
    ordered: list[pytest.Item] = []
    left = len(items)
    for share in range(workers):
        size = left // (workers - share)  # xdist's worksteal: len(pending) // nodes remaining
        left -= size
        take = max(0, size - len(heads[share]))
        ordered += heads[share] + rest[:take]
        rest = rest[take:]
    return ordered + rest  # a listed file larger than its share only pushes the rest along


# libRoadRunner compiles each exported model with its default MCJIT backend, the one hemasim.inference.petab and
# users get. The suite used LLJIT (branch testspeed: ~0.15 s a model instead of ~0.7 s) until branch segv found it
# segfaulting in libroadrunner 2.10.0: a model's jump table (a `switch` in the value getters) holds 32-bit offsets
# from table to code, and when LLJIT put the table more than 2 GiB from the code (where depends on what the process
# mapped before: test_explore_browser, test_fuzz_inputs, test_radiation_conditioning and test_cord in one process)
# the jump went 4 GiB astray (gdb: `jmp *%rax` to 0x8000...). The same files passed under MCJIT. test_sbml.py holds
# the choice.


def validation_outcome(groups: list[str]) -> tuple[dict[str, str], dict[str, float]]:
    """Run validation groups (as `hemasim validate --group` does): each target's status by id, and each check's
    value by read-out (judged and info checks), as the hold tests of the target groups read them."""
    from hemasim.validation import run_validation

    report = run_validation(groups)
    return ({t.id: t.status for t in report.targets},
            {c.readout: c.value for t in report.targets for c in t.checks})


def set_dotted(data: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``data`` (a loaded scenario) with dotted ``changes`` set in place (``"population.weight_kg.male.mean"``
    goes into the nested blocks; a value of None removes the key); returns ``data``."""
    for key, value in changes.items():
        *blocks, last = key.split(".")
        node = data
        for b in blocks:
            node = node[b]
        if value is None:
            node.pop(last)
        else:
            node[last] = value
    return data


def invoke_hemasim(*args: str) -> Result:
    """Run ``hemasim ARGS`` in this process through Typer's runner (exit code, stdout, stderr apart); an
    unexpected exception propagates with its traceback instead of becoming exit code 1. The click command is built
    from the app once a process (:func:`_hemasim_command`), as the ``hemasim`` console script builds it once."""
    with mock.patch.object(typer.testing, "_get_command", _command_of):
        return CliRunner().invoke(hemasim_app, list(args), env=TERMINAL_ENV, catch_exceptions=False)


@functools.cache
def _hemasim_command() -> Any:
    """The hemasim app as a click command. Typer's runner builds it from the app on every call (the signatures of
    every command's options: ~4 ms, ~1.5 s of the suite's CPU over ~360 calls; docs/performance.md, the suite's
    nineteenth session); a click command keeps nothing between invocations (each has its own context)."""
    return typer.main.get_command(hemasim_app)


def _command_of(app: Any) -> Any:
    return _hemasim_command() if app is hemasim_app else typer.main.get_command(app)


@pytest.fixture(scope="session")
def example_fit():
    """The fitting example (examples/fit/problem.yaml) fitted from 2 starts (seed 1) on the kernel engine, once per
    process: the Friberg recovery test profiles from its optimum, the PEtab test compares libRoadRunner's fit with
    it. Returns (the objective, the fit)."""
    from hemasim.inference import Objective, fit, load_problem

    objective = Objective(load_problem(EXAMPLES / "fit" / "problem.yaml"))
    return objective, fit(objective, n_starts=2, seed=1)


def shortened(data: dict[str, Any], days: float) -> dict[str, Any]:
    """An example's scenario data run for ``days`` instead, without an immunosuppression course that would outlast
    the shorter run: the allogeneic examples' GVHD prophylaxis runs to day +180 (branch gvhd35), and the tests that
    shorten them hold values read on the examples as they were before they had prophylaxis. (A scenario may now end
    during a course, which is then cut at the end: tests/test_immunosuppression_window.py.)"""
    ivs = [iv for iv in data["interventions"] if not (iv.get("kind") == "immunosuppression"
                                                       and iv["end_day"] + iv.get("taper_days", 0.0) > days)]
    return {**data, "duration_days": days, "interventions": ivs}


def example_run(name: str) -> Any:  # -> hemasim.simulation.Result
    """``run_scenario(load_scenario(examples/NAME))``, simulated once a process: every example runs in
    tests/test_examples.py and again (the same scenario, the same result) in tests/test_endpoint_units.py, ~1.4 s CPU
    of simulation twice (docs/performance.md, the suite's twenty-second session). Shared, so guarded: the arrays of
    the result and of its compiled model are set unwritable (a test that writes into one fails instead of changing
    another test's run), and each call gets its own result, record (solver dict, event log) and model (lists of
    names) around them, so a change to one of those stays with the caller."""
    from dataclasses import fields, replace

    result = _example_result(name)
    record, model = result.record, result.model
    record = replace(record, solver=copy.deepcopy(record.solver),
                     administrations=copy.deepcopy(record.administrations))
    model = replace(model, **{f.name: list(getattr(model, f.name)) for f in fields(model)
                              if isinstance(getattr(model, f.name), list)})
    return replace(result, model=model, record=record)


@functools.cache
def _example_result(name: str) -> Any:
    """The simulated example :func:`example_run` shares, its arrays (the result's, the compiled model's and its
    observables' weight matrices) set read-only."""
    import numpy as np

    from hemasim.assembly import run_scenario
    from hemasim.scenario import load_scenario

    result = run_scenario(load_scenario(EXAMPLES / name))
    model = result.model
    arrays = [result.times, result.values, result.final_states, result.volume_ratio, model.obs_state_w,
              model.obs_flux_w, *(value for value in vars(model).values() if isinstance(value, np.ndarray))]
    for array in arrays:
        if array is not None:
            array.setflags(write=False)
    return result


@functools.cache
def ch_report_page() -> str:
    """The clonal-haematopoiesis report of ``run_ch_population(30, seed=0, example_pool_size=300)`` (HTML), rendered
    once a run: three test files read that page (its text, its figures' phone widths, in Chromium too), ~0.9 s
    CPU a rendering (docs/performance.md, the suite's twenty-fourth session), and xdist's shares put them in both
    processes: read by the second from the first's file (:func:`shared_text`; the three files in two processes 13.5 ->
    12.5 s CPU, the suite's twenty-seventh session). A string: no test can change it."""
    from hemasim.clonal.report import render_ch_report, run_ch_population

    return shared_text("ch_report_page.html",
                       lambda: render_ch_report(run_ch_population(30, seed=0, example_pool_size=300)))


def shared_text(name: str, make: Callable[[], str]) -> str:
    """``make()``, computed once a run where the processes of one pytest-xdist run share it: the first process to
    need it writes it into the run's base temporary folder (made empty for each run by pytest: nothing outlives the
    run or comes from outside it), a later one reads it there. Outside pytest-xdist, or where the folder is not
    known, ``make()``. Two processes that need it at the same moment may both compute it (the same text; the file
    is replaced whole)."""
    folder = _TRAIL.run_folder
    if folder is None:
        return make()
    path = folder / "shared" / name
    try:
        return path.read_bytes().decode("utf-8")  # bytes: no newline translation, the text as made
    except FileNotFoundError:
        pass
    text = make()
    path.parent.mkdir(exist_ok=True)
    staged = path.with_name(f".{name}.{os.getpid()}")
    staged.write_bytes(text.encode("utf-8"))
    os.replace(staged, path)
    return text


@pytest.fixture(scope="session")
def reference_model():
    from hemasim.biology import healthy_human_model

    return healthy_human_model().compile()


@pytest.fixture(scope="session")
def static_reference_model():
    from hemasim.biology import healthy_human_model

    return healthy_human_model(aging=False).compile()


def load_roadrunner(sbml: str):  # -> roadrunner.RoadRunner (libroadrunner ships no type information)
    """libRoadRunner's model of ``sbml`` (its default MCJIT backend), compiled without the functions that change
    initial conditions after loading (``LoadSBMLOptions.mutableInitialConditions``) and without the setters of
    species and parameters (``readOnly``): the comparisons simulate from the file's own initial state and set
    nothing but the integrator's tolerances. Generating and compiling the initial-condition functions was ~40% of
    loading a model (the mobilisation model: 2.53 -> 1.55 s CPU, the same trajectory bit for bit; docs/performance.md,
    the suite's eighteenth-session round), the setters ~15% of what was left (the 22 libRoadRunner comparisons: ~1.5 s
    CPU; the healthy model's trajectory bit for bit; the suite's twenty-fifth session). Setting a species or a
    parameter on such a model (``rr.setValue``, ``rr[...] = ...``) crashes the process in libroadrunner 2.10 (there
    is no setter to call): a test that sets one loads its own model without ``readOnly``."""
    import roadrunner

    options = roadrunner.LoadSBMLOptions()
    options.mutableInitialConditions = False
    options.readOnly = True
    return roadrunner.RoadRunner(sbml, options)


#: libRoadRunner's integrator in the comparisons: relative tolerance; absolute, unless a test needs another
ROADRUNNER_RTOL = 1e-10
ROADRUNNER_ATOL = 1e-8


def roadrunner_trajectory(sbml: str, days: float, points: int, selections: list[str], *,
                          atol: float | None = ROADRUNNER_ATOL, rtol: float | None = ROADRUNNER_RTOL,
                          prepare: Any = None) -> Any:
    """libRoadRunner's run of ``sbml`` from 0 to ``days`` at ``points`` evenly spaced times, one column per
    ``selections`` (an array), with the comparisons' integrator tolerances (None: libRoadRunner's default); skipped
    with a message without libroadrunner. The model is :func:`load_roadrunner`'s (read only), unless ``prepare``
    (called with the model before the run: a test that sets species or parameters, re-targeting it to another
    patient) needs one that can be changed. Every comparison of the suite with libRoadRunner runs through here."""
    import numpy as np

    roadrunner = pytest.importorskip("roadrunner", reason="libroadrunner is not installed")
    rr = load_roadrunner(sbml) if prepare is None else roadrunner.RoadRunner(sbml)
    if rtol is not None:
        rr.integrator.relative_tolerance = rtol
    if atol is not None:
        rr.integrator.absolute_tolerance = atol
    if prepare is not None:
        prepare(rr)
    return np.array(rr.simulate(0, days, points, selections=selections))


def assert_follows(theirs: Any, ours: Any, tol: float, floor: Any = 0.0, names: list[str] | None = None) -> None:
    """``theirs`` (libRoadRunner's) within ``tol`` of ``ours`` relative to each value, floored at ``floor`` (a
    number, or one per column: a state that starts at zero is compared on a scale of its own); with ``names``, one
    column at a time, the failing one named."""
    import numpy as np

    theirs, ours = np.asarray(theirs), np.asarray(ours)
    scale = np.maximum(np.abs(ours), floor)
    if names is None:
        assert np.max(np.abs(theirs - ours) / scale) < tol
        return
    for k, name in enumerate(names):
        assert np.max(np.abs(theirs[:, k] - ours[:, k]) / scale[:, k]) < tol, name


def assert_roadrunner_matches(model, events, days: float, points: int, x0=None, tol: float = 1e-4,
                              rr_atol: float = ROADRUNNER_ATOL) -> None:
    """libRoadRunner on the exported SBML follows hemasim's compiled solver to ``tol`` (relative to each
    state, floored at 1e-6 of its largest value); skipped with a message without libroadrunner."""
    import numpy as np

    pytest.importorskip("roadrunner", reason="libroadrunner is not installed")
    from hemasim.model.sbml import to_sbml
    from hemasim.simulation import Simulation, steady_state
    from hemasim.solvers import DormandPrince

    x0 = steady_state(model) if x0 is None else x0
    res = roadrunner_trajectory(to_sbml(model, events, initial_state=x0), days, points,
                                ["time", *model.state_names], atol=rr_atol)[:, 1:]
    ours = Simulation(model, solver=DormandPrince(rtol=1e-10), events=events).run(
        days, days / (points - 1), x0=x0).states
    # relative to each state, floored at 1e-6 of the largest value it takes (a state that starts at zero,
    # such as a pathogen, is compared on the scale of its own course)
    assert_follows(res, ours, tol, 1e-6 * np.maximum(np.abs(ours).max(axis=0), 1.0))
