"""A later pytest-xdist process collects once the first (gw0) has, so that it reads the bytecode the first wrote
instead of compiling it again (tests/conftest.py; docs/performance.md, the suite's twentieth session)."""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from . import conftest


def _config(basetemp: Path | None) -> pytest.Config:
    return SimpleNamespace(option=SimpleNamespace(basetemp=None if basetemp is None else str(basetemp)))  # type: ignore[return-value]


def test_outside_xdist_no_process_waits(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert conftest._first_collection_done(_config(tmp_path / "popen-gw0")) is None
    monkeypatch.setattr(conftest, "FIRST_COLLECTION_WAIT_S", 1e6)  # a wait would hang the test
    conftest._wait_for_the_first_collection(_config(tmp_path / "popen-gw1"))


def test_the_first_process_collects_at_once_and_leaves_the_mark_in_the_runs_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    monkeypatch.setattr(conftest, "FIRST_COLLECTION_WAIT_S", 1e6)
    config = _config(tmp_path / "popen-gw0")
    conftest._wait_for_the_first_collection(config)
    done = tmp_path / "first-collection-done"
    assert conftest._first_collection_done(config) == done and not done.exists()
    conftest.pytest_collection_finish(SimpleNamespace(config=config))  # type: ignore[arg-type]
    assert done.exists()


def test_a_later_process_collects_once_the_first_has(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(conftest, "FIRST_COLLECTION_WAIT_S", 1e6)
    first = _config(tmp_path / "popen-gw0")
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    conftest.pytest_collection_finish(SimpleNamespace(config=first))  # type: ignore[arg-type]
    assert not (tmp_path / "first-collection-done").exists()  # only gw0 marks its collection
    seen: list[bool] = []

    def collect() -> None:  # what gw1's pytest_configure does, then whether gw0's mark was there
        conftest._wait_for_the_first_collection(_config(tmp_path / "popen-gw1"))
        seen.append((tmp_path / "first-collection-done").exists())

    later = threading.Thread(target=collect)
    later.start()
    later.join(0.3)
    assert later.is_alive() and not seen  # still waiting for gw0
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")  # the process's own variable; the thread reads it no more
    conftest.pytest_collection_finish(SimpleNamespace(config=first))  # type: ignore[arg-type]
    later.join(60)
    assert seen == [True]


def test_the_wait_is_bounded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A first process that never collects (it failed to start) does not hang the others."""
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    monkeypatch.setattr(conftest, "FIRST_COLLECTION_WAIT_S", 0.1)
    conftest._wait_for_the_first_collection(_config(tmp_path / "popen-gw1"))
    assert not (tmp_path / "first-collection-done").exists()
