"""Small faults left by mend35 and docs35 (branch mend35e): a combination regimen's and a conditioning regimen's file
whose name breaks the name rule is refused naming the rule, by the drug sets' own check."""

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


def _rule_said(message: str, path: Path, what: str) -> None:
    from hemasim.pharmacology.drug_sets import NAME_PATTERN

    assert f"{path}: the file name 'My-Regimen' breaks the rule of {what}" in message, message
    assert "lower case: a letter, then letters, digits or _" in message, message
    assert f"({NAME_PATTERN.strip('^$')})" in message and "my_regimen.yaml" in message, message


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
    _rule_said(str(refused.value), user, "a combination regimen's name")
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
    _rule_said(str(refused.value), user, "a conditioning regimen's name")
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
