"""The suite's own order (tests/conftest.py): the files of the longest tests open the xdist processes' shares of the
collection, each file's tests together, everything else in collection order."""

from __future__ import annotations

import ast
from types import SimpleNamespace

from .conftest import LONGEST_FIRST, ROOT, longest_first

DOCS = "tests/test_docs_build.py::test_site_builds_strict_with_executed_tutorials"
SCHEDULES = "tests/test_validation_chemotherapy_schedules.py::test_the_new_predictions_pass_or_fail_as_reported"
COHORT_KILLED = "tests/test_cohort.py::test_killed_cohort_command_resumes_without_recomputing"
COHORT_DASK = "tests/test_cohort.py::test_dask_local_cluster_gives_the_same_endpoints"


def _ordered(ids: list[str], workers: int) -> list[str]:
    return [item.nodeid for item in longest_first([SimpleNamespace(nodeid=i) for i in ids], workers)]  # type: ignore[misc]


def test_every_test_listed_as_longest_still_exists() -> None:
    """A renamed or removed test would silently lose its place."""
    for name in LONGEST_FIRST:
        path, function = name.split("::")
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert function in defined, f"{name} is listed in LONGEST_FIRST but {path} defines no {function}"


def test_two_processes_each_start_with_long_tests_and_files_stay_together() -> None:
    short = [f"tests/test_a{i:02d}.py::test_short" for i in range(20)]
    ids = [*short[:5], "tests/test_cohort.py::test_quick", COHORT_DASK, COHORT_KILLED, "tests/test_cohort.py::test_b[1]",
           *short[5:12], DOCS, "tests/test_docs_build.py::test_page", *short[12:], SCHEDULES]
    ordered = _ordered(ids, 2)
    assert sorted(ordered) == sorted(ids)
    first, second = ordered[:len(ids) // 2], ordered[len(ids) // 2:]  # what xdist's worksteal hands each process
    # the longest file opens one share, the next longest the other; the cohort file (11.7 s) joins the lighter
    assert first[:2] == [DOCS, "tests/test_docs_build.py::test_page"]
    assert second[:5] == [SCHEDULES, COHORT_KILLED, COHORT_DASK, "tests/test_cohort.py::test_quick",
                          "tests/test_cohort.py::test_b[1]"]
    assert [i for i in ordered if i in short] == short  # the others keep their collection order


def test_in_one_process_the_listed_files_come_first_longest_first() -> None:
    ids = ["tests/test_a.py::test_1", "tests/test_cohort.py::test_quick", COHORT_KILLED, SCHEDULES, DOCS,
           "tests/test_z.py::test_2"]
    assert _ordered(ids, 1) == [DOCS, SCHEDULES, COHORT_KILLED, "tests/test_cohort.py::test_quick",
                                "tests/test_a.py::test_1", "tests/test_z.py::test_2"]
