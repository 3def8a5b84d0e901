"""review36h's undecidable flags in cohort summaries (mend36k)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.test_mend36i import _anc_cols, _chimerism_cols

ANC_AGAIN = "anc_fell_below_0p5_after_engraftment"
UNDECIDED_NOTE = "not yet decidable: the run ends day 30 after the graft, before day 52"


def test_an_empty_note_of_a_later_partition_erases_no_earlier_one() -> None:
    from hemasim.cohort.runner import merge_endpoint_meta

    meta: dict = {}
    merge_endpoint_meta(meta, {ANC_AGAIN: ("flag", "d", UNDECIDED_NOTE)})
    merge_endpoint_meta(meta, {ANC_AGAIN: ("flag", "d", None)})
    assert meta[ANC_AGAIN] == ("flag", "d", UNDECIDED_NOTE)
    # differing notes are all kept, in partition order; a repeated one once
    merge_endpoint_meta(meta, {ANC_AGAIN: ("flag", "d", "no window: x")})
    merge_endpoint_meta(meta, {ANC_AGAIN: ("flag", "d", f"{UNDECIDED_NOTE}; no window: x")})
    assert meta[ANC_AGAIN][2] == f"{UNDECIDED_NOTE}; no window: x"
    empty: dict = {}
    merge_endpoint_meta(empty, {ANC_AGAIN: ("flag", "d", None)})
    assert empty[ANC_AGAIN] == ("flag", "d", None)


def test_the_summary_reads_every_partitions_note(tmp_path) -> None:
    from hemasim.cohort.runner import _endpoint_meta, _write_endpoints

    frame = pd.DataFrame({ANC_AGAIN: [1.0, np.nan]})
    paths = [tmp_path / "part-0.parquet", tmp_path / "part-1.parquet"]
    _write_endpoints(paths[0], frame, {ANC_AGAIN: ("flag", "d", UNDECIDED_NOTE)})
    _write_endpoints(paths[1], frame, {ANC_AGAIN: ("flag", "d", None)})
    assert _endpoint_meta(paths)[ANC_AGAIN][2] == UNDECIDED_NOTE


def test_no_share_while_any_patient_is_undecided() -> None:
    from hemasim.cohort.runner import _Column, _summary_row

    # review36h's s.py: 3 fell again, 1 did not, 4 undecided; the note of a later partition gone (None)
    flag = [1.0, 1.0, 1.0, np.nan, np.nan, np.nan, 0.0, np.nan]
    ep = pd.DataFrame({ANC_AGAIN: flag, f"{ANC_AGAIN}_undecided": [0, 0, 0, 1, 1, 1, 0, 1.0]})
    for note in (None, UNDECIDED_NOTE):
        row = _summary_row(_Column(ANC_AGAIN, "flag", "d", note), ep)
        assert row["fraction_reaching"] is None
        assert row["missing"].startswith("no share: 4 of the 8 patients are not yet decidable")
    # the same values where the four did not engraft (none undecided): the share of the engrafted
    ep[f"{ANC_AGAIN}_undecided"] = 0.0
    row = _summary_row(_Column(ANC_AGAIN, "flag", "d", None), ep)
    assert row["fraction_reaching"] == 0.75 and row["missing"] is None
    ep.loc[3, f"{ANC_AGAIN}_undecided"] = 1.0
    assert _summary_row(_Column(ANC_AGAIN, "flag", "d", None), ep)["missing"].startswith(
        "no share: 1 of the 8 patients is not yet decidable")


def test_the_anc_again_flag_says_per_patient_who_is_undecided() -> None:
    days = np.arange(0.0, 29.0)  # patient 0 engrafts on day 13 and does not fall again: undecided on day 28;
    anc = np.vstack([np.where(days < 13, 0.2, 2.0), np.full(days.shape, 0.2),  # 1 never engrafts
                     np.where((days < 13) | (days >= 25), 0.2, 2.0)])           # 2 fell again: decided
    cols = _anc_cols(days, anc)
    assert list(cols[f"{ANC_AGAIN}_undecided"].values) == [1.0, 0.0, 0.0]
    assert np.isnan(cols[ANC_AGAIN].values[:2]).all() and cols[ANC_AGAIN].values[2] == 1.0


def test_the_chimerism_lost_flag_says_per_patient_who_is_undecided() -> None:
    times = np.arange(0.0, 120.0)
    base = np.where(times < 10, 0.5, 0.99)
    cut = np.where(times >= 116, 0.80, base)  # below 95% for the run's last 4 days: not yet decidable
    never = np.full(times.shape, 0.5)         # never full donor: not applicable
    cols = _chimerism_cols(times, np.vstack([base, cut, never]))
    assert list(cols["full_donor_t_chimerism_lost_undecided"]) == [0.0, 1.0, 0.0]
    assert cols["full_donor_t_chimerism_lost"][0] == 0.0 and np.isnan(cols["full_donor_t_chimerism_lost"][1:]).all()


def test_the_lost_text_counts_from_the_allogeneic_graft() -> None:
    from hemasim.endpoints import EndpointValue
    from hemasim.report.key_results import full_donor_lost_text

    values = {e.name: e for e in (EndpointValue("full_donor_t_chimerism_day", 7.0, "day after graft", "d"),
                                  EndpointValue("full_donor_t_chimerism_lost", 1.0, "flag", "d"),
                                  EndpointValue("full_donor_t_chimerism_lost_day", 60.0, "day after graft", "d"))}
    since = "after the allogeneic graft on day 100"
    text = full_donor_lost_text(values, {"t": (265.0, 0.5)}, since)
    assert f"from day 7 {since}, below" in text and f"(day 265 {since})" in text and "after graft" not in text
    assert "from day 7 after graft, below" in full_donor_lost_text(values)
