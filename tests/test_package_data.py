"""The package works outside the repository: nothing it reads at run time lies in the repository's bench/, docs/,
data/ or examples/, which an installed package (a wheel) does not have. The parameter table read the regimen screen
from bench/results through a path three folders above the package, so an installed package printed "not screened"
in every regimen row. The wheel itself is not built here (too slow for the suite); these checks catch a read outside
the package in the source tree: where a path is built (every ``__file__``-relative path of the package stays inside
it, except in hemasim._checkout, the one module naming the checkout's own data) and where a file is opened (an
audit hook records every file opened or folder listed while the tables, a run with its report and a sweep run)."""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT, invoke_hemasim

PACKAGE = ROOT / "src" / "hemasim"
#: the module allowed to name paths outside the package (data only a source checkout has; see its docstring)
CHECKOUT_MODULE = PACKAGE / "_checkout.py"
_FILE_PATH = re.compile(r"Path\(__file__\)(?:\.resolve\(\))?(?P<up>\.parents\[(?P<n>\d+)\]|(?:\.parent)+)")

_recording: list[str] | None = None
_hooked = False


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _recording is not None and event in ("open", "os.listdir", "os.scandir") and args:
        path = args[0]
        if isinstance(path, str | bytes | Path):
            _recording.append(str(path if not isinstance(path, bytes) else path.decode(errors="replace")))


@pytest.fixture
def opened() -> Iterator[list[str]]:
    """Every path opened (``open``, ``os.open``) or listed while the test runs (an audit hook: it cannot be removed,
    so one hook records into a list only while a test holds it)."""
    global _recording, _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    _recording = []
    try:
        yield _recording
    finally:
        _recording = None


#: the repository's folders that a wheel does not carry and the package might be tempted to read (examples/ is a link
#: to the package's own examples, package data: a read through it resolves inside the package)
UNSHIPPED = ("bench", "data", "docs")


def _outside_package(paths: list[str]) -> list[str]:
    """The paths under a folder of the repository that a wheel does not carry."""
    unshipped = [ROOT / name for name in UNSHIPPED]
    out = []
    for raw in paths:
        try:
            p = Path(raw).resolve()
        except (OSError, ValueError):
            continue
        if any(p.is_relative_to(folder) for folder in unshipped):
            out.append(raw)
    return sorted(set(out))


def test_every_path_the_package_builds_from_its_own_file_stays_inside_it():
    escaping = []
    for module in sorted(PACKAGE.rglob("*.py")):
        if module == CHECKOUT_MODULE:
            continue
        depth = len(module.relative_to(PACKAGE).parts)  # hemasim/a/b.py: 2; parents[1] is hemasim/, [2] is src/
        for m in _FILE_PATH.finditer(module.read_text(encoding="utf-8")):
            up = int(m["n"]) + 1 if m["n"] is not None else m["up"].count(".parent")
            if up >= depth + 1:
                escaping.append(f"{module.relative_to(ROOT)}: {m[0]}")
    assert not escaping, ("a path outside the package, which an installed package does not have: ship the file as "
                          "package data (pyproject.toml, importlib.resources), or name checkout-only data through "
                          f"hemasim._checkout: {escaping}")


def test_the_checkout_module_names_the_repository_root():
    from hemasim._checkout import CHECKOUT_ROOT, checkout_data

    assert CHECKOUT_ROOT == ROOT and checkout_data("allmt") == ROOT / "data" / "allmt"


def test_checkout_only_data_says_it_is_not_in_an_installed_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import hemasim._checkout as checkout
    from hemasim.clonal.vaf_fit import load_watson_vafs

    monkeypatch.setattr(checkout, "CHECKOUT_ROOT", tmp_path)  # as in a wheel: no data/ beside the package
    with pytest.raises(FileNotFoundError) as err:
        load_watson_vafs(checkout.checkout_data("watson2020_ch_vaf", "all.csv"))
    assert str(err.value).endswith("no Watson 2020 VAF compilation; the installed package does not ship it (the "
                                   "repository's data/watson2020_ch_vaf/all.csv, whose folder's README.md says where "
                                   "it comes from): use a source checkout of the repository, or pass its path")
    from hemasim.explore.service import default_examples_folder

    assert default_examples_folder() == PACKAGE / "examples"  # package data, found without the checkout


@pytest.mark.slow
@pytest.mark.cli
def test_tables_a_run_and_a_sweep_read_nothing_outside_the_package(tmp_path: Path, opened: list[str]):
    from hemasim.parameters.table import parameter_table_markdown
    from hemasim.pharmacology.table import drug_sets_markdown

    scenario = tmp_path / "docetaxel_q3w.yaml"  # the user's own copy: reading it is meant
    shutil.copy(EXAMPLES / "docetaxel_q3w.yaml", scenario)
    sweep = tmp_path / "sweep.yaml"
    sweep.write_text("sweep:\n  n_points: 2\n  factors:\n    - {field: interventions.0.dose_mg_per_m2, "
                     "range: [60, 100]}\n", encoding="utf-8")
    opened.clear()  # the copy above read examples/
    parameters = parameter_table_markdown()
    drug_sets_markdown()
    for args in (("run", str(scenario), "--out", str(tmp_path / "run")), ("drugs", "docetaxel_kloft2006"),
                 ("sweep", str(scenario), str(sweep), "--out", str(tmp_path / "sweep"))):
        res = invoke_hemasim(*args)
        assert res.exit_code == 0, res.stderr
    assert len(opened) > 10  # the hook saw the package's own data and the outputs
    assert any(Path(p).name == "regimen_screen.json" for p in opened)
    assert not _outside_package(opened)
    # the regimen rows say what the screen shipped with the package found
    assert "not screened" not in parameters


@pytest.mark.cli
def test_the_explorer_lists_the_shipped_examples_without_a_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """In an installed package the explorer's list was empty (the examples were the repository's folder); then it
    warned. Now the examples are package data and it lists them wherever the package is."""
    import hemasim._checkout as checkout
    import hemasim.explore as explore

    served = []
    monkeypatch.setattr(checkout, "CHECKOUT_ROOT", tmp_path)  # as in a wheel: nothing beside the package
    monkeypatch.setattr(explore, "serve", lambda explorer, *args: served.append(explorer))
    res = invoke_hemasim("explore")
    assert res.exit_code == 0 and "warning" not in res.stderr
    assert served[0].examples_folder == PACKAGE / "examples"
    ids = {e["id"] for e in served[0].examples()["examples"]}
    assert {"healthy_adult", "docetaxel_q3w"} <= ids and not any(i.startswith("cohort_") for i in ids)


def _package_data_patterns() -> list[str]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return list(config["tool"]["setuptools"]["package-data"]["hemasim"])


def test_the_package_data_declares_every_example_file():
    """A new example (a scenario, a sweep, a file of the fitting problem) is in the wheel: the package-data patterns
    of pyproject.toml, globbed from the package as setuptools globs them, match every file of the examples folder,
    and the repository's examples/ is that folder (a link), so the docs, the tests and the wheel read one copy."""
    import glob

    folder = PACKAGE / "examples"
    files = {p.relative_to(PACKAGE).as_posix() for p in folder.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts}
    declared = {Path(m).as_posix() for pattern in _package_data_patterns()
                for m in glob.glob(pattern, root_dir=PACKAGE) if (PACKAGE / m).is_file()}
    assert {"examples/docetaxel_q3w.yaml", "examples/fit/problem.yaml", "examples/fit/measurements.csv",
            "examples/sweeps/healthy_lhs.yaml"} <= files
    assert files - declared == set(), "add a package-data pattern in pyproject.toml for these example files"
    assert (ROOT / "examples").resolve() == folder.resolve()
    repository = {p.relative_to(ROOT).as_posix().removeprefix("examples/") for p in (ROOT / "examples").glob("*.yaml")}
    assert repository == {f.removeprefix("examples/") for f in files if f.count("/") == 1 and f.endswith(".yaml")}


def test_the_examples_out_help_names_every_subfolder_an_example_keeps():
    """--out's help listed sweeps/ and fit/; the gene-therapy example is copied into gene_therapy/ too."""
    import inspect
    import re

    from hemasim._examples import shipped_examples
    from hemasim.cli.examples import examples

    kept = {f.split("/")[0] for e in shipped_examples() for f in e.files if "/" in f}
    help_text = inspect.signature(examples).parameters["out"].default.help
    assert set(re.findall(r"(\w+)/", help_text)) == kept
