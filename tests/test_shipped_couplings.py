"""The shipped couplings in the user's commands (branch couplecli): the naive declines' fit lives in the library and
reproduces the shipped values; `hemasim sensitivity` and `hemasim sweep` refit the declines at each reference age
they run (recorded in their outputs) unless --hold-fitted, and refuse a fitted parameter as a factor beside the
assumed ones it is refitted from."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from hemasim.biology import naive_decline_fit as naive
from hemasim.parameters import healthy_adult_parameters
from hemasim.sensitivity.coupling import applied_couplings, shipped_couplings
from tests.conftest import invoke_hemasim

ROOT = Path(__file__).resolve().parents[1]
AGE = "lymphocyte_reference_age_years"
DECLINES = ("naive_cd4_decline_at_reference_age_per_year", "naive_cd8_decline_at_reference_age_per_year")
SCENARIO = {"name": "healthy", "patient": {"age_years": 35, "sex": "male", "weight_kg": 70, "height_cm": 175},
            "duration_days": 5, "aging": False, "output": {"every_days": 1}}


def test_the_library_fit_reproduces_the_shipped_declines_from_the_data_folds():
    table = healthy_adult_parameters()
    # the library's copy of the folds is the data file's (an installed package has no data/ folder)
    lines = [ln for ln in (ROOT / "data" / "naive_counts_by_age" / "folds.csv").read_text(encoding="utf-8")
             .splitlines() if not ln.startswith("#")]
    assert {r["pool"]: float(r["fold_central"]) for r in csv.DictReader(lines)} == naive.CENTRAL_FOLD
    refitted = naive.refit({AGE: table.value(AGE)})
    assert set(refitted) == set(DECLINES)
    for name, value in refitted.items():  # the records hold 4 significant figures
        assert value == pytest.approx(table.value(name), rel=5e-4)
    younger = naive.refit({AGE: 24.0})
    assert all(younger[n] < 0.9 * refitted[n] for n in DECLINES)  # the same fold spread over more years
    (coupling,) = shipped_couplings()
    assert AGE in coupling.sources and coupling.targets == DECLINES and coupling.fit is naive.refit


def test_a_design_applies_a_coupling_only_where_it_varies_a_source_and_refuses_a_coupled_factor():
    assert applied_couplings(["hsc_niche_hill"], shipped_couplings(), "--hold-fitted") == ()
    assert applied_couplings([AGE, "hsc_niche_hill"], shipped_couplings(), "--hold-fitted") == shipped_couplings()
    with pytest.raises(ValueError, match=f"{DECLINES[1]}: .*give --hold-fitted"):
        applied_couplings([AGE, DECLINES[1]], shipped_couplings(), "--hold-fitted")
    # varied without its sources, a fitted parameter is a factor like any other: no coupling applies
    assert applied_couplings([DECLINES[1], "hsc_niche_hill"], shipped_couplings(), "--hold-fitted") == ()


def _scenario(tmp_path: Path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(json.dumps(SCENARIO), encoding="utf-8")
    return path


@pytest.mark.cli
def test_sensitivity_refits_the_declines_at_each_reference_age_unless_held(tmp_path: Path):
    scenario = _scenario(tmp_path)
    args = ("sensitivity", str(scenario), "--method", "local", "--step", "0.1", "--parameters", AGE, "--no-plot",
            "--time-average", "cd4_per_uL")
    res = invoke_hemasim(*args, "--out", str(tmp_path / "refit"))
    assert res.exit_code == 0, res.stderr
    said = [ln for ln in res.stderr.splitlines() if ln.startswith("refitting")]
    assert len(said) == 1 and all(n in said[0] for n in (*DECLINES, AGE, "--hold-fitted"))
    samples = pd.read_parquet(tmp_path / "refit" / "samples.parquet")
    meta = json.loads((tmp_path / "refit" / "sensitivity.json").read_text(encoding="utf-8"))
    assert meta["coupled"] == list(DECLINES)
    for name in DECLINES:
        assert samples[name].nunique() == samples[AGE].nunique() == 5  # each level its own declines
        assert meta["units"][name] == healthy_adult_parameters()[name].unit
        # older reference age, faster decline (the fold at 80 y spread over fewer years)
        assert samples.sort_values(AGE)[name].is_monotonic_increasing
    res = invoke_hemasim(*args, "--hold-fitted", "--out", str(tmp_path / "held"))
    assert res.exit_code == 0, res.stderr
    assert "refitting" not in res.stderr
    held = pd.read_parquet(tmp_path / "held" / "samples.parquet")
    assert not set(DECLINES) & set(held.columns)
    assert json.loads((tmp_path / "held" / "sensitivity.json").read_text(encoding="utf-8"))["coupled"] == []
    # the held design runs the same reference ages with other declines: the 35-year-old's CD4 differs where the
    # reference age is below 35 (the decline acts past it), not above (no decline before the reference age)
    cd4 = "cd4_per_uL_time_average"
    younger = samples[AGE] < healthy_adult_parameters().value(AGE)
    assert younger.sum() == 2 and (samples.loc[younger, cd4] > held.loc[younger, cd4]).all()  # slower refitted decline
    assert (samples.loc[~younger, cd4] == held.loc[~younger, cd4]).all()


@pytest.mark.cli
def test_a_coupled_parameter_as_a_factor_is_refused_in_one_line(tmp_path: Path):
    scenario = _scenario(tmp_path)
    res = invoke_hemasim("sensitivity", str(scenario), "--parameters", f"{AGE},{DECLINES[0]}",
                         "--out", str(tmp_path / "never"))
    assert res.exit_code == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and DECLINES[0] in lines[0] and "--hold-fitted" in lines[0]
    assert not (tmp_path / "never").exists()
    design = tmp_path / "sweep.yaml"
    design.write_text(json.dumps({"sweep": {"method": "grid", "factors": [
        {"parameter": DECLINES[1], "range": [0.01, 0.02], "n_points": 2},
        {"parameter": AGE, "range": [24.0, 35.0], "n_points": 2}]}}), encoding="utf-8")
    res = invoke_hemasim("sweep", str(scenario), str(design), "--out", str(tmp_path / "never"))
    assert res.exit_code == 2 and DECLINES[1] in res.stderr and "--hold-fitted" in res.stderr
    # a decline the user set (--set, or the scenario's parameters:) would be replaced by the fit: refused too
    res = invoke_hemasim("sensitivity", str(scenario), "--parameters", AGE, "--set", f"{DECLINES[0]}=0.02",
                         "--out", str(tmp_path / "never"))
    assert res.exit_code == 2 and f"{DECLINES[0]} is set in the scenario's parameters" in res.stderr
    assert "--hold-fitted" in res.stderr and not (tmp_path / "never").exists()


@pytest.mark.cli
def test_sweep_refits_the_declines_at_each_reference_age(tmp_path: Path):
    scenario = _scenario(tmp_path)
    design = tmp_path / "sweep.yaml"
    design.write_text(json.dumps({"sweep": {"method": "grid", "factors": [
        {"parameter": AGE, "range": [24.0, 35.0], "n_points": 2}]}}), encoding="utf-8")
    res = invoke_hemasim("sweep", str(scenario), str(design), "--no-plot", "--out", str(tmp_path / "s"))
    assert res.exit_code == 0, res.stderr
    table = pd.read_parquet(tmp_path / "s" / "sweep.parquet")
    meta = json.loads((tmp_path / "s" / "sweep.json").read_text(encoding="utf-8"))
    assert meta["coupled"] == list(DECLINES) and set(DECLINES) <= set(table.columns)
    table = table.set_index(AGE)
    for name in DECLINES:
        assert table.loc[35.0, name] == healthy_adult_parameters().value(name)  # the shipped point: the shipped fit
        assert table.loc[24.0, name] < 0.9 * table.loc[35.0, name]


def test_a_reference_age_the_data_exclude_is_named_and_all_assumed_takes_the_sourced_range():
    """x2 of the reference age (65 y after clipping) leaves 15 years for naive CD4's 4-fold at 80 y, more than any
    decline within its bounds gives: the fit says so instead of brentq's sign error; --all-assumed varies the
    coupled sources over their sourced ranges (24-35 y), where the fit has a value, unless --hold-fitted."""
    from hemasim.cli.sensitivity import _factors
    from hemasim.sensitivity.coupling import coupling_sources
    from hemasim.sensitivity.design import Factor, to_values

    with pytest.raises(ValueError, match=f"no {DECLINES[0]} within its bounds .*{AGE}=65.*--hold-fitted"):
        naive.refit({AGE: 65.0})
    table = healthy_adult_parameters()
    rng = table[AGE].plausible_range
    assert rng is not None
    by_name = {f["parameter"]: f for f in _factors(None, True, 0.5, 2.0, table, coupling_sources())}
    assert by_name[AGE] == {"parameter": AGE, "range": [rng.low, rng.high], "log": False}
    assert by_name["hsc_niche_hill"]["relative"] == [0.5, 2.0]  # the others as before
    assert {f["parameter"]: f for f in _factors(None, True, 0.5, 2.0, table)}[AGE]["relative"] == [0.5, 2.0]
    for lo in (18.0, 18.7, 21.3):  # exp(log(18)) is 17.999999999999996: a design stays in its range, bounds included
        values = to_values(pd.DataFrame({"u": [0.0, 1.0]}).to_numpy(), [Factor(AGE, lo, 65.0, log=True)])
        assert values[0, 0] >= lo and values[1, 0] <= 65.0
