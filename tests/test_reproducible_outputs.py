"""Every command with a random part, run twice with the same seed, writes the same files byte for byte (the charter:
"stochastic runs take a seed and are reproducible bit for bit"); another seed gives other results. The library-level
checks live beside each engine (tests/test_cohort.py: partitions and Dask; tests/test_clonal_kernels.py: threads
and chunks; tests/test_engraftment.py); these run the commands themselves, whose outputs held a wall-clock time
(sweep.json, sensitivity.json and fit.json carried "seconds", so two identical sweeps or fits differed).
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import pytest
import yaml

from .conftest import EXAMPLES
from .conftest import invoke_hemasim as hemasim

pytestmark = pytest.mark.cli


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _twice(tmp_path: Path, *args: str) -> tuple[dict[str, bytes], dict[str, bytes]]:
    outs = []
    for name in ("a", "b"):
        res = hemasim(*args, "--out", str(tmp_path / name))
        assert res.exit_code == 0, res.stderr
        outs.append(_files(tmp_path / name))
    assert outs[0], "nothing written"
    return outs[0], outs[1]


def _short(tmp_path: Path, example: str, days: float, **fields: object) -> Path:
    data = yaml.safe_load((EXAMPLES / example).read_text(encoding="utf-8"))
    data.update({"duration_days": days, **fields})
    path = tmp_path / example
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.mark.slow
def test_a_cohort_command_twice_writes_the_same_bytes_in_every_file(tmp_path: Path):
    scenario = _short(tmp_path, "cohort_marrow_depletion.yaml", 40.0)
    a, b = _twice(tmp_path, "cohort", str(scenario), "--n", "6", "--partition-size", "3", "--seed", "11")
    assert {"manifest.json", "summary.json", "report.html", "bands.png", "endpoints/part-00001.parquet"} <= set(a)
    assert a == b


@pytest.mark.slow
def test_clonal_hematopoiesis_twice_writes_the_same_bytes_and_another_seed_other_people(tmp_path: Path):
    args = ("clonal-hematopoiesis", "--n", "40", "--max-age", "70", "--example-pool-size", "200")
    a, b = _twice(tmp_path, *args, "--seed", "4")
    assert a == b
    # the other seed's people are read from its tables: --no-report (the same vaf_snapshots.csv, without the report's
    # figures: ~1 s CPU less as a command of its own, December 2026)
    res = hemasim(*args, "--seed", "5", "--no-report", "--out", str(tmp_path / "other"))
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "other" / "vaf_snapshots.csv").read_bytes() != a["vaf_snapshots.csv"]


def test_a_latin_hypercube_sweep_twice_writes_the_same_bytes(tmp_path: Path):
    scenario = _short(tmp_path, "healthy_adult.yaml", 20.0)
    sweep = tmp_path / "lhs.yaml"
    sweep.write_text(yaml.safe_dump({"sweep": {"method": "latin_hypercube", "n_points": 4, "seed": 2, "factors": [
        {"parameter": "anc_setpoint_1e9_per_L", "relative": [0.5, 2], "log": True}]}}), encoding="utf-8")
    a, b = _twice(tmp_path, "sweep", str(scenario), str(sweep))
    assert "seconds" not in a["sweep.json"].decode()
    assert a == b


@pytest.mark.slow
def test_a_morris_sensitivity_twice_writes_the_same_bytes(tmp_path: Path):
    scenario = _short(tmp_path, "healthy_adult.yaml", 20.0)
    a, b = _twice(tmp_path, "sensitivity", str(scenario), "--parameters",
                  "anc_setpoint_1e9_per_L,platelet_setpoint_1e9_per_L", "--trajectories", "2", "--seed", "3")
    assert "seconds" not in a["sensitivity.json"].decode()
    assert a == b


def test_a_run_with_stochastic_engraftment_is_the_same_for_its_seed_and_not_for_another(tmp_path: Path):
    data = yaml.safe_load((EXAMPLES / "xscid_unconditioned.yaml").read_text(encoding="utf-8"))
    data["interventions"][0]["stochastic_engraftment"] = True
    data["duration_days"] = 60.0
    for seed in (5, 6):
        (tmp_path / f"s{seed}.yaml").write_text(yaml.safe_dump({**data, "seed": seed}), encoding="utf-8")
    a, b = _twice(tmp_path, "run", str(tmp_path / "s5.yaml"), "--no-report")
    assert a == b
    res = hemasim("run", str(tmp_path / "s6.yaml"), "--no-report", "--out", str(tmp_path / "s6"))
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "s6" / "timeseries.csv").read_bytes() != a["timeseries.csv"]


@pytest.mark.slow
def test_a_fit_twice_writes_the_same_bytes(tmp_path: Path):
    """fit.json's summary and the report carried the fit's wall-clock seconds (harden14): the smallest shipped fit,
    two starts and no profiles (a few seconds), twice."""
    a, b = _twice(tmp_path, "fit", str(EXAMPLES / "fit" / "problem.yaml"), "--starts", "2", "--seed", "1",
                  "--no-profiles")
    assert {"fit.json", "report.html", "estimates.csv", "fitted_parameters.yaml", "predictions.csv", "trace.csv",
            "observed_vs_predicted.png", "residuals.png"} <= set(a)  # every file a fit writes with its report
    assert "seconds" not in a["fit.json"].decode()
    assert a == b


#: a key that holds a run's time or where it ran: what makes a committed result differ between two identical runs
_RUN_TIME_KEY = re.compile(r"(^|_)(seconds|wall|elapsed|cpu|runtime|date|timestamp)(_|$)|_s$")
#: benchmark results, whose times are what they measure (docs/performance*.md): the only committed files that keep them
BENCHMARKS = ("bench/results/gpu_*.json", "bench/results/ch_step_convergence*.json.gz")


def _keys(data: object) -> set[str]:
    if isinstance(data, dict):
        return {str(k) for k in data} | {k for v in data.values() for k in _keys(v)}
    if isinstance(data, list):
        return {k for v in data for k in _keys(v)}
    return set()


def test_committed_results_hold_no_run_times_but_benchmarks():
    """bench/results/graft_cd3_check.json carried the check's wall-clock seconds (harden15), as sweep.json and fit.json
    did: a regenerated result then differs from the committed one in that field alone."""
    root = Path(__file__).resolve().parents[1]
    benchmarks = {p for pattern in BENCHMARKS for p in root.glob(pattern)}
    assert benchmarks, "the benchmark patterns match no file"
    files = [p for pattern in ("docs/**/*.json", "bench/results/*.json", "bench/results/*.json.gz",
                               "src/hemasim/**/*.json") for p in root.glob(pattern) if p not in benchmarks]
    assert len(files) >= 20
    timed = {}
    for path in files:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        keys = sorted(k for k in _keys(json.loads(raw)) if _RUN_TIME_KEY.search(k.lower()))
        if keys:
            timed[str(path.relative_to(root))] = keys
    assert not timed, f"run times in committed results (print them instead): {timed}"
    assert _RUN_TIME_KEY.search("wall_s") and _RUN_TIME_KEY.search("seconds") and not _RUN_TIME_KEY.search("candidate")
