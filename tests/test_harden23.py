"""Branch harden23: a cohort's summary says a G-CSF's Cmax is "not computed", as a single run's endpoints do (it
said "none reached" and 0%); the note travels in the partitions' metadata, and a partition written before it is
still read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PEGFILGRASTIM_COHORT = {
    "name": "t", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
    "duration_days": 10, "aging": False, "output": {"every_days": 0.5},
    "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 75,
                       "route": "iv_infusion", "infusion_hours": 1, "schedule": {"days": [0]}},
                      {"kind": "gcsf", "drug_set": "pegfilgrastim_melhem2017", "dose_mg": 6,
                       "route": "subcutaneous", "schedule": {"days": [1]}}],
    "population": {"age_years": {"min": 50, "max": 60}}}
CMAX = ("pegfilgrastim_cmax_ng_per_mL", "pegfilgrastim_cmax_day")


@pytest.mark.slow
@pytest.mark.integration
def test_a_cohort_says_a_g_csf_cmax_is_not_computed_as_a_single_run_does(tmp_path: Path):
    import pyarrow.parquet as pq

    from hemasim.cohort.runner import ENDPOINT_META_KEY, _endpoint_meta, run_cohort
    from hemasim.interventions.dosed import CELL_CLEARED_NOTE
    from hemasim.scenario import parse_scenario

    out = tmp_path / "c"
    spec = parse_scenario(PEGFILGRASTIM_COHORT)
    assert run_cohort(spec, 2, out, partition_size=1, progress=False, max_partitions=1) is None
    summary = run_cohort(spec, 2, out, partition_size=1, progress=False)  # partition 0 read from its file
    assert summary is not None
    rows = {r["endpoint"]: r for r in summary["endpoints"]}
    for name in CMAX:
        assert rows[name]["missing"] == CELL_CLEARED_NOTE and rows[name]["fraction_reaching"] is None, rows[name]
    assert rows["docetaxel_cmax_ng_per_mL"]["fraction_reaching"] == 1.0 and rows[
        "docetaxel_cmax_ng_per_mL"]["missing"] is None
    report = (out / "report.html").read_text(encoding="utf-8")
    row = report[report.index("pegfilgrastim_<wbr>cmax_<wbr>ng_<wbr>per_<wbr>mL"):].split("</tr>", 1)[0]
    assert "not computed" in row and "none reached" not in row and "0%" not in row
    # a partition written before the note ([unit, definition]) is read as it was then: no note, nothing refused
    part = sorted((out / "endpoints").glob("part-*.parquet"))[0]
    table = pq.read_table(part)
    meta = json.loads(table.schema.metadata[ENDPOINT_META_KEY])
    assert meta[CMAX[0]][2] == CELL_CLEARED_NOTE and len(meta["docetaxel_cmax_ng_per_mL"]) == 2
    old = {k: v[:2] for k, v in meta.items()}
    pq.write_table(table.replace_schema_metadata({**table.schema.metadata,
                                                  ENDPOINT_META_KEY: json.dumps(old).encode()}), part)
    assert _endpoint_meta([part])[CMAX[0]] == (meta[CMAX[0]][0], meta[CMAX[0]][1], None)


@pytest.mark.slow
def test_the_administration_table_reads_a_list_of_days_as_doses_not_cycles():
    # a walkthrough: daily filgrastim on days 0-4 (schedule.days) was listed as "cycle 1" to "cycle 5"
    import re

    from hemasim.assembly import run_scenario
    from hemasim.interventions.dosed import _drug_section
    from hemasim.scenario import parse_scenario

    result = run_scenario(parse_scenario({
        "name": "t", "patient": {"age_years": 55, "sex": "female", "weight_kg": 70, "height_cm": 165},
        "duration_days": 6, "aging": False, "output": {"every_days": 0.5},
        "interventions": [{"kind": "chemotherapy", "drug_set": "docetaxel_kloft2006", "dose_mg_per_m2": 30,
                           "route": "iv_infusion", "infusion_hours": 1,
                           "schedule": {"start_day": 0, "every_days": 2, "cycles": 2}},
                          {"kind": "gcsf", "drug_set": "filgrastim_wang2001", "dose_ug_per_kg": 5,
                           "route": "subcutaneous", "schedule": {"days": [1, 2, 3]}}]}))
    section = _drug_section(result)
    assert section is not None
    cells = re.findall(r"<tr><td>([\d.]+)</td><td>(\w+)</td><td>([^<]*)</td>", section)
    assert [c for _, drug, c in cells if drug == "filgrastim"] == ["dose 1 of 3", "dose 2 of 3", "dose 3 of 3"]
    assert [c for _, drug, c in cells if drug == "docetaxel"] == ["1", "2"]  # cycles stay cycles


def test_the_gene_therapy_library_says_what_a_share_and_a_vcn_are():
    from hemasim.clonal.gene_therapy import GeneTherapy

    base = dict(graft_hsc=5_000, transduction_efficiency=0.6, mean_vcn=1.5, host_surviving_fraction=0.1)
    with pytest.raises(ValueError, match=r"transduction_efficiency = 60 is out of range \(0 to 1\); a fraction: write "
                                         r"0\.6 for 60%"):
        GeneTherapy(**{**base, "transduction_efficiency": 60})
    with pytest.raises(ValueError, match=r"mean_vcn = 0\.5 is out of range \(>= 1\); mean_vcn counts copies per "
                                         r"transduced cell, not the bulk VCN"):
        GeneTherapy(**{**base, "mean_vcn": 0.5})
