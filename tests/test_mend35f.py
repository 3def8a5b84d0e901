"""review35c's findings (branch mend35f): a reader that closed early ends with exit 0 only a command whose whole
product is stdout and only when it is stdout's reader; a command that fails keeps its code and its traceback; a
closed stderr is no finished stdout reader; `validate --json` writes its card before printing. Fitting problems and
`hemasim explore FILE` refuse a scenario's `population:` block (they ran its one patient)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EXAMPLES, ROOT

#: a command run as `python -c CODE ARGS` in a fresh interpreter: PRE (a replacement, to make it fail) then main()
MAIN = "\nimport sys\nfrom hemasim.cli.app import main\nsys.argv = ['hemasim', *sys.argv[1:]]\nmain()\n"


def _env(buffered: bool = True) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    env.pop("PYTHONUNBUFFERED", None)  # a pipe's stdout block-buffered, as a user's shell gives it
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"  # every print written (and failing) at once
    return env


def _closed_pipe() -> int:
    read_end, write_end = os.pipe()
    os.close(read_end)
    return write_end


def _hemasim(args: list[str], closed: str = "stdout", pre: str = "", buffered: bool = True,
             timeout: float = 300) -> subprocess.CompletedProcess[bytes]:
    """``args`` with the reader of ``closed`` (stdout, stderr or both, as `2>&1 | head` leaves them) gone."""
    w = _closed_pipe()
    streams = {"stdout": {"stdout": w, "stderr": subprocess.PIPE}, "stderr": {"stdout": subprocess.PIPE, "stderr": w},
               "both": {"stdout": w, "stderr": w}}[closed]
    try:
        return subprocess.run([sys.executable, "-c", pre + MAIN, *args], env=_env(buffered), timeout=timeout,
                              **streams)
    finally:
        os.close(w)


#: `hemasim check` whose loader prints a line to stdout and then fails (review35c's flush_masks.py)
FAILING_CHECK = """
import typer
import hemasim.cli.check as check
def failing(*args, **kwargs):
    print('some output')
    FAILURE
check.loaded = failing
"""
CHECK = ["check", str(EXAMPLES / "blood_donation.yaml")]


def test_a_command_that_raises_after_output_into_a_closed_reader_keeps_its_traceback_and_exit_1():
    res = _hemasim(CHECK, pre=FAILING_CHECK.replace("FAILURE", "raise RuntimeError('a genuine bug')"))
    assert res.returncode == 1
    assert "RuntimeError: a genuine bug" in res.stderr.decode()  # not a flush's BrokenPipeError in its place


def test_a_command_that_exits_2_after_output_into_a_closed_reader_keeps_exit_2():
    res = _hemasim(CHECK, pre=FAILING_CHECK.replace("FAILURE", "raise typer.Exit(2)"))
    assert res.returncode == 2, res.stderr.decode()[-2000:]
    assert "Traceback" not in res.stderr.decode()


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_command_whose_product_is_not_stdout_exits_141_into_a_closed_reader(buffered: bool):
    # check's product is its verdict: a pipeline that lost it must read neither success nor a failed check (the
    # flush at the end, or the print itself where stdout is unbuffered, meets the closed pipe): 141, a shell's
    # SIGPIPE status (branch mend36; it was 1, a failure's code)
    res = _hemasim(CHECK, buffered=buffered)
    err = res.stderr.decode()
    assert res.returncode == 141, err[-2000:]
    for mark in ("Traceback", "Exception ignored"):
        assert mark not in err


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_a_closed_stderr_is_no_finished_stdout_reader(buffered: bool):
    # `hemasim run missing.yaml 2>&1 | grep -q x`: the error's line meets the closed pipe; the exit is still bad input
    res = _hemasim(["run", "/nonexistent/missing.yaml", "--out", "/nonexistent/out"], closed="stderr",
                   buffered=buffered)
    assert res.returncode == 2


def test_a_listing_with_its_stderr_closed_prints_whole_and_exits_0():
    res = _hemasim(["examples", "--list"], closed="stderr")
    assert res.returncode == 0
    assert b"examples; `hemasim examples NAME --out DIR`" in res.stdout


def test_stdout_and_stderr_one_closed_pipe_a_listing_exits_0_a_verdict_141():
    # `2>&1 | head -2`: both streams' reader gone
    assert _hemasim(["examples", "--list"], closed="both").returncode == 0
    assert _hemasim(CHECK, closed="both").returncode == 141


def test_export_sbml_to_stdout_is_a_listing_with_out_a_file(tmp_path: Path):
    scenario = str(EXAMPLES / "blood_donation.yaml")
    assert _hemasim(["export-sbml", scenario]).returncode == 0
    # with --out the product is the file, and nothing goes to stdout: its reader's closing changes nothing
    res = _hemasim(["export-sbml", scenario, "--out", str(tmp_path / "m.xml")])
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    assert (tmp_path / "m.xml").read_text(encoding="utf-8").rstrip().endswith("</sbml>")


def test_a_command_with_no_stdout_at_all_ends_as_it_would():
    # `hemasim check FILE >&-`: Python gives sys.stdout None; the flush at the end met None (AttributeError, exit 1)
    import shlex

    res = subprocess.run(["sh", "-c", shlex.join([sys.executable, "-m", "hemasim", *CHECK]) + " >&-"], env=_env(),
                         capture_output=False, stderr=subprocess.PIPE, timeout=300)
    assert res.returncode == 0, res.stderr.decode()[-2000:]
    assert b"Traceback" not in res.stderr


#: every target fails (review35c's pipe_cases.py)
FAILING_TARGETS = "\nimport hemasim.validation as v\nv.ValidationReport.ok = property(lambda self: False)\n"


@pytest.mark.parametrize(("pre", "code"), [("", 141), (FAILING_TARGETS, 1)], ids=["passing", "failing"])
def test_validate_json_into_a_closed_reader_writes_the_card_and_exits_141_or_1(tmp_path: Path, pre: str, code: int):
    card = tmp_path / "card.json"
    res = _hemasim(["validate", "--group", "blood_loss", "--json", str(card)], pre=pre, timeout=900)
    assert json.loads(card.read_text(encoding="utf-8"))["targets"]  # written before the card was printed
    # a card cut short (passing): 141, a shell's SIGPIPE status, never 0 and never a failed target's 1 (`hemasim
    # validate | head -1` under pipefail, branch mend36); a failing card stays 1, the verdict known before printing
    assert res.returncode == code, res.stderr.decode()[-2000:]


#: how the patients of a cohort differ: the block a fitting problem's scenario or the explorer's file must not hold
POPULATION = {"age_years": {"min": 30, "max": 60}, "female_fraction": 0.5}


@pytest.fixture
def cohort_fit(tmp_path: Path) -> Path:
    """examples/fit copied, its condition's scenario given a `population:` block (review35c's
    population_elsewhere.py): the problem file's path."""
    import shutil

    import yaml

    folder = tmp_path / "fit"
    shutil.copytree(EXAMPLES / "fit", folder)
    scenario = folder / "scenario.yaml"
    scenario.write_text(yaml.safe_dump({**yaml.safe_load(scenario.read_text(encoding="utf-8")),
                                        "population": POPULATION}), encoding="utf-8")
    return folder / "problem.yaml"


def test_a_fitting_problem_refuses_a_condition_whose_scenario_is_a_cohort(cohort_fit: Path):
    from hemasim.inference import ProblemError, load_problem

    with pytest.raises(ProblemError) as caught:
        load_problem(cohort_fit)  # it loaded, and a fit ran the scenario's one patient
    message = str(caught.value)
    assert message.startswith(f"{cohort_fit}: conditions.0.scenario: {cohort_fit.parent / 'scenario.yaml'}: "
                              "population: condition 'patient_01'")
    assert "hemasim cohort" in message and "\n" not in message


@pytest.mark.parametrize("command", ["fit", "fit-population"])
def test_fit_and_fit_population_refuse_the_cohort_scenario_in_one_line(command: str, cohort_fit: Path):
    from .conftest import invoke_hemasim

    out = cohort_fit.parent / "out"
    res = invoke_hemasim(command, str(cohort_fit), "--out", str(out))
    assert res.exit_code == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and "population: condition 'patient_01'" in lines[0], res.stderr
    assert not out.exists()


def test_a_petab_problem_refuses_a_condition_whose_scenario_is_a_cohort(tmp_path: Path):
    import yaml

    from hemasim.inference import load_problem
    from hemasim.inference.petab import PetabError, export_petab, import_petab

    exported = export_petab(load_problem(EXAMPLES / "fit" / "problem.yaml"), tmp_path / "petab", lint=False)
    scenario = exported.parent / "scenario_patient_01.yaml"
    import_petab(exported)  # as exported: read
    scenario.write_text(yaml.safe_dump({**yaml.safe_load(scenario.read_text(encoding="utf-8")),
                                        "population": POPULATION}), encoding="utf-8")
    with pytest.raises(PetabError, match="hemasim.scenarios.patient_01: .*population: condition 'patient_01'"):
        import_petab(exported)


def test_explore_refuses_a_cohort_file_at_start(tmp_path: Path):
    # it served the page, and refused the file's arm only at the page's first run
    import yaml

    scenario = tmp_path / "cohort.yaml"
    scenario.write_text(yaml.safe_dump({**yaml.safe_load((EXAMPLES / "blood_donation.yaml").read_text(
        encoding="utf-8")), "population": POPULATION}), encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "hemasim", "explore", str(scenario), "--port", "0"], env=_env(),
                         capture_output=True, text=True, timeout=120)  # a page served would run until the timeout
    assert res.returncode == 2, res.stderr
    assert f"hemasim: error: {scenario}: population: hemasim explore runs one patient per arm" in res.stderr
    assert "hemasim explorer at" not in res.stderr


def _one_line(page: str) -> str:
    return " ".join((ROOT / "docs" / page).read_text(encoding="utf-8").split())


@pytest.mark.slow
def test_transplant_md_s_highest_hb_over_the_set_point_is_the_examples_run():
    """docs/transplant.md said no shipped transplant example's Hb rises above its set point after engraftment
    (0.994-1.000, at the end of the run): the MS and RA autografts' rise above it (review35c); each number the page
    gives is its example's endpoint."""
    import re
    import warnings

    import hemasim as hs

    text = _one_line("transplant.md")
    said = re.search(r"the autologous grafts for MS and RA rise just above the set point, ([\d.]+) \(day (\d+)\) and "
                     r"([\d.]+) \(day (\d+)\)", text)
    ric = re.search(r"the RIC graft's ([\d.]+) is on the graft's day", text)
    assert said and ric, "the sentence moved"
    for name, value, day in (("ms_autologous_hsct", said[1], said[2]), ("ra_autologous_hsct", said[3], said[4]),
                             ("ric_allo_hsct", ric[1], "0")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            e = hs.run_scenario(hs.load_scenario(EXAMPLES / f"{name}.yaml")).endpoints()
        assert f"{e['hemoglobin_max_over_set_point'].value:.{len(value) - 2}f}" == value, name
        assert e["hemoglobin_max_after_engraftment_day"].value == float(day), name


@pytest.mark.slow
def test_cohorts_md_s_steps_of_a_healthy_year_name_their_patient():
    """docs/cohorts.md's "the healthy adult without the depletion 501" steps: the reference adult with aging off; the
    cohort's own 50-year-old without the depletion takes more (review35c's steps_healthy.py)."""
    import re
    import warnings

    import hemasim as hs
    from hemasim.assembly import build_model
    from hemasim.simulation import Simulation, steady_state
    from hemasim.solvers import DormandPrince

    said = re.search(r"([\d,]+) accepted steps in its year at rtol 1e-6, (\d+) without the depletion; the (\d+) given "
                     r"here before is the reference healthy adult's, 40 years with aging off", _one_line("cohorts.md"))
    assert said, "the sentence moved"

    def steps(model: object) -> int:
        compiled = model.compile()  # type: ignore[attr-defined]
        run = Simulation(compiled, solver=DormandPrince(rtol=1e-6)).run(365.0, 1.0, x0=steady_state(compiled))
        return run.record.solver_stats.steps_accepted

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        own = steps(build_model(hs.load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml")))
        reference = steps(hs.healthy_human_model(aging=False))
    assert (own, reference) == (int(said[2]), int(said[3]))
