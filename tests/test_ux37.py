"""ux37, the first hour of a virtual-trial user with a big population (docetaxel 75 mg/m2 q3w x4 in 10,000 and
100,000 women): what tripped them, each fixed here."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from hemasim.cohort.sampling import draw_cohort_covariates
from hemasim.report.html import population_text
from hemasim.scenario import ScenarioError, parse_scenario

WOMEN = {"age_years": {"min": 30, "max": 75}, "female_fraction": 1.0,
         "weight_kg": {"female": {"mean": 68, "sd": 12}}, "height_cm": {"female": {"mean": 163, "sd": 7}}}


def _scenario(population: dict, sex: str = "female") -> dict:
    return {"name": "women", "patient": {"age_years": 55, "sex": sex, "weight_kg": 68, "height_cm": 163},
            "duration_days": 10, "population": population}


def test_an_all_women_cohort_needs_no_block_for_men_and_draws_what_it_drew_with_one():
    """`female_fraction: 1.0` with only `female:` blocks was refused ("population.weight_kg.male: required field
    is missing"): a block for a sex the cohort never draws. Its patients are those it drew with an invented block
    for men (a patient draws only its own sex's weight and height)."""
    alone = parse_scenario(_scenario(WOMEN))
    invented = copy.deepcopy(WOMEN)
    invented["weight_kg"]["male"] = {"mean": 80, "sd": 12}
    invented["height_cm"]["male"] = {"mean": 176, "sd": 7}
    with_men = parse_scenario(_scenario(invented))
    a = draw_cohort_covariates(alone.population, alone.patient, 0, 50, 3)
    b = draw_cohort_covariates(with_men.population, with_men.patient, 0, 50, 3)
    assert (a.sex == "female").all()
    for name in ("age_years", "weight_kg", "height_cm"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize(("fraction", "patient_sex", "missing", "because"), [
    (0.6, "female", "male", "the cohort draws men (female_fraction 0.6)"),
    (0.0, "female", "male", "the cohort draws men (female_fraction 0)"),
    (None, "male", "male", "the cohort draws men (no female_fraction: every patient is the scenario patient's sex, "
                           "male)"),
])
def test_a_sex_the_cohort_draws_still_needs_its_block(fraction, patient_sex, missing, because):
    population = {**copy.deepcopy(WOMEN), "female_fraction": fraction}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_scenario(population, patient_sex), "c.yaml")
    lines = str(err.value).splitlines()
    assert lines == [f"c.yaml: population.{name}.{missing}: required field is missing: {because}; {{mean, sd}}, "
                     "as for the other sex" for name in ("weight_kg", "height_cm")]


def test_the_report_names_only_the_sexes_the_cohort_draws():
    """An all-women cohort's population line said "weight men 80 ± 12 kg, women 68 ± 12 kg"."""
    invented = copy.deepcopy(WOMEN)
    invented["weight_kg"]["male"] = {"mean": 80, "sd": 12}
    for population in (WOMEN, invented):
        dumped = parse_scenario(_scenario(population)).model_dump(mode="json")["population"]
        text = population_text(dumped)
        assert "weight women 68 ± 12 kg;" in text and "men 80" not in text, text
    mixed = parse_scenario(_scenario({**invented, "female_fraction": 0.5, "height_cm": {
        "male": {"mean": 176, "sd": 7}, "female": {"mean": 163, "sd": 7}}})).model_dump(mode="json")["population"]
    assert "weight men 80 ± 12 kg, women 68 ± 12 kg" in population_text(mixed)


@pytest.mark.integration
def test_every_column_of_the_endpoints_parquet_has_its_unit_in_the_file(tmp_path):
    """52 of the 83 columns of a docetaxel cohort's endpoints had no unit in the file: the metadata held only the
    scenario-driven columns', so `anc_nadir` (1e9/L) and `cd4_final` (cells/uL) read from the Parquet alone (a
    cohort copied off a cluster) had none. Now every column has one, under one of the two keys."""
    import json

    import pyarrow.parquet as pq

    from hemasim.cohort import run_cohort
    from hemasim.cohort.runner import COLUMN_META_KEY, ENDPOINT_META_KEY
    from hemasim.endpoints import AT_RUN_END, FELL_AGAIN
    from hemasim.scenario import load_scenario
    from tests.conftest import EXAMPLES

    scenario = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml").model_copy(update={"duration_days": 20.0})
    out = tmp_path / "c"
    run_cohort(scenario, 3, out, progress=False, report=False)
    part = out / "endpoints" / "part-00000.parquet"
    meta = pq.read_schema(part).metadata
    scenario_cols, other = json.loads(meta[ENDPOINT_META_KEY]), json.loads(meta[COLUMN_META_KEY])
    columns = pq.read_schema(part).names
    assert not set(scenario_cols) & set(other)
    assert [c for c in columns if c not in scenario_cols and c not in other] == []
    assert other["anc_nadir"][0] == "1e9/L" and other["cd4_final"][0] == "cells/uL"
    assert other["weight_kg"][0] == "kg" and other["param_anc_setpoint_1e9_per_L"][0] == "1e9/L"
    assert other[f"anc_nadir{AT_RUN_END}"][0] == other[f"neutrophil_recovery_day{FELL_AGAIN}"][0] == "flag"
    summary = json.loads((out / "summary.json").read_text())  # the summary's units are the file's
    assert {r["endpoint"]: r["unit"] for r in summary["endpoints"]}["anc_nadir"] == other["anc_nadir"][0]


def test_ctrl_c_drops_the_partitions_queued_behind_the_one_integrating(monkeypatch: pytest.MonkeyPatch):
    """Ctrl-C while partition 0 integrates: the pools' exit waited for their queued work too, so partition 1 was
    integrated and thrown away before the command could end (7-9 s after Ctrl-C on a loaded 2-core machine, 10,000
    patients in partitions of 1,000; 2-4 s after). The partition in flight still ends (its kernel cannot be stopped);
    the one queued behind it is never integrated."""
    import threading

    import hemasim.cohort.runner as runner

    release = threading.Event()
    integrated: list[int] = []

    def integrate(index: int, on_integrated: object = None) -> object:
        integrated.append(index)
        release.wait(30)  # partition 0 stays in flight until the test lets it end
        return None

    def ctrl_c() -> None:  # while the caller waits for partition 0, with partition 1 queued behind it
        threading.Timer(0.5, release.set).start()
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "prepare_partition", lambda index: index)
    monkeypatch.setattr(runner, "integrate_partition", integrate)
    with pytest.raises(KeyboardInterrupt):
        list(runner.LocalExecutor()._staged([(0,), (1,), (2,)], None, None, ctrl_c))
    release.set()
    assert integrated == [0]


@pytest.mark.integration
def test_a_resumed_cohort_counts_on_from_what_it_kept(tmp_path):
    """Re-run after Ctrl-C with 9 of 100 partitions kept, the counts read "partitions 1/91" and "patients 8/91000":
    the remaining work, with nothing saying that 9 were kept. They count on from what was kept now."""
    from hemasim.cohort import run_cohort
    from hemasim.scenario import load_scenario
    from tests.conftest import EXAMPLES

    scenario = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml").model_copy(update={"duration_days": 20.0})
    out = tmp_path / "c"
    assert run_cohort(scenario, 5, out, partition_size=2, progress=False, report=False, max_partitions=1) is None
    told: list[tuple[str, int, int]] = []
    run_cohort(scenario, 5, out, partition_size=2, report=False,
               progress=lambda stage, done, total: told.append((stage, done, total)))
    assert [t for t in told if t[0] == "cohort partitions"] == [("cohort partitions", 2, 3), ("cohort partitions", 3, 3)]
    patients = [(done, total) for stage, done, total in told if stage == "cohort patients"]
    assert {total for _, total in patients} == {5} and patients[-1] == (5, 5)
    assert patients[0][0] > 2 and [d for d, _ in patients] == sorted(set(d for d, _ in patients))


def test_a_big_cohort_s_counts_have_thousands_separators(tmp_path):
    """The 100,000-patient report read "100000 patients · ... · 100 partitions of 1000 patients", its figure
    "virtual cohort: 100000 patients"."""
    import json

    import pandas as pd

    from hemasim.report.html import partitions_text, render_cohort_report
    from hemasim.report.plots import cohort_bands_figure

    assert partitions_text(100000, 1000) == "100 partitions of 1,000 patients"
    assert partitions_text(200, 1000) == "1 partition"
    bands = pd.DataFrame({"time_days": [0.0, 1.0], "anc_1e9_per_L_p05": [3.0, 3.0], "anc_1e9_per_L_median": [4.0, 4.0],
                          "anc_1e9_per_L_p95": [5.0, 5.0]})
    fig = cohort_bands_figure(bands, 100000, ["anc_1e9_per_L"])
    assert fig._suptitle.get_text() == "virtual cohort: 100,000 patients"
    scenario = parse_scenario(_scenario(WOMEN)).model_dump(mode="json")
    page = render_cohort_report({"n_patients": 100000, "endpoints": []}, b"",
                                {"scenario": scenario, "seed": 0, "partition_size": 1000, "hemasim_version": "x"})
    assert "100,000 patients" in page and "100000" not in page, json.dumps(page[:400])
