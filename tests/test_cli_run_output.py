"""What ``hemasim run`` prints while and after it runs: a spinner on a terminal only for a run that lasts (rich is
not imported by a quick one), and the ``wrote ...`` line, coloured only on a terminal."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from hemasim.cli import run as run_command
from hemasim.cli._errors import say_written


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_spinner_starts_only_when_the_run_lasts(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("sys.stderr", _Terminal())
    with run_command._LateSpinner("quick [bold]run[/bold]", delay_s=60.0) as quick:
        quick.update("still quick")
    assert quick._status is None  # over before the delay: no spinner was made
    with run_command._LateSpinner("a long [x] run", delay_s=0.0) as long:
        deadline = time.monotonic() + 30.0
        while long._status is None and time.monotonic() < deadline:
            time.sleep(0.01)
        long.update("arm 'b[/x]'")  # markup in names is escaped, not read
        assert long._status is not None
    assert long._done


def test_no_spinner_without_a_terminal(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("sys.stderr", io.StringIO())
    with run_command._LateSpinner("piped", delay_s=0.0) as piped:
        time.sleep(0.05)
    assert piped._timer is None and piped._status is None


@pytest.mark.parametrize(("terminal", "no_color"), [(True, False), (True, True), (False, False)])
def test_the_wrote_line(monkeypatch: pytest.MonkeyPatch, terminal: bool, no_color: bool):
    stream = _Terminal() if terminal else io.StringIO()
    monkeypatch.setattr("sys.stderr", stream)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    say_written([Path("a.csv"), Path("b.json")], Path("out/[bold]x"))
    text = stream.getvalue()
    assert ("\x1b[32m" in text) == (terminal and not no_color)
    plain = text.replace("\x1b[32m", "").replace("\x1b[1m", "").replace("\x1b[0m", "")
    assert plain == "wrote 2 files to out/[bold]x: a.csv, b.json\n"


@pytest.mark.cli
def test_a_run_without_the_report_replaces_an_earlier_run_with_one(tmp_path: Path):
    from .conftest import EXAMPLES
    from .conftest import invoke_hemasim as hemasim

    scenario = tmp_path / "short.yaml"
    scenario.write_text((EXAMPLES / "healthy_adult.yaml").read_text().replace("duration_days: 730",
                                                                               "duration_days: 20"))
    out = tmp_path / "run"
    assert hemasim("run", str(scenario), "--out", str(out)).exit_code == 0
    assert (out / "report.html").is_file()
    res = hemasim("run", str(scenario), "--out", str(out), "--no-report")
    assert res.exit_code == 0, res.stderr  # was refused: "holds files ... (report.html)"
    assert sorted(p.name for p in out.iterdir()) == ["endpoints.json", "run.json", "timeseries.csv"]
    (out / "notes.txt").write_text("mine")
    refused = hemasim("run", str(scenario), "--out", str(out), "--no-report")
    assert refused.exit_code == 2 and "notes.txt" in refused.stderr  # anything else is still never replaced
