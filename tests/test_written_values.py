"""Text outputs carry no float noise: a cohort's summary.json/.csv, a sweep's sweep.csv/.json and a sensitivity
run's indices.csv/sensitivity.json write their values as endpoints.json does (hemasim.endpoints.written_value,
15 significant digits: 4.749999999999999 -> 4.75), within 1e-12 of the values in memory, which stay as computed;
the Parquet files keep the full float64 (tidy27)."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest

from hemasim.io import written_floats, written_frame
from tests.test_sweep import SLOPE, _sweep_result, donation

NOISY = 4.749999999999999  # a healthy run's ANC nadir for its set point 4.75, as the solver's states give it


def _noisy(text: str) -> list[str]:
    """The numbers of ``text`` written with more than 15 significant digits (round-off, not a value)."""
    numbers = re.findall(r"\d+\.\d+", text)
    return [n for n in numbers if len(n.replace(".", "").lstrip("0")) > 15]


def _close(written: object, kept: object) -> bool:
    """Every number of ``written`` (as read back from its file) within 1e-12 of ``kept``'s, None and NaN alike."""
    if isinstance(kept, dict):
        return isinstance(written, dict) and written.keys() == kept.keys() and all(
            _close(written[k], kept[k]) for k in kept)
    if isinstance(kept, list | tuple):
        return isinstance(written, list) and len(written) == len(kept) and all(map(_close, written, kept))
    if isinstance(kept, float):
        if written is None or (isinstance(written, float) and math.isnan(written)):
            return math.isnan(kept)
        return isinstance(written, int | float) and abs(written - kept) <= 1e-12 * max(1.0, abs(kept))
    return written == kept


def test_written_floats_and_frames_drop_the_noise_and_leave_the_input_alone():
    data = {"nadir": NOISY, "points": [0.1 + 0.2, None, "text", 3], "nested": {"x": (2.0000000000000004,)}}
    assert written_floats(data) == {"nadir": 4.75, "points": [0.3, None, "text", 3], "nested": {"x": [2.0]}}
    assert data["nadir"] == NOISY and data["points"][0] == 0.1 + 0.2  # the caller's values, as computed
    frame = pd.DataFrame({"v": [NOISY, float("nan")], "name": ["a", "b"], "n": [1, 2]})
    assert written_frame(frame).to_csv(index=False) == "v,name,n\n4.75,a,1\n,b,2\n"
    assert frame["v"][0] == NOISY


def test_a_sweep_writes_its_csv_and_json_without_float_noise(tmp_path: Path):
    from hemasim.sensitivity.run import write_sweep_outputs

    table = pd.DataFrame({SLOPE: [0.1 + 0.2, 0.5], "anc_nadir": [NOISY, 2.0]})
    result = _sweep_result(table, {SLOPE: "1/(log unit)", "anc_nadir": "1e9/L"})  # the factor's low end 0.1 + 0.2
    write_sweep_outputs(result, donation(), tmp_path, plot=False)
    text = (tmp_path / "sweep.csv").read_text(encoding="utf-8")
    assert not _noisy(text) and "4.75" in text
    back = pd.read_csv(tmp_path / "sweep.csv")
    assert _close(back.to_numpy().tolist(), table.to_numpy().tolist())
    assert table["anc_nadir"][0] == NOISY  # in memory as computed
    assert pd.read_parquet(tmp_path / "sweep.parquet")["anc_nadir"][0] == NOISY  # data: the full float64
    meta = (tmp_path / "sweep.json").read_text(encoding="utf-8")
    assert not _noisy(meta) and json.loads(meta)["factors"][0]["low"] == pytest.approx(0.1 + 0.2, abs=1e-12)


def test_a_sensitivity_run_writes_its_indices_and_json_without_float_noise(tmp_path: Path):
    from hemasim.sensitivity.run import SensitivityResult, write_sensitivity_outputs
    from hemasim.sensitivity.spec import SensitivitySpec

    table = pd.DataFrame({SLOPE: [0.1, 0.3], "anc_nadir": [NOISY, 2.0]})
    units = {SLOPE: "1/(log unit)", "anc_nadir": "1e9/L"}
    indices = pd.DataFrame({"endpoint": ["anc_nadir"], "factor": [SLOPE], "mu_star": [0.1 + 0.2], "sigma": [NOISY]})
    spec = SensitivitySpec.model_validate({"method": "morris", "factors": [{"parameter": SLOPE, "range": [0.1, 0.3]}]})
    baseline = {"anc_nadir": NOISY, "days_anc_below_0p5": float("nan")}
    result = SensitivityResult("morris", _sweep_result(table, units).factors, indices, table, 0.1, spec, baseline,
                               units)
    write_sensitivity_outputs(result, donation(), tmp_path, plot=False)
    text = (tmp_path / "indices.csv").read_text(encoding="utf-8")
    assert not _noisy(text)
    back = pd.read_csv(tmp_path / "indices.csv")
    assert _close([back["mu_star"][0], back["sigma"][0]], [0.1 + 0.2, NOISY])
    assert indices["sigma"][0] == NOISY and baseline["anc_nadir"] == NOISY
    meta = (tmp_path / "sensitivity.json").read_text(encoding="utf-8")
    assert not _noisy(meta) and _close(json.loads(meta)["baseline"], baseline)  # NaN written as null


@pytest.mark.integration
def test_a_cohort_writes_its_summary_without_float_noise(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from hemasim.cohort import run_cohort, runner
    from hemasim.scenario import load_scenario

    from .conftest import EXAMPLES

    row = runner._summary_row

    def noisy_row(e, ep):  # the median of a count read off the solver's states, as 4.749999999999999
        out = row(e, ep)
        return {**out, "median": NOISY} if out["endpoint"] == "anc_nadir" else out

    monkeypatch.setattr(runner, "_summary_row", noisy_row)
    scenario = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml").model_copy(update={"duration_days": 10.0})
    summary = run_cohort(scenario, 2, tmp_path / "cohort", partition_size=2, progress=False, seed=1, report=False)
    assert summary is not None
    assert next(r for r in summary["endpoints"] if r["endpoint"] == "anc_nadir")["median"] == NOISY  # in memory
    text = (tmp_path / "cohort" / "summary.json").read_text(encoding="utf-8")
    assert not _noisy(text) and _close(json.loads(text), summary)
    csv = (tmp_path / "cohort" / "summary.csv").read_text(encoding="utf-8")
    assert not _noisy(csv)
    back = pd.read_csv(tmp_path / "cohort" / "summary.csv").set_index("endpoint")
    assert back.loc["anc_nadir", "median"] == 4.75
    for r in summary["endpoints"]:
        for key in ("median", "p05", "p95"):
            assert _close(None if pd.isna(back.loc[r["endpoint"], key]) else float(back.loc[r["endpoint"], key]),
                          math.nan if r[key] is None else r[key]), (r["endpoint"], key)
