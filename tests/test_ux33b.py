"""A gene-therapy researcher's and an immunologist's first hour (ux33b, twenty-ninth session): what the pages and
examples quote is what the runs give, a VAF above one half gets the VAF meant (not "0.7%"), a vaccine named other
than the virus it should protect against is warned about, and the CH command says which parameters it read."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from hemasim.scenario import ScenarioError, parse_scenario
from tests.conftest import EXAMPLES, ROOT, example_run


def _values(result) -> dict[str, float]:  # noqa: ANN001 - hemasim.simulation.Result
    from hemasim.endpoints import evaluate_endpoints

    return {e.name: e.value for e in evaluate_endpoints(result)} | {
        f"final_{c}": float(result.observables[c].iloc[-1]) for c in ("hemoglobin_g_per_dL", "platelets_1e9_per_L")}


def _run(data: dict, source: str) -> dict[str, float]:
    import hemasim as hs

    return _values(hs.run_scenario(parse_scenario(data, source=source)))


def _example(name: str) -> dict[str, float]:
    """An example's endpoints, from the run tests/test_examples.py makes too (conftest.example_run: simulated once)."""
    return _values(example_run(f"{name}.yaml"))


def test_the_jak2_numbers_the_clonal_page_and_tutorial_quote_are_the_examples():
    # docs/clonal.md and the CH tutorial quoted Hb 15.3 g/dL with the clone; the example gave 15.45 (ux33b)
    without = yaml.safe_load((EXAMPLES / "jak2_clonal_hematopoiesis.yaml").read_text())
    del without["patient"]["clones"]
    clone, plain = _example("jak2_clonal_hematopoiesis"), _run(without, "no clone")
    page = (ROOT / "docs" / "clonal.md").read_text(encoding="utf-8")
    hb0, hb1, plt0, plt1 = map(float, re.search(
        r"jak2_clonal_hematopoiesis\.yaml`: Hb ([\d.]+) -> ([\d.]+) g/dL, platelets (\d+) -> (\d+)", page).groups())
    assert (hb0, hb1) == (round(plain["final_hemoglobin_g_per_dL"], 1), round(clone["final_hemoglobin_g_per_dL"], 1))
    assert (plt0, plt1) == (round(plain["final_platelets_1e9_per_L"]), round(clone["final_platelets_1e9_per_L"]))
    tutorial = (ROOT / "docs" / "tutorials" / "clonal_hematopoiesis.py").read_text(encoding="utf-8")
    quoted = re.search(r"about ([\d.]+) against ([\d.]+) g/dL", tutorial).groups()
    assert tuple(map(float, quoted)) == (hb1, hb0)


def test_the_pneumococcal_example_says_what_its_typical_patient_gets():
    # its comment said "I6: this schedule, the typical patient responds"; the run gives 0.21, a non-responder (I6 fails)
    path = EXAMPLES / "pneumococcal_vaccine_after_hsct.yaml"
    comment = " ".join(line.lstrip("# ") for line in path.read_text().splitlines() if line.startswith("#"))
    quoted = float(re.search(r"this run gives ([\d.]+)", comment).group(1))
    e = _example("pneumococcal_vaccine_after_hsct")
    assert round(e["pneumococcus_relative_response"], 2) == quoted
    assert e["pneumococcus_responder"] == 0.0 and "non-responder" in comment


def _vaf_error(vaf: float) -> str:
    data = yaml.safe_load((EXAMPLES / "jak2_clonal_hematopoiesis.yaml").read_text())
    data["patient"]["clones"][0]["vaf"] = vaf
    with pytest.raises(ScenarioError) as err:
        parse_scenario(data, "s.yaml")
    (line,) = str(err.value).splitlines()
    return line


@pytest.mark.parametrize(("vaf", "hint"), [
    (0.7, "; a VAF is at most 0.5 (one mutated allele of two): if 0.7 is the clone's share of the cells (70%), "
          "write vaf: 0.35"),
    (70, "if 70 is the clone's share of the cells (70%), write vaf: 0.35"),
    (15, "; a fraction: write 0.15 for 15%"),  # a percentage, as before
    (1, "; a fraction: write 0.01 for 1%"),  # a CH clone's size
])
def test_a_vaf_above_one_half_gets_the_vaf_of_the_share_meant_not_a_tiny_percentage(vaf, hint):
    line = _vaf_error(vaf)
    assert line.startswith("s.yaml: patient.clones.0.vaf: Input should be less than or equal to 0.5")
    assert line.endswith(hint)
    assert "0.007" not in line  # "write 0.007 for 0.7%" read 0.7 as a percentage


def test_a_share_between_its_bound_and_one_is_not_read_as_a_percentage():
    from hemasim._schema import share_text

    assert share_text(0.7, 0.5) == ""
    assert share_text(0.95, 0.9) == ""
    assert share_text(15, 0.5) == "; a fraction: write 0.15 for 15%"
    assert share_text(60, 1.0) == "; a fraction: write 0.6 for 60%"
    assert share_text(1, 0.5) == "; a fraction: write 0.01 for 1%"


FLU = {"name": "flu", "patient": {"age_years": 35, "sex": "male", "weight_kg": 75, "height_cm": 178},
       "duration_days": 120}


@pytest.mark.parametrize(("antigen", "virus", "warned"), [
    ("flu", "influenza", True), ("influenza", "influenza", False), ("influenza", "rsv", True),
])
def test_a_vaccine_named_other_than_the_scenarios_virus_is_warned_about(antigen, virus, warned):
    from hemasim.scenario.plausibility import plausibility_warnings

    scenario = parse_scenario({**FLU, "interventions": [
        {"kind": "vaccine", "day": 1, "antigen": antigen},
        {"kind": "viral_infection", "day": 90, "virus": virus}]}, "s.yaml")
    found = dict(plausibility_warnings(scenario))
    assert ("interventions.0.antigen" in found) is warned
    if warned:
        text = found["interventions.0.antigen"]
        assert f"'{antigen}' is not the virus of the scenario's viral infection, '{virus}' (interventions.1)" in text
        assert text.endswith(f"write antigen: {virus}")


def test_a_vaccine_alone_or_a_virus_alone_is_not_warned_about():
    from hemasim.scenario.plausibility import plausibility_warnings

    for interventions in ([{"kind": "vaccine", "day": 1, "antigen": "tetanus"}],
                          [{"kind": "viral_infection", "day": 9, "virus": "influenza"}]):
        assert not plausibility_warnings(parse_scenario({**FLU, "interventions": interventions}, "s.yaml"))


@pytest.mark.slow
def test_the_ch_command_lists_the_parameters_it_read_and_defines_every_column(tmp_path: Path):
    import pandas as pd

    from hemasim.clonal.report import CH_PARAMETERS, run_ch_population, write_ch_outputs

    run = run_ch_population(20, seed=0, max_age_years=55, example_pool_size=300)
    write_ch_outputs(run, tmp_path, report=True)
    record = json.loads((tmp_path / "run.json").read_text())
    names = [p["name"] for p in record["parameters"]]
    assert sorted(names) == sorted(CH_PARAMETERS)
    assert all(p["unit"] and p["source"] for p in record["parameters"])
    assert any("Spencer Chapman" in r for r in record["references"])
    for table, key in [("prevalence.csv", "prevalence_csv_columns"), ("vaf_snapshots.csv", "vaf_snapshots_csv_columns"),
                       ("example_lifespan.csv", "example_lifespan_csv_columns")]:
        assert list(pd.read_csv(tmp_path / table).columns) == list(record[key])
        text = (tmp_path / table).read_text()
        assert not [n for n in re.findall(r"\d+\.\d+", text) if len(n.replace(".", "").lstrip("0")) > 15]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<h2>Parameters used</h2>" in page
    shown = page.replace("<wbr>", "")
    assert all(f"<code>{name}</code>" in shown for name in CH_PARAMETERS)


def _gene_therapy_error(tmp_path: Path, **graft: object) -> str:
    from hemasim.clonal.gene_therapy_report import GeneTherapyScenarioError, load_gene_therapy_scenario

    data = yaml.safe_load((EXAMPLES / "gene_therapy" / "lentiviral_x_scid.yaml").read_text())
    data["gene_therapy"] |= graft
    path = tmp_path / "gt.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(GeneTherapyScenarioError) as err:
        load_gene_therapy_scenario(path)
    (line,) = str(err.value).splitlines()
    return line.removeprefix(f"{path}: ")


@pytest.mark.parametrize(("written", "meant"), [("IL2RG", "x_scid"), ("X-SCID", "x_scid"), ("il2rg_scid", "x_scid"),
                                                ("ADA", "ada_scid"), ("RAG1", "rag_scid")])
def test_a_gene_or_another_spelling_as_the_disease_gets_the_disease_meant(tmp_path, written, meant):
    # ux33b: `disease: il2rg` (the gene) or `X-SCID` (a paper's spelling) said "(got 'il2rg')" and no more
    line = _gene_therapy_error(tmp_path, disease=written)
    assert line.startswith("gene_therapy.disease: Input should be 'x_scid', 'ada_scid' or 'rag_scid'")
    assert line.endswith(f"; did you mean {meant!r}? (x_scid: IL2RG, ada_scid: ADA, rag_scid: RAG1 or RAG2)")


def test_another_disease_or_a_gene_field_says_what_disease_is_for(tmp_path):
    line = _gene_therapy_error(tmp_path, disease="wiskott_aldrich")
    assert "did you mean" not in line
    assert "disease is for a SCID, whose blocked lineages only corrected clones make: for another disease leave it out" \
        in line
    line = _gene_therapy_error(tmp_path, gene="IL2RG")
    assert line.startswith("gene_therapy.gene: unknown field")
    assert line.endswith("the vector's gene is no input: disease names a SCID whose blocked lineages only corrected "
                         "clones make (x_scid: IL2RG, ada_scid: ADA, rag_scid: RAG1 or RAG2), and is left out for "
                         "any other disease")


def test_the_infection_examples_say_what_their_runs_give():
    # infection_after_chemotherapy said "cleared only about two weeks later": 14.75 days after the inoculum, against
    # 13 in the healthy adult (not two weeks later than it); its peak 8.6e10 read "about 8e10"
    after, healthy = (EXAMPLES / f"infection_{name}.yaml" for name in ("after_chemotherapy", "healthy_adult"))
    comment = " ".join(line.lstrip("# ") for line in after.read_text().splitlines() if line.startswith("#"))
    peak, held, day, healthy_day = re.search(
        r"grows to about (\S+) CFU \(a healthy adult holds it near (\S+)\), and is cleared (\d+) days after the "
        r"inoculum \(the healthy adult's on day (\d+)\)", comment).groups()
    e, h = _example("infection_after_chemotherapy"), _example("infection_healthy_adult")
    assert float(f"{e['bacteria_peak_cfu']:.0e}") == float(peak)
    assert float(f"{h['bacteria_peak_cfu']:.0e}") == float(held)
    assert (round(e["bacteria_clearance_day"]), round(h["bacteria_clearance_day"])) == (int(day), int(healthy_day))


def test_the_unconditioned_scid_example_says_when_its_t_cells_pass_1000():
    # it said "about three and a half months after the graft": CD3 T cells pass 1,000/uL 90 days after it
    path = EXAMPLES / "xscid_unconditioned.yaml"
    comment = " ".join(line.lstrip("# ") for line in path.read_text().splitlines() if line.startswith("#"))
    after = int(re.search(r"T cells pass 1,000/uL about three months after the graft \(day (\d+) after it", comment)
                .group(1))
    data = yaml.safe_load(path.read_text())
    obs = example_run("xscid_unconditioned.yaml").observables
    graft = next(iv["day"] for iv in data["interventions"] if iv["kind"] == "transplant")
    first = float(obs.time_days[obs.cd3_per_uL >= 1000].iloc[0])
    assert first - graft == after


def test_the_t_depleted_child_example_says_what_its_run_gives():
    # it said 0.54 at 6 months, month 17, and 20 / 8 / 28 months (branch t4fit's); the run (and target T4) gives
    # 0.58, 15.8, and 19.3 / 8.2 / 26.7 months
    from hemasim.endpoints import evaluate_endpoints

    path = EXAMPLES / "child_tcd_marrow.yaml"
    comment = " ".join(line.lstrip("# ") for line in path.read_text().splitlines() if line.startswith("#"))
    ratio6, overtake, cd8, b, cd4 = map(float, re.search(
        r"\(([\d.]+) at 6 months\) until naive CD4 cells from the thymus overtake them \(month (\d+)\); CD8 reach "
        r"half the count for age at (\d+) months, B cells at (\d+), CD4 at (\d+)", comment).groups())
    data = yaml.safe_load(path.read_text())
    result = example_run("child_tcd_marrow.yaml")
    e = {x.name: x.value for x in evaluate_endpoints(result)}
    month = 30.44  # days, as target T4 reads months
    for quoted, name in [(cd8, "cd8"), (b, "b"), (cd4, "cd4")]:
        assert abs(e[f"{name}_50pct_normal_day"] / month - quoted) <= 0.5, name
    obs = result.observables
    graft = next(iv["day"] for iv in data["interventions"] if iv["kind"] == "transplant")
    ratio = obs.cd4_per_uL / obs.cd8_per_uL
    after = obs.time_days - graft
    assert abs(float(ratio[after >= 6 * month].iloc[0]) - ratio6) <= 0.01
    inverted = (after > 60) & (ratio < 1)
    assert abs(float(after[(after > after[inverted].iloc[0]) & (ratio >= 1)].iloc[0]) / month - overtake) <= 0.5
