"""The pandas-free CSV writer writes the bytes pandas wrote; ``run --no-report`` leaves out only the report;
``python -m hemasim.solvers.warm`` compiles the kernels into the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemasim._csv import write_columns_csv

from .conftest import EXAMPLES
from .conftest import invoke_hemasim as hemasim


@pytest.mark.parametrize("first", [np.nan, 7.0])  # with a NaN (written as an empty field) and without one
def test_csv_bytes_match_pandas(tmp_path: Path, first: float):
    rng = np.random.default_rng(3)
    columns = [np.array([0.0, 1.5, 2.25, 1e-300, -0.0]), rng.lognormal(20.0, 5.0, 5),
               np.array([first, np.inf, -np.inf, 123456789012.0, 1.0 / 3.0])]
    names = ["time_days", "cells, with a comma", 'quoted "name"']
    ours, theirs = tmp_path / "ours.csv", tmp_path / "pandas.csv"
    write_columns_csv(ours, names, columns)
    pd.DataFrame(dict(zip(names, columns, strict=True))).to_csv(theirs, index=False, float_format="%.10g")
    assert ours.read_bytes() == theirs.read_bytes()


def test_run_outputs_without_the_report(tmp_path: Path):
    from hemasim.assembly import run_scenario
    from hemasim.io import write_run_outputs
    from hemasim.scenario import load_scenario

    spec = load_scenario(EXAMPLES / "healthy_adult.yaml")
    result = run_scenario(spec.model_copy(update={"duration_days": 30.0}))
    files = write_run_outputs(result, tmp_path / "run", report=False)
    assert sorted(f.name for f in files) == ["endpoints.json", "run.json", "timeseries.csv"]
    written = (tmp_path / "run" / "timeseries.csv").read_bytes()
    pd.DataFrame(result.observables).to_csv(tmp_path / "pandas.csv", index=False, float_format="%.10g")
    assert written == (tmp_path / "pandas.csv").read_bytes()


@pytest.mark.cli
def test_run_command_no_report_writes_the_three_data_files(tmp_path: Path):
    out = tmp_path / "x"
    res = hemasim("run", str(EXAMPLES / "healthy_adult.yaml"), "--out", str(out), "--no-report")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == ["endpoints.json", "run.json", "timeseries.csv"]
    assert "wrote 3 files" in res.stderr
