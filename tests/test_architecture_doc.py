"""docs/architecture.md stays true to the code: every module, object and file it names in backticks exists, its
list of CLI commands is the app's, and every module of the package is named in it (a new module cannot go
undocumented silently). Static: imports modules, runs nothing."""

from __future__ import annotations

import importlib
import re
from collections import Counter
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


def _code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


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


def test_every_file_the_doc_names_exists() -> None:
    _, files = _named_paths(_doc())
    missing = [f for f in files if not _file_exists(f) and f not in RUN_OUTPUTS]
    assert not missing, f"docs/architecture.md names files that are not in the repository: {missing}"


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
            pairs.update(zip(parts, parts[1:]))
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
