"""Small faults left by mend35 and docs35 (branch mend35e): a combination regimen's and a conditioning regimen's file
whose name breaks the name rule is refused naming the rule, by the drug sets' own check; a pegfilgrastim dose per kg
in the wrong unit gets the dose meant at any weight, and from 45 kg the label's flat 6 mg; solver.rtol's range is
the same in the docs and the error (1e-2 excluded); every output option refuses a path through a file naming itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import ROOT

CONDITIONING = """\
name: {name}
title: "TBI 3 Gy (non-myeloablative)"
intensity: non_myeloablative
description: "one 3-Gy fraction on day 0"
graft_day: 1
components:
  - {{kind: tbi, day: 0, total_dose_Gy: 3, fractions: 1, fractions_per_day: 1, hours_between: 0}}
"""


def rule_said(message: str, path: Path, what: str) -> None:
    """``message`` refuses the file ``path`` (``My-Regimen.yaml``, ``My-Drug.yaml``) for its name, saying the name rule
    of ``what`` ("a drug set's name") and the file name that meets it (``my_regimen.yaml``); tests/test_mend35.py's
    drug-set test shares it."""
    from hemasim.pharmacology.drug_sets import NAME_PATTERN

    meant = path.stem.lower().replace("-", "_")
    assert f"{path}: the file name '{path.stem}' breaks the rule of {what}" in message, message
    assert "lower case: a letter, then letters, digits or _" in message, message
    assert f"({NAME_PATTERN.strip('^$')})" in message and f"{meant}.yaml" in message, message


@pytest.mark.parametrize("name_inside", ["My-Regimen", "my_regimen"])
def test_a_regimen_file_named_against_the_rule_is_refused_naming_the_rule(name_inside: str, tmp_path: Path) -> None:
    # a combination regimen's name must equal its file's name, as a drug set's must (mend35 named the rule for drug
    # sets only): My-Regimen.yaml was refused for its `name:` (a regular expression) or for "name 'my_regimen' must
    # equal the file name 'My-Regimen'", a name no `name:` can take
    from hemasim.pharmacology.chemo_regimens import RegimenError, load_chemo_regimen

    shipped = ROOT / "src" / "hemasim" / "pharmacology" / "chemo_regimens" / "ac_docetaxel.yaml"
    text = shipped.read_text(encoding="utf-8").replace("name: ac_docetaxel", f"name: {name_inside}")
    assert f"name: {name_inside}" in text
    user = tmp_path / "My-Regimen.yaml"
    user.write_text(text, encoding="utf-8")
    with pytest.raises(RegimenError) as refused:
        load_chemo_regimen(user)
    rule_said(str(refused.value), user, "a combination regimen's name")
    renamed = tmp_path / "my_regimen.yaml"  # what the message says to do, done: the regimen loads
    renamed.write_text(text.replace(f"name: {name_inside}", "name: my_regimen"), encoding="utf-8")
    assert load_chemo_regimen(renamed).name == "my_regimen"


@pytest.mark.parametrize("name_inside", ["My-Regimen", "my_regimen"])
def test_a_conditioning_file_that_names_itself_against_the_rule_is_refused_naming_the_rule(name_inside: str,
                                                                                           tmp_path: Path) -> None:
    # a conditioning regimen's optional `name:` is its file's name, as a drug set's is: My-Regimen.yaml was refused
    # for its name (a regular expression) or, named my_regimen, accepted under a name its file does not have
    from hemasim.pharmacology.conditioning import RegimenError, load_regimen

    user = tmp_path / "My-Regimen.yaml"
    user.write_text(CONDITIONING.format(name=name_inside), encoding="utf-8")
    with pytest.raises(RegimenError) as refused:
        load_regimen(str(user))
    rule_said(str(refused.value), user, "a conditioning regimen's name")
    renamed = tmp_path / "my_regimen.yaml"
    renamed.write_text(CONDITIONING.format(name="my_regimen"), encoding="utf-8")
    assert load_regimen(str(renamed)).name == "my_regimen"


def test_a_conditioning_file_without_a_name_keeps_any_file_name(tmp_path: Path) -> None:
    # the name is optional (review33c): a file that gives none names nothing, so its file's name is free
    from hemasim.pharmacology.conditioning import load_regimen

    user = tmp_path / "TBI-3Gy.yaml"
    user.write_text(CONDITIONING.format(name="x").replace("name: x\n", ""), encoding="utf-8")
    assert load_regimen(str(user)).name is None


def test_a_conditioning_file_named_other_than_its_file_is_refused(tmp_path: Path) -> None:
    from hemasim.pharmacology.conditioning import RegimenError, load_regimen

    user = tmp_path / "tbi_3gy.yaml"
    user.write_text(CONDITIONING.format(name="my_regimen"), encoding="utf-8")
    with pytest.raises(RegimenError, match="name 'my_regimen' must equal the file name 'tbi_3gy'"):
        load_regimen(str(user))


def _peg_warning(weight_kg: float, age_years: float = 55, **dose: float) -> str:
    """The plausibility line of the example's pegfilgrastim given as ``dose`` (one per-kg field) to a patient of
    ``weight_kg``."""
    import yaml

    from hemasim.scenario import parse_scenario
    from hemasim.scenario.plausibility import plausibility_warnings

    data = yaml.safe_load((ROOT / "examples" / "docetaxel_q3w_pegfilgrastim.yaml").read_text(encoding="utf-8"))
    (peg,) = [i for i, iv in enumerate(data["interventions"]) if iv.get("dose_mg") == 6]
    data["interventions"][peg].pop("dose_mg")
    data["interventions"][peg].update(dose)
    data["patient"].update(weight_kg=weight_kg, age_years=age_years)
    if age_years < 18:
        data["patient"]["height_cm"] = 133  # a child of 9 years at the CDC 2000 median (docetaxel is dosed per m2)
    (field,) = dose
    return dict(plausibility_warnings(parse_scenario(data)))[f"interventions.{peg}.{field}"]


@pytest.mark.parametrize("weight_kg", [50, 70, 100])
def test_a_pegfilgrastim_dose_per_kg_in_the_wrong_unit_gets_the_slip_and_the_flat_dose_at_any_adult_weight(
        weight_kg: float) -> None:
    # 0.1 meant as mg/kg (the label's per-kg dose, children under 10 kg) written as ug/kg is 0.007 mg at 70 kg: the
    # hint "did you mean 100 ug/kg (0.1 mg/kg)?" came only where 0.1 mg/kg lands in 0.6-6 mg (up to 60 kg), the line
    # gave the range only above (docs35); from 45 kg the label's dose is 6 mg, whatever the weight
    total_mg = 0.1 * weight_kg
    for dose in ({"dose_ug_per_kg": 0.1}, {"dose_mg_per_kg": 100}):  # mg/kg written as ug/kg, and the reverse
        message = _peg_warning(weight_kg, **dose)
        assert "did you mean 100 ug/kg (0.1 mg/kg)?" in message, message
        assert f"that is {total_mg:g} mg at {weight_kg} kg" in message, message
        assert "from 45 kg the label gives 6 mg whatever the weight: write dose_mg: 6" in message, message


def test_a_pegfilgrastim_dose_in_mg_per_kg_above_6_mg_gets_the_flat_dose() -> None:
    # written in the right unit, 0.1 mg/kg at 70 kg is 7 mg: above the range, with the dose the label gives
    message = _peg_warning(70, dose_mg_per_kg=0.1)
    assert message.startswith("7 mg of pegfilgrastim per dose is above the clinical range 0.6-6 mg"), message
    assert "did you mean" not in message and "write dose_mg: 6" in message, message


def test_a_child_s_pegfilgrastim_dose_per_kg_in_the_wrong_unit_gets_the_band_s_dose() -> None:
    # under 45 kg the label doses by weight (0.1 mg/kg under 10 kg; 1.5-4 mg from 10 to 44 kg): the per-kg dose meant,
    # and at 21-30 kg the label's 2.5 mg (mend35g: "write dose_ug_per_kg: 100" was 3 mg; tests/test_mend35g.py)
    message = _peg_warning(30, age_years=9, dose_ug_per_kg=0.1)
    assert "did you mean 100 ug/kg (0.1 mg/kg)? that is 3 mg at 30 kg; at 21-30 kg the label gives 2.5 mg: write " \
        "dose_mg: 2.5" in message, message
    assert "dose_mg: 6" not in message, message


@pytest.mark.parametrize("kind", ["dormand_prince", "scipy", "gpu_dormand_prince", "additive_runge_kutta"])
def test_rtol_s_range_is_the_one_the_docs_give_and_the_error_names(kind: str) -> None:
    # docs/scenarios.md gave rtol "1e-12 to 1e-2", which reads as 1e-2 allowed; the schema refuses it (lt): the docs
    # now say the bound is exclusive, and the error names the range as the schema holds it
    import yaml

    from hemasim.scenario import ScenarioError, parse_scenario

    data = yaml.safe_load((ROOT / "examples" / "blood_donation.yaml").read_text(encoding="utf-8"))

    def solved(rtol: float) -> None:
        parse_scenario({**data, "solver": {"kind": kind, "rtol": rtol}})

    solved(1e-12)
    solved(0.0099)
    for refused in (1e-2, 1e-13):
        with pytest.raises(ScenarioError, match=r"solver\.rtol: .*\(allowed: >= 1e-12 and < 0\.01\)"):
            solved(refused)
    for doc in ("scenarios.md", "reliability.md"):
        text = (ROOT / "docs" / doc).read_text(encoding="utf-8")
        assert "1e-12 to 1e-2" not in text, doc
        assert "1e-12 <= rtol < 1e-2" in text, doc


#: every option of a command that names where output goes (a file or a folder), with what the command needs besides
OUTPUT_OPTIONS = {
    "run": (["run", "examples/blood_donation.yaml"], "--out"),
    "cohort": (["cohort", "examples/blood_donation.yaml", "--n", "2"], "--out"),
    "export-sbml": (["export-sbml", "examples/blood_donation.yaml"], "--out"),
    "validate": (["validate"], "--json"),
    "sweep": (["sweep", "examples/healthy_adult.yaml", "examples/sweeps/healthy_lhs.yaml"], "--out"),
    "sensitivity": (["sensitivity", "examples/healthy_adult.yaml", "--parameters", "anc_setpoint_1e9_per_L"], "--out"),
    "fit": (["fit", "examples/fit/problem.yaml"], "--out"),
    "fit-population": (["fit-population", "examples/fit/problem.yaml"], "--out"),
    "gene-therapy": (["gene-therapy", "examples/gene_therapy/lentiviral_x_scid.yaml"], "--out"),
    "clonal-hematopoiesis": (["clonal-hematopoiesis", "--n", "1000000"], "--out"),  # would take hours
    "examples": (["examples", "blood_donation"], "--out"),
}


@pytest.mark.cli
@pytest.mark.parametrize("command", sorted(OUTPUT_OPTIONS))
def test_every_output_option_refuses_a_path_through_a_file_naming_itself(command: str, tmp_path: Path) -> None:
    # item 4 of mend35e: each output option was checked for a missing folder (made: tests/test_mend35.py,
    # test_cli.py), atomic writes (hemasim.io) and a path through a file; all agreed: this holds the last for all
    from .conftest import invoke_hemasim

    words, option = OUTPUT_OPTIONS[command]
    (tmp_path / "a_file").write_text("mine", encoding="utf-8")
    out = tmp_path / "a_file" / "sub" / ("card.json" if option == "--json" else "out")
    res = invoke_hemasim(*[str(ROOT / w) if w.startswith("examples/") else w for w in words], option, str(out))
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("hemasim: error:")]
    assert res.exit_code == 2 and lines == [f"hemasim: error: {option} {out}: {tmp_path / 'a_file'} is not a folder"], \
        res.stderr
    assert (tmp_path / "a_file").read_text(encoding="utf-8") == "mine" and len(list(tmp_path.iterdir())) == 1
