"""`hemasim gene-therapy SCENARIO.yaml --out DIR`: the shipped example runs and writes its four files, the run is
seeded bit for bit, its derived inputs come from the shipped parameters, and a bad file is refused naming the field."""

from __future__ import annotations

import html
import json
import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from .conftest import EXAMPLES, invoke_hemasim, set_dotted

EXAMPLE = EXAMPLES / "gene_therapy" / "lentiviral_x_scid.yaml"
FILES = ["is_table.tsv", "report.html", "run.json", "samples.csv"]


def _scenario(tmp_path: Path, name: str = "mine.yaml", **changes: object) -> Path:
    """The example with top-level ``changes`` (dotted keys go into blocks; None removes the key)."""
    data = set_dotted(yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")), changes)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def example_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gt") / "out"
    res = invoke_hemasim("gene-therapy", str(EXAMPLE), "--out", str(out))
    assert res.exit_code == 0, res.stderr
    return out


@pytest.mark.slow
def test_the_example_writes_samples_sites_record_and_report(example_out: Path):
    assert sorted(p.name for p in example_out.iterdir()) == FILES
    scenario = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    samples = pd.read_csv(example_out / "samples.csv")
    assert list(samples.columns) == ["time_days", "time_months", "marker", "integration_sites", "shannon_nats",
                                     "clonality", "largest_site_fraction", "vector_marked_fraction",
                                     "vector_copies_per_cell", "hsc_vector_marked_fraction"]
    assert len(samples) == len(scenario["sample_months"]) * len(scenario["markers"])
    # the day the pool was sampled: its 7-day steps stop at or before the month's day, never a step short
    month_days = samples.time_months * 365.25 / 12
    assert np.all(samples.time_days % 7 == 0)
    assert np.all((samples.time_days <= month_days + 1e-9) & (samples.time_days > month_days - 7))
    # X-SCID: T cells (CD3) come from corrected clones only; granulocytes carry the vector as the HSC pool does
    cd3, cd15 = samples[samples.marker == "CD3"], samples[samples.marker == "CD15"]
    assert (cd3.vector_marked_fraction == 1.0).all()
    # every marked cell carries 1 + Poisson(VCN - 1) copies: the bulk VCN is the marked share times about mean_vcn
    mean_vcn = scenario["gene_therapy"]["mean_vcn"]
    assert np.allclose(samples.vector_copies_per_cell, samples.vector_marked_fraction * mean_vcn, rtol=0.15)
    assert (cd3.vector_copies_per_cell >= 1).all()
    assert np.allclose(cd15.vector_marked_fraction, cd15.hsc_vector_marked_fraction, atol=0.01)
    assert 0 < cd15.vector_marked_fraction.max() < 0.5  # 30% of the host's HSCs left: marked HSCs are a minority
    # neutral drift loses small clones: fewer sites and lower diversity at five years than at one month
    assert cd15.integration_sites.iloc[-1] < cd15.integration_sites.iloc[0]
    assert cd15.shannon_nats.iloc[-1] < cd15.shannon_nats.iloc[0]
    assert np.allclose(samples.clonality, 1 - samples.shannon_nats / np.log(samples.integration_sites))
    # the IS table: one column per sample, each column's nonzero rows are that sample's sites
    table = pd.read_csv(example_out / "is_table.tsv", sep="\t")
    for row in samples.itertuples():
        assert (table[f"SIM_{row.marker}_PB_{row.time_months:02d}"] > 0).sum() == row.integration_sites
    report = (example_out / "report.html").read_text(encoding="utf-8")
    assert "Key results, month 60" in report and "data:image/png;base64," in report
    assert report.count("<tr><td>") >= len(samples)  # every sample's row
    assert "Shannon index of the sample" in report and "engrafting_<wbr>hsc_<wbr>per_<wbr>cd34" in report


def test_the_record_derives_the_graft_and_pool_from_the_shipped_parameters(example_out: Path):
    from hemasim.parameters import healthy_adult_parameters

    record = json.loads((example_out / "run.json").read_text(encoding="utf-8"))
    params = healthy_adult_parameters()
    scenario = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    weight = scenario["patient"]["weight_kg"]
    expected_graft = round(float(scenario["gene_therapy"]["cd34_per_kg"]) * weight
                           * params.value("engrafting_hsc_per_cd34"))
    assert record["derived"]["graft_hsc"]["value"] == expected_graft
    # a 3-year-old: the adult pool scaled to his body mass
    assert record["derived"]["host_hsc_pool"]["value"] == round(
        params.value("hsc_count") * weight / params.value("stem_pool_adult_body_mass_kg"))
    sources = {p["name"]: p["source"] for p in record["parameters"]}
    sizes = {"engrafting_hsc_per_cd34", "hsc_count", "stem_pool_adult_body_mass_kg", "stem_pool_growth_end_age_years"}
    pool = {"hsc_division_interval_days", "hsc_max_self_renewal_probability", "hsc_niche_hill", "hsc_mutations_per_year"}
    assert set(sources) == sizes | pool
    assert all(not sources[n].startswith("assumed") for n in sizes)  # the graft and pool sizes are cited
    assert all(sources[n] == params.subset([n]).to_records()[0]["source"] for n in sources)
    assert record["assumed_defaults"] == {}  # the example gives cells_per_sample and markers itself


@pytest.mark.slow
def test_a_default_without_a_source_is_recorded_as_assumed(tmp_path: Path):
    path = _scenario(tmp_path, cells_per_sample=None, markers=None, horizon_months=3, sample_months=None)
    res = invoke_hemasim("gene-therapy", str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.stderr
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    assert set(record["assumed_defaults"]) == {"cells_per_sample", "markers"}
    assert all(v.startswith("assumed") for v in record["assumed_defaults"].values())
    assert record["months"] == [1, 3]  # default sampling up to the horizon, the horizon included
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "assumed: an IS retrieval" in report
    # the default's value reads as the browser shows it: escaped once (twice showed '&#x27;CD15&#x27;')
    cell = re.search(r"<td><code>markers</code></td><td>(.*?)</td>", report)
    assert cell is not None and html.unescape(cell.group(1)) == "['CD15', 'CD3']"


@pytest.mark.slow
def test_the_same_scenario_gives_the_same_files_bit_for_bit(tmp_path: Path):
    path = _scenario(tmp_path, horizon_months=12, sample_months=[1, 6, 12])
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        res = invoke_hemasim("gene-therapy", str(path), "--out", str(out))
        assert res.exit_code == 0, res.stderr
    for name in FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name
    other = _scenario(tmp_path, "seed1.yaml", horizon_months=12, sample_months=[1, 6, 12], seed=1)
    res = invoke_hemasim("gene-therapy", str(other), "--out", str(tmp_path / "c"))
    assert res.exit_code == 0, res.stderr
    assert (tmp_path / "c" / "samples.csv").read_bytes() != (outs[0] / "samples.csv").read_bytes()


def test_a_shipped_regimen_sets_the_host_share_its_hsc_kills_leave(example_out: Path, tmp_path: Path):
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology.conditioning import load_regimen

    path = _scenario(tmp_path, **{"conditioning.host_surviving_fraction": None, "conditioning.regimen": "cy_tbi_12gy",
                                  "horizon_months": 1, "sample_months": [1]})
    # --no-report: the record's derived share and its values are checked, not the report's figure (the example's
    # test reads the report); an earlier output's folder (with its report) is replaced whole by the other three
    # files, and the last line names those
    shutil.copytree(example_out, tmp_path / "out")
    res = invoke_hemasim("gene-therapy", str(path), "--out", str(tmp_path / "out"), "--no-report")
    assert res.exit_code == 0, res.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [f for f in FILES if f != "report.html"]
    assert " ".join(res.stderr.split()).endswith("(samples.csv, is_table.tsv, run.json)")  # rich wraps it
    record = json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))
    params = healthy_adult_parameters()
    a, b = params.value("radiosensitivity_alpha_hsc_per_Gy"), params.value("radiosensitivity_beta_hsc_per_Gy2")
    regimen = load_regimen("cy_tbi_12gy")
    kills = [c.surviving["hsc"].value for c in regimen.components if getattr(c, "kind", "") == "cell_kill"]
    tbi = next(c for c in regimen.components if c.kind == "tbi")
    dose = tbi.total_dose_Gy / tbi.fractions
    expected = math.prod(kills) * math.exp(-a * dose - b * dose**2) ** tbi.fractions
    assert record["derived"]["host_surviving_fraction"]["value"] == pytest.approx(expected, rel=1e-12)
    assert {"radiosensitivity_alpha_hsc_per_Gy", "radiosensitivity_beta_hsc_per_Gy2"} <= {
        p["name"] for p in record["parameters"]}
    assert record["conditioning_values"][0]["source"].startswith("assumed")
    assert math.prod(r["value"] for r in record["conditioning_values"]) == pytest.approx(expected, rel=1e-12)


def test_a_fitted_hsc_kill_is_listed_with_its_data(tmp_path: Path):
    """A regimen's fitted HSC value was listed as "fitted (regimens.yaml)", a file a user's regimen is not in, without
    the data, the problem or the interval; it reads as docs/drug_sets.md's table (pharmacology.table.source_text)."""
    from hemasim.clonal.gene_therapy_report import _regimen_records
    from hemasim.parameters import healthy_adult_parameters

    regimen = tmp_path / "my_regimen.yaml"
    regimen.write_text(yaml.safe_dump({
        "title": "mine", "intensity": "reduced_intensity", "description": "a test regimen", "graft_day": 3,
        "components": [{"kind": "cell_kill", "day": 0, "agent": "busulfan", "surviving": {"hsc": {
            "value": 0.2, "fitted": {"data": "Doe 2020 marrow counts", "problem": "bench/doe.py", "objective": 1.5,
                                     "interval": "[0.1, 0.3]"}}}}]}), encoding="utf-8")
    (record,), has_tbi = _regimen_records(str(regimen), healthy_adult_parameters())
    assert record["value"] == 0.2 and not has_tbi
    assert "Doe 2020 marrow counts" in record["source"] and "[0.1, 0.3]" in record["source"], record["source"]


def test_the_radiosensitivities_are_listed_for_a_tbi_not_for_a_name_that_says_tbi(tmp_path: Path):
    """Whether the run read the HSC radiosensitivities was told by "TBI" in the records' names, which carry the
    regimen's file name: a regimen file named for TBI listed them without any radiation in it."""
    regimen = tmp_path / "no_TBI.yaml"
    regimen.write_text(yaml.safe_dump({
        "title": "chemotherapy only", "intensity": "reduced_intensity", "description": "a test regimen",
        "graft_day": 3, "components": [{"kind": "cell_kill", "day": 0, "agent": "busulfan",
                                        "surviving": {"hsc": {"value": 0.2, "assumed": "a test value"}}}]}),
        encoding="utf-8")
    path = _scenario(tmp_path, **{"conditioning.host_surviving_fraction": None, "conditioning.regimen": str(regimen),
                                  "horizon_months": 1, "sample_months": [1]})
    res = invoke_hemasim("gene-therapy", str(path), "--out", str(tmp_path / "out"), "--no-report")  # run.json's
    assert res.exit_code == 0, res.stderr
    names = {p["name"] for p in json.loads((tmp_path / "out" / "run.json").read_text(encoding="utf-8"))["parameters"]}
    assert not names & {"radiosensitivity_alpha_hsc_per_Gy", "radiosensitivity_beta_hsc_per_Gy2"}


def test_a_dose_too_small_for_one_engrafting_hsc_is_refused(tmp_path: Path):
    path = _scenario(tmp_path, **{"gene_therapy.cd34_per_kg": 1000.0})
    res = invoke_hemasim("gene-therapy", str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"hemasim: error: {path}: gene_therapy.cd34_per_kg: 1000 CD34+/kg x 15 kg")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("changes", "message"), [
    ({"gene_therapy.transducton": 0.5}, "gene_therapy.transducton: unknown field; did you mean "
                                        "'transduction_efficiency'?"),
    ({"gene_therapy.disease": "xscid"}, "gene_therapy.disease: Input should be 'x_scid', 'ada_scid' or 'rag_scid'"),
    ({"gene_therapy.transduction_efficiency": 1.5}, "gene_therapy.transduction_efficiency"),
    # harden23: a percentage, and a trial's bulk VCN (per cell of the graft) for the copies per transduced cell
    ({"gene_therapy.transduction_efficiency": 60}, "gene_therapy.transduction_efficiency: Input should be less than "
                                                   "or equal to 1 (allowed: >= 0 and <= 1) (got 60); a fraction: write "
                                                   "0.6 for 60%"),
    ({"gene_therapy.mean_vcn": 0.5, "gene_therapy.transduction_efficiency": 0.3},
     "gene_therapy.mean_vcn: Input should be greater than or equal to 1 (allowed: >= 1 and <= 20) (got 0.5); mean_vcn "
     "counts copies per transduced cell, not the bulk VCN trials report (copies per cell of the whole graft = "
     "transduction_efficiency x mean_vcn): from a bulk VCN, write bulk VCN / transduction_efficiency (0.5 / 0.3 = "
     "1.67)\n"),
    ({"gene_therapy.mean_vcn": 0.5}, "transduction_efficiency; 0.5 / 0.9 = 0.556 copies, below 1: a bulk VCN of 0.5 "
                                     "means at most 50% of the cells transduced, so check transduction_efficiency\n"),
    ({"sample_months": [1, 72]}, "sample_months: each between 1 and horizon_months (60); got 72"),
    ({"conditioning.regimen": "bu_cy"}, "conditioning: give one of host_surviving_fraction (0 to 1) or regimen"),
    # a marker names a lineage the model samples: another name of a blocked one (CD3+ for CD3, CD4) was sampled from
    # every clone as unblocked, silently (an X-SCID boy's T cells 5% marked, not all)
    ({"markers": ["CD15", "CD3+"]}, "markers: unknown marker 'CD3+'; did you mean 'CD3'? (allowed: CD15 "
                                    "(granulocytes), CD14 (monocytes), CD3 (T cells), CD19 (B cells), CD56 (NK cells))"),
    ({"markers": ["CD4"]}, "markers: unknown marker 'CD4' (allowed: CD15"),
    # harden25: the papers' short form, below the spelling match (it listed the block's fields), with what the field
    # counts (a paper's VCN is mostly per cell of the graft); written for mean_vcn and beside it
    ({"gene_therapy.mean_vcn": None, "gene_therapy.vcn": 2.0},
     "gene_therapy.vcn: unknown field; did you mean 'mean_vcn'? mean_vcn counts copies per transduced cell, not the "
     "bulk VCN trials report (copies per cell of the whole graft = transduction_efficiency x mean_vcn): from a bulk "
     "VCN, write bulk VCN / transduction_efficiency"),
    ({"gene_therapy.vector_copy_number": 2.0}, "gene_therapy.vector_copy_number: unknown field; did you mean "
                                               "'mean_vcn'?"),
])
def test_a_bad_file_is_refused_naming_the_field(tmp_path: Path, changes: dict[str, object], message: str):
    path = _scenario(tmp_path, **changes)
    res = invoke_hemasim("gene-therapy", str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"hemasim: error: {path}: ") and message in res.stderr, res.stderr
    assert not (tmp_path / "out").exists()
    # `hemasim check` refused none of these (harden15): it said the file was not a scenario; now the same line
    checked = invoke_hemasim("check", str(path))
    assert checked.exit_code == 2 and checked.stderr == res.stderr and checked.stdout == ""


def test_an_unknown_regimen_lists_the_shipped_ones(tmp_path: Path):
    path = _scenario(tmp_path, **{"conditioning.host_surviving_fraction": None, "conditioning.regimen": "bucy"})
    res = invoke_hemasim("gene-therapy", str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert "conditioning.regimen: unknown conditioning regimen 'bucy'; shipped regimens: 'bu_cy'" in res.stderr
    assert not (tmp_path / "out").exists()
    assert invoke_hemasim("check", str(path)).stderr == res.stderr  # found without running, as the dose below


def test_check_validates_a_gene_therapy_file_and_says_what_the_run_derives(example_out: Path, tmp_path: Path):
    res = invoke_hemasim("check", str(EXAMPLE))
    assert res.exit_code == 0, res.stderr
    graft = json.loads((example_out / "run.json").read_text(encoding="utf-8"))["derived"]["graft_hsc"]["value"]
    assert res.stdout.strip() == (f"{EXAMPLE}: valid gene-therapy scenario: 'lentiviral_x_scid', 60 months, "
                                  f"8 sample months, {graft:,} engrafting HSCs, host HSCs surviving 0.3; no warnings")
    small = _scenario(tmp_path, **{"gene_therapy.cd34_per_kg": 1000.0})  # below one engrafting HSC: as the command
    res = invoke_hemasim("check", str(small))
    assert res.exit_code == 2 and res.stderr.startswith(f"hemasim: error: {small}: gene_therapy.cd34_per_kg: 1000 ")
    res = invoke_hemasim("check", "--set", "hsc_count=2e4", str(EXAMPLE))  # the command has no --set to honour
    assert res.exit_code == 2 and res.stderr.startswith("hemasim: error: --set: ") and "no --set" in res.stderr


def _report_of_the_example() -> str:
    from hemasim.clonal.gene_therapy_report import (
        load_gene_therapy_scenario,
        render_gene_therapy_report,
        run_gene_therapy,
        run_record,
    )

    run = run_gene_therapy(load_gene_therapy_scenario(EXAMPLE).model_copy(update={"horizon_months": 3,
                                                                                  "sample_months": [3]}))
    return render_gene_therapy_report(run, run_record(run))


@pytest.mark.slow
def test_a_dose_outside_the_clinical_range_is_warned_about_by_check_and_the_command(tmp_path: Path):
    """A unit slip that still engrafts a few HSCs (5e4 for 5e6 CD34+/kg) ran without a word; the transplant's range."""
    path = _scenario(tmp_path, **{"gene_therapy.cd34_per_kg": 5e4, "horizon_months": 3, "sample_months": [3]})
    res = invoke_hemasim("check", str(path))
    (line,) = res.stderr.splitlines()
    assert res.exit_code == 0 and line.startswith(f"hemasim: warning: {path}: gene_therapy.cd34_per_kg: 5e4 CD34+/kg "
                                                  "is below the clinical range 1e6-2e7 CD34+/kg; did you mean 5e6?")
    assert res.stdout.strip().endswith("; 1 warning")
    assert invoke_hemasim("check", "--strict", str(path)).exit_code == 1
    run = invoke_hemasim("gene-therapy", str(path), "--out", str(tmp_path / "out"))
    assert run.exit_code == 0 and run.stderr.splitlines()[0] == line
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")  # and above the key results, as a run's
    box = report.index('<div class="warnings"><h2>Check these inputs</h2>')
    assert box < report.index("<h2>Key results") and html.escape("5e4 CD34+/kg is below the clinical range") in report
    assert '<div class="warnings">' not in _report_of_the_example()


def test_check_names_the_kinds_it_checks_for_a_file_of_another(tmp_path: Path):
    sweep = EXAMPLES / "sweeps" / "healthy_lhs.yaml"
    res = invoke_hemasim("check", str(sweep))
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [
        f"hemasim: error: {sweep}: this is a sweep file (a `sweep:` block), not a scenario or a gene-therapy "
        f"scenario: run it with `hemasim sweep SCENARIO.yaml {sweep} --out DIR`; `hemasim check` checks only those; "
        "the command named checks its file before it runs"]


def test_a_scenario_given_to_gene_therapy_is_named_with_its_command(tmp_path: Path):
    scenario = EXAMPLES / "healthy_adult.yaml"
    res = invoke_hemasim("gene-therapy", str(scenario), "--out", str(tmp_path / "out"))
    assert res.exit_code == 2
    assert res.stderr.startswith(f"hemasim: error: {scenario}: this is a scenario, not a gene-therapy scenario: run it "
                                 f"with `hemasim run {scenario} --out DIR`")


def test_examples_lists_it_with_its_command(tmp_path: Path):
    res = invoke_hemasim("examples", "--list")
    assert res.exit_code == 0, res.stderr
    listed = {line.split()[0]: " ".join(line.split()[1:]) for line in res.stdout.splitlines() if line.strip()}
    assert listed["gene_therapy/lentiviral_x_scid"].startswith("X-SCID lentiviral gene therapy, 5e6 CD34+/kg")
    res = invoke_hemasim("examples", "lentiviral_x_scid", "--out", str(tmp_path))
    assert res.exit_code == 0, res.stderr
    copied = tmp_path / "gene_therapy" / "lentiviral_x_scid.yaml"
    assert copied.read_bytes() == EXAMPLE.read_bytes()
    assert f"next: hemasim gene-therapy {copied} --out out/gene_therapy" in res.stderr


def test_the_figure_shows_every_point_whole(tmp_path: Path):
    """The panels started at 0 with matplotlib's top, computed before: the Shannon panel's highest markers were cut in
    half at its upper edge (harden15)."""
    from hemasim.clonal.gene_therapy_report import load_gene_therapy_scenario, run_gene_therapy, samples_figure

    path = _scenario(tmp_path, horizon_months=12, sample_months=[1, 6, 12], cells_per_sample=2000)
    run = run_gene_therapy(load_gene_therapy_scenario(path))
    fig = samples_figure(run)
    columns = ("integration_sites", "shannon_nats", "clonality", "vector_marked_fraction")
    for ax, column in zip(fig.axes, columns, strict=True):
        scale = 100.0 if column == "vector_marked_fraction" else 1.0
        bottom, top = ax.get_ylim()
        assert bottom == 0 and top >= 1.03 * scale * run.samples[column].max(), (column, top)


@pytest.mark.slow
def test_an_untransduced_graft_runs_and_draws_its_empty_panels(tmp_path: Path):
    """Nothing transduced (a control arm): no sample has a site, every clonality is NaN, and the panels' top (1.08 x
    the highest point, harden15) was NaN, which matplotlib refused with a traceback; the command now writes its files."""
    path = _scenario(tmp_path, **{"gene_therapy.transduction_efficiency": 0.0, "gene_therapy.disease": None},
                     horizon_months=12, sample_months=[1, 12], cells_per_sample=2000)
    res = invoke_hemasim("gene-therapy", str(path), "--out", str(tmp_path / "out"))
    assert res.exit_code == 0, res.stderr
    samples = pd.read_csv(tmp_path / "out" / "samples.csv")
    assert (samples.integration_sites == 0).all() and samples.clonality.isna().all()
