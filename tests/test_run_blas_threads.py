"""`hemasim run` asks OpenBLAS for one thread in a fresh process (docs/performance.md, goal 1), never overriding the
user's choice and never where numpy is already loaded (OpenBLAS read its setting then)."""

import sys

import pytest

from hemasim.cli import run as run_command


def test_a_fresh_process_gets_one_blas_thread_and_a_user_setting_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "numpy", raising=False)  # as in a fresh `hemasim run`, before the simulation's imports
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    run_command._fewer_blas_threads()
    assert run_command.os.environ["OPENBLAS_NUM_THREADS"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "8")
    run_command._fewer_blas_threads()
    assert run_command.os.environ["OPENBLAS_NUM_THREADS"] == "8"


def test_in_a_process_that_loaded_numpy_nothing_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy  # noqa: F401 - loaded, as in a test or a notebook that runs the command in-process

    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    run_command._fewer_blas_threads()
    assert "OPENBLAS_NUM_THREADS" not in run_command.os.environ
