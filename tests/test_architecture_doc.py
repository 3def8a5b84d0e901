"""docs/architecture.md stays true to the code: every module, object and file it names in backticks exists, its
list of CLI commands is the app's, and every module of the package is named in it (a new module cannot go
undocumented silently). Static: imports modules, runs nothing."""

from __future__ import annotations

import ast
import functools
import importlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "hemasim"
DOC = ROOT / "docs" / "architecture.md"
#: named in the doc but made by a build, not in a clone
GENERATED = {"site/"}
#: files a run writes, named by the doc
RUN_OUTPUTS = {"timeseries.csv", "endpoints.json", "run.json", "indices.csv"}
#: modules the doc names as a group ("one module per source")
GROUPED = (PACKAGE / "parameters" / "sets",)


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


@functools.cache
def _tree(path: Path) -> ast.Module:
    """``path`` parsed once while this file's tests run: the layer check and the private-name check each walk every
    module of the package (~250 files, ~0.5 s CPU of parsing a walk); read only."""
    return ast.parse(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def _trees_freed() -> Iterator[None]:
    yield
    _tree.cache_clear()  # ~80 MB of syntax trees, not kept for (and walked by the collector through) later tests


def _code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


#: package data, not modules: the example scenarios' folder (its fitting example's data script, generate_data.py)
DATA_FOLDERS = (PACKAGE / "examples",)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py")
                  if "__pycache__" not in p.parts and not any(p.is_relative_to(d) for d in DATA_FOLDERS))


def _dotted(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


#: each module's last name -> the dotted names of the modules so named ("plots": report, inference, sensitivity)
_BY_NAME: dict[str, list[str]] = {}
for _p in _modules():
    _BY_NAME.setdefault(_dotted(_p).rsplit(".", 1)[-1], []).append(_dotted(_p))


def _resolves(dotted: str) -> bool:
    """``dotted`` is a module, or an attribute path inside the longest module it starts with."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        module = ".".join(parts[:i])
        try:
            obj: object = importlib.import_module(module)
        except ModuleNotFoundError as error:
            if error.name is not None and module.startswith(error.name):
                continue  # no such module
            return True  # it exists but needs an optional extra (numba-cuda): its names are not checked here
        try:
            for name in parts[i:]:
                obj = getattr(obj, name)
        except AttributeError:
            return False
        return True
    return False


def _named_paths(text: str) -> tuple[list[str], list[str]]:
    """(dotted names, file paths) the doc's code spans name: a span's leading identifier path, cut at a call,
    an assignment, a space or a colon (a YAML line, ``x=1``, ``f(a)`` and prose spans name nothing further)."""
    dotted, files = [], []
    for span in _code_spans(text):
        head = re.match(r"[\w./*-]+", span)
        if head is None or span.startswith("/") or head.group(0) in GENERATED or span[head.end():].startswith(":"):
            continue
        token = head.group(0).rstrip(".")
        if "/" in token or re.search(r"\.(py|md|yaml|yml|js|json|csv)$", token):
            files.append(token)
        elif re.fullmatch(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+", token):
            dotted.append(token)
    return dotted, files


def _module_candidates(token: str) -> list[str]:
    """The full dotted names ``token`` can stand for: ``hemasim.x...`` itself; else a module's last name
    (``forward.KernelEngine``, ``_lockstep._in_chunks``, ``cohort.sampling.draw_patients``) at its head, or
    nothing when the head is no module of hemasim (``ctx.p``, ``np.exp``, ``Event.expand``)."""
    if token.startswith("hemasim."):
        return [token]
    head, _, rest = token.partition(".")
    return [f"{module}.{rest}" for module in _BY_NAME.get(head, [])]


def test_every_hemasim_name_in_the_doc_resolves() -> None:
    dotted, _ = _named_paths(_doc())
    missing = [t for t in dotted if (c := _module_candidates(t)) and not any(_resolves(x) for x in c)]
    assert not missing, f"docs/architecture.md names what the code does not have: {missing}"


def test_the_resolver_tells_a_missing_name() -> None:
    assert _resolves("hemasim.solvers.steady.NewtonSteadyState")
    assert not _resolves("hemasim.solvers.steady.NoSuchStrategy")
    assert not _resolves("hemasim.no_such_module")
    assert _module_candidates("forward.KernelEngine") == ["hemasim.inference.forward.KernelEngine"]
    assert _module_candidates("ctx.p") == []
    assert _named_paths("`a.b(x)` `hemasim.io` `tests/test_x.py` `population.kind: x` `HEMASIM_AOT=0`") == (
        ["a.b", "hemasim.io"], ["tests/test_x.py"])


def _file_exists(token: str) -> bool:
    """A path as the doc writes it: from the repository root, from src/ or src/hemasim, or inside one of the
    package's folders (``_dopri.py``, ``chemo_regimens/*.yaml``); ``pkg/module.attr`` names an attribute."""
    path = token.rstrip("/")
    stem, dot, attr = path.rpartition(".")
    if dot and "/" in stem and not re.fullmatch(r"py|md|yaml|yml|js|json|csv", attr):
        return _resolves("hemasim." + stem.replace("/", ".").removeprefix("hemasim.") + "." + attr)
    roots = [ROOT, ROOT / "src", PACKAGE, *(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__")]
    for root in roots:
        for candidate in (path, path + ".py"):
            if any(root.glob(candidate)) if "*" in candidate else (root / candidate).exists():
                return True
    return False


@pytest.mark.slow
def test_every_file_the_doc_names_exists() -> None:
    _, files = _named_paths(_doc())
    missing = [f for f in files if not _file_exists(f) and f not in RUN_OUTPUTS]
    assert not missing, f"docs/architecture.md names files that are not in the repository: {missing}"


def test_every_data_folder_is_named() -> None:
    text = _doc()
    unnamed = [d.name for d in sorted((ROOT / "data").iterdir()) if d.is_dir() and f"`data/{d.name}/`" not in text]
    assert not unnamed, f"data folders docs/architecture.md does not name: {unnamed}"


def _cli_row() -> str:
    return next(line for line in _doc().splitlines() if line.startswith("| `hemasim.cli`"))


def test_the_cli_commands_listed_are_the_apps_one_file_each() -> None:
    import typer.main

    from hemasim.cli.app import app

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    listed = re.search(r"one command per file \(([^;)]*)", _cli_row())
    assert listed is not None, "the hemasim.cli row no longer says 'one command per file (...)'"
    names = {n for n in _code_spans(listed.group(1)) if not n.endswith(".py")}
    assert names == set(commands), f"listed {sorted(names)}, the app has {sorted(commands)}"
    files = {name: Path(importlib.import_module(cmd.callback.__module__).__file__ or "")
             for name, cmd in commands.items()}
    assert all(f.parent == PACKAGE / "cli" for f in files.values())
    assert len(set(files.values())) == len(files), f"a file holds several commands: {files}"
    for name, file in files.items():  # the doc's rule, or the exception it states
        assert file.stem == name.replace("-", "_") or f"`{file.name}`" in _cli_row(), (name, file.name)


def test_every_module_is_named_in_the_doc() -> None:
    """Named as ``pkg.module`` or ``pkg/module``, as a name of its own (``plasma_refill``), or in its package's
    row of the table; modules of the ``sets/`` folder, and the CLI's command files (checked above), as a group."""
    text = _doc()
    components: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    for span in _code_spans(text):
        for path in re.findall(r"[A-Za-z_][\w./]*", span):
            parts = [q for q in re.split(r"[./]", path) if q]
            components.update(parts)
            pairs.update(zip(parts, parts[1:], strict=False))
    rows = {m.group(1): set(re.findall(r"\w+", line)) for line in text.splitlines()
            if (m := re.match(r"\| `(hemasim[\w.]*)`", line))}
    names = Counter(p.stem for p in _modules())
    unnamed = []
    for path in _modules():
        if path.name == "__init__.py" or any(g in path.parents for g in GROUPED):
            continue
        if path.parent == PACKAGE / "cli" and not path.stem.startswith("_") and path.stem != "app":
            continue
        stem, package = path.stem, _dotted(path.parent / "__init__.py")
        if ((path.parent.name, stem) in pairs or (names[stem] == 1 and stem in components)
                or stem in rows.get(package, set())):
            continue
        unnamed.append(str(path.relative_to(PACKAGE)))
    assert not unnamed, f"modules docs/architecture.md does not name (add them to their package's row): {unnamed}"


@pytest.mark.parametrize("extra", ["dask", "roadrunner", "gpu", "fit", "docs", "test"])
def test_every_optional_extra_is_described(extra: str) -> None:
    import tomllib

    extras = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert set(extras) == {"dask", "roadrunner", "gpu", "fit", "docs", "test"}, "update the list here and in the doc"
    assert f"`{extra}`" in _doc()


#: the layers of the doc's diagram, bottom up: a module imports at module level only from its own package or a
#: lower layer (one rank may hold several packages; equal ranks may import each other)
LAYERS = {
    "hemasim": 0, "hemasim._yaml_limits": 1, "hemasim._schema": 1, "hemasim._file_kinds": 1, "hemasim._csv": 1, "hemasim._gc": 1, "hemasim._progress": 1,
    "hemasim._checkout": 1, "hemasim._examples": 1, "hemasim._confidence": 1,
    "hemasim.parameters": 2, "hemasim.model": 3, "hemasim.events": 4,
    "hemasim.biology": 5, "hemasim.pharmacology": 5, "hemasim.radiation": 5, "hemasim.clonal": 5,
    "hemasim.solvers": 6, "hemasim.plasma_refill": 7, "hemasim.simulation": 8,
    "hemasim.endpoints": 9, "hemasim.clinical_thresholds": 9, "hemasim.interventions": 10, "hemasim.scenario": 11, "hemasim.assembly": 12,
    "hemasim.validation": 13, "hemasim.cohort": 13, "hemasim.sensitivity": 13, "hemasim.inference": 13,
    "hemasim.arms": 13, "hemasim.report": 13, "hemasim.io": 13,
    "hemasim.cli": 14, "hemasim.explore": 14, "hemasim.__main__": 15,
}
#: (importing module, imported package): the upward imports the doc names as exceptions
EXCEPTIONS = {
    ("hemasim.model.sbml", "hemasim.events"), ("hemasim.model.sbml_events", "hemasim.events"),
    ("hemasim.clonal.report", "hemasim.io"), ("hemasim.clonal.report", "hemasim.report"),
    ("hemasim.clonal._kernels", "hemasim.solvers"),
    ("hemasim.parameters.table", "hemasim.biology"), ("hemasim.parameters.table", "hemasim.sensitivity"),
}


def _layer_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _module_level_imports(path: Path, package: str | None = None) -> list[str]:
    """The hemasim modules ``path`` imports when it is imported: not inside functions, not for type checkers
    (``package``: the package relative imports start from; by default the one ``path`` is in)."""
    if package is None:
        package = _dotted(path) if path.name == "__init__.py" else _dotted(path).rsplit(".", 1)[0]
    out: list[str] = []

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                out.extend(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                out.append(base)
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(node, field, []))
            for handler in getattr(node, "handlers", []):
                visit(handler.body)

    visit(_tree(path).body)
    return [m for m in out if m == "hemasim" or m.startswith("hemasim.")]


@pytest.mark.slow
def test_modules_import_only_their_layer_and_below() -> None:
    assert set(LAYERS) >= {_layer_of(_dotted(p)) for p in _modules()}, "a new top-level module: give it a layer"
    upward = []
    for path in _modules():
        module = _dotted(path)
        own = _layer_of(module)
        for imported in _module_level_imports(path):
            target = _layer_of(imported)
            if target != own and LAYERS[target] > LAYERS[own] and (module, target) not in EXCEPTIONS:
                upward.append(f"{module} -> {imported}")
    assert not upward, ("module-level imports that go up a layer (make them late imports marked with the cycle "
                        f"they avoid, or document the exception in docs/architecture.md): {upward}")
    text = _doc()
    for module, _target in EXCEPTIONS:
        assert f"`{module.removeprefix('hemasim.')}`" in text, f"the exception {module} is not in the doc"


def test_the_layer_check_reads_module_level_imports_only(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("from typing import TYPE_CHECKING\nimport hemasim.model\nif TYPE_CHECKING:\n"
                      "    from hemasim.cli import app\ndef f():\n    from hemasim.assembly import run_scenario\n"
                      "class C:\n    from hemasim.io import atomic_write_file\n"
                      "try:\n    from hemasim.report import html\nexcept ImportError:\n    from . import laws\n",
                      encoding="utf-8")
    assert _module_level_imports(source, "hemasim.model") == [
        "hemasim.model", "hemasim.io", "hemasim.report", "hemasim.model"]


def _private_names_from_other_packages(path: Path, module: str | None = None) -> list[str]:
    """``module -> package.module._name`` for each name with a leading underscore ``path`` (the module ``module``, by
    default its own) imports from a module of another package; a private module (``from hemasim.solvers import
    _aot``) is not a name."""
    module = module or _dotted(path)
    out = []
    for node in ast.walk(_tree(path)):
        if not (isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("hemasim.")):
            continue
        source = PACKAGE.parent / Path(*node.module.split("."))
        for alias in node.names:
            private = alias.name.startswith("_") and not alias.name.startswith("__")
            is_module = (source / f"{alias.name}.py").exists() or (source / alias.name).is_dir()
            if private and not is_module and _layer_of(node.module) != _layer_of(module):
                out.append(f"{module} -> {node.module}.{alias.name}")
    return out


def test_no_module_imports_another_packages_private_name() -> None:
    """The gene-therapy report imported report.key_results._row_head and the explorer scenario.overrides._table
    (harden15): a helper two packages share gets a public name, where a private one may change without notice."""
    found = [hit for path in _modules() for hit in _private_names_from_other_packages(path)]
    assert not found, f"private names imported across packages: {found}"


def test_the_private_name_check_tells_a_name_from_a_module_and_a_package(tmp_path: Path) -> None:
    source = tmp_path / "x.py"
    source.write_text("from hemasim.report.key_results import _hidden, shown\nfrom hemasim.solvers import _aot\n"
                      "def f():\n    from hemasim.clonal.engine import _same_package\n"
                      "    from hemasim.scenario.overrides import _late\n", encoding="utf-8")
    assert _private_names_from_other_packages(source, "hemasim.clonal.x") == [
        "hemasim.clonal.x -> hemasim.report.key_results._hidden", "hemasim.clonal.x -> hemasim.scenario.overrides._late"]


def _command_rows() -> dict[str, tuple[str, list[str]]]:
    """The doc's table of commands: name -> (file, the names its library-calls cell gives)."""
    rows = {}
    for line in _doc().split("## The commands and what they call", 1)[1].split("\n## ", 1)[0].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = (cells[1].strip("`"), [c for c in _code_spans(cells[2])
                                                                if re.fullmatch(r"[A-Za-z_][\w.]*(\(\))?", c)])
    return rows


def test_the_table_of_commands_names_each_commands_file_and_what_it_calls():
    """Every command of the app has its row, with its file; every function the row names is imported or called by
    that file (or by the command file it imports helpers from: sensitivity from sweep)."""
    import typer.main

    from hemasim.cli.app import app

    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    rows = _command_rows()
    assert set(rows) == set(commands)
    for name, (file, calls) in rows.items():
        path = PACKAGE / file
        assert path == Path(importlib.import_module(commands[name].callback.__module__).__file__ or ""), name
        sources = [path.read_text(encoding="utf-8")]
        sources += [(PACKAGE / "cli" / f"{m}.py").read_text(encoding="utf-8")
                    for m in re.findall(r"from hemasim\.cli\.([a-z]\w*) import", sources[0])]
        assert calls, name
        for call in calls:
            word = call.removesuffix("()").rsplit(".", 1)[-1]
            assert any(re.search(rf"\b{re.escape(word)}\b", s) for s in sources), (name, call)
