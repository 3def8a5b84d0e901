"""The Python examples in the README and docs run as written."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", ROOT / "docs" / "clonal.md", ROOT / "docs" / "drugs.md", ROOT / "docs" / "api" / "index.md"]
#: pages whose examples run in a clone's root, as their commands do (`examples/...` paths)
DOCS_IN_CLONE = [ROOT / "docs" / "getting_started.md", ROOT / "docs" / "cohorts.md"]


def python_blocks():
    for doc in [*DOCS, *DOCS_IN_CLONE]:
        for i, block in enumerate(re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)):
            yield pytest.param(block, doc in DOCS_IN_CLONE, id=f"{doc.name}-{i}")


@pytest.mark.parametrize(("code", "in_clone"), list(python_blocks()))
@pytest.mark.slow
@pytest.mark.integration
def test_documented_example_runs(code, in_clone, tmp_path, monkeypatch, request):
    """Each block in a namespace of its own (so it imports what it uses) and in its own folder, in this process: a
    fresh interpreter per block spent ~3 s CPU of the 7 blocks' ~5 loading the libraries and compiled kernels the
    suite has loaded already (twentieth session); an error fails the test with the block's traceback. A block that
    reaches a module through its package without importing it runs in a fresh interpreter, as before."""
    if "import roadrunner" in code:  # the SBML cross-check (docs/cohorts.md) needs the test extra's libRoadRunner
        pytest.importorskip("roadrunner", reason="libroadrunner is not installed")
    folder = ROOT if in_clone else tmp_path
    if reads_a_module_it_did_not_import(code):
        res = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, res.stderr[-2000:]
        return
    monkeypatch.chdir(folder)
    exec(compile(code, request.node.name, "exec"), {"__name__": "__main__"})


def reads_a_module_it_did_not_import(code: str) -> bool:
    """Whether ``code`` reaches a module as its package's attribute (``hs.clonal``, ``np.random``) without importing
    it: a fresh interpreter has that attribute only where the package's own import made it (hemasim's are lazy, by
    name), this process wherever any test imported the module."""
    tree = ast.parse(code)
    bound: dict[str, str] = {}  # a name the block binds to a module (or a module's attribute): its dotted path
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                imported.update(".".join(parts[:i]) for i in range(1, len(parts) + 1))
                bound[alias.asname or parts[0]] = alias.name if alias.asname else parts[0]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.update(f"{node.module}.{alias.name}" for alias in node.names)
            bound.update({alias.asname or alias.name: f"{node.module}.{alias.name}" for alias in node.names})
    for node in ast.walk(tree):
        chain: list[str] = []
        while isinstance(node, ast.Attribute):
            chain.append(node.attr)
            node = node.value
        path = bound.get(node.id) if chain and isinstance(node, ast.Name) else None
        for attr in reversed(chain if path else []):
            path = f"{path}.{attr}"
            if path not in sys.modules:
                break
            if path not in imported:
                return True
    return False


def test_a_module_reached_through_its_package_without_its_import_is_seen():
    import numpy.random  # noqa: F401 - numpy loads it lazily: alone, this test's process may not have it yet

    import hemasim.clonal  # noqa: F401 - imported here, as another test may have

    assert reads_a_module_it_did_not_import("import hemasim as hs\nhs.clonal.NeutralHSCPool(10)")
    assert reads_a_module_it_did_not_import("import numpy\nnumpy.random.default_rng(0)")
    assert not reads_a_module_it_did_not_import("import hemasim.clonal\nhemasim.clonal.NeutralHSCPool(10)")
    assert not reads_a_module_it_did_not_import("from hemasim import clonal\nclonal.NeutralHSCPool(10)")
    assert not reads_a_module_it_did_not_import("import hemasim as hs\nhs.Simulation.run")


def test_drug_set_doc_is_generated_from_the_data():
    from hemasim.pharmacology.table import drug_sets_markdown

    assert (ROOT / "docs" / "drug_sets.md").read_text(encoding="utf-8") == drug_sets_markdown(), (
        "docs/drug_sets.md is stale: run `python -m hemasim.pharmacology.table > docs/drug_sets.md`")


#: files whose text holds the names the docs may quote: code, scenario files, data and the scripts beside the docs
#: (a table's header line only: a data row names nothing)
_CODE_FOLDERS = ("src", "examples", "bench", "tests", "docs", "data")
_TEXT_SUFFIXES = {".py", ".yaml", ".yml", ".toml", ".js", ".html", ".R", ".txt", ".cfg"}
_TABLE_SUFFIXES = {".csv", ".tsv"}
#: backticked names that are in no file of the repository, on purpose: each with why
_NAMES_NOT_IN_THE_CODE = {
    "no_cpython_wrapper": "a numba compile flag a measurement tried (docs/performance.md, not adopted)",
    "no_cfunc_wrapper": "a numba compile flag, as above",
    "ch_steps": "the kernel ch_lifespans replaced (docs/architecture.md says so)",
    "single_cord_neutrophil_engraftment_day_tnc_4p7e7": "a read-out name made by validation.cord.single_cord_readout_name",
    "anc_fell_below_0p5_after_engraftment_day": "an endpoint name made as interventions.transplant.ANC_BELOW_AGAIN + '_day'",
    "find_string": "the search tool the sources were read with",
    "annotated_types": "a dependency of pydantic",
    "copy_ir": "a numba option",
    "defer_build": "a pydantic option",
    "follow_imports": "a mypy option",
    "sched_yield": "os.sched_yield",
    "vaccine_recruitment_half_saturation_au": "K_rec as the dose law's pre-registration named it (branch humdose37, "
                                              "docs/sensitivity.md, kept as committed); the model carries its inverse, "
                                              "vaccine_recruitment_saturation_per_au (a value must be finite)",
}


#: pages written from the built model, whose names (chain stages, a drug's states) the model makes at build time and no
#: file spells out: each with the test that holds it current
_PAGES_FROM_THE_MODEL = {"docs/equations.md": "python -m hemasim.model.equations; tests/test_equations.py"}


def _words_in_the_code() -> set[str]:
    words: set[str] = set()
    for folder in _CODE_FOLDERS:
        for path in (ROOT / folder).rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            words.add(path.name.split(".")[0])  # a file named in backticks without its suffix
            if path.suffix in _TEXT_SUFFIXES or (folder == "src" and path.suffix == ".json"):
                text = path.read_text(encoding="utf-8", errors="ignore")
            elif path.suffix in _TABLE_SUFFIXES:
                with path.open(encoding="utf-8", errors="ignore") as f:
                    text = f.readline()
            else:
                continue
            words.update(re.findall(r"[A-Za-z_]\w*", text))
    for name in ("Makefile", "pyproject.toml", "mkdocs.yml"):
        words.update(re.findall(r"[A-Za-z_]\w*", (ROOT / name).read_text(encoding="utf-8")))
    return words


def _unknown_names(text: str, known: set[str]) -> list[str]:
    """Backticked snake_case names (a whole code span: `hsc_count`, not `hsc_count: 1e5`) that ``known`` lacks."""
    return sorted({n for n in re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`", text) if n not in known})


def test_every_name_the_docs_quote_is_in_the_code():
    """A parameter (or state, observable, endpoint, scenario field, module) renamed or removed in the code leaves its
    old name in a page: every whole backticked snake_case name in the docs and the README is a parameter of the
    healthy model or a word of some code, scenario or data file, or is listed above with its reason. (The docs'
    equations name parameters this way. Its limit: a stale name that survives in a comment of the code passes.)"""
    from hemasim.biology import healthy_human_model

    parameters = set(healthy_human_model().parameters)
    # a cohort writes each drawn parameter as the column param_<name> (cohort.runner)
    known = parameters | {f"param_{p}" for p in parameters} | _words_in_the_code() | set(_NAMES_NOT_IN_THE_CODE)
    pages = [p for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
             if p.relative_to(ROOT).as_posix() not in _PAGES_FROM_THE_MODEL]
    stale = {str(p.relative_to(ROOT)): u for p in pages if (u := _unknown_names(p.read_text(encoding="utf-8"), known))}
    assert not stale, f"names the docs quote that no longer exist (rename them, or list them with a reason): {stale}"
    unused = sorted(n for n in _NAMES_NOT_IN_THE_CODE
                    if not any(f"`{n}`" in p.read_text(encoding="utf-8") for p in pages))
    assert not unused, f"listed as quoted but no page quotes them any more (remove them from the list): {unused}"


def test_the_name_check_tells_an_unknown_name():
    assert _unknown_names("`hsc_count` and `hsc_count_renamed`, `hsc_count: 1e5`, `x`", {"hsc_count"}) == [
        "hsc_count_renamed"]


#: the pages that write the model's equations (docs/model.md and the topic pages it points to)
MODEL_PAGES = ["model.md", "platelets.md", "immunity.md", "transplant.md", "chimerism.md", "mobilisation.md",
               "clonal.md"]


@pytest.mark.parametrize("page", MODEL_PAGES)
def test_every_code_object_a_model_page_names_exists(page):
    """The model pages name the code that holds each equation (`hemasim.biology.lymphoid.naive_history_factor`,
    `body.set_point_age_factor`): each such dotted name resolves, as docs/architecture.md's do (its test's resolver)."""
    from tests.test_architecture_doc import _module_candidates, _named_paths, _resolves

    dotted, _ = _named_paths((ROOT / "docs" / page).read_text(encoding="utf-8"))
    missing = sorted({t for t in dotted if (c := _module_candidates(t)) and not any(_resolves(x) for x in c)})
    assert not missing, f"docs/{page} names code that does not exist: {missing}"


def _command_options() -> dict[str | None, set[str]]:
    """Each hemasim command's options (None: the top level's), --help included."""
    import typer

    from hemasim.cli.app import app

    top = typer.main.get_command(app)

    def options(command) -> set[str]:
        return {o for p in command.params for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))} | {
            "--help"}

    return {None: options(top), **{name: options(c) for name, c in top.commands.items()}}


def _unknown_options(text: str, options: dict[str | None, set[str]]) -> list[str]:
    """``hemasim CMD ... --opt`` lines (up to a backtick, a comment or the line's end) whose CMD has no --opt."""
    bad = []
    for m in re.finditer(r"(?<![\w/.-])hemasim(?: ([a-z][a-z-]*))?((?: [^\n`#;)]*)?)", text):
        command, rest = m.group(1), m.group(2)
        if command is not None and command not in options:
            continue  # prose: "hemasim as hs", "hemasim observable"
        bad += [f"hemasim {command or ''} {o}".replace("  ", " ") for o in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest)
                if o not in options[command]]
    return bad


def test_every_option_a_documented_command_line_gives_is_the_commands():
    """A flag renamed or removed (or given to the wrong command) leaves a command line in a page that fails as
    written: every ``hemasim CMD ... --opt`` in the README, the docs and the tutorials names an option of CMD."""
    options = _command_options()
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md")), *sorted((ROOT / "docs" / "tutorials").glob(
        "*.py"))]
    stale = {str(p.relative_to(ROOT)): u for p in pages if (u := _unknown_options(p.read_text(encoding="utf-8"),
                                                                                   options))}
    assert not stale, f"command lines in the docs with options their command lacks: {stale}"
    assert _unknown_options("`hemasim fit p.yaml --out o --no-plot` and hemasim as hs --out", options) == [
        "hemasim fit --no-plot"]
