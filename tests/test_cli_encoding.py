"""Every command's output survives a stdout that cannot carry the units as readers write them (µ, ×10⁹): an ASCII
stdout (PYTHONIOENCODING=ascii) or a Windows code page (cp1252, output redirected to a file). review27: `hemasim
references --assumed` failed with UnicodeEncodeError once it printed "cells/µL"."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from hemasim.cli.app import PLAIN_ERRORS, plain_where_unencodable

from .conftest import ROOT


def test_a_character_the_encoding_lacks_is_written_as_the_data_files_write_it() -> None:
    plain_where_unencodable()  # registers the handler (the streams of this process are pytest's)
    text = "ANC ×10⁹/L, 10⁻³ µg/mL ≥ 5 mg/m² ☃"
    assert text.encode("ascii", PLAIN_ERRORS) == b"ANC x10^9/L, 10^-3 ug/mL >= 5 mg/m^2 \\u2603"
    # cp1252 has µ, ×, ² and ³ but not ⁹ or ⁻: a power is written whole, not "^-³"
    assert text.encode("cp1252", PLAIN_ERRORS).decode("cp1252") == "ANC ×10^9/L, 10^-3 µg/mL >= 5 mg/m² \\u2603"


@pytest.mark.slow
@pytest.mark.parametrize("encoding", ["ascii", "cp1252"])
@pytest.mark.parametrize("args", [["references", "--assumed"], ["drugs"]])
def test_commands_that_print_units_run_on_an_ascii_or_cp1252_stdout(encoding: str, args: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONIOENCODING": encoding}
    res = subprocess.run([sys.executable, "-m", "hemasim", *args], env=env, capture_output=True, timeout=300)
    assert res.returncode == 0, res.stderr.decode(encoding, "replace")[-2000:]
    out = res.stdout.decode(encoding)  # what the stream carries, nothing it cannot
    if args[0] == "references":  # a parameter's unit in cells/µL, as the stream can write it
        assert ("cells/uL" if encoding == "ascii" else "cells/µL") in out
