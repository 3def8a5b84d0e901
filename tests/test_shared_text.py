"""tests/conftest.py's shared_text: what the first process of an xdist run made is what a later one gets, character
for character, and nothing is shared outside such a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import conftest


def test_a_later_process_reads_the_text_the_first_made(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest._TRAIL, "run_folder", tmp_path)
    text = "<p>µ \r\n line\r end\n</p>"  # newlines of every kind and a non-ASCII character survive the file
    made: list[int] = []
    assert conftest.shared_text("page.html", lambda: made.append(1) or text) == text
    assert conftest.shared_text("page.html", lambda: made.append(2) or "other") == text  # read, not made again
    assert made == [1]
    assert [p.name for p in (tmp_path / "shared").iterdir()] == ["page.html"]  # no staged file left


def test_outside_an_xdist_run_the_text_is_made_each_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conftest._TRAIL, "run_folder", None)
    made: list[str] = []
    assert conftest.shared_text("page.html", lambda: made.append("a") or "a") == "a"
    assert conftest.shared_text("page.html", lambda: made.append("b") or "b") == "b"
    assert made == ["a", "b"]
