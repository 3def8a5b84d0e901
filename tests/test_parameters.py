import math
from pathlib import Path

import numpy as np
import pytest

from hemasim.parameters import (
    Assumed,
    Calibrated,
    Cited,
    Derived,
    Parameter,
    ParameterSet,
    UnitConvention,
    UserOverride,
    healthy_adult_parameters,
)
from hemasim.parameters.core import Fitted
from hemasim.validation import load_targets

ROOT = Path(__file__).resolve().parents[1]


def test_every_parameter_has_unit_provenance_and_sits_in_bounds():
    params = healthy_adult_parameters()
    assert len(params) > 40
    for p in params.values():
        assert p.unit, p.name
        assert isinstance(p.provenance, Cited | Calibrated | Assumed | Fitted | UnitConvention), p.name
        lo, hi = p.bounds
        assert lo <= p.value <= hi
        if isinstance(p.provenance, Cited):
            assert p.provenance.reference.year > 1900 and p.provenance.where
        if isinstance(p.provenance, Fitted):  # a default fitted outside `hemasim fit`: its data and script ship
            assert p.provenance.data and all((ROOT / d).is_file() for d in p.provenance.data), p.name
            assert (ROOT / p.provenance.problem.split()[0]).is_file() and p.provenance.interval, p.name


def test_calibrated_parameters_name_existing_targets():
    ids = {t["id"] for group in load_targets().values() for t in group}
    for p in healthy_adult_parameters().values():
        if isinstance(p.provenance, Calibrated):
            assert p.provenance.targets and set(p.provenance.targets) <= ids, p.name


def test_derived_parameters_of_the_model_say_what_they_come_from():
    from hemasim.biology import healthy_human_model

    model = healthy_human_model()
    derived = [p for p in model.parameters.values() if isinstance(p.provenance, Derived)]
    assert len(derived) >= 10
    for p in derived:
        assert p.provenance.inputs and p.provenance.how
        assert math.isfinite(p.value) and p.value >= 0


def test_out_of_bounds_value_is_refused():
    with pytest.raises(ValueError, match="outside its bounds"):
        Parameter("x", -1.0, "1/day", "test", Assumed("nothing", "test"), bounds=(0.0, 1.0))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_override_is_refused_naming_the_parameter(bad: float):
    """A library user's override (with_values, per_patient): NaN was told "outside its bounds", +inf passed where the
    bound is open, and a cohort's NaN or inf went on into the model (harden15); the scenario layer says the same."""
    from hemasim.biology import Covariates, healthy_human_model

    with pytest.raises(ValueError, match=r"^parameter rbc_lifespan_days: the value must be finite \(got "):
        healthy_adult_parameters().with_values(rbc_lifespan_days=bad)
    three = Covariates(age_years=np.full(3, 40.0), sex=np.array(["female"] * 3), weight_kg=np.full(3, 70.0))
    with pytest.raises(ValueError, match=r"^per_patient igg_half_life_days: every value must be finite"):
        healthy_human_model(three, per_patient={"igg_half_life_days": np.array([21.0, bad, 21.0])})


def test_override_keeps_a_trace_of_the_default():
    params = healthy_adult_parameters().with_values(rbc_lifespan_days=100.0)
    p = params["rbc_lifespan_days"]
    assert p.value == 100.0
    assert isinstance(p.provenance, UserOverride) and "Franco2012" in p.provenance.previous


def test_unknown_and_duplicate_names_are_clear_errors():
    params = healthy_adult_parameters()
    with pytest.raises(KeyError, match="not in set"):
        params["no_such_parameter"]
    rec = params["rbc_lifespan_days"]
    with pytest.raises(ValueError, match="defined twice"):
        ParameterSet.from_records("dup", [rec, rec])


def test_references_are_only_those_the_model_uses():
    from hemasim.biology import healthy_human_model

    model = healthy_human_model()
    used = model.parameters.subset(model.used_parameter_names())
    keys = {r.key for r in used.references()}
    assert {"Catlin2011", "LahozBeneytez2016", "Franco2012", "Vrisekoop2008"} <= keys
    unused = ParameterSet.from_records("x", [params for params in healthy_adult_parameters().values()
                                             if params.name == "rbc_lifespan_days"])
    assert [r.key for r in unused.references()] == ["Franco2012"]


def test_parameter_doc_is_generated_from_the_code():
    from pathlib import Path

    from hemasim.parameters.table import parameter_table_markdown

    doc = Path(__file__).resolve().parents[1] / "docs" / "parameters.md"
    assert doc.read_text(encoding="utf-8") == parameter_table_markdown(), (
        "docs/parameters.md is stale: run `python -m hemasim.parameters.table > docs/parameters.md`")


def test_a_parameter_the_screen_misses_but_targets_bound_says_both_in_its_screen_cell():
    """thymic_lymphopenia_max_fold: the Morris screen's read-outs do not move with it ("moves nothing"), while the
    targeted what-if over its bounds found calibration targets T4 and M2 bracketing it at about 2.5-7
    (docs/transplant.md); the screen cell read only the first."""
    from hemasim.parameters.table import parameter_table_markdown
    from hemasim.sensitivity.screen import screen_outcome

    row = next(r for r in parameter_table_markdown().splitlines() if "`thymic_lymphopenia_max_fold` |" in r)
    cells = [c.strip() for c in row.strip("|").split(" | ")]
    source, screen = cells[4], cells[5]
    assert screen.startswith(f"Morris screen: {screen_outcome()['thymic_lymphopenia_max_fold']}; but a targeted "
                             "what-if over its bounds [1, 20]")
    assert "T4 (fails below about 2.5) and M2 (fails above about 7)" in screen
    assert "T4" not in source  # said once in the row
    from hemasim.parameters import healthy_adult_parameters

    # run.json and `hemasim references` keep the whole provenance, the what-if with it
    assert "M2 (fails above about 7)" in healthy_adult_parameters()["thymic_lymphopenia_max_fold"].provenance.describe()


def test_every_conditioning_fraction_is_listed_with_its_provenance_and_its_screen():
    """Issue 17 point 2 (the outcome per value in docs/parameters.md): each shipped regimen's surviving fraction has
    a row, the fitted ones say their data, the others say they are assumed and what the regimen screen found
    (src/hemasim/sensitivity/regimen_screen.json, for the value it screened: a value changed since makes the screen stale)."""
    from hemasim.parameters.table import conditioning_fractions_markdown, regimen_screen_outcome
    from hemasim.pharmacology.conditioning import available_regimens, load_regimen

    rows = [r for r in conditioning_fractions_markdown() if r.startswith("| `")]
    expected = [(name, i, c.day, cls, v) for name in available_regimens()
                for i, c in enumerate(load_regimen(name).components)
                if c.kind == "cell_kill" for cls, v in c.surviving.items()]
    screened = regimen_screen_outcome()
    stale = "the regimen screen is stale: run `PYTHONPATH=src python bench/regimen_screen.py`"
    assert {(n, i, cls, v.value) for n, i, _, cls, v in expected if v.fitted is None} == set(screened), stale
    assert len(rows) == len(expected) > 0
    for row, (name, i, day, cls, v) in zip(rows, expected, strict=True):
        cells = [x.strip() for x in row.strip("|").split("|")]
        assert cells[0] == f"`{name}`" and float(cells[1]) == day and cells[3] == cls and float(cells[4]) == v.value
        if v.fitted is not None:
            assert cells[5].startswith("fitted on ") and cells[6] == ""
        else:
            assert cells[5].startswith(("assumed: ", "derived: "))
            assert cells[6] == screened[(name, i, cls, v.value)]
            assert cells[6].startswith(("moves ", "may move ", "does not move any validation read-out by more than 10%",
                                        "no validation target uses this regimen"))


def test_the_regimen_screen_says_what_it_measured():
    """The screen cells follow the results: a value that moves a read-out by more than the threshold says moves
    (naming its largest), one that does not gives its largest change, below the threshold; a regimen with no
    target was not varied. The targets listed for a regimen exist."""
    from hemasim.parameters.table import regimen_screen_outcome
    from hemasim.sensitivity.screen import regimen_screen
    from hemasim.validation import load_targets

    data = regimen_screen()
    ids = {t["id"] for ts in load_targets().values() for t in ts}
    cells = regimen_screen_outcome()
    for row in data["fractions"]:
        assert set(row["targets"]) <= ids
        cell = cells[(row["regimen"], row["component"], row["class"], row["value"])]
        moving = {k: c for k, c in row["moves"].items()}
        assert all(c > data["threshold"] for c in moving.values())
        if not row["targets"]:
            assert cell == "no validation target uses this regimen" and not moving
        elif moving:
            top = max(moving, key=lambda k: moving[k])
            assert cell.startswith(f"moves {top} by ")
        else:  # below the cut one at a time: Morris (the regimen's values together) decides
            assert row["largest"]["change"] <= data["threshold"]
            if row.get("note"):  # measured apart, outside the Morris design (cy_atg's progenitor bound, mend37f)
                assert f"{row['component']} {row['class']}" not in data["morris"]["regimens"][row["regimen"]]
                assert cell.startswith("does not move") and f"{row['range'][0]:g}-{row['range'][1]:g}" in cell
                continue
            m = data["morris"]["regimens"][row["regimen"]][f"{row['component']} {row['class']}"]
            kind = "moves " if m["mu_star"] > data["threshold"] else "may move " \
                if m["mu_star_high"] > data["threshold"] else "does not move"
            assert cell.startswith(kind)
    assert max(data["control"].values()) < 1e-6  # the shipped values in a fresh process give the tracked values


def test_the_lymphocyte_reference_counts_are_one_statistic_of_chng_2004():
    """Issue 17: all four adult reference counts are the Chng 2004 Table 3 median, the men's and the women's
    weighed equally (docs/model.md); no subset on a mean or a range's midpoint. The sex-balanced median lies between
    the two sexes' medians, so each value must too; the doc states the four values."""
    from pathlib import Path

    from hemasim.parameters.sets.chng2004 import TABLE3_MEDIANS

    # the stored table (pages corpus, PMC321350/table/t3), transcribed independently of the module
    medians = {"CD4": (814, 813), "CD8": (636, 597), "CD19": (325, 340), "NK": (413, 330)}
    assert TABLE3_MEDIANS == medians
    params = healthy_adult_parameters()
    doc = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    for subset, name in (("CD4", "cd4_reference_per_uL"), ("CD8", "cd8_reference_per_uL"),
                         ("CD19", "b_reference_per_uL"), ("NK", "nk_reference_per_uL")):
        men, women = medians[subset]
        p = params[name]
        assert p.value == pytest.approx((men + women) / 2, abs=1e-12), name
        assert min(men, women) <= p.value <= max(men, women), name
        assert isinstance(p.provenance, Cited) and "median" in p.provenance.where, name
        assert f"({men} + {women})/2 = {p.value:g}" in doc, name


def test_parameters_md_lists_each_between_patient_cv_a_cohort_draws():
    """docs/cohorts.md and the cohort report ("iiv_cv in docs/parameters.md") send a reader there for the CVs a
    cohort draws, and it listed none: each parameter with an iiv_cv is there with its CV and the CV's source."""
    from hemasim.biology import healthy_human_model
    from hemasim.cohort.sampling import variable_parameters
    from hemasim.parameters.table import parameter_table_markdown

    params = healthy_human_model().parameters
    section = parameter_table_markdown().split("## Between-patient variability")[1].split("\n## ")[0]
    rows = {line.split("|")[1].strip(" `"): line.split("|")[2].strip() for line in section.splitlines()
            if line.startswith("| `")}
    assert variable_parameters(params)  # the cohorts draw some
    assert rows == {n: f"{params[n].iiv_cv:g}" for n in variable_parameters(params)}


def test_the_parameter_table_counts_every_record_once_by_its_provenance():
    # a unit convention is counted apart: neither cited nor assumed (hemasim.parameters.units)
    import re

    from hemasim.biology import healthy_human_model
    from hemasim.parameters.table import provenance_counts_markdown

    params = healthy_human_model().parameters
    line = provenance_counts_markdown(params)[0]
    counts = {kind: int(n) for n, kind in re.findall(r"(\d+) ([a-z ]+?)[,.]", line.split(": ", 1)[1])}
    assert sum(counts.values()) == len(params) and len(counts) == 6
    assert counts["unit conventions"] == sum(isinstance(p.provenance, UnitConvention) for p in params.values()) > 0
    assert counts["assumed"] == sum(isinstance(p.provenance, Assumed) for p in params.values())
