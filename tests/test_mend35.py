"""What last session left in the command line and its files (branch mend35): a listing piped into a reader that
closes early (`hemasim references | head -1`) exits 0 without a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT

#: every command that prints a listing (and the help screens, the longest of which fills a terminal)
LISTINGS = [["references"], ["references", "--assumed"], ["drugs"], ["drugs", "docetaxel_friberg2002"],
            ["examples", "--list"], ["--help"], ["drugs", "--help"], ["validate", "--help"]]


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_a_listing_into_a_reader_that_closed_early_exits_0_without_a_traceback(args: list[str]) -> None:
    # the reader's end closed before the first line: every write meets a closed pipe, as the writes after
    # `| head -1` has read its line do (a reader that closes after a line is a race with the pipe's 64 KiB buffer)
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    try:
        res = subprocess.run([sys.executable, "-m", "hemasim", *args], stdout=write_end, stderr=subprocess.PIPE,
                             env=env, timeout=300)
    finally:
        os.close(write_end)
    err = res.stderr.decode("utf-8", "replace")
    assert res.returncode == 0, err[-2000:]
    for mark in ("Traceback", "Exception ignored", "BrokenPipeError", "Broken pipe"):
        assert mark not in err, err[-2000:]
