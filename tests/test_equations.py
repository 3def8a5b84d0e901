"""docs/equations.md: generated from the code, current, and complete (every flow, every state's every term, every
parameter the model uses, each linked to a row of docs/parameters.md)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hemasim.model.equations import healthy_equations_markdown, sbml_to_tex

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "equations.md"


@pytest.fixture(scope="module")
def page() -> str:
    return DOC.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def model():
    from hemasim.biology import healthy_human_model

    return healthy_human_model().compile()


def test_equations_doc_is_generated_from_the_code(page: str):
    assert page == healthy_equations_markdown(), (
        "docs/equations.md is stale: run `python -m hemasim.model.equations > docs/equations.md`")


def _unescape(tex_name: str) -> str:
    return tex_name.replace(r"\_", "_")


def test_every_flow_has_one_row_and_every_state_the_terms_of_its_flows(page: str, model):
    """Read from the page, not from the generator: a flow dropped from a table or from a state's ODE fails here."""
    page = page[:page.index("## Where interventions enter")]  # the healthy model's part (an example drug follows)
    flow_rows = re.findall(r"^\| `(\w+)` \| \w+ \| `[\w()]+` → `[\w()]+` \|", page, flags=re.M)
    assert sorted(flow_rows) == sorted(model.flow_names)
    odes = {}
    for name, rhs in re.findall(r"^\| `(\w+)` \| [^|]* \| [\d.e+-]+ \| \$(.*)\$ \|$", page, flags=re.M):
        terms = re.findall(r"([+-]?)\s*(?:[\d.]+(?: \\times 10\^\{-?\d+\})?\\,)?\\phi_\{\\mathtt\{([^}]*)\}\}", rhs)
        odes[name] = {(_unescape(flow), -1 if sign == "-" else 1) for sign, flow in terms}
    assert sorted(odes) == sorted(model.state_names)
    for i, state in enumerate(model.state_names):
        expected = set()
        for f, flow in enumerate(model.flow_names):
            coef = (model.yield_[f] if model.dst[f] == i else 0.0) - (model.consume[f] if model.src[f] == i else 0.0)
            if coef:
                expected.add((flow, -1 if coef < 0 else 1))
        assert odes[state] == expected, state


def test_every_parameter_the_model_uses_is_linked_to_its_row(page: str, model):
    linked = set(re.findall(r"\]\(parameters\.md#(\w+)\)", page))
    assert set(model.used_parameters) <= linked
    anchors = set(re.findall(r'<a id="(\w+)"></a>', (ROOT / "docs" / "parameters.md").read_text(encoding="utf-8")))
    assert linked <= anchors  # every link lands on a row
    for name in model.feedback_names:  # and every feedback has its row, with the flows it multiplies
        assert re.search(rf"^\| `{name}` \| `[A-Z_]+` \|", page, flags=re.M), name
    for name, unit in zip(model.observable_names, model.observable_units, strict=True):  # and every read-out
        assert f"| `{name}` | {unit} | $" in page, name


def test_the_example_drug_shows_its_own_module_and_kills_every_dividing_stage(page: str):
    """Where interventions enter: the example drug set's module is written out, and its full-model kill reaches each
    stem stage and each dividing compartment the lineage table names."""
    from hemasim.model.equations import EXAMPLE_DRUG_SET
    from hemasim.pharmacology import load_drug_set

    drug = load_drug_set(EXAMPLE_DRUG_SET).drug
    example = page[page.index(f"### Example: the drug set `{EXAMPLE_DRUG_SET}`"):]
    assert f"#### Module `pkpd_{drug}`" in example
    for stage in ("hsc", "st_hspc", "mpp", "neutrophil_precursor_8"):
        assert f"| `{drug}_kill_{stage}` | drug_kill | `{stage}` → `(out)` |" in example
    for lineage in ("neutrophil", "monocyte", "erythroid", "megakaryocyte"):
        assert f"| `{drug}_kill_{lineage}_progenitors` | drug_kill | `{lineage}_progenitor` → `(out)` |" in example


def test_the_opt_in_iron_model_is_written_down(page: str):
    """Review33b: the iron model's equations were on no generated page. Its example section has the module's every
    flow, the supply limit joined to the erythroid progenitors' proliferation and the oral course's window."""
    example = page[page.index("### Example: the opt-in iron model"):]
    assert "#### Module `iron`" in example and "#### Module `oral_iron`" in example
    assert "it joins `iron_supply_limit` to `erythroid_progenitor_proliferation`" in example
    for flow, route in (("iron_absorption", "`(source)` → `plasma_iron_mg`"),
                        ("iron_obligatory_loss", "`plasma_iron_mg` → `(out)`"),
                        ("iron_store_release", "`storage_iron_mg` → `plasma_iron_mg`"),
                        ("iron_store_uptake", "`plasma_iron_mg` → `storage_iron_mg`"),
                        ("iron_red_cell_recycling", "`erythroid_blood_4` → `plasma_iron_mg`"),
                        ("iron_marrow_uptake", "`plasma_iron_mg` → `(out)`"),
                        ("oral_iron_absorption", "`(source)` → `plasma_iron_mg`")):
        assert f"| `{flow}` | " in example and route in example.split(f"| `{flow}` | ", 1)[1].split("\n", 1)[0], flow
    assert "| `oral_iron_taken` | `WINDOW` |" in example


def test_sbml_formulas_as_latex():
    values = {"a": 2.0, "one": 1.0, "zero": 0.0, "minus": -1.0}
    assert sbml_to_tex("piecewise(x, x > y, y)", {}, {}) == r"\max\left(\mathtt{x},\ \mathtt{y}\right)"
    assert sbml_to_tex("zero + one * pow(x / a, one)", {"x": "X"}, values) == r"\frac{X}{2}"
    assert sbml_to_tex("a + minus * a * x / (one + x)", {"x": "X"}, values) == r"2 - \frac{2\,X}{1 + X}"
    assert sbml_to_tex("exp(-a * (time - 3.5e9))", {}, values) == r"\exp\left(-2\,\left(t - 3.5 \times 10^{9}\right)\right)"
    with pytest.raises(ValueError, match="cannot parse"):
        sbml_to_tex("x +", {}, {})
