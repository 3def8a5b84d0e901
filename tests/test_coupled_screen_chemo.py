"""Stage 4 of the screen (bench/coupled_screen.py --docetaxel, docs/sensitivity.md "Stage 4"): a design point carries
its own value of a drug set (the docetaxel fit's slope, refitted per point) through the path a cohort gives each
patient his drawn drug values, and the docetaxel fit as a coupling gives the shipped fit back at the shipped held
values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from hemasim.assembly import run_scenario
from hemasim.endpoints import evaluate_endpoints
from hemasim.scenario import parse_scenario
from hemasim.sensitivity.batch import evaluate_points

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "docetaxel_q3w.yaml"
SET_FILE = ROOT / "src" / "hemasim" / "pharmacology" / "drugs" / "docetaxel_kloft2006.yaml"
SLOPE = "docetaxel_kloft2006__effects_0_full_model_slope_L_per_umol"
SLOPES = (13.13, 7.0, 25.0)
COMPARED = ("anc_nadir", "anc_nadir_day", "days_anc_below_0p5", "neutrophil_recovery_day")


def _cycle(data: dict) -> object:
    # one cycle, 14 days (the nadir, its days below 0.5 and the recovery), its rule of delay kept
    # at the solver's tolerance 1e-11: the batch steps its points together (the largest error of the three sets the
    # step), a single run alone, so they agree to about the tolerance (6e-9 of the nadir at the default 1e-8)
    data = {**data, "duration_days": 14.0, "solver": {"rtol": 1e-11}}
    data["interventions"] = [{**data["interventions"][0], "schedule": {"start_day": 0, "every_days": 21, "cycles": 1}}]
    return parse_scenario(data)


def _with_own_slope(tmp_path: Path, slope: float) -> object:
    """The example with a copy of its drug set whose full-model slope is ``slope`` (how a user changes a set's
    value): a single run with that slope, built as any scenario is."""
    text = SET_FILE.read_text(encoding="utf-8").replace("name: docetaxel_kloft2006", "name: docetaxel_mine")
    assert text.count("value: 13.13\n") == 1
    own = tmp_path / str(slope).replace(".", "p") / "docetaxel_mine.yaml"
    own.parent.mkdir()
    own.write_text(text.replace("value: 13.13\n", f"value: {slope}\n"), encoding="utf-8")
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["interventions"][0]["drug_set"] = str(own)
    return _cycle(data)


def test_a_batch_of_points_carries_each_points_drug_set_slope(tmp_path: Path):
    scenario = _cycle(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")))
    table = evaluate_points(scenario, pd.DataFrame({SLOPE: list(SLOPES)}))
    assert table["anc_nadir"].is_unique and table.loc[2, "anc_nadir"] < table.loc[0, "anc_nadir"] < table.loc[1,
                                                                                                          "anc_nadir"]
    for i, slope in enumerate(SLOPES):
        result = run_scenario(_with_own_slope(tmp_path, slope))
        single = {e.name: np.nan if e.value is None else e.value for e in evaluate_endpoints(result)}
        for name in COMPARED:
            assert table.loc[i, name] == pytest.approx(single[name], rel=1e-9, abs=1e-12, nan_ok=True), (slope, name)
