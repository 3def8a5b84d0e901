"""Help screens look the same whatever the Typer release within the tested bounds: conventional usage lines and
type names, no ``{scenario}`` or ``<bool>`` (Typer 0.2x's own style)."""

from __future__ import annotations

import re

import pytest

from tests.conftest import invoke_hemasim

COMMANDS = [[], ["run"], ["validate"], ["references"], ["cohort"], ["export-sbml"], ["drugs"], ["examples"],
            ["clonal-hematopoiesis"], ["fit"], ["fit-population"], ["explore"], ["sweep"], ["sensitivity"]]


@pytest.mark.cli
@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "hemasim")
def test_help_screens_use_the_conventional_style(cmd: list[str]):
    res = invoke_hemasim(*cmd, "--help")
    assert res.exit_code == 0
    assert not re.search(r"\{[a-z_]+\}|<(bool|path|int|str|float|text)[^>]*>", res.stdout), res.stdout
    usage = next(line for line in res.stdout.splitlines() if "Usage:" in line)
    assert "[OPTIONS]" in usage


@pytest.mark.cli
def test_an_argument_shows_in_capitals_and_a_flag_without_a_type():
    run = invoke_hemasim("run", "--help").stdout
    assert re.search(r"Usage: .* run \[OPTIONS\] SCENARIO", run)
    assert re.search(r"--out\s+-o\s+PATH", run)
    cohort = invoke_hemasim("cohort", "--help").stdout
    assert re.search(r"--n\s+INTEGER RANGE", cohort)
    assert re.search(r"--force\s+Delete", cohort)
