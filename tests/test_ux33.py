"""A new user's first hour, thirty-third walk (branch ux33): what stopped or misled them, held."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import invoke_hemasim


@pytest.mark.cli
def test_a_misspelt_scenario_file_names_the_files_it_was_probably_meant_to_be(tmp_path: Path):
    """`hemasim run examples/marrow.yaml` said "No such file or directory" alone; the folder's YAML files that the
    name resembles are named (a folder without any, or none close, adds nothing)."""
    (tmp_path / "marrow_depletion.yaml").write_text("name: x\n")
    (tmp_path / "notes.txt").write_text("")
    res = invoke_hemasim("check", str(tmp_path / "marrow.yaml"))
    assert res.exit_code == 2
    assert res.stderr.strip().endswith(f"(No such file or directory); did you mean {tmp_path / 'marrow_depletion.yaml'}?")
    res = invoke_hemasim("check", str(tmp_path / "zzz.yaml"))
    assert res.exit_code == 2 and "did you mean" not in res.stderr
    res = invoke_hemasim("check", str(tmp_path / "no_folder" / "marrow.yaml"))
    assert res.exit_code == 2 and "did you mean" not in res.stderr
