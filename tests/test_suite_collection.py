"""A later pytest-xdist process imports each test module once the first (gw0) has collected it, so that it reads the
bytecode the first wrote instead of compiling it again; an xdist process leaves without tearing down its heap once
its session is over (tests/conftest.py; docs/performance.md, the suite's twentieth session)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from . import conftest
from .conftest import _TrailTheFirstCollection


def _process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, worker: str | None) -> _TrailTheFirstCollection:
    """The collection state of xdist process ``worker`` (None: no xdist) of a run whose base folder is tmp_path."""
    if worker is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    trail = _TrailTheFirstCollection()
    trail.start(SimpleNamespace(option=SimpleNamespace(basetemp=str(tmp_path / f"popen-{worker}"))))  # type: ignore[arg-type]
    return trail


def _waits(monkeypatch: pytest.MonkeyPatch, trail: _TrailTheFirstCollection, nodeid: str,
           meanwhile: Callable[[], None] = lambda: None) -> int:
    """How many times ``trail`` polled before it collected ``nodeid``; ``meanwhile`` happens at its first poll (gw0
    going on), and every poll past the tenth fails the test (it would wait for ever)."""
    polls: list[float] = []

    def poll(seconds: float) -> None:
        polls.append(seconds)
        assert len(polls) <= 10, f"still waiting for {nodeid}"
        if len(polls) == 1:
            meanwhile()

    with monkeypatch.context() as patched:
        patched.setattr(conftest.time, "sleep", poll)
        trail.wait_for(nodeid)
    return len(polls)


def test_outside_xdist_no_process_waits_or_marks(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    alone = _process(monkeypatch, tmp_path, None)
    assert _waits(monkeypatch, alone, "tests/test_a.py") == 0
    alone.collected("tests/test_a.py")
    alone.finished()
    assert list(tmp_path.iterdir()) == []


def test_a_later_process_imports_a_module_once_the_first_has_collected_it(monkeypatch: pytest.MonkeyPatch,
                                                                          tmp_path: Path) -> None:
    first = _process(monkeypatch, tmp_path, "gw0")
    assert _waits(monkeypatch, first, "tests/test_a.py") == 0  # gw0 waits for nobody
    first.collected("")  # the session's report comes before any module's
    first.collected("tests/test_b.py")
    later = _process(monkeypatch, tmp_path, "gw1")
    later.collected("tests/test_a.py")  # only gw0's collection counts
    assert _waits(monkeypatch, later, "tests/test_b.py") == 0
    assert _waits(monkeypatch, later, "tests/test_a.py", lambda: first.collected("tests/test_a.py")) == 1


def test_once_the_first_has_collected_everything_nothing_waits(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    first = _process(monkeypatch, tmp_path, "gw0")
    later = _process(monkeypatch, tmp_path, "gw2")
    assert _waits(monkeypatch, later, "tests/test_never_collected_by_gw0.py", first.finished) == 1
    assert _waits(monkeypatch, later, "tests/test_c.py") == 0


def test_the_waits_are_bounded_in_all(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A first process that never collects (it failed to start) does not hang the others: past the bound, no module
    waits any more."""
    monkeypatch.setattr(conftest, "FIRST_COLLECTION_WAIT_S", -1.0)  # the bound already passed
    later = _process(monkeypatch, tmp_path, "gw1")
    assert _waits(monkeypatch, later, "tests/test_a.py") == 0
    assert _waits(monkeypatch, later, "tests/test_b.py") == 0
    assert list(tmp_path.iterdir()) == []  # nothing collected them


def _end_of_session(monkeypatch: pytest.MonkeyPatch, worker: str | None, status: int) -> list[object]:
    """What conftest's pytest_cmdline_main wrapper does once a session ended with ``status`` in xdist process
    ``worker`` (None: no xdist): the calls it makes, in order."""
    calls: list[object] = []
    if worker is None:
        monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    else:
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    monkeypatch.setattr(conftest.atexit, "_run_exitfuncs", lambda: calls.append("atexit handlers"))

    def leave(code: int) -> None:
        calls.append(f"exit {code}")
        raise SystemExit  # instead of leaving the test process

    monkeypatch.setattr(conftest.os, "_exit", leave)
    wrapper = conftest.pytest_cmdline_main(SimpleNamespace())  # type: ignore[arg-type]
    next(wrapper)  # up to the session
    try:
        wrapper.send(pytest.ExitCode(status))
    except StopIteration as returned:
        calls.append(returned.value)  # what pytest gets back
    except SystemExit:
        pass
    return calls


def test_an_xdist_process_runs_the_atexit_handlers_then_leaves_with_its_status(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _end_of_session(monkeypatch, "gw1", 1) == ["atexit handlers", "exit 1"]
    assert _end_of_session(monkeypatch, "gw0", 0) == ["atexit handlers", "exit 0"]


def test_without_xdist_the_session_ends_as_always(monkeypatch: pytest.MonkeyPatch) -> None:
    """The controller or a plain run: its status is the run's, returned to pytest."""
    assert _end_of_session(monkeypatch, None, 1) == [pytest.ExitCode.TESTS_FAILED]
