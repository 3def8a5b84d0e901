"""The suite's own order (tests/conftest.py): the longest tests first, each file's tests still together."""

from __future__ import annotations

import ast
from types import SimpleNamespace

from .conftest import LONGEST_FIRST, ROOT, longest_first


def test_every_test_listed_as_longest_still_exists() -> None:
    """A renamed or removed test would silently lose its place at the front."""
    for name in LONGEST_FIRST:
        path, function = name.split("::")
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert function in defined, f"{name} is listed in LONGEST_FIRST but {path} defines no {function}"


def test_the_listed_files_come_first_with_their_listed_tests_first_and_nothing_else_moves() -> None:
    ids = ["tests/test_a.py::test_1", "tests/test_cli.py::test_short",
           "tests/test_cli.py::test_validate_passes_and_lists_uncovered", "tests/test_cli.py::test_other[x]",
           "tests/test_docs_build.py::test_card_page",
           "tests/test_docs_build.py::test_site_builds_strict_with_executed_tutorials", "tests/test_z.py::test_2",
           "tests/test_z.py::test_1"]
    items = [SimpleNamespace(nodeid=i) for i in ids]
    ordered = [item.nodeid for item in longest_first(items)]  # type: ignore[arg-type]
    assert ordered == ["tests/test_docs_build.py::test_site_builds_strict_with_executed_tutorials",
                       "tests/test_docs_build.py::test_card_page",
                       "tests/test_cli.py::test_validate_passes_and_lists_uncovered", "tests/test_cli.py::test_short",
                       "tests/test_cli.py::test_other[x]", "tests/test_a.py::test_1", "tests/test_z.py::test_2",
                       "tests/test_z.py::test_1"]
