"""Clinical thresholds by age (hemasim.clinical_thresholds, clinical_thresholds.yaml): WHO 2011 anaemia, the
paediatric PJP CD4 counts, and what the transplant endpoints and the report read from them."""

from __future__ import annotations

import numpy as np
import pytest

from hemasim.biology.body import Covariates, child_red_cell_factor
from hemasim.clinical_thresholds import age_row, table, thresholds_over_run
from hemasim.interventions.transplant import CD4_FOR_AGE, TRANSPLANT_OBSERVABLES, transplant_endpoint_values
from hemasim.parameters import healthy_adult_parameters


def _at(name: str, age: float, sex: str | None = None) -> float:
    return float(thresholds_over_run(name, age, sex, np.zeros(1))[0, 0])


@pytest.mark.parametrize(("age", "sex", "hb"), [
    (0.49, "male", np.nan),  # WHO gives no cut-off under 6 months
    (0.5, "female", 11.0), (4.99, "male", 11.0), (5.0, "male", 11.5), (11.99, "female", 11.5), (12.0, "male", 12.0),
    (14.99, "male", 12.0), (15.0, "female", 12.0), (15.0, "male", 13.0), (60.0, "male", 13.0)])
def test_the_who_anaemia_cut_off_by_age_and_sex(age: float, sex: str, hb: float) -> None:
    assert _at("anaemia_hb", age, sex) == pytest.approx(hb, nan_ok=True)


def test_the_pjp_cd4_count_by_age_steps_as_the_child_ages() -> None:
    assert [_at("cd4_pjp", a) for a in (0.0, 0.99, 1.0, 5.99, 6.0, 40.0)] == [np.inf, np.inf, 500.0, 500.0, 200.0, 200.0]
    # a 5.5-year-old over two years: 500/uL to its sixth birthday (day 182.6), 200 after; patients on rows
    over = thresholds_over_run("cd4_pjp", np.array([5.5, 30.0]), None, np.array([0.0, 182.0, 183.0, 700.0]))
    assert over.tolist() == [[500.0, 500.0, 200.0, 200.0], [200.0, 200.0, 200.0, 200.0]]


def _overlapping(rows: list[dict]) -> list[tuple[int, int]]:
    """Pairs of rows (indices) that hold a common age for a common sex (an any-sex row shares both)."""
    return [(i, j) for i, a in enumerate(rows) for j, b in enumerate(rows[i + 1:], i + 1)
            if (a["sex"] == b["sex"] or "any" in (a["sex"], b["sex"]))
            and max(a["from_months"], b["from_months"]) < min(a["to_months"], b["to_months"])]


def test_every_row_names_a_source_and_rows_of_one_sex_do_not_overlap() -> None:
    data = table()
    for spec in data["thresholds"].values():
        for row in spec["rows"]:
            assert row["source"] in data["sources"] and row["from_months"] < row["to_months"]
            for sex in {"any": ("male", "female")}.get(row["sex"], (row["sex"],)):
                assert age_row(spec["rows"], row["from_months"], sex) is row  # a row holds its own first age
        # pairwise (review27: an earlier [10, 30) before a later [0, 20) passed the first-age check)
        assert _overlapping(spec["rows"]) == []
    # the check finds that pair, and no pair of adjoining rows
    row = {"sex": "any", "source": "who2011"}
    assert _overlapping([{**row, "from_months": 10, "to_months": 30}, {**row, "from_months": 0, "to_months": 20}]) \
        == [(0, 1)]
    assert _overlapping([{**row, "from_months": 0, "to_months": 12}, {**row, "from_months": 12, "to_months": 24},
                         {**row, "sex": "male", "from_months": 24, "to_months": 30}]) == []


def test_a_healthy_childs_haemoglobin_set_point_is_not_anaemia_by_who() -> None:
    # the model's child (Dallman 1977's mean Hb by age on the adult set point) sits above WHO's anaemia cut-off for
    # its age at every age WHO gives one, both sexes: a mean below it would make every healthy child anaemic
    params = healthy_adult_parameters()
    mch = params.value("mean_cell_hemoglobin_pg")
    ages = np.linspace(0.5, 17.99, 400)
    for sex in ("male", "female"):
        adult_hb = params.value(f"rbc_setpoint_{sex}_1e12_per_L") * mch / 10.0  # 1e12/L x pg = g/L; g/dL
        hb = adult_hb * np.asarray(child_red_cell_factor(params.value, Covariates(ages, sex, 20.0)))
        cut = thresholds_over_run("anaemia_hb", ages, sex, np.zeros(1))[:, 0]
        assert (hb > cut).all(), (sex, ages[hb <= cut])


def _cols(cd4: np.ndarray, days: np.ndarray, ages: float | np.ndarray | None,
          youngest: float | None = None) -> dict[str, np.ndarray]:
    obs = {name: np.ones(cd4.shape) for name in TRANSPLANT_OBSERVABLES} | {"cd4_per_uL": cd4}
    refs = {"nk_reference_per_uL": 1.0, "cd8_reference_per_uL": 1.0, "b_reference_per_uL": 1.0,
            "cd4_reference_per_uL": 800.0}
    return {c.name: c.values for c in transplant_endpoint_values(days, obs, refs, None, ages, youngest)}


def test_a_young_childs_cd4_recovery_is_read_against_its_age_count() -> None:
    days = np.arange(0.0, 400.0)
    # CD4 from 0 rising 4/uL a day: 200 on day 50, 500 on day 125
    cd4 = np.tile(4.0 * days, (3, 1))
    # a 3-year-old (500/uL), a 0.8-year-old (any count until its first birthday, day 73; then 500), an 8-year-old
    cols = _cols(cd4, days, np.array([3.0, 0.8, 8.0]))
    assert cols["cd4_200_day"].tolist() == [50.0, 50.0, 50.0]
    assert cols[CD4_FOR_AGE].tolist() == [125.0, 125.0, 50.0]
    # an infant: under 1 year prophylaxis is given whatever the count, so the earliest day it can stop is the first
    # birthday (day 73.05 for a 0.8-year-old), here with the count above 500/uL since day 10
    late = _cols(np.tile(np.where(days < 10, 0.0, 900.0), (1, 1)), days, 0.8)
    assert late[CD4_FOR_AGE].tolist() == [74.0]
    assert late[f"{CD4_FOR_AGE}_did_not_fall"].tolist() == [0.0]
    # a run that ends before the first birthday has no such day (not "recovered"), whatever the count
    assert np.isnan(_cols(np.tile(np.where(days[:60] < 10, 0.0, 900.0), (1, 1)), days[:60], 0.8)[CD4_FOR_AGE]).all()


def test_the_cd4_for_age_column_is_decided_by_the_scenarios_youngest_patient_not_by_the_ages_drawn() -> None:
    # a cohort partition drawn all from 6 years, of a population from 5 years: the column is there (every partition
    # has the same columns), each patient read against the count for his age (200/uL from 6, as cd4_200_day)
    days = np.arange(0.0, 100.0)
    cols = _cols(np.tile(4.0 * days, (2, 1)), days, np.array([6.5, 30.0]), youngest=5.0)
    assert cols[CD4_FOR_AGE].tolist() == cols["cd4_200_day"].tolist() == [50.0, 50.0]
    # a population from 6 years has none, even where no youngest age is given
    assert CD4_FOR_AGE not in _cols(np.tile(4.0 * days, (2, 1)), days, np.array([6.5, 30.0]), youngest=6.0)


def test_adults_and_children_from_six_have_no_cd4_for_age_column() -> None:
    days = np.arange(0.0, 100.0)
    cd4 = np.tile(4.0 * days, (2, 1))
    assert CD4_FOR_AGE not in _cols(cd4, days, np.array([6.0, 40.0]))
    assert CD4_FOR_AGE not in _cols(cd4, days, None)


def test_a_childs_lineage_caption_says_the_ctcae_grades_are_the_same_at_every_age() -> None:
    from types import SimpleNamespace

    from hemasim.report import html

    def run(age: float) -> SimpleNamespace:
        return SimpleNamespace(times=np.array([0.0, 30.0]),
                               model=SimpleNamespace(info=SimpleNamespace(patient=Covariates(age, "male", 20.0))))

    assert html.lineage_note([("", run(35.0))]) == html.LINEAGE_NOTE  # adults' caption byte for byte
    assert html.lineage_note([("", run(4.0))]).endswith(html.CTCAE_CHILD_NOTE)
