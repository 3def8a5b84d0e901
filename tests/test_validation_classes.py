"""The report card's classes: predictions are never tuned on, calibration targets name what was tuned on them,
bands say where they come from, and only predictions count as validation."""

import re

import pytest

from hemasim.parameters import healthy_adult_parameters
from hemasim.parameters.core import Calibrated
from hemasim.validation import (
    CheckResult,
    TargetResult,
    ValidationReport,
    check_target_class,
    load_targets,
    near_edge,
)

from ._citations import AUTHOR_YEAR, identifiers

#: The prediction split, chosen before any joint fit (issue 17): a target moves out of this set only with a
#: reason in targets.yaml, and a parameter may never be calibrated on one of these.
PREDICTIONS = {"C4", "C5", "T1", "T5", "D4", "A4", "I5", "M1", "G2", "G3", "G4", "G5", "G6", "G7", "G8", "G9"}
PREDICTIONS |= {"P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "P10"}  # branch predict: other_predictions
PREDICTIONS |= {"X1", "X2", "X3", "X4", "X5"}  # cond: lineage chimerism after conditioning (issue 17 item 6)
PREDICTIONS |= {"A5", "A6", "A7", "I6", "I7"}  # branch lymph: age subsets, vaccination after HSCT
PREDICTIONS |= {"H1", "H2"}  # branch clones: WAS gene-therapy IS diversity (Calabria 2024)
PREDICTIONS |= {"C7", "C8"}  # branch chemo: docetaxel cohort in the full model (chosen before it was run)
PREDICTIONS |= {"T7", "T8", "T9"}  # engraft: engraftment predictions, chosen before the engraftment fit
PREDICTIONS |= {"P11", "P12", "P13", "P14", "P15", "P16", "P17"}  # predict2: chemotherapy schedules, 2-unit RBC
PREDICTIONS |= {f"R{i}" for i in range(1, 9)}  # predict3: immune reconstitution after auto-HSCT, ageing
PREDICTIONS |= {f"Q{i}" for i in range(1, 10)}  # predict4: chemotherapy incidence by schedule, engraftment, pegfilgrastim
PREDICTIONS |= {f"V{i}" for i in range(1, 6)}  # predict5: whole-blood donation (Ziegler 2015, Stangerup 2017), autologous engraftment (AUBMC)
PREDICTIONS |= {f"Y{i}" for i in range(1, 7)}  # predict7: hepatitis A and mRNA vaccines, PBSC vs marrow CD4, B after alemtuzumab
PREDICTIONS |= {f"W{i}" for i in range(1, 7)}  # predict6: plateletpheresis, preoperative autologous donation
PREDICTIONS |= {"P18"}  # vaccage: seroconversion by age with between-patient variability of vaccine responses
PREDICTIONS |= {"T12", "T13"}  # gcsfgraft: filgrastim after an allogeneic graft (Bishop 2000, Przepiorka 2001)
PREDICTIONS |= {"N1", "N2", "N3", "N4"}  # predict29a: docetaxel weekly against 3-weekly (Gridelli 2004); lymphocytes after whole-body exposure (Mettler 2002)
PREDICTIONS |= {f"L{i}" for i in range(1, 7)}  # predict29b: JE boosters, CD4 after chemotherapy, H5N1 dose, HPV by age
PREDICTIONS |= {f"Z{i}" for i in range(1, 8)}  # predict30: granulocytes after radiation, filgrastim doses, donor age
PREDICTIONS |= {"U1", "U2", "U3"}  # predict30b: platelets in the days after one plateletpheresis
PREDICTIONS |= {"U4", "U5"}  # predict30b: filgrastim every 12 hours against once a day (Arbona 1998)
PREDICTIONS |= {"U6", "U7"}  # predict32d: blood CD34+ after one 12-mg pegfilgrastim injection (Kroschinsky 2005, Li 2020)
PREDICTIONS |= {"F1", "F2", "F3"}  # predict32: TC without G-CSF (Kosaka 2015) and with pegfilgrastim 6 or 3 mg (2021)
PREDICTIONS |= {"F4"}  # predict32: TAC with pegfilgrastim, duration of severe neutropenia (PROTECT-2)
PREDICTIONS |= {"C11"}  # acfit30: AC grade 3-4 neutropenia in the first cycle (Drooger 2015), the AC kill fitted on C10
PREDICTIONS |= {"C12"}  # dees31: AC cohort, cycle-1 ANC < 0.1e9/L (Dees 2000), cited variability only
PREDICTIONS |= {"A8", "A9"}  # predict32b: CH in the UK Biobank's exomes at 40-69 (Leukemia 2022, PMC8807385)
PREDICTIONS |= {"B1", "B2", "B3", "B4", "B5"}  # predict32c: Hb of repeat donors (Pehlic 2020), INTERVAL arms, after 2RBC
PREDICTIONS |= {"E1", "E2"}  # predict33: neutrophil and platelet engraftment after an autologous PBPC graft in children
PREDICTIONS |= {"J1", "J2", "J3", "J4"}  # predict34: ANC, platelets after Flu/Bu 8 mg/kg + allogeneic PBSC (Slavin 1998)
PREDICTIONS |= {"F5", "F6"}  # predict34b: TC + pegfilgrastim 6 mg, cycle 1 (ADVANCE and RECOVER pooled, Moon 2023)
PREDICTIONS |= {"Y7", "Y8", "Y9"}  # predict35: mRNA-1273 phase 1 antibody on days 57, 36, 15 over day 29 (Jackson 2020)
PREDICTIONS |= {"O1", "O2", "O3", "O4"}  # predict36: HPV two doses over three (Dobson 2013, Bhatla 2018); nab-paclitaxel 150 weekly
#: moved to consistency in the twenty-fourth session (honest27, audit27; each says why in its class_reason): G4 is G1's
#: calibration read-out, T7 K3's at the same dose, C4/C5 the published Kloft chain, R3/R8 the fitted age trends read
#: back, V1/V3 the cited plasma-refill arithmetic
PREDICTIONS -= {"G4", "T7", "C4", "C5", "R3", "R8", "V1", "V3"}


def _targets() -> dict[str, dict]:
    return {t["id"]: t for group in load_targets().values() for t in group}


def _calibrated_parameters() -> dict[str, tuple[str, ...]]:
    return {p.name: p.provenance.targets for p in healthy_adult_parameters().values()
            if isinstance(p.provenance, Calibrated)}


def _fitted_drug_set_values() -> dict[str, tuple[str, ...]]:
    """Drug-set values fitted on validation targets, by run-record name (``<set>__<path with _>``), with the target
    ids their ``fitted.data`` names as "validation target <id>" (a drug set has no Calibrated provenance: its fitted record names the data)."""
    from hemasim.pharmacology.drug_sets import available_drug_sets, load_drug_set

    ids = set(_targets())
    out = {}
    for name in available_drug_sets():
        for path, v in load_drug_set(name).values_with_paths():
            if v.fitted is not None:
                named = tuple(sorted(set(re.findall(r"\bvalidation target ([A-Z]\d+)\b", v.fitted.data)) & ids))
                if named:
                    out[f"{name}__{path.replace('.', '_')}"] = named
    return out


def test_the_prediction_split_is_the_committed_one():
    targets = _targets()
    assert {i for i, t in targets.items() if t["class"] == "prediction"} == PREDICTIONS


def test_calibration_and_prediction_targets_are_disjoint():
    targets = _targets()
    calibration = {i for i, t in targets.items() if t["class"] == "calibration"}
    prediction = {i for i, t in targets.items() if t["class"] == "prediction"}
    tuned_on = {target for named in {**_calibrated_parameters(), **_fitted_drug_set_values()}.values()
                for target in named}
    assert not calibration & prediction
    assert not tuned_on & prediction, "a parameter was calibrated on a prediction target"
    assert tuned_on <= calibration, f"targets tuned on but not class calibration: {sorted(tuned_on - calibration)}"


def test_every_calibrated_parameter_is_listed_by_the_targets_it_names_and_only_those():
    targets = _targets()
    calibrated = {**_calibrated_parameters(), **_fitted_drug_set_values()}
    for name, named in calibrated.items():
        for target in named:
            assert name in targets[target]["calibrates"], f"{target} does not list {name} in calibrates"
    for target_id, t in targets.items():
        for name in t.get("calibrates", []):
            assert name in calibrated, f"{target_id} calibrates {name}, which is not a Calibrated parameter"
            assert target_id in calibrated[name], f"{name} does not name {target_id} in its provenance"


def test_every_calibration_target_calibrates_something():
    for t in _targets().values():
        if t["class"] == "calibration":
            assert t["calibrates"], t["id"]


@pytest.mark.parametrize(("change", "message"), [
    ({"class": "evidence"}, "class is 'evidence'; allowed: prediction, calibration, consistency"),
    ({"band_basis": "vibes"}, "band_basis is 'vibes'"),
    ({"class_reason": " "}, "class_reason is missing"),
    ({"class": "calibration"}, "a calibration target lists the parameters it calibrates"),
    ({"calibrates": ["x"]}, "calibrates is only for class calibration"),
    ({"checks": [{"readout": "r", "open_end": "up"}]}, "check 'r': open_end is 'up'; allowed: high, low"),
    ({"checks": [{"readout": "r", "resolution": "1 day"}]}, "check 'r': resolution is '1 day'; allowed: a positive"),
    ({"checks": [{"readout": "r", "resolution": 0}]}, "check 'r': resolution is 0; allowed: a positive"),
    ({"checks": [{"readout": "r", "resolution": True}]}, "check 'r': resolution is True; allowed: a positive"),
])
def test_a_target_without_an_honest_class_is_refused(change, message):
    target = {"id": "X1", "class": "prediction", "class_reason": "never fitted", "band_basis": "uncertainty",
              "band_source": "the source's 95% CI", "envelope": False}
    check_target_class(target)  # the complete one is accepted
    with pytest.raises(ValueError, match="target 'X1': " + message.replace("(", r"\(")):
        check_target_class({**target, **change})


def test_near_edge_is_relative_to_the_judged_edges():
    assert near_edge(9.9, (7.0, 10.0)) and near_edge(7.2, (7.0, 10.0)) and not near_edge(8.5, (7.0, 10.0))
    assert not near_edge(5.05, (5.05, 5.05))  # zero width: must equal the cited value, no edge to be near
    assert not near_edge(11.0, (7.0, 10.0))  # a fail is not a near-edge pass
    assert not near_edge(0.0, (0.0, 300.0))  # a lower end of 0 is the quantity's floor, not a criterion
    assert near_edge(290.0, (0.0, 300.0))
    assert near_edge(1.06, (1.0, 100.0), "high") and not near_edge(1.2, (1.0, 100.0), "high")
    assert not near_edge(1.0, (0.9, 1.0), "high") and near_edge(0.95, (0.9, 1.0), "high")
    assert near_edge(1.2, (1.01, 1e6)) and not near_edge(6.1, (1.01, 1e6))  # log scale over a wide band


def test_a_read_out_in_whole_days_is_near_an_edge_one_step_from_it():
    # T1: a delay of 2 days against "at least 1" is one day from failing; 10% of the 1-day threshold never flags it
    assert not near_edge(2.0, (1.0, 200.0), "high") and near_edge(2.0, (1.0, 200.0), "high", resolution=1.0)
    assert not near_edge(3.0, (1.0, 200.0), "high", resolution=1.0)
    assert near_edge(-2.0, (-120.0, -1.0), "low", resolution=1.0)  # the upper end judged, a step away
    assert near_edge(21.0, (15.0, 22.0), resolution=1.0) and not near_edge(21.0, (15.0, 22.0))  # 10% of 7 days
    assert not near_edge(11.0, (0.0, 97.0), resolution=1.0)  # a lower end of 0 stays unjudged
    assert near_edge(1.05, (1.0, 100.0), "high", resolution=0.01)  # a fine step leaves the share's rule in force
    assert not near_edge(1.0, (0.9, 1.0), "high", resolution=0.05)  # an open end is no edge at any step


def test_every_judged_engraftment_or_recovery_day_declares_its_whole_day_resolution():
    # endpoints.engraftment_days counts whole days: without the declaration a pass a day from its edge goes unflagged
    whole_day = re.compile(r"(engraftment|recovery)_(day|days|delay|gap)_")
    for t in _targets().values():
        for check in t.get("checks", []):
            if whole_day.search(check["readout"]):
                assert check.get("resolution") == 1, f"{t['id']}: {check['readout']} declares no resolution: 1"


def _target(tid: str, cls: str, status: str, basis: str = "uncertainty", edge: bool = False) -> TargetResult:
    check = CheckResult("r", "reference_male", (0.0, 1.0), 0.5, "pass" if status == "pass" else "fail",
                        near_edge=edge)
    return TargetResult(tid, "g", "q", "p", "rule", "src", status, [check], target_class=cls, band_basis=basis)


def test_only_predictions_count_as_validation():
    report = ValidationReport([
        _target("P1", "prediction", "pass", "uncertainty", edge=True), _target("P2", "prediction", "fail"),
        _target("P3", "prediction", "pass", "judgement"), _target("P4", "prediction", "pass", "range"),
        _target("K1", "calibration", "pass"),
        _target("S1", "consistency", "pass"), _target("S2", "consistency", "pass")])
    assert report.summary() == (
        "predictions: 3 pass / 4 (of which 0 shown able to fail, 0 insensitive, 3 not challenged, 0 not blind; 2 on a "
        "published interval: 1 on the uncertainty of a published estimate, 1 within "
        "a published spread of patients; 0 on a stated threshold or direction, 1 on a project "
        "band; 1 near an edge); calibration (fitted, not validation): 1 pass / 1; consistency checks (not "
        "validation): 2 pass / 2")
    assert report.class_counts()["prediction"] == {"pass": 3, "fail": 1, "near edge": 1}
    card = report.to_json()
    assert card["targets"][0]["class"] == "prediction" and card["targets"][0]["near_edge"] is True
    assert card["targets"][4]["calibrated_on"] is True and card["classes"]["consistency"] == {"pass": 2}


def test_a_partly_covered_prediction_is_counted_as_a_pass_and_said_so():
    partial = _target("P5", "prediction", "partial")
    report = ValidationReport([_target("P1", "prediction", "pass"), partial, _target("P2", "prediction", "fail")])
    assert report.summary().startswith("predictions: 2 pass / 3 (")
    assert "1 of them partly covered (the checks that run pass)" in report.summary()
    assert "partly covered" not in ValidationReport([_target("P1", "prediction", "pass")]).summary()


def test_the_docs_table_is_generated_from_the_targets():
    from pathlib import Path

    from hemasim.validation.classes_table import classes_table, replace_table

    docs = (Path(__file__).parents[1] / "docs" / "validation.md").read_text(encoding="utf-8")
    assert replace_table(docs) == docs, "run: python -m hemasim.validation.classes_table docs/validation.md"
    assert "| T2 | calibration of `graft_short_term_units_per_cd34`" in classes_table()


# --- Disjointness at the data level (issue #17 item 1, audit27): the id test above sees only Calibrated parameters'
# target ids. Here every fit's DATA (the healthy-adult Fitted parameters' data files, the Calibrated parameters' stated
# data, the values cited from papers, the drug sets' fitted values and the literature models they carry over whole,
# the conditioning regimens' fitted fractions) is reduced to citation identifiers - journal volume:first page, PMID,
# DOI - and no prediction target's source or band source may carry one of them, except the pairs below, each checked.

#: (prediction, identifier) -> why sharing the source is not a leak (measured where it could be)
SHARED_SOURCES = {
    ("G8", "7:19"): "G1's study (Transfus Med 1997): G1's CD34+ course calibrates the mobilisation drive, G8 reads the "
                    "same donors' ANC and WBC, which G1's values do not move (ANC 35.58 at the fitted E_max 71, 35.64 "
                    "at 50: docs/images/validation_challenges.json); same cohort, no effective leak (audit27)",
    ("A4", "11:168"): "Chng 2004 gives the adult reference counts (cited inputs, read back by S6) and, as one of five "
                      "sources, the direction of the CD8 fall with age; no age effect of the model is set from it",
}
#: fits whose data carry no citation identifier, so this test cannot compare them (said in the report, not hidden)
UNIDENTIFIED_FITS = {
    "naive_cd4_decline_at_reference_age_per_year": "its source record names no authors, journal or PMID "
                                                   "(data/naive_counts_by_age/README.md: title only)",
    "naive_cd8_decline_at_reference_age_per_year": "as naive_cd4_decline_at_reference_age_per_year",
}


def _data_file_sources(path: str) -> list[str]:
    """The sources of a fit's data file: the rows of its folder README's source table, or its CSV's source column."""
    import csv
    from pathlib import Path

    file = Path(__file__).parents[1] / path
    texts = []
    readme = file.parent / "README.md"
    if readme.exists():
        rows = [line for line in readme.read_text(encoding="utf-8").splitlines()
                if line.startswith("|") and not line.startswith("|---")]
        texts += rows[1:]  # the header row names the columns
    if file.suffix == ".csv":
        lines = [line for line in file.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
        reader = csv.DictReader(lines)
        if reader.fieldnames and "source" in reader.fieldnames:
            texts += sorted({row["source"] for row in reader})
    return texts


def _reference_identifiers(reference) -> set[str]:
    doi = getattr(reference, "doi", None)
    return identifiers(str(getattr(reference, "journal", ""))) | ({f"doi {doi.lower()}"} if doi else set())


def _fit_data_identifiers() -> tuple[dict[str, set[str]], set[str]]:
    """Identifiers of the data behind every fitted, calibrated or cited value, by what uses them; and the fitted
    values whose data carry none."""
    from hemasim.parameters.core import Cited, Fitted
    from hemasim.pharmacology import conditioning
    from hemasim.pharmacology.drug_sets import available_drug_sets, load_drug_set

    out: dict[str, set[str]] = {}
    blind: set[str] = set()
    for p in healthy_adult_parameters().values():
        prov = p.provenance
        if isinstance(prov, Fitted):
            # the data files' sources, and the problem and interval texts, where extra fit inputs are named
            texts = [t for d in prov.data for t in _data_file_sources(d)] + [prov.problem, prov.interval]
            out[f"fitted {p.name}"] = ids = set().union(*(identifiers(t) for t in texts))
            if not ids:
                blind.add(p.name)
        elif isinstance(prov, Calibrated):
            out[f"calibrated {p.name}"] = identifiers(prov.how)
        elif isinstance(prov, Cited):
            out[f"cited {p.name}"] = _reference_identifiers(prov.reference)
    for name in available_drug_sets():
        drug_set = load_drug_set(name)
        references = dict(drug_set.references or {})
        for key, reference in references.items():  # a literature model carried over whole: its papers' data
            out[f"drug set {name}: {key}"] = _reference_identifiers(reference)
        for path, value in drug_set.values_with_paths():
            if value.fitted is not None:  # the fit's data named by author and year: the set's own references
                keys = {k for a, y in AUTHOR_YEAR.findall(value.fitted.data) for k in references
                        if k.lower() == f"{a}{y}".lower()}
                ids = identifiers(value.fitted.data).union(*(_reference_identifiers(references[k]) for k in keys))
                out[f"drug set {name}: fitted {path}"] = ids
                if not ids:
                    blind.add(f"{name}:{path}")
    for regimen, block in conditioning._all().items():
        for index, component in enumerate(block.model_dump()["components"]):
            for cls, leaf in (component.get("surviving") or {}).items():
                if (leaf or {}).get("fitted"):
                    out[f"regimen {regimen}:{index}:{cls}"] = ids = identifiers(leaf["fitted"]["data"])
                    if not ids:
                        blind.add(f"{regimen}:{index}:{cls}")
    for target_id, t in _targets().items():
        if t["class"] == "calibration":
            out[f"calibration target {target_id}"] = identifiers(f"{t.get('source', '')} {t.get('band_source', '')}")
    return out, blind


def test_no_prediction_shares_a_source_with_the_data_of_any_fit():
    fits, _ = _fit_data_identifiers()
    shared = {}
    for target_id, t in _targets().items():
        if t["class"] != "prediction":
            continue
        cited = identifiers(f"{t.get('source', '')} {t.get('band_source', '')}")
        for used_by, ids in fits.items():
            for identifier in ids & cited:
                shared.setdefault((target_id, identifier), set()).add(used_by)
    unexplained = {k: sorted(v) for k, v in shared.items() if k not in SHARED_SOURCES}
    assert not unexplained, f"a prediction's source is also a fit's data: {unexplained}"
    assert set(shared) == set(SHARED_SOURCES), f"stale entries: {sorted(set(SHARED_SOURCES) - set(shared))}"


def test_every_fitted_value_names_data_that_can_be_compared():
    fits, blind = _fit_data_identifiers()
    assert blind == set(UNIDENTIFIED_FITS), f"fits whose data carry no citation identifier: {sorted(blind)}"
    assert fits["fitted erythroid_feedback_log_slope"] == {"7:15"}  # Falz 2014, Clin Sports Med Int 7(1):15
    assert "11:1210" in fits["regimen high_dose_melphalan:0:lymphoid"]  # Porrata 2005, Clin Cancer Res 11:1210


def test_every_prediction_without_a_citation_identifier_is_reported(record_property):
    # a prediction whose source carries no identifier is invisible to the disjointness test above: listed, not failed
    # (its source may be a dataset, a registry or a book); the list is printed with -s and kept in the junit record
    missing = sorted(i for i, t in _targets().items() if t["class"] == "prediction"
                     and not identifiers(f"{t.get('source', '')} {t.get('band_source', '')}"))
    fits, _ = _fit_data_identifiers()
    calibrated = sorted(k.removeprefix("calibrated ") for k, ids in fits.items() if k.startswith("calibrated ") and not ids)
    record_property("predictions_without_identifier", " ".join(missing))
    record_property("calibrated_without_identifier", " ".join(calibrated))
    print(f"predictions whose sources carry no citation identifier (not compared): {' '.join(missing) or 'none'}")
    print(f"calibrated values whose `how` carries none (their targets are compared by id): {' '.join(calibrated)}")
    assert len(missing) < len(PREDICTIONS), "no prediction carries an identifier: the patterns are broken"


def test_the_identifiers_are_read_from_citations():
    assert identifiers("Transfusion 2015;55(4):898-905 (PMID 25512178)") == {"55:898", "PMID 25512178"}
    assert identifiers("Bishop 2000 Blood 96:80") == {"96:80"}
    assert identifiers("Biino 2013 PLoS One 8:e54289") == {"8:54289"}
    assert identifiers("doi 10.1056/NEJMc2103916") == {"doi 10.1056/nejmc2103916"}
    assert not identifiers("days 4, 5 and 6: 60.7, 128, 107 cells/uL")
    assert identifiers("Melhem 2017 (BioModels MODEL2211040001)") == {"MODEL2211040001"}
    assert identifiers("Aichinger et al. (NCT01320696; PMC4278922 Table 4)") == {"NCT01320696"}
    # the styles review28 found missed: "PubMed NNN", PubMed's "year Mon;vol(issue):pages", "journal year vol:page"
    assert identifiers("PubMed 11602413") == {"PMID 11602413"}
    assert identifiers("pubmed 16352331") == identifiers("(PubMed: 16352331)") == {"PMID 16352331"}
    assert identifiers("Pottgiesser T et al., Transfusion 2008 (PubMed 18466177)") == {"PMID 18466177"}
    assert identifiers("Pottgiesser T. Transfusion. 2008 Jul;48(7):1390-7") == {"48:1390"}
    assert identifiers("Blood. 2000 Jul 1;96(1):80-5") == {"96:80"}
    assert identifiers("Blood 2000 96:80") == {"96:80"}
