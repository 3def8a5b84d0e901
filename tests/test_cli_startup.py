"""What a fresh ``hemasim run`` process loads and how it treats the garbage collector (docs/performance.md, goal 1):
a healthy adult's run does not import what only drugs, regimens, clones or autoimmunity need, and the command's
entry point (not ``import hemasim.cli.app``, which tests and notebooks use) tunes and finally freezes the collector."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .conftest import EXAMPLES, ROOT

SRC = ROOT / "src"

#: modules a healthy adult's `hemasim run` has no use for (imported when a scenario needs them)
NOT_NEEDED = ("numpy.ma", "hemasim.pharmacology.dosing", "hemasim.pharmacology.drug_sets", "hemasim.pharmacology.pkpd",
              "hemasim.pharmacology.friberg", "hemasim.pharmacology.chemo_regimens",
              "hemasim.pharmacology.conditioning", "hemasim.clonal", "hemasim.biology.autoimmunity", "pandas",
              "matplotlib", "numba", "hemasim.biology.mobilisation", "hemasim.biology.alloreactivity",
              "hemasim.biology.vaccine", "hemasim.biology.infection", "hemasim.biology.viral", "hemasim.radiation",
              "hemasim.solvers.gpu", "html")

#: `python -m hemasim ARGS` in this interpreter, reporting at exit what was imported and the collector's state
PROBE = """
import atexit, gc, json, runpy, sys
def report():
    print(json.dumps({"modules": sorted(sys.modules), "threshold": gc.get_threshold()[0],
                      "frozen": gc.get_freeze_count()}), file=sys.stderr)
atexit.register(report)
sys.argv = ["hemasim", *ARGS]
runpy.run_module("hemasim", run_name="__main__")
"""


def _probe(args: list[str], cwd: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    res = subprocess.run([sys.executable, "-c", PROBE.replace("ARGS", repr(args))], env=env, cwd=cwd,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]
    return json.loads(res.stderr.strip().splitlines()[-1])


def test_a_healthy_run_loads_no_drug_regimen_or_clone_modules(tmp_path: Path):
    from hemasim._gc import GC_THRESHOLD

    state = _probe(["run", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(tmp_path / "out"), "--no-report"],
                   tmp_path)
    loaded = set(state["modules"])
    assert "hemasim.assembly" in loaded and "hemasim.simulation" in loaded  # the probe saw the run
    assert sorted(loaded & set(NOT_NEEDED)) == []
    assert state["threshold"] == GC_THRESHOLD
    assert state["frozen"] > 10_000  # what start-up made, frozen for the exit
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["endpoints.json", "run.json", "timeseries.csv"]


def test_a_healthy_runs_report_builds_no_dataframe(tmp_path: Path):
    """The report's text asks whether a donor line is drawn before any plot: answered from the observables one by
    one, not from their DataFrame (building it imported pandas, 0.2 s of the run; visual's notes did)."""
    state = _probe(["run", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(tmp_path / "out")], tmp_path)
    loaded = set(state["modules"])
    assert "hemasim.report.html" in loaded and "pandas" not in loaded
    assert (tmp_path / "out" / "report.html").is_file()


def test_importing_the_cli_leaves_the_collector_alone():
    code = ("import gc; before = (gc.get_threshold(), gc.get_freeze_count()); import hemasim.cli.app; "
            "print(before == (gc.get_threshold(), gc.get_freeze_count()))")
    res = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(SRC)},
                         capture_output=True, text=True, check=True, timeout=300)
    assert res.stdout.strip() == "True"


def test_pharmacology_names_resolve_on_first_access():
    import hemasim.pharmacology as ph
    from hemasim.pharmacology.dosing import drug_state_names
    from hemasim.pharmacology.pkpd import DrugExposure
    from hemasim.pharmacology.pkpd import drug_state_names as from_pkpd

    assert ph.DrugExposure is DrugExposure and from_pkpd is drug_state_names
    assert ph.load_drug_set(ph.available_drug_sets()[0]).name == ph.available_drug_sets()[0]
    assert set(ph.__all__) <= set(dir(ph))
    try:
        ph.no_such_name  # noqa: B018
    except AttributeError as err:
        assert "no_such_name" in str(err)
    else:  # pragma: no cover - a failure
        raise AssertionError("an unknown name resolved")
