"""mend37a's review of mend36k: a cohort's notes of undecidable flags, merged over partitions and summarised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.test_mend36i import _anc_cols

ANC_AGAIN = "anc_fell_below_0p5_after_engraftment"
UNDECIDED_NOTE = "not yet decidable: the run ends day 30 after the graft, before day 52"


def _note_of_partitions(columns_of, values: np.ndarray, sizes: list[int], name: str, tmp_path=None) -> str | None:
    """The merged note of column ``name`` over partitions of ``sizes`` patients (through the Parquet files where
    ``tmp_path`` is given, as a resumed cohort reads them)."""
    from hemasim.cohort.runner import _endpoint_meta, _write_endpoints, merge_endpoint_meta

    meta: dict = {}
    paths = []
    start = 0
    for k, size in enumerate(sizes):
        column = columns_of(values[start:start + size])[name]
        start += size
        part = {name: (column.unit, column.definition, column.missing)}
        if tmp_path is None:
            merge_endpoint_meta(meta, part)
        else:
            paths.append(tmp_path / f"part-{k:05d}.parquet")
            _write_endpoints(paths[-1], pd.DataFrame({name: column.values}), part)
    return (_endpoint_meta(paths) if tmp_path is not None else meta)[name][2]


def test_a_cohorts_anc_again_note_does_not_depend_on_its_partitions(tmp_path) -> None:
    # four patients engrafting on days 14, 16, 13 and 15 after the graft, none falling again: each undecided on a
    # 30-day run; one clause per partition ("before day 56; ... before day 53") before mend37a, in partition order
    days = np.arange(0.0, 30.0)
    anc = np.vstack([np.where(days < d, 0.2, 2.0) for d in (12.0, 14.0, 11.0, 13.0)])

    def columns_of(rows: np.ndarray) -> dict:
        return _anc_cols(days, rows)

    whole = _note_of_partitions(columns_of, anc, [4], ANC_AGAIN)
    assert whole is not None and whole.count("not yet decidable") == 1
    for sizes in ([2, 2], [1, 1, 1, 1], [3, 1]):
        assert _note_of_partitions(columns_of, anc, sizes, ANC_AGAIN) == whole
    assert _note_of_partitions(columns_of, anc, [1, 1, 1, 1], ANC_AGAIN, tmp_path) == whole


def test_a_cohorts_chimerism_lost_note_does_not_depend_on_its_partitions() -> None:
    from hemasim.interventions.base import EndpointContext
    from hemasim.interventions.chimerism import LineageChimerism
    from hemasim.parameters import healthy_adult_parameters

    times = np.arange(0.0, 120.0)
    # full donor from day 10, then below 95% from day 114, 117, 115 to the run's end: each cut, undecided
    share = np.vstack([np.where((times < 10) | (times >= d), 0.5, 0.99) for d in (114.0, 117.0, 115.0)])

    def columns_of(rows: np.ndarray) -> dict:
        n, t = rows.shape
        obs = {"cd3_per_uL": np.full((n, t), 800.0), "cd3_per_uL__donor": 800.0 * rows,
               "anc_1e9_per_L": np.full((n, t), 3.0), "anc_1e9_per_L__donor": 3.0 * rows,
               "monocytes_1e9_per_L": np.zeros((n, t)), "monocytes_1e9_per_L__donor": np.zeros((n, t))}
        return {c.name: c for c in LineageChimerism(graft_day=0.0).values(
            times, obs, EndpointContext(healthy_adult_parameters(), 40.0, n_patients=n))}

    name = "full_donor_t_chimerism_lost"
    whole = _note_of_partitions(columns_of, share, [3], name)
    assert whole is not None and "from day 114" in whole
    assert _note_of_partitions(columns_of, share, [1, 1, 1], name) == whole


def test_notes_that_differ_in_their_words_are_all_kept() -> None:
    from hemasim.cohort.runner import merge_endpoint_meta

    meta: dict = {}
    merge_endpoint_meta(meta, {"x": ("flag", "d", "not yet decidable: before day 54")})
    merge_endpoint_meta(meta, {"x": ("flag", "d", "no window: the graft (day -3) before day 12")})
    merge_endpoint_meta(meta, {"x": ("flag", "d", "no window: the graft (day -6) before day 10")})
    merge_endpoint_meta(meta, {"x": ("flag", "d", "not yet decidable: before day 52")})
    # the earliest day of each, a negative day read as one (day -6 is before day -3)
    assert meta["x"][2] == "not yet decidable: before day 52; no window: the graft (day -6) before day 10"


def _row(flag: list[float], undecided: list[float], note: str | None) -> dict:
    from hemasim.cohort.runner import _Column, _summary_row

    ep = pd.DataFrame({ANC_AGAIN: flag, f"{ANC_AGAIN}_undecided": undecided})
    return _summary_row(_Column(ANC_AGAIN, "flag", "d", note), ep)


def test_the_no_share_note_says_not_yet_decidable_once() -> None:
    # review36h's s.py: 3 fell again, 1 did not, 4 undecided
    row = _row([1.0, 1.0, 1.0, np.nan, np.nan, np.nan, 0.0, np.nan], [0, 0, 0, 1, 1, 1, 0, 1.0], UNDECIDED_NOTE)
    assert row["missing"] == (f"no share: 4 of the 8 patients are {UNDECIDED_NOTE} (see {ANC_AGAIN}_undecided)")
    assert row["no_value_note"] == UNDECIDED_NOTE
    # a partition file without the note (written before mend36k): the words the summary knows
    assert _row([1.0, np.nan], [0, 1.0], None)["missing"] == (
        f"no share: 1 of the 2 patients is not yet decidable: the run ends before the day it is decided on (see "
        f"{ANC_AGAIN}_undecided)")


def test_the_patients_without_a_value_are_told_undecided_or_not_applicable() -> None:
    from hemasim.report.key_results import flag_denominator_text

    # 3 fell again, 1 did not, 2 undecided, 2 not engrafted: the undecided note was said of all 4
    flag = [1.0, 1.0, 1.0, np.nan, np.nan, 0.0, np.nan, np.nan]
    row = _row(flag, [0, 0, 0, 1, 1, 0, 0, 0], UNDECIDED_NOTE)
    assert row["no_value_note"] == f"2 {UNDECIDED_NOTE}; the other 2 not applicable (see the definition)"
    # none undecided: the share of the engrafted, and the others are not "not reached"
    row = _row(flag, [0.0] * 8, None)
    assert row["fraction_reaching"] == 0.75 and row["no_value_note"] == "not applicable (see the definition)"
    assert "not reached" not in flag_denominator_text(row)
    # a no-window note goes with the not applicable
    row = _row(flag, [0, 0, 0, 1, 1, 0, 0, 0], f"{UNDECIDED_NOTE}; no window: x")
    assert row["no_value_note"] == f"2 {UNDECIDED_NOTE}; the other 2 not applicable (no window: x) (see the definition)"
    assert "no window" not in row["missing"]


def test_a_noted_column_keeps_its_note_through_replace_and_pickling() -> None:
    import pickle

    from hemasim.interventions.base import NotedColumn
    from hemasim.interventions.transplant import GRAFT_FAILURE_UNDECIDED, _UndecidedColumn

    column = _UndecidedColumn("primary_graft_failure", "flag", "d", np.array([np.nan]))
    for copy in (column._replace(values=np.array([1.0])), pickle.loads(pickle.dumps(column))):
        assert isinstance(copy, NotedColumn) and copy.missing == GRAFT_FAILURE_UNDECIDED
    assert NotedColumn._make(["x", "flag", "d", np.array([np.nan])]).missing is None
